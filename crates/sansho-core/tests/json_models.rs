//! Model files may be JSON (`.json`): machine-written models, exports of inventories. JSON is
//! YAML 1.2 in flow style, so the same loader reads it with the same schema and checks, and
//! every position points into the JSON text. These tests convert the bundled example to JSON
//! and hold the two to each other.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use std::path::Path;

use sansho_core::load::{Limits, MemoryProvider};
use sansho_core::{Code, Diagnostic, Severity};

/// The example's files, as YAML and converted to pretty-printed JSON (includes renamed).
fn example_files() -> (MemoryProvider, MemoryProvider, Vec<(String, String)>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ehr-saas");
    let (mut yaml, mut json) = (MemoryProvider::new(), MemoryProvider::new());
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        if let Some(includes) = value.get_mut("include").and_then(|i| i.as_array_mut()) {
            for include in includes {
                let renamed = include.as_str().unwrap().replace(".yaml", ".json");
                *include = serde_json::Value::String(renamed);
            }
        }
        let json_name = name.replace(".yaml", ".json");
        let json_text = serde_json::to_string_pretty(&value).unwrap();
        yaml = yaml.with(&name, text.into_bytes());
        json = json.with(&json_name, json_text.clone().into_bytes());
        texts.push((json_name, json_text));
    }
    (yaml, json, texts)
}

fn kb() -> &'static sansho_core::KnowledgeBase {
    sansho_core::kb::load::builtin().as_ref().unwrap()
}

#[test]
fn the_example_in_json_gives_the_same_assessment() {
    let (yaml, json, _) = example_files();
    let limits = Limits::default();
    let (_, from_yaml, d) = sansho_core::assess("sansho.yaml", &yaml, kb(), &limits);
    assert!(d.iter().all(|d| d.severity != Severity::Error), "{d:?}");
    let (_, from_json, d) = sansho_core::assess("sansho.json", &json, kb(), &limits);
    assert!(d.iter().all(|d| d.severity != Severity::Error), "{d:?}");
    let (from_yaml, from_json) = (from_yaml.unwrap(), from_json.unwrap());
    let risks = |a: &sansho_core::Assessment| -> Vec<String> {
        a.risks
            .iter()
            .map(|r| format!("{} {:?} {:?}", r.id, r.inherent, r.residual))
            .collect()
    };
    assert_eq!(risks(&from_json), risks(&from_yaml));
    let findings = |a: &sansho_core::Assessment| -> Vec<String> {
        a.findings
            .iter()
            .map(|f| format!("{:?} {:?} {}", f.code, f.element, f.message.en))
            .collect()
    };
    assert_eq!(findings(&from_json), findings(&from_yaml));
}

#[test]
fn a_finding_in_a_json_file_points_at_the_json_text() {
    let (_, json, texts) = example_files();
    let (sources, assessment, _) =
        sansho_core::assess("sansho.json", &json, kb(), &Limits::default());
    let assessment = assessment.unwrap();
    let finding = assessment
        .findings
        .iter()
        .find(|f| f.code == Code::UntreatedRisk)
        .expect("the example has an untreated required risk");
    let span = finding.span.unwrap();
    let (name, text) = texts
        .iter()
        .find(|(name, _)| *name == sources.get(span.file).unwrap().path)
        .unwrap();
    let line = text
        .lines()
        .nth(usize::try_from(span.line).unwrap() - 1)
        .unwrap();
    let at = &line[usize::try_from(span.column).unwrap() - 1..];
    // The finding names the flow; its position is the flow's id in the JSON file.
    let flow = finding
        .element
        .as_deref()
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    assert!(
        at.starts_with(&format!("\"{flow}\"")),
        "{name}:{}:{} is `{line}`",
        span.line,
        span.column
    );
}

#[test]
fn a_wrong_value_in_a_json_file_is_reported_where_it_is() {
    let (_, json, texts) = example_files();
    let (name, text) = texts
        .iter()
        .find(|(name, _)| name.starts_with("flows-operation"))
        .unwrap();
    let broken = text.replacen("\"operation\"", "\"opration\"", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("\"opration\""))
        .unwrap()
        + 1;
    let json = json.with(name, broken.into_bytes());
    let (_, assessment, diagnostics) =
        sansho_core::assess("sansho.json", &json, kb(), &Limits::default());
    assert!(assessment.is_none());
    let errors: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let span = errors[0].span.unwrap();
    assert_eq!(usize::try_from(span.line).unwrap(), line, "{errors:#?}");
    assert!(errors[0].message.en.contains("opration"), "{errors:#?}");
}
