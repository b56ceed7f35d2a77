//! The record holds (真正性・保存性): a backup restored into a fresh database verifies and holds
//! every record; and on the restored copy, any change made behind the server's back — an audit
//! entry updated, deleted, reordered, the log truncated, a record edited — is found by
//! verification, which names the first broken entry. Both backends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use sansho_server::config::Database;
use sansho_store::records::Role;
use serde_json::json;
use support::{Api, Backend, Server, login, user};

/// Runs raw SQL on a database, as an attacker with database access would.
async fn tamper(database: &Database, sql: &str) -> u64 {
    match database {
        Database::Sqlite(path) => {
            let store = sansho_store_sqlite::SqliteStore::open(path).await.unwrap();
            let n = store.execute_raw(sql).await.unwrap();
            store.close().await;
            n
        }
        Database::Postgres(url) => {
            let store = sansho_store_postgres::PgStore::connect(url).await.unwrap();
            let n = store.execute_raw(sql).await.unwrap();
            store.close().await;
            n
        }
    }
}

async fn fresh(backend: Backend, name: &str, dir: &std::path::Path) -> Database {
    support::database(backend, name, dir).await
}

async fn verify(database: &Database, key: &str) -> sansho_store::audit::Verification {
    let store = sansho_server::open_store(database).await.unwrap();
    sansho_server::maintenance::verify_store(store.as_ref(), key)
        .await
        .unwrap()
}

async fn record_survives_and_tampering_is_found(backend: Backend) {
    let server = Server::start(backend, "record").await;
    let demo = server.demo().await;
    let engagement = demo.engagement.clone();
    let reviewer = login(&server.url, user(&demo, Role::InstitutionReviewer), 0).await;
    let signatory = login(&server.url, user(&demo, Role::InstitutionSignatory), 0).await;
    let approver = login(&server.url, user(&demo, Role::ProviderApprover), 0).await;
    let reviewer = Api::new(&server.url, &reviewer.token("write").await);
    let signatory = Api::new(&server.url, &signatory.token("write").await);
    let approver = Api::new(&server.url, &approver.token("write").await);
    let (_, detail) = reviewer
        .get(&format!("/api/v1/engagements/{engagement}"))
        .await;
    let version = detail["shares"][0]["version"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let review = format!("/api/v1/engagements/{engagement}/versions/{version}");
    let (_, view) = reviewer.get(&review).await;
    for item in view["items"].as_array().unwrap() {
        let (status, _) = reviewer
            .post(
                &format!("{review}/reviews"),
                &json!({"item": item["key"], "verdict": "agree"}),
            )
            .await;
        assert_eq!(status, 204);
    }
    let (status, signed) = signatory
        .post(&format!("{review}/agreement"), &json!({"confirm": true}))
        .await;
    assert_eq!(status, 201);
    let agreement = signed["id"].as_str().unwrap().to_owned();
    let (status, _) = approver
        .post(
            &format!("/api/v1/engagements/{engagement}/agreements/{agreement}/countersign"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);

    // Backup while the server runs; restore into a fresh database; it verifies and holds all.
    let key = server.state.keys.public_key_hex();
    let original = sansho_server::service::export::audit(&server.state)
        .await
        .unwrap();
    let backup_dir = server.dir.path().join("backup");
    let manifest = sansho_server::maintenance::backup(&server.database, &key, &backup_dir)
        .await
        .unwrap();
    assert_eq!(
        manifest.audit_head.as_ref().map(|h| h.0),
        original.entries.last().map(|e| e.seq)
    );
    let head = original.entries.len() as u64;
    let checkpoints: Vec<u64> = original.checkpoints.iter().map(|c| c.seq).collect();
    assert!(
        head > 40 && checkpoints.len() >= 2,
        "{head} entries, checkpoints at {checkpoints:?}"
    );

    let scratch = tempfile::tempdir().unwrap();
    let restore = |case: &'static str| {
        let dir = scratch.path().join(case);
        let backup_dir = backup_dir.clone();
        let key = key.clone();
        async move {
            std::fs::create_dir_all(&dir).unwrap();
            let database = fresh(backend, case, &dir).await;
            let restored = sansho_server::maintenance::restore(&backup_dir, &database, Some(&key))
                .await
                .unwrap();
            assert!(
                restored.verification.is_intact(),
                "{case}: {:?}",
                restored.verification.problems
            );
            database
        }
    };

    let copy = restore("copy").await;
    let store = sansho_server::open_store(&copy).await.unwrap();
    let restored = sansho_store::audit::export(store.as_ref(), &key)
        .await
        .unwrap();
    assert_eq!(
        restored.entries, original.entries,
        "every audit entry restored"
    );
    assert_eq!(restored.checkpoints, original.checkpoints);
    assert_eq!(restored.records, original.records, "every record restored");
    let users = store
        .users_of(
            &store
                .user_by_email(&user(&demo, Role::Auditor).email)
                .await
                .unwrap()
                .unwrap()
                .org,
        )
        .await
        .unwrap();
    assert_eq!(
        users.len(),
        3,
        "people, with their password hashes and MFA, are restored too"
    );
    // A restore never overwrites: the same target again is refused and left as it was.
    let again = sansho_server::maintenance::restore(&backup_dir, &copy, None).await;
    assert!(again.is_err(), "restoring over a database is refused");
    assert_eq!(
        sansho_store::audit::export(store.as_ref(), &key)
            .await
            .unwrap()
            .entries
            .len() as u64,
        head
    );

    // A damaged backup is refused before anything is restored.
    let damaged = scratch.path().join("damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    for entry in std::fs::read_dir(&backup_dir).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), damaged.join(entry.file_name())).unwrap();
    }
    let file = damaged.join(&manifest.file);
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let target_dir = scratch.path().join("damaged-target");
    std::fs::create_dir_all(&target_dir).unwrap();
    let target = fresh(backend, "damaged", &target_dir).await;
    let error = sansho_server::maintenance::restore(&damaged, &target, None)
        .await
        .err()
        .expect("a damaged backup is refused");
    assert!(error.to_string().contains("damaged"), "{error}");

    // Each tampering, on its own restored copy, is found at the entry where it was made.
    let middle = head / 2;
    let last_checkpoint = *checkpoints.iter().max().unwrap();
    let cases: Vec<(&'static str, String, u64)> = vec![
        (
            "update",
            format!("UPDATE audit_log SET action = 'nothing.happened' WHERE seq = {middle}"),
            middle,
        ),
        (
            "delete",
            format!("DELETE FROM audit_log WHERE seq = {middle}"),
            middle,
        ),
        (
            "reorder",
            format!(
                "UPDATE audit_log SET seq = -1 WHERE seq = {middle}; UPDATE audit_log SET seq = {middle} WHERE seq = {n}; UPDATE audit_log SET seq = {n} WHERE seq = -1",
                n = middle + 1
            ),
            middle,
        ),
        (
            "truncate",
            format!("DELETE FROM audit_log WHERE seq >= {}", last_checkpoint - 3),
            last_checkpoint - 3,
        ),
        (
            "record",
            format!(
                "UPDATE agreements SET statement = statement || ' (追記)' WHERE id = '{agreement}'"
            ),
            0,
        ),
    ];
    for (case, sql, broken_at) in cases {
        let database = restore(case).await;
        assert!(
            tamper(&database, &sql).await > 0,
            "{case}: the SQL changed rows"
        );
        let verification = verify(&database, &key).await;
        assert!(!verification.is_intact(), "{case}: tampering must be found");
        let first = &verification.problems[0];
        if broken_at > 0 {
            assert_eq!(
                first.seq,
                Some(broken_at),
                "{case}: the first broken entry is named: {:?}",
                verification.problems
            );
        } else {
            assert!(
                first.ja.contains("合意") || first.en.contains("agreement"),
                "{case}: {:?}",
                verification.problems
            );
        }
    }
    // A backup of another server is refused when this server's key is given.
    let foreign_dir = scratch.path().join("foreign");
    std::fs::create_dir_all(&foreign_dir).unwrap();
    let foreign = fresh(backend, "foreign", &foreign_dir).await;
    let other = sansho_server::keys::ServerKeys::ephemeral().public_key_hex();
    let error = sansho_server::maintenance::restore(&backup_dir, &foreign, Some(&other))
        .await
        .err()
        .expect("another server's backup is refused");
    assert!(error.to_string().contains("server key"), "{error}");
    // A checkpoint signed by another key is not trusted.
    let other_key = sansho_server::keys::ServerKeys::ephemeral().public_key_hex();
    assert!(!verify(&copy, &other_key).await.is_intact());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_survives_backup_and_tampering_is_found_on_sqlite() {
    record_survives_and_tampering_is_found(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_survives_backup_and_tampering_is_found_on_postgres() {
    record_survives_and_tampering_is_found(Backend::Postgres).await;
}
