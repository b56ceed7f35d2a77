//! Integration tests on the bundled example `examples/ehr-saas`, and the committed schemas.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sansho_core::load::Limits;
use sansho_core::result::Assessment;
use sansho_core::vocab::{Layer, Phase};
use sansho_core::{Code, Rank, Severity};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Assesses a bundled example with the built-in knowledge base, from the repository's files.
fn assess_example(dir: &str) -> (Option<Assessment>, Vec<sansho_core::Diagnostic>) {
    let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
    let entry = repo().join("examples").join(dir).join("sansho.yaml");
    let (_, assessment, diagnostics) = sansho_core::assess(
        &entry.to_string_lossy(),
        &common::DiskProvider,
        kb,
        &Limits::default(),
    );
    (assessment, diagnostics)
}

fn example() -> Assessment {
    let (assessment, diagnostics) = assess_example("ehr-saas");
    assert!(
        diagnostics.iter().all(|d| d.severity != Severity::Error),
        "{diagnostics:#?}"
    );
    assessment.unwrap()
}

#[test]
fn example_covers_every_phase_and_layer_with_at_least_30_flows() {
    let a = example();
    assert!(a.flows.len() >= 30, "{} flows", a.flows.len());
    let phases: BTreeSet<Phase> = a.flows.iter().map(|f| f.phase).collect();
    assert_eq!(phases.len(), 3);
    let layers: BTreeSet<Layer> = a.flows.iter().map(|f| f.layer).collect();
    assert_eq!(layers.len(), 3);
    assert!(
        a.flows.iter().any(|f| f.who.is_empty()),
        "flows without a person (servers) are part of the example"
    );
}

#[test]
fn example_produces_a_believable_spread_of_ranks() {
    let a = example();
    for rank in Rank::ALL {
        let inherent = a.risks.iter().filter(|r| r.inherent.rank == rank).count();
        assert!(inherent > 0, "no inherent {rank:?} risk");
    }
    // Treatment moves risks down: fewer S and A remain after controls than before.
    let high = |f: &dyn Fn(&sansho_core::result::Risk) -> Rank| {
        a.risks.iter().filter(|r| f(r) >= Rank::A).count()
    };
    assert!(high(&|r| r.residual.rank) < high(&|r| r.inherent.rank));
    assert_eq!(
        a.risks
            .iter()
            .filter(|r| r.residual.rank == Rank::S)
            .count(),
        0,
        "the example treats every S risk"
    );
}

#[test]
fn every_decision_and_control_of_the_example_is_in_use() {
    let a = example();
    let stale: Vec<_> = a
        .findings
        .iter()
        .filter(|f| matches!(f.code, Code::DecisionMatchesNothing | Code::ControlUnused))
        .collect();
    assert!(stale.is_empty(), "{stale:#?}");
}

#[test]
fn example_risk_ids_are_unique() {
    let a = example();
    let ids: BTreeSet<&str> = a.risks.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), a.risks.len());
}

#[test]
fn example_result_validates_against_the_published_schema() {
    let a = example();
    let instance = serde_json::to_value(&a).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("schemas/result.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The top level the issue promises: flows with a phase, risks with a rank S-D.
    assert!(instance["flows"][0]["phase"].is_string());
    assert!(["S", "A", "B", "C", "D"].contains(&instance["risks"][0]["rank"].as_str().unwrap()));
}

/// The committed schemas must match the types. Regenerate with
/// `SANSHO_BLESS=1 cargo test -p sansho-core --test example schemas`.
#[test]
fn schemas_are_fresh() {
    let bless = std::env::var_os("SANSHO_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, schema) in [
        ("model.schema.json", sansho_core::schema::model_schema()),
        ("kb.schema.json", sansho_core::schema::kb_schema()),
        ("result.schema.json", sansho_core::schema::result_schema()),
        ("facts.schema.json", sansho_core::schema::facts_schema()),
    ] {
        let path = repo().join("schemas").join(name);
        let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale schemas {stale:?}: run SANSHO_BLESS=1 cargo test -p sansho-core --test example schemas"
    );
}

/// `docs/rules.md` is generated from the rules' declarations; regenerate with
/// `SANSHO_BLESS=1 cargo test -p sansho-core --test example rules_doc`.
#[test]
fn rules_doc_is_fresh() {
    use sansho_core::vocab::Vocabulary;
    let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
    let mut text = String::from(
        "# Guideline rules\n\n\
         Generated from the rules' declarations (`crates/sansho-core/src/rules/<family>/<rule>.rs`); \
         do not edit by hand. `sansho rules` lists them and `sansho explain CODE` shows one.\n\n\
         Each rule names the clauses it rests on, the strength of their wording (`must` 遵守事項, \
         `as_early_as_possible` 可能な限り早期に, `should` 望ましい, `unknown` where the wording was not \
         read) and whether sansho checked the clause against the official text. A finding's severity \
         follows the strongest wording (`tables.severity_by_strength`) unless the rule declares its \
         own; severity and rank can be overridden in a knowledge-base file.\n\n\
         Each example is a fragment merged onto the compliant base model \
         ([`crates/sansho-core/tests/rules/base.yaml`](../crates/sansho-core/tests/rules/base.yaml)): \
         lists of elements merge by `id` (key by key), other lists and mappings are replaced key by \
         key, and `null` removes a key. The rule tests run every example.\n\n\
         | code | name | title | severity / rank |\n|---|---|---|---|\n",
    );
    for r in &kb.rules {
        text.push_str(&format!(
            "| [{code}](#{anchor}) | `{}` | {}<br>{} | {} / {} |\n",
            r.name,
            r.title.ja,
            r.title.en,
            kb.rule_severity(r).name(),
            r.rank.as_str(),
            code = r.code,
            anchor = r.code.to_lowercase(),
        ));
    }
    for r in &kb.rules {
        let declared = if r.severity.is_some() {
            "declared by the rule"
        } else {
            "from the wording"
        };
        text.push_str(&format!(
            "\n## {}\n\n`{}` — **{}** / {}\n\nSeverity **{}** ({declared}; strongest wording: `{}`), rank **{}**.\n\n",
            r.code,
            r.name,
            r.title.ja,
            r.title.en,
            kb.rule_severity(r).name(),
            r.strength().name(),
            r.rank.as_str(),
        ));
        for (title, body) in [
            ("What it checks", &r.what),
            ("Why it matters", &r.why),
            ("How to fix it", &r.fix),
        ] {
            text.push_str(&format!("**{title}**\n\n{}\n\n{}\n\n", body.ja, body.en));
        }
        text.push_str(&format!(
            "**Example**\n\n{}\n\n{}\n\nFires (on `{}`):\n\n```yaml\n{}\n```\n\nFixed:\n\n```yaml\n{}\n```\n\n",
            r.example.explanation.ja,
            r.example.explanation.en,
            r.example.element,
            r.example.fires.trim_end(),
            r.example.passes.trim_end(),
        ));
        text.push_str("**Sources**\n\n| clause | wording | checked against the official text | quote | note |\n|---|---|---|---|---|\n");
        for s in &r.sources {
            text.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |\n",
                s.clause,
                s.strength.name(),
                if s.verified { "yes" } else { "no" },
                s.quote.as_deref().unwrap_or("").replace('|', "\\|"),
                s.note.as_deref().unwrap_or("").replace('|', "\\|"),
            ));
        }
    }
    let path = repo().join("docs/rules.md");
    if std::env::var_os("SANSHO_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).ok().as_deref(),
        Some(text.as_str()),
        "stale docs/rules.md: run SANSHO_BLESS=1 cargo test -p sansho-core --test example rules_doc"
    );
}

/// `examples/sansho-server`: a deployment of sansho's own server, assessed by sansho. It passes
/// every guideline rule with no error or warning, leaves no residual S or A risk, and states for
/// each risk it accepts or shares why.
#[test]
fn the_server_deployment_example_passes_sanshos_own_rules() {
    let (assessment, diagnostics) = assess_example("sansho-server");
    let serious = |s: Severity| matches!(s, Severity::Error | Severity::Warning);
    let problems: Vec<_> = diagnostics.iter().filter(|d| serious(d.severity)).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let a = assessment.unwrap();
    let findings: Vec<_> = a.findings.iter().filter(|f| serious(f.severity)).collect();
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(a.flows.len() >= 30, "{} flows", a.flows.len());
    let phases: BTreeSet<Phase> = a.flows.iter().map(|f| f.phase).collect();
    assert_eq!(phases.len(), 3, "build, operation and contract end");
    assert!(a.risks.iter().any(|r| r.inherent.rank == Rank::A));
    assert!(a.risks.iter().all(|r| r.residual.rank < Rank::A));
    for risk in &a.risks {
        if matches!(
            risk.status,
            sansho_core::result::Status::Accepted | sansho_core::result::Status::Shared
        ) {
            // An acceptance gives its reason, who accepted and when; a share its rationale.
            let treatment = risk.treatment.as_ref();
            let acceptance = treatment.and_then(|t| t.acceptance.as_ref());
            let reason = acceptance
                .filter(|a| a.by.is_some() && a.date.is_some())
                .and_then(|a| a.reason.as_deref())
                .or_else(|| treatment.and_then(|t| t.rationale.as_deref()));
            assert!(
                reason.is_some_and(|r| r.chars().count() > 20),
                "{} is {:?} without a reason",
                risk.id,
                risk.status
            );
        }
    }
}
