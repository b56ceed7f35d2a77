//! Security keys and passkeys (WebAuthn) as the second factor, beside TOTP: a user registers
//! them on the account page and may then use one instead of a code after the password.
//!
//! The ceremony's state (challenge and options) is sealed with the server's key, bound to the
//! user (registration) or to the session (login) and to a deadline, and handed to the page, which
//! sends it back: nothing is kept between the two requests, so several server processes need no
//! shared memory, and a state cannot be replayed for another user, session or later.

use sansho_store::records::{SecurityKey, Session, User};
use sansho_store::{Change, Event, Time};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Uuid,
    Webauthn, WebauthnBuilder,
};

use crate::access::{Allowed, Client, OwnAccount};
use crate::error::AppError;
use crate::state::AppState;

/// How long a ceremony may take, from challenge to answer.
const CEREMONY_SECONDS: i64 = 300;
/// Keys a user may register.
const MAX_KEYS: usize = 10;

/// The relying party for the server's public URL. WebAuthn needs a domain name: an address
/// such as `http://127.0.0.1:8080` gets none (reach the server as `localhost` instead), and then
/// security keys are not offered.
pub fn relying_party(public_url: &str) -> Option<Webauthn> {
    let origin = Url::parse(public_url).ok()?;
    let host = origin.host_str()?.to_owned();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return None;
    }
    WebauthnBuilder::new(&host, &origin)
        .ok()?
        .rp_name("sansho")
        .build()
        .ok()
}

fn unavailable() -> AppError {
    AppError::conflict(
        "このサーバーではセキュリティキーを使えません (公開 URL がドメイン名ではありません)",
        "security keys are not available on this server (its public URL has no domain name)",
    )
}

fn expired() -> AppError {
    AppError::bad(
        "セキュリティキーの操作が時間切れか、別の画面のものです。もう一度お試しください",
        "the security-key step expired or belongs to another page: try again",
    )
}

fn failed_key() -> AppError {
    AppError::bad(
        "セキュリティキーを確認できませんでした。登録済みのキーでもう一度お試しください",
        "the security key could not be verified: try again with a registered key",
    )
}

/// A user's WebAuthn handle: stable, and revealing nothing (derived from the user id).
fn handle(user: &User) -> Uuid {
    let digest = sansho_store::records::sha256_hex(user.id.as_str().as_bytes());
    let bytes: Vec<u8> = (0..16)
        .filter_map(|i| u8::from_str_radix(digest.get(i * 2..i * 2 + 2)?, 16).ok())
        .collect();
    Uuid::from_slice(&bytes).unwrap_or_default()
}

#[derive(Serialize, Deserialize)]
struct Sealed<T> {
    /// The user id (registration) or the session's id hash (login) the state belongs to.
    bound_to: String,
    expires: i64,
    state: T,
}

fn seal<T: Serialize>(state: &AppState, bound_to: &str, value: T) -> Result<String, AppError> {
    let sealed = Sealed {
        bound_to: bound_to.to_owned(),
        expires: Time::now().timestamp().as_second() + CEREMONY_SECONDS,
        state: value,
    };
    let json = serde_json::to_vec(&sealed).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(state.keys.seal(&json))
}

fn unseal<T: for<'de> Deserialize<'de>>(
    state: &AppState,
    bound_to: &str,
    sealed: &str,
) -> Result<T, AppError> {
    let bytes = state.keys.unseal(sealed).ok_or_else(expired)?;
    let sealed: Sealed<T> = serde_json::from_slice(&bytes).map_err(|_| expired())?;
    if sealed.bound_to != bound_to || sealed.expires < Time::now().timestamp().as_second() {
        return Err(expired());
    }
    Ok(sealed.state)
}

fn credential_id(passkey: &Passkey) -> String {
    serde_json::to_value(passkey.cred_id())
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// What the page needs to ask the browser: the options for `navigator.credentials`, and the
/// sealed state to send back.
#[derive(Serialize)]
pub struct Challenge<T> {
    pub options: T,
    pub state: String,
}

/// Starts registering a key for the logged-in user.
pub async fn start_registration(
    state: &AppState,
    auth: &Allowed<OwnAccount>,
) -> Result<Challenge<CreationChallengeResponse>, AppError> {
    let webauthn = state.webauthn.as_ref().ok_or_else(unavailable)?;
    let user = &auth.user;
    let existing = state.store.security_keys(&user.id).await?;
    if existing.len() >= MAX_KEYS {
        return Err(AppError::conflict(
            format!("セキュリティキーは {MAX_KEYS} 個まで登録できます"),
            format!("at most {MAX_KEYS} security keys"),
        ));
    }
    let exclude = existing
        .iter()
        .filter_map(|k| serde_json::from_str::<Passkey>(&k.credential).ok())
        .map(|p| p.cred_id().clone())
        .collect::<Vec<_>>();
    let (options, registration) = webauthn
        .start_passkey_registration(handle(user), &user.email, &user.name, Some(exclude))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = seal::<PasskeyRegistration>(state, user.id.as_str(), registration)?;
    Ok(Challenge {
        options,
        state: sealed,
    })
}

/// Finishes a registration with the browser's answer; the key is stored under `name`.
pub async fn finish_registration(
    state: &AppState,
    auth: &Allowed<OwnAccount>,
    name: &str,
    sealed: &str,
    credential: &RegisterPublicKeyCredential,
) -> Result<SecurityKey, AppError> {
    let webauthn = state.webauthn.as_ref().ok_or_else(unavailable)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::bad(
            "キーの名前を 1〜100 文字で付けてください",
            "name the key (1 to 100 characters)",
        ));
    }
    let user = &auth.user;
    let registration: PasskeyRegistration = unseal(state, user.id.as_str(), sealed)?;
    let passkey = webauthn
        .finish_passkey_registration(credential, &registration)
        .map_err(|_| failed_key())?;
    let id = credential_id(&passkey);
    if state
        .store
        .security_keys(&user.id)
        .await?
        .iter()
        .any(|k| k.id == id)
    {
        return Err(AppError::conflict(
            "このキーは登録済みです",
            "this key is registered already",
        ));
    }
    let key = SecurityKey {
        user: user.id.clone(),
        id: id.clone(),
        name: name.to_owned(),
        credential: serde_json::to_string(&passkey)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        created_at: Time::now(),
        last_used_at: None,
    };
    let event = auth.event(
        "mfa.security_key_added",
        &[],
        serde_json::json!({"key": id, "name": name}),
    );
    state
        .record(Change::AddSecurityKey(key.clone()), event)
        .await?;
    Ok(key)
}

/// Removes one of the user's keys (404 for any other).
pub async fn remove(
    state: &AppState,
    auth: &Allowed<OwnAccount>,
    id: &str,
) -> Result<(), AppError> {
    let user = &auth.user;
    if !state
        .store
        .security_keys(&user.id)
        .await?
        .iter()
        .any(|k| k.id == id)
    {
        return Err(AppError::NotFound);
    }
    let event = auth.event(
        "mfa.security_key_removed",
        &[],
        serde_json::json!({"key": id}),
    );
    state
        .record(
            Change::RemoveSecurityKey {
                user: user.id.clone(),
                key: id.to_owned(),
            },
            event,
        )
        .await?;
    Ok(())
}

/// Starts the second factor with a key, for a session past its password.
pub async fn start_login(
    state: &AppState,
    session: &Session,
    user: &User,
) -> Result<Challenge<RequestChallengeResponse>, AppError> {
    let webauthn = state.webauthn.as_ref().ok_or_else(unavailable)?;
    let passkeys: Vec<Passkey> = state
        .store
        .security_keys(&user.id)
        .await?
        .iter()
        .filter_map(|k| serde_json::from_str(&k.credential).ok())
        .collect();
    if passkeys.is_empty() {
        return Err(AppError::conflict(
            "セキュリティキーが登録されていません。認証アプリのコードを入力してください",
            "no security key is registered: enter your authenticator app's code",
        ));
    }
    let (options, authentication) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = seal::<PasskeyAuthentication>(state, &session.id_hash, authentication)?;
    Ok(Challenge {
        options,
        state: sealed,
    })
}

/// Completes the session with the browser's answer. A wrong answer counts as a failed login.
pub async fn finish_login(
    state: &AppState,
    client: &Client,
    session: &Session,
    user: &User,
    sealed: &str,
    credential: &PublicKeyCredential,
) -> Result<crate::service::accounts::Completed, AppError> {
    if state.login_limiter.check_key(&client.ip).is_err() {
        return Err(AppError::TooManyRequests);
    }
    if user.locked_until.is_some_and(|t| t > Time::now()) {
        return Err(failed_key());
    }
    let webauthn = state.webauthn.as_ref().ok_or_else(unavailable)?;
    let authentication: PasskeyAuthentication = unseal(state, &session.id_hash, sealed)?;
    let event = |action: &str, details: serde_json::Value| Event {
        at: Time::now(),
        actor: Some(user.id.clone()),
        orgs: vec![user.org.clone()],
        action: action.to_owned(),
        details,
        ip: client.ip.clone(),
    };
    let result = match webauthn.finish_passkey_authentication(credential, &authentication) {
        Ok(result) => result,
        Err(e) => {
            crate::service::accounts::count_failure(state, client, user, "security_key").await?;
            tracing::info!(error = %e, "security key refused");
            return Err(failed_key());
        }
    };
    let keys = state.store.security_keys(&user.id).await?;
    let Some((key, mut passkey)) = keys.iter().find_map(|k| {
        let passkey: Passkey = serde_json::from_str(&k.credential).ok()?;
        (passkey.cred_id() == result.cred_id()).then_some((k, passkey))
    }) else {
        return Err(failed_key());
    };
    passkey.update_credential(&result);
    let credential_json =
        serde_json::to_string(&passkey).map_err(|e| AppError::Internal(e.to_string()))?;
    let change = Change::MfaPassed {
        session: session.id_hash.clone(),
        user: user.id.clone(),
        at: Time::now(),
        totp_step: None,
        recovery_code: None,
        security_key: Some((key.id.clone(), credential_json)),
    };
    let passed = event(
        "login.completed",
        serde_json::json!({"method": "security_key", "key": key.id}),
    );
    crate::service::accounts::complete_login(state, client, session, user, vec![(change, passed)])
        .await
}
