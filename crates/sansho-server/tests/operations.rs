//! The operation phase over HTTP, as browsers post its forms, on both backends: the ledger made
//! from the shared model; a take-out requested, refused to the wrong approver, approved by the
//! institution's planning manager, taken out and returned; the take-out status report; an
//! inventory with one discrepancy; a loss that opens an incident and marks the item lost in one
//! step. Bad input gets a Japanese error and changes nothing; the record and the whole log
//! verify.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use sansho_store::operations::{LedgerStatus, OpBody, OpRecord, TakeOutState};
use sansho_store::records::Role;
use sansho_store::{EngagementId, OpId};
use support::{Backend, Server, Session, login, record_of, user};

async fn records(server: &Server, engagement: &str) -> Vec<OpRecord> {
    server
        .store()
        .op_records(&EngagementId::new(engagement))
        .await
        .unwrap()
}

fn ledger_item<'a>(records: &'a [OpRecord], asset: &str) -> &'a OpRecord {
    records
        .iter()
        .find(|r| matches!(&r.body, OpBody::LedgerItem(i) if i.asset.as_deref() == Some(asset)))
        .unwrap_or_else(|| panic!("{asset} is in the ledger"))
}

fn take_out_state(records: &[OpRecord], id: &str) -> TakeOutState {
    match &records.iter().find(|r| r.id.as_str() == id).unwrap().body {
        OpBody::TakeOut(t) => t.state,
        other => panic!("not a take-out: {other:?}"),
    }
}

/// Posts a form that must be refused with `status` and a Japanese message containing `says`,
/// and checks that nothing changed: the same records and the same audit head.
async fn refused(
    server: &Server,
    engagement: &str,
    session: &Session,
    path: &str,
    fields: &[(&str, &str)],
    status: u16,
    says: &str,
) {
    let before = records(server, engagement).await;
    let head = server.store().audit_head().await.unwrap().map(|e| e.seq);
    let r = session.post(path, fields).await;
    assert_eq!(r.status().as_u16(), status, "{path} {fields:?}");
    let page = r.text().await.unwrap();
    assert!(
        page.contains(says),
        "{path}: the page says {says:?}:\n{page}"
    );
    assert_eq!(
        records(server, engagement).await,
        before,
        "{path} changed nothing"
    );
    assert_eq!(
        server.store().audit_head().await.unwrap().map(|e| e.seq),
        head,
        "{path} left no audit entry"
    );
}

async fn the_operation_phase(backend: Backend) {
    let server = Server::start(backend, "operations").await;
    let demo = server.demo().await;
    let base = server.url.clone();
    let engagement = demo.engagement.clone();
    let ops = format!("/engagements/{engagement}/operations");

    let editor = login(&base, user(&demo, Role::ProviderEditor), 0).await;
    let approver = login(&base, user(&demo, Role::ProviderApprover), 0).await;
    let reviewer = login(&base, user(&demo, Role::InstitutionReviewer), 0).await;
    let manager = login(&base, user(&demo, Role::InstitutionSignatory), 0).await;
    let auditor = login(&base, user(&demo, Role::Auditor), 0).await;

    // The engagement page leads to the operation phase; the ledger starts empty.
    let (status, page) = reviewer.page(&format!("/engagements/{engagement}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"{ops}\"")));
    let (status, page) = reviewer.page(&ops).await;
    assert_eq!(status, 200);
    assert!(page.contains("台帳はまだありません"));

    // The institution cannot make the provider's ledger; the provider makes it from the model.
    let r = reviewer.post(&format!("{ops}/ledger/seed"), &[]).await;
    assert_eq!(r.status().as_u16(), 403);
    let r = editor.post(&format!("{ops}/ledger/seed"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let all = records(&server, &engagement).await;
    for asset in [
        "migration-hdd",
        "lto-tapes",
        "waiting-tablet",
        "oncall-pc",
        "tape-library",
    ] {
        ledger_item(&all, asset);
    }
    let hdd = ledger_item(&all, "migration-hdd");
    let OpBody::LedgerItem(hdd_item) = &hdd.body else {
        unreachable!()
    };
    assert!(hdd_item.medical && hdd_item.encrypted && hdd_item.portable);
    assert_eq!(hdd_item.category, "可搬型ハードディスク");
    assert_eq!(hdd_item.model_last_inventory.as_deref(), Some("2026-10-01"));
    // PCs run applications: the model states which keep only those needed (7⑥).
    for (asset, minimal) in [("oncall-pc", true), ("dev-terminal", false)] {
        let OpBody::LedgerItem(pc) = &ledger_item(&all, asset).body else {
            unreachable!()
        };
        assert!(pc.runs_apps && pc.minimal_apps == minimal, "{asset}");
    }
    assert!(!hdd_item.runs_apps);
    let hdd = hdd.id.to_string();
    let seeded = all.len();
    // Importing again adds nothing.
    let r = editor.post(&format!("{ops}/ledger/seed"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("ledger_current")
    );
    assert_eq!(records(&server, &engagement).await.len(), seeded);
    let (_, page) = manager.page(&ops).await;
    assert!(page.contains("移行用暗号化HDD") && page.contains("可搬型ハードディスク"));

    // A take-out with the dates the wrong way round, or of an item not in this ledger.
    let request = |out_on: &'static str, due_on: &'static str, item: String| {
        vec![
            ("item", item),
            ("purpose", "新規開設クリニックへのデータ移行".to_owned()),
            ("destination", "ひので内科クリニック".to_owned()),
            ("out_on", out_on.to_owned()),
            ("due_on", due_on.to_owned()),
        ]
    };
    let fields = request("2026-12-03", "2026-12-01", hdd.clone());
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/take-outs"),
        &f,
        400,
        "返却予定日",
    )
    .await;
    let fields = request("2026-12-01", "2026-12-03", "no-such-item".into());
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/take-outs"),
        &f,
        404,
        "見つかりません",
    )
    .await;

    // The provider's editor requests it; the checks are on the page.
    let fields = request("2026-12-01", "2026-12-03", hdd.clone());
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = editor.post(&format!("{ops}/take-outs"), &f).await;
    assert_eq!(r.status().as_u16(), 303);
    let take_out = record_of(&r);
    let at = format!("{ops}/{take_out}");
    let (status, page) = manager.page(&at).await;
    assert_eq!(status, 200);
    assert!(page.contains("承認待ち") && page.contains("医療情報を保存: 暗号化されている"));
    assert!(
        page.contains("/decision"),
        "the planning manager sees the decision form"
    );

    // Not returnable before it is out; not decided by the wrong people.
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{at}/return"),
        &[("revision", "1"), ("outcome", "returned")],
        400,
        "持ち出されていません",
    )
    .await;
    refused(
        &server,
        &engagement,
        &approver,
        &format!("{at}/decision"),
        &[("revision", "1"), ("decision", "approve")],
        400,
        "企画管理者",
    )
    .await;
    refused(
        &server,
        &engagement,
        &reviewer,
        &format!("{at}/decision"),
        &[("revision", "1"), ("decision", "approve")],
        403,
        "権限がありません",
    )
    .await;
    refused(
        &server,
        &engagement,
        &auditor,
        &format!("{at}/out"),
        &[("revision", "1")],
        403,
        "権限がありません",
    )
    .await;
    refused(
        &server,
        &engagement,
        &manager,
        &format!("{at}/decision"),
        &[("revision", "1"), ("decision", "refuse"), ("note", "")],
        400,
        "却下する理由",
    )
    .await;

    // The planning manager approves; a second decision on the same revision is stale.
    let r = manager
        .post(
            &format!("{at}/decision"),
            &[
                ("revision", "1"),
                ("decision", "approve"),
                ("note", "暗号化を確認"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    refused(
        &server,
        &engagement,
        &manager,
        &format!("{at}/decision"),
        &[("revision", "1"), ("decision", "approve")],
        409,
        "他の人が更新",
    )
    .await;
    let r = editor
        .post(&format!("{at}/out"), &[("revision", "2")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = reviewer.page(&ops).await;
    assert!(page.contains("持出し中"), "the ledger shows the item out");
    let r = editor
        .post(
            &format!("{at}/return"),
            &[
                ("revision", "3"),
                ("outcome", "returned"),
                ("note", "封印・台数を確認"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        take_out_state(&records(&server, &engagement).await, &take_out),
        TakeOutState::Returned
    );

    // The planning manager's report for the period holds it.
    let (status, report) = manager
        .page(&format!("{ops}/report?from=2026-01-01&to=2099-12-31"))
        .await;
    assert_eq!(status, 200);
    assert!(
        report.contains("持出し状況報告")
            && report.contains("移行用暗号化HDD")
            && report.contains("返却済み")
    );
    let (status, page) = manager
        .page(&format!("{ops}/report?from=2026-12-31&to=2026-01-01"))
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("初日"));

    // An inventory: the count sheet lists the items in service; one is not found.
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/inventories"),
        &[("scheduled_on", "2026-13-01")],
        400,
        "日付",
    )
    .await;
    let r = editor
        .post(
            &format!("{ops}/inventories"),
            &[("scheduled_on", "2026-12-01")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let inventory = record_of(&r);
    let all = records(&server, &engagement).await;
    let OpBody::Inventory(sheet) = &all
        .iter()
        .find(|r| r.id.as_str() == inventory)
        .unwrap()
        .body
    else {
        panic!("an inventory")
    };
    assert_eq!(sheet.lines.len(), seeded);
    let tapes = ledger_item(&all, "lto-tapes").id.to_string();
    let mut answers: Vec<(String, String)> = vec![("revision".into(), "1".into())];
    for line in &sheet.lines {
        let found = if line.item.as_str() == tapes {
            "no"
        } else {
            "yes"
        };
        answers.push((format!("found:{}", line.item), found.into()));
    }
    let with = |extra: &[(&str, &str)]| {
        let mut all: Vec<(String, String)> = answers.clone();
        all.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        all
    };
    let early = with(&[("counted_on", "2026-11-30")]);
    let f: Vec<(&str, &str)> = early
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/{inventory}/count"),
        &f,
        400,
        "予定日",
    )
    .await;
    let no_reason = with(&[("counted_on", "2026-12-02")]);
    let f: Vec<(&str, &str)> = no_reason
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/{inventory}/count"),
        &f,
        400,
        "理由",
    )
    .await;
    let note = format!("note:{tapes}");
    let done = with(&[
        ("counted_on", "2026-12-02"),
        (note.as_str(), "遠隔保管庫の在庫と1本不一致。照合中"),
    ]);
    let f: Vec<(&str, &str)> = done.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = editor.post(&format!("{ops}/{inventory}/count"), &f).await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("inventory_discrepancies")
    );
    let (_, page) = auditor.page(&format!("{ops}/{inventory}")).await;
    assert!(page.contains("無 (差異)") && page.contains("照合中"));
    let (_, page) = auditor.page(&ops).await;
    assert!(
        page.contains("2026-12-02"),
        "the last inventory comes from the count"
    );
    assert!(
        page.contains("棚卸で所在不明"),
        "the ledger shows the discrepancy"
    );

    // A take-out lost: the take-out, the incident and the ledger item change together.
    let fields = request("2026-12-04", "2026-12-05", hdd.clone());
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = reviewer.post(&format!("{ops}/take-outs"), &f).await;
    assert_eq!(r.status().as_u16(), 303, "the institution may request too");
    let second = record_of(&r);
    let at = format!("{ops}/{second}");
    let r = manager
        .post(
            &format!("{at}/decision"),
            &[("revision", "1"), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = reviewer
        .post(&format!("{at}/out"), &[("revision", "2")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    refused(
        &server,
        &engagement,
        &reviewer,
        &format!("{at}/return"),
        &[("revision", "3"), ("outcome", "lost")],
        400,
        "紛失の状況",
    )
    .await;
    let head = server.store().audit_head().await.unwrap().unwrap().seq;
    let r = reviewer
        .post(
            &format!("{at}/return"),
            &[
                ("revision", "3"),
                ("outcome", "lost"),
                ("note", "訪問先からの帰路、車内に置き忘れ所在不明"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let incident = record_of(&r);
    assert_eq!(
        server.store().audit_head().await.unwrap().unwrap().seq,
        head + 3
    );
    let all = records(&server, &engagement).await;
    assert_eq!(take_out_state(&all, &second), TakeOutState::Lost);
    let OpBody::LedgerItem(item) = &ledger_item(&all, "migration-hdd").body else {
        unreachable!()
    };
    assert_eq!(item.status, LedgerStatus::Lost);
    let (status, page) = manager.page(&format!("{ops}/{incident}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("持出し中の紛失")
            && page.contains("機密性・可用性")
            && page.contains("車内に置き忘れ")
    );
    // A lost item cannot be requested again.
    let fields = request("2026-12-06", "2026-12-07", hdd.clone());
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/take-outs"),
        &f,
        400,
        "紛失",
    )
    .await;
    assert!(
        server
            .store()
            .op_record(&OpId::new(&incident))
            .await
            .unwrap()
            .is_some()
    );

    // The engagement's record carries the operational records and verifies; so does the log.
    let export = sansho_server::service::export::audit(&server.state)
        .await
        .unwrap();
    let verification =
        sansho_store::audit::verify(&export, Some(&server.state.keys.public_key_hex()));
    assert!(verification.is_intact(), "{:?}", verification.problems);
    assert!(export.records.operations.len() > seeded);
    actions_have_labels(&manager, &export).await;
    let actions: Vec<&str> = export.entries.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "ledger.item_added",
        "take_out.requested",
        "take_out.approved",
        "take_out.out",
        "take_out.returned",
        "take_out.lost",
        "incident.opened",
        "ledger.item_lost",
        "inventory.scheduled",
        "inventory.closed",
    ] {
        assert!(actions.contains(&expected), "the log records {expected}");
    }
    let r = manager
        .get(&format!("/engagements/{engagement}/export"))
        .await;
    let kept: sansho_store::audit::EngagementExport = r.json().await.unwrap();
    assert_eq!(kept.operations.len(), export.records.operations.len());
    let own =
        sansho_store::audit::verify_engagement(&kept, Some(&server.state.keys.public_key_hex()));
    assert!(own.is_intact(), "{:?}", own.problems);
    let (_, printable) = manager
        .page(&format!("/engagements/{engagement}/record"))
        .await;
    assert!(
        printable.contains("運用記録") && printable.contains("持出し中の紛失"),
        "the printable record lists the operational records"
    );
    // The same records over the API, for tools and auditors, with the digests the log names.
    let api = support::Api::new(&base, &auditor.token("read").await);
    let (status, listed) = api
        .get(&format!("/api/v1/engagements/{engagement}/operations"))
        .await;
    assert_eq!(status, 200);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), export.records.operations.len());
    for entry in listed {
        let record: OpRecord = serde_json::from_value(entry["record"].clone()).unwrap();
        assert_eq!(entry["digest"], sansho_store::records::digest(&record));
        let last = export
            .entries
            .iter()
            .rev()
            .find(|x| x.target == format!("op:{}", record.id))
            .unwrap();
        assert_eq!(last.record_digest, entry["digest"].as_str().unwrap());
    }
    let (_, log) = manager.page("/audit").await;
    assert!(log.contains("持出しの承認") && log.contains("棚卸の締め"));
}

/// One incident, two institutions: the provider opens it once for both clinics, records its
/// containment, discloses it to each; one clinic agrees to the recurrence-prevention measures,
/// the other questions them. Each clinic sees only its own record; only the agreed one closes.
async fn an_incident_disclosed_to_two_institutions(backend: Backend) {
    let server = Server::start(backend, "incident").await;
    let demo = server.demo().await;
    let base = server.url.clone();
    let first = demo.engagement.clone();
    let approver = login(&base, user(&demo, Role::ProviderApprover), 0).await;
    let editor = login(&base, user(&demo, Role::ProviderEditor), 0).await;
    let manager = login(&base, user(&demo, Role::InstitutionSignatory), 0).await;
    let reviewer = login(&base, user(&demo, Role::InstitutionReviewer), 0).await;

    // The same system with a second clinic, the version shared there, and its planning manager.
    let (second, other_manager) = support::second_clinic(&server, &first, &approver, &editor).await;
    let other_manager = login(&base, &other_manager, 0).await;

    // The provider opens the incident once for both clinics; bad input changes nothing.
    let ops1 = format!("/engagements/{first}/operations");
    let ops2 = format!("/engagements/{second}/operations");
    let (_, page) = editor.page(&ops1).await;
    assert!(
        page.contains("みなと眼科医院"),
        "the other clinic can be named"
    );
    let also = format!("also:{second}");
    let open = |detected: &'static str, harm: Option<&'static str>, risks: &'static str| {
        let mut f = vec![
            ("title", "バックアップテープの誤配送".to_owned()),
            (
                "what_happened",
                "遠隔保管庫への搬送で、テープ1巻が別の顧客の保管庫へ配送された。".to_owned(),
            ),
            ("detected_at", detected.to_owned()),
            ("risks", risks.to_owned()),
            (also.as_str(), "on".to_owned()),
        ];
        if let Some(h) = harm {
            f.push((h, "on".to_owned()));
        }
        f
    };
    for (fields, status, says) in [
        (open("2026-12-01T09:00", None, ""), 400, "機密性"),
        (
            open("2026-12-01 9時", Some("harm:confidentiality"), ""),
            400,
            "日時",
        ),
        (
            open("2099-01-01T00:00", Some("harm:confidentiality"), ""),
            400,
            "未来",
        ),
        (
            open(
                "2026-11-30T09:00",
                Some("harm:confidentiality"),
                "no/such/risk/T9",
            ),
            400,
            "no/such/risk/T9",
        ),
    ] {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        refused(
            &server,
            &first,
            &editor,
            &format!("{ops1}/incidents"),
            &f,
            status,
            says,
        )
        .await;
    }
    let fields = open("2026-11-30T09:00", Some("harm:confidentiality"), "");
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = editor.post(&format!("{ops1}/incidents"), &f).await;
    assert_eq!(r.status().as_u16(), 303);
    let in_first = record_of(&r);
    let of = |records: Vec<OpRecord>| -> (String, sansho_store::operations::Incident) {
        records
            .into_iter()
            .find_map(|r| match r.body {
                OpBody::Incident(i) => Some((r.id.to_string(), i)),
                _ => None,
            })
            .unwrap()
    };
    let (in_second, second_incident) = of(records(&server, &second).await);
    let (_, first_incident) = of(records(&server, &first).await);
    assert_eq!(
        first_incident.case, second_incident.case,
        "one case, two records"
    );
    // Each clinic sees its own record only.
    let (status, _) = other_manager.page(&format!("{ops2}/{in_second}")).await;
    assert_eq!(status, 200);
    let (status, _) = other_manager.page(&format!("{ops1}/{in_first}")).await;
    assert_eq!(status, 404);
    let (status, _) = other_manager.page(&format!("{ops2}/{in_first}")).await;
    assert_eq!(status, 404);

    // Containment, then disclosure to each clinic; acknowledgement by each.
    for (engagement, ops, id) in [(&first, &ops1, &in_first), (&second, &ops2, &in_second)] {
        let at = format!("{ops}/{id}");
        refused(
            &server,
            engagement,
            &editor,
            &format!("{at}/prevention"),
            &[
                ("revision", "1"),
                ("cause", "宛先確認の不足"),
                ("measures", "二名での確認"),
            ],
            400,
            "開示",
        )
        .await;
        let r = editor
            .post(
                &format!("{at}/steps"),
                &[
                    ("revision", "1"),
                    ("kind", "containment"),
                    ("text", "配送業者に回収を依頼し、未開封で回収"),
                ],
            )
            .await;
        assert_eq!(r.status().as_u16(), 303);
        let r = editor
            .post(&format!("{at}/disclosure"), &[("revision", "2"), ("text", "暗号化済みテープ1巻の誤配送。未開封で回収済み。復号鍵は別管理で漏えいの可能性は低い。")])
            .await;
        assert_eq!(r.status().as_u16(), 303);
    }
    refused(
        &server,
        &first,
        &editor,
        &format!("{ops1}/{in_first}/acknowledgement"),
        &[("revision", "3")],
        403,
        "権限がありません",
    )
    .await;
    let r = reviewer
        .post(
            &format!("{ops1}/{in_first}/acknowledgement"),
            &[("revision", "3")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = other_manager
        .post(
            &format!("{ops2}/{in_second}/acknowledgement"),
            &[("revision", "3")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);

    // The measures are proposed to both; the first clinic's reviewer cannot agree, its planning
    // manager does; the second clinic questions them.
    for (ops, id) in [(&ops1, &in_first), (&ops2, &in_second)] {
        let r = editor
            .post(
                &format!("{ops}/{id}/prevention"),
                &[
                    ("revision", "4"),
                    ("cause", "搬送時の宛先確認が一名のみ"),
                    ("measures", "搬送伝票の二名確認と、保管庫側での受領照合"),
                ],
            )
            .await;
        assert_eq!(r.status().as_u16(), 303);
    }
    refused(
        &server,
        &first,
        &reviewer,
        &format!("{ops1}/{in_first}/prevention/verdict"),
        &[("revision", "5"), ("verdict", "agree")],
        400,
        "企画管理者",
    )
    .await;
    refused(
        &server,
        &first,
        &approver,
        &format!("{ops1}/{in_first}/close"),
        &[("revision", "5")],
        400,
        "合意",
    )
    .await;
    let r = manager
        .post(
            &format!("{ops1}/{in_first}/prevention/verdict"),
            &[("revision", "5"), ("verdict", "agree")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = other_manager
        .post(
            &format!("{ops2}/{in_second}/prevention/verdict"),
            &[
                ("revision", "5"),
                ("verdict", "discuss"),
                ("comment", "配送業者側の再発防止策も示してください"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);

    // The first closes; the second stays open and its page shows the question.
    refused(
        &server,
        &first,
        &editor,
        &format!("{ops1}/{in_first}/close"),
        &[("revision", "6")],
        403,
        "権限がありません",
    )
    .await;
    let r = approver
        .post(&format!("{ops1}/{in_first}/close"), &[("revision", "6")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    refused(
        &server,
        &second,
        &approver,
        &format!("{ops2}/{in_second}/close"),
        &[("revision", "6")],
        400,
        "合意",
    )
    .await;
    let (_, page) = manager.page(&format!("{ops1}/{in_first}")).await;
    assert!(page.contains("終結") && page.contains("合意") && page.contains("未開封で回収"));
    let (_, page) = other_manager.page(&format!("{ops2}/{in_second}")).await;
    assert!(page.contains("要協議") && page.contains("配送業者側の再発防止策"));
    assert!(
        !page.contains("ひので内科"),
        "the second clinic does not see the first"
    );

    let export = sansho_server::service::export::audit(&server.state)
        .await
        .unwrap();
    let verification =
        sansho_store::audit::verify(&export, Some(&server.state.keys.public_key_hex()));
    assert!(verification.is_intact(), "{:?}", verification.problems);
    actions_have_labels(&manager, &export).await;
    let actions: Vec<&str> = export.entries.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "incident.opened",
        "incident.step",
        "incident.disclosed",
        "incident.acknowledged",
        "incident.prevention_proposed",
        "incident.prevention_agreed",
        "incident.prevention_questioned",
        "incident.closed",
    ] {
        assert!(actions.contains(&expected), "the log records {expected}");
    }
}

/// The audit page names every action of the log in words: no action shows as its code.
async fn actions_have_labels(session: &Session, export: &sansho_store::audit::Export) {
    let (status, page) = session.page("/audit").await;
    assert_eq!(status, 200);
    for entry in &export.entries {
        assert!(
            !page.contains(&format!(">{}<", entry.action)),
            "the audit page shows the code {} instead of its label",
            entry.action
        );
    }
}

/// A page as the demo's auditor sees it (a fresh login).
async fn auditor_page(
    server: &Server,
    demo: &sansho_server::demo::Demo,
    path: &str,
) -> (u16, String) {
    login(&server.url, user(demo, Role::Auditor), 0)
        .await
        .page(path)
        .await
}

/// A multipart body as a browser sends a form with a file: the fields, then `attachment`.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----sansho-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    if let Some((filename, bytes)) = file {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .into_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(
    session: &Session,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> reqwest::Response {
    let mut all = vec![("csrf", session.csrf.as_str())];
    all.extend_from_slice(fields);
    let (content_type, body) = multipart(&all, file);
    session
        .client
        .post(format!("{}{path}", session.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A disposal outsourced with the disposer's certificate, acknowledged by the planning manager;
/// a device lent to a patient after explanation and consent, and returned.
async fn disposal_and_lending(backend: Backend) {
    let server = Server::start(backend, "disposal").await;
    let demo = server.demo().await;
    let base = server.url.clone();
    let engagement = demo.engagement.clone();
    let ops = format!("/engagements/{engagement}/operations");
    let editor = login(&base, user(&demo, Role::ProviderEditor), 0).await;
    let manager = login(&base, user(&demo, Role::InstitutionSignatory), 0).await;
    let reviewer = login(&base, user(&demo, Role::InstitutionReviewer), 0).await;
    let r = editor.post(&format!("{ops}/ledger/seed"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let all = records(&server, &engagement).await;
    let tapes = ledger_item(&all, "lto-tapes").id.to_string();

    // The form offers the model's disposal procedures.
    let (status, form) = editor
        .page(&format!("{ops}/disposals/new?item={tapes}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        form.contains("暗号消去") || form.contains("物理破壊"),
        "{form}"
    );
    let (status, _) = reviewer.page(&format!("{ops}/disposals/new")).await;
    assert_eq!(status, 403);

    let today = sansho_store::Time::now().date_in_japan();
    let fields = |check: &'static str, disposer: &'static str| {
        vec![
            ("item", tapes.clone()),
            ("procedure", "other".to_owned()),
            (
                "procedure_other",
                "保存期間を過ぎたテープは委託先で物理破壊する".to_owned(),
            ),
            ("method", "磁気消去のうえ破砕".to_owned()),
            ("performed_by", "運用担当 佐藤".to_owned()),
            ("performed_on", today.clone()),
            ("residual_check", check.to_owned()),
            ("disposer", disposer.to_owned()),
        ]
    };
    let pdf: &[u8] =
        b"%PDF-1.4\n% disposal certificate\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let png_bytes: &[u8] = b"\x89PNG\r\n\x1a\n0000";
    let before = records(&server, &engagement).await;
    let head = server.store().audit_head().await.unwrap().map(|e| e.seq);
    for (f, file, status, says) in [
        (
            fields("", "東都データ破砕株式会社"),
            Some(("certificate.pdf", pdf)),
            400,
            "残存データ",
        ),
        (
            fields("破砕後の片を目視", "東都データ破砕株式会社"),
            None,
            400,
            "破棄証明書",
        ),
        (
            fields("破砕後の片を目視", "東都データ破砕株式会社"),
            Some(("certificate.pdf", png_bytes)),
            400,
            "中身",
        ),
        (
            fields("破砕後の片を目視", "東都データ破砕株式会社"),
            Some(("certificate.exe", pdf)),
            400,
            "PDF・PNG・JPEG",
        ),
    ] {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post_multipart(&editor, &format!("{ops}/disposals"), &f, file).await;
        assert_eq!(r.status().as_u16(), status);
        let page = r.text().await.unwrap();
        assert!(page.contains(says), "says {says}: {page}");
    }
    // A certificate over the attachment limit is refused as too large.
    let huge = {
        let mut bytes = pdf.to_vec();
        bytes.resize(server.state.config.limits.attachment_bytes + 1, b' ');
        bytes
    };
    let f = fields("破砕後の片を目視", "東都データ破砕株式会社");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post_multipart(
        &editor,
        &format!("{ops}/disposals"),
        &f,
        Some(("certificate.pdf", &huge)),
    )
    .await;
    assert_eq!(r.status().as_u16(), 413);
    assert!(r.text().await.unwrap().contains("大きすぎます"));
    assert_eq!(
        records(&server, &engagement).await,
        before,
        "refusals change nothing"
    );
    assert_eq!(
        server.store().audit_head().await.unwrap().map(|e| e.seq),
        head
    );
    assert!(
        server
            .store()
            .attachments(&EngagementId::new(&engagement))
            .await
            .unwrap()
            .is_empty(),
        "no certificate of a refused disposal is kept"
    );
    let f = fields(
        "破砕後の片を目視し、読取不能を確認",
        "東都データ破砕株式会社",
    );
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post_multipart(
        &editor,
        &format!("{ops}/disposals"),
        &f,
        Some(("破棄証明書.pdf", pdf)),
    )
    .await;
    assert_eq!(
        r.status().as_u16(),
        303,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let disposal = record_of(&r);
    let all = records(&server, &engagement).await;
    let OpBody::LedgerItem(item) = &ledger_item(&all, "lto-tapes").body else {
        unreachable!()
    };
    assert_eq!(item.status, LedgerStatus::Disposed);
    let (_, page) = manager.page(&format!("{ops}/{disposal}")).await;
    assert!(page.contains("東都データ破砕株式会社") && page.contains("破棄証明書.pdf"));
    let sha = sansho_store::records::sha256_hex(pdf);
    assert!(page.contains(&sha), "the certificate's hash is shown");
    let attachment = server
        .store()
        .attachments(&EngagementId::new(&engagement))
        .await
        .unwrap()
        .remove(0);
    let r = manager
        .get(&format!(
            "/engagements/{engagement}/attachments/{}",
            attachment.id
        ))
        .await;
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        pdf,
        "the certificate comes back as kept"
    );
    refused(
        &server,
        &engagement,
        &reviewer,
        &format!("{ops}/{disposal}/acknowledgement"),
        &[("revision", "1")],
        400,
        "企画管理者",
    )
    .await;
    let r = manager
        .post(
            &format!("{ops}/{disposal}/acknowledgement"),
            &[("revision", "1")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);

    // A home monitor for patients, added by hand; lent after explanation and consent.
    let r = editor
        .post(
            &format!("{ops}/ledger"),
            &[
                ("name", "在宅血圧計 BP-01"),
                ("category", "IoT 機器"),
                ("location", "診療所 在宅医療室"),
                ("custodian", "ひので内科クリニック 在宅医療担当"),
                ("information", "バイタルデータ"),
                ("medical", "on"),
                ("encrypted", "on"),
                ("for_patients", "on"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let all = records(&server, &engagement).await;
    let monitor = all
        .iter()
        .find(|r| matches!(&r.body, OpBody::LedgerItem(i) if i.name == "在宅血圧計 BP-01"))
        .unwrap()
        .id
        .to_string();
    let lend = |consent_on: &'static str, item: String| {
        vec![
            ("item", item),
            ("patient_ref", "P-000123".to_owned()),
            (
                "risks_explained",
                "通信の盗聴、機器の紛失による測定値の漏えい".to_owned(),
            ),
            (
                "care_explained",
                "自宅の無線 LAN 以外に接続しない。家族以外に貸さない".to_owned(),
            ),
            (
                "contact",
                "在宅医療窓口 03-0000-0000 (平日 9-17 時)".to_owned(),
            ),
            ("consent_on", consent_on.to_owned()),
            ("consent_form", "同意書に署名".to_owned()),
            ("lent_on", "2026-12-01".to_owned()),
            ("due_on", "2026-12-31".to_owned()),
        ]
    };
    let late = lend("2026-12-02", monitor.clone());
    let f: Vec<(&str, &str)> = late.iter().map(|(k, v)| (*k, v.as_str())).collect();
    refused(
        &server,
        &engagement,
        &reviewer,
        &format!("{ops}/lendings"),
        &f,
        400,
        "同意を得てから",
    )
    .await;
    let hdd = ledger_item(&all, "migration-hdd").id.to_string();
    let wrong = lend("2026-12-01", hdd);
    let f: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    refused(
        &server,
        &engagement,
        &reviewer,
        &format!("{ops}/lendings"),
        &f,
        400,
        "患者に貸し出す機器",
    )
    .await;
    let ok = lend("2026-11-30", monitor.clone());
    let f: Vec<(&str, &str)> = ok.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = reviewer.post(&format!("{ops}/lendings"), &f).await;
    assert_eq!(r.status().as_u16(), 303);
    let lending = record_of(&r);
    let again = lend("2026-11-30", monitor.clone());
    let f: Vec<(&str, &str)> = again.iter().map(|(k, v)| (*k, v.as_str())).collect();
    refused(
        &server,
        &engagement,
        &reviewer,
        &format!("{ops}/lendings"),
        &f,
        400,
        "貸出し・持出し中",
    )
    .await;
    refused(
        &server,
        &engagement,
        &reviewer,
        &format!("{ops}/take-outs"),
        &[
            ("item", &monitor),
            ("purpose", "修理"),
            ("destination", "メーカー"),
            ("out_on", "2026-12-01"),
            ("due_on", "2026-12-02"),
        ],
        400,
        "完了していない",
    )
    .await;
    let (_, page) = manager.page(&ops).await;
    assert!(page.contains("P-000123") && page.contains("貸出し中"));
    refused(
        &server,
        &engagement,
        &reviewer,
        &format!("{ops}/{lending}/return"),
        &[("revision", "1"), ("returned_on", "2026-11-29")],
        400,
        "貸出日",
    )
    .await;
    let r = reviewer
        .post(
            &format!("{ops}/{lending}/return"),
            &[
                ("revision", "1"),
                ("returned_on", "2026-12-20"),
                ("note", "初期化と動作確認済み"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = manager.page(&format!("{ops}/{lending}")).await;
    assert!(page.contains("返却済み") && page.contains("同意書に署名"));

    // A periodic report: scheduled, delivered with the facts of its period, acknowledged; one
    // past its due day shows on the page as overdue.
    let day = |offset: i64| {
        let today: jiff::civil::Date = today.parse().unwrap();
        today
            .checked_add(jiff::Span::new().days(offset))
            .unwrap()
            .to_string()
    };
    let (from, to, due) = (day(-30), day(0), day(0));
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/reports"),
        &[
            ("kind", "operation"),
            ("period_from", &from),
            ("period_to", &to),
            ("due_on", &day(-1)),
        ],
        400,
        "提出期限",
    )
    .await;
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/reports"),
        &[
            ("kind", "weekly"),
            ("period_from", &from),
            ("period_to", &to),
            ("due_on", &due),
        ],
        400,
        "種類",
    )
    .await;
    let r = editor
        .post(
            &format!("{ops}/reports"),
            &[
                ("kind", "operation"),
                ("period_from", &from),
                ("period_to", &to),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let report = record_of(&r);
    let r = editor
        .post(
            &format!("{ops}/reports"),
            &[
                ("kind", "self_inspection"),
                ("period_from", &day(-60)),
                ("period_to", &day(-45)),
                ("due_on", &day(-40)),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = manager.page(&ops).await;
    assert!(
        page.contains("要対応")
            && page.contains(&format!(
                "自己点検結果報告の提出期限 ({}) を過ぎています",
                day(-40)
            )),
        "{page}"
    );
    refused(
        &server,
        &engagement,
        &manager,
        &format!("{ops}/{report}/acknowledgement"),
        &[("revision", "1")],
        400,
        "提出されていない",
    )
    .await;
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/{report}/delivery"),
        &[("revision", "1"), ("body", "")],
        400,
        "本文",
    )
    .await;
    let r = editor
        .post(&format!("{ops}/{report}/delivery"), &[("revision", "1"), ("body", "期間中の運用に重大な問題はありませんでした。バックアップテープ1巻を委託先で破棄しました。")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = manager.page(&format!("{ops}/{report}")).await;
    assert!(
        page.contains("破棄: 1 件 (うち委託 1 件") && page.contains("患者への機器の貸出し: 1 件"),
        "{page}"
    );
    assert!(page.contains("リスクアセスメントと合意"));
    let r = reviewer
        .post(
            &format!("{ops}/{report}/acknowledgement"),
            &[("revision", "2"), ("comment", "内容を確認しました")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = auditor_page(&server, &demo, &format!("{ops}/{report}")).await;
    assert!(page.contains("確認済み") && page.contains("内容を確認しました"));

    let export = sansho_server::service::export::audit(&server.state)
        .await
        .unwrap();
    let verification =
        sansho_store::audit::verify(&export, Some(&server.state.keys.public_key_hex()));
    assert!(verification.is_intact(), "{:?}", verification.problems);
    actions_have_labels(&manager, &export).await;
    let actions: Vec<&str> = export.entries.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "disposal.recorded",
        "disposal.acknowledged",
        "ledger.item_disposed",
        "lending.lent",
        "lending.returned",
        "report.scheduled",
        "report.delivered",
        "report.acknowledged",
    ] {
        assert!(actions.contains(&expected), "the log records {expected}");
    }
}

/// The end of the contract: the checklist from the model's termination flows, each line done
/// with its evidence, confirmed by the planning manager, sealed by the provider; after that no
/// operational record changes.
async fn a_contract_ended_with_evidence_and_sealed(backend: Backend) {
    let server = Server::start(backend, "contract_end").await;
    let demo = server.demo().await;
    let base = server.url.clone();
    let engagement = demo.engagement.clone();
    let ops = format!("/engagements/{engagement}/operations");
    let editor = login(&base, user(&demo, Role::ProviderEditor), 0).await;
    let approver = login(&base, user(&demo, Role::ProviderApprover), 0).await;
    let manager = login(&base, user(&demo, Role::InstitutionSignatory), 0).await;
    let reviewer = login(&base, user(&demo, Role::InstitutionReviewer), 0).await;

    let r = editor.post(&format!("{ops}/contract-end"), &[]).await;
    assert_eq!(
        r.status().as_u16(),
        403,
        "only the provider's approver starts it"
    );
    let r = approver.post(&format!("{ops}/contract-end"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let end = record_of(&r);
    let r = approver.post(&format!("{ops}/contract-end"), &[]).await;
    assert_eq!(r.status().as_u16(), 409, "one contract end per engagement");
    let lines = match &records(&server, &engagement).await[0].body {
        OpBody::ContractEnd(c) => c.lines.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        lines.len() >= 5,
        "the example's termination flows: {lines:?}"
    );
    assert!(lines.iter().all(|l| l.flow.is_some()));
    let (_, page) = manager.page(&format!("{ops}/{end}")).await;
    assert!(page.contains("消去・破棄") && page.contains("返却"));

    let pdf: &[u8] = b"%PDF-1.4\n% receipt\n%%EOF\n";
    let today = sansho_store::Time::now().date_in_japan();
    // The planning manager cannot confirm an unfinished checklist; a line needs its evidence.
    refused(
        &server,
        &engagement,
        &manager,
        &format!("{ops}/{end}/confirmation"),
        &[("revision", "1")],
        400,
        "まだ完了していません",
    )
    .await;
    let r = post_multipart(
        &editor,
        &format!("{ops}/{end}/lines"),
        &[
            ("revision", "1"),
            ("line", "0"),
            ("disposition", "destroy"),
            ("done_on", &today),
        ],
        None,
    )
    .await;
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("消去証明書"));
    for (index, _) in lines.iter().enumerate() {
        let revision = (index + 1).to_string();
        let line = index.to_string();
        let r = post_multipart(
            &editor,
            &format!("{ops}/{end}/lines"),
            &[
                ("revision", &revision),
                ("line", &line),
                ("disposition", "destroy"),
                ("done_on", &today),
                ("note", "完了"),
            ],
            Some(("証明書.pdf", pdf)),
        )
        .await;
        assert_eq!(r.status().as_u16(), 303, "line {index}");
    }
    let revision = (lines.len() + 1).to_string();
    refused(
        &server,
        &engagement,
        &reviewer,
        &format!("{ops}/{end}/confirmation"),
        &[("revision", &revision)],
        403,
        "権限がありません",
    )
    .await;
    refused(
        &server,
        &engagement,
        &approver,
        &format!("{ops}/{end}/seal"),
        &[("revision", &revision)],
        400,
        "医療機関の確認",
    )
    .await;
    let r = manager
        .post(
            &format!("{ops}/{end}/confirmation"),
            &[("revision", &revision)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let revision = (lines.len() + 2).to_string();
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/{end}/seal"),
        &[("revision", &revision)],
        403,
        "権限がありません",
    )
    .await;
    let checkpoints = server.store().checkpoints().await.unwrap().len();
    let r = approver
        .post(&format!("{ops}/{end}/seal"), &[("revision", &revision)])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(
        server.store().checkpoints().await.unwrap().len() > checkpoints,
        "the seal signs the head"
    );

    // Sealed: nothing more is recorded, and the pages offer no forms.
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/ledger/seed"),
        &[],
        409,
        "封印",
    )
    .await;
    refused(
        &server,
        &engagement,
        &editor,
        &format!("{ops}/reports"),
        &[
            ("kind", "operation"),
            ("period_from", "2026-11-01"),
            ("period_to", "2026-11-30"),
            ("due_on", "2026-12-10"),
        ],
        409,
        "封印",
    )
    .await;
    // The agreement side is closed too (checked where every change passes, so one route shows
    // it): no question, review or agreement.
    let store = server.store();
    let shared = store
        .shares(&EngagementId::new(&engagement))
        .await
        .unwrap()
        .last()
        .unwrap()
        .version
        .to_string();
    refused(
        &server,
        &engagement,
        &manager,
        &format!("/engagements/{engagement}/versions/{shared}/messages"),
        &[("body", "契約終了後の質問")],
        409,
        "封印",
    )
    .await;
    // An incident opened from another clinic's engagement cannot reach the sealed one.
    let (other, _) = support::second_clinic(&server, &engagement, &approver, &editor).await;
    let also = format!("also:{engagement}");
    refused(
        &server,
        &engagement,
        &editor,
        &format!("/engagements/{other}/operations/incidents"),
        &[
            ("title", "誤配送"),
            ("what_happened", "テープ1巻の誤配送"),
            ("detected_at", "2026-11-30T09:00"),
            ("harm:confidentiality", "on"),
            (also.as_str(), "on"),
        ],
        409,
        "封印",
    )
    .await;
    let (_, page) = editor.page(&ops).await;
    assert!(
        page.contains("封印済み") && !page.contains("/operations/ledger/seed"),
        "no forms once sealed"
    );

    // Publishing goes on for the clinics still under contract: the sealed engagement takes no
    // new version and does not stop the publication.
    let editor_api = support::Api::new(&server.url, &editor.token("publish").await);
    let mut bundle = support::example_bundle();
    let decisions = bundle["files"]["decisions.yaml"]
        .as_str()
        .unwrap()
        .to_owned();
    bundle["files"]["decisions.yaml"] =
        serde_json::Value::String(format!("{decisions}\n# 契約終了後の改訂\n"));
    let (status, published) = editor_api.post("/api/v1/versions", &bundle).await;
    assert_eq!(status, 201, "{published}");
    let shared_with = |published: &serde_json::Value| -> Vec<String> {
        published["engagements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["engagement"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        shared_with(&published),
        std::slice::from_ref(&other),
        "{published}"
    );
    // The same files again share the version with whoever lacks it, as after a publication
    // cut short: here a clinic engaged since.
    let approver_api = support::Api::new(&server.url, &approver.token("write").await);
    let system = server
        .store()
        .engagement(&EngagementId::new(&other))
        .await
        .unwrap()
        .unwrap()
        .system;
    let (status, created) = approver_api
        .post(
            "/api/v1/engagements",
            &serde_json::json!({"system": system.to_string(), "new_institution": "みさき歯科", "contract_form": "individual"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, again) = editor_api.post("/api/v1/versions", &bundle).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["existing"], true, "{again}");
    assert_eq!(again["version"], published["version"]);
    assert_eq!(
        shared_with(&again),
        [created["id"].as_str().unwrap().to_owned()],
        "{again}"
    );
    let export = sansho_server::service::export::audit(&server.state)
        .await
        .unwrap();
    let verification =
        sansho_store::audit::verify(&export, Some(&server.state.keys.public_key_hex()));
    assert!(verification.is_intact(), "{:?}", verification.problems);
    actions_have_labels(&manager, &export).await;
    let actions: Vec<&str> = export.entries.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "contract_end.started",
        "contract_end.line_done",
        "contract_end.confirmed",
        "contract_end.sealed",
    ] {
        assert!(actions.contains(&expected), "the log records {expected}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_ended_with_evidence_and_sealed_on_sqlite() {
    a_contract_ended_with_evidence_and_sealed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_ended_with_evidence_and_sealed_on_postgres() {
    a_contract_ended_with_evidence_and_sealed(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disposal_and_lending_on_sqlite() {
    disposal_and_lending(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disposal_and_lending_on_postgres() {
    disposal_and_lending(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_disclosed_to_two_institutions_on_sqlite() {
    an_incident_disclosed_to_two_institutions(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_disclosed_to_two_institutions_on_postgres() {
    an_incident_disclosed_to_two_institutions(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operation_phase_on_sqlite() {
    the_operation_phase(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operation_phase_on_postgres() {
    the_operation_phase(Backend::Postgres).await;
}

/// Drills recorded against the shared model's plans, and what the records establish exported
/// for the next assessment: the same file from the page and the API, read by the core, moving
/// the model's dates forward and naming the risk an incident materialised.
async fn drills_and_facts_for_the_next_assessment(backend: Backend) {
    let server = Server::start(backend, "facts").await;
    let demo = server.demo().await;
    let base = server.url.clone();
    let engagement = demo.engagement.clone();
    let ops = format!("/engagements/{engagement}/operations");
    let editor = login(&base, user(&demo, Role::ProviderEditor), 0).await;
    let manager = login(&base, user(&demo, Role::InstitutionSignatory), 0).await;
    let auditor = login(&base, user(&demo, Role::Auditor), 0).await;

    // The plans come from the shared model; only the provider records a drill.
    let (_, page) = editor.page(&ops).await;
    assert!(page.contains("事業継続計画の訓練") && page.contains("システム停止 — "));
    let today = sansho_store::Time::now().date_in_japan();
    let tomorrow = today
        .parse::<jiff::civil::Date>()
        .unwrap()
        .tomorrow()
        .unwrap()
        .to_string();
    let drill = |scenario: &'static str, held_on: String, participants: &'static str| {
        vec![
            ("scenario", scenario.to_owned()),
            ("held_on", held_on),
            ("participants", participants.to_owned()),
            ("result", "大阪サイトへの切替えを 40 時間で完了".to_owned()),
            ("improvements", "夜間連絡網の更新".to_owned()),
        ]
    };
    for (fields, says) in [
        (drill("outage", tomorrow.clone(), "運用担当 4 名"), "未来"),
        (
            drill("outage", "2026-02-30".into(), "運用担当 4 名"),
            "日付",
        ),
        (drill("outage", today.clone(), " "), "参加者"),
        (drill("pandemic", today.clone(), "運用担当 4 名"), "計画"),
    ] {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        refused(
            &server,
            &engagement,
            &editor,
            &format!("{ops}/drills"),
            &f,
            400,
            says,
        )
        .await;
    }
    let fields = drill("outage", today.clone(), "運用担当 4 名");
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = manager.post(&format!("{ops}/drills"), &f).await;
    assert_eq!(
        r.status().as_u16(),
        403,
        "the institution does not record the provider's drill"
    );
    let r = editor.post(&format!("{ops}/drills"), &f).await;
    assert_eq!(r.status().as_u16(), 303);
    let drill_id = record_of(&r);
    let (status, page) = manager.page(&format!("{ops}/{drill_id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("40 時間") && page.contains("夜間連絡網"));
    let (_, page) = manager.page(&ops).await;
    let plans = page.split("id=\"plan-table\"").nth(1).unwrap();
    let outage = plans
        .split("</tr>")
        .find(|row| row.contains("システム停止"))
        .unwrap();
    assert!(
        outage.contains(&today),
        "the plan's last drill is the recorded one: {outage}"
    );

    // An incident on a risk of the shared version.
    let example = sansho_server::demo::example_bundle();
    let mut files = sansho_core::load::MemoryProvider::new();
    for (path, text) in &example.files {
        files = files.with(path, text.as_str());
    }
    let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
    let limits = sansho_core::load::Limits::default();
    let (_, assessment, _) = sansho_core::assess(&example.entry, &files, kb, &limits);
    let risk = assessment.unwrap().risks[0].id.clone();
    let r = editor
        .post(
            &format!("{ops}/incidents"),
            &[
                ("title", "受付端末の画面の盗み見"),
                (
                    "what_happened",
                    "待合から受付端末の画面が見える位置にあった。",
                ),
                ("detected_at", "2026-11-30T09:00"),
                ("harm:confidentiality", "on"),
                ("risks", risk.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let incident = record_of(&r);

    // The same facts from the page (a file to download) and from the API.
    let r = manager.get(&format!("{ops}/facts")).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("sansho-facts-")
    );
    let text = r.text().await.unwrap();
    let facts = sansho_core::facts::parse(&text).unwrap();
    let api = support::Api::new(&base, &auditor.token("read").await);
    let (status, listed) = api
        .get(&format!("/api/v1/engagements/{engagement}/facts"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::to_value(&facts).unwrap(), listed);
    assert_eq!(facts.as_of, today);
    assert_eq!(facts.drills.len(), 1);
    assert_eq!(facts.drills[0].held_on, today);
    assert_eq!(facts.incidents.len(), 1);
    assert_eq!(facts.incidents[0].id, incident);
    assert_eq!(facts.incidents[0].risks, vec![risk.clone()]);
    assert!(
        facts.source.contains("ひので内科クリニック"),
        "{}",
        facts.source
    );

    // The next assessment reads them: the drill moves forward, the risk is named.
    let (_, assessment, _) =
        sansho_core::assess_with_facts(&example.entry, &files, kb, &limits, Some(&facts));
    let assessment = assessment.unwrap();
    let materialised = assessment
        .findings
        .iter()
        .find(|f| f.code == sansho_core::Code::RiskMaterialised)
        .expect("the incident's risk is named");
    assert_eq!(materialised.element.as_deref(), Some(risk.as_str()));
    let mut loaded = sansho_core::load::load(&example.entry, &files, kb, &limits);
    loaded.apply_facts(&facts);
    let model = loaded.model.unwrap();
    let outage = model
        .continuity
        .iter()
        .find(|c| c.scenario == sansho_core::vocab::ContinuityScenario::Outage)
        .unwrap();
    assert_eq!(outage.last_drill.as_deref(), Some(today.as_str()));
    assert!(outage.drill_recorded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drills_and_facts_for_the_next_assessment_on_sqlite() {
    drills_and_facts_for_the_next_assessment(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drills_and_facts_for_the_next_assessment_on_postgres() {
    drills_and_facts_for_the_next_assessment(Backend::Postgres).await;
}
