//! What an institution reviews in a version, made from its assessment: the requests made of the
//! institution (医療機関等に求める事項) first, then the risks proposed for acceptance or sharing, what
//! remains, the split of responsibilities, the provider's own treatment decisions, and the risk
//! treatment list as a whole.
//!
//! An item's key is made of the model's own ids (a decision's risk pattern, a control id), so the
//! same item in a later version has the same key; its digest covers only its substance (texts,
//! risks with their ranks and status), never positions in files, so an edit elsewhere leaves it
//! unchanged and its earlier agreement carries.

use std::collections::BTreeMap;

use sansho_core::result::{Risk, Status};
use sansho_core::vocab::{Cia, Rank, TreatmentOption, Vocabulary};
use sansho_core::{Assessment, Lang};
use sansho_store::records::{ItemKind, sha256_hex};
use serde_json::{Value, json};

/// At most this many risks are listed in an item; the count and the digest cover them all.
const LISTED_RISKS: usize = 100;

/// An item before it belongs to a stored version.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemDraft {
    pub key: String,
    pub kind: ItemKind,
    pub title_ja: String,
    pub title_en: String,
    pub rank: Option<Rank>,
    pub detail: Value,
    pub content_digest: String,
}

/// The review items of an assessment, in review order.
pub fn review_items(a: &Assessment) -> Vec<ItemDraft> {
    let threats: BTreeMap<&str, &sansho_core::result::ThreatInfo> =
        a.threats.iter().map(|t| (t.id.as_str(), t)).collect();
    let risk_json = |r: &Risk| {
        let threat = threats.get(&*r.threat);
        json!({
            "id": r.id,
            "flow": &*r.flow,
            "element": {"id": &*r.element.id, "name": &*r.element.name},
            "threat": &*r.threat,
            "threat_name": threat.map(|t| t.name.ja.clone()).unwrap_or_default(),
            "threat_name_en": threat.map(|t| t.name.en.clone()).unwrap_or_default(),
            "what_could_happen": threat.map(|t| harms_ja(&t.harms)).unwrap_or_default(),
            "scenario": r.scenario.text(Lang::Ja),
            "scenario_en": r.scenario.text(Lang::En),
            "inherent": r.inherent.rank.as_str(),
            "residual": r.residual.rank.as_str(),
            "status": r.status.as_str(),
        })
    };

    let mut requests: BTreeMap<String, (Value, Vec<&Risk>)> = BTreeMap::new();
    let mut decisions: BTreeMap<String, (TreatmentOption, Vec<&Risk>)> = BTreeMap::new();
    for r in &a.risks {
        let Some(t) = &r.treatment else { continue };
        let Some(decision) = &t.decision else {
            continue;
        };
        decisions
            .entry(decision.pattern.clone())
            .or_insert_with(|| (t.option, Vec::new()))
            .1
            .push(r);
        for q in &t.requests {
            let key = match &q.control {
                Some(c) => format!("request:{c}"),
                None => format!("request:{}", &sha256_hex(q.text.as_bytes())[..16]),
            };
            let control = q.control.as_ref().and_then(|id| {
                t.controls.iter().find(|c| &c.id == id).map(|c| {
                    json!({"id": c.id, "name": c.name, "owner": &*c.owner.name, "category": c.category.name()})
                })
            });
            requests
                .entry(key)
                .or_insert_with(|| {
                    (
                        json!({"text": q.text, "control": control, "decision": decision.pattern}),
                        Vec::new(),
                    )
                })
                .1
                .push(r);
        }
    }

    let mut items = Vec::new();
    for (key, (head, risks)) in requests {
        let text = head["text"].as_str().unwrap_or_default().to_owned();
        items.push(item(
            key,
            ItemKind::Request,
            format!("医療機関等に求める事項: {}", short(&text)),
            format!("Asked of the institution: {}", short(&text)),
            head,
            &risks,
            &risk_json,
        ));
    }
    for (pattern, (option, risks)) in &decisions {
        if !matches!(option, TreatmentOption::Accept | TreatmentOption::Share) {
            continue;
        }
        let t = risks.first().and_then(|r| r.treatment.as_ref());
        let head = json!({
            "decision": pattern,
            "option": option.name(),
            "rationale": t.and_then(|t| t.rationale.clone()),
            "acceptance": t.and_then(|t| t.acceptance.as_ref()).map(|x| json!({"by": x.by, "date": x.date, "reason": x.reason})),
        });
        let (ja, en) = match option {
            TreatmentOption::Share => (
                "医療機関等と共有するリスク",
                "Risks shared with the institution",
            ),
            _ => ("受容するリスク", "Risks accepted"),
        };
        // Titled by what could happen, not by the decision's pattern of ids.
        let (what_ja, what_en) = match risks.as_slice() {
            [only] => (only.scenario.text(Lang::Ja), only.scenario.text(Lang::En)),
            [first, ..] => {
                let threat = threats.get(&*first.threat);
                let name = |lang: Lang| {
                    threat.map_or(first.threat.to_string(), |t| t.name.get(lang).to_owned())
                };
                (
                    format!(
                        "{}での{}（{} 件）",
                        first.element.name,
                        name(Lang::Ja),
                        risks.len()
                    ),
                    format!(
                        "{} on {} ({} risks)",
                        name(Lang::En),
                        first.element.name,
                        risks.len()
                    ),
                )
            }
            [] => (pattern.clone(), pattern.clone()),
        };
        items.push(item(
            format!("acceptance:{pattern}"),
            ItemKind::Acceptance,
            format!("{ja}: {}", short(&what_ja)),
            format!("{en}: {}", short(&what_en)),
            head,
            risks,
            &risk_json,
        ));
    }

    // What remains: residual S and A, which the policy wants treated.
    let remaining: Vec<&Risk> = a
        .risks
        .iter()
        .filter(|r| matches!(r.residual.rank, Rank::S | Rank::A))
        .filter(|r| !matches!(r.status, Status::Accepted | Status::Avoided))
        .collect();
    items.push(item(
        "residual".to_owned(),
        ItemKind::Residual,
        "残存リスク (S・A ランクで受容されていないもの)".to_owned(),
        "Residual risks (rank S or A, not accepted)".to_owned(),
        json!({
            "residual_by_rank": a.summary.residual_by_rank,
            "untreated_required": a.summary.untreated_required,
        }),
        &remaining,
        &risk_json,
    ));

    let responsibilities: Vec<Value> = a
        .configuration
        .responsibilities
        .iter()
        .map(|r| {
            json!({
                "organization": &*r.organization.name,
                "assets": r.assets,
                "covers": r.covers,
                "incident_lead": r.incident_lead,
                "duties": r.duties,
            })
        })
        .collect();
    let detail = json!({"responsibilities": responsibilities});
    items.push(ItemDraft {
        key: "responsibility".to_owned(),
        kind: ItemKind::Responsibility,
        title_ja: "責任分界 (各組織が担う範囲)".to_owned(),
        title_en: "Split of responsibilities".to_owned(),
        rank: None,
        content_digest: digest(&detail),
        detail,
    });

    for (pattern, (option, risks)) in &decisions {
        if matches!(option, TreatmentOption::Accept | TreatmentOption::Share) {
            continue;
        }
        let t = risks.first().and_then(|r| r.treatment.as_ref());
        let controls: Vec<Value> = t
            .map(|t| {
                t.controls
                    .iter()
                    .map(|c| json!({"id": c.id, "name": c.name, "owner": &*c.owner.name, "category": c.category.name()}))
                    .collect()
            })
            .unwrap_or_default();
        let head = json!({
            "decision": pattern,
            "option": option.name(),
            "rationale": t.and_then(|t| t.rationale.clone()),
            "controls": controls,
        });
        let ja = if *option == TreatmentOption::Avoid {
            "回避"
        } else {
            "低減"
        };
        items.push(item(
            format!("treatment:{pattern}"),
            ItemKind::Treatment,
            format!("事業者の対応 ({ja}): {pattern}"),
            format!("Provider's treatment ({}): {pattern}", option.name()),
            head,
            risks,
            &risk_json,
        ));
    }

    // The list as a whole: any risk added, removed, re-ranked or treated differently changes it.
    let all: Vec<Value> = a
        .risks
        .iter()
        .map(|r| {
            json!([
                r.id,
                r.inherent.rank.as_str(),
                r.residual.rank.as_str(),
                r.status.as_str()
            ])
        })
        .collect();
    let detail = json!({
        "risks": a.summary.risks,
        "by_status": a.summary.by_status,
        "inherent_by_rank": a.summary.inherent_by_rank,
        "residual_by_rank": a.summary.residual_by_rank,
    });
    items.push(ItemDraft {
        key: "treatment-list".to_owned(),
        kind: ItemKind::Treatment,
        title_ja: "リスク対応一覧 (全体)".to_owned(),
        title_en: "Risk treatment list (as a whole)".to_owned(),
        rank: a.risks.iter().map(|r| r.residual.rank).max(),
        content_digest: digest(&json!({"summary": detail, "risks": all})),
        detail,
    });
    items
}

fn item(
    key: String,
    kind: ItemKind,
    title_ja: String,
    title_en: String,
    mut head: Value,
    risks: &[&Risk],
    risk_json: &dyn Fn(&Risk) -> Value,
) -> ItemDraft {
    let all: Vec<Value> = risks.iter().map(|r| risk_json(r)).collect();
    let content_digest = digest(&json!({"head": head, "risks": all}));
    let rank = risks.iter().map(|r| r.residual.rank).max();
    if let Value::Object(map) = &mut head {
        map.insert("risk_count".into(), json!(all.len()));
        map.insert(
            "risks".into(),
            Value::Array(all.into_iter().take(LISTED_RISKS).collect()),
        );
    }
    ItemDraft {
        key,
        kind,
        title_ja,
        title_en,
        rank,
        detail: head,
        content_digest,
    }
}

fn digest(value: &Value) -> String {
    sha256_hex(&serde_json::to_vec(value).unwrap_or_default())
}

/// The first 60 characters of a text, for a title.
fn short(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// What a threat harming `harms` could do, in plain Japanese.
fn harms_ja(harms: &[Cia]) -> String {
    let words: Vec<&str> = harms
        .iter()
        .map(|h| match h {
            Cia::Confidentiality => "医療情報が漏れる",
            Cia::Integrity => "医療情報が書き換えられる",
            Cia::Availability => "システムや医療情報が使えなくなる",
        })
        .collect();
    words.join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Assessment {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ehr-saas");
        let mut provider = sansho_core::load::MemoryProvider::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            provider = provider.with(&name, std::fs::read(&path).unwrap());
        }
        let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
        let (_, a, d) = sansho_core::assess("sansho.yaml", &provider, kb, &Default::default());
        a.unwrap_or_else(|| panic!("{d:?}"))
    }

    #[test]
    fn the_example_gives_requests_first_and_keys_that_survive_an_unrelated_edit() {
        let a = example();
        let items = review_items(&a);
        assert_eq!(
            items[0].kind,
            ItemKind::Request,
            "requests of the institution come first"
        );
        assert!(items.iter().any(|i| i.kind == ItemKind::Acceptance));
        assert!(items.iter().any(|i| i.key == "residual"));
        assert!(items.iter().any(|i| i.key == "treatment-list"));
        let keys: std::collections::BTreeSet<&str> = items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys.len(), items.len(), "keys are unique");
        // The same assessment gives the same items.
        assert_eq!(review_items(&a), items);
    }
}
