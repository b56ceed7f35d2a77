//! Rules judge the system, not its self-description: for each structural judgement, a model
//! where the declaration is missing or contradicts the structure, and the rule still decides
//! from the structure. Also the false positives of judging by declarations, each gone; and the
//! facts and rules that share a judgement kept equal on a generated set of models.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use serde_json::{Value, json};

use sansho_core::load::{Limits, MemoryProvider};
use sansho_core::result::Assessment;
use sansho_core::vocab::Fact;
use sansho_core::{KnowledgeBase, Severity};

fn kb() -> &'static KnowledgeBase {
    sansho_core::kb::load::builtin().as_ref().unwrap()
}

const BASE: &str = include_str!("rules/base.yaml");

fn base() -> Value {
    serde_saphyr::from_str(BASE).unwrap()
}

fn assess(model: &Value) -> Assessment {
    let text = serde_json::to_string_pretty(model).unwrap();
    let provider = MemoryProvider::new().with("m.json", text.clone());
    let (_, assessment, diagnostics) =
        sansho_core::assess("m.json", &provider, kb(), &Limits::default());
    assessment.unwrap_or_else(|| panic!("model failed to load: {diagnostics:#?}\n{text}"))
}

/// (severity, element, English message) of each finding of `code`.
fn findings(a: &Assessment, code: &str) -> Vec<(Severity, String, String)> {
    a.findings
        .iter()
        .filter(|f| f.code.as_str() == code)
        .map(|f| {
            (
                f.severity,
                f.element.clone().unwrap_or_default(),
                f.message.en.clone(),
            )
        })
        .collect()
}

fn push(model: &mut Value, section: &str, item: Value) {
    model[section].as_array_mut().unwrap().push(item);
}

fn item<'a>(model: &'a mut Value, section: &str, id: &str) -> &'a mut Value {
    model[section]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["id"] == id)
        .unwrap()
}

/// A patient portal viewed from the patient's own phone, with `path` as given.
fn with_patient_flow(path: Value) -> Value {
    let mut m = base();
    push(
        &mut m,
        "actors",
        json!({"id": "patient", "name": "患者", "organization": "clinic", "kind": "patient"}),
    );
    push(
        &mut m,
        "assets",
        json!({"id": "phone", "name": "患者のスマートフォン", "kind": "smartphone", "location": "room",
               "scope": "patient", "authentication": ["password", "totp"]}),
    );
    push(
        &mut m,
        "connections",
        json!({"id": "net", "name": "インターネット", "kind": "internet", "tls": {"versions": ["tls1.3"]}}),
    );
    push(
        &mut m,
        "flows",
        json!({"id": "OP-P1", "phase": "operation", "layer": "application", "who": "patient",
               "where": "room", "which": "phone", "what": ["record"], "how": ["view"], "path": path}),
    );
    m
}

#[test]
fn patient_viewing_is_judged_from_the_network_not_from_a_flag() {
    // Declared separated, yet the patient's path crosses the LAN staff flows use.
    let mut m = with_patient_flow(json!(["phone", "net", "app", "lan", "db"]));
    item(&mut m, "connections", "lan")["remote_access"] =
        json!({"purpose": "patient", "separated": true});
    let found = findings(&assess(&m), "OPS006");
    assert!(
        found.iter().any(|(s, e, msg)| *s == Severity::Error
            && e == "OP-P1"
            && msg.contains("lan is declared separated")),
        "{found:?}"
    );
    // No flag at all, and the structure shows a separate portal: nothing to report.
    let mut m = with_patient_flow(json!(["phone", "net", "portal"]));
    push(
        &mut m,
        "assets",
        json!({"id": "portal", "name": "患者ポータル", "kind": "server", "location": "dc",
               "managed_by": "acme", "holds": ["record"], "replica_of": "db"}),
    );
    assert!(findings(&assess(&m), "OPS006").is_empty());
    // A patient flow without a path cannot be judged: a warning says what to state.
    let m = with_patient_flow(json!(["phone"]));
    let found = findings(&assess(&m), "OPS006");
    assert!(
        found
            .iter()
            .any(|(s, e, msg)| *s == Severity::Warning && e == "OP-P1" && msg.contains("path")),
        "{found:?}"
    );
}

#[test]
fn evaluation_independence_is_judged_from_what_the_evaluator_does() {
    // Declared not involved, but the evaluator performs the disposal flow.
    let mut m = base();
    m["agreement"]["evaluation"] =
        json!({"by": "internal_audit", "evaluated_by": "operator", "involved_in_system": false});
    let found = findings(&assess(&m), "AGR007");
    assert!(
        found
            .iter()
            .any(|(s, _, msg)| *s == Severity::Warning && msg.contains("TRM-01")),
        "{found:?}"
    );
    // Neither who evaluated nor their involvement stated: no pass, a warning naming both keys.
    let mut m = base();
    m["agreement"]["evaluation"] = json!({"by": "third_party"});
    let found = findings(&assess(&m), "AGR007");
    assert!(
        found
            .iter()
            .any(|(_, _, msg)| msg.contains("evaluated_by") && msg.contains("involved_in_system")),
        "{found:?}"
    );
}

#[test]
fn foreign_storage_is_read_from_where_the_data_are() {
    // The data centre holding the records states no country: a warning, not a pass.
    let mut m = base();
    item(&mut m, "locations", "dc")
        .as_object_mut()
        .unwrap()
        .remove("country");
    let found = findings(&assess(&m), "INST001");
    assert!(
        found
            .iter()
            .any(|(s, e, msg)| *s == Severity::Warning && e == "dc" && msg.contains("country")),
        "{found:?}"
    );
    // A hall inside a Singapore site inherits the country: foreign law left unanswered fires on
    // the hall, although the agreement's answers say where the data are.
    let mut m = base();
    item(&mut m, "locations", "dc")["country"] = json!("SG");
    push(
        &mut m,
        "locations",
        json!({"id": "hall", "name": "サーバ室", "kind": "room", "within": "dc"}),
    );
    item(&mut m, "assets", "db")["location"] = json!("hall");
    m["agreement"]["vendor_selection"]
        .as_object_mut()
        .unwrap()
        .remove("foreign_law");
    let found = findings(&assess(&m), "INST001");
    assert!(
        found
            .iter()
            .any(|(s, e, msg)| *s == Severity::Error && e == "hall" && msg.contains("SG")),
        "{found:?}"
    );
}

#[test]
fn an_ipsec_vpn_through_an_internet_facing_router_is_not_an_internet_flow() {
    let mut m = base();
    item(&mut m, "assets", "terminal")["authentication"] = json!(["password"]);
    push(
        &mut m,
        "assets",
        json!({"id": "router", "name": "VPN ルータ", "kind": "network_device", "location": "room",
               "exposure": "internet", "managed_by": "clinic"}),
    );
    item(&mut m, "flows", "OP-01")["path"] =
        json!(["terminal", "router", "vpn", "app", "lan", "db"]);
    let a = assess(&m);
    let entry = a
        .risks
        .iter()
        .find(|r| r.id == "OP-01/entry/terminal/T1")
        .unwrap();
    assert!(
        !entry.trace.facts.contains(&Fact::PathCrossesInternet),
        "{:?}",
        entry.trace.facts
    );
    assert!(
        entry
            .trace
            .likelihood
            .steps
            .iter()
            .all(|s| &*s.rule != "LK-SINGLE-FACTOR-INTERNET"),
        "{:?}",
        entry.trace.likelihood.steps
    );
}

#[test]
fn rooms_inside_a_guarded_site_are_guarded() {
    let mut m = base();
    push(
        &mut m,
        "locations",
        json!({"id": "cage", "name": "ラック区画", "kind": "room", "within": "dc"}),
    );
    item(&mut m, "assets", "db")["location"] = json!("cage");
    let a = assess(&m);
    let db = a
        .risks
        .iter()
        .find(|r| r.id == "OP-01/storage/db/T10")
        .unwrap();
    assert!(db.trace.facts.contains(&Fact::EntryControlled));
    assert!(!db.trace.facts.contains(&Fact::NoPhysicalSafeguards));
}

#[test]
fn what_is_outside_the_providers_scope_is_not_checked_as_the_providers() {
    let mut m = base();
    // A patient's own phone holding records: not in the provider's ledger.
    push(
        &mut m,
        "assets",
        json!({"id": "phone", "name": "患者のスマートフォン", "kind": "smartphone", "location": "room",
               "scope": "patient", "holds": ["record"]}),
    );
    // Records the clinic keeps on its own filing server: neither the provider's storage
    // principles nor its disposal procedure.
    push(
        &mut m,
        "information",
        json!({"id": "referral", "name": "紹介状 (診療所保管)", "classification": "medical",
               "legal_record": true}),
    );
    push(
        &mut m,
        "assets",
        json!({"id": "filing", "name": "診療所のファイルサーバ", "kind": "storage", "location": "room",
               "managed_by": "clinic", "holds": ["referral"]}),
    );
    // A disaster-recovery replica: backed up through its primary.
    push(
        &mut m,
        "assets",
        json!({"id": "dr-db", "name": "DR レプリカ", "kind": "database", "location": "dc",
               "holds": ["record"], "encrypted_at_rest": true, "replica_of": "db", "managed_by": "acme"}),
    );
    let a = assess(&m);
    for (code, element) in [
        ("OPS002", "phone"),
        ("INST002", "referral"),
        ("OPS008", "referral"),
        ("BCP004", "dr-db"),
        ("BCP004", "filing"),
    ] {
        assert!(
            findings(&a, code).iter().all(|(_, e, _)| e != element),
            "{code} on {element}: {:?}",
            findings(&a, code)
        );
    }
    // The same records kept by the provider would be checked.
    item(&mut m, "information", "referral")["scope"] = json!("provider");
    let a = assess(&m);
    assert!(
        findings(&a, "INST002")
            .iter()
            .any(|(_, e, _)| e == "referral")
    );
}

#[test]
fn an_unstated_setting_is_a_warning_never_a_pass() {
    let mut m = base();
    item(&mut m, "connections", "vpn")
        .as_object_mut()
        .unwrap()
        .remove("ike");
    let a = assess(&m);
    let found = findings(&a, "NET005");
    assert!(
        found
            .iter()
            .any(|(s, _, msg)| *s == Severity::Warning && msg.contains("`ike`")),
        "{found:?}"
    );
    // The engine takes the weaker case for the likelihood.
    let transfer = a
        .risks
        .iter()
        .find(|r| r.id == "OP-01/transfer/vpn/T2")
        .unwrap();
    assert!(transfer.trace.facts.contains(&Fact::IpsecWithoutIke));
}

/// Every combination of the settings the connection judgements read, each on its own
/// connection carrying medical information.
fn generated_models() -> Vec<Value> {
    let admissions: Vec<Vec<&str>> = vec![
        vec![],
        vec!["none"],
        vec!["psk"],
        vec!["mac_filter"],
        vec!["psk", "mac_filter"],
        vec!["ieee8021x_password"],
        vec!["ieee8021x_certificate"],
        vec!["psk", "ieee8021x_certificate"],
    ];
    let mut models = Vec::new();
    for (i, admission) in admissions.iter().enumerate() {
        let mut m = base();
        let mut wlan = json!({"id": "wlan", "name": "無線 LAN", "kind": "wireless_lan"});
        if !admission.is_empty() {
            wlan["wireless_access_control"] = json!(admission);
        }
        push(&mut m, "connections", wlan);
        let ike = [Some(true), Some(false), None][i % 3];
        let ssl = [Some("client"), Some("clientless"), None][(i / 3) % 3];
        let mut ipsec = json!({"id": "ipsec", "name": "IPsec", "kind": "ipsec_vpn"});
        if let Some(ike) = ike {
            ipsec["ike"] = json!(ike);
        }
        push(&mut m, "connections", ipsec);
        let mut ssl_vpn = json!({"id": "sslvpn", "name": "SSL-VPN", "kind": "ssl_vpn"});
        if let Some(ssl) = ssl {
            ssl_vpn["ssl_vpn"] = json!(ssl);
        }
        push(&mut m, "connections", ssl_vpn);
        item(&mut m, "flows", "OP-01")["path"] = json!([
            "terminal", "wlan", "ipsec", "sslvpn", "vpn", "app", "lan", "db"
        ]);
        models.push(m);
    }
    models
}

#[test]
fn facts_and_rules_that_share_a_judgement_agree_on_every_generated_model() {
    let paired: Vec<_> = kb()
        .rules
        .iter()
        .filter_map(|r| r.fact.map(|f| (r.code.clone(), f)))
        .collect();
    assert!(paired.len() >= 3, "{paired:?}");
    for model in generated_models() {
        let a = assess(&model);
        for (code, fact) in &paired {
            let mut elements: Vec<&str> = a.risks.iter().map(|r| &*r.element.id).collect();
            elements.sort_unstable();
            elements.dedup();
            for element in elements {
                let holds = a
                    .risks
                    .iter()
                    .filter(|r| &*r.element.id == element)
                    .any(|r| r.trace.facts.contains(fact));
                let fires = a
                    .findings
                    .iter()
                    .any(|f| f.code.as_str() == code && f.element.as_deref() == Some(element));
                assert_eq!(
                    holds,
                    fires,
                    "{code} and fact {} disagree on {element} in\n{}",
                    fact.name(),
                    serde_json::to_string(&model["connections"]).unwrap()
                );
            }
        }
    }
}
