//! `sansho explain`: why a risk exists and scores as it does, or what a code, rule or fact means.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use sansho_core::diagnostics::did_you_mean;
use sansho_core::kb::ScoreOp;
use sansho_core::result::{Assessment, Risk};
use sansho_core::vocab::Fact;
use sansho_core::vocab::Vocabulary;
use sansho_core::{Code, KnowledgeBase, Lang};

use crate::{Common, EXIT_INVALID, print_diagnostics};

pub fn run(
    id: &str,
    model: &Path,
    kb: &KnowledgeBase,
    common: &Common,
) -> anyhow::Result<ExitCode> {
    let lang: Lang = common.lang.into();
    let mut out = std::io::stdout().lock();
    if let Some(doc) = Code::parse(id).and_then(|c| kb.rule(c)) {
        write!(out, "{}", explain_rule(doc, kb, lang))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(code) = Code::parse(id) {
        writeln!(
            out,
            "{} {} ({:?})\n{}",
            code.as_str(),
            code.name(),
            code.default_severity(),
            code.summary()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(text) = kb_entry(kb, id, lang) {
        write!(out, "{text}")?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(fact) = Fact::ALL.iter().find(|f| f.name() == id) {
        writeln!(out, "{}: {}", fact.name(), fact.doc())?;
        return Ok(ExitCode::SUCCESS);
    }
    let (sources, assessment, diagnostics) = crate::assess_at(model, kb, common)?;
    let Some(assessment) = assessment else {
        print_diagnostics(&diagnostics, &sources, lang);
        return Ok(ExitCode::from(EXIT_INVALID));
    };
    let Some(risk) = assessment.risks.iter().find(|r| r.id == id) else {
        let hint = did_you_mean(id, assessment.risks.iter().map(|r| r.id.as_str()));
        match (lang, hint) {
            (Lang::Ja, Some(h)) => eprintln!(
                "リスク {id} は {} にありません。`{h}` の誤りではありませんか",
                model.display()
            ),
            (Lang::Ja, None) => eprintln!(
                "リスク・コード・ルール {id} が見つかりません ({})",
                model.display()
            ),
            (Lang::En, Some(h)) => {
                eprintln!("no risk {id} in {}; did you mean `{h}`?", model.display())
            }
            (Lang::En, None) => eprintln!(
                "no risk, code or rule named {id} (model {})",
                model.display()
            ),
        }
        return Ok(ExitCode::from(EXIT_INVALID));
    };
    write!(
        out,
        "{}",
        explain_risk(risk, &assessment, kb, &sources, lang)
    )?;
    Ok(ExitCode::SUCCESS)
}

fn op_text(op: ScoreOp) -> String {
    match op {
        ScoreOp::AtLeast(n) => format!("at_least {n}"),
        ScoreOp::AtMost(n) => format!("at_most {n}"),
        ScoreOp::Shift(n) => format!("shift {n:+}"),
    }
}

fn kb_entry(kb: &KnowledgeBase, id: &str, lang: Lang) -> Option<String> {
    if let Some(t) = kb.threat(id) {
        let harms: Vec<String> = t
            .harms
            .iter()
            .map(|c| c.label().get(lang).to_owned())
            .collect();
        return Some(format!(
            "{} {}\n{}\nC/I/A: {}  base likelihood: {}\n{}\n",
            t.id,
            t.name.get(lang),
            t.description.get(lang),
            harms.join(", "),
            t.base_likelihood,
            t.references.join("; ")
        ));
    }
    if let Some(r) = kb.threat_rules.iter().find(|r| r.id == id) {
        let when: Vec<&str> = r.when.iter().map(|f| f.name()).collect();
        let unless: Vec<&str> = r.unless.iter().map(|f| f.name()).collect();
        let segments: Vec<&str> = r.segments.iter().map(|s| s.as_str()).collect();
        return Some(format!(
            "{}: {}\n  segments: {}\n  when: [{}]  unless: [{}]\n  threats: {}\n",
            r.id,
            r.description.get(lang),
            segments.join(", "),
            when.join(", "),
            unless.join(", "),
            r.threats.join(", ")
        ));
    }
    let score = kb
        .likelihood_rules
        .iter()
        .map(|r| ("likelihood", r))
        .chain(kb.impact_rules.iter().map(|r| ("impact", r)))
        .find(|(_, r)| r.id == id);
    if let Some((what, r)) = score {
        let when: Vec<&str> = r.when.iter().map(|f| f.name()).collect();
        let unless: Vec<&str> = r.unless.iter().map(|f| f.name()).collect();
        return Some(format!(
            "{} ({what}): {}\n  when: [{}]  unless: [{}]  threats: [{}]\n  op: {}\n",
            r.id,
            r.description.get(lang),
            when.join(", "),
            unless.join(", "),
            r.threats.join(", "),
            op_text(r.op)
        ));
    }
    if let Some(c) = kb.catalogue_control(id) {
        return Some(format!(
            "{} {} ({})\n{}\ncounters: {}  effect: likelihood -{} impact -{}\n{}\n",
            c.id,
            c.name.get(lang),
            c.category.label().get(lang),
            c.description.get(lang),
            c.counters.join(", "),
            c.effect.likelihood,
            c.effect.impact,
            c.references.join("; ")
        ));
    }
    None
}

/// The full explanation of one risk.
pub fn explain_risk(
    risk: &Risk,
    a: &Assessment,
    kb: &KnowledgeBase,
    sources: &sansho_core::Sources,
    lang: Lang,
) -> String {
    let ja = lang == Lang::Ja;
    let t = |j: &'static str, e: &'static str| if ja { j } else { e };
    let rule = |id: &str| {
        a.rules
            .get(id)
            .map_or(String::new(), |d| d.get(lang).to_owned())
    };
    let label = |scale: &[sansho_core::kb::ScaleLevel], level: u8| {
        scale
            .iter()
            .find(|s| s.level == level)
            .map_or(String::new(), |s| s.label.get(lang).to_owned())
    };
    let location = format!(
        "{}:{}:{}",
        sources.path(risk.span.file),
        risk.span.line,
        risk.span.column
    );
    let threat = a.threats.iter().find(|th| *th.id == *risk.threat);
    let mut s = String::new();
    let mut line = |text: String| {
        s.push_str(&text);
        s.push('\n');
    };
    let story = sansho_core::result::Narrator::new(a).reasons(risk, lang);
    line(format!("{} {}", t("リスク", "Risk"), risk.id));
    line(format!(
        "  {}: {}",
        t("想定リスク", "scenario"),
        risk.scenario.text(lang)
    ));
    line(format!(
        "  {}: {}",
        t("損なわれ得るもの", "at stake"),
        story.at_stake
    ));
    line(format!(
        "  {}: {} ({} / {})  {location}",
        t("情報流", "flow"),
        risk.flow,
        risk.phase.label().get(lang),
        risk.layer.label().get(lang)
    ));
    line(format!(
        "  {}: {} @ {} ({})",
        t("断面", "segment"),
        risk.segment.label().get(lang),
        risk.element.name,
        risk.element.id
    ));
    if let Some(th) = threat {
        let harms: Vec<String> = th
            .harms
            .iter()
            .map(|c| c.label().get(lang).to_owned())
            .collect();
        line(format!(
            "  {}: {} {} ({})",
            t("脅威", "threat"),
            th.id,
            th.name.get(lang),
            harms.join(", ")
        ));
    }
    for r in &risk.trace.threat_rules {
        line(format!(
            "  {}: {r} — {}",
            t("検出ルール", "found by"),
            rule(r)
        ));
    }
    let facts: Vec<&str> = risk.trace.facts.iter().map(|f| f.name()).collect();
    line(format!(
        "  {}: {}",
        t("成り立つ事実", "facts"),
        facts.join(", ")
    ));
    line(String::new());

    let l = &risk.trace.likelihood;
    line(format!(
        "{} {} ({})",
        t("顕在化率", "Likelihood"),
        l.value,
        label(&kb.scales.likelihood, l.value)
    ));
    line(format!("  {}: {}", t("理由", "why"), story.likelihood));
    line(format!(
        "  {} {} ({} {})",
        t("基準値", "base"),
        l.base,
        t("脅威の基準値", "base of threat"),
        risk.threat
    ));
    for step in &l.steps {
        line(format!(
            "  {} [{}] {} → {}  {}",
            step.rule,
            op_text(step.op),
            step.from,
            step.to,
            rule(&step.rule)
        ));
    }
    let i = &risk.trace.impact;
    let basis = &risk.trace.impact_basis;
    line(format!(
        "{} {} ({})",
        t("影響度", "Impact"),
        i.value,
        label(&kb.scales.impact, i.value)
    ));
    line(format!("  {}: {}", t("理由", "why"), story.impact));
    line(format!(
        "  {} {}: {} ({}) {} {}",
        t("基準値", "base"),
        i.base,
        basis.information,
        basis.classification,
        t("の", "on"),
        basis.aspect.label().get(lang)
    ));
    for step in &i.steps {
        line(format!(
            "  {} [{}] {} → {}  {}",
            step.rule,
            op_text(step.op),
            step.from,
            step.to,
            rule(&step.rule)
        ));
    }
    let policy = kb
        .matrix
        .policy(risk.inherent.rank)
        .map_or(String::new(), |p| p.description.get(lang).to_owned());
    line(format!(
        "{} {} ({} {} × {} {}; {})  {}: {policy}",
        t("ランク", "Rank"),
        risk.inherent.rank.as_str(),
        t("影響度", "impact"),
        risk.inherent.impact,
        t("顕在化率", "likelihood"),
        risk.inherent.likelihood,
        a.matrix.source.get(lang),
        t("方針", "policy")
    ));
    line(String::new());
    match &risk.treatment {
        None => line(format!(
            "{}: {}",
            t("対応", "Treatment"),
            t("なし (未対応)", "none (open)")
        )),
        Some(tr) => {
            let origin = match &tr.decision {
                Some(d) => format!(
                    "{} {} {}:{}:{}",
                    t("決定", "decision"),
                    d.pattern,
                    sources.path(d.span.file),
                    d.span.line,
                    d.span.column
                ),
                None => t(
                    "決定なし。適用範囲の対策による低減",
                    "no decision; reduced by controls in scope",
                )
                .to_owned(),
            };
            line(format!(
                "{}: {} ({origin})",
                t("対応", "Treatment"),
                tr.option.label().get(lang)
            ));
            for c in &tr.controls {
                let mut effects = Vec::new();
                if c.likelihood_effect > 0 {
                    effects.push(format!(
                        "{} -{}",
                        t("顕在化率", "likelihood"),
                        c.likelihood_effect
                    ));
                }
                if c.impact_effect > 0 {
                    effects.push(format!("{} -{}", t("影響度", "impact"), c.impact_effect));
                }
                line(format!(
                    "  {} {} {} ({}, {}) {}  [{}]",
                    t("対策", "control"),
                    c.id,
                    c.name,
                    c.category.label().get(lang),
                    c.owner.name,
                    effects.join(", "),
                    c.references.join("; ")
                ));
            }
            for id in &tr.not_applied {
                line(format!(
                    "  {}",
                    match lang {
                        Lang::Ja => format!(
                            "対策 {id} は決定に挙げられていますが、{} に効く対策として宣言されていないため、このリスクには適用していません",
                            risk.threat
                        ),
                        Lang::En => format!(
                            "control {id} is named by the decision but not applied: it does not declare that it counters {}",
                            risk.threat
                        ),
                    }
                ));
            }
            for r in &tr.requests {
                line(format!(
                    "  {}: {}{}",
                    t("医療機関等への依頼", "request to institution"),
                    r.text,
                    r.control
                        .as_ref()
                        .map_or(String::new(), |c| format!(" ({c})"))
                ));
            }
            if let Some(acc) = &tr.acceptance {
                line(format!(
                    "  {}: {} / {} / {}",
                    t("受容", "accepted"),
                    acc.by.as_deref().unwrap_or("-"),
                    acc.date.as_deref().unwrap_or("-"),
                    acc.reason.as_deref().unwrap_or("-")
                ));
            }
            if let Some(r) = &tr.rationale {
                line(format!("  {}: {r}", t("理由", "rationale")));
            }
        }
    }
    line(format!(
        "{}: {} {} × {} {} → {}",
        t("残存リスク", "Residual"),
        t("影響度", "impact"),
        risk.residual.impact,
        t("顕在化率", "likelihood"),
        risk.residual.likelihood,
        risk.residual.rank.as_str()
    ));
    for step in &risk.trace.residual {
        line(format!(
            "  {}: {} {}, {} {}",
            step.control,
            t("顕在化率", "likelihood"),
            step.likelihood,
            t("影響度", "impact"),
            step.impact
        ));
    }
    s
}

/// A rule's declaration for a reader: what, why, how to fix, the example, and the clauses with
/// the strength of their wording and whether they were checked.
fn explain_rule(doc: &sansho_core::kb::RuleDeclaration, kb: &KnowledgeBase, lang: Lang) -> String {
    let t = |ja: &'static str, en: &'static str| if lang == Lang::Ja { ja } else { en };
    let mut s = format!("{} {} — {}\n", doc.code, doc.name, doc.title.get(lang));
    s.push_str(&format!(
        "{}: {}  {}: {}\n",
        t("重大度", "severity"),
        kb.rule_severity(doc).name(),
        t("ランク", "rank"),
        doc.rank.as_str()
    ));
    for (title, text) in [
        (t("何を検査するか", "What it checks"), &doc.what),
        (t("なぜ重要か", "Why it matters"), &doc.why),
        (t("対応", "How to fix it"), &doc.fix),
        (t("例", "Example"), &doc.example.explanation),
    ] {
        s.push_str(&format!("\n{title}\n  {}\n", text.get(lang)));
    }
    s.push_str(&format!(
        "\n  {} ({}: {}):\n",
        t("検出されるモデルの断片", "a fragment that fires"),
        t("指摘される要素", "flagged element"),
        doc.example.element
    ));
    for line in doc.example.fires.lines() {
        s.push_str(&format!("    {line}\n"));
    }
    s.push_str(&format!("\n  {}:\n", t("直した断片", "the fix")));
    for line in doc.example.passes.lines() {
        s.push_str(&format!("    {line}\n"));
    }
    s.push_str(&format!("\n{}\n", t("根拠", "Sources")));
    for source in &doc.sources {
        let checked = if source.verified {
            t("原文で確認済み", "checked against the official text")
        } else {
            t("未確認", "not verified")
        };
        s.push_str(&format!(
            "  {} [{}; {}]\n",
            source.clause,
            source.strength.name(),
            checked
        ));
        if let Some(quote) = &source.quote {
            s.push_str(&format!("    「{quote}」\n"));
        }
    }
    s
}
