//! Crash safety, as an operator's worst day would test it: clients write in a loop against a
//! `sansho serve` process that is killed with SIGKILL at random points and started again, and,
//! on PostgreSQL, the database server itself is stopped as a crash would stop it. Afterwards
//! every write a client saw acknowledged is there, no request is half applied (minutes without
//! their attachment, an institution without its engagement), and the audit chain and every
//! record verify against the server's key.
//!
//! `SANSHO_CRASH_ROUNDS` sets how many times the server (or the database) is killed; CI runs a
//! small number, docs/server-proof.md a longer run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../sansho-server/tests/support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sansho_server::config::Database;
use sansho_server::keys::ServerKeys;
use sansho_store::EngagementId;
use sansho_store::operations::OpBody;
use sansho_store::records::Role;
use serde_json::json;

fn rounds() -> usize {
    std::env::var("SANSHO_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn database_arg(database: &Database) -> String {
    match database {
        Database::Sqlite(path) => path.display().to_string(),
        Database::Postgres(url) => url.clone(),
    }
}

/// `sansho serve` on `port`, with the keys in `data`; returns once it answers its health check.
async fn start_server(data: &Path, database: &Database, port: u16) -> Child {
    let child = Command::new(assert_cmd::cargo::cargo_bin("sansho"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .arg("--database")
        .arg(database_arg(database))
        .env_remove("SANSHO_DATABASE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(port).await;
    child
}

async fn wait_healthy(port: u16) {
    let client = reqwest::Client::new();
    for _ in 0..1500 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            && r.status().as_u16() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server on port {port} did not come up within 30 s");
}

fn kill(child: &mut Child) {
    // `Child::kill` is SIGKILL on Unix: no destructor, no flush, no rollback in the process.
    child.kill().unwrap();
    child.wait().unwrap();
}

/// What the clients saw acknowledged, each by a text unique to it.
#[derive(Default)]
struct Acknowledged {
    messages: Vec<String>,
    minutes: Vec<String>,
    institutions: Vec<String>,
    ledger_items: Vec<String>,
}

/// The ids and people the writers use.
struct Setup {
    base: String,
    engagement: String,
    version: String,
    system: String,
    editor: support::Api,
    approver: support::Api,
    /// A browser session (cookie and CSRF token), for the form-only ledger.
    operator: support::Session,
}

#[derive(Clone, Copy)]
enum Writer {
    Message,
    Minutes,
    Engagement,
    LedgerItem,
}

const MEMO: &str = "6K2w5LqL44Oh44Oi"; // base64 of 議事メモ

/// One write; `Some(text)` when the server acknowledged it.
async fn write_once(kind: Writer, setup: &Setup, n: u64) -> Result<Option<String>, ()> {
    let Setup {
        base,
        engagement,
        version,
        ..
    } = setup;
    let timeout = Duration::from_secs(10);
    // A refused connection, a cut answer or a 5xx is what a crash does to a client; any other
    // refusal is a mistake of the test and stops it.
    let status = async |r: Result<reqwest::Response, reqwest::Error>| match r {
        Ok(r) if r.status().is_client_error() => {
            let status = r.status();
            panic!("{status}: {}", r.text().await.unwrap_or_default())
        }
        Ok(r) => Ok(r.status().as_u16()),
        Err(_) => Err(()),
    };
    // A JSON body posted with a token, as the API's clients send it.
    let api = |who: &support::Api, path: String, body: serde_json::Value| {
        who.client
            .post(format!("{base}{path}"))
            .bearer_auth(&who.token)
            .json(&body)
            .timeout(timeout)
            .send()
    };
    Ok(match kind {
        Writer::Message => {
            let text = format!("crash-message-{n}");
            let r = api(
                &setup.editor,
                format!("/api/v1/engagements/{engagement}/versions/{version}/messages"),
                json!({"body": text}),
            )
            .await;
            (status(r).await? == 201).then_some(text)
        }
        Writer::Minutes => {
            let text = format!("crash-minutes-{n}");
            let r = api(
                &setup.editor,
                format!("/api/v1/engagements/{engagement}/minutes"),
                json!({
                    "held_on": "2026-11-20", "attendees": "院長、提供事業者", "agenda": text,
                    "decisions": "記録する",
                    "attachments": [{"filename": format!("{text}.txt"), "media_type": "text/plain", "content_base64": MEMO}]
                }),
            )
            .await;
            (status(r).await? == 201).then_some(text)
        }
        Writer::Engagement => {
            let text = format!("クラッシュ試験病院 {n}");
            let r = api(
                &setup.approver,
                "/api/v1/engagements".to_owned(),
                json!({"system": setup.system, "new_institution": text, "contract_form": "individual"}),
            )
            .await;
            (status(r).await? == 201).then_some(text)
        }
        Writer::LedgerItem => {
            let text = format!("crash-ledger-{n}");
            let form = [
                ("csrf", setup.operator.csrf.as_str()),
                ("name", text.as_str()),
                ("category", "ノート PC"),
                ("location", "診療所 受付"),
                ("custodian", "事務長"),
                ("information", "患者情報"),
                ("medical", "on"),
            ];
            let r = setup
                .operator
                .client
                .post(format!("{base}/engagements/{engagement}/operations/ledger"))
                .form(&form)
                .timeout(timeout)
                .send()
                .await;
            (status(r).await? == 303).then_some(text)
        }
    })
}

/// Writes until told to stop; counts the writes cut short (refused or unanswered).
async fn write_loop(
    kind: Writer,
    setup: Arc<Setup>,
    stop: Arc<AtomicBool>,
    acknowledged: Arc<Mutex<Acknowledged>>,
    cut_short: Arc<AtomicU64>,
    first: u64,
) {
    let mut n = first;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        match write_once(kind, &setup, n).await {
            Ok(Some(text)) => {
                let mut acknowledged = acknowledged.lock().unwrap();
                match kind {
                    Writer::Message => acknowledged.messages.push(text),
                    Writer::Minutes => acknowledged.minutes.push(text),
                    Writer::Engagement => acknowledged.institutions.push(text),
                    Writer::LedgerItem => acknowledged.ledger_items.push(text),
                }
            }
            Ok(None) | Err(()) => {
                cut_short.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// A throwaway PostgreSQL cluster of the test's own, which it may crash.
struct Cluster {
    dir: tempfile::TempDir,
    url: String,
}

fn postgres_script(action: &str, dir: &Path) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres.sh");
    let out = Command::new(script).arg(action).arg(dir).output().unwrap();
    assert!(
        out.status.success(),
        "scripts/postgres.sh {action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

impl Cluster {
    fn start() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let url = postgres_script("start", dir.path());
        Cluster { dir, url }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres.sh"),
        )
        .arg("stop")
        .arg(self.dir.path())
        .output();
    }
}

/// Kills the server (and, with a cluster, every other time the database) at random points while
/// four clients write, then checks what the clients were told against what is stored.
async fn writes_survive_kills(
    database: Database,
    data: tempfile::TempDir,
    cluster: Option<&Cluster>,
) {
    // Set up in this process: the demo, people logged in with their second factor, API tokens.
    let server = support::Server::start_on(database.clone(), data, |_| {}).await;
    let demo = server.demo().await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let editor = support::login(&server.url, support::user(&demo, Role::ProviderEditor), 0).await;
    let approver =
        support::login(&server.url, support::user(&demo, Role::ProviderApprover), 0).await;
    let editor_api = support::Api::new(&base, &editor.token("write").await);
    let approver_api = support::Api::new(&base, &approver.token("write").await);
    let (_, detail) = support::Api::new(&server.url, &editor_api.token)
        .get(&format!("/api/v1/engagements/{}", demo.engagement))
        .await;
    let version = detail["shares"][0]["version"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, systems) = support::Api::new(&server.url, &approver_api.token)
        .get("/api/v1/systems")
        .await;
    let system = systems[0]["id"].as_str().unwrap().to_owned();
    // The session's cookie is the server's, whatever port answers: the store keeps sessions.
    let operator = support::Session {
        client: editor.client.clone(),
        base: base.clone(),
        csrf: editor.csrf.clone(),
        code_used: editor.code_used.clone(),
    };
    let setup = Arc::new(Setup {
        base: base.clone(),
        engagement: demo.engagement.clone(),
        version,
        system,
        editor: editor_api,
        approver: approver_api,
        operator,
    });

    let data_dir = server.dir.path().to_owned();
    let mut child = start_server(&data_dir, &database, port).await;
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    let cut_short = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = [
        Writer::Message,
        Writer::Minutes,
        Writer::Engagement,
        Writer::LedgerItem,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, kind)| {
        tokio::spawn(write_loop(
            kind,
            setup.clone(),
            stop.clone(),
            acknowledged.clone(),
            cut_short.clone(),
            i as u64 * 1_000_000,
        ))
    })
    .collect();

    let mut database_kills = 0;
    for round in 0..rounds() {
        tokio::time::sleep(Duration::from_millis(fastrand::u64(50..400))).await;
        match cluster {
            Some(cluster) if round % 2 == 1 => {
                // The database dies under the running server, and comes back: the server must
                // answer again without being restarted.
                postgres_script("crash", cluster.dir.path());
                tokio::time::sleep(Duration::from_millis(fastrand::u64(0..200))).await;
                postgres_script("restart", cluster.dir.path());
                wait_healthy(port).await;
                database_kills += 1;
            }
            _ => {
                kill(&mut child);
                child = start_server(&data_dir, &database, port).await;
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    kill(&mut child);
    if cluster.is_some() {
        assert!(database_kills > 0);
    }

    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    let cut_short = cut_short.load(Ordering::Relaxed);
    let total = acknowledged.messages.len()
        + acknowledged.minutes.len()
        + acknowledged.institutions.len()
        + acknowledged.ledger_items.len();
    eprintln!(
        "{} kills: {total} writes acknowledged ({} messages, {} minutes, {} engagements, {} ledger items), {cut_short} cut short",
        rounds(),
        acknowledged.messages.len(),
        acknowledged.minutes.len(),
        acknowledged.institutions.len(),
        acknowledged.ledger_items.len(),
    );
    // Not a count per kill: how many writes fit between two kills depends on the machine. What
    // must hold is that every kind of write kept being acknowledged through the kills.
    assert!(
        [
            acknowledged.messages.len(),
            acknowledged.minutes.len(),
            acknowledged.institutions.len(),
            acknowledged.ledger_items.len(),
        ]
        .iter()
        .all(|n| *n > 0)
            && total >= rounds(),
        "the writers kept writing between the kills"
    );
    assert!(
        cut_short > 0,
        "some kill landed while a write was under way"
    );

    // Read back from the database, as the restarted server would.
    let store = sansho_server::open_store(&database).await.unwrap();
    let engagement = EngagementId::new(&demo.engagement);
    let messages: HashSet<String> = store
        .messages(&engagement)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .collect();
    for text in &acknowledged.messages {
        assert!(
            messages.contains(text),
            "acknowledged message {text} is lost"
        );
    }

    let minutes = store.minutes(&engagement).await.unwrap();
    let agendas: HashSet<&str> = minutes.iter().map(|m| m.agenda.as_str()).collect();
    for text in &acknowledged.minutes {
        assert!(
            agendas.contains(text.as_str()),
            "acknowledged minutes {text} are lost"
        );
    }
    // Half-applied minutes would leave an attachment no minutes refer to, or minutes whose
    // attachment is missing.
    let attachments = store.attachments(&engagement).await.unwrap();
    let referenced: HashSet<String> = minutes
        .iter()
        .flat_map(|m| m.attachments.iter().map(ToString::to_string))
        .collect();
    for attachment in &attachments {
        assert!(
            referenced.contains(&attachment.id.to_string()),
            "attachment {} belongs to no minutes: a request was half applied",
            attachment.filename
        );
        assert!(
            store.blob(&attachment.sha256).await.unwrap().is_some(),
            "the bytes of {} are missing",
            attachment.filename
        );
    }
    for m in minutes.iter().filter(|m| m.agenda.starts_with("crash-")) {
        assert_eq!(
            m.attachments.len(),
            1,
            "minutes {} lost their attachment",
            m.agenda
        );
        assert!(attachments.iter().any(|a| a.id == m.attachments[0]));
    }

    // An institution registered with its engagement, or not at all.
    let organizations = store.organizations().await.unwrap();
    let mut institutions = HashSet::new();
    for org in organizations
        .iter()
        .filter(|o| o.name.starts_with("クラッシュ試験病院"))
    {
        assert!(
            !store.engagements_of(&org.id).await.unwrap().is_empty(),
            "{} was registered without its engagement: a request was half applied",
            org.name
        );
        institutions.insert(org.name.clone());
    }
    for text in &acknowledged.institutions {
        assert!(
            institutions.contains(text),
            "acknowledged engagement with {text} is lost"
        );
    }

    let ledger: HashSet<String> = store
        .op_records(&engagement)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.body {
            OpBody::LedgerItem(item) => Some(item.name),
            _ => None,
        })
        .collect();
    for text in &acknowledged.ledger_items {
        assert!(
            ledger.contains(text),
            "acknowledged ledger item {text} is lost"
        );
    }

    // The chain is whole and every record matches the entry that wrote it.
    let keys = ServerKeys::load_or_create(&data_dir.join("keys")).unwrap();
    let verification =
        sansho_server::maintenance::verify_store(store.as_ref(), &keys.public_key_hex())
            .await
            .unwrap();
    assert!(verification.is_intact(), "{:?}", verification.problems);
    assert!(verification.entries as usize >= total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_write_through_kills() {
    let data = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(data.path().join("sansho.db"));
    writes_survive_kills(database, data, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_write_when_the_server_or_the_database_dies() {
    let cluster = Cluster::start();
    let data = tempfile::tempdir().unwrap();
    let database = Database::Postgres(format!("{}/postgres", cluster.url));
    writes_survive_kills(database, data, Some(&cluster)).await;
}
