//! schemathesis (from PyPI) against the server's own OpenAPI document, once with an API token of
//! every role: examples, the coverage phase's boundary and wrong values, random bodies and
//! stateful sequences, with every check schemathesis has. The run must find nothing, and the
//! record it leaves behind must still verify.
//!
//! `scripts/test.sh` installs schemathesis into a virtual environment and names it in
//! `SANSHO_SCHEMATHESIS`. `SANSHO_SCHEMATHESIS_EXAMPLES` sets the examples per operation (CI uses
//! the default; a longer run is documented in docs/server-proof.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;

use sansho_store::records::Role;
use support::{Backend, Server, login, user};

const ROLES: [Role; 5] = [
    Role::ProviderEditor,
    Role::ProviderApprover,
    Role::InstitutionReviewer,
    Role::InstitutionSignatory,
    Role::Auditor,
];

fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("SANSHO_SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("schemathesis"))
        .find(|candidate| candidate.is_file());
    on_path.expect(
        "schemathesis is required for this test: run scripts/test.sh, which installs it from PyPI \
         (or set SANSHO_SCHEMATHESIS to its path)",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing_for_any_role() {
    let program = schemathesis();
    let examples = std::env::var("SANSHO_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "25".into());
    let server = Server::start(Backend::Sqlite, "schemathesis").await;
    let demo = server.demo().await;
    let reports = tempfile::tempdir().unwrap();
    // The demo's own ids, used for most path parameters so that the generated requests reach
    // the handlers' logic rather than stopping at 404; the rest are generated.
    let version = {
        let store = server.store();
        let shares = store
            .shares(&sansho_store::EngagementId::new(demo.engagement.clone()))
            .await
            .unwrap();
        shares[0].version.to_string()
    };
    let config = reports.path().join("schemathesis.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n[parameters]\n\
             \"path.engagement\" = {{ dictionary = \"engagements\", probability = 0.9 }}\n\
             \"path.version\" = {{ dictionary = \"versions\", probability = 0.9 }}\n\
             \"body.version\" = {{ dictionary = \"versions\", probability = 0.9 }}\n\n\
             [dictionaries]\n\
             engagements = {{ values = [\"{}\"] }}\n\
             versions = {{ values = [\"{version}\"] }}\n",
            include_str!("schemathesis/schemathesis.toml"),
            demo.engagement,
        ),
    )
    .unwrap();
    let mut failed = Vec::new();
    for role in ROLES {
        let session = login(&server.url, user(&demo, role), 0).await;
        let token = session.token("write").await;
        let mut command = std::process::Command::new(&program);
        command
            // Its caches go to the temporary directory, not the source tree.
            .current_dir(reports.path())
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(format!("{}/api/openapi.json", server.url))
            .args(["--checks", "all"])
            .args(["--max-examples", &examples])
            .args(["--seed", "20261201"])
            .args(["--workers", "1"])
            .args(["--report", "junit"])
            .arg("--report-junit-path")
            .arg(reports.path().join(format!("{}.xml", role.as_str())))
            .arg("--header")
            .arg(format!("Authorization: Bearer {token}"))
            .env("NO_COLOR", "1")
            .env("SCHEMATHESIS_TELEMETRY", "false");
        // The server runs on this runtime's threads: wait for schemathesis off them.
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .unwrap()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        println!(
            "--- schemathesis as {} ---\n{stdout}{stderr}",
            role.as_str()
        );
        if !output.status.success() {
            failed.push(role.as_str());
        }
    }
    server.assert_record_verifies().await;
    assert!(
        failed.is_empty(),
        "schemathesis found failures as {failed:?} (its report is printed above)"
    );
}
