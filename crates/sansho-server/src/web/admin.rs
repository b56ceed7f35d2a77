//! One's account (password, API tokens), one's organisation (people, invitations) and the
//! audit log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use sansho_store::records::*;
use sansho_store::{OrgId, TokenId, UserId};
use serde::Deserialize;

use crate::access::{Allowed, CsrfForm, ManageUsers, OwnAccount, PageJson, ReadAudit};
use crate::error::{AppError, Failure};
use crate::i18n::{self, Tr};
use crate::service::{accounts, security_keys};
use crate::state::AppState;
use crate::web::engagement::Done;
use crate::web::{Layout, render, see_other};

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub expires: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    t: Tr,
    email: String,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    public_url: String,
    keys: Vec<KeyRow>,
    keys_available: bool,
    min_length: usize,
    min_classes: usize,
}

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
}

async fn account_page(
    state: &AppState,
    auth: &Allowed<OwnAccount>,
    notice: Option<&str>,
    new_token: Option<String>,
) -> Result<Response, Failure> {
    let l = Layout::of(auth).with_notice(notice);
    let t = l.t;
    let tokens = state
        .store
        .api_tokens_of(&auth.user.id)
        .await
        .map_err(|e| auth.fail(e.into()))?
        .into_iter()
        .map(|tk| TokenRow {
            id: tk.id.to_string(),
            name: tk.name,
            scopes: tk
                .scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            expires: tk.expires_at.in_japan(),
            revoked: tk.revoked_at.is_some(),
        })
        .collect();
    let keys = state
        .store
        .security_keys(&auth.user.id)
        .await
        .map_err(|e| auth.fail(e.into()))?
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            name: k.name,
            created: k.created_at.in_japan(),
            last_used: k
                .last_used_at
                .map(|t| t.in_japan())
                .unwrap_or_else(|| "—".into()),
        })
        .collect();
    let page = AccountPage {
        l,
        t,
        email: auth.user.email.clone(),
        tokens,
        new_token,
        public_url: state.config.public_url.clone(),
        keys,
        keys_available: state.webauthn.is_some(),
        min_length: state.config.policy.password_min_length,
        min_classes: state.config.policy.password_min_classes,
    };
    render(auth.client.lang, &page)
}

pub async fn account(
    State(state): State<AppState>,
    auth: Allowed<OwnAccount>,
    Query(done): Query<Done>,
) -> Result<Response, Failure> {
    account_page(&state, &auth, done.done.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    auth: Allowed<OwnAccount>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, Failure> {
    accounts::change_password(&state, &auth, &form.current, &form.new)
        .await
        .map_err(|e| auth.fail(e))?;
    Ok(see_other("/account?done=password"))
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    #[serde(default)]
    scope: Vec<String>,
    days: i64,
}

pub async fn create_token(
    State(state): State<AppState>,
    auth: Allowed<OwnAccount>,
    axum::extract::RawForm(raw): axum::extract::RawForm,
) -> Result<Response, Failure> {
    // Repeated `scope` fields: read with a multi-value parser, then the CSRF token like any form.
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&raw).map_err(|_| auth.fail(AppError::Csrf))?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if auth.csrf().is_empty() || !crate::auth::secret::same(auth.csrf(), &get("csrf")) {
        return Err(auth.fail(AppError::Csrf));
    }
    let form = TokenForm {
        name: get("name"),
        scope: pairs
            .iter()
            .filter(|(k, _)| k == "scope")
            .map(|(_, v)| v.clone())
            .collect(),
        days: get("days").trim().parse().unwrap_or(0),
    };
    let scopes: Vec<Scope> = form.scope.iter().filter_map(|s| Scope::parse(s)).collect();
    let token = accounts::create_token(&state, &auth, &form.name, scopes, form.days)
        .await
        .map_err(|e| auth.fail(e))?;
    account_page(&state, &auth, None, Some(token)).await
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn revoke_token(
    State(state): State<AppState>,
    auth: Allowed<OwnAccount>,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, Failure> {
    accounts::revoke_token(&state, &auth, &TokenId::new(token))
        .await
        .map_err(|e| auth.fail(e))?;
    Ok(see_other("/account?done=revoked"))
}

pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub role_key: &'static str,
    pub disabled: bool,
    pub mfa: bool,
    pub me: bool,
}

pub struct InvitationRow {
    pub email: String,
    pub name: String,
    pub org: String,
    pub role: &'static str,
    pub expires: String,
    pub accepted: bool,
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    l: Layout,
    t: Tr,
    org: String,
    users: Vec<UserRow>,
    invitations: Vec<InvitationRow>,
    targets: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
    link: Option<String>,
}

async fn organization_page(
    state: &AppState,
    auth: &Allowed<ManageUsers>,
    notice: Option<&str>,
    link: Option<String>,
) -> Result<Response, Failure> {
    let fail = |e: AppError| auth.fail(e);
    let l = Layout::of(auth).with_notice(notice);
    let t = l.t;
    let users = state
        .store
        .users_of(&auth.org.id)
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .map(|u| UserRow {
            me: u.id == auth.user.id,
            id: u.id.to_string(),
            name: u.name,
            email: u.email,
            role: i18n::role(t, u.role),
            role_key: u.role.as_str(),
            disabled: u.disabled,
            mfa: u.totp_secret.is_some(),
        })
        .collect();
    // Where this user may invite: its own organisation, and for a provider's approver the
    // institutions it has engagements with.
    let mut targets = vec![(auth.org.id.to_string(), auth.org.name.clone())];
    if auth.user.role == Role::ProviderApprover {
        for e in state
            .store
            .engagements_of(&auth.org.id)
            .await
            .map_err(|e| fail(e.into()))?
        {
            if e.provider == auth.org.id
                && !targets
                    .iter()
                    .any(|(id, _)| *id == e.institution.to_string())
                && let Some(o) = state
                    .store
                    .organization(&e.institution)
                    .await
                    .map_err(|e| fail(e.into()))?
            {
                targets.push((o.id.to_string(), o.name));
            }
        }
    }
    let mut invitations = Vec::new();
    for (id, name) in &targets {
        for i in state
            .store
            .invitations_of(&OrgId::new(id.clone()))
            .await
            .map_err(|e| fail(e.into()))?
        {
            invitations.push(InvitationRow {
                email: i.email,
                name: i.name,
                org: name.clone(),
                role: i18n::role(t, i.role),
                expires: i.expires_at.in_japan(),
                accepted: i.accepted_at.is_some(),
            });
        }
    }
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), i18n::role(t, *r)))
        .collect();
    let page = OrganizationPage {
        l,
        t,
        org: auth.org.name.clone(),
        users,
        invitations,
        targets,
        roles,
        link,
    };
    render(auth.client.lang, &page)
}

pub async fn organization(
    State(state): State<AppState>,
    auth: Allowed<ManageUsers>,
    Query(done): Query<Done>,
) -> Result<Response, Failure> {
    organization_page(&state, &auth, done.done.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    org: String,
    role: String,
    email: String,
    name: String,
}

pub async fn invite(
    State(state): State<AppState>,
    auth: Allowed<ManageUsers>,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Response, Failure> {
    let role = Role::parse(&form.role)
        .ok_or_else(|| auth.fail(AppError::bad("役割を選んでください", "choose a role")))?;
    let token = accounts::invite(
        &state,
        &auth,
        &OrgId::new(form.org),
        role,
        &form.email,
        &form.name,
    )
    .await
    .map_err(|e| auth.fail(e))?;
    let link = format!(
        "{}/invitations/{token}",
        state.config.public_url.trim_end_matches('/')
    );
    organization_page(&state, &auth, None, Some(link)).await
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

pub async fn set_role(
    State(state): State<AppState>,
    auth: Allowed<ManageUsers>,
    Path(user): Path<String>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, Failure> {
    let role = Role::parse(&form.role)
        .ok_or_else(|| auth.fail(AppError::bad("役割を選んでください", "choose a role")))?;
    accounts::set_role(&state, &auth, &UserId::new(user), role)
        .await
        .map_err(|e| auth.fail(e))?;
    Ok(see_other("/organization?done=role"))
}

#[derive(Deserialize)]
pub struct DisableForm {
    disabled: String,
}

pub async fn set_disabled(
    State(state): State<AppState>,
    auth: Allowed<ManageUsers>,
    Path(user): Path<String>,
    CsrfForm(form): CsrfForm<DisableForm>,
) -> Result<Response, Failure> {
    accounts::set_disabled(&state, &auth, &UserId::new(user), form.disabled == "true")
        .await
        .map_err(|e| auth.fail(e))?;
    Ok(see_other("/organization?done=disabled"))
}

pub struct AuditRow {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub hash: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    t: Tr,
    rows: Vec<AuditRow>,
    public_key: String,
    head_seq: u64,
    head_hash: String,
}

pub async fn audit(
    State(state): State<AppState>,
    auth: Allowed<ReadAudit>,
) -> Result<Response, Failure> {
    let fail = |e: AppError| auth.fail(e);
    let l = Layout::of(&auth);
    let t = l.t;
    let entries = state
        .store
        .audit_entries_of(&auth.org.id, 500)
        .await
        .map_err(|e| fail(e.into()))?;
    let mut names: std::collections::BTreeMap<UserId, String> = Default::default();
    let mut rows = Vec::new();
    for e in entries {
        let actor = match &e.actor {
            Some(id) => {
                if !names.contains_key(id) {
                    let name = state
                        .store
                        .user(id)
                        .await
                        .map_err(|x| fail(x.into()))?
                        .map(|u| u.name)
                        .unwrap_or_else(|| "—".into());
                    names.insert(id.clone(), name);
                }
                names.get(id).cloned().unwrap_or_default()
            }
            None => t.pick("システム", "system").to_owned(),
        };
        rows.push(AuditRow {
            seq: e.seq,
            at: e.at.in_japan(),
            actor,
            action: crate::web::action_label(t, &e.action),
            target: e.target,
            hash: e.hash[..16].to_owned(),
        });
    }
    let head = state.store.audit_head().await.map_err(|e| fail(e.into()))?;
    let page = AuditPage {
        l,
        t,
        rows,
        public_key: state.keys.public_key_hex(),
        head_seq: head.as_ref().map_or(0, |h| h.seq),
        head_hash: head.map(|h| h.hash).unwrap_or_default(),
    };
    render(auth.client.lang, &page)
}

/// The account page asks to register a key.
pub async fn key_registration_challenge(
    State(state): State<AppState>,
    auth: Allowed<OwnAccount>,
    PageJson(_): PageJson<serde_json::Value>,
) -> Result<Response, Failure> {
    let challenge = security_keys::start_registration(&state, &auth)
        .await
        .map_err(|e| auth.client.fail_json(e))?;
    Ok(axum::Json(challenge).into_response())
}

#[derive(Deserialize)]
pub struct KeyRegistration {
    name: String,
    state: String,
    credential: webauthn_rs::prelude::RegisterPublicKeyCredential,
}

/// The browser's new credential: the key is registered.
pub async fn register_key(
    State(state): State<AppState>,
    auth: Allowed<OwnAccount>,
    PageJson(body): PageJson<KeyRegistration>,
) -> Result<Response, Failure> {
    let key = security_keys::finish_registration(
        &state,
        &auth,
        &body.name,
        &body.state,
        &body.credential,
    )
    .await
    .map_err(|e| auth.client.fail_json(e))?;
    Ok((
        axum::http::StatusCode::CREATED,
        axum::Json(serde_json::json!({"id": key.id})),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct NoFields {}

pub async fn remove_key(
    State(state): State<AppState>,
    auth: Allowed<OwnAccount>,
    Path(key): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, Failure> {
    security_keys::remove(&state, &auth, &key)
        .await
        .map_err(|e| auth.fail(e))?;
    Ok(see_other("/account?done=security_key_removed"))
}
