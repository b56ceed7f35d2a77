//! Setting a server up: the first provider and its responsible manager (`sansho serve init`),
//! and `sansho serve --demo`, which publishes the bundled example to a demo clinic with a user
//! for every role so a newcomer can click through a whole review and agreement.

use sansho_store::records::*;
use sansho_store::{Change, Event, OrgId, Time, UserId};

use crate::access::{Allowed, Auth, Client, Via};
use crate::auth::{password, secret, totp};
use crate::error::AppError;
use crate::service::{engagements, publish, share};
use crate::state::AppState;

/// The bundled example, embedded so the demo needs no files.
const EXAMPLE: &[(&str, &str)] = &[
    (
        "sansho.yaml",
        include_str!("../../../examples/ehr-saas/sansho.yaml"),
    ),
    (
        "organizations.yaml",
        include_str!("../../../examples/ehr-saas/organizations.yaml"),
    ),
    (
        "sites.yaml",
        include_str!("../../../examples/ehr-saas/sites.yaml"),
    ),
    (
        "information.yaml",
        include_str!("../../../examples/ehr-saas/information.yaml"),
    ),
    (
        "flows-development.yaml",
        include_str!("../../../examples/ehr-saas/flows-development.yaml"),
    ),
    (
        "flows-operation.yaml",
        include_str!("../../../examples/ehr-saas/flows-operation.yaml"),
    ),
    (
        "flows-termination.yaml",
        include_str!("../../../examples/ehr-saas/flows-termination.yaml"),
    ),
    (
        "controls.yaml",
        include_str!("../../../examples/ehr-saas/controls.yaml"),
    ),
    (
        "decisions.yaml",
        include_str!("../../../examples/ehr-saas/decisions.yaml"),
    ),
    (
        "operations.yaml",
        include_str!("../../../examples/ehr-saas/operations.yaml"),
    ),
    (
        "agreement.yaml",
        include_str!("../../../examples/ehr-saas/agreement.yaml"),
    ),
];

/// The bundle of the bundled example.
pub fn example_bundle() -> publish::Bundle {
    publish::Bundle {
        entry: "sansho.yaml".to_owned(),
        files: EXAMPLE
            .iter()
            .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
            .collect(),
    }
}

fn server_event(action: &str, orgs: &[&OrgId], details: serde_json::Value) -> Event {
    Event {
        at: Time::now(),
        actor: None,
        orgs: orgs.iter().map(|o| (*o).clone()).collect(),
        action: action.to_owned(),
        details,
        ip: "local".to_owned(),
    }
}

/// A readable random password that meets the policy.
pub fn generated_password() -> String {
    let token = secret::token("");
    let core: String = token
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    format!("Sa-{core}-9")
}

/// A user made by the server itself, with a password; `totp` enrols the second factor too (the
/// demo), otherwise it is enrolled at the first login.
pub async fn create_user(
    state: &AppState,
    org: &Organization,
    email: &str,
    name: &str,
    role: Role,
    password_text: &str,
    with_totp: bool,
) -> Result<(User, Option<Vec<u8>>), AppError> {
    password::check_policy(&state.config.policy, password_text, email, name)?;
    let now = Time::now();
    let raw = with_totp.then(totp::new_secret);
    let user = User {
        id: UserId::new(secret::id()),
        org: org.id.clone(),
        email: crate::service::accounts::normal_email(email),
        name: name.to_owned(),
        role,
        password_hash: Some(password::hash(password_text)?),
        password_changed_at: Some(now),
        totp_secret: raw.as_ref().map(|r| state.keys.seal(r)),
        totp_last_step: None,
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        created_at: now,
    };
    let event = server_event(
        "user.created",
        &[&org.id],
        serde_json::json!({"email": user.email, "role": role.as_str()}),
    );
    state
        .record(Change::CreateUser(user.clone()), event)
        .await?;
    if let Some(raw) = &raw {
        let (_, hashes) = totp::recovery_codes();
        let event = server_event(
            "mfa.enrolled",
            &[&org.id],
            serde_json::json!({"user": user.id, "method": "totp"}),
        );
        state
            .record(
                Change::EnrolTotp {
                    user: user.id.clone(),
                    secret: state.keys.seal(raw),
                    recovery_code_hashes: hashes,
                },
                event,
            )
            .await?;
    }
    Ok((user, raw))
}

pub async fn create_organization(
    state: &AppState,
    name: &str,
    kind: OrgKind,
) -> Result<Organization, AppError> {
    let org = Organization {
        id: OrgId::new(secret::id()),
        name: name.to_owned(),
        kind,
        created_at: Time::now(),
    };
    let event = server_event(
        "organization.registered",
        &[&org.id],
        serde_json::json!({"name": name, "kind": kind.as_str()}),
    );
    state
        .record(Change::CreateOrganization(org.clone()), event)
        .await?;
    Ok(org)
}

/// `sansho serve init`: the first provider and its approver. Returns the approver's password.
pub async fn init(
    state: &AppState,
    provider: &str,
    email: &str,
    name: &str,
) -> Result<String, AppError> {
    if !state.store.organizations().await?.is_empty() {
        return Err(AppError::conflict(
            "このサーバーはすでに初期化されています",
            "this server is initialised already",
        ));
    }
    let org = create_organization(state, provider, OrgKind::Provider).await?;
    let pw = generated_password();
    create_user(state, &org, email, name, Role::ProviderApprover, &pw, false).await?;
    Ok(pw)
}

/// One demo user, as printed.
pub struct DemoUser {
    pub role: Role,
    pub email: String,
    pub password: String,
    pub totp_base32: String,
    pub totp_url: String,
}

/// What `--demo` set up.
pub struct Demo {
    pub users: Vec<DemoUser>,
    pub engagement: String,
}

/// Acting as a user of the server's own making (bootstrap only).
fn act_as(user: &User, org: &Organization) -> Auth {
    let client = Client {
        lang: sansho_core::Lang::Ja,
        ip: "local".into(),
        api: true,
        path: "/".into(),
        user_agent: "sansho demo".into(),
        session_token: None,
    };
    let token = ApiToken {
        id: sansho_store::TokenId::new("bootstrap"),
        user: user.id.clone(),
        name: "bootstrap".into(),
        token_hash: String::new(),
        scopes: vec![Scope::Write],
        created_at: Time::now(),
        expires_at: Time::now(),
        revoked_at: None,
    };
    Auth {
        client,
        user: user.clone(),
        org: org.clone(),
        via: Via::Token(token),
    }
}

/// Names of one provider–institution pair.
pub struct TenantNames<'a> {
    pub provider: &'a str,
    pub institution: &'a str,
    /// The domain of the users' e-mail addresses: `approver@provider.<domain>`, ….
    pub domain: &'a str,
}

/// Sets up the demo on an empty store.
pub async fn demo(state: &AppState) -> Result<Demo, AppError> {
    if !state.store.organizations().await?.is_empty() {
        return Err(AppError::conflict(
            "デモは空のデータベースで始めます",
            "the demo starts on an empty database",
        ));
    }
    tenant(
        state,
        &TenantNames {
            provider: "メディクラウド株式会社 (デモ)",
            institution: "ひので内科クリニック (デモ)",
            domain: "demo",
        },
    )
    .await
}

/// A provider with its approver and editor, the example published, an engagement with a new
/// institution with a signatory, a reviewer and an auditor, and the version shared: the demo,
/// and in tests one tenant of several.
pub async fn tenant(state: &AppState, names: &TenantNames<'_>) -> Result<Demo, AppError> {
    let domain = names.domain;
    let provider = create_organization(state, names.provider, OrgKind::Provider).await?;
    let mut users = Vec::new();
    let approver_email = format!("approver@provider.{domain}");
    let (approver, demo_approver) = demo_user(
        state,
        &provider,
        Role::ProviderApprover,
        &approver_email,
        "事業者 責任者",
    )
    .await?;
    users.push(demo_approver);
    let editor_email = format!("editor@provider.{domain}");
    let (_, demo_editor) = demo_user(
        state,
        &provider,
        Role::ProviderEditor,
        &editor_email,
        "事業者 担当者",
    )
    .await?;
    users.push(demo_editor);
    let auth = act_as(&approver, &provider);
    let published =
        publish::publish(state, &Allowed::bootstrap(auth.clone()), example_bundle()).await?;
    let system = sansho_store::SystemId::new(published.system);
    let engagement_id = engagements::create(
        state,
        &Allowed::bootstrap(auth.clone()),
        &system,
        engagements::InstitutionChoice::New(names.institution.to_owned()),
        ContractForm::Individual,
    )
    .await?;
    let engagement = state
        .store
        .engagement(&engagement_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let clinic = state
        .store
        .organization(&engagement.institution)
        .await?
        .ok_or(AppError::NotFound)?;
    for (role, local, name) in [
        (Role::InstitutionSignatory, "director", "院長 (合意権限)"),
        (Role::InstitutionReviewer, "it", "事務長 (確認担当)"),
        (Role::Auditor, "auditor", "監査担当"),
    ] {
        let email = format!("{local}@clinic.{domain}");
        let (_, demo_user) = demo_user(state, &clinic, role, &email, name).await?;
        users.push(demo_user);
    }
    let version = state
        .store
        .version(&sansho_store::VersionId::new(published.version))
        .await?
        .ok_or(AppError::NotFound)?;
    share::share(state, &auth, &engagement, &version, None).await?;
    Ok(Demo {
        users,
        engagement: engagement_id.to_string(),
    })
}

async fn demo_user(
    state: &AppState,
    org: &Organization,
    role: Role,
    email: &str,
    name: &str,
) -> Result<(User, DemoUser), AppError> {
    let pw = generated_password();
    let (user, raw) = create_user(state, org, email, name, role, &pw, true).await?;
    let raw = raw.unwrap_or_default();
    let demo = DemoUser {
        role,
        email: email.to_owned(),
        password: pw,
        totp_base32: totp::base32(&raw),
        totp_url: totp::url(&raw, email),
    };
    Ok((user, demo))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_example_is_every_file_of_the_bundled_example() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ehr-saas");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = super::EXAMPLE
            .iter()
            .map(|(p, _)| (*p).to_owned())
            .collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }
}
