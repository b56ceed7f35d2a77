//! Who is asking, and whether they may: the extractors every handler takes.
//!
//! - [`Client`]: any request — language, address, whether it is the API, the session if any.
//! - [`Auth`]: a user who passed both factors (session cookie) or holds a valid API token.
//! - [`Allowed<P>`]: an [`Auth`] whose role (and token scope) grants the permission `P`.
//! - [`Engaged<P>`]: an [`Allowed<P>`] who is a party to the engagement named in the path;
//!   anyone else gets 404, so another tenant's engagements are not even confirmed to exist.
//!
//! The role check happens here, before the body is read, so a disallowed role learns nothing
//! from validation errors. `routes::table` states the same permissions, and the isolation test
//! checks, route by route, that what the table says is what the extractors do.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use sansho_core::Lang;
use sansho_store::records::{
    ApiToken, Engagement, Organization, Role, Scope, Session, System, User,
};
use sansho_store::{EngagementId, Event, OrgId, Time};
use serde::de::DeserializeOwned;

use crate::auth::secret;
use crate::error::{AppError, Failure};
use crate::state::AppState;

/// The session cookie's name: `__Host-` (Secure, host-only, path /) when served over HTTPS.
pub fn session_cookie(state: &AppState) -> &'static str {
    if state.config.is_https() {
        "__Host-sansho"
    } else {
        "sansho_session"
    }
}

pub const LANG_COOKIE: &str = "sansho_lang";

/// Everything about a request that does not need a login.
#[derive(Clone, Debug)]
pub struct Client {
    pub lang: Lang,
    pub ip: String,
    pub api: bool,
    pub path: String,
    pub user_agent: String,
    /// The raw session token from the cookie, if any.
    pub session_token: Option<String>,
}

impl Client {
    pub fn fail(&self, error: AppError) -> Failure {
        Failure {
            error,
            api: self.api,
            lang: self.lang,
            path: self.path.clone(),
        }
    }

    /// A failure answered as JSON, for a page's script (security keys).
    pub fn fail_json(&self, error: AppError) -> Failure {
        Failure {
            api: true,
            ..self.fail(error)
        }
    }
}

pub fn cookies(parts: &Parts) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for value in parts.headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                out.insert(k.trim().to_owned(), v.trim().to_owned());
            }
        }
    }
    out
}

fn query_lang(parts: &Parts) -> Option<Lang> {
    let query = parts.uri.query()?;
    query.split('&').find_map(|kv| match kv {
        "lang=en" => Some(Lang::En),
        "lang=ja" => Some(Lang::Ja),
        _ => None,
    })
}

/// The client's address: the peer, or — when the peer is a trusted proxy — the last address
/// `X-Forwarded-For` names that is not itself a trusted proxy.
fn client_ip(parts: &Parts, state: &AppState) -> String {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let Some(peer) = peer else {
        return "unknown".into();
    };
    if !state.config.trusted_proxies.contains(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !state.config.trusted_proxies.contains(ip))
        .unwrap_or(peer)
        .to_string()
}

impl FromRequestParts<AppState> for Client {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let cookies = cookies(parts);
        let lang = query_lang(parts)
            .or_else(|| match cookies.get(LANG_COOKIE).map(String::as_str) {
                Some("en") => Some(Lang::En),
                Some("ja") => Some(Lang::Ja),
                _ => None,
            })
            .unwrap_or(Lang::Ja);
        let path = parts.uri.path().to_owned();
        Ok(Client {
            lang,
            ip: client_ip(parts, state),
            api: path.starts_with("/api/"),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect(),
            session_token: cookies.get(session_cookie(state)).cloned(),
            path,
        })
    }
}

/// How the user proved who they are.
#[derive(Clone, Debug)]
pub enum Via {
    Session(Session),
    Token(ApiToken),
}

/// A logged-in user (both factors), or a valid API token.
#[derive(Clone, Debug)]
pub struct Auth {
    pub client: Client,
    pub user: User,
    pub org: Organization,
    pub via: Via,
}

/// The CSRF token of the request's session, for the form extractors.
#[derive(Clone, Debug)]
struct CsrfToken(String);

impl Auth {
    /// The audit event of an act by this user, concerning `orgs` besides the user's own.
    pub fn event(&self, action: &str, orgs: &[&OrgId], details: serde_json::Value) -> Event {
        let mut all = vec![self.org.id.clone()];
        for o in orgs {
            if !all.contains(o) {
                all.push((*o).clone());
            }
        }
        Event {
            at: Time::now(),
            actor: Some(self.user.id.clone()),
            orgs: all,
            action: action.to_owned(),
            details,
            ip: self.client.ip.clone(),
        }
    }

    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session(s) => &s.csrf_token,
            Via::Token(_) => "",
        }
    }

    pub fn fail(&self, error: AppError) -> Failure {
        self.client.fail(error)
    }
}

/// A session that is still valid at `now`: not ended, not idle too long, not too old.
pub fn session_alive(state: &AppState, s: &Session, now: Time) -> bool {
    let policy = &state.config.policy;
    s.ended_at.is_none()
        && now.seconds_since(s.last_seen_at) < policy.session_idle_seconds
        && now.seconds_since(s.created_at) < policy.session_absolute_seconds
}

/// The session of a request, alive, with its user (not disabled); second factor not required.
pub async fn current_session(
    state: &AppState,
    client: &Client,
) -> Result<Option<(Session, User)>, AppError> {
    let Some(token) = &client.session_token else {
        return Ok(None);
    };
    let Some(session) = state.store.session(&secret::hash(token)).await? else {
        return Ok(None);
    };
    if !session_alive(state, &session, Time::now()) {
        return Ok(None);
    }
    let Some(user) = state.store.user(&session.user).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    Ok(Some((session, user)))
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let client = Client::from_request_parts(parts, state).await?;
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .map(str::to_owned);
        let fail = |e: AppError| client.fail(e);
        let now = Time::now();
        let (user, via) = if let Some(token) = bearer {
            let Some(t) = state
                .store
                .api_token(&secret::hash(&token))
                .await
                .map_err(|e| fail(e.into()))?
            else {
                return Err(fail(AppError::Unauthenticated));
            };
            if t.revoked_at.is_some() || t.expires_at <= now {
                return Err(fail(AppError::Unauthenticated));
            }
            let Some(user) = state
                .store
                .user(&t.user)
                .await
                .map_err(|e| fail(e.into()))?
            else {
                return Err(fail(AppError::Unauthenticated));
            };
            if user.disabled {
                return Err(fail(AppError::Unauthenticated));
            }
            (user, Via::Token(t))
        } else {
            if client.api {
                // The API is for tokens; a cookie alone would make it open to cross-site requests.
                return Err(fail(AppError::Unauthenticated));
            }
            let Some((session, user)) = current_session(state, &client).await.map_err(&fail)?
            else {
                return Err(fail(AppError::Unauthenticated));
            };
            if session.mfa_at.is_none() {
                return Err(fail(AppError::Unauthenticated));
            }
            // The idle timeout needs to know the session is in use, not the second of each
            // request: a page read that writes waits on every other write (on SQLite, all of
            // them), so the time is kept at most once a minute (a thirtieth of the idle timeout
            // when that is shorter).
            let idle = state.config.policy.session_idle_seconds;
            if now.seconds_since(session.last_seen_at) >= (idle / 30).min(60) {
                state
                    .store
                    .touch_session(&session.id_hash, now)
                    .await
                    .map_err(|e| fail(e.into()))?;
            }
            parts
                .extensions
                .insert(CsrfToken(session.csrf_token.clone()));
            (user, Via::Session(session))
        };
        let Some(org) = state
            .store
            .organization(&user.org)
            .await
            .map_err(|e| fail(e.into()))?
        else {
            return Err(fail(AppError::Unauthenticated));
        };
        Ok(Auth {
            client,
            user,
            org,
            via,
        })
    }
}

/// A permission: the roles that have it, and whether it changes anything (tokens with only the
/// `read` scope cannot).
pub trait Permission: Send + Sync + 'static {
    const ROLES: &'static [Role];
    /// `None` for reading; otherwise the token scope (besides `write`) that also allows it.
    const WRITES: Option<Scope>;
}

macro_rules! permission {
    ($($(#[$doc:meta])* $name:ident = [$($role:ident),*], $writes:expr;)*) => {$(
        $(#[$doc])*
        pub struct $name;
        impl Permission for $name {
            const ROLES: &'static [Role] = &[$(Role::$role),*];
            const WRITES: Option<Scope> = $writes;
        }
    )*};
}

permission! {
    /// See what one's organisation takes part in.
    Read = [ProviderEditor, ProviderApprover, InstitutionReviewer, InstitutionSignatory, Auditor], None;
    /// Publish versions of one's systems.
    Publish = [ProviderEditor, ProviderApprover], Some(Scope::Publish);
    /// Share versions, answer questions, record minutes on the provider's side.
    ProviderWork = [ProviderEditor, ProviderApprover], Some(Scope::Write);
    /// Engagements, invitations to them, countersignatures.
    Approve = [ProviderApprover], Some(Scope::Write);
    /// Verdicts on items, acknowledging the risks of a standard-form contract.
    Review = [InstitutionReviewer, InstitutionSignatory], Some(Scope::Write);
    /// The institution's agreement.
    Sign = [InstitutionSignatory], Some(Scope::Write);
    /// Questions, answers and minutes: either side.
    Discuss = [ProviderEditor, ProviderApprover, InstitutionReviewer, InstitutionSignatory], Some(Scope::Write);
    /// People of one's own organisation: invitations, roles, disabling.
    ManageUsers = [ProviderApprover, InstitutionSignatory], Some(Scope::Write);
    /// The audit log of one's organisation.
    ReadAudit = [ProviderApprover, InstitutionSignatory, Auditor], None;
    /// The operation phase, either side: request take-outs, record that they left and came back.
    Operate = [ProviderEditor, ProviderApprover, InstitutionReviewer, InstitutionSignatory], Some(Scope::Write);
    /// Approve or refuse a take-out (the record narrows it to the institution's planning manager
    /// when medical information leaves).
    DecideTakeOut = [ProviderApprover, InstitutionSignatory], Some(Scope::Write);
    /// One's own account: password, tokens.
    OwnAccount = [ProviderEditor, ProviderApprover, InstitutionReviewer, InstitutionSignatory, Auditor], Some(Scope::Write);
}

/// Whether a token with `scopes` may use a permission.
fn scope_allows<P: Permission>(scopes: &[Scope]) -> bool {
    match P::WRITES {
        None => true,
        Some(extra) => scopes.contains(&Scope::Write) || scopes.contains(&extra),
    }
}

/// An [`Auth`] whose role, and token scope, grant `P`.
pub struct Allowed<P: Permission>(pub Auth, PhantomData<P>);

impl<P: Permission> Allowed<P> {
    /// The server acting for one of its own users while setting itself up (`init`, the demo).
    pub(crate) fn bootstrap(auth: Auth) -> Allowed<P> {
        Allowed(auth, PhantomData)
    }
}

impl<P: Permission> std::ops::Deref for Allowed<P> {
    type Target = Auth;
    fn deref(&self) -> &Auth {
        &self.0
    }
}

impl<P: Permission> FromRequestParts<AppState> for Allowed<P> {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_request_parts(parts, state).await?;
        if !P::ROLES.contains(&auth.user.role) {
            return Err(auth.fail(AppError::Forbidden));
        }
        if let Via::Token(t) = &auth.via
            && !scope_allows::<P>(&t.scopes)
        {
            return Err(auth.fail(AppError::Forbidden));
        }
        Ok(Allowed(auth, PhantomData))
    }
}

/// A path parameter by name.
pub async fn path_param(parts: &mut Parts, state: &AppState, name: &str) -> Option<String> {
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .ok()?;
    params.get(name).cloned()
}

/// A party to the engagement in the path, with the permission `P`.
pub struct Engaged<P: Permission> {
    pub auth: Allowed<P>,
    pub engagement: Engagement,
    pub system: System,
    /// The other party.
    pub counterpart: Organization,
}

impl<P: Permission> Engaged<P> {
    /// The institution's name, whichever side the user is on.
    pub fn institution_name(&self) -> &str {
        if self.is_provider() {
            &self.counterpart.name
        } else {
            &self.auth.org.name
        }
    }

    /// The audit event of an act in this engagement (both parties see it).
    pub fn event(&self, action: &str, details: serde_json::Value) -> Event {
        self.auth.event(
            action,
            &[&self.engagement.provider, &self.engagement.institution],
            details,
        )
    }

    pub fn fail(&self, error: AppError) -> Failure {
        self.auth.fail(error)
    }

    pub fn is_provider(&self) -> bool {
        self.auth.org.id == self.engagement.provider
    }
}

impl<P: Permission> FromRequestParts<AppState> for Engaged<P> {
    type Rejection = Failure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = Allowed::<P>::from_request_parts(parts, state).await?;
        let not_found = || auth.fail(AppError::NotFound);
        let Some(id) = path_param(parts, state, "engagement").await else {
            return Err(not_found());
        };
        let engagement = state
            .store
            .engagement(&EngagementId::new(id))
            .await
            .map_err(|e| auth.fail(e.into()))?
            .ok_or_else(not_found)?;
        let org = &auth.org.id;
        if *org != engagement.provider && *org != engagement.institution {
            return Err(not_found());
        }
        let system = state
            .store
            .system(&engagement.system)
            .await
            .map_err(|e| auth.fail(e.into()))?
            .ok_or_else(not_found)?;
        let other = if *org == engagement.provider {
            &engagement.institution
        } else {
            &engagement.provider
        };
        let counterpart = state
            .store
            .organization(other)
            .await
            .map_err(|e| auth.fail(e.into()))?
            .ok_or_else(not_found)?;
        Ok(Engaged {
            auth,
            engagement,
            system,
            counterpart,
        })
    }
}

/// A form posted from one of this server's pages: the `csrf` field must equal the session's
/// token (the synchronizer pattern; the Origin check in `routes` is a second line).
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

pub const PRELOGIN_COOKIE: &str = "sansho_csrf";

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let client = Client::from_request_parts(&mut parts, state).await?;
        // The session's token (a full session, or one still waiting for its second factor),
        // and before any session, the double-submit cookie the login pages set.
        let mut expected: Vec<String> = Vec::new();
        match parts.extensions.get::<CsrfToken>() {
            Some(t) => expected.push(t.0.clone()),
            None => {
                if let Some((session, _)) = current_session(state, &client)
                    .await
                    .map_err(|e| client.fail(e))?
                {
                    expected.push(session.csrf_token);
                }
                if let Some(token) = cookies(&parts).get(PRELOGIN_COOKIE) {
                    expected.push(token.clone());
                }
            }
        }
        let limit = state.config.limits.text_chars * 8 + 65_536;
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| client.fail(AppError::TooLarge { limit }))?;
        let field: CsrfField =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| client.fail(AppError::Csrf))?;
        if field.csrf.is_empty()
            || !expected
                .iter()
                .any(|t| !t.is_empty() && secret::same(t, &field.csrf))
        {
            return Err(client.fail(AppError::Csrf));
        }
        let value: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            client.fail(AppError::bad(
                format!("フォームの内容を読み取れません: {e}"),
                format!("cannot read the form: {e}"),
            ))
        })?;
        Ok(CsrfForm(value))
    }
}

/// JSON sent by a script of this server's own pages (security keys): the `x-csrf-token` header
/// must equal the session's token, as the `csrf` field of a form must. Errors are JSON.
pub struct PageJson<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PageJson<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let client = Client::from_request_parts(&mut parts, state).await?;
        let given = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let expected = match current_session(state, &client)
            .await
            .map_err(|e| client.fail_json(e))?
        {
            Some((session, _)) => session.csrf_token,
            None => return Err(client.fail_json(AppError::Unauthenticated)),
        };
        if given.is_empty() || expected.is_empty() || !secret::same(&expected, &given) {
            return Err(client.fail_json(AppError::Csrf));
        }
        let limit = 256 * 1024;
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| client.fail_json(AppError::TooLarge { limit }))?;
        let value = serde_json::from_slice(&bytes).map_err(|e| {
            client.fail_json(AppError::bad(
                format!("JSON を読み取れません: {e}"),
                format!("invalid JSON: {e}"),
            ))
        })?;
        Ok(PageJson(value))
    }
}

/// JSON for the API, with errors in the API's own format (Japanese and English).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Failure;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let client = Client::from_request_parts(&mut parts, state).await?;
        let limit = state.config.limits.bundle_bytes + (1 << 20);
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| client.fail(AppError::TooLarge { limit }))?;
        let value = serde_json::from_slice(&bytes).map_err(|e| {
            client.fail(AppError::bad(
                format!(
                    "JSON を読み取れません ({} 行 {} 列): {e}",
                    e.line(),
                    e.column()
                ),
                format!(
                    "invalid JSON at line {} column {}: {e}",
                    e.line(),
                    e.column()
                ),
            ))
        })?;
        Ok(ApiJson(value))
    }
}
