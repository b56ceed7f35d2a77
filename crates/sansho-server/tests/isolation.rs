//! Tenant isolation as a matrix generated from the router: every route of
//! `sansho_server::routes::table()` × every role × own tenant, another tenant, and (for routes
//! with several ids) an own engagement with another tenant's inner id. Two providers, each with
//! its own clinic, share one server.
//!
//! - A role the route's table entry does not name gets 403, whatever the tenant.
//! - Another tenant's ids get 404 (their existence is not revealed), on pages and on the API.
//! - The own tenant's ids work: reads answer 200, writes are not refused for access reasons.
//! - No page or reply a user may read holds the other tenant's names or ids.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use axum::http::Method;
use sansho_server::demo::{Demo, TenantNames};
use sansho_server::routes::{self, Who};
use sansho_store::records::Role;
use sansho_store::{EngagementId, UserId, VersionId};
use serde_json::json;
use support::{Api, Backend, Server, Session, login, user};

const ROLES: [Role; 5] = [
    Role::ProviderEditor,
    Role::ProviderApprover,
    Role::InstitutionReviewer,
    Role::InstitutionSignatory,
    Role::Auditor,
];

/// The path parameters the matrix knows how to fill. A new route with another parameter fails
/// here until the matrix learns it.
const KNOWN_PARAMS: [&str; 10] = [
    "engagement",
    "version",
    "item",
    "file",
    "attachment",
    "agreement",
    "token",
    "user",
    "key",
    "record",
];

/// The routes anyone may call: a new public route must be added here on purpose.
const PUBLIC: [&str; 8] = [
    "/healthz",
    "/login",
    "/invitations/{token}",
    "/api/openapi.json",
    "/login/mfa",
    "/login/security-key/challenge",
    "/login/security-key",
    "/logout",
];

struct Tenant {
    demo: Demo,
    sessions: BTreeMap<&'static str, Session>,
    apis: BTreeMap<&'static str, Api>,
    /// Path parameter values, by role (`token` and `user` depend on who calls).
    params: BTreeMap<&'static str, BTreeMap<&'static str, String>>,
    /// Strings that only this tenant's pages may show.
    secrets: Vec<String>,
}

fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn tenant(server: &Server, demo: Demo, names: (&str, &str)) -> Tenant {
    let store = server.store();
    let mut sessions = BTreeMap::new();
    let mut apis = BTreeMap::new();
    for role in ROLES {
        let session = login(&server.url, user(&demo, role), 0).await;
        apis.insert(
            role.as_str(),
            Api::new(&server.url, &session.token("write").await),
        );
        sessions.insert(role.as_str(), session);
    }
    let engagement = demo.engagement.clone();
    let reviewer = &apis["institution_reviewer"];
    let (_, detail) = reviewer
        .get(&format!("/api/v1/engagements/{engagement}"))
        .await;
    let version = detail["shares"][0]["version"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let review = format!("/api/v1/engagements/{engagement}/versions/{version}");
    let (_, view) = reviewer.get(&review).await;
    let keys: Vec<String> = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_owned())
        .collect();
    for key in &keys {
        let (status, _) = reviewer
            .post(
                &format!("{review}/reviews"),
                &json!({"item": key, "verdict": "agree"}),
            )
            .await;
        assert_eq!(status, 204);
    }
    let (status, signed) = apis["institution_signatory"]
        .post(&format!("{review}/agreement"), &json!({"confirm": true}))
        .await;
    assert_eq!(status, 201, "{signed}");
    let (status, _) = apis["provider_editor"]
        .post(
            &format!("/api/v1/engagements/{engagement}/minutes"),
            &json!({"held_on": "2026-11-20", "attendees": "a", "agenda": "b", "decisions": "c",
                    "attachments": [{"filename": "memo.txt", "content_base64": "bWVtbw=="}]}),
        )
        .await;
    assert_eq!(status, 201);
    // The operation phase: the ledger made from the model, one take-out requested.
    let editor = &sessions["provider_editor"];
    let ops = format!("/engagements/{engagement}/operations");
    let r = editor.post(&format!("{ops}/ledger/seed"), &[]).await;
    assert_eq!(r.status().as_u16(), 303);
    let engagement_id = EngagementId::new(engagement.clone());
    // An item that may leave: encrypted, or without medical information.
    let item = store
        .op_records(&engagement_id)
        .await
        .unwrap()
        .into_iter()
        .find(|r| {
            matches!(&r.body, sansho_store::operations::OpBody::LedgerItem(i) if i.encrypted || !i.medical)
        })
        .unwrap()
        .id
        .to_string();
    let r = editor
        .post(
            &format!("{ops}/take-outs"),
            &[
                ("item", item.as_str()),
                ("purpose", "保守"),
                ("destination", "本社"),
                ("out_on", "2026-12-01"),
                ("due_on", "2026-12-02"),
            ],
        )
        .await;
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(status, 303, "{}", r.text().await.unwrap_or_default());
    let take_out = location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let attachment = store.attachments(&engagement_id).await.unwrap()[0]
        .id
        .to_string();
    let file = store
        .version_files(&VersionId::new(version.clone()))
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.path.ends_with(".html"))
        .unwrap()
        .path;
    let e = store.engagement(&engagement_id).await.unwrap().unwrap();
    let mut params = BTreeMap::new();
    for role in ROLES {
        let me = store
            .user_by_email(&user(&demo, role).email)
            .await
            .unwrap()
            .unwrap();
        let token = store.api_tokens_of(&me.id).await.unwrap()[0].id.to_string();
        // Someone else of the caller's own organisation.
        let colleague: UserId = store
            .users_of(&me.org)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.id != me.id)
            .unwrap()
            .id;
        let mut p = BTreeMap::new();
        p.insert("engagement", engagement.clone());
        p.insert("version", version.clone());
        p.insert("item", keys[0].clone());
        p.insert("item_position", view["items"][0]["position"].to_string());
        p.insert("file", file.clone());
        p.insert("attachment", attachment.clone());
        p.insert("agreement", signed["id"].as_str().unwrap().to_owned());
        p.insert("token", token);
        p.insert("user", colleague.to_string());
        // A security key of the caller's (registered in the store: a browser's ceremony is the
        // browser test's business).
        let key = format!("key-{}", me.id);
        let record = sansho_store::records::SecurityKey {
            user: me.id.clone(),
            id: key.clone(),
            name: "key".into(),
            credential: "{}".into(),
            created_at: sansho_store::Time::now(),
            last_used_at: None,
        };
        let event = sansho_store::Event {
            at: sansho_store::Time::now(),
            actor: Some(me.id.clone()),
            orgs: vec![me.org.clone()],
            action: "mfa.security_key_added".into(),
            details: json!({}),
            ip: "test".into(),
        };
        store
            .apply(sansho_store::Change::AddSecurityKey(record), event)
            .await
            .unwrap();
        p.insert("key", key);
        p.insert("record", take_out.clone());
        params.insert(role.as_str(), p);
    }
    let secrets = vec![
        names.0.to_owned(),
        names.1.to_owned(),
        engagement,
        version,
        e.institution.to_string(),
        e.provider.to_string(),
        attachment,
        take_out,
        item,
    ];
    Tenant {
        demo,
        sessions,
        apis,
        params,
        secrets,
    }
}

/// The path with its parameters; pages address an item by its number, the API by its key.
fn fill(path: &str, values: &BTreeMap<&'static str, String>) -> String {
    let api = path.starts_with("/api/");
    path.split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some("item") if !api => encode(&values["item_position"]),
                Some(name) => encode(&values[name]),
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn params_of(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// A body that passes validation, so that a request with another tenant's id reaches the
/// lookup that must refuse it (an empty body would be refused earlier, proving nothing).
fn valid_body(
    route: &str,
    ids: &BTreeMap<&'static str, String>,
) -> (serde_json::Value, Vec<(&'static str, String)>) {
    let tail = route.rsplit('/').next().unwrap_or("");
    match tail {
        "reviews" => (
            json!({"item": ids["item"], "verdict": "discuss", "comment": "x"}),
            vec![
                ("item", ids["item"].clone()),
                ("verdict", "discuss".into()),
                ("comment", "x".into()),
            ],
        ),
        "messages" => (
            json!({"item": ids["item"], "body": "x"}),
            vec![("item", ids["item"].clone()), ("body", "x".into())],
        ),
        "agreement" => (json!({"confirm": true}), vec![("confirm", "on".into())]),
        "role" => (json!({}), vec![("role", "auditor".into())]),
        "disabled" => (json!({}), vec![("disabled", "true".into())]),
        "shares" => (
            json!({"version": ids["version"]}),
            vec![("version", ids["version"].clone())],
        ),
        "decision" => (
            json!({}),
            vec![("revision", "1".into()), ("decision", "approve".into())],
        ),
        "out" | "count" | "close" | "acknowledgement" | "confirmation" | "seal" => {
            (json!({}), vec![("revision", "1".into())])
        }
        "steps" => (
            json!({}),
            vec![
                ("revision", "1".into()),
                ("kind", "note".into()),
                ("text", "x".into()),
            ],
        ),
        "disclosure" => (
            json!({}),
            vec![("revision", "1".into()), ("text", "x".into())],
        ),
        "delivery" => (
            json!({}),
            vec![("revision", "1".into()), ("body", "x".into())],
        ),
        "prevention" => (
            json!({}),
            vec![
                ("revision", "1".into()),
                ("cause", "x".into()),
                ("measures", "x".into()),
            ],
        ),
        "verdict" => (
            json!({}),
            vec![
                ("revision", "1".into()),
                ("verdict", "discuss".into()),
                ("comment", "x".into()),
            ],
        ),
        "return" => (
            json!({}),
            vec![("revision", "1".into()), ("outcome", "returned".into())],
        ),
        _ => (json!({}), Vec::new()),
    }
}

async fn call(
    tenant: &Tenant,
    role: Role,
    method: &Method,
    path: &str,
    route: &str,
    body: Option<&BTreeMap<&'static str, String>>,
) -> (u16, String) {
    let (json_body, form) = body
        .map(|ids| valid_body(route, ids))
        .unwrap_or_else(|| (json!({}), Vec::new()));
    if route.starts_with("/api/") {
        let a = &tenant.apis[role.as_str()];
        let request = if *method == Method::GET {
            a.client.get(format!("{}{path}", a.base))
        } else {
            a.client.post(format!("{}{path}", a.base)).json(&json_body)
        };
        let r = request.bearer_auth(&a.token).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    } else {
        let s = &tenant.sessions[role.as_str()];
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // Forms carry the token in a field, the pages' scripts in a header: both are sent.
        let r = if *method == Method::GET {
            s.get(path).await
        } else {
            let mut all: Vec<(&str, &str)> = vec![("csrf", s.csrf.as_str())];
            all.extend_from_slice(&fields);
            s.client
                .post(format!("{}{path}", s.base))
                .header("x-csrf-token", &s.csrf)
                .form(&all)
                .send()
                .await
                .unwrap()
        };
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }
}

async fn matrix(backend: Backend) {
    let server = Server::start(backend, "isolation").await;
    let names_a = (
        "メディクラウド株式会社 (デモ)",
        "ひので内科クリニック (デモ)",
    );
    let names_b = ("第二医療システム株式会社", "みなと小児科医院");
    let demo_a = server.demo().await;
    let demo_b = sansho_server::demo::tenant(
        &server.state,
        &TenantNames {
            provider: names_b.0,
            institution: names_b.1,
            domain: "second",
        },
    )
    .await
    .unwrap();
    let a = tenant(&server, demo_a, names_a).await;
    let b = tenant(&server, demo_b, names_b).await;
    assert_ne!(
        a.params["auditor"]["version"], b.params["auditor"]["version"],
        "the same files published by two providers are two versions"
    );

    let table = routes::table();
    let mut checked = 0usize;
    let mut failures: Vec<String> = Vec::new();
    // API routes first: the web routes include revoking the tokens the API calls use.
    let mut order: Vec<_> = table.iter().map(|(r, _)| r.clone()).collect();
    order.sort_by_key(|r| !r.is_api());
    for route in &order {
        for p in params_of(route.path) {
            assert!(
                KNOWN_PARAMS.contains(&p),
                "{} has a parameter {p} the matrix does not know",
                route.path
            );
        }
        let allowed: &[Role] = match route.who {
            Who::Public | Who::LoggingIn => {
                assert!(
                    PUBLIC.contains(&route.path),
                    "{} {} is open to anyone: add it to PUBLIC if that is meant",
                    route.method,
                    route.path
                );
                continue;
            }
            Who::Roles(roles) => roles,
        };
        let params = params_of(route.path);
        for role in ROLES {
            let own = &a.params[role.as_str()];
            let other = &b.params[role.as_str()];
            // Own ids with an empty body (access is decided before the body is read, and
            // nothing is changed); other ids with a valid body.
            let mut cases = vec![("own", fill(route.path, own), None)];
            if !params.is_empty() {
                cases.push(("other", fill(route.path, other), Some(other.clone())));
            }
            if params.len() >= 2 && params[0] == "engagement" {
                // The caller's own engagement with the other tenant's inner ids.
                let mut mixed = other.clone();
                mixed.insert("engagement", own["engagement"].clone());
                cases.push(("mixed", fill(route.path, &mixed), Some(mixed)));
            }
            for (case, path, body_ids) in cases {
                let (status, body) = call(
                    &a,
                    role,
                    &route.method,
                    &path,
                    route.path,
                    body_ids.as_ref(),
                )
                .await;
                checked += 1;
                let expected_ok = match (allowed.contains(&role), case) {
                    (false, _) => status == 403,
                    (true, "own") if route.method == Method::GET => status == 200,
                    (true, "own") => !matches!(status, 401 | 403 | 404),
                    (true, _) => status == 404,
                };
                if !expected_ok {
                    failures.push(format!(
                        "{} {} as {} ({case}): {status}",
                        route.method,
                        path,
                        role.as_str()
                    ));
                }
                if status == 200 {
                    for secret in &b.secrets {
                        if body.contains(secret.as_str()) {
                            failures.push(format!(
                                "{} {} as {} ({case}) shows the other tenant's {secret}",
                                route.method,
                                path,
                                role.as_str()
                            ));
                        }
                    }
                }
            }
        }
        // The API takes bearer tokens only: a logged-in browser's cookie does not open it.
        if route.is_api() {
            let path = fill(route.path, &a.params["auditor"]);
            let s = &a.sessions["auditor"];
            let r = if route.method == Method::GET {
                s.get(&path).await
            } else {
                s.post(&path, &[]).await
            };
            if r.status().as_u16() != 401 {
                failures.push(format!(
                    "{} {path} with a session cookie: {}",
                    route.method,
                    r.status()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 300, "{checked} checks");
    // Both tenants' records are intact and apart.
    let seen: BTreeSet<String> = server
        .store()
        .engagements_of(
            &server
                .store()
                .user_by_email(&user(&a.demo, Role::Auditor).email)
                .await
                .unwrap()
                .unwrap()
                .org,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id.to_string())
        .collect();
    assert_eq!(seen, BTreeSet::from([a.demo.engagement.clone()]));
    assert!(b.demo.engagement != a.demo.engagement);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_every_role_own_and_other_tenant_on_sqlite() {
    matrix(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_every_role_own_and_other_tenant_on_postgres() {
    matrix(Backend::Postgres).await;
}
