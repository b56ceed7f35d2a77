//! The guideline rule pack, driven by the rules' own declarations: `tests/rules/base.yaml` is a
//! compliant model on which no rule fires, and each rule's example gives a fragment that makes it
//! fire on a named element and one that fixes it. Adding a rule adds its test with its file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use serde_json::Value;

use sansho_core::load::{Limits, MemoryProvider};
use sansho_core::result::Assessment;
use sansho_core::{Code, KnowledgeBase, Severity};

fn kb() -> &'static KnowledgeBase {
    sansho_core::kb::load::builtin().as_ref().unwrap()
}

const BASE: &str = include_str!("rules/base.yaml");

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("not YAML: {e}\n{text}"))
}

/// Merges an example's fragment onto the base model, as docs/rules.md describes: lists of
/// elements merge by `id` (key by key), other lists and mappings are replaced key by key, and
/// `null` removes a key.
fn merge(base: &mut Value, fragment: &Value) {
    let (Value::Object(base), Value::Object(fragment)) = (base, fragment) else {
        panic!("fragments are mappings");
    };
    for (key, value) in fragment {
        match (base.get_mut(key), value) {
            (_, Value::Null) => {
                base.remove(key);
            }
            (Some(Value::Array(items)), Value::Array(new)) if by_id(new) => {
                for item in new {
                    let id = &item["id"];
                    match items.iter_mut().find(|i| &i["id"] == id) {
                        Some(existing) => merge(existing, item),
                        None => items.push(item.clone()),
                    }
                }
            }
            (Some(existing @ Value::Object(_)), Value::Object(_)) => merge(existing, value),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

fn by_id(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|i| i.get("id").is_some())
}

/// The base model with `fragment` merged, as JSON text (which is YAML).
fn model_with(fragment: &str) -> String {
    let mut model = yaml(BASE);
    merge(&mut model, &yaml(fragment));
    serde_json::to_string_pretty(&model).unwrap()
}

fn assess(text: &str) -> Assessment {
    assess_with(text, kb())
}

fn assess_with(text: &str, kb: &KnowledgeBase) -> Assessment {
    let provider = MemoryProvider::new().with("m.json", text);
    let (_, assessment, diagnostics) =
        sansho_core::assess("m.json", &provider, kb, &Limits::default());
    assessment.unwrap_or_else(|| panic!("model failed to load: {diagnostics:#?}\n{text}"))
}

fn rule_findings(a: &Assessment) -> Vec<String> {
    a.findings
        .iter()
        .filter(|f| f.code.is_rule())
        .map(|f| {
            format!(
                "{} {} {}",
                f.code.as_str(),
                f.element.as_deref().unwrap_or(""),
                f.message.en
            )
        })
        .collect()
}

#[test]
fn the_compliant_base_model_triggers_no_rule() {
    let fired = rule_findings(&assess(BASE));
    assert!(fired.is_empty(), "{fired:#?}");
}

#[test]
fn every_rule_fires_on_its_example_and_not_on_the_fix() {
    let mut failures = Vec::new();
    for rule in &kb().rules {
        let code = Code::parse(&rule.code).unwrap();
        let example = &rule.example;
        let fires = assess(&model_with(&example.fires));
        let hits: Vec<_> = fires.findings.iter().filter(|f| f.code == code).collect();
        if !hits
            .iter()
            .any(|f| f.element.as_deref() == Some(example.element.as_str()))
        {
            let got: Vec<String> = hits
                .iter()
                .map(|f| format!("{:?}: {}", f.element, f.message.en))
                .collect();
            failures.push(format!(
                "{}: the example does not fire on {}; got {got:#?}",
                rule.code, example.element
            ));
        }
        // The base model follows PGL-1.1 and MGL-6.0: findings cite those editions' clauses
        // when the rule has any, each once, and nothing of editions the model does not name.
        let own: Vec<&str> = rule
            .sources
            .iter()
            .map(|s| s.clause.as_str())
            .filter(|c| c.starts_with("PGL-1.1") || c.starts_with("MGL-6.0"))
            .collect();
        for f in &hits {
            assert!(
                !f.references.is_empty() && f.hint.is_some(),
                "{}: findings carry clauses and a fix",
                rule.code
            );
            let cited: Vec<&str> = f.references.iter().map(String::as_str).collect();
            let mut unique = cited.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(
                cited.len(),
                unique.len(),
                "{}: {cited:?} repeats a clause",
                rule.code
            );
            if !own.is_empty() {
                assert!(
                    cited.iter().all(|c| own.contains(c)),
                    "{}: {cited:?} cites an edition the model does not follow",
                    rule.code
                );
            }
        }
        let passes = assess(&model_with(&example.passes));
        let left: Vec<String> = passes
            .findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| format!("{:?}: {}", f.element, f.message.en))
            .collect();
        if !left.is_empty() {
            failures.push(format!("{}: the fix still fires: {left:#?}", rule.code));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_is_declared_whole() {
    let problems = sansho_core::kb::load::validate_rules(kb());
    assert!(problems.is_empty(), "{problems:?}");
    let codes: Vec<&str> = kb().rules.iter().map(|r| r.code.as_str()).collect();
    let registered: Vec<&str> = sansho_core::diagnostics::RuleId::all()
        .map(|r| r.code())
        .collect();
    assert_eq!(
        codes, registered,
        "every rule file is declared, in code order"
    );
    for rule in &kb().rules {
        assert!(
            rule.sources.iter().all(|s| !s.clause.trim().is_empty()),
            "{}",
            rule.code
        );
    }
}

#[test]
fn severity_follows_the_strength_of_the_wording_unless_declared() {
    for rule in &kb().rules {
        let expected = rule
            .severity
            .unwrap_or_else(|| kb().tables.severity_by_strength[&rule.strength()]);
        assert_eq!(kb().rule_severity(rule), expected, "{}", rule.code);
    }
    // MEDIA001 rests on 望ましい: a warning, not an error with the weight of a must.
    let media = kb().rules.iter().find(|r| r.code == "MEDIA001").unwrap();
    assert_eq!(kb().rule_severity(media), Severity::Warning);
}

#[test]
fn rule_severity_and_rank_are_overridable() {
    let text = "rules:\n  - code: NET006\n    severity: error\n    rank: A\n";
    let kb =
        sansho_core::kb::load::with_overrides(kb(), &[(sansho_core::FileId(9), text)]).unwrap();
    let net006 = kb.rules.iter().find(|r| r.code == "NET006").unwrap();
    let a = assess_with(&model_with(&net006.example.fires), &kb);
    let f = a
        .findings
        .into_iter()
        .find(|f| f.code.as_str() == "NET006")
        .unwrap();
    assert_eq!(
        (f.severity, f.rank),
        (Severity::Error, Some(sansho_core::Rank::A))
    );
    let unknown = sansho_core::kb::load::with_overrides(
        &kb,
        &[(
            sansho_core::FileId(9),
            "rules:\n  - code: NET999\n    rank: A\n",
        )],
    )
    .unwrap_err();
    assert!(unknown[0].message.en.contains("there is no rule NET999"));
}
