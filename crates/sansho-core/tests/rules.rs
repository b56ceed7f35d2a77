//! The guideline rule pack. `BASE` is a compliant model on which no rule fires; each case edits
//! it so that one rule must fire, on the named element, at the line holding the marker text.
//! Together they show every rule both firing and staying quiet.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use std::collections::BTreeSet;

use sansho_core::load::{Limits, MemoryProvider};
use sansho_core::result::Assessment;
use sansho_core::{Code, KnowledgeBase};

fn kb() -> &'static KnowledgeBase {
    sansho_core::kb::load::builtin().as_ref().unwrap()
}

const BASE: &str = r#"sansho: 1
system:
  id: demo
  name: デモ電子カルテ
  provider: acme
  editions: [PGL-1.1, MGL-6.0]
  as_of: 2026-11-01
  data_egress_controls: [network_separation, usb_block]
organizations:
  - id: acme
    name: 提供事業者
    role: provider
    layers: [application, platform]
    certifications:
      - {scheme: isms, valid_until: 2027-12-31, covers_data_lifecycle: true}
  - id: iaas
    name: IaaS 事業者
    role: subcontractor
    layers: [infrastructure]
    certifications:
      - {scheme: ismap, valid_until: 2027-06-30}
  - id: clinic
    name: 診療所
    role: institution
locations:
  - {id: room, name: 診察室, kind: room, country: JP, managed_by: clinic}
  - {id: dc, name: DC, kind: data_center, country: JP, managed_by: iaas, physical_safeguards: [entry_control, seismic_isolation, backup_power]}
assets:
  - {id: terminal, name: 電子カルテ端末, kind: terminal, location: room, exposure: internal, authentication: [password, ic_card]}
  - {id: app, name: アプリサーバ, kind: server, location: dc, exposure: closed_network, managed_by: acme}
  - {id: db, name: DB, kind: database, location: dc, exposure: internal, holds: [record], encrypted_at_rest: true, managed_by: acme, authentication: [password, hardware_token]}
  - {id: host, name: 仮想化基盤, kind: server, location: dc, exposure: internal, managed_by: iaas}
  - {id: vault, name: バックアップ保管庫, kind: backup_storage, location: dc, managed_by: iaas}
connections:
  - {id: vpn, name: 診療所 VPN, kind: ipsec_vpn, ike: true}
  - {id: lan, name: DC LAN, kind: lan}
actors:
  - {id: doctor, name: 医師, organization: clinic, kind: staff}
  - {id: operator, name: 運用担当, organization: acme, kind: operator}
information:
  - {id: record, name: 診療録, classification: medical, retention_years: 5, legal_record: true}
  - {id: prescription, name: 処方箋, classification: medical, record_type: hospital_care_records, requires_signature: true, signature: {method: hpki, timestamp: accredited}}
  - {id: access-log, name: アクセスログ, classification: other, log_of: [record], kept_years: 5}
flows:
  - id: OP-01
    phase: operation
    layer: application
    who: doctor
    where: room
    which: terminal
    what: [record, prescription]
    how: [view, update]
    path: [terminal, vpn, app, lan, db]
  - id: TRM-01
    phase: termination
    layer: application
    who: operator
    where: dc
    which: db
    what: [record]
    how: [dispose]
    evidence: データ消去証明書
controls:
  - id: C-AUDIT
    name: 更新履歴と確定操作
    category: technical
    owner: acme
    applies_to: [record]
    counters: [T6]
    principles: [authenticity, readability, preservability]
backups:
  - {id: bk-db, of: [db], to: vault, generations: 7, offline: true}
continuity:
  - {scenario: outage, plan: BCP 第2章}
  - {scenario: demand_surge, plan: BCP 第3章}
  - {scenario: recovery_inconsistency, plan: BCP 第4章}
disposal_procedures:
  - {information: [record, prescription], conditions: 保存期間満了後, by: [operator], method: 暗号消去と消去証明}
responsibilities:
  - organization: acme
    incident_lead: true
    covers: [authentication, access_logs, network, backups, media_handling, vulnerability_management, incident_response, disposal, business_continuity]
  - organization: iaas
    covers: [physical_security]
agreement:
  evaluation: {by: third_party, evaluator: 第三者評価機関}
  operating_rules: {a: 第1条, b: 第2条, c: 第3条, d: 第4条, e: 第5条, f: 第6条, g: 第7条, h: 第8条, i: 第9条, j: 第10条, k: 第11条}
  vendor_selection: {domestic_law: 国内, storage_location: 東京, foreign_law: なし, policies: あり, backups: 7世代, organization: 体制あり, track_record: 10年, financial_soundness: 黒字, certification: ISMS}
  reports: {operation: 月次, self_inspection: 年次}
"#;

fn assess(text: &str) -> Assessment {
    let provider = MemoryProvider::new().with("m.yaml", text);
    let (_, assessment, diagnostics) =
        sansho_core::assess("m.yaml", &provider, kb(), &Limits::default());
    assessment.unwrap_or_else(|| panic!("model failed to load: {diagnostics:#?}\n{text}"))
}

fn rule_findings(a: &Assessment) -> Vec<&sansho_core::Diagnostic> {
    a.findings.iter().filter(|f| f.code.is_rule()).collect()
}

#[test]
fn the_compliant_base_model_triggers_no_rule() {
    let a = assess(BASE);
    let fired: Vec<String> = rule_findings(&a)
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f.code.as_str(),
                f.element.as_deref().unwrap_or(""),
                f.message.en
            )
        })
        .collect();
    assert!(fired.is_empty(), "{fired:#?}");
}

/// (rule, edits to BASE, element flagged, text on the line the finding must point at).
type Case = (
    Code,
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
);

const CASES: &[Case] = &[
    (
        Code::HumanAccessWithoutMfa,
        &[(
            "authentication: [password, ic_card]",
            "authentication: [password, pin]",
        )],
        "terminal",
        "{id: terminal",
    ),
    (
        Code::LogRetentionTooShort,
        &[(
            "log_of: [record], kept_years: 5",
            "log_of: [record], kept_years: 1",
        )],
        "access-log",
        "{id: access-log",
    ),
    (
        Code::LogRetentionUnknown,
        &[("log_of: [record], kept_years: 5", "log_of: [record]")],
        "access-log",
        "{id: access-log",
    ),
    (
        Code::MedicalOverInternetWithoutTls,
        &[(
            "{id: vpn, name: 診療所 VPN, kind: ipsec_vpn, ike: true}",
            "{id: vpn, name: インターネット, kind: internet}",
        )],
        "vpn",
        "{id: vpn",
    ),
    (
        Code::TlsVersionNotAllowed,
        &[(
            "{id: vpn, name: 診療所 VPN, kind: ipsec_vpn, ike: true}",
            "{id: vpn, name: HTTPS, kind: internet, tls: {versions: [tls1.3, tls1.1], client_certificates: true}}",
        )],
        "vpn",
        "{id: vpn",
    ),
    (
        Code::TlsCipherNotAllowed,
        &[(
            "{id: vpn, name: 診療所 VPN, kind: ipsec_vpn, ike: true}",
            "{id: vpn, name: HTTPS, kind: internet,\n      tls: {versions: [tls1.3], client_certificates: true,\n        cipher_suites: [TLS_AES_128_GCM_SHA256,\n          TLS_RSA_WITH_AES_128_CBC_SHA]}}",
        )],
        "vpn",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
    ),
    (
        Code::ClientlessSslVpn,
        &[(
            "kind: ipsec_vpn, ike: true}",
            "kind: ssl_vpn, ssl_vpn: clientless}",
        )],
        "vpn",
        "{id: vpn",
    ),
    (
        Code::IpsecWithoutIke,
        &[("kind: ipsec_vpn, ike: true}", "kind: ipsec_vpn}")],
        "vpn",
        "{id: vpn",
    ),
    (
        Code::InsecureRouteForStaff,
        &[(
            "{id: vpn, name: 診療所 VPN, kind: ipsec_vpn, ike: true}",
            "{id: vpn, name: HTTPS, kind: internet, tls: {versions: [tls1.3]}}",
        )],
        "vpn",
        "{id: vpn",
    ),
    (
        Code::WirelessWeakAccessControl,
        &[(
            "{id: lan, name: DC LAN, kind: lan}",
            "{id: lan, name: 無線 LAN, kind: wireless_lan, wireless_access_control: [psk, mac_filter]}",
        )],
        "lan",
        "{id: lan",
    ),
    (
        Code::FlashMediaWithMedicalInformation,
        &[
            (
                "  - {id: vault,",
                "  - {id: usb, name: USB メモリ, kind: portable_media, location: room, holds: [record], encrypted_at_rest: true}\n  - {id: vault,",
            ),
            ("backups:\n", "ledger:\n  - {asset: usb}\nbackups:\n"),
        ],
        "usb",
        "{id: usb",
    ),
    (
        Code::CloudStorageNotPermitted,
        &[
            (
                "  - {id: vault,",
                "  - {id: share, name: オンラインストレージ, kind: cloud_service, location: dc, holds: [record]}\n  - {id: vault,",
            ),
            ("of: [db]", "of: [db, share]"),
        ],
        "share",
        "{id: share",
    ),
    (
        Code::NoEgressSeparation,
        &[(
            "  data_egress_controls: [network_separation, usb_block]\n",
            "",
        )],
        "demo",
        "  id: demo",
    ),
    (
        Code::ContinuityScenarioMissing,
        &[("  - {scenario: demand_surge, plan: BCP 第3章}\n", "")],
        "demo",
        "  id: demo",
    ),
    (
        Code::BackupGenerationsTooFew,
        &[("generations: 7", "generations: 1")],
        "bk-db",
        "generations: 1",
    ),
    (
        Code::BackupNotOffline,
        &[("generations: 7, offline: true", "generations: 7")],
        "db",
        "{id: db",
    ),
    (
        Code::StoreWithoutBackup,
        &[("of: [db]", "of: [app]")],
        "db",
        "{id: db",
    ),
    (
        Code::TakenOutUnencrypted,
        &[
            (
                "{id: host, name: 仮想化基盤,",
                "{id: laptop, name: 保守 PC, kind: terminal, location: dc, taken_out: true}\n  - {id: host, name: 仮想化基盤,",
            ),
            ("backups:\n", "ledger:\n  - {asset: laptop}\nbackups:\n"),
        ],
        "laptop",
        "{id: laptop",
    ),
    (
        Code::TakenOutNotInLedger,
        &[(
            "{id: host, name: 仮想化基盤,",
            "{id: laptop, name: 保守 PC, kind: terminal, location: dc, taken_out: true, encrypted_at_rest: true}\n  - {id: host, name: 仮想化基盤,",
        )],
        "laptop",
        "{id: laptop",
    ),
    (
        Code::VendorTakeOutWithoutApproval,
        &[
            (
                "  - {id: operator,",
                "  - {id: engineer, name: 保守作業員, organization: iaas, kind: maintenance}\n  - {id: operator,",
            ),
            (
                "controls:\n",
                "  - {id: OP-02, phase: operation, layer: infrastructure, who: engineer, where: dc, which: db, what: [record], how: [export], evidence: 記録}\ncontrols:\n",
            ),
        ],
        "OP-02",
        "{id: OP-02",
    ),
    (
        Code::RemoteMaintenanceUnrestricted,
        &[(
            "{id: lan, name: DC LAN, kind: lan}",
            "{id: lan, name: 保守回線, kind: ipsec_vpn, ike: true, remote_access: {purpose: maintenance}}",
        )],
        "lan",
        "{id: lan",
    ),
    (
        Code::StaffRemoteWithoutVdi,
        &[(
            "{id: lan, name: DC LAN, kind: lan}",
            "{id: lan, name: 在宅 VPN, kind: ipsec_vpn, ike: true, remote_access: {purpose: staff}}",
        )],
        "lan",
        "{id: lan",
    ),
    (
        Code::PatientViewingNotSeparated,
        &[(
            "{id: lan, name: DC LAN, kind: lan}",
            "{id: lan, name: 患者ポータル, kind: lan, remote_access: {purpose: patient}}",
        )],
        "lan",
        "{id: lan",
    ),
    (
        Code::LentDeviceWithoutConsent,
        &[
            (
                "  - {id: vault,",
                "  - {id: sensor, name: 血圧計, kind: iot_device, location: room, lent_to_patients: true}\n  - {id: vault,",
            ),
            ("backups:\n", "ledger:\n  - {asset: sensor}\nbackups:\n"),
        ],
        "sensor",
        "{id: sensor",
    ),
    (
        Code::DisposalProcedureMissing,
        &[(
            "{information: [record, prescription],",
            "{information: [record],",
        )],
        "prescription",
        "{id: prescription",
    ),
    (
        Code::OutsourcedDisposalWithoutEvidence,
        &[
            (
                "    who: operator\n    where: dc\n    which: db\n    what: [record]\n    how: [dispose]\n    evidence: データ消去証明書\n",
                "    who: engineer\n    where: dc\n    which: db\n    what: [record]\n    how: [dispose]\n",
            ),
            (
                "  - {id: operator,",
                "  - {id: engineer, name: 保守作業員, organization: iaas, kind: operator}\n  - {id: operator,",
            ),
        ],
        "TRM-01",
        "  - id: TRM-01",
    ),
    (
        Code::ForeignStorageUndisclosed,
        &[
            (
                "{id: dc, name: DC, kind: data_center, country: JP,",
                "{id: dc, name: DC, kind: data_center, country: SG,",
            ),
            (" storage_location: 東京, foreign_law: なし,", ""),
        ],
        "dc",
        "{id: dc",
    ),
    (
        Code::StoragePrincipleMissing,
        &[(
            "principles: [authenticity, readability, preservability]",
            "principles: [authenticity]",
        )],
        "record",
        "{id: record",
    ),
    (
        Code::SignatureNotQualified,
        &[(
            "signature: {method: hpki, timestamp: accredited}",
            "signature: {method: hpki, timestamp: other}",
        )],
        "prescription",
        "{id: prescription",
    ),
    (
        Code::UnencryptedByLawWithoutCountermeasure,
        &[(
            "{id: lan, name: DC LAN, kind: lan}",
            "{id: lan, name: DC LAN, kind: lan, unencrypted_by_law: true}",
        )],
        "lan",
        "{id: lan",
    ),
    (
        Code::CertificationMissing,
        &[(
            "      - {scheme: isms, valid_until: 2027-12-31, covers_data_lifecycle: true}\n",
            "      - {scheme: ismap_liu, valid_until: 2027-12-31}\n",
        )],
        "acme",
        "  - id: acme",
    ),
    (
        Code::CertificationExpired,
        &[(
            "{scheme: ismap, valid_until: 2027-06-30}",
            "{scheme: ismap, valid_until: 2026-09-30}",
        )],
        "iaas",
        "{scheme: ismap",
    ),
    (
        Code::IsmsScopeNarrow,
        &[(
            "valid_until: 2027-12-31, covers_data_lifecycle: true}",
            "valid_until: 2027-12-31}",
        )],
        "acme",
        "{scheme: isms,",
    ),
    (
        Code::EvaluationMissing,
        &[(
            "{by: third_party, evaluator: 第三者評価機関}",
            "{by: self_assessment}",
        )],
        "demo",
        "  evaluation:",
    ),
    (
        Code::OperatingRuleItemMissing,
        &[(" i: 第9条,", "")],
        "i",
        "  id: demo",
    ),
    (
        Code::VendorSelectionItemMissing,
        &[(" track_record: 10年,", "")],
        "track_record",
        "  id: demo",
    ),
    (
        Code::ResponsibilitySplitMissing,
        &[(
            "  - organization: iaas\n    covers: [physical_security]\n",
            "  - organization: iaas\n    assets: [vault]\n    covers: [physical_security]\n",
        )],
        "host",
        "{id: host",
    ),
    (
        Code::IncidentLeadMissing,
        &[("    incident_lead: true\n", "")],
        "demo",
        "  id: demo",
    ),
    (
        Code::CooperationSplitMissing,
        &[
            (
                "  - id: clinic\n",
                "  - {id: lab, name: 検査会社, role: other_provider}\n  - id: clinic\n",
            ),
            (
                "  - {id: vault,",
                "  - {id: lab-system, name: 検査システム, kind: server, location: room, managed_by: lab}\n  - {id: vault,",
            ),
            (
                "path: [terminal, vpn, app, lan, db]",
                "path: [terminal, vpn, app, lan, db, lan, lab-system]",
            ),
            (
                "  - organization: iaas\n",
                "  - organization: lab\n    covers: [physical_security]\n  - organization: iaas\n",
            ),
        ],
        "lab",
        "{id: lab,",
    ),
    (
        Code::RequirementUncovered,
        &[("    covers: [physical_security]\n", "    covers: []\n")],
        "physical_security",
        "  id: demo",
    ),
    (
        Code::TerminationFlowsMissing,
        &[(
            "    how: [dispose]\n    evidence: データ消去証明書\n",
            "    how: [view]\n",
        )],
        "demo",
        "  id: demo",
    ),
    (
        Code::TerminationEvidenceMissing,
        &[("    evidence: データ消去証明書\n", "")],
        "TRM-01",
        "  - id: TRM-01",
    ),
    (
        Code::PeriodicReportsMissing,
        &[(
            "  reports: {operation: 月次, self_inspection: 年次}\n",
            "  reports: {operation: 月次}\n",
        )],
        "demo",
        "  id: demo",
    ),
];

fn apply(edits: &[(&str, &str)]) -> String {
    let mut text = BASE.to_owned();
    for (old, new) in edits {
        assert_eq!(
            text.matches(old).count(),
            1,
            "edit target must occur once: {old:?}"
        );
        text = text.replacen(old, new, 1);
    }
    text
}

#[test]
fn every_rule_fires_on_its_element_at_its_line() {
    let mut failures = Vec::new();
    for (code, edits, element, marker) in CASES {
        let text = apply(edits);
        let expected_line = text
            .lines()
            .position(|l| l.contains(marker))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("{marker:?} not in model"));
        let a = assess(&text);
        let fired: Vec<_> = a.findings.iter().filter(|f| f.code == *code).collect();
        let hit = fired.iter().any(|f| {
            f.element.as_deref() == Some(*element)
                && f.span.is_some_and(|s| s.line as usize == expected_line)
        });
        if !hit {
            let got: Vec<String> = fired
                .iter()
                .map(|f| {
                    format!(
                        "{:?} line {:?}: {}",
                        f.element,
                        f.span.map(|s| s.line),
                        f.message.en
                    )
                })
                .collect();
            failures.push(format!(
                "{}: expected on {element} at line {expected_line}, got {got:#?}",
                code.as_str()
            ));
        }
        // Every finding of a rule carries its clauses and its rank.
        for f in fired {
            assert!(
                !f.references.is_empty() && f.rank.is_some() && f.hint.is_some(),
                "{}",
                code.as_str()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_case_and_complete_documentation() {
    let tested: BTreeSet<Code> = CASES.iter().map(|c| c.0).collect();
    let rules: Vec<Code> = Code::ALL.iter().copied().filter(|c| c.is_rule()).collect();
    let untested: Vec<&str> = rules
        .iter()
        .filter(|c| !tested.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(untested.is_empty(), "rules without a case: {untested:?}");
    for code in &rules {
        let doc = kb()
            .rule(*code)
            .unwrap_or_else(|| panic!("{} has no entry in kb/rules.yaml", code.as_str()));
        for (section, text) in [
            ("title", &doc.title),
            ("what", &doc.what),
            ("why", &doc.why),
            ("fix", &doc.fix),
        ] {
            assert!(
                !text.ja.trim().is_empty() && !text.en.trim().is_empty(),
                "{} lacks {section}",
                code.as_str()
            );
        }
        assert!(
            !doc.references.is_empty(),
            "{} cites no clause",
            code.as_str()
        );
        assert_eq!(
            doc.severity,
            code.default_severity(),
            "{}: severity differs from the code table",
            code.as_str()
        );
    }
    let documented: Vec<&str> = kb()
        .rules
        .iter()
        .map(|r| r.code.as_str())
        .filter(|c| !rules.iter().any(|r| r.as_str() == *c))
        .collect();
    assert!(
        documented.is_empty(),
        "documentation for unknown rules: {documented:?}"
    );
}

#[test]
fn rule_severity_is_data_and_overridable() {
    let base = kb();
    let text = "rules:\n  - code: NET006\n    title: {ja: t, en: t}\n    what: {ja: w, en: w}\n    why: {ja: y, en: y}\n    fix: {ja: f, en: f}\n    references: [\"PGL-1.1 5.1.5(イ)③\"]\n    severity: error\n    rank: A\n";
    let kb =
        sansho_core::kb::load::with_overrides(base, &[(sansho_core::FileId(9), text)]).unwrap();
    let model = apply(&[(
        "{id: vpn, name: 診療所 VPN, kind: ipsec_vpn, ike: true}",
        "{id: vpn, name: HTTPS, kind: internet, tls: {versions: [tls1.3]}}",
    )]);
    let provider = MemoryProvider::new().with("m.yaml", model);
    let (_, a, _) = sansho_core::assess("m.yaml", &provider, &kb, &Limits::default());
    let f = a
        .unwrap()
        .findings
        .into_iter()
        .find(|f| f.code == Code::InsecureRouteForStaff)
        .unwrap();
    assert_eq!(
        (f.severity, f.rank),
        (sansho_core::Severity::Error, Some(sansho_core::Rank::A))
    );
}
