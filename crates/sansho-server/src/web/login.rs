//! Logging in (password, then the second factor), enrolling the second factor, logging out,
//! and joining through an invitation.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::access::{Client, CsrfForm, PRELOGIN_COOKIE, PageJson, current_session, session_cookie};
use crate::auth::secret;
use crate::error::{AppError, Failure};
use crate::i18n::Tr;
use crate::service::{accounts, security_keys};
use crate::state::AppState;
use crate::web::{Layout, render, safe_next, see_other};

/// A `Set-Cookie` value with the flags every cookie of ours has.
pub fn cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if state.config.is_https() {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or(HeaderValue::from_static("sansho=; Path=/"))
}

/// The cookie that carries a session's token.
fn session_cookie_for(state: &AppState, token: &str) -> HeaderValue {
    cookie(state, session_cookie(state), token, None)
}

fn with_cookie(mut response: Response, value: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, value);
    response
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    t: Tr,
    next: String,
    error: Option<String>,
    email: String,
}

fn login_page(
    state: &AppState,
    client: &Client,
    next: &str,
    error: Option<String>,
    email: &str,
) -> Result<Response, Failure> {
    // A double-submit token for the form: there is no session yet to hold one.
    let token = secret::token("");
    let mut l = Layout::public(client.lang, &client.path);
    l.csrf = token.clone();
    let t = l.t;
    let page = LoginPage {
        l,
        t,
        next: safe_next(next),
        error,
        email: email.to_owned(),
    };
    let response = render(client.lang, &page)?;
    Ok(with_cookie(
        response,
        cookie(state, PRELOGIN_COOKIE, &token, Some(3600)),
    ))
}

pub async fn login_form(
    State(state): State<AppState>,
    client: Client,
    Query(q): Query<NextQuery>,
) -> Result<Response, Failure> {
    login_page(&state, &client, q.next.as_deref().unwrap_or("/"), None, "")
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    client: Client,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, Failure> {
    match accounts::login(&state, &client, &form.email, &form.password).await {
        Ok(token) => {
            let next = format!(
                "/login/mfa?next={}",
                crate::web::url_encode(&safe_next(&form.next))
            );
            Ok(with_cookie(
                see_other(&next),
                session_cookie_for(&state, &token),
            ))
        }
        Err(e @ (AppError::BadRequest { .. } | AppError::TooManyRequests)) => {
            let (ja, en) = e.message();
            let message = Tr::new(client.lang).pick(&ja, &en).to_owned();
            let mut response = login_page(&state, &client, &form.next, Some(message), &form.email)?;
            *response.status_mut() = e.status();
            Ok(response)
        }
        Err(e) => Err(client.fail(e)),
    }
}

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    l: Layout,
    t: Tr,
    next: String,
    error: Option<String>,
    /// The user has security keys and the server can use them.
    keys: bool,
}

/// Whether `user` can use a security key here.
async fn has_keys(state: &AppState, user: &sansho_store::records::User) -> bool {
    state.webauthn.is_some()
        && state
            .store
            .security_keys(&user.id)
            .await
            .is_ok_and(|k| !k.is_empty())
}

#[derive(Template)]
#[template(path = "enrol.html")]
struct EnrolPage {
    l: Layout,
    t: Tr,
    next: String,
    error: Option<String>,
    sealed: String,
    base32: String,
    qr: Option<String>,
}

/// The second step: the code, or — without a second factor yet — its enrolment.
pub async fn mfa_form(
    State(state): State<AppState>,
    client: Client,
    Query(q): Query<NextQuery>,
) -> Result<Response, Failure> {
    let Some((session, user)) = current_session(&state, &client)
        .await
        .map_err(|e| client.fail(e))?
    else {
        return Ok(see_other("/login"));
    };
    let next = safe_next(q.next.as_deref().unwrap_or("/"));
    if session.mfa_at.is_some() {
        return Ok(see_other(&next));
    }
    let mut l = Layout::public(client.lang, &client.path);
    l.csrf = session.csrf_token.clone();
    let t = l.t;
    if user.totp_secret.is_none() {
        let offer = accounts::offer_enrolment(&state, &user);
        return render(
            client.lang,
            &EnrolPage {
                l,
                t,
                next,
                error: None,
                sealed: offer.sealed,
                base32: offer.base32,
                qr: offer.qr_png_base64,
            },
        );
    }
    render(
        client.lang,
        &MfaPage {
            l,
            t,
            next,
            error: None,
            keys: has_keys(&state, &user).await,
        },
    )
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    #[serde(default)]
    next: String,
    /// Present when enrolling.
    #[serde(default)]
    sealed: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery.html")]
struct RecoveryPage {
    l: Layout,
    t: Tr,
    next: String,
    codes: Vec<String>,
}

pub async fn mfa(
    State(state): State<AppState>,
    client: Client,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, Failure> {
    let Some((session, user)) = current_session(&state, &client)
        .await
        .map_err(|e| client.fail(e))?
    else {
        return Ok(see_other("/login"));
    };
    let next = safe_next(&form.next);
    let mut l = Layout::public(client.lang, &client.path);
    l.csrf = session.csrf_token.clone();
    let t = l.t;
    let outcome = match &form.sealed {
        Some(sealed) => accounts::enrol(&state, &client, &session, &user, sealed, &form.code)
            .await
            .map(|(codes, completed)| (Some(codes), completed)),
        None => accounts::second_factor(&state, &client, &session, &user, &form.code)
            .await
            .map(|completed| (None, completed)),
    };
    // The session is a new one from here: its cookie replaces the one of the password step.
    match outcome {
        Ok((Some(codes), completed)) => {
            l.csrf = completed.csrf.clone();
            Ok(with_cookie(
                render(client.lang, &RecoveryPage { l, t, next, codes })?,
                session_cookie_for(&state, &completed.token),
            ))
        }
        Ok((None, completed)) => Ok(with_cookie(
            see_other(&next),
            session_cookie_for(&state, &completed.token),
        )),
        Err(
            e @ (AppError::BadRequest { .. }
            | AppError::TooManyRequests
            | AppError::Conflict { .. }),
        ) => {
            let (ja, en) = e.message();
            let error = Some(t.pick(&ja, &en).to_owned());
            let mut response = match &form.sealed {
                Some(sealed) => {
                    // The same secret again, so the app already scanned keeps working.
                    let raw = accounts::unseal_for(&state, &user, sealed).unwrap_or_default();
                    let base32 = crate::auth::totp::base32(&raw);
                    let qr = crate::auth::totp::qr_png_base64(&raw, &user.email);
                    render(
                        client.lang,
                        &EnrolPage {
                            l,
                            t,
                            next,
                            error,
                            sealed: sealed.clone(),
                            base32,
                            qr,
                        },
                    )?
                }
                None => {
                    let keys = has_keys(&state, &user).await;
                    render(
                        client.lang,
                        &MfaPage {
                            l,
                            t,
                            next,
                            error,
                            keys,
                        },
                    )?
                }
            };
            *response.status_mut() = e.status();
            Ok(response)
        }
        Err(e) => Err(client.fail(e)),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(state): State<AppState>,
    client: Client,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, Failure> {
    if let Some((session, user)) = current_session(&state, &client)
        .await
        .map_err(|e| client.fail(e))?
    {
        accounts::logout(&state, &client, &session, &user)
            .await
            .map_err(|e| client.fail(e))?;
    }
    Ok(with_cookie(
        see_other("/login"),
        cookie(&state, session_cookie(&state), "", Some(0)),
    ))
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    l: Layout,
    t: Tr,
    name: String,
    email: String,
    org: String,
    role: &'static str,
    error: Option<String>,
}

pub async fn invitation_form(
    State(state): State<AppState>,
    client: Client,
    Path(token): Path<String>,
) -> Result<Response, Failure> {
    let invitation = accounts::open_invitation(&state, &token)
        .await
        .map_err(|e| client.fail(e))?;
    let org = state
        .store
        .organization(&invitation.org)
        .await
        .map_err(|e| client.fail(e.into()))?
        .ok_or_else(|| client.fail(AppError::NotFound))?;
    let csrf = secret::token("");
    let mut l = Layout::public(client.lang, &client.path);
    l.csrf = csrf.clone();
    let t = l.t;
    let page = InvitationPage {
        l,
        t,
        name: invitation.name,
        email: invitation.email,
        org: org.name,
        role: crate::i18n::role(t, invitation.role),
        error: None,
    };
    let response = render(client.lang, &page)?;
    Ok(with_cookie(
        response,
        cookie(&state, PRELOGIN_COOKIE, &csrf, Some(3600)),
    ))
}

#[derive(Deserialize)]
pub struct JoinForm {
    password: String,
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    client: Client,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<JoinForm>,
) -> Result<Response, Failure> {
    match accounts::accept_invitation(&state, &client, &token, &form.password).await {
        Ok(user) => {
            // Straight into the login, which enrols the second factor.
            let session = accounts::login(&state, &client, &user.email, &form.password)
                .await
                .map_err(|e| client.fail(e))?;
            Ok(with_cookie(
                see_other("/login/mfa?next=/"),
                session_cookie_for(&state, &session),
            ))
        }
        Err(e @ AppError::BadRequest { .. }) => {
            let invitation = accounts::open_invitation(&state, &token)
                .await
                .map_err(|e| client.fail(e))?;
            let org = state
                .store
                .organization(&invitation.org)
                .await
                .map_err(|e| client.fail(e.into()))?
                .ok_or_else(|| client.fail(AppError::NotFound))?;
            let csrf = secret::token("");
            let mut l = Layout::public(client.lang, &client.path);
            l.csrf = csrf.clone();
            let t = l.t;
            let (ja, en) = e.message();
            let page = InvitationPage {
                l,
                t,
                name: invitation.name,
                email: invitation.email,
                org: org.name,
                role: crate::i18n::role(t, invitation.role),
                error: Some(t.pick(&ja, &en).to_owned()),
            };
            let mut response = render(client.lang, &page)?;
            *response.status_mut() = e.status();
            Ok(with_cookie(
                response,
                cookie(&state, PRELOGIN_COOKIE, &csrf, Some(3600)),
            ))
        }
        Err(e) => Err(client.fail(e)),
    }
}

/// Health for load balancers: the database answers.
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.audit_head().await {
        Ok(_) => (axum::http::StatusCode::OK, "ok"),
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable",
        ),
    }
}

/// The page asks for a security-key challenge (the session is past its password).
pub async fn key_challenge(
    State(state): State<AppState>,
    client: Client,
    PageJson(_): PageJson<serde_json::Value>,
) -> Result<Response, Failure> {
    let Some((session, user)) = current_session(&state, &client)
        .await
        .map_err(|e| client.fail_json(e))?
    else {
        return Err(client.fail_json(AppError::Unauthenticated));
    };
    let challenge = security_keys::start_login(&state, &session, &user)
        .await
        .map_err(|e| client.fail_json(e))?;
    Ok(axum::Json(challenge).into_response())
}

#[derive(Deserialize)]
pub struct KeyAnswer {
    state: String,
    #[serde(default)]
    next: String,
    credential: webauthn_rs::prelude::PublicKeyCredential,
}

/// The browser's answer to the challenge: the session is complete.
pub async fn key_login(
    State(state): State<AppState>,
    client: Client,
    PageJson(answer): PageJson<KeyAnswer>,
) -> Result<Response, Failure> {
    let Some((session, user)) = current_session(&state, &client)
        .await
        .map_err(|e| client.fail_json(e))?
    else {
        return Err(client.fail_json(AppError::Unauthenticated));
    };
    let completed = security_keys::finish_login(
        &state,
        &client,
        &session,
        &user,
        &answer.state,
        &answer.credential,
    )
    .await
    .map_err(|e| client.fail_json(e))?;
    Ok(with_cookie(
        axum::Json(serde_json::json!({"next": safe_next(&answer.next)})).into_response(),
        session_cookie_for(&state, &completed.token),
    ))
}
