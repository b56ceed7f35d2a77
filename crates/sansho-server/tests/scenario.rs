//! The whole relationship, over HTTP, on both backends: the provider publishes, the institution
//! reviews, asks, records minutes and agrees, the provider countersigns; a changed model brings
//! back only what changed; an edit that changes nothing carries the agreement; the record
//! verifies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use sansho_store::records::Role;
use serde_json::{Value, json};
use support::{Api, Backend, Server, login, user};

fn items(view: &Value) -> &Vec<Value> {
    view["items"].as_array().expect("items")
}

fn pending(view: &Value) -> Vec<String> {
    items(view)
        .iter()
        .filter(|i| i["state"]["state"] != "carried")
        .map(|i| i["key"].as_str().unwrap().to_owned())
        .collect()
}

async fn agree_all(api: &Api, path: &str, keys: &[String]) {
    for key in keys {
        let (status, body) = api
            .post(
                &format!("{path}/reviews"),
                &json!({"item": key, "verdict": "agree"}),
            )
            .await;
        assert_eq!(status, 204, "{key}: {body}");
    }
}

async fn the_whole_story(backend: Backend) {
    let server = Server::start(backend, "story").await;
    let demo = server.demo().await;
    let base = server.url.clone();
    let engagement = demo.engagement.clone();

    // Everyone logs in with password and TOTP, and makes an API token on the account page.
    let reviewer = login(&base, user(&demo, Role::InstitutionReviewer), 0).await;
    let signatory = login(&base, user(&demo, Role::InstitutionSignatory), 0).await;
    let editor = login(&base, user(&demo, Role::ProviderEditor), 0).await;
    let approver = login(&base, user(&demo, Role::ProviderApprover), 0).await;
    let reviewer_api = Api::new(&base, &reviewer.token("write").await);
    let signatory_api = Api::new(&base, &signatory.token("write").await);
    let editor_api = Api::new(&base, &editor.token("write").await);
    let approver_api = Api::new(&base, &approver.token("write").await);

    let (status, detail) = reviewer_api
        .get(&format!("/api/v1/engagements/{engagement}"))
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["status"], "in_review");
    let v1 = detail["shares"][0]["version"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let policy = detail["shares"][0]["version"]["questions_policy"]
        .as_str()
        .unwrap_or_default();
    assert!(
        policy.contains("問合せ窓口"),
        "the provider's route for questions comes from the model: {policy}"
    );
    let review = format!("/api/v1/engagements/{engagement}/versions/{v1}");
    let (_, view) = reviewer_api.get(&review).await;
    let all = pending(&view);
    assert!(
        all.len() > 20,
        "the example asks the clinic many things: {}",
        all.len()
    );
    assert!(
        all.iter().any(|k| k.starts_with("request:")),
        "requests made of the institution are items"
    );

    // The reviewer questions one request and agrees to the rest.
    let questioned = all
        .iter()
        .find(|k| k.starts_with("request:"))
        .unwrap()
        .clone();
    let (status, body) = reviewer_api
        .post(&format!("{review}/reviews"), &json!({"item": questioned, "verdict": "discuss", "comment": "月次の確認は誰が行う想定ですか"}))
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = reviewer_api
        .post(
            &format!("{review}/messages"),
            &json!({"item": questioned, "body": "確認の担当者と記録の方法を教えてください"}),
        )
        .await;
    assert_eq!(status, 201);
    let rest: Vec<String> = all.iter().filter(|k| **k != questioned).cloned().collect();
    agree_all(&reviewer_api, &review, &rest).await;

    // Not settled yet: the signatory cannot agree.
    let (status, body) = signatory_api
        .post(&format!("{review}/agreement"), &json!({"confirm": true}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .unwrap()
            .contains("要協議")
            || body["error"]["message_ja"].as_str().unwrap().contains("未"),
        "{body}"
    );

    // The provider answers; minutes of the meeting are kept with an attachment.
    let (status, _) = editor_api
        .post(&format!("{review}/messages"), &json!({"item": questioned, "body": "貴院のシステム担当の方に毎月確認いただき、管理ポータルに記録してください。"}))
        .await;
    assert_eq!(status, 201);
    let (status, body) = editor_api
        .post(
            &format!("/api/v1/engagements/{engagement}/minutes"),
            &json!({
                "held_on": "2026-11-20", "attendees": "院長、事務長、提供事業者 担当者", "agenda": "端末の確認方法",
                "decisions": "毎月の確認は事務長が行い、管理ポータルに記録する。", "version": v1, "items": [questioned],
                "attachments": [{"filename": "議事メモ.txt", "media_type": "text/plain", "content_base64": "5Lya6K2w44Oh44Oi"}]
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, messages) = reviewer_api
        .get(&format!("/api/v1/engagements/{engagement}/messages"))
        .await;
    assert_eq!(messages.as_array().unwrap().len(), 2);
    assert_eq!(messages[1]["from_provider"], true);

    // Agreed after the answer; the signatory agrees; the approver countersigns.
    agree_all(&reviewer_api, &review, std::slice::from_ref(&questioned)).await;
    let (status, body) = signatory_api
        .post(&format!("{review}/agreement"), &json!({"confirm": false}))
        .await;
    assert_eq!(
        status, 400,
        "the signatory must confirm having read the statement: {body}"
    );
    let (status, body) = signatory_api
        .post(&format!("{review}/agreement"), &json!({"confirm": true}))
        .await;
    assert_eq!(status, 201, "{body}");
    let agreement1 = body["id"].as_str().unwrap().to_owned();
    let (_, detail) = reviewer_api
        .get(&format!("/api/v1/engagements/{engagement}"))
        .await;
    assert_eq!(detail["status"], "awaiting_countersign");
    let (status, _) = reviewer_api
        .post(
            &format!("/api/v1/engagements/{engagement}/agreements/{agreement1}/countersign"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 403, "only the provider's approver countersigns");
    let (status, body) = approver_api
        .post(
            &format!("/api/v1/engagements/{engagement}/agreements/{agreement1}/countersign"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (_, detail) = reviewer_api
        .get(&format!("/api/v1/engagements/{engagement}"))
        .await;
    assert_eq!(detail["status"], "agreed");
    let (_, agreement) = reviewer_api
        .get(&format!(
            "/api/v1/engagements/{engagement}/agreements/{agreement1}"
        ))
        .await;
    assert_eq!(agreement["version"], v1.as_str());
    assert!(
        agreement["documents_digest"].as_str().unwrap().len() == 64,
        "{agreement}"
    );

    // A changed model: one request of the institution is reworded.
    let mut bundle = support::example_bundle();
    let decisions = bundle["files"]["decisions.yaml"]
        .as_str()
        .unwrap()
        .to_owned();
    let changed = decisions.replacen(
        "問診用タブレットは受付で貸出・回収し",
        "問診用タブレットは受付で職員が貸出・回収し",
        1,
    );
    assert_ne!(changed, decisions);
    bundle["files"]["decisions.yaml"] = Value::String(changed.clone());
    let (status, published) = editor_api.post("/api/v1/versions", &bundle).await;
    assert_eq!(status, 201, "{published}");
    assert_eq!(published["number"], 2);
    assert_eq!(published["engagements"][0]["needs_agreement"], true);
    let v2 = published["version"].as_str().unwrap().to_owned();
    let (_, detail) = reviewer_api
        .get(&format!("/api/v1/engagements/{engagement}"))
        .await;
    assert_eq!(detail["status"], "reagreement_pending");

    // Only what changed comes back; the rest carries the first agreement, with a link to it.
    let review2 = format!("/api/v1/engagements/{engagement}/versions/{v2}");
    let (_, view2) = reviewer_api.get(&review2).await;
    assert_eq!(view2["base"]["id"], v1.as_str());
    let back = pending(&view2);
    let carried = items(&view2).len() - back.len();
    assert!(
        !back.is_empty() && back.len() < 5,
        "only the reworded request and what lists it: {back:?}"
    );
    assert!(carried > 20, "{carried} items carry the first agreement");
    eprintln!(
        "v2: {} items back ({back:?}), {carried} carried",
        back.len()
    );
    assert!(
        items(&view2)
            .iter()
            .filter(|i| i["state"]["state"] == "carried")
            .all(|i| i["state"]["agreement"] == agreement1.as_str())
    );
    assert!(
        view2["change"].is_object(),
        "the change report against the last agreed version is shown"
    );
    agree_all(&reviewer_api, &review2, &back).await;
    let (status, body) = signatory_api
        .post(&format!("{review2}/agreement"), &json!({"confirm": true}))
        .await;
    assert_eq!(status, 201, "{body}");
    let agreement2 = body["id"].as_str().unwrap().to_owned();
    let (status, _) = approver_api
        .post(
            &format!("/api/v1/engagements/{engagement}/agreements/{agreement2}/countersign"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);

    // An edit that changes nothing the institution agreed to (a comment) does not ask again.
    bundle["files"]["decisions.yaml"] =
        Value::String(format!("{changed}\n# 表記の見直し (内容の変更なし)\n"));
    let (status, published) = editor_api.post("/api/v1/versions", &bundle).await;
    assert_eq!(status, 201, "{published}");
    assert_eq!(published["number"], 3);
    assert_eq!(
        published["engagements"][0]["needs_agreement"], false,
        "{published}"
    );
    let (_, detail) = reviewer_api
        .get(&format!("/api/v1/engagements/{engagement}"))
        .await;
    assert_eq!(detail["status"], "agreed", "{detail}");
    let (_, detail) = reviewer_api
        .get(&format!("/api/v1/engagements/{engagement}"))
        .await;
    let carried = detail["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["version"] == published["version"])
        .expect("a carried agreement for version 3");
    let statement = carried["statement"].as_str().unwrap();
    assert!(
        statement.contains("第 3 版") && statement.contains("第 2 版への上記の合意"),
        "the carried statement says what it now covers: {statement}"
    );
    // The same bundle again is the same version.
    let (status, again) = editor_api.post("/api/v1/versions", &bundle).await;
    assert_eq!(status, 200);
    assert_eq!(again["existing"], true);
    assert_eq!(again["number"], 3);

    // The engagement's record and the whole log verify.
    let (status, record) = reviewer_api
        .get(&format!("/api/v1/engagements/{engagement}/export"))
        .await;
    assert_eq!(status, 200);
    assert!(
        record["agreements"].as_array().unwrap().len() >= 2,
        "{}",
        record["agreements"]
    );
    // The institution's own record verifies on its own: entries, checkpoint, records, digests.
    let kept: sansho_store::audit::EngagementExport =
        serde_json::from_value(record.clone()).unwrap();
    let own =
        sansho_store::audit::verify_engagement(&kept, Some(&server.state.keys.public_key_hex()));
    assert!(own.is_intact(), "{:?}", own.problems);
    assert!(own.records > 40, "{} records checked", own.records);
    let export = sansho_server::service::export::audit(&server.state)
        .await
        .unwrap();
    let verification =
        sansho_store::audit::verify(&export, Some(&server.state.keys.public_key_hex()));
    assert!(verification.is_intact(), "{:?}", verification.problems);
    let actions: Vec<&str> = export.entries.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "version.published",
        "version.shared",
        "review.recorded",
        "message.asked",
        "message.answered",
        "attachment.added",
        "minutes.recorded",
        "agreement.signed",
        "agreement.countersigned",
        "agreement.carried_over",
        "login.completed",
        "token.created",
    ] {
        assert!(
            actions.contains(&expected),
            "the log records {expected}: {actions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_on_sqlite() {
    the_whole_story(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_on_postgres() {
    the_whole_story(Backend::Postgres).await;
}
