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

use std::collections::BTreeSet;

use axum::http::Method;
use sansho_server::demo::TenantNames;
use sansho_server::routes::{self, Who};
use sansho_store::records::Role;
use support::tenant::{ROLES, call, fill, params_of, tenant};
use support::{Backend, Server, user};

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
