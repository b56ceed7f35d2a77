//! The server's commands, as an operator and an auditor run them: `sansho publish` against a
//! running server, `sansho serve audit-export` and `sansho audit verify` (which names the first
//! broken entry), `sansho serve backup` and `restore`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../sansho-server/tests/support/mod.rs"]
mod support;

use assert_cmd::Command;
use sansho_store::records::Role;

fn sansho() -> Command {
    let mut cmd = Command::cargo_bin("sansho").unwrap();
    cmd.env("NO_COLOR", "1")
        .env_remove("SANSHO_TOKEN")
        .env_remove("SANSHO_DATABASE");
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// A running server whose data directory is laid out as `sansho serve --data DIR` expects.
async fn server() -> support::Server {
    support::Server::start(support::Backend::Sqlite, "cli").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_uploads_a_model_and_reports_the_version() {
    let server = server().await;
    let demo = server.demo().await;
    let editor = support::login(&server.url, support::user(&demo, Role::ProviderEditor), 0).await;
    let token = editor.token("publish").await;
    let model = tempfile::tempdir().unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ehr-saas");
    for entry in std::fs::read_dir(&example).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), model.path().join(entry.file_name())).unwrap();
    }
    let entry = model.path().join("sansho.yaml");
    let url = server.url.clone();

    // The same files as the demo's version: nothing new.
    let (code, out, err) = tokio::task::spawn_blocking({
        let (entry, url, token) = (entry.clone(), url.clone(), token.clone());
        move || {
            run(sansho().args([
                "publish",
                entry.to_str().unwrap(),
                "--server",
                &url,
                "--token",
                &token,
            ]))
        }
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("版 1") && out.contains("同じ内容の版がすでにあります"),
        "{out}"
    );

    // A changed request of the institution: version 2, the clinic asked to agree again.
    let decisions = model.path().join("decisions.yaml");
    let text = std::fs::read_to_string(&decisions).unwrap();
    std::fs::write(
        &decisions,
        text.replacen(
            "問診用タブレットは受付で貸出・回収し",
            "問診用タブレットは受付で職員が貸出・回収し",
            1,
        ),
    )
    .unwrap();
    let (code, out, err) = tokio::task::spawn_blocking({
        let (entry, url) = (entry.clone(), url.clone());
        move || {
            run(sansho()
                .args(["publish", entry.to_str().unwrap(), "--server", &url])
                .env("SANSHO_TOKEN", &token))
        }
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("版 2") && out.contains("再合意待ち"), "{out}");

    // A broken model is not uploaded: the same diagnostics as `sansho check`, file:line:col.
    std::fs::write(&decisions, "decisions:\n  - risk: [unclosed\n").unwrap();
    let (code, out, err) = tokio::task::spawn_blocking({
        let entry = entry.clone();
        move || {
            run(sansho().args([
                "publish",
                entry.to_str().unwrap(),
                "--server",
                &url,
                "--token",
                "whatever",
            ]))
        }
    })
    .await
    .unwrap();
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("decisions.yaml:2:"), "{err}");
    assert!(err.contains("nothing was published"), "{err}");
    let versions = server
        .store()
        .versions_of(
            &server
                .store()
                .systems_of(&server.store().organizations().await.unwrap()[0].id)
                .await
                .unwrap()[0]
                .id,
        )
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_without_a_valid_token_is_refused_clearly() {
    let server = server().await;
    let _demo = server.demo().await;
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/ehr-saas/sansho.yaml");
    let url = server.url.clone();
    let (code, _, err) = tokio::task::spawn_blocking(move || {
        run(sansho().args([
            "publish",
            example.to_str().unwrap(),
            "--server",
            &url,
            "--token",
            "sansho_not-a-token",
        ]))
    })
    .await
    .unwrap();
    assert_eq!(code, 2);
    assert!(err.contains("401"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_export_verifies_and_a_changed_entry_is_named() {
    let server = server().await;
    let _demo = server.demo().await;
    let data = server.dir.path().to_owned();
    let key = server.state.keys.public_key_hex();
    let export = data.join("audit.json");
    let (code, out, err) = run(sansho().args([
        "serve",
        "audit-export",
        "--data",
        data.to_str().unwrap(),
        export.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) =
        run(sansho().args(["audit", "verify", export.to_str().unwrap(), "--key", &key]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("検証できました"), "{out}");
    // Without the key, integrity is checked and the output says origin was not.
    let (code, out, _) = run(sansho().args(["audit", "verify", export.to_str().unwrap()]));
    assert_eq!(code, 0);
    assert!(out.contains("鍵の指定なし"), "{out}");

    // Editing the export itself (entry 3's action) is found, and entry 3 is named.
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    json["entries"][2]["action"] = serde_json::Value::String("nothing.happened".into());
    let edited = data.join("edited.json");
    std::fs::write(&edited, serde_json::to_vec(&json).unwrap()).unwrap();
    let (code, _, err) =
        run(sansho().args(["audit", "verify", edited.to_str().unwrap(), "--key", &key]));
    assert_eq!(code, 1);
    assert!(err.contains("最初に壊れている記録: 3"), "{err}");
    let (code, _, err) =
        run(sansho().args(["audit", "verify", edited.to_str().unwrap(), "--lang", "en"]));
    assert_eq!(code, 1);
    assert!(err.contains("first broken entry: 3"), "{err}");

    // Not an export at all.
    std::fs::write(&edited, b"{\"hello\": 1}").unwrap();
    let (code, _, err) = run(sansho().args(["audit", "verify", edited.to_str().unwrap()]));
    assert_eq!(code, 2);
    assert!(err.contains("is not an audit export"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_institution_verifies_its_own_record() {
    let server = server().await;
    let demo = server.demo().await;
    let reviewer = support::login(
        &server.url,
        support::user(&demo, Role::InstitutionReviewer),
        0,
    )
    .await;
    let api = support::Api::new(&server.url, &reviewer.token("write").await);
    let engagement = demo.engagement.clone();
    let (_, detail) = api.get(&format!("/api/v1/engagements/{engagement}")).await;
    let version = detail["shares"][0]["version"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let review = format!("/api/v1/engagements/{engagement}/versions/{version}");
    let (_, view) = api.get(&review).await;
    let item = view["items"][0]["key"].as_str().unwrap().to_owned();
    let (status, _) = api.post(&format!("{review}/reviews"), &serde_json::json!({"item": item, "verdict": "discuss", "comment": "月次確認の担当は?"})).await;
    assert_eq!(status, 204);
    let (status, record) = api
        .get(&format!("/api/v1/engagements/{engagement}/export"))
        .await;
    assert_eq!(status, 200);
    let data = server.dir.path().to_owned();
    let file = data.join("record.json");
    std::fs::write(&file, serde_json::to_vec(&record).unwrap()).unwrap();
    let key = server.state.keys.public_key_hex();
    let (code, out, err) =
        run(sansho().args(["audit", "verify", file.to_str().unwrap(), "--key", &key]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("検証できました"), "{out}");

    // A verdict's comment changed after the fact is found, at the entry that wrote it.
    let mut edited = record.clone();
    edited["reviews"][0]["comment"] = serde_json::Value::String("問題なし".into());
    std::fs::write(&file, serde_json::to_vec(&edited).unwrap()).unwrap();
    let (code, _, err) =
        run(sansho().args(["audit", "verify", file.to_str().unwrap(), "--key", &key]));
    assert_eq!(code, 1);
    assert!(
        err.contains("一致しません") && err.contains("最初に壊れている記録"),
        "{err}"
    );
    // A report swapped for another file no longer gives the documents digest.
    let mut swapped = record.clone();
    swapped["versions"][0]["files"][0]["sha256"] = serde_json::Value::String("0".repeat(64));
    std::fs::write(&file, serde_json::to_vec(&swapped).unwrap()).unwrap();
    let (code, _, err) =
        run(sansho().args(["audit", "verify", file.to_str().unwrap(), "--key", &key]));
    assert_eq!(code, 1);
    assert!(err.contains("資料一式のダイジェスト"), "{err}");
    // Another server's key is not this record's.
    std::fs::write(&file, serde_json::to_vec(&record).unwrap()).unwrap();
    let other = sansho_server::keys::ServerKeys::ephemeral().public_key_hex();
    let (code, _, err) =
        run(sansho().args(["audit", "verify", file.to_str().unwrap(), "--key", &other]));
    assert_eq!(code, 1);
    assert!(err.contains("別の鍵"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_then_restore_into_a_new_file_verifies() {
    let server = server().await;
    let _demo = server.demo().await;
    let data = server.dir.path().to_owned();
    let backup = data.join("backup-1");
    let (code, out, err) = run(sansho().args([
        "serve",
        "backup",
        "--data",
        data.to_str().unwrap(),
        backup.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(backup.join("manifest.json").is_file() && backup.join("sansho.db").is_file());
    // A second backup into the same directory is refused.
    let (code, _, err) = run(sansho().args([
        "serve",
        "backup",
        "--data",
        data.to_str().unwrap(),
        backup.to_str().unwrap(),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("exists already"), "{err}");

    let restored = data.join("restored.db");
    let (code, out, err) = run(sansho().args([
        "serve",
        "restore",
        "--data",
        data.to_str().unwrap(),
        "--database",
        restored.to_str().unwrap(),
        backup.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("restored and verified"), "{out}");
    // Restoring over an existing database is refused and leaves it as it was.
    let before = std::fs::read(&restored).unwrap();
    let (code, _, err) = run(sansho().args([
        "serve",
        "restore",
        "--data",
        data.to_str().unwrap(),
        "--database",
        restored.to_str().unwrap(),
        backup.to_str().unwrap(),
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("exists already"), "{err}");
    assert_eq!(std::fs::read(&restored).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_starts_answers_and_stops_cleanly() {
    use std::io::{BufRead, BufReader};
    let _ = rustls::crypto::CryptoProvider::install_default(sansho_server::tls::provider());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sansho"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let data = first
        .split("(data: ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .to_owned();
    let printed: Vec<String> = lines.by_ref().take(6).map(|l| l.unwrap()).collect();
    assert!(
        printed
            .iter()
            .any(|l| l.contains("director@clinic.demo") && l.contains("TOTP secret")),
        "{printed:?}"
    );
    let login = reqwest::get(format!("{url}/login")).await.unwrap();
    assert_eq!(login.status().as_u16(), 200);
    assert!(login.text().await.unwrap().contains("ログイン"));
    assert!(std::path::Path::new(&data).join("sansho.db").is_file());
    // SIGTERM: the server stops and removes the demo's directory.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(
        !std::path::Path::new(&data).exists(),
        "the demo's directory is removed"
    );
}
