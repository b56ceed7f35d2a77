//! A tenant as the isolation matrix and the request-body properties use it: the demo's users of
//! every role logged in (pages) and holding a token (API), an agreement signed, minutes with an
//! attachment, the ledger made and a take-out requested, and the ids of all of it by path
//! parameter, so that every route can be called with ids that exist.

use std::collections::BTreeMap;

use reqwest::Method;
use sansho_server::demo::Demo;
use sansho_store::records::Role;
use sansho_store::{EngagementId, UserId, VersionId};
use serde_json::json;

use super::{Api, Server, Session, login, user};

pub const ROLES: [Role; 5] = [
    Role::ProviderEditor,
    Role::ProviderApprover,
    Role::InstitutionReviewer,
    Role::InstitutionSignatory,
    Role::Auditor,
];

pub struct Tenant {
    pub demo: Demo,
    pub sessions: BTreeMap<&'static str, Session>,
    pub apis: BTreeMap<&'static str, Api>,
    /// Path parameter values, by role (`token` and `user` depend on who calls).
    pub params: BTreeMap<&'static str, BTreeMap<&'static str, String>>,
    /// Strings that only this tenant's pages may show.
    pub secrets: Vec<String>,
}

pub fn encode(segment: &str) -> String {
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

pub async fn tenant(server: &Server, demo: Demo, names: (&str, &str)) -> Tenant {
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
pub fn fill(path: &str, values: &BTreeMap<&'static str, String>) -> String {
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

pub fn params_of(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// A body that passes validation, so that a request with another tenant's id reaches the
/// lookup that must refuse it (an empty body would be refused earlier, proving nothing).
pub fn valid_body(
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

pub async fn call(
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
