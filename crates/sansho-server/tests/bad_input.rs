//! Bad input gets a clear answer (Japanese on pages, both languages in JSON) and changes
//! nothing: malformed JSON, oversized uploads, invalid models (the CLI's own diagnostics,
//! file:line:col), hostile strings (stored as typed, shown inert), ended sessions, replayed
//! codes, forged forms, password guessing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use sansho_store::records::Role;
use serde_json::{Value, json};
use support::{Api, Backend, Server, browser, csrf_of, login, user};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_bodies_that_are_wrong_are_refused_and_change_nothing() {
    let server = Server::start_with(Backend::Sqlite, "bad-api", |c| {
        c.policy.login_burst = 10_000;
        c.limits.bundle_bytes = 2 << 20;
    })
    .await;
    let demo = server.demo().await;
    let editor = login(&server.url, user(&demo, Role::ProviderEditor), 0).await;
    let api = Api::new(&server.url, &editor.token("write").await);
    let before = server.audit_head().await;
    let url = format!("{}/api/v1/versions", server.url);

    // Malformed JSON.
    let r = api
        .client
        .post(&url)
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{\"entry\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .unwrap()
            .contains("JSON"),
        "{body}"
    );
    assert!(!body["error"]["message_en"].as_str().unwrap().is_empty());
    // JSON of the wrong shape.
    let (status, body) = api.post("/api/v1/versions", &json!({"entry": 3})).await;
    assert_eq!(status, 400, "{body}");
    // Not JSON at all.
    let r = api
        .client
        .post(&url)
        .bearer_auth(&api.token)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 400 | 415), "{}", r.status());
    // Too large: refused with the limit named.
    let big = "#".repeat(3 << 20);
    let (status, body) = api
        .post(
            "/api/v1/versions",
            &json!({"entry": "sansho.yaml", "files": {"sansho.yaml": big}}),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    // Paths that would leave the bundle, or are not model files.
    for path in [
        "../etc/passwd.yaml",
        "/abs.yaml",
        "a/../../b.yaml",
        "c:evil.yaml",
        "notes.txt",
        "a\u{0}b.yaml",
    ] {
        let (status, body) = api
            .post(
                "/api/v1/versions",
                &json!({"entry": path, "files": {path: "sansho: 1\n"}}),
            )
            .await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body["error"]["message_ja"]
                .as_str()
                .unwrap()
                .contains("ファイル名"),
            "{body}"
        );
    }
    // An entry that is not among the files.
    let (status, _) = api
        .post(
            "/api/v1/versions",
            &json!({"entry": "x.yaml", "files": {"y.yaml": "sansho: 1\n"}}),
        )
        .await;
    assert_eq!(status, 400);
    // Minutes refused for a wrong date leave no attachment behind (the attachment is recorded
    // with the minutes, in one transaction, or not at all).
    let minutes = format!("/api/v1/engagements/{}/minutes", demo.engagement);
    for held_on in ["2026-13-01", "昨日"] {
        let (status, body) = api
            .post(
                &minutes,
                &json!({"held_on": held_on, "attendees": "院長", "agenda": "議題", "decisions": "決定",
                        "attachments": [{"filename": "memo.txt", "content_base64": "bWVtbw=="}]}),
            )
            .await;
        assert_eq!(status, 400, "{held_on}: {body}");
    }
    // An attachment that is not base64 stops the minutes too.
    let (status, _) = api
        .post(
            &minutes,
            &json!({"held_on": "2026-11-20", "attendees": "院長", "agenda": "議題", "decisions": "決定",
                    "attachments": [{"filename": "a.txt", "content_base64": "bWVtbw=="}, {"filename": "b.txt", "content_base64": "%%%"}]}),
        )
        .await;
    assert_eq!(status, 400);
    let engagement = sansho_store::EngagementId::new(&demo.engagement);
    assert!(
        server
            .store()
            .attachments(&engagement)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(server.audit_head().await, before, "nothing was recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_model_gets_the_command_lines_diagnostics() {
    let server = Server::start(Backend::Sqlite, "bad-model").await;
    let demo = server.demo().await;
    let editor = login(&server.url, user(&demo, Role::ProviderEditor), 0).await;
    let api = Api::new(&server.url, &editor.token("publish").await);
    let before = server.audit_head().await;
    let mut bundle = support::example_bundle();
    let flows = bundle["files"]["flows-operation.yaml"]
        .as_str()
        .unwrap()
        .to_owned();
    // A flow that names a device nobody defined, and a YAML error in another file.
    let broken = flows.replacen("reception-terminal", "reception-termnal", 1);
    bundle["files"]["flows-operation.yaml"] = Value::String(broken.clone());
    let (status, body) = api.post("/api/v1/versions", &bundle).await;
    assert_eq!(status, 422, "{body}");
    let problems = body["error"]["problems"].as_array().unwrap();
    assert!(!problems.is_empty());

    // The same diagnostics the command line gives for the same files.
    let files: std::collections::BTreeMap<String, String> =
        serde_json::from_value(bundle["files"].clone()).unwrap();
    let provider = files.iter().fold(
        sansho_core::load::MemoryProvider::new(),
        |p, (path, text)| p.with(path, text.as_bytes().to_vec()),
    );
    let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
    let (sources, _, diagnostics) = sansho_core::assess(
        "sansho.yaml",
        &provider,
        kb,
        &sansho_core::load::Limits::default(),
    );
    let expected: Vec<(String, String, u32, u32)> = diagnostics
        .iter()
        .filter(|d| d.severity == sansho_core::Severity::Error)
        .map(|d| {
            let span = d.span.as_ref().unwrap();
            (
                d.code.as_str().to_owned(),
                sources.get(span.file).unwrap().path.clone(),
                span.line,
                span.column,
            )
        })
        .collect();
    let got: Vec<(String, String, u32, u32)> = problems
        .iter()
        .filter(|p| p["severity"] == "error")
        .map(|p| {
            (
                p["code"].as_str().unwrap().to_owned(),
                p["file"].as_str().unwrap().to_owned(),
                p["line"].as_u64().unwrap() as u32,
                p["column"].as_u64().unwrap() as u32,
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert!(
        got.iter()
            .any(|(_, file, line, _)| file == "flows-operation.yaml" && *line > 1),
        "{got:?}"
    );
    assert!(
        problems
            .iter()
            .all(|p| !p["message_ja"].as_str().unwrap().is_empty())
    );

    // A YAML syntax error: its place.
    bundle["files"]["flows-operation.yaml"] = Value::String(flows);
    bundle["files"]["decisions.yaml"] = Value::String("decisions:\n  - risk: [unclosed\n".into());
    let (status, body) = api.post("/api/v1/versions", &bundle).await;
    assert_eq!(status, 422);
    let first = &body["error"]["problems"][0];
    assert_eq!(first["file"], "decisions.yaml", "{body}");
    assert!(first["line"].as_u64().unwrap() >= 2);
    assert_eq!(server.audit_head().await, before, "nothing was recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_kept_as_typed_and_shown_inert() {
    let server = Server::start(Backend::Sqlite, "hostile").await;
    let demo = server.demo().await;
    let engagement = demo.engagement.clone();
    let reviewer = login(&server.url, user(&demo, Role::InstitutionReviewer), 0).await;
    let api = Api::new(&server.url, &reviewer.token("write").await);
    let (_, detail) = api.get(&format!("/api/v1/engagements/{engagement}")).await;
    let version = detail["shares"][0]["version"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let review = format!("/api/v1/engagements/{engagement}/versions/{version}");
    let (_, view) = api.get(&review).await;
    let item = view["items"][0]["key"].as_str().unwrap().to_owned();
    let position = view["items"][0]["position"].as_u64().unwrap();
    let hostile = "<script>document.title='pwned'</script><img src=x onerror=\"alert(1)\">\"'&{{ x }}\u{202e}";
    let (status, _) = api
        .post(
            &format!("{review}/reviews"),
            &json!({"item": item, "verdict": "discuss", "comment": hostile}),
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = api
        .post(
            &format!("{review}/messages"),
            &json!({"item": item, "body": hostile}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, messages) = api
        .get(&format!("/api/v1/engagements/{engagement}/messages"))
        .await;
    assert_eq!(messages[0]["body"], hostile, "kept exactly as typed");
    for path in [
        format!("/engagements/{engagement}/versions/{version}"),
        format!("/engagements/{engagement}/versions/{version}/items/{position}"),
    ] {
        let (status, page) = reviewer.page(&path).await;
        assert_eq!(status, 200);
        assert!(
            !page.contains("<script>document"),
            "{path} shows a live script"
        );
        assert!(!page.contains("<img src=x"), "{path} shows a live image");
        assert!(
            page.contains("&lt;script&gt;") || page.contains("&#60;script&#62;"),
            "{path} shows the text escaped"
        );
    }
    // Too long a text is refused with its limit.
    let (status, body) = api
        .post(
            &format!("{review}/messages"),
            &json!({"item": item, "body": "あ".repeat(20_001)}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_sessions_replayed_codes_and_forged_forms_are_refused() {
    let server = Server::start_with(Backend::Sqlite, "sessions", |c| {
        c.policy.login_burst = 10_000;
        c.policy.session_idle_seconds = 2;
    })
    .await;
    let demo = server.demo().await;
    let reviewer = user(&demo, Role::InstitutionReviewer);
    let session = login(&server.url, reviewer, 0).await;
    let (status, _) = session.page("/").await;
    assert_eq!(status, 200);

    // A form without the session's token, or posted from another site, is refused in Japanese.
    let r = session
        .client
        .post(format!("{}/account/password", server.url))
        .form(&[("current", "x"), ("new", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(
        r.text().await.unwrap().contains("フォーム"),
        "the page says what went wrong"
    );
    let r = session
        .client
        .post(format!("{}/account/password", server.url))
        .header("origin", "https://evil.example")
        .form(&[
            ("csrf", session.csrf.as_str()),
            ("current", "x"),
            ("new", "y"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = session
        .client
        .post(format!("{}/account/password", server.url))
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("csrf", session.csrf.as_str()),
            ("current", "x"),
            ("new", "y"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // Idle too long: the session has ended; the page sends the user to log in again.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let r = session.get("/").await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );

    // The code used for the first login cannot be used again.
    let client = browser();
    let r = support::password_step(&client, &server.url, &reviewer.email, &reviewer.password).await;
    assert_eq!(r.status().as_u16(), 303);
    let page = client
        .get(format!("{}/login/mfa", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let used = session.code_used.clone();
    let r = client
        .post(format!("{}/login/mfa", server.url))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("next", "/"),
            ("code", used.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(r.status().as_u16(), 303, "a replayed code does not log in");
    let text = r.text().await.unwrap();
    assert!(
        text.contains("コード"),
        "the page says the code was not accepted"
    );
    let r = client.get(format!("{}/", server.url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303, "still not logged in");
    // The next code works.
    let next = support::code(reviewer, 1);
    let r = client
        .post(format!("{}/login/mfa", server.url))
        .form(&[
            ("csrf", csrf_of(&text).as_str()),
            ("next", "/"),
            ("code", next.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_guessing_locks_the_account_and_fast_clients_are_slowed() {
    let server = Server::start_with(Backend::Sqlite, "lockout", |c| {
        c.policy.login_burst = 10_000;
        c.policy.lockout_after = 5;
    })
    .await;
    let demo = server.demo().await;
    let victim = user(&demo, Role::InstitutionSignatory);
    let client = browser();
    let attempt = |password: String| {
        let client = client.clone();
        let url = server.url.clone();
        let email = victim.email.clone();
        async move {
            let r = support::password_step(&client, &url, email.as_str(), password.as_str()).await;
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    for i in 0..5 {
        let (status, page) = attempt(format!("wrong-password-{i}")).await;
        assert_eq!(status, 400);
        assert!(
            page.contains("メールアドレスまたはパスワード"),
            "the same message whether the address exists or not"
        );
    }
    let (status, page) = attempt(victim.password.clone()).await;
    assert_ne!(
        status, 303,
        "locked: the right password does not log in now"
    );
    assert!(
        page.contains("ロック") || page.contains("しばらく"),
        "{page}"
    );
    // Knowing the password does not open endless guessing of the second factor: a right
    // password does not reset the count; wrong codes add to it.
    let other = user(&demo, Role::InstitutionReviewer);
    let client2 = browser();
    for round in 0..5 {
        let r = support::password_step(
            &client2,
            &server.url,
            other.email.as_str(),
            other.password.as_str(),
        )
        .await;
        assert_eq!(
            r.status().as_u16(),
            303,
            "round {round}: the password is right"
        );
        let page = client2
            .get(format!("{}/login/mfa", server.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let r = client2
            .post(format!("{}/login/mfa", server.url))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("next", "/"),
                ("code", support::wrong_code(other).as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400);
    }
    let r = support::password_step(
        &client2,
        &server.url,
        other.email.as_str(),
        other.password.as_str(),
    )
    .await;
    assert_ne!(
        r.status().as_u16(),
        303,
        "five wrong codes lock the account even with the right password"
    );

    let actions: Vec<String> = sansho_server::service::export::audit(&server.state)
        .await
        .unwrap()
        .entries
        .iter()
        .map(|e| e.action.clone())
        .collect();
    assert!(
        actions.iter().any(|a| a == "login.locked"),
        "the lockout is in the audit log"
    );
    // An unknown address answers the same way (no account enumeration).
    let r = support::password_step(
        &client,
        &server.url,
        "nobody@nowhere.example",
        "whatever-123",
    )
    .await;
    assert_eq!(r.status().as_u16(), 400);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("メールアドレスまたはパスワード")
    );

    // Per-address rate limit.
    let limited = Server::start_with(Backend::Sqlite, "ratelimit", |c| {
        c.policy.login_burst = 3;
        c.policy.login_replenish_seconds = 600;
    })
    .await;
    let client = browser();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = support::password_step(&client, &limited.url, "a@b.example", "x").await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [400, 400, 400, 429, 429]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_exactly_the_api_routes() {
    let server = Server::start(Backend::Sqlite, "openapi").await;
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    documented.sort();
    let mut routed: Vec<(String, String)> = sansho_server::routes::table()
        .into_iter()
        .filter(|(r, _)| r.is_api())
        .map(|(r, _)| (r.method.to_string(), r.path.to_owned()))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    // Every schema a route names is in the document.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for (route, _) in sansho_server::routes::table() {
        for schema in route.body.iter().chain(route.reply.iter()) {
            let schema = schema.trim_end_matches("[]");
            assert!(
                schemas.contains_key(schema),
                "{} names {schema}, which the document lacks",
                route.path
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_answer_in_japanese_and_english_on_request() {
    let server = Server::start(Backend::Sqlite, "notfound").await;
    let r = reqwest::get(format!("{}/no/such/page", server.url))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let page = r.text().await.unwrap();
    assert!(page.contains("見つかりません"), "{page}");
    let r = reqwest::get(format!("{}/no/such/page?lang=en", server.url))
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("no such page"));
    let r = reqwest::get(format!("{}/api/v1/nothing", server.url))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_factor_cannot_be_replaced_with_the_password_alone() {
    let server = Server::start(Backend::Sqlite, "replace-mfa").await;
    let demo = server.demo().await;
    let victim = user(&demo, Role::InstitutionSignatory);
    let record = server
        .store()
        .user_by_email(&victim.email)
        .await
        .unwrap()
        .unwrap();
    // Even a genuine enrolment offer for this very user, with a right code for it, is refused
    // once the user has a second factor.
    let offer = sansho_server::service::accounts::offer_enrolment(&server.state, &record);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = sansho_server::auth::totp::code_now_base32_at(&offer.base32, now).unwrap();
    let client = browser();
    let r = support::password_step(
        &client,
        &server.url,
        victim.email.as_str(),
        victim.password.as_str(),
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let page = client
        .get(format!("{}/login/mfa", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = client
        .post(format!("{}/login/mfa", server.url))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("next", "/"),
            ("sealed", offer.sealed.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    assert!(r.text().await.unwrap().contains("すでに設定されています"));
    let r = client.get(format!("{}/", server.url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303, "not logged in");
    let after = server
        .store()
        .user_by_email(&victim.email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.totp_secret, record.totp_secret,
        "the second factor is unchanged"
    );

    // An offer sealed for one user is worthless to another.
    let other = server
        .store()
        .user_by_email(&user(&demo, Role::Auditor).email)
        .await
        .unwrap()
        .unwrap();
    assert!(
        sansho_server::service::accounts::unseal_for(&server.state, &other, &offer.sealed)
            .is_none()
    );
}

/// Reads what the server sends until it closes the connection (or 10 s pass).
async fn until_closed(stream: &mut tokio::net::TcpStream) -> (String, std::time::Duration) {
    use tokio::io::AsyncReadExt as _;
    let started = std::time::Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buffer))
            .await
        {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => panic!("the server still holds the connection after 10 s"),
        }
    }
    (
        String::from_utf8_lossy(&received).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off() {
    use tokio::io::AsyncWriteExt as _;
    let server = Server::start_with(Backend::Sqlite, "slow", |c| {
        c.limits.header_read = std::time::Duration::from_secs(1);
        c.limits.request = std::time::Duration::from_secs(2);
    })
    .await;
    let address = server.url.trim_start_matches("http://").to_owned();

    // Headers never finished (slowloris): the connection is closed once `header_read` passes.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"GET /login HTTP/1.1\r\nHost: sansho\r\n")
        .await
        .unwrap();
    let (_, took) = until_closed(&mut stream).await;
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");

    // A body sent slowly: answered 408, in Japanese, once `request` passes; nothing recorded.
    let before = server.audit_head().await;
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: sansho\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=",
        )
        .await
        .unwrap();
    let (answer, took) = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("2 秒以内に終わりませんでした"), "{answer}");
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    assert_eq!(server.audit_head().await, before);

    // The server goes on answering everyone else.
    let r = reqwest::get(format!("{}/login", server.url)).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

/// Attachment names and declared types are not trusted: a path keeps only its last component,
/// names that would show differently from what is saved are refused, a long name keeps its
/// extension, and a declared type never decides how the file is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachment_names_and_types_cannot_trick_a_reader() {
    let server = Server::start(Backend::Sqlite, "attachment-names").await;
    let demo = server.demo().await;
    let editor = login(&server.url, user(&demo, Role::ProviderEditor), 0).await;
    let api = Api::new(&server.url, &editor.token("write").await);
    let minutes = format!("/api/v1/engagements/{}/minutes", demo.engagement);
    let engagement = sansho_store::EngagementId::new(&demo.engagement);
    let with = |filename: &str, media_type: &str| {
        json!({"held_on": "2026-11-20", "attendees": "院長", "agenda": "議題", "decisions": "決定",
               "attachments": [{"filename": filename, "media_type": media_type,
                                "content_base64": "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="}]})
    };

    // Refused, and nothing recorded: names with nothing left, line breaks or header injection,
    // and invisible or direction-changing characters.
    let before = server.audit_head().await;
    for (name, says) in [
        ("../", "名前がありません"),
        ("..", "名前がありません"),
        ("C:\\Users\\", "名前がありません"),
        (" . ", "名前がありません"),
        ("a\r\nSet-Cookie: x=1.txt", "改行"),
        ("a\u{7}b.txt", "制御文字"),
        ("a\nb.txt", "改行"),
        ("invoice\u{202E}fdp.exe", "U+202E"),
        ("report\u{200B}.pdf", "U+200B"),
        ("\u{2067}payroll.pdf", "U+2067"),
        ("soft\u{AD}hyphen.pdf", "U+00AD"),
        ("tag\u{E0041}.pdf", "U+E0041"),
        ("line\u{2028}separator.pdf", "改行"),
    ] {
        let (status, body) = api.post(&minutes, &with(name, "text/plain")).await;
        assert_eq!(status, 400, "{name:?}: {body}");
        let message = body["error"]["message_ja"].as_str().unwrap();
        assert!(message.contains(says), "{name:?}: {message}");
    }
    assert_eq!(server.audit_head().await, before, "nothing was recorded");
    assert!(
        server
            .store()
            .attachments(&engagement)
            .await
            .unwrap()
            .is_empty()
    );

    // Kept, under a name that is only a name, and with only a plain declared type.
    let long = format!("{}.pdf", "議".repeat(300));
    for (name, declared, kept_name, kept_type) in [
        (
            "../../etc/passwd.txt",
            "text/plain",
            "passwd.txt".to_owned(),
            "text/plain",
        ),
        (
            "C:\\Users\\me\\議事録.pdf",
            "application/pdf",
            "議事録.pdf".into(),
            "application/pdf",
        ),
        (
            "notes.txt. . ",
            "TEXT/HTML; charset=utf-8",
            "notes.txt".into(),
            "text/html",
        ),
        (
            "page.html",
            "text/html\r\nX-Injected: 1",
            "page.html".into(),
            "application/octet-stream",
        ),
        (
            "image.svg",
            "image/svg+xml<script>",
            "image.svg".into(),
            "application/octet-stream",
        ),
        (
            &long,
            "application/pdf",
            format!("{}.pdf", "議".repeat(196)),
            "application/pdf",
        ),
    ] {
        let (status, body) = api.post(&minutes, &with(name, declared)).await;
        assert_eq!(status, 201, "{name:?}: {body}");
        let stored = server.store().attachments(&engagement).await.unwrap();
        let a = stored.last().unwrap();
        assert_eq!(a.filename, kept_name, "{name:?}");
        assert_eq!(a.media_type, kept_type, "{declared:?}");
        // Served as a download of bytes, whatever the name or the declared type says.
        let r = editor
            .get(&format!(
                "/engagements/{}/attachments/{}",
                demo.engagement, a.id
            ))
            .await;
        assert_eq!(r.status().as_u16(), 200);
        let headers = r.headers();
        assert_eq!(headers["content-type"], "application/octet-stream");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename*=UTF-8''")
                && !disposition.contains('/')
                && !disposition.contains('\\'),
            "{disposition}"
        );
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
        assert_eq!(
            r.bytes().await.unwrap().as_ref(),
            b"<script>alert(1)</script>"
        );
    }
}

/// The token of the password step stops working when the second factor passes: the session
/// continues under a new token and CSRF token. A token planted in the browser before the login
/// (session fixation), or seen during the password step, is worth nothing afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_token_changes_when_the_second_factor_passes() {
    let server = Server::start(Backend::Sqlite, "fixation").await;
    let demo = server.demo().await;
    let reviewer = user(&demo, Role::InstitutionReviewer);
    // A client that keeps no cookies: every cookie is sent by hand, as an attacker would plant it.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let set_cookie = |r: &reqwest::Response, name: &str| -> Option<String> {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
    };
    let planted = "sansho_session=s_planted-by-an-attacker";
    let r = client
        .get(format!("{}/login", server.url))
        .header("cookie", planted)
        .send()
        .await
        .unwrap();
    let prelogin = set_cookie(&r, "sansho_csrf").unwrap();
    let page = r.text().await.unwrap();
    let r = client
        .post(format!("{}/login", server.url))
        .header("cookie", format!("{planted}; sansho_csrf={prelogin}"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("next", "/"),
            ("email", reviewer.email.as_str()),
            ("password", reviewer.password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let waiting = set_cookie(&r, "sansho_session").expect("the password step sets a session");
    assert_ne!(
        format!("sansho_session={waiting}"),
        planted,
        "a planted token is never adopted"
    );
    let waiting_cookie = format!("sansho_session={waiting}");
    let page = client
        .get(format!("{}/login/mfa", server.url))
        .header("cookie", &waiting_cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = client
        .post(format!("{}/login/mfa", server.url))
        .header("cookie", &waiting_cookie)
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("next", "/"),
            ("code", support::code(reviewer, 0).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let complete = set_cookie(&r, "sansho_session").expect("the second factor sets a new session");
    assert_ne!(
        complete, waiting,
        "the token changes with the second factor"
    );
    let home = |cookie: String| {
        let client = client.clone();
        let url = format!("{}/", server.url);
        async move {
            client
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(home(format!("sansho_session={complete}")).await, 200);
    assert_eq!(
        home(waiting_cookie).await,
        303,
        "the password step's token leads back to the login"
    );
    assert_eq!(home(planted.to_owned()).await, 303);
}
