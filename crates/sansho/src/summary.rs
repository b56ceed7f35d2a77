//! The text summary of `sansho assess`: counts by rank, the highest risks, findings.

use std::io::Write;

use sansho_core::result::{Assessment, Risk, Status};
use sansho_core::{Diagnostic, Lang, Rank, Severity, Sources};

use sansho_report::terminal as render;

pub fn write(
    out: &mut dyn Write,
    a: &Assessment,
    sources: &Sources,
    lang: Lang,
    top: usize,
) -> std::io::Result<()> {
    let ja = lang == Lang::Ja;
    let t = |ja_text: &'static str, en_text: &'static str| if ja { ja_text } else { en_text };
    writeln!(
        out,
        "{} — {}",
        a.generator,
        t("リスクアセスメント結果", "risk assessment")
    )?;
    writeln!(
        out,
        "{}: {} ({})",
        t("システム", "System"),
        a.system.name,
        a.system.id
    )?;
    writeln!(
        out,
        "{}: {} ({})",
        t("対象事業者", "Provider"),
        a.system.provider.name,
        a.system.provider.id
    )?;
    let as_of = a.system.as_of.as_deref().unwrap_or("-");
    writeln!(
        out,
        "{}: {}   {}: {}",
        t("準拠する版", "Editions"),
        a.system.editions.join(", "),
        t("基準日", "As of"),
        as_of
    )?;
    writeln!(
        out,
        "{}: {}",
        t("ランク表", "Matrix"),
        a.matrix.source.get(lang)
    )?;
    writeln!(out)?;

    let phase = |p: &str| a.summary.flows_by_phase.get(p).copied().unwrap_or(0);
    writeln!(
        out,
        "{} {} ({} {} / {} {} / {} {})   {} {}",
        t("情報流", "Flows"),
        a.summary.flows,
        t("開発", "development"),
        phase("development"),
        t("運用", "operation"),
        phase("operation"),
        t("契約終了", "termination"),
        phase("termination"),
        t("リスク", "Risks"),
        a.summary.risks
    )?;
    writeln!(out)?;
    // Japanese headers are twice as wide as their character count, so they are laid out by hand.
    writeln!(
        out,
        "{}",
        t(
            "  ランク      固有      残存",
            "  rank    inherent  residual"
        )
    )?;
    for rank in Rank::ALL {
        let r = rank.as_str();
        writeln!(
            out,
            "  {:<6}{:>10}{:>10}",
            r,
            a.summary.inherent_by_rank.get(r).copied().unwrap_or(0),
            a.summary.residual_by_rank.get(r).copied().unwrap_or(0)
        )?;
    }
    writeln!(out)?;
    let statuses: Vec<String> = [
        Status::Open,
        Status::Reduced,
        Status::Shared,
        Status::Accepted,
        Status::Avoided,
    ]
    .iter()
    .map(|s| {
        format!(
            "{} {}",
            s.label().get(lang),
            a.summary.by_status.get(s.as_str()).copied().unwrap_or(0)
        )
    })
    .collect();
    writeln!(
        out,
        "{}: {}",
        t("対応状況", "Treatment"),
        statuses.join(" / ")
    )?;
    writeln!(
        out,
        "{}: {}",
        t("対応必須で未対応", "Untreated but required"),
        a.summary.untreated_required
    )?;
    writeln!(out)?;

    writeln!(
        out,
        "{} ({}):",
        t("上位のリスク", "Highest risks"),
        t(
            "残存ランク順、同じ要素・脅威はまとめて表示",
            "by residual rank; same element and threat grouped"
        )
    )?;
    // The same threat on the same element recurs in every flow through it: show it once.
    let groups = highest_groups(&a.risks, top);
    for (risk, count) in &groups {
        let others = if *count > 1 {
            if ja {
                format!(" (他 {} 件の情報流)", count - 1)
            } else {
                format!(" (+{} flows)", count - 1)
            }
        } else {
            String::new()
        };
        let threat = a
            .threats
            .iter()
            .find(|th| *th.id == *risk.threat)
            .map_or(&*risk.threat, |th| th.name.get(lang));
        writeln!(
            out,
            "  {}→{}  {}{others}  {} [{}: {}×{}: {}]  {}",
            risk.inherent.rank.as_str(),
            risk.residual.rank.as_str(),
            risk.id,
            threat,
            t("影響度", "impact"),
            risk.inherent.impact,
            t("顕在化率", "likelihood"),
            risk.inherent.likelihood,
            risk.status.label().get(lang)
        )?;
    }
    writeln!(
        out,
        "  {}",
        t(
            "(詳しくは: sansho explain <リスクID> <モデル>)",
            "(details: sansho explain <risk id> <model>)"
        )
    )?;
    writeln!(out)?;

    // Guideline findings (what the guidelines demand of the system) and policy findings (what
    // the risk treatment still lacks) answer different questions, so they are listed apart.
    let (rules, policy): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
        a.findings.iter().partition(|f| f.code.is_rule());
    section(
        out,
        t("ガイドライン指摘", "Guideline findings"),
        &rules,
        20,
        sources,
        lang,
    )?;
    writeln!(out)?;
    section(
        out,
        t("リスク対応の指摘", "Risk-treatment findings"),
        &policy,
        8,
        sources,
        lang,
    )?;
    let mut by_code: Vec<(&str, usize)> = Vec::new();
    for f in &policy {
        match by_code.iter_mut().find(|(c, _)| *c == f.code.as_str()) {
            Some((_, n)) => *n += 1,
            None => by_code.push((f.code.as_str(), 1)),
        }
    }
    if !by_code.is_empty() {
        let counts: Vec<String> = by_code.iter().map(|(c, n)| format!("{c} {n}")).collect();
        writeln!(out, "  {}: {}", t("内訳", "by code"), counts.join(", "))?;
    }
    Ok(())
}

/// One block of findings: counts by severity, then the most severe first, up to `shown`.
fn section(
    out: &mut dyn Write,
    title: &str,
    findings: &[&Diagnostic],
    shown: usize,
    sources: &Sources,
    lang: Lang,
) -> std::io::Result<()> {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    writeln!(
        out,
        "{title}: {} {} / {} {} / {} {}",
        render::severity_word(Severity::Error, lang),
        count(Severity::Error),
        render::severity_word(Severity::Warning, lang),
        count(Severity::Warning),
        render::severity_word(Severity::Note, lang),
        count(Severity::Note)
    )?;
    // The most severe first, in model order within a severity: a stable sort, without sorting.
    let most_severe_first = [Severity::Error, Severity::Warning, Severity::Note]
        .into_iter()
        .flat_map(|s| findings.iter().filter(move |f| f.severity == s));
    for f in most_severe_first.take(shown) {
        writeln!(
            out,
            "  {}[{}] {}: {}",
            render::severity_word(f.severity, lang),
            f.code.as_str(),
            render::location(f, sources),
            f.message.get(lang)
        )?;
    }
    if findings.len() > shown {
        let more = findings.len() - shown;
        match lang {
            Lang::Ja => writeln!(out, "  … ほか {more} 件 (--format json ですべて出力)")?,
            Lang::En => writeln!(out, "  … {more} more (--format json lists them all)")?,
        }
    }
    Ok(())
}

/// The first `top` groups of risks that share element, threat and residual rank, with the size of
/// each: in the order of the highest residual rank, then the highest inherent rank, then the
/// model's order.
///
/// Linear in the risks: they are put in order by counting (25 pairs of ranks), and only the
/// groups shown are kept and counted. A model of 100,000 flows has about two million risks.
fn highest_groups(risks: &[Risk], top: usize) -> Vec<(&Risk, usize)> {
    let ranks = Rank::ALL.len();
    // S first: ranks are declared from D up to S.
    let highest_first = |rank: Rank| Rank::S as usize - rank as usize;
    let mut by_ranks: Vec<Vec<&Risk>> = vec![Vec::new(); ranks * ranks];
    for risk in risks {
        let slot = highest_first(risk.residual.rank) * ranks + highest_first(risk.inherent.rank);
        by_ranks[slot].push(risk);
    }
    type Key<'a> = (&'a str, &'a str, Rank);
    let mut groups: Vec<(&Risk, usize)> = Vec::new();
    let mut index: foldhash::HashMap<Key<'_>, usize> = foldhash::HashMap::default();
    for risk in by_ranks.into_iter().flatten() {
        let key = (&*risk.element.id, &*risk.threat, risk.residual.rank);
        match index.get(&key) {
            Some(&i) => groups[i].1 += 1,
            None if groups.len() < top => {
                index.insert(key, groups.len());
                groups.push((risk, 1));
            }
            None => {}
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)] // Tests fail loudly on purpose.
    use super::*;
    use sansho_core::load::{Limits, MemoryProvider};

    /// The grouping as it was first written: a stable sort of every risk, then every group.
    fn by_sorting(risks: &[Risk], top: usize) -> Vec<(&str, usize)> {
        let mut ranked: Vec<&Risk> = risks.iter().collect();
        ranked.sort_by(|x, y| {
            (y.residual.rank, y.inherent.rank).cmp(&(x.residual.rank, x.inherent.rank))
        });
        let mut groups: Vec<(&Risk, usize)> = Vec::new();
        let mut seen: std::collections::HashMap<(&str, &str, Rank), usize> =
            std::collections::HashMap::new();
        for risk in ranked {
            let key = (&*risk.element.id, &*risk.threat, risk.residual.rank);
            match seen.get(&key) {
                Some(&i) => groups[i].1 += 1,
                None => {
                    seen.insert(key, groups.len());
                    groups.push((risk, 1));
                }
            }
        }
        groups
            .into_iter()
            .take(top)
            .map(|(r, n)| (r.id.as_str(), n))
            .collect()
    }

    #[test]
    fn highest_groups_are_those_of_a_stable_sort() {
        let kb = sansho_core::kb::load::builtin()
            .as_ref()
            .expect("the built-in knowledge base loads");
        let provider =
            MemoryProvider::new().with("m/sansho.yaml", sansho_gen::hospital(400).into_bytes());
        let (_, assessment, diagnostics) =
            sansho_core::assess("m/sansho.yaml", &provider, kb, &Limits::default());
        let a = assessment.unwrap_or_else(|| panic!("the model assesses: {diagnostics:?}"));
        let everything = by_sorting(&a.risks, usize::MAX);
        // The comparison means something only if groups recur and ranks differ.
        assert!(everything.iter().any(|(_, n)| *n > 1));
        let residual: std::collections::BTreeSet<Rank> =
            a.risks.iter().map(|r| r.residual.rank).collect();
        assert!(residual.len() >= 3, "residual ranks {residual:?}");
        for top in [0, 1, 10, 100, everything.len(), usize::MAX] {
            let found: Vec<(&str, usize)> = highest_groups(&a.risks, top)
                .into_iter()
                .map(|(r, n)| (r.id.as_str(), n))
                .collect();
            assert_eq!(found, by_sorting(&a.risks, top), "top {top}");
        }
    }
}
