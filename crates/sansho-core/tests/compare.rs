//! `diff::compare` pairs the two versions' risks and findings position by position where they
//! agree, and looks up by key only what lies between. This holds it to the plain comparison by
//! key over everything, for edits of every kind: risks added, removed, moved and re-ranked,
//! findings added, removed and repeated.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use proptest::prelude::*;
use sansho_core::diff::{ChangeReport, FindingSummary, Rerank, RiskSummary, compare};
use sansho_core::load::Limits;
use sansho_core::result::Assessment;
use sansho_core::vocab::Rank;
use sansho_core::{Code, Diagnostic};

fn example() -> &'static Assessment {
    static EXAMPLE: OnceLock<Assessment> = OnceLock::new();
    EXAMPLE.get_or_init(|| {
        let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
        let entry = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/ehr-saas/sansho.yaml"
        );
        let (_, assessment, diagnostics) =
            sansho_core::assess(entry, &common::DiskProvider, kb, &Limits::default());
        assessment.unwrap_or_else(|| panic!("{diagnostics:?}"))
    })
}

/// The comparison by key over every risk and finding: what `compare` must agree with.
fn by_key(old: &Assessment, new: &Assessment) -> serde_json::Value {
    let before: HashMap<&str, _> = old.risks.iter().map(|r| (r.id.as_str(), r)).collect();
    let after: HashMap<&str, _> = new.risks.iter().map(|r| (r.id.as_str(), r)).collect();
    let only_in = |these: &Assessment, those: &HashMap<&str, _>| {
        let mut out: Vec<serde_json::Value> = these
            .risks
            .iter()
            .filter(|r| !those.contains_key(r.id.as_str()))
            .map(|r| serde_json::json!([r.id, r.threat, r.inherent.rank, r.residual.rank]))
            .collect();
        out.sort_by_key(|v| v[0].as_str().unwrap().to_owned());
        out.dedup_by(|a, b| a[0] == b[0]);
        out
    };
    let mut reranked = Vec::new();
    let mut moved_under: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, b) in &before {
        let Some(a) = after.get(id) else { continue };
        if a.inherent.rank != b.inherent.rank || a.residual.rank != b.residual.rank {
            reranked.push(serde_json::json!([
                id,
                b.inherent.rank,
                a.inherent.rank,
                b.residual.rank,
                a.residual.rank
            ]));
        }
        if a.inherent.rank != b.inherent.rank
            && let Some(d) = a.treatment.as_ref().and_then(|t| t.decision.as_ref())
        {
            moved_under
                .entry(d.pattern.clone())
                .or_default()
                .push(id.to_string());
        }
    }
    reranked.sort_by_key(|v| v[0].as_str().unwrap().to_owned());
    for risks in moved_under.values_mut() {
        risks.sort();
    }
    type Findings = BTreeMap<(Code, Option<String>, String), String>;
    let keys = |a: &Assessment| -> Findings {
        a.findings
            .iter()
            .map(|f| {
                (
                    (f.code, f.element.clone(), f.message.en.clone()),
                    f.message.ja.clone(),
                )
            })
            .collect()
    };
    let (old_findings, new_findings) = (keys(old), keys(new));
    let findings_only_in = |these: &Findings, those: &Findings| {
        these
            .keys()
            .filter(|k| !those.contains_key(*k))
            .map(|k| serde_json::json!([k.0, k.1, k.2]))
            .collect::<Vec<_>>()
    };
    serde_json::json!({
        "added": only_in(new, &before),
        "removed": only_in(old, &after),
        "reranked": reranked,
        "moved_under": moved_under,
        "findings_added": findings_only_in(&new_findings, &old_findings),
        "findings_resolved": findings_only_in(&old_findings, &new_findings),
    })
}

/// The same parts of what `compare` reports.
fn reported(report: &ChangeReport) -> serde_json::Value {
    let risks = |list: &[RiskSummary]| {
        list.iter()
            .map(|r| serde_json::json!([r.id, r.threat, r.rank, r.residual]))
            .collect::<Vec<_>>()
    };
    let reranked: Vec<_> = report
        .reranked
        .iter()
        .map(|r: &Rerank| {
            serde_json::json!([
                r.id,
                r.rank_before,
                r.rank_after,
                r.residual_before,
                r.residual_after
            ])
        })
        .collect();
    let moved_under: BTreeMap<&str, &Vec<String>> = report
        .decisions_to_review
        .iter()
        .filter(|d| !d.risks.is_empty())
        .map(|d| (d.pattern.as_str(), &d.risks))
        .collect();
    let findings = |list: &[FindingSummary]| {
        list.iter()
            .map(|f| serde_json::json!([f.code, f.element, f.message]))
            .collect::<Vec<_>>()
    };
    serde_json::json!({
        "added": risks(&report.added),
        "removed": risks(&report.removed),
        "reranked": reranked,
        "moved_under": moved_under,
        "findings_added": findings(&report.findings_added),
        "findings_resolved": findings(&report.findings_resolved),
    })
}

#[derive(Clone, Debug)]
enum Edit {
    RemoveRisk(usize),
    /// A copy of the risk at the index, under a new id, inserted at the other index.
    AddRisk(usize, usize),
    /// The risk at the first index moved to the second.
    MoveRisk(usize, usize),
    Rerank(usize, u8, u8),
    RemoveFinding(usize),
    /// A copy of the finding at the index (the same key) inserted at the other index.
    RepeatFinding(usize, usize),
    /// A copy of the finding with a new message inserted at the other index.
    AddFinding(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Indices are taken modulo the list's length when applied.
    let i = any::<usize>;
    prop_oneof![
        i().prop_map(Edit::RemoveRisk),
        (i(), i()).prop_map(|(a, b)| Edit::AddRisk(a, b)),
        (i(), i()).prop_map(|(a, b)| Edit::MoveRisk(a, b)),
        (i(), 0u8..5, 0u8..5).prop_map(|(a, x, y)| Edit::Rerank(a, x, y)),
        i().prop_map(Edit::RemoveFinding),
        (i(), i()).prop_map(|(a, b)| Edit::RepeatFinding(a, b)),
        (i(), i()).prop_map(|(a, b)| Edit::AddFinding(a, b)),
    ]
}

fn rank(n: u8) -> Rank {
    [Rank::D, Rank::C, Rank::B, Rank::A, Rank::S][usize::from(n % 5)]
}

fn apply(a: &mut Assessment, edit: &Edit, serial: usize) {
    let risks = a.risks.len();
    let findings = a.findings.len();
    match *edit {
        Edit::RemoveRisk(i) => {
            a.risks.remove(i % risks);
        }
        Edit::AddRisk(from, at) => {
            let mut risk = a.risks[from % risks].clone();
            risk.id = format!("{}-new-{serial}", risk.id);
            a.risks.insert(at % (risks + 1), risk);
        }
        Edit::MoveRisk(from, to) => {
            let risk = a.risks.remove(from % risks);
            a.risks.insert(to % risks, risk);
        }
        Edit::Rerank(i, inherent, residual) => {
            let risk = &mut a.risks[i % risks];
            risk.inherent.rank = rank(inherent);
            risk.residual.rank = rank(residual);
        }
        Edit::RemoveFinding(i) if findings > 0 => {
            a.findings.remove(i % findings);
        }
        Edit::RepeatFinding(from, at) if findings > 0 => {
            let finding: Diagnostic = a.findings[from % findings].clone();
            a.findings.insert(at % (findings + 1), finding);
        }
        Edit::AddFinding(from, at) if findings > 0 => {
            let mut finding: Diagnostic = a.findings[from % findings].clone();
            finding.message.en = format!("{} ({serial})", finding.message.en);
            a.findings.insert(at % (findings + 1), finding);
        }
        Edit::RemoveFinding(_) | Edit::RepeatFinding(..) | Edit::AddFinding(..) => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn pairing_by_position_reports_what_pairing_by_key_reports(
        old_edits in prop::collection::vec(edit(), 0..4),
        new_edits in prop::collection::vec(edit(), 0..8),
    ) {
        let mut old = example().clone();
        let mut new = example().clone();
        for (serial, e) in old_edits.iter().enumerate() {
            apply(&mut old, e, serial);
        }
        for (serial, e) in new_edits.iter().enumerate() {
            apply(&mut new, e, 100 + serial);
        }
        prop_assert_eq!(reported(&compare(&old, &new)), by_key(&old, &new));
    }
}

#[test]
fn an_unchanged_model_reports_nothing_and_one_change_reports_it() {
    let old = example();
    let same = compare(old, old);
    assert!(!same.needs_reagreement());
    assert!(same.findings_added.is_empty() && same.findings_resolved.is_empty());
    let mut new = old.clone();
    let middle = new.risks.len() / 2;
    new.risks[middle].inherent.rank = if new.risks[middle].inherent.rank == Rank::S {
        Rank::D
    } else {
        Rank::S
    };
    let report = compare(old, &new);
    assert_eq!(report.reranked.len(), 1);
    assert_eq!(report.reranked[0].id, new.risks[middle].id.to_string());
}
