//! Logging in and out, the second factor, invitations, roles, passwords and API tokens.
//!
//! A login is two steps on one server-side session: the password starts it, the second factor
//! (a TOTP code, or a one-time recovery code) completes it. A user without a second factor
//! enrols one before the session completes: there is no way in with a password alone.

use sansho_store::records::*;
use sansho_store::{Change, Event, InvitationId, OrgId, Time, TokenId, UserId};

use crate::access::{Allowed, Auth, Client, ManageUsers, OwnAccount};
use crate::auth::{password, secret, totp};
use crate::error::AppError;
use crate::state::AppState;

fn system_event(
    client: &Client,
    action: &str,
    actor: Option<&UserId>,
    orgs: &[&OrgId],
    details: serde_json::Value,
) -> Event {
    Event {
        at: Time::now(),
        actor: actor.cloned(),
        orgs: orgs.iter().map(|o| (*o).clone()).collect(),
        action: action.to_owned(),
        details,
        ip: client.ip.clone(),
    }
}

fn wrong_login() -> AppError {
    AppError::bad(
        "メールアドレスまたはパスワードが違うか、アカウントが一時的にロックされています",
        "wrong e-mail address or password, or the account is locked for now",
    )
}

pub fn normal_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Counts a failed attempt on `user`, locking the account at the policy's limit.
pub(crate) async fn count_failure(
    state: &AppState,
    client: &Client,
    user: &User,
    what: &str,
) -> Result<(), AppError> {
    failed(state, client, user, what).await
}

async fn failed(
    state: &AppState,
    client: &Client,
    user: &User,
    what: &str,
) -> Result<(), AppError> {
    let policy = &state.config.policy;
    let count = user.failed_logins + 1;
    let locked_until =
        (count >= policy.lockout_after).then(|| Time::now().plus_seconds(policy.lockout_seconds));
    let event = system_event(
        client,
        if locked_until.is_some() {
            "login.locked"
        } else {
            "login.failed"
        },
        Some(&user.id),
        &[&user.org],
        serde_json::json!({"step": what, "failed_logins": count}),
    );
    state
        .record(
            Change::LoginFailed {
                user: user.id.clone(),
                failed_logins: count,
                locked_until,
            },
            event,
        )
        .await?;
    Ok(())
}

fn locked(user: &User) -> bool {
    user.locked_until.is_some_and(|t| t > Time::now())
}

/// The password step. Returns the new session's token (for the cookie); the session still
/// needs its second factor.
pub async fn login(
    state: &AppState,
    client: &Client,
    email: &str,
    given: &str,
) -> Result<String, AppError> {
    if state.login_limiter.check_key(&client.ip).is_err() {
        return Err(AppError::TooManyRequests);
    }
    let Some(user) = state.store.user_by_email(&normal_email(email)).await? else {
        password::verify_nothing(given);
        return Err(wrong_login());
    };
    let Some(stored) = user.password_hash.clone().filter(|_| !user.disabled) else {
        password::verify_nothing(given);
        return Err(wrong_login());
    };
    if locked(&user) {
        password::verify_nothing(given);
        return Err(wrong_login());
    }
    let given = given.to_owned();
    let ok = tokio::task::spawn_blocking(move || password::verify(&given, &stored))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !ok {
        failed(state, client, &user, "password").await?;
        return Err(wrong_login());
    }
    let (token, session) = new_session(client, &user, None);
    let event = system_event(
        client,
        "login.password_ok",
        Some(&user.id),
        &[&user.org],
        serde_json::json!({}),
    );
    state.record(Change::SessionStarted(session), event).await?;
    Ok(token)
}

/// The second factor: a TOTP code or a recovery code. Completes the session.
pub async fn second_factor(
    state: &AppState,
    client: &Client,
    session: &Session,
    user: &User,
    code: &str,
) -> Result<Completed, AppError> {
    if state.login_limiter.check_key(&client.ip).is_err() {
        return Err(AppError::TooManyRequests);
    }
    if locked(user) {
        return Err(wrong_code());
    }
    let Some(secret) = user.totp_secret.as_ref().and_then(|s| state.keys.unseal(s)) else {
        return Err(AppError::conflict(
            "二要素認証がまだ設定されていません",
            "no second factor is enrolled yet",
        ));
    };
    let now = Time::now();
    let unix = u64::try_from(now.timestamp().as_second()).unwrap_or_default();
    let (step, recovery) = if code.contains('-') || code.trim().len() > 8 {
        let hash = totp::recovery_hash(code);
        let codes = state.store.recovery_codes(&user.id).await?;
        if !codes
            .iter()
            .any(|c| c.code_hash == hash && c.used_at.is_none())
        {
            failed(state, client, user, "recovery_code").await?;
            return Err(wrong_code());
        }
        (None, Some(hash))
    } else {
        match totp::check(&secret, code, unix) {
            // A code at or before the last one accepted is a replay.
            Some(step) if user.totp_last_step.is_none_or(|last| step > last) => (Some(step), None),
            _ => {
                failed(state, client, user, "totp").await?;
                return Err(wrong_code());
            }
        }
    };
    let event = system_event(
        client,
        if recovery.is_some() {
            "login.recovery_code_used"
        } else {
            "login.completed"
        },
        Some(&user.id),
        &[&user.org],
        serde_json::json!({}),
    );
    let change = Change::MfaPassed {
        session: session.id_hash.clone(),
        user: user.id.clone(),
        at: now,
        totp_step: step,
        recovery_code: recovery,
        security_key: None,
    };
    complete_login(state, client, session, user, vec![(change, event)])
        .await
        .map_err(|e| match e {
            AppError::Conflict { .. } => wrong_code(),
            other => other,
        })
}

/// A session of `user` from `client` under a new token (returned; only its hash is kept), with
/// its own CSRF token; `mfa_at` when the second factor has passed.
fn new_session(client: &Client, user: &User, mfa_at: Option<Time>) -> (String, Session) {
    let token = secret::token("s_");
    let now = mfa_at.unwrap_or_else(Time::now);
    let session = Session {
        id_hash: secret::hash(&token),
        user: user.id.clone(),
        created_at: now,
        last_seen_at: now,
        mfa_at,
        csrf_token: secret::token(""),
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        ended_at: None,
    };
    (token, session)
}

/// A login completed: the new session's token (for the cookie) and CSRF token (for the page
/// that answers).
pub struct Completed {
    pub token: String,
    pub csrf: String,
}

/// Completes a login: the second factor's changes and, in the same transaction, the session
/// that waited for it replaced by a new one under a new token and CSRF token. Whatever token
/// existed before the second factor — one planted in the browser, or seen during the password
/// step — is worth nothing after it (session fixation). Returns the new token for the cookie.
pub async fn complete_login(
    state: &AppState,
    client: &Client,
    waiting: &Session,
    user: &User,
    mut changes: Vec<(Change, Event)>,
) -> Result<Completed, AppError> {
    let now = Time::now();
    let (token, complete) = new_session(client, user, Some(now));
    let csrf = complete.csrf_token.clone();
    let event = |action: &str| {
        system_event(
            client,
            action,
            Some(&user.id),
            &[&user.org],
            serde_json::json!({}),
        )
    };
    changes.push((
        Change::SessionEnded {
            session: waiting.id_hash.clone(),
            at: now,
        },
        event("session.replaced"),
    ));
    changes.push((Change::SessionStarted(complete), event("session.started")));
    state.record_all(changes).await?;
    Ok(Completed { token, csrf })
}

fn wrong_code() -> AppError {
    AppError::bad(
        "確認コードが違うか、すでに使われたコードです。認証アプリの新しいコードを入力してください",
        "wrong or already used code: enter a new code from your authenticator app",
    )
}

/// A TOTP secret offered for enrolment: sealed for the form (the server keeps nothing until
/// the user proves the app has it).
pub struct Enrolment {
    pub sealed: String,
    pub base32: String,
    pub qr_png_base64: Option<String>,
    pub url: String,
}

pub fn offer_enrolment(state: &AppState, user: &User) -> Enrolment {
    let raw = totp::new_secret();
    Enrolment {
        sealed: seal_for(state, user, &raw),
        base32: totp::base32(&raw),
        qr_png_base64: totp::qr_png_base64(&raw, &user.email),
        url: totp::url(&raw, &user.email),
    }
}

/// Seals `secret` for `user` alone: a sealed value offered to one user cannot be replayed by
/// another.
pub fn seal_for(state: &AppState, user: &User, secret: &[u8]) -> String {
    let mut plain = user.id.as_str().as_bytes().to_vec();
    plain.push(0);
    plain.extend_from_slice(secret);
    state.keys.seal(&plain)
}

/// What [`seal_for`] sealed, if it was sealed for `user`.
pub fn unseal_for(state: &AppState, user: &User, sealed: &str) -> Option<Vec<u8>> {
    let plain = state.keys.unseal(sealed)?;
    let owner = user.id.as_str().as_bytes();
    (plain.len() > owner.len() && plain.starts_with(owner) && plain[owner.len()] == 0)
        .then(|| plain[owner.len() + 1..].to_vec())
}

/// Enrols the offered secret when `code` proves the app has it; returns the recovery codes
/// (shown once) and completes the session.
pub async fn enrol(
    state: &AppState,
    client: &Client,
    session: &Session,
    user: &User,
    sealed: &str,
    code: &str,
) -> Result<(Vec<String>, Completed), AppError> {
    // Enrolment is for a user without a second factor: one who has one cannot replace it
    // with only a password.
    if user.totp_secret.is_some() {
        return Err(AppError::conflict(
            "二要素認証はすでに設定されています。認証アプリのコードを入力してください",
            "a second factor is enrolled already: enter your authenticator app's code",
        ));
    }
    let Some(raw) = unseal_for(state, user, sealed) else {
        return Err(AppError::bad(
            "登録用の情報が壊れています。最初からやり直してください",
            "the enrolment form was altered: start again",
        ));
    };
    let now = Time::now();
    let unix = u64::try_from(now.timestamp().as_second()).unwrap_or_default();
    let Some(step) = totp::check(&raw, code, unix) else {
        return Err(wrong_code());
    };
    let (codes, hashes) = totp::recovery_codes();
    let event = system_event(
        client,
        "mfa.enrolled",
        Some(&user.id),
        &[&user.org],
        serde_json::json!({"method": "totp"}),
    );
    let enrolled = (
        Change::EnrolTotp {
            user: user.id.clone(),
            secret: state.keys.seal(&raw),
            recovery_code_hashes: hashes,
        },
        event,
    );
    let event = system_event(
        client,
        "login.completed",
        Some(&user.id),
        &[&user.org],
        serde_json::json!({}),
    );
    let passed = (
        Change::MfaPassed {
            session: session.id_hash.clone(),
            user: user.id.clone(),
            at: now,
            totp_step: Some(step),
            recovery_code: None,
            security_key: None,
        },
        event,
    );
    let completed = complete_login(state, client, session, user, vec![enrolled, passed]).await?;
    Ok((codes, completed))
}

pub async fn logout(
    state: &AppState,
    client: &Client,
    session: &Session,
    user: &User,
) -> Result<(), AppError> {
    let event = system_event(
        client,
        "logout",
        Some(&user.id),
        &[&user.org],
        serde_json::json!({}),
    );
    state
        .record(
            Change::SessionEnded {
                session: session.id_hash.clone(),
                at: Time::now(),
            },
            event,
        )
        .await?;
    Ok(())
}

/// Sets a new password for `user` after checking the policy and the history.
async fn set_password(state: &AppState, user: &User, new: &str) -> Result<String, AppError> {
    password::check_policy(&state.config.policy, new, &user.email, &user.name)?;
    let history = state.store.password_history(&user.id).await?;
    let new_owned = new.to_owned();
    let depth = state.config.policy.password_history;
    let reused = tokio::task::spawn_blocking(move || {
        history
            .iter()
            .take(depth)
            .any(|h| password::verify(&new_owned, h))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    if reused {
        return Err(AppError::bad(
            format!("直近 {depth} 回に使ったパスワードは使えません"),
            format!("do not reuse any of your last {depth} passwords"),
        ));
    }
    let new_owned = new.to_owned();
    tokio::task::spawn_blocking(move || password::hash(&new_owned))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

pub async fn change_password(
    state: &AppState,
    auth: &Allowed<OwnAccount>,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let stored = auth.user.password_hash.clone().unwrap_or_default();
    let current = current.to_owned();
    let ok = tokio::task::spawn_blocking(move || password::verify(&current, &stored))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if !ok {
        return Err(AppError::bad(
            "現在のパスワードが違います",
            "the current password is wrong",
        ));
    }
    let hash = set_password(state, &auth.user, new).await?;
    let event = auth.event("password.changed", &[], serde_json::json!({}));
    state
        .record(
            Change::SetPassword {
                user: auth.user.id.clone(),
                password_hash: hash,
                at: Time::now(),
            },
            event,
        )
        .await?;
    Ok(())
}

/// Invites someone into the organisation `org` with `role`. A provider's approver may invite
/// into its own organisation and into institutions it has an engagement with; an institution's
/// signatory into its own. Returns the invitation link's token (shown once).
pub async fn invite(
    state: &AppState,
    auth: &Allowed<ManageUsers>,
    org: &OrgId,
    role: Role,
    email: &str,
    name: &str,
) -> Result<String, AppError> {
    let target = state
        .store
        .organization(org)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = target.id == auth.org.id
        || (auth.user.role == Role::ProviderApprover
            && state
                .store
                .engagements_of(&auth.org.id)
                .await?
                .iter()
                .any(|e| e.provider == auth.org.id && e.institution == target.id));
    if !allowed {
        return Err(AppError::NotFound);
    }
    if !role.fits(target.kind) {
        return Err(AppError::bad(
            format!(
                "{} の組織には役割 {} を割り当てられません",
                target.name,
                role.as_str()
            ),
            format!("the role {} does not fit {}", role.as_str(), target.name),
        ));
    }
    let email = normal_email(email);
    if !email.contains('@')
        || email.len() > 254
        || email.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AppError::bad(
            "メールアドレスの形式が正しくありません",
            "not an e-mail address",
        ));
    }
    if state.store.user_by_email(&email).await?.is_some() {
        return Err(AppError::conflict(
            "このメールアドレスはすでに登録されています",
            "this address is registered already",
        ));
    }
    let name = crate::service::review::check_text(state, "氏名", "the name", name, true)?;
    let token = secret::token("i_");
    let now = Time::now();
    let invitation = Invitation {
        id: InvitationId::new(secret::id()),
        token_hash: secret::hash(&token),
        org: target.id.clone(),
        role,
        email: email.clone(),
        name,
        created_by: auth.user.id.clone(),
        created_at: now,
        expires_at: now.plus_seconds(state.config.policy.invitation_seconds),
        accepted_at: None,
    };
    let event = auth.event(
        "user.invited",
        &[&target.id],
        serde_json::json!({"email": email, "role": role.as_str(), "org": target.id}),
    );
    state
        .record(Change::CreateInvitation(invitation), event)
        .await?;
    Ok(token)
}

/// An invitation that can still be used.
pub async fn open_invitation(state: &AppState, token: &str) -> Result<Invitation, AppError> {
    let invitation = state
        .store
        .invitation(&secret::hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    if invitation.accepted_at.is_some() || invitation.expires_at <= Time::now() {
        return Err(AppError::conflict(
            "この招待は使用済みか、有効期限が切れています。招待した方に再発行を依頼してください",
            "this invitation was used or has expired; ask for a new one",
        ));
    }
    Ok(invitation)
}

/// Accepts an invitation: the user is created with the chosen password (the second factor is
/// enrolled at the first login, which follows at once).
pub async fn accept_invitation(
    state: &AppState,
    client: &Client,
    token: &str,
    new_password: &str,
) -> Result<User, AppError> {
    if state.login_limiter.check_key(&client.ip).is_err() {
        return Err(AppError::TooManyRequests);
    }
    let invitation = open_invitation(state, token).await?;
    let now = Time::now();
    let mut user = User {
        id: UserId::new(secret::id()),
        org: invitation.org.clone(),
        email: invitation.email.clone(),
        name: invitation.name.clone(),
        role: invitation.role,
        password_hash: None,
        password_changed_at: Some(now),
        totp_secret: None,
        totp_last_step: None,
        failed_logins: 0,
        locked_until: None,
        disabled: false,
        created_at: now,
    };
    user.password_hash = Some(set_password(state, &user, new_password).await?);
    let event = system_event(
        client,
        "user.joined",
        Some(&user.id),
        &[&user.org],
        serde_json::json!({"role": user.role.as_str(), "email": user.email}),
    );
    state
        .record(
            Change::AcceptInvitation {
                invitation: invitation.id,
                user: user.clone(),
                at: now,
            },
            event,
        )
        .await?;
    Ok(user)
}

/// A user of the caller's organisation.
async fn own_user(state: &AppState, auth: &Auth, user: &UserId) -> Result<User, AppError> {
    match state.store.user(user).await? {
        Some(u) if u.org == auth.org.id => Ok(u),
        _ => Err(AppError::NotFound),
    }
}

pub async fn set_role(
    state: &AppState,
    auth: &Allowed<ManageUsers>,
    user: &UserId,
    role: Role,
) -> Result<(), AppError> {
    let target = own_user(state, auth, user).await?;
    if !role.fits(auth.org.kind) {
        return Err(AppError::bad(
            "この組織には割り当てられない役割です",
            "the role does not fit this organisation",
        ));
    }
    if target.id == auth.user.id {
        return Err(AppError::conflict(
            "自分の役割は変更できません",
            "you cannot change your own role",
        ));
    }
    let event = auth.event(
        "user.role_changed",
        &[],
        serde_json::json!({"user": target.id, "from": target.role.as_str(), "to": role.as_str()}),
    );
    state
        .record(
            Change::SetRole {
                user: target.id,
                role,
            },
            event,
        )
        .await?;
    Ok(())
}

pub async fn set_disabled(
    state: &AppState,
    auth: &Allowed<ManageUsers>,
    user: &UserId,
    disabled: bool,
) -> Result<(), AppError> {
    let target = own_user(state, auth, user).await?;
    if target.id == auth.user.id {
        return Err(AppError::conflict(
            "自分を無効にはできません",
            "you cannot disable yourself",
        ));
    }
    let event = auth.event(
        if disabled {
            "user.disabled"
        } else {
            "user.enabled"
        },
        &[],
        serde_json::json!({"user": target.id}),
    );
    state
        .record(
            Change::SetDisabled {
                user: target.id,
                disabled,
            },
            event,
        )
        .await?;
    Ok(())
}

/// Creates an API token for the caller; returns it (shown once).
pub async fn create_token(
    state: &AppState,
    auth: &Allowed<OwnAccount>,
    name: &str,
    scopes: Vec<Scope>,
    days: i64,
) -> Result<String, AppError> {
    if matches!(auth.via, crate::access::Via::Token(_)) {
        return Err(AppError::Forbidden);
    }
    let name = crate::service::review::check_text(state, "名前", "the name", name, true)?;
    if scopes.is_empty() {
        return Err(AppError::bad(
            "権限を 1 つ以上選んでください",
            "choose at least one scope",
        ));
    }
    let max = state.config.policy.token_max_days;
    if !(1..=max).contains(&days) {
        return Err(AppError::bad(
            format!("有効期間は 1〜{max} 日にしてください"),
            format!("the lifetime must be 1 to {max} days"),
        ));
    }
    let token = secret::token("sansho_");
    let now = Time::now();
    let record = ApiToken {
        id: TokenId::new(secret::id()),
        user: auth.user.id.clone(),
        name: name.clone(),
        token_hash: secret::hash(&token),
        scopes: scopes.clone(),
        created_at: now,
        expires_at: now.plus_seconds(days * 86_400),
        revoked_at: None,
    };
    let event = auth.event(
        "token.created",
        &[],
        serde_json::json!({"name": name, "scopes": scopes, "days": days}),
    );
    state.record(Change::CreateApiToken(record), event).await?;
    Ok(token)
}

pub async fn revoke_token(
    state: &AppState,
    auth: &Allowed<OwnAccount>,
    token: &TokenId,
) -> Result<(), AppError> {
    let tokens = state.store.api_tokens_of(&auth.user.id).await?;
    let Some(t) = tokens.into_iter().find(|t| &t.id == token) else {
        return Err(AppError::NotFound);
    };
    if t.revoked_at.is_some() {
        return Ok(());
    }
    let event = auth.event("token.revoked", &[], serde_json::json!({"name": t.name}));
    state
        .record(
            Change::RevokeApiToken {
                token: t.id,
                at: Time::now(),
            },
            event,
        )
        .await?;
    Ok(())
}
