//! Labels and colours shared by the writers.

use sansho_core::vocab::Rank;
use sansho_core::vocab::{OrganizationRole, Phase};
use sansho_core::{Lang, Localized};

pub fn t(lang: Lang, ja: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

/// Background colour of a rank (S darkest red to D grey).
pub fn rank_colour(rank: Rank) -> &'static str {
    match rank {
        Rank::S => "#b71c1c",
        Rank::A => "#e65100",
        Rank::B => "#f9a825",
        Rank::C => "#9ccc65",
        Rank::D => "#b0bec5",
    }
}

pub fn rank_text_colour(rank: Rank) -> &'static str {
    match rank {
        Rank::S | Rank::A => "#ffffff",
        _ => "#000000",
    }
}

pub fn phase(p: Phase, lang: Lang) -> String {
    p.label().get(lang).to_owned()
}

pub fn role(role: OrganizationRole) -> Localized {
    let (ja, en) = match role {
        OrganizationRole::Provider => ("対象事業者", "provider"),
        OrganizationRole::Subcontractor => ("再委託先", "subcontractor"),
        OrganizationRole::OtherProvider => ("他の事業者", "other provider"),
        OrganizationRole::Institution => ("医療機関等", "medical institution"),
    };
    Localized::new(ja, en)
}

/// A colour per organisation, stable for the model order.
pub fn organization_colour(index: usize) -> &'static str {
    const PALETTE: [&str; 8] = [
        "#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457", "#4e342e", "#37474f",
    ];
    PALETTE[index % PALETTE.len()]
}

/// One request to the institution, with the number of risks it answers.
pub struct InstitutionRequest {
    pub text: String,
    pub control: Option<String>,
    pub risks: usize,
}

/// The distinct requests to the institution across all risks, in first-seen order.
pub fn institution_requests(a: &sansho_core::Assessment) -> Vec<InstitutionRequest> {
    let mut out: Vec<InstitutionRequest> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for q in a
        .risks
        .iter()
        .filter_map(|r| r.treatment.as_ref())
        .flat_map(|t| &t.requests)
    {
        match index.get(q.text.as_str()) {
            Some(&i) => out[i].risks += 1,
            None => {
                index.insert(&q.text, out.len());
                out.push(InstitutionRequest {
                    text: q.text.clone(),
                    control: q.control.clone(),
                    risks: 1,
                });
            }
        }
    }
    out
}

/// Where a finding points, as `file:line:column` (empty when it points nowhere).
pub fn place(a: &sansho_core::Assessment, span: Option<sansho_core::Span>) -> String {
    span.map_or(String::new(), |s| {
        format!(
            "{}:{}:{}",
            a.files.get(s.file.0 as usize).map_or("?", String::as_str),
            s.line,
            s.column
        )
    })
}

/// A flow as the cells every flow list shows: ID, phase, layer, Who, Where, Which, What, How.
pub fn flow_row(f: &sansho_core::result::FlowResult, lang: Lang) -> Vec<String> {
    vec![
        f.id.clone(),
        f.phase.label().get(lang).to_owned(),
        f.layer.label().get(lang).to_owned(),
        if f.who.is_empty() {
            "—".to_owned()
        } else {
            f.who
                .iter()
                .map(|w| &*w.name)
                .collect::<Vec<_>>()
                .join("、")
        },
        f.where_.name.to_string(),
        f.which.name.to_string(),
        f.what
            .iter()
            .map(|w| &*w.name)
            .collect::<Vec<_>>()
            .join("、"),
        f.how
            .iter()
            .map(|h| h.label().get(lang).to_owned())
            .collect::<Vec<_>>()
            .join("・"),
    ]
}

/// A 運用管理規程 item as cells: label, topic, where it is covered (or "missing").
pub fn operating_rule_row(i: &sansho_core::result::ItemCoverage, lang: Lang) -> Vec<String> {
    vec![
        i.label.clone().unwrap_or_else(|| i.id.clone()),
        i.name.get(lang).to_owned(),
        i.coverage
            .clone()
            .unwrap_or_else(|| t(lang, "未記載", "missing").to_owned()),
    ]
}

/// The names of assets given by id (the id itself when the assessment has no such asset).
pub fn asset_names(a: &sansho_core::Assessment, ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|id| {
            a.configuration
                .assets
                .iter()
                .find(|x| &x.id == id)
                .map_or_else(|| id.clone(), |x| x.name.clone())
        })
        .collect()
}

/// Labels in one language, joined as the language lists things.
pub fn joined(labels: &[Localized], lang: Lang) -> String {
    let parts: Vec<&str> = labels.iter().map(|l| l.get(lang)).collect();
    parts.join(t(lang, "、", ", "))
}

/// The fix a reader of the documents is shown: a guideline rule's declared fix, written for
/// people. The policy findings' hints say which part of the model to edit; they stay in the CLI
/// and SARIF, for the model's author.
pub fn reader_fix(f: &sansho_core::Diagnostic) -> Option<&Localized> {
    f.code.rule()?;
    f.hint.as_deref()
}
