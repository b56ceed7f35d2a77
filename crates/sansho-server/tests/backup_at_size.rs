//! Backup and restore at size, taken while the server takes writes: the record is filled through
//! the server's own routes (engagements, versions shared with each, ledger items, minutes with
//! attachments), a backup is taken while clients keep writing, and restored into a fresh
//! database. The restored chain verifies, is the live chain up to the backup's point, and every
//! restored record and attachment is byte for byte the live one. Both backends.
//!
//! CI runs a small record. `SANSHO_BACKUP_SIZE=full` runs the size docs/server-proof.md reports:
//! 100 engagements, 50 versions, 10,000 ledger items and 1,000 attachments.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sansho_store::records::Role;
use serde_json::{Value, json};
use support::{Api, Backend, Server, Session, login, user};

struct Size {
    engagements: usize,
    versions: usize,
    ledger_items: usize,
    attachments: usize,
}

fn size() -> Size {
    if std::env::var("SANSHO_BACKUP_SIZE").as_deref() == Ok("full") {
        Size {
            engagements: 100,
            versions: 50,
            ledger_items: 10_000,
            attachments: 1_000,
        }
    } else {
        Size {
            engagements: 4,
            versions: 3,
            ledger_items: 200,
            attachments: 20,
        }
    }
}

/// A ledger item added through the form, as an operator does.
async fn add_ledger_item(session: &Session, engagement: &str, name: &str) -> bool {
    let r = session
        .post(
            &format!("/engagements/{engagement}/operations/ledger"),
            &[
                ("name", name),
                ("category", "ノート PC"),
                ("location", "診療所 受付"),
                ("custodian", "事務長"),
                ("information", "患者情報"),
                ("medical", "on"),
            ],
        )
        .await;
    r.status().as_u16() == 303
}

/// An attachment's bytes: 16 KiB that differ per attachment.
fn attachment_bytes(n: usize) -> String {
    use base64::Engine as _;
    let bytes: Vec<u8> = (0..16 * 1024)
        .map(|i| ((i * 31 + n * 7) % 251) as u8)
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Every element of every record list, as canonical JSON.
fn record_set(records: &sansho_store::audit::ExportedRecords) -> HashSet<String> {
    let Value::Object(lists) = serde_json::to_value(records).unwrap() else {
        panic!("records are an object")
    };
    lists
        .into_iter()
        .flat_map(|(kind, list)| {
            list.as_array()
                .unwrap()
                .iter()
                .map(|r| format!("{kind}:{r}"))
                .collect::<Vec<_>>()
        })
        .collect()
}

async fn backup_while_writing(backend: Backend) {
    let size = size();
    let server = Server::start(backend, "backup_size").await;
    let demo = server.demo().await;
    let base = server.url.clone();
    let editor = login(&base, user(&demo, Role::ProviderEditor), 0).await;
    let approver = login(&base, user(&demo, Role::ProviderApprover), 0).await;
    let publisher = Api::new(&base, &editor.token("publish").await);
    let writer = Api::new(&base, &editor.token("write").await);
    let approver_api = Api::new(&base, &approver.token("write").await);
    let filling = Instant::now();

    let (_, systems) = approver_api.get("/api/v1/systems").await;
    let system = systems[0]["id"].as_str().unwrap().to_owned();
    let mut engagements = vec![demo.engagement.clone()];
    for i in 1..size.engagements {
        let (status, created) = approver_api
            .post(
                "/api/v1/engagements",
                &json!({"system": system, "new_institution": format!("保存試験病院 {i}"), "contract_form": "individual"}),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        engagements.push(created["id"].as_str().unwrap().to_owned());
    }
    // Each new version is shared with every engagement of the system.
    let mut bundle = support::example_bundle();
    let decisions = bundle["files"]["decisions.yaml"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 1..size.versions {
        bundle["files"]["decisions.yaml"] = Value::String(format!("{decisions}\n# 改訂 {i}\n"));
        let (status, published) = publisher.post("/api/v1/versions", &bundle).await;
        assert_eq!(status, 201, "{published}");
    }
    let editor = Arc::new(editor);
    let engagements = Arc::new(engagements);
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let (editor, engagements) = (editor.clone(), engagements.clone());
            let count = size.ledger_items;
            tokio::spawn(async move {
                for i in (t..count).step_by(4) {
                    let engagement = &engagements[i % engagements.len()];
                    assert!(add_ledger_item(&editor, engagement, &format!("台帳 {i}")).await);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    for i in 0..size.attachments {
        let engagement = &engagements[i % engagements.len()];
        let (status, body) = writer
            .post(
                &format!("/api/v1/engagements/{engagement}/minutes"),
                &json!({
                    "held_on": "2026-11-20", "attendees": "院長、提供事業者", "agenda": format!("定例 {i}"),
                    "decisions": "記録する",
                    "attachments": [{"filename": format!("議事メモ {i}.bin"), "content_base64": attachment_bytes(i)}]
                }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let filled_in = filling.elapsed();

    // Clients keep writing while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (0..2)
        .map(|t| {
            let (editor, engagements) = (editor.clone(), engagements.clone());
            let (stop, written) = (stop.clone(), written.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let engagement = &engagements[n % engagements.len()];
                    assert!(
                        add_ledger_item(&editor, engagement, &format!("バックアップ中 {t}-{n}"))
                            .await
                    );
                    written.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let key = server.state.keys.public_key_hex();
    let backup_dir = server.dir.path().join("backup");
    let started = Instant::now();
    let manifest = sansho_server::maintenance::backup(&server.database, &key, &backup_dir)
        .await
        .unwrap();
    let backup_took = started.elapsed();
    let during = written.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert!(during > 0, "the clients wrote while the backup was taken");

    let scratch = tempfile::tempdir().unwrap();
    let target = support::database(backend, "backup_size_restored", scratch.path()).await;
    let started = Instant::now();
    let restored = sansho_server::maintenance::restore(&backup_dir, &target, Some(&key))
        .await
        .unwrap();
    let restore_took = started.elapsed();
    assert!(
        restored.verification.is_intact(),
        "{:?}",
        restored.verification.problems
    );

    // The restored chain is the live one up to the backup's point, and at least as far as the
    // head the manifest names.
    let live = sansho_server::service::export::audit(&server.state)
        .await
        .unwrap();
    let store = sansho_server::open_store(&target).await.unwrap();
    let copy = sansho_store::audit::export(store.as_ref(), &key)
        .await
        .unwrap();
    let (head, _) = manifest.audit_head.clone().unwrap();
    assert!(copy.entries.len() as u64 >= head);
    assert!(
        live.entries.len() > copy.entries.len(),
        "writes went on after the copy"
    );
    assert_eq!(copy.entries[..], live.entries[..copy.entries.len()]);
    for checkpoint in &copy.checkpoints {
        assert!(live.checkpoints.contains(checkpoint));
    }
    // Every restored record is the live record, byte for byte; the attachments' bytes too.
    let live_records = record_set(&live.records);
    let copied_records = record_set(&copy.records);
    for record in &copied_records {
        assert!(
            live_records.contains(record),
            "restored but not live: {record}"
        );
    }
    assert_eq!(copy.records.attachments.len(), size.attachments);
    for attachment in &copy.records.attachments {
        let bytes = store.blob(&attachment.sha256).await.unwrap().unwrap();
        assert_eq!(
            Some(bytes),
            server.store().blob(&attachment.sha256).await.unwrap()
        );
    }
    let ledger_items = copy
        .records
        .operations
        .iter()
        .filter(|r| matches!(r.body, sansho_store::operations::OpBody::LedgerItem(_)))
        .count();
    assert!(ledger_items >= size.ledger_items);
    eprintln!(
        "{backend:?}: filled in {:.1} s ({} engagements, {} versions, {} ledger items, {} attachments; \
         {} audit entries); backup {:.2} s ({} bytes) while {during} writes went on; restore and verify {:.2} s",
        filled_in.as_secs_f64(),
        copy.records.engagements.len(),
        copy.records.versions.len(),
        ledger_items,
        copy.records.attachments.len(),
        copy.entries.len(),
        backup_took.as_secs_f64(),
        manifest.bytes,
        restore_took.as_secs_f64(),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_writing_restores_every_record_on_sqlite() {
    backup_while_writing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_writing_restores_every_record_on_postgres() {
    backup_while_writing(Backend::Postgres).await;
}
