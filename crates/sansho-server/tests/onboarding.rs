//! A new institution from nothing: the provider's manager opens an engagement under a standard
//! form contract (約款), invites the clinic's director, who sets a password, enrols TOTP (and is
//! shown recovery codes once), must acknowledge the explicitly stated risks before agreeing,
//! and later logs in with a recovery code when the phone is lost. Both backends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use sansho_store::records::Role;
use serde_json::json;
use support::{Api, Backend, Server, browser, csrf_of, login, text_of, user};

async fn onboarding(backend: Backend) {
    let server = Server::start(backend, "onboarding").await;
    let demo = server.demo().await;
    let base = server.url.clone();
    let manager = login(&base, user(&demo, Role::ProviderApprover), 0).await;
    let manager_api = Api::new(&base, &manager.token("write").await);

    // A second clinic, under 約款.
    let (_, systems) = manager_api.get("/api/v1/systems").await;
    let system = systems[0]["id"].as_str().unwrap().to_owned();
    let (status, created) = manager_api
        .post("/api/v1/engagements", &json!({"system": system, "new_institution": "さくら眼科 (約款)", "contract_form": "yakkan"}))
        .await;
    assert_eq!(status, 201, "{created}");
    let engagement = created["id"].as_str().unwrap().to_owned();
    let version = systems[0]["versions"][0]["id"].as_str().unwrap().to_owned();
    let (status, shared) = manager_api
        .post(
            &format!("/api/v1/engagements/{engagement}/shares"),
            &json!({"version": version}),
        )
        .await;
    assert_eq!(status, 201, "{shared}");
    let institution = server
        .store()
        .engagement(&sansho_store::EngagementId::new(engagement.clone()))
        .await
        .unwrap()
        .unwrap()
        .institution;

    // The manager invites the clinic's director; the link is shown once, to be handed over.
    let (_, page) = manager.page("/organization").await;
    assert!(
        page.contains("さくら眼科 (約款)"),
        "the new institution is a place to invite to"
    );
    let r = manager
        .post(
            "/organization/invitations",
            &[
                ("org", institution.as_str()),
                ("role", "institution_signatory"),
                ("email", "director@sakura-eye.example"),
                ("name", "さくら眼科 院長"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let link =
        text_of(&r.text().await.unwrap(), "invite-link").expect("the invitation link is shown");
    assert!(link.starts_with(&format!("{base}/invitations/")), "{link}");

    // The director accepts: a weak password is refused with the rules it breaks.
    let director = browser();
    let page = director
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("さくら眼科 院長"));
    let r = director
        .post(&link)
        .form(&[("csrf", csrf_of(&page).as_str()), ("password", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("文字以上"), "the policy is explained");
    let password = "Sakura-Eye-2026-kanri";
    let r = director
        .post(&link)
        .form(&[("csrf", csrf_of(&page).as_str()), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    // MFA is mandatory: the first login enrols TOTP before anything else is reachable.
    let r = director.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303, "nothing before the second factor");
    let page = director
        .get(format!("{base}/login/mfa"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = text_of(&page, "totp-secret").expect("the secret to type into an app");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = sansho_server::auth::totp::code_now_base32_at(&secret, now).unwrap();
    let sealed = page
        .split("name=\"sealed\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = director
        .post(format!("{base}/login/mfa"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("next", "/"),
            ("sealed", sealed.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once");
    let page = director
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("さくら眼科 (約款)"));
    assert!(
        !page.contains("ひので内科クリニック"),
        "the other clinic is not seen"
    );

    // Under 約款, agreeing needs the stated risks acknowledged first.
    let session = support::Session {
        client: director.clone(),
        base: base.clone(),
        csrf: csrf_of(&page),
        code_used: code.clone(),
    };
    let api = Api::new(&base, &session.token("write").await);
    let review = format!("/api/v1/engagements/{engagement}/versions/{version}");
    let (_, view) = api.get(&review).await;
    for item in view["items"].as_array().unwrap() {
        let (status, _) = api
            .post(
                &format!("{review}/reviews"),
                &json!({"item": item["key"], "verdict": "agree"}),
            )
            .await;
        assert_eq!(status, 204);
    }
    let (status, body) = api
        .post(&format!("{review}/agreement"), &json!({"confirm": true}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .unwrap()
            .contains("約款"),
        "{body}"
    );
    let (status, _) = api
        .post(&format!("{review}/acknowledgement"), &json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, body) = api
        .post(&format!("{review}/agreement"), &json!({"confirm": true}))
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, agreement) = api
        .get(&format!(
            "/api/v1/engagements/{engagement}/agreements/{}",
            body["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        agreement["statement"].as_str().unwrap().contains("約款"),
        "{agreement}"
    );

    // The phone is lost: a recovery code logs in once, and only once.
    for (attempt, expect) in [(0, 303), (1, 400)] {
        let client = browser();
        let r =
            support::password_step(&client, &base, "director@sakura-eye.example", password).await;
        assert_eq!(r.status().as_u16(), 303);
        let page = client
            .get(format!("{base}/login/mfa"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let r = client
            .post(format!("{base}/login/mfa"))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("next", "/"),
                ("code", codes[0].as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            expect,
            "recovery code attempt {attempt}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_clinic_under_yakkan_on_sqlite() {
    onboarding(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_clinic_under_yakkan_on_postgres() {
    onboarding(Backend::Postgres).await;
}
