//! Properties of every request body. For every POST route of the router, pages and API alike,
//! proptest makes bodies: the fields the route takes with wrong, hostile, huge or missing values,
//! fields of other routes, wrong JSON types, multipart forms with tricky file names, and bytes
//! that are no format at all. Each is sent by a role the route allows, with ids that exist and a
//! valid CSRF token, so that it reaches the handler. Whatever the body:
//!
//! - the server answers, and never with a 5xx;
//! - a refused request (4xx) records nothing: the audit head does not move;
//! - at the end the record verifies against the server's key.
//!
//! A second test forges a request to every state-changing route: no token, another token,
//! another site.
//!
//! `SANSHO_BODY_CASES` sets the bodies per route (CI uses the default).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::Method;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sansho_server::routes::{self, Who};
use serde_json::{Map, Value, json};
use support::tenant::{ROLES, Tenant, fill, tenant, valid_body};
use support::{Backend, Server};

/// Routes whose success ends the caller's own session or credentials: a generated body that
/// happened to succeed would leave the rest of the run logged out, proving nothing.
const SESSION_ENDING: [&str; 3] = [
    "/logout",
    "/account/password",
    "/account/tokens/{token}/revoke",
];

/// Field names the forms and bodies of the server take, so that generated bodies hit real
/// fields more often than chance would.
const FIELD_NAMES: &[&str] = &[
    "revision",
    "item",
    "purpose",
    "destination",
    "out_on",
    "due_on",
    "name",
    "category",
    "location",
    "custodian",
    "information",
    "note",
    "decision",
    "kind",
    "text",
    "body",
    "cause",
    "measures",
    "verdict",
    "comment",
    "outcome",
    "role",
    "disabled",
    "email",
    "scope",
    "days",
    "version",
    "held_on",
    "attendees",
    "agenda",
    "decisions",
    "items",
    "confirm",
    "institution",
    "new_institution",
    "contract_form",
    "system",
    "entry",
    "files",
    "attachments",
    "filename",
    "media_type",
    "content_base64",
    "period_from",
    "period_to",
    "method",
    "disposer",
    "lines",
    "patient",
    "explained",
    "consent",
    "scheduled_on",
    "counted",
    "missing",
    "line",
    "evidence",
    "severity",
    "occurred_at",
    "engagements",
    "credential",
    "response",
];

fn hostile_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[a-z0-9 ._-]{0,12}",
        1 => Just(String::new()),
        1 => Just("<script>alert(1)</script><img src=x onerror=alert(2)>".to_owned()),
        1 => Just("../../../etc/passwd".to_owned()),
        1 => Just("C:\\Windows\\win.ini".to_owned()),
        1 => Just("report\u{202E}fdp.exe".to_owned()),
        1 => Just("a\r\nSet-Cookie: x=1".to_owned()),
        1 => Just("\u{0}\u{7}\u{1b}[31m".to_owned()),
        1 => Just("'; DROP TABLE audit; --".to_owned()),
        1 => Just("{{7*7}}${7*7}".to_owned()),
        1 => Just("2026-02-30".to_owned()),
        1 => Just("9999-12-31".to_owned()),
        1 => Just("-1".to_owned()),
        1 => Just("18446744073709551616".to_owned()),
        1 => Just("1e309".to_owned()),
        1 => Just("approve".to_owned()),
        1 => Just("agree".to_owned()),
        1 => Just("true".to_owned()),
        1 => Just("on".to_owned()),
        1 => Just("医".repeat(20_000)),
        1 => Just("x".repeat(300_000)),
    ]
    .boxed()
}

fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        Just(json!(u64::MAX)),
        hostile_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
    .boxed()
}

fn field_name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(FIELD_NAMES).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
    .boxed()
}

/// A generated body, and how it is sent.
#[derive(Debug, Clone)]
enum Body {
    Json(Value),
    Form(Vec<(String, String)>),
    /// Text fields and one file part: (field name, file name, declared type, bytes).
    Multipart(Vec<(String, String)>, (String, String, String, Vec<u8>)),
    Raw(String, Vec<u8>),
}

/// Bodies for a route whose valid body is `valid` (JSON) or `fields` (a form).
fn bodies(valid: Value, fields: Vec<(String, String)>, api: bool) -> BoxedStrategy<Body> {
    let raw = (
        prop::sample::select(vec![
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/plain",
            "application/xml",
        ]),
        prop::collection::vec(any::<u8>(), 0..256),
    )
        .prop_map(|(t, b)| Body::Raw(t.to_owned(), b));
    if api {
        let valid_object = valid.as_object().cloned().unwrap_or_default();
        let mutated = (
            prop::collection::vec((field_name(), any_json()), 0..4),
            prop::collection::vec(any::<bool>(), valid_object.len()),
        )
            .prop_map(move |(changes, keep)| {
                let mut body: Map<String, Value> = valid_object
                    .iter()
                    .zip(keep)
                    .filter(|(_, k)| *k)
                    .map(|((k, v), _)| (k.clone(), v.clone()))
                    .collect();
                for (k, v) in changes {
                    body.insert(k, v);
                }
                Body::Json(Value::Object(body))
            });
        prop_oneof![
            6 => mutated,
            2 => any_json().prop_map(Body::Json),
            1 => raw,
        ]
        .boxed()
    } else {
        let valid_fields = fields.clone();
        let mutated = (
            prop::collection::vec((field_name(), hostile_text()), 0..5),
            prop::collection::vec(any::<bool>(), valid_fields.len()),
        )
            .prop_map(move |(changes, keep)| {
                let mut form: Vec<(String, String)> = valid_fields
                    .iter()
                    .zip(keep)
                    .filter(|(_, k)| *k)
                    .map(|(f, _)| f.clone())
                    .collect();
                form.extend(changes);
                form
            });
        let file = (
            prop_oneof![Just("attachment".to_owned()), field_name()],
            hostile_text(),
            prop_oneof![
                Just("application/pdf".to_owned()),
                Just("text/html".to_owned()),
                Just("image/svg+xml".to_owned()),
                hostile_text(),
            ],
            prop_oneof![
                Just(b"%PDF-1.4\n<script>alert(1)</script>".to_vec()),
                Just(b"\x89PNG\r\n\x1a\n".to_vec()),
                prop::collection::vec(any::<u8>(), 0..512),
            ],
        );
        prop_oneof![
            6 => mutated.clone().prop_map(Body::Form),
            2 => (mutated, file).prop_map(|(form, file)| Body::Multipart(form, file)),
            1 => raw,
        ]
        .boxed()
    }
}

/// A multipart body by hand. A generated part that happened to hold the boundary would only make
/// the body malformed, which is one more hostile body the server must refuse.
fn multipart(
    csrf: Option<&str>,
    fields: &[(String, String)],
    file: &(String, String, String, Vec<u8>),
) -> (String, Vec<u8>) {
    let boundary = "sansho-property-boundary-7f3a9c";
    let mut out = Vec::new();
    let quoted = |s: &str| s.replace(['"', '\r', '\n'], "_");
    let mut part = |headers: String, content: &[u8]| {
        out.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        out.extend_from_slice(content);
        out.extend_from_slice(b"\r\n");
    };
    if let Some(csrf) = csrf {
        part(
            "Content-Disposition: form-data; name=\"csrf\"".to_owned(),
            csrf.as_bytes(),
        );
    }
    for (k, v) in fields {
        part(
            format!("Content-Disposition: form-data; name=\"{}\"", quoted(k)),
            v.as_bytes(),
        );
    }
    let (name, filename, media_type, bytes) = file;
    part(
        format!(
            "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}",
            quoted(name),
            quoted(filename),
            quoted(media_type)
        ),
        bytes,
    );
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}

async fn send(tenant: &Tenant, role: &str, path: &str, api: bool, body: &Body) -> u16 {
    let (client, url, mut request);
    if api {
        let a = &tenant.apis[role];
        client = &a.client;
        url = format!("{}{path}", a.base);
        request = client.post(&url).bearer_auth(&a.token);
    } else {
        let s = &tenant.sessions[role];
        client = &s.client;
        url = format!("{}{path}", s.base);
        request = client.post(&url).header("x-csrf-token", &s.csrf);
    }
    let csrf = tenant.sessions[role].csrf.clone();
    request = match body {
        Body::Json(v) => request.json(v),
        Body::Form(fields) => {
            let mut all = vec![("csrf".to_owned(), csrf)];
            all.extend(fields.iter().cloned());
            request.form(&all)
        }
        Body::Multipart(fields, file) => {
            let (content_type, bytes) = multipart(Some(&csrf), fields, file);
            request.header("content-type", content_type).body(bytes)
        }
        Body::Raw(content_type, bytes) => request
            .header("content-type", content_type.as_str())
            .body(bytes.clone()),
    };
    let response = tokio::time::timeout(std::time::Duration::from_secs(60), request.send())
        .await
        .unwrap_or_else(|_| panic!("no answer within 60 s to POST {path} with {body:?}"))
        .unwrap_or_else(|e| panic!("no answer to POST {path} ({e:?}) with {body:?}"));
    response.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_body_breaks_the_server_or_half_records() {
    let cases: u32 = std::env::var("SANSHO_BODY_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(24);
    let server = Server::start(Backend::Sqlite, "request-bodies").await;
    let demo = server.demo().await;
    let tenant = tenant(&server, demo, ("メディクラウド", "ひので内科")).await;
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let mut sent = 0u32;
    let mut accepted = 0u32;
    // Routes that change people go last: a body that disabled a user or changed a role would
    // otherwise leave later routes answering 401 or 403 to everything, proving nothing.
    let mut table = routes::table();
    table.sort_by_key(|(route, _)| route.path.starts_with("/users/"));
    for (route, _) in table {
        if route.method != Method::POST || SESSION_ENDING.contains(&route.path) {
            continue;
        }
        let Who::Roles(allowed) = route.who else {
            continue;
        };
        let Some(role) = ROLES.iter().find(|r| allowed.contains(r)) else {
            continue;
        };
        let role = role.as_str();
        let ids = &tenant.params[role];
        let path = fill(route.path, ids);
        let api = route.is_api();
        let (valid, fields) = valid_body(route.path, ids);
        let fields: Vec<(String, String)> =
            fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let strategy = bodies(valid, fields, api);
        let mut reached = false;
        for _ in 0..cases {
            let body = strategy.new_tree(&mut runner).unwrap().current();
            let before = server.audit_head().await;
            let status = send(&tenant, role, &path, api, &body).await;
            sent += 1;
            assert!(
                status < 500,
                "POST {path} as {role} answered {status} to {body:?}"
            );
            if status >= 400 {
                assert_eq!(
                    server.audit_head().await,
                    before,
                    "POST {path} as {role} was refused ({status}) yet recorded something: {body:?}"
                );
            } else {
                accepted += 1;
            }
            reached |= !matches!(status, 401 | 403);
        }
        assert!(
            reached,
            "POST {path} as {role}: every body was refused for access, none reached the handler"
        );
    }
    server.assert_record_verifies().await;
    println!("{sent} bodies sent, {accepted} accepted, the rest refused with 4xx");
    assert!(sent > 0 && accepted < sent);
}

/// CSRF on every state-changing page route, generated from the router: with a logged-in
/// session of a role the route allows (none for the login's own routes) and a body that would
/// otherwise pass, a request without the token, with another token, or sent from another site
/// is refused with 403 and records nothing. The API takes no cookies: a session cookie without
/// a bearer token is 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_changing_route_refuses_a_forged_request() {
    let server = Server::start(Backend::Sqlite, "forged-requests").await;
    let demo = server.demo().await;
    let tenant = tenant(&server, demo, ("メディクラウド", "ひので内科")).await;
    let mut checked = 0;
    for (route, _) in routes::table() {
        if route.method != Method::POST {
            continue;
        }
        // Routes before the login (or during it) are sent with no session at all: they take
        // the pre-login double-submit token, which a forger does not have either.
        let role = match route.who {
            Who::Roles(allowed) => ROLES.iter().find(|r| allowed.contains(r)).copied(),
            Who::Public | Who::LoggingIn => None,
        };
        let ids = &tenant.params[role.unwrap_or(ROLES[0]).as_str()];
        let path = fill(route.path, ids);
        let stranger = support::Session {
            client: support::browser(),
            base: server.url.clone(),
            csrf: String::new(),
            code_used: String::new(),
        };
        if matches!(route.who, Who::LoggingIn) {
            // Someone between the password and the second factor: the forger aims at that.
            let auditor = support::user(&tenant.demo, sansho_store::records::Role::Auditor);
            let r = support::password_step(
                &stranger.client,
                &server.url,
                &auditor.email,
                &auditor.password,
            )
            .await;
            assert_eq!(r.status().as_u16(), 303);
        }
        let session = match role {
            Some(role) => &tenant.sessions[role.as_str()],
            None => &stranger,
        };
        let url = format!("{}{path}", session.base);
        let (json_body, fields) = valid_body(route.path, ids);
        let before = server.audit_head().await;
        if route.is_api() {
            let r = session
                .client
                .post(&url)
                .json(&json_body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 401, "POST {path} with a cookie only");
        } else {
            // Forms come urlencoded, or multipart when they carry a file: both are tried, and
            // the one the route reads must be refused as forged (the other is refused as
            // unreadable).
            let owned: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            let file = (
                "attachment".to_owned(),
                "memo.txt".to_owned(),
                "text/plain".to_owned(),
                b"memo".to_vec(),
            );
            let encoded = |csrf: Option<&str>| -> [(String, Vec<u8>); 2] {
                let mut all: Vec<(&str, &str)> = csrf.map(|c| ("csrf", c)).into_iter().collect();
                all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                [
                    (
                        "application/x-www-form-urlencoded".to_owned(),
                        serde_urlencoded::to_string(all).unwrap().into_bytes(),
                    ),
                    multipart(csrf, &owned, &file),
                ]
            };
            let attempts = [
                ("no token", encoded(None), None),
                ("another token", encoded(Some("0123456789abcdef")), None),
                (
                    "another site",
                    encoded(Some(&session.csrf)),
                    Some("cross-site"),
                ),
            ];
            for (what, bodies, site) in attempts {
                let mut statuses = Vec::new();
                for (content_type, body) in bodies {
                    let mut request = session
                        .client
                        .post(&url)
                        .header("content-type", content_type)
                        .body(body);
                    if let Some(site) = site {
                        request = request
                            .header("sec-fetch-site", site)
                            .header("x-csrf-token", &session.csrf);
                    }
                    statuses.push(request.send().await.unwrap().status().as_u16());
                }
                assert!(
                    statuses.contains(&403) && statuses.iter().all(|s| (400..500).contains(s)),
                    "POST {path} with {what}: {statuses:?}"
                );
            }
        }
        assert_eq!(
            server.audit_head().await,
            before,
            "POST {path}: nothing recorded"
        );
        checked += 1;
    }
    assert!(checked > 40, "{checked} routes checked");
}
