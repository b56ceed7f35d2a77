//! Engine behaviour on small models written inline: matrix, scoring traces, treatment, policy
//! findings and the stability of risk ids.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use sansho_core::engine;
use sansho_core::kb::{KnowledgeBase, ScoreOp};
use sansho_core::load::{Limits, MemoryProvider};
use sansho_core::result::{Assessment, Risk, Status};
use sansho_core::vocab::{Rank, TreatmentNeed};
use sansho_core::{Code, Diagnostic};

fn kb() -> &'static KnowledgeBase {
    sansho_core::kb::load::builtin().as_ref().unwrap()
}

/// A small, valid model; tests append sections or replace lines.
const BASE: &str = r#"sansho: 1
system:
  id: demo
  name: デモ
  provider: acme
  editions: [PGL-1.1]
organizations:
  - {id: acme, name: 提供事業者, role: provider}
  - {id: clinic, name: 診療所, role: institution}
locations:
  - {id: room, name: 診察室, kind: room, country: JP}
  - {id: dc, name: DC, kind: data_center, country: JP, physical_safeguards: [entry_control, seismic_isolation, backup_power]}
assets:
  - {id: terminal, name: 端末, kind: terminal, location: room, exposure: internal, authentication: [password]}
  - {id: app, name: アプリ, kind: server, location: dc, exposure: closed_network}
  - {id: db, name: DB, kind: database, location: dc, exposure: internal}
connections:
  - {id: vpn, name: VPN, kind: ipsec_vpn, ike: true}
  - {id: lan, name: LAN, kind: lan}
actors:
  - {id: doctor, name: 医師, organization: clinic, kind: staff}
information:
  - {id: record, name: 診療録, classification: medical, retention_years: 5, legal_record: true}
flows:
  - id: OP-01
    phase: operation
    layer: application
    who: doctor
    where: room
    which: terminal
    what: [record]
    how: [view, update]
    path: [terminal, vpn, app, lan, db]
"#;

fn run(text: &str) -> (Option<Assessment>, Vec<Diagnostic>) {
    let provider = MemoryProvider::new().with("m.yaml", text);
    let (_, assessment, diagnostics) =
        sansho_core::assess("m.yaml", &provider, kb(), &Limits::default());
    (assessment, diagnostics)
}

fn assess(text: &str) -> Assessment {
    let (assessment, diagnostics) = run(text);
    assessment.unwrap_or_else(|| panic!("model failed to load: {diagnostics:#?}"))
}

fn risk<'a>(a: &'a Assessment, id: &str) -> &'a Risk {
    a.risks.iter().find(|r| r.id == id).unwrap_or_else(|| {
        let ids: Vec<&str> = a.risks.iter().map(|r| r.id.as_str()).collect();
        panic!("no risk {id}; risks: {ids:#?}")
    })
}

fn codes(a: &Assessment) -> Vec<Code> {
    a.findings.iter().map(|f| f.code).collect()
}

#[test]
fn every_cell_of_the_default_matrix() {
    // DOMAIN.md §4: rows impact 5..1, columns likelihood 1..5.
    let expected = [
        (5, ["C", "B", "A", "S", "S"]),
        (4, ["C", "B", "A", "A", "S"]),
        (3, ["D", "C", "B", "A", "A"]),
        (2, ["D", "C", "C", "B", "B"]),
        (1, ["D", "D", "D", "C", "C"]),
    ];
    for (impact, row) in expected {
        for (l, rank) in row.iter().enumerate() {
            let likelihood = u8::try_from(l + 1).unwrap();
            assert_eq!(
                kb().matrix.rank(impact, likelihood),
                Rank::parse(rank),
                "impact {impact} likelihood {likelihood}"
            );
        }
    }
    assert_eq!(kb().matrix.rank(0, 3), None);
    assert_eq!(kb().matrix.rank(3, 6), None);
    let need = |r| kb().matrix.policy(r).map(|p| (p.treatment, p.min_controls));
    assert_eq!(need(Rank::S), Some((TreatmentNeed::Required, 2)));
    assert_eq!(need(Rank::A), Some((TreatmentNeed::Required, 1)));
    assert_eq!(need(Rank::B).map(|n| n.0), Some(TreatmentNeed::Consider));
    assert_eq!(need(Rank::C).map(|n| n.0), Some(TreatmentNeed::Consider));
    assert_eq!(need(Rank::D).map(|n| n.0), Some(TreatmentNeed::NotRequired));
}

#[test]
fn segments_and_stable_ids_follow_the_path() {
    let a = assess(BASE);
    let kinds: Vec<String> = a.flows[0]
        .segments
        .iter()
        .map(|s| format!("{:?}@{}", s.kind, s.element.id))
        .collect();
    assert_eq!(
        kinds,
        [
            "Entry@terminal",
            "Transfer@vpn",
            "Processing@app",
            "Transfer@lan",
            "Storage@db"
        ]
    );
    for r in &a.risks {
        assert_eq!(
            r.id,
            engine::risk_id(&r.flow, r.segment, &r.element.id, &r.threat)
        );
    }
    assert!(a.risks.iter().any(|r| r.id == "OP-01/storage/db/T4"));
}

#[test]
fn single_factor_terminal_scores_from_threat_base_with_trace() {
    let a = assess(BASE);
    let r = risk(&a, "OP-01/entry/terminal/T1");
    assert_eq!(r.trace.likelihood.base, 3);
    assert!(
        r.trace.likelihood.steps.is_empty(),
        "{:?}",
        r.trace.likelihood.steps
    );
    assert_eq!(&*r.trace.impact_basis.information, "record");
    assert_eq!(&*r.trace.impact_basis.classification, "medical");
    assert_eq!(
        (r.inherent.impact, r.inherent.likelihood, r.inherent.rank),
        (4, 3, Rank::A)
    );
    assert_eq!(r.rank, Rank::A);
    assert_eq!(
        r.trace.threat_rules,
        [sansho_core::result::Text::from("TR-ENTRY-ACCESS")]
    );
    assert_eq!(r.status, Status::Open);
    assert!(a.findings.iter().any(|f| f.code == Code::UntreatedRisk
        && f.element.as_deref() == Some("OP-01/entry/terminal/T1")));
}

#[test]
fn multi_factor_lowers_likelihood_and_same_factor_twice_does_not() {
    let mfa = assess(&BASE.replace(
        "authentication: [password]",
        "authentication: [password, ic_card]",
    ));
    let r = risk(&mfa, "OP-01/entry/terminal/T1");
    let steps: Vec<(&str, ScoreOp, u8, u8)> = r
        .trace
        .likelihood
        .steps
        .iter()
        .map(|s| (&*s.rule, s.op, s.from, s.to))
        .collect();
    assert_eq!(steps, [("LK-MULTI-FACTOR", ScoreOp::Shift(-1), 3, 2)]);
    assert_eq!(r.inherent.rank, Rank::B);

    // Password plus PIN are two steps of one factor (knowledge): not multi-factor.
    let two_knowledge = assess(&BASE.replace(
        "authentication: [password]",
        "authentication: [password, pin]",
    ));
    let r = risk(&two_knowledge, "OP-01/entry/terminal/T1");
    assert_eq!(r.inherent.likelihood, 3);
    assert!(
        r.trace
            .facts
            .iter()
            .any(|f| f.name() == "auth_single_factor")
    );
}

#[test]
fn internet_exposure_and_vulnerabilities_raise_likelihood() {
    let text = BASE.replace(
        "{id: app, name: アプリ, kind: server, location: dc, exposure: closed_network}",
        "{id: app, name: アプリ, kind: server, location: dc, exposure: internet, unpatched_vulnerabilities: [CVE-2025-0001]}",
    );
    let a = assess(&text);
    let r = risk(&a, "OP-01/processing/app/T8");
    assert_eq!(r.inherent.likelihood, 5);
    assert_eq!(
        &*r.trace.likelihood.steps[0].rule,
        "LK-PUBLIC-AND-VULNERABLE"
    );
    assert_eq!(r.inherent.rank, Rank::S);
}

#[test]
fn storage_is_bulk_and_disaster_resilience_caps_likelihood() {
    let a = assess(BASE);
    let leak = risk(&a, "OP-01/storage/db/T5");
    assert_eq!(leak.inherent.impact, 5);
    assert!(
        leak.trace
            .impact
            .steps
            .iter()
            .any(|s| &*s.rule == "IM-BULK-MEDICAL-LEAK")
    );
    let disaster = risk(&a, "OP-01/storage/db/T11");
    assert_eq!(disaster.inherent.likelihood, 1);
    assert_eq!(
        &*disaster.trace.likelihood.steps[0].rule,
        "LK-DISASTER-RESILIENT"
    );
}

#[test]
fn controls_in_scope_reduce_residual_risk_implicitly() {
    let text = format!(
        "{BASE}controls:\n  - {{id: C-EDR, name: EDR, category: technical, owner: acme, applies_to: [db], counters: [T4], effect: {{likelihood: 1, impact: 1}}}}\n"
    );
    let a = assess(&text);
    let r = risk(&a, "OP-01/storage/db/T4");
    assert_eq!(r.status, Status::Reduced);
    let t = r.treatment.as_ref().unwrap();
    assert!(t.implied);
    assert_eq!(t.controls.len(), 1);
    assert_eq!(
        (r.residual.impact, r.residual.likelihood),
        (r.inherent.impact - 1, r.inherent.likelihood - 1)
    );
    assert_eq!(r.trace.residual[0].control, "C-EDR");
    // The control does not counter T5, so the leak risk stays open.
    assert_eq!(risk(&a, "OP-01/storage/db/T5").status, Status::Open);
}

#[test]
fn s_risk_with_one_control_is_flagged_and_two_controls_satisfy_the_policy() {
    let exposed = BASE.replace(
        "{id: app, name: アプリ, kind: server, location: dc, exposure: closed_network}",
        "{id: app, name: アプリ, kind: server, location: dc, exposure: internet, unpatched_vulnerabilities: [CVE-2025-0001]}",
    );
    let one = format!(
        "{exposed}controls:\n  - {{id: C-PATCH, name: パッチ, category: technical, owner: acme, applies_to: [app], counters: [T8]}}\n"
    );
    let a = assess(&one);
    assert!(
        a.findings
            .iter()
            .any(|f| f.code == Code::SRiskNeedsMultipleControls
                && f.element.as_deref() == Some("OP-01/processing/app/T8"))
    );
    let two = format!(
        "{one}  - {{id: C-WAF, name: WAF, category: technical, owner: acme, applies_to: [app], counters: [T8]}}\n"
    );
    let a = assess(&two);
    assert!(
        !a.findings
            .iter()
            .any(|f| f.code == Code::SRiskNeedsMultipleControls)
    );
    assert_eq!(risk(&a, "OP-01/processing/app/T8").residual.likelihood, 3);
}

#[test]
fn acceptance_needs_approver_date_and_reason() {
    let text = format!(
        "{BASE}decisions:\n  - risk: OP-01/entry/terminal/T1\n    treatment: accept\n    acceptance: {{by: 情報セキュリティ責任者}}\n"
    );
    let a = assess(&text);
    assert_eq!(risk(&a, "OP-01/entry/terminal/T1").status, Status::Accepted);
    let f = a
        .findings
        .iter()
        .find(|f| f.code == Code::AcceptanceIncomplete)
        .unwrap();
    assert!(f.message.en.contains("date, reason"), "{}", f.message.en);
    let complete = text.replace(
        "{by: 情報セキュリティ責任者}",
        "{by: 情報セキュリティ責任者, date: 2026-10-01, reason: 院内ネットワークのみ}",
    );
    assert!(!codes(&assess(&complete)).contains(&Code::AcceptanceIncomplete));
}

#[test]
fn institution_controls_must_be_requested() {
    let text = format!(
        "{BASE}controls:\n  - {{id: C-LOCK, name: 画面ロック, category: human_organizational, owner: clinic, applies_to: [terminal], counters: [T1]}}\n"
    );
    let a = assess(&text);
    let f = a
        .findings
        .iter()
        .find(|f| f.code == Code::InstitutionControlNotRequested)
        .unwrap();
    assert_eq!(f.element.as_deref(), Some("C-LOCK"));
    let requested = format!(
        "{text}decisions:\n  - risk: OP-01/entry/terminal/T1\n    treatment: reduce\n    controls: [C-LOCK]\n    requests: [{{control: C-LOCK, text: 離席時は画面をロックしてください}}]\n"
    );
    let a = assess(&requested);
    assert!(!codes(&a).contains(&Code::InstitutionControlNotRequested));
    let t = risk(&a, "OP-01/entry/terminal/T1")
        .treatment
        .as_ref()
        .unwrap();
    assert_eq!(t.requests[0].control.as_deref(), Some("C-LOCK"));
}

#[test]
fn stale_decisions_are_reported_with_a_suggestion() {
    let text =
        format!("{BASE}decisions:\n  - risk: OP-01/entry/terminal/T11\n    treatment: reduce\n");
    let a = assess(&text);
    let f = a
        .findings
        .iter()
        .find(|f| f.code == Code::DecisionMatchesNothing)
        .unwrap();
    assert!(
        f.hint
            .as_ref()
            .unwrap()
            .en
            .contains("OP-01/entry/terminal/T1"),
        "{:?}",
        f.hint
    );
}

#[test]
fn first_matching_decision_applies_and_conflicts_are_reported() {
    let text = format!(
        "{BASE}decisions:\n  - risk: OP-01/*/T1\n    treatment: accept\n    acceptance: {{by: 責任者, date: 2026-01-01, reason: 理由}}\n  - risk: \"*/entry/terminal/*\"\n    treatment: share\n"
    );
    let a = assess(&text);
    assert_eq!(risk(&a, "OP-01/entry/terminal/T1").status, Status::Accepted);
    assert_eq!(risk(&a, "OP-01/entry/terminal/T3").status, Status::Shared);
    // The second decision still applies to T3 and others: precedence, not a conflict.
    assert!(!codes(&a).contains(&Code::ConflictingDecisions));
    // A decision that earlier ones shadow completely never applies and is reported.
    let shadowed = format!("{text}  - risk: OP-01/entry/terminal/T1\n    treatment: reduce\n");
    let f = assess(&shadowed)
        .findings
        .into_iter()
        .find(|f| f.code == Code::ConflictingDecisions)
        .unwrap();
    assert!(f.message.en.contains("applies to none"), "{}", f.message.en);
}

/// The P012 findings of an assessment.
fn off_threat(a: &Assessment) -> Vec<&Diagnostic> {
    a.findings
        .iter()
        .filter(|f| f.code == Code::DecisionControlOffThreat)
        .collect()
}

/// Controls for the decision tests: one per threat, none in scope of any risk by `applies_to`.
const DECIDED_CONTROLS: &str = "controls:
  - {id: C-AUTH, name: 認証, category: technical, owner: acme, applies_to: [vpn], counters: [T1], effect: {likelihood: 1, impact: 0}}
  - {id: C-AV, name: ウイルス対策, category: technical, owner: acme, applies_to: [vpn], counters: [T4], effect: {likelihood: 1, impact: 0}}
  - {id: C-QUAKE, name: 免震, category: physical, owner: acme, applies_to: [vpn], counters: [T11], effect: {likelihood: 1, impact: 0}}
";

#[test]
fn a_decision_over_several_threats_applies_each_control_only_where_it_counters() {
    let text = format!(
        "{BASE}{DECIDED_CONTROLS}decisions:\n  - risk: OP-01/entry/terminal/*\n    treatment: reduce\n    controls: [C-AUTH, C-AV, C-QUAKE]\n"
    );
    let a = assess(&text);
    let named = |id: &str| -> Vec<String> {
        let risk = risk(&a, id);
        assert_eq!(risk.status, Status::Reduced, "{id}");
        let treatment = risk.treatment.as_ref().unwrap();
        treatment.controls.iter().map(|c| c.id.clone()).collect()
    };
    assert_eq!(named("OP-01/entry/terminal/T1"), ["C-AUTH"]);
    // The others are named in the treatment as not applied, for the explanation.
    let t1 = risk(&a, "OP-01/entry/terminal/T1")
        .treatment
        .as_ref()
        .unwrap();
    assert_eq!(t1.not_applied, ["C-AV", "C-QUAKE"]);
    assert_eq!(named("OP-01/entry/terminal/T4"), ["C-AV"]);
    assert!(named("OP-01/entry/terminal/T3").is_empty());
    // C-QUAKE counters none of the decided threats: it lowers nothing, and the reader is told.
    let off = off_threat(&a);
    assert_eq!(off.len(), 1, "{off:#?}");
    assert_eq!(off[0].element.as_deref(), Some("C-QUAKE"));
    assert!(
        off[0].message.en.contains("lowers none"),
        "{}",
        off[0].message.en
    );
}

#[test]
fn a_decision_naming_its_threat_applies_its_controls_and_reports_the_mismatch() {
    let text = format!(
        "{BASE}{DECIDED_CONTROLS}decisions:\n  - risk: \"*/entry/terminal/T4\"\n    treatment: reduce\n    controls: [C-AV, C-AUTH]\n"
    );
    let a = assess(&text);
    let t4 = risk(&a, "OP-01/entry/terminal/T4");
    let applied: Vec<&str> = t4
        .treatment
        .as_ref()
        .unwrap()
        .controls
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(applied, ["C-AUTH", "C-AV"]);
    // Both lower the likelihood by one (never below 1).
    assert_eq!(
        t4.residual.likelihood,
        t4.inherent.likelihood.saturating_sub(2).max(1)
    );
    let off = off_threat(&a);
    assert_eq!(off.len(), 1, "{off:#?}");
    assert_eq!(off[0].element.as_deref(), Some("C-AUTH"));
    assert!(
        off[0]
            .message
            .en
            .contains("does not declare that it counters T4"),
        "{}",
        off[0].message.en
    );
    assert!(
        off[0]
            .hint
            .as_ref()
            .unwrap()
            .en
            .contains("add T4 to its counters")
    );
}

#[test]
fn unused_controls_are_noted() {
    let text = format!(
        "{BASE}controls:\n  - {{id: C-X, name: 無関係, category: physical, owner: acme, applies_to: [terminal], counters: [T11]}}\n"
    );
    assert!(codes(&assess(&text)).contains(&Code::ControlUnused));
}

#[test]
fn catalogue_controls_are_adopted_with_their_references() {
    let text = format!(
        "{BASE}controls:\n  - {{id: C-MFA, catalogue: CTL-MFA, owner: acme, applies_to: [terminal]}}\n"
    );
    let a = assess(&text);
    let t = risk(&a, "OP-01/entry/terminal/T1")
        .treatment
        .as_ref()
        .unwrap();
    assert_eq!(t.controls[0].id, "C-MFA");
    assert!(
        t.controls[0]
            .references
            .iter()
            .any(|r| r.starts_with("PGL-1.1"))
    );
}

#[test]
fn unrelated_edits_do_not_change_risk_ids_or_scores() {
    let before = assess(BASE);
    // An unrelated asset and flow inserted before the existing ones.
    let edited = BASE
        .replace("assets:\n", "assets:\n  - {id: printer, name: プリンタ, kind: printer, location: room}\n")
        .replace(
            "flows:\n",
            "flows:\n  - {id: OP-00, phase: operation, layer: application, who: doctor, where: room, which: printer, what: [record], how: [print]}\n",
        );
    let after = assess(&edited);
    for r in &before.risks {
        let same = risk(&after, &r.id);
        assert_eq!(
            (same.inherent, same.residual),
            (r.inherent, r.residual),
            "{}",
            r.id
        );
    }
    assert!(after.risks.len() > before.risks.len());
}

#[test]
fn assessment_is_deterministic() {
    let a = serde_json::to_string(&assess(BASE)).unwrap();
    let b = serde_json::to_string(&assess(BASE)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn invalid_models_yield_no_assessment() {
    let broken = BASE
        .replace("which: terminal", "which: termnal")
        .replace("path: [terminal,", "path: [termnal,")
        .replace("kind: room", "kind: rooom");
    let (assessment, diagnostics) = run(&broken);
    assert!(assessment.is_none());
    assert!(diagnostics.iter().any(|d| d.code == Code::InvalidValue));
}

#[test]
fn a_repetitive_model_shares_traces_and_hints_and_each_risk_keeps_its_own_explanation() {
    let model = sansho_gen::hospital(2_000);
    let a = assess(&model);
    // Scored on all cores, the result is the one a single thread gives.
    let alone = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| assess(&model));
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&alone).unwrap()
    );
    let risks = a.risks.len();
    let traces: std::collections::HashSet<*const _> = a
        .risks
        .iter()
        .map(|r| std::sync::Arc::as_ptr(&r.trace))
        .collect();
    assert!(
        traces.len() * 20 < risks,
        "{} traces for {risks} risks",
        traces.len()
    );
    // Sharing never merges different explanations: each trace still explains its own risk.
    for r in &a.risks {
        assert_eq!(r.trace.likelihood.value, r.inherent.likelihood, "{}", r.id);
        assert_eq!(r.trace.impact.value, r.inherent.impact, "{}", r.id);
        let (l, i) = r
            .trace
            .residual
            .last()
            .map_or((r.inherent.likelihood, r.inherent.impact), |s| {
                (s.likelihood, s.impact)
            });
        assert_eq!(
            (l, i),
            (r.residual.likelihood, r.residual.impact),
            "{}",
            r.id
        );
        let controls: Vec<&str> = r
            .treatment
            .as_ref()
            .map(|t| t.controls.iter().map(|c| c.id.as_str()).collect())
            .unwrap_or_default();
        let steps: Vec<&str> = r
            .trace
            .residual
            .iter()
            .map(|s| s.control.as_str())
            .collect();
        assert_eq!(controls, steps, "{}", r.id);
    }
    let untreated: Vec<&Diagnostic> = a
        .findings
        .iter()
        .filter(|f| f.code == Code::UntreatedRisk)
        .collect();
    assert_eq!(untreated.len(), a.summary.untreated_required);
    let threats: std::collections::HashMap<&str, &str> = a
        .risks
        .iter()
        .map(|r| (r.id.as_str(), &*r.threat))
        .collect();
    for f in &untreated {
        let id = f.element.as_deref().unwrap();
        let threat = threats[id];
        assert!(f.hint.as_ref().unwrap().en.contains(threat), "{id}");
    }
}

#[test]
fn every_risk_says_what_could_happen_in_both_languages() {
    use sansho_core::Lang;
    let a = assess(BASE);
    for r in &a.risks {
        for lang in [Lang::Ja, Lang::En] {
            let text = r.scenario.text(lang);
            assert!(!text.is_empty() && !text.contains('{'), "{}: {text}", r.id);
        }
    }
    let r = risk(&a, "OP-01/entry/terminal/T1");
    assert_eq!(
        r.scenario.text(Lang::Ja),
        "診察室の端末で医師が診療録を閲覧・更新する際に、権限を持たない者が診療録をのぞき見たり、端末を不正に操作して書き換えたりする。"
    );
    assert!(
        r.scenario
            .text(Lang::En)
            .starts_with("While 医師 works with 診療録 (view/update) on 端末 at 診察室, someone"),
        "{}",
        r.scenario.text(Lang::En)
    );
    // The reasons say in words what the trace says in rule ids.
    let story = sansho_core::result::Narrator::new(&a).reasons(r, Lang::Ja);
    assert!(story.at_stake.starts_with("機密性"), "{}", story.at_stake);
    assert!(
        story
            .likelihood
            .starts_with("脅威「不正な閲覧・操作」の基準値 3。"),
        "{}",
        story.likelihood
    );
    assert!(story.impact.starts_with("診療録（"), "{}", story.impact);
    // The sentence is written into the JSON result and read back unchanged.
    let json = serde_json::to_string(&a).unwrap();
    let back: Assessment = serde_json::from_str(&json).unwrap();
    let again = back.risks.iter().find(|x| x.id == r.id).unwrap();
    assert_eq!(again.scenario.localized(), r.scenario.localized());
    // A result written before risks had a scenario still reads, with the scenario empty.
    let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
    for risk in old["risks"].as_array_mut().unwrap() {
        risk.as_object_mut().unwrap().remove("scenario");
    }
    let old: Assessment = serde_json::from_value(old).unwrap();
    assert_eq!(old.risks[0].scenario.text(Lang::Ja), "");
}

#[test]
fn a_knowledge_base_file_replaces_a_scenario_template() {
    use sansho_core::Lang;
    use sansho_core::source::FileId;
    let base = kb();
    let text = "scenarios:\n  - id: T1\n    threat: T1\n    text: {ja: '{who}以外の者が{element}で{information}を見る', en: 'someone else sees {information} on {element}'}\n";
    let replaced = sansho_core::kb::load::with_overrides(base, &[(FileId(0), text)]).unwrap();
    let provider = MemoryProvider::new().with("m.yaml", BASE);
    let (_, a, d) = sansho_core::assess("m.yaml", &provider, &replaced, &Limits::default());
    let a = a.unwrap_or_else(|| panic!("{d:#?}"));
    let r = risk(&a, "OP-01/entry/terminal/T1");
    assert!(
        r.scenario
            .text(Lang::Ja)
            .ends_with("医師以外の者が端末で診療録を見る。"),
        "{}",
        r.scenario.text(Lang::Ja)
    );
    // A template naming a slot that does not exist is refused where it is written.
    let bad = "scenarios:\n  - id: T1\n    threat: T1\n    text: {ja: '{device}で', en: x}\n";
    let base = kb();
    let errors = sansho_core::kb::load::with_overrides(base, &[(FileId(0), bad)]).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.message.get(Lang::En).contains("{device}")
                && e.span.is_some_and(|s| s.file == FileId(0) && s.line == 4)),
        "{errors:#?}"
    );
}

#[test]
fn document_control_is_carried_and_its_mistakes_are_located() {
    let with = |document: &str| {
        BASE.replace(
            "  editions: [PGL-1.1]\n",
            &format!("  editions: [PGL-1.1]\n  document: {document}\n"),
        )
    };
    let a = assess(&with(
        "{version: '2.0', created: 2026-04-01, author: 情報システム部, approver: 代表取締役, addressee: clinic}",
    ));
    let d = a.system.document.as_ref().unwrap();
    assert_eq!(d.version.as_deref(), Some("2.0"));
    assert_eq!(d.created.as_deref(), Some("2026-04-01"));
    assert_eq!(d.addressee.as_ref().map(|o| &*o.name), Some("診療所"));

    let (_, diagnostics) = run(&with("{created: 2026-02-30, addressee: nobody}"));
    let messages: Vec<(u32, String)> = diagnostics
        .iter()
        .map(|d| {
            (
                d.span.map_or(0, |s| s.line),
                d.message.get(sansho_core::Lang::En).to_owned(),
            )
        })
        .collect();
    assert!(
        messages.iter().any(|(line, m)| *line == 7
            && m.contains("document.created")
            && m.contains("2026-02-30")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|(line, m)| *line == 7 && m.contains("nobody")),
        "{messages:#?}"
    );
}

/// What the operational records establish replaces what the model declares where it is later,
/// joins the ledger where the model left an item out, and names the risks incidents
/// materialised; what the model no longer has is reported, not applied.
#[test]
fn operational_facts_feed_the_checks() {
    use sansho_core::facts::{DrillFact, FORMAT, IncidentFact, InventoryFact, OperationalFacts};
    use sansho_core::vocab::{Cia, ContinuityScenario};
    let text = BASE
        .replace("  editions: [PGL-1.1]\n", "  editions: [PGL-1.1]\n  as_of: 2026-11-01\n")
        .replace(
            "  - {id: db, name: DB, kind: database, location: dc, exposure: internal}\n",
            "  - {id: db, name: DB, kind: database, location: dc, exposure: internal}\n  - {id: usb, name: USB メモリ, kind: portable_disk, location: room, holds: [record], encrypted_at_rest: true}\n",
        )
        + "continuity:\n  - {scenario: outage, plan: BCP 第2章, last_drill: 2025-10-01}\n"
        + "ledger:\n  - {asset: terminal, last_inventory: 2026-10-01}\n";
    let facts = OperationalFacts {
        format: FORMAT,
        source: "さくら診療所との契約".into(),
        as_of: "2026-11-30".into(),
        inventories: vec![
            // Older than the model's date: stays.
            InventoryFact {
                asset: "terminal".into(),
                counted_on: "2026-09-01".into(),
                discrepancy: false,
            },
            // Not in the model's ledger: counted, so in the provider's; and long ago.
            InventoryFact {
                asset: "usb".into(),
                counted_on: "2025-08-01".into(),
                discrepancy: false,
            },
            InventoryFact {
                asset: "gone-laptop".into(),
                counted_on: "2026-10-01".into(),
                discrepancy: false,
            },
        ],
        drills: vec![DrillFact {
            scenario: ContinuityScenario::Outage,
            held_on: "2026-10-20".into(),
        }],
        incidents: vec![IncidentFact {
            id: "inc-1".into(),
            title: "端末の盗み見".into(),
            detected_on: "2026-10-02".into(),
            harms: vec![Cia::Confidentiality],
            risks: vec![
                "OP-01/entry/terminal/T1".into(),
                "OP-01/entry/terminal/T99".into(),
            ],
            closed: false,
        }],
    };
    let provider = MemoryProvider::new().with("m.yaml", text.as_str());
    let (_, without, _) = sansho_core::assess("m.yaml", &provider, kb(), &Limits::default());
    let without = without.unwrap();
    assert!(
        codes(&without).contains(&Code::parse("BCP005").unwrap()),
        "the declared drill is overdue"
    );
    assert!(
        codes(&without).contains(&Code::parse("OPS002").unwrap()),
        "usb is not in the declared ledger"
    );

    let (_, with, diagnostics) =
        sansho_core::assess_with_facts("m.yaml", &provider, kb(), &Limits::default(), Some(&facts));
    let with = with.unwrap();
    let found = codes(&with);
    assert!(
        !found.contains(&Code::parse("BCP005").unwrap()),
        "the recorded drill is recent"
    );
    assert!(
        !found.contains(&Code::parse("OPS002").unwrap()),
        "usb is in the provider's ledger"
    );
    let overdue: Vec<&Diagnostic> = with
        .findings
        .iter()
        .filter(|f| f.code == Code::parse("OPS010").unwrap())
        .collect();
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0].element.as_deref(), Some("usb"));
    assert!(
        overdue[0].message.ja.contains("2025-08-01 (運用記録)"),
        "{}",
        overdue[0].message.ja
    );
    let materialised = with
        .findings
        .iter()
        .find(|f| f.code == Code::RiskMaterialised)
        .unwrap();
    assert_eq!(
        materialised.element.as_deref(),
        Some("OP-01/entry/terminal/T1")
    );
    assert!(
        materialised.message.ja.contains("端末の盗み見"),
        "{}",
        materialised.message.ja
    );
    let stale = with
        .findings
        .iter()
        .find(|f| f.code == Code::FactNotInModel)
        .unwrap();
    assert_eq!(stale.element.as_deref(), Some("OP-01/entry/terminal/T99"));
    assert!(
        stale
            .hint
            .as_ref()
            .unwrap()
            .ja
            .contains("OP-01/entry/terminal/T1")
    );
    let unknown_asset = diagnostics
        .iter()
        .find(|d| d.code == Code::FactNotInModel)
        .unwrap();
    assert_eq!(unknown_asset.element.as_deref(), Some("gone-laptop"));
    assert!(unknown_asset.message.ja.contains("さくら診療所との契約"));
}
