//! The JSON result format: shared values written once (format 2), and results of format 1 still
//! read. `fixtures/result-format-1.json` was written by `sansho assess --format json` of format 1
//! from `fixtures/generated-3-flows.yaml` (`sansho generate --flows 3`), and is kept as written
//! but for its 想定リスク texts, which follow the knowledge base's wording (the T2 clause was
//! reworded after it was written).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sansho_core::load::{Limits, MemoryProvider};
use sansho_core::result::{Assessment, RESULT_FORMAT, Trace};
use sansho_core::{Lang, Localized, Severity};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn assess(name: &str, text: &str) -> Assessment {
    let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
    let provider = MemoryProvider::new().with(name, text);
    let (_, assessment, diagnostics) = sansho_core::assess(name, &provider, kb, &Limits::default());
    assert!(
        diagnostics.iter().all(|d| d.severity != Severity::Error),
        "{diagnostics:#?}"
    );
    assessment.unwrap()
}

fn generated() -> Assessment {
    let text = std::fs::read_to_string(fixtures().join("generated-3-flows.yaml")).unwrap();
    assess("generated-3-flows.yaml", &text)
}

/// What a reader sees of a risk: everything a writer prints.
fn seen(a: &Assessment) -> Vec<String> {
    a.risks
        .iter()
        .map(|r| {
            format!(
                "{} {:?} {:?} {} | {} | {:?} | {:?}",
                r.id,
                r.inherent,
                r.residual,
                r.scenario.text(Lang::Ja),
                r.scenario.text(Lang::En),
                r.trace,
                r.treatment.as_ref().map(|t| (t.option, t.controls.len())),
            )
        })
        .collect()
}

#[test]
fn a_result_reads_back_as_it_was_and_writes_the_same_bytes() {
    let a = generated();
    let written = serde_json::to_string(&a).unwrap();
    let read: Assessment = serde_json::from_str(&written).unwrap();
    assert_eq!(seen(&read), seen(&a));
    assert_eq!(serde_json::to_string(&read).unwrap(), written);
}

#[test]
fn shared_values_are_written_once_and_shared_again_when_read() {
    let a = generated();
    let value = serde_json::to_value(&a).unwrap();
    assert_eq!(value["format"], RESULT_FORMAT);
    let distinct_traces: HashSet<&Trace> = a.risks.iter().map(|r| &*r.trace).collect();
    assert_eq!(
        value["traces"].as_array().unwrap().len(),
        distinct_traces.len()
    );
    assert!(
        distinct_traces.len() < a.risks.len(),
        "the model repeats itself"
    );
    assert!(value["risks"][0]["trace"].is_u64());
    assert!(value["risks"][0]["scenario"].is_array());

    let distinct_hints: HashSet<&Localized> = a
        .findings
        .iter()
        .filter_map(|f| f.hint.as_deref())
        .collect();
    assert_eq!(
        value["hints"].as_array().unwrap().len(),
        distinct_hints.len()
    );
    assert!(
        distinct_hints.len() < a.findings.len(),
        "rules repeat their hints"
    );
    let first_hinted = a.findings.iter().position(|f| f.hint.is_some()).unwrap();
    assert!(value["findings"][first_hinted]["hint"].is_u64());

    let read: Assessment = serde_json::from_value(value).unwrap();
    assert_eq!(
        read.findings
            .iter()
            .map(|f| (&f.message, &f.hint, &f.references))
            .collect::<Vec<_>>(),
        a.findings
            .iter()
            .map(|f| (&f.message, &f.hint, &f.references))
            .collect::<Vec<_>>()
    );
    // One allocation per written trace.
    let shared: HashSet<*const Trace> = read.risks.iter().map(|r| Arc::as_ptr(&r.trace)).collect();
    assert_eq!(shared.len(), distinct_traces.len());
}

#[test]
fn a_result_of_format_1_is_read_as_the_same_risks() {
    let old = std::fs::read_to_string(fixtures().join("result-format-1.json")).unwrap();
    let value: Value = serde_json::from_str(&old).unwrap();
    assert_eq!(value["format"], 1);
    assert!(value["risks"][0]["trace"].is_object());
    let read: Assessment = serde_json::from_str(&old).unwrap();
    assert_eq!(read.format, 1);
    // The same model assessed today gives the same risks, scores, sentences and traces.
    assert_eq!(seen(&read), seen(&generated()));
    // And it is written again in today's format, which reads back the same.
    let again: Assessment = serde_json::from_str(&serde_json::to_string(&read).unwrap()).unwrap();
    assert_eq!(again.format, RESULT_FORMAT);
    assert_eq!(seen(&again), seen(&read));
}

#[test]
fn a_dangling_index_or_a_newer_format_is_refused_by_name() {
    let mut value = serde_json::to_value(generated()).unwrap();
    let id = value["risks"][1]["id"].as_str().unwrap().to_owned();
    value["risks"][1]["trace"] = 9999.into();
    let error = serde_json::from_value::<Assessment>(value.clone())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&id) && error.contains("`traces`") && error.contains("9999"),
        "{error}"
    );

    value["risks"][1]["trace"] = 0.into();
    let hinted = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["hint"].is_u64())
        .unwrap();
    value["findings"][hinted]["hint"] = 77777.into();
    let error = serde_json::from_value::<Assessment>(value.clone())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&format!("finding {hinted} (")) && error.contains("`hints`"),
        "{error}"
    );
    value["findings"][hinted]["hint"] = 0.into();
    value["risks"][1]["scenario"] = serde_json::json!([0, 1, 2]);
    let error = serde_json::from_value::<Assessment>(value.clone())
        .unwrap_err()
        .to_string();
    assert!(error.contains("two indices"), "{error}");

    value["risks"][1]["scenario"] = serde_json::json!([0, 1]);
    value["format"] = (RESULT_FORMAT + 1).into();
    let error = serde_json::from_value::<Assessment>(value)
        .unwrap_err()
        .to_string();
    assert!(error.contains("newer sansho"), "{error}");
}
