//! Every route of the server in one table: method, path, who may call it, what it is. The
//! router is built from it, the OpenAPI document lists its API routes, and the isolation test
//! walks it — every route × every role × own and other tenant — so nothing is reachable that
//! the table does not say.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use sansho_store::records::Role;

use crate::access::{
    Approve, DecideTakeOut, Discuss, ManageUsers, Operate, OwnAccount, Permission, ProviderWork,
    Publish, Read, ReadAudit, Review, Sign,
};
use crate::error::{AppError, Failure};
use crate::state::AppState;
use crate::{api, web};

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// Anyone (login pages, health, the OpenAPI document).
    Public,
    /// Someone in the middle of logging in (a session waiting for its second factor).
    LoggingIn,
    /// Users with one of these roles; for routes with `{engagement}`, only its parties.
    Roles(&'static [Role]),
}

fn roles<P: Permission>() -> Who {
    Who::Roles(P::ROLES)
}

/// One route.
#[derive(Clone, Debug)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub who: Who,
    /// Summary for the OpenAPI document and the docs.
    pub summary: &'static str,
    /// For API routes: the request body's schema, if any.
    pub body: Option<&'static str>,
    /// For API routes: the success response's schema, if any; `Name[]` is a list of them.
    pub reply: Option<&'static str>,
    /// For API routes: the statuses of success (200 unless the table says otherwise).
    pub success: &'static [u16],
}

impl Route {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/v1/")
    }
}

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:expr, $who:expr, $summary:literal $(, body = $body:literal)? $(, reply = $reply:literal)? $(, success = $success:expr)? ;)*) => {
        /// The table, with each route's handler.
        pub fn table() -> Vec<(Route, MethodRouter<AppState>)> {
            vec![$(
                (
                    Route {
                        method: Method::$method,
                        path: $path,
                        who: $who,
                        summary: $summary,
                        body: None $(.or(Some($body)))?,
                        reply: None $(.or(Some($reply)))?,
                        success: routes!(@success $($success)?),
                    },
                    routes!(@method $method, $handler),
                ),
            )*]
        }
    };
    (@success) => { &[200] };
    (@success $s:expr) => { $s };
    (@method GET, $h:expr) => { get($h) };
    (@method POST, $h:expr) => { post($h) };
}

routes! {
    GET "/healthz" => web::login::health, Who::Public, "Health: the database answers";
    GET "/login" => web::login::login_form, Who::Public, "Login page";
    POST "/login" => web::login::login, Who::Public, "Password step of the login";
    GET "/login/mfa" => web::login::mfa_form, Who::LoggingIn, "Second-factor step (or its enrolment)";
    POST "/login/mfa" => web::login::mfa, Who::LoggingIn, "Second factor: TOTP or recovery code";
    POST "/login/security-key/challenge" => web::login::key_challenge, Who::LoggingIn, "Second factor: a security-key challenge";
    POST "/login/security-key" => web::login::key_login, Who::LoggingIn, "Second factor: a security key's answer";
    POST "/logout" => web::login::logout, Who::LoggingIn, "Log out";
    GET "/invitations/{token}" => web::login::invitation_form, Who::Public, "An invitation";
    POST "/invitations/{token}" => web::login::accept_invitation, Who::Public, "Accept an invitation";
    GET "/" => web::engagement::home, roles::<Read>(), "Home: engagements and systems";
    POST "/engagements" => web::engagement::create_engagement, roles::<Approve>(), "Create an engagement";
    GET "/engagements/{engagement}" => web::engagement::engagement, roles::<Read>(), "An engagement";
    POST "/engagements/{engagement}/shares" => web::engagement::share, roles::<ProviderWork>(), "Share a version";
    GET "/engagements/{engagement}/minutes/new" => web::engagement::minutes_form, roles::<Discuss>(), "Minutes form";
    POST "/engagements/{engagement}/minutes" => web::engagement::record_minutes, roles::<Discuss>(), "Record minutes";
    GET "/engagements/{engagement}/attachments/{attachment}" => web::engagement::attachment, roles::<Read>(), "Download an attachment";
    GET "/engagements/{engagement}/export" => web::engagement::export_engagement, roles::<Read>(), "Download the engagement's record";
    GET "/engagements/{engagement}/record" => web::engagement::record_page, roles::<Read>(), "The engagement's record as a printable document";
    GET "/engagements/{engagement}/versions/{version}" => web::review::review_page, roles::<Read>(), "Review of a version";
    GET "/engagements/{engagement}/versions/{version}/files/{file}" => web::engagement::version_file, roles::<Read>(), "A report of a version";
    GET "/engagements/{engagement}/versions/{version}/items/{item}" => web::review::item_page, roles::<Read>(), "One item with its questions";
    POST "/engagements/{engagement}/versions/{version}/reviews" => web::review::record_verdict, roles::<Review>(), "Record a verdict";
    POST "/engagements/{engagement}/versions/{version}/messages" => web::review::post_message, roles::<Discuss>(), "Ask or answer";
    POST "/engagements/{engagement}/versions/{version}/acknowledgement" => web::review::acknowledge, roles::<Review>(), "Acknowledge the stated risks (約款)";
    POST "/engagements/{engagement}/versions/{version}/agreement" => web::review::sign, roles::<Sign>(), "Agree";
    GET "/engagements/{engagement}/agreements/{agreement}" => web::review::agreement_page, roles::<Read>(), "The agreement document";
    POST "/engagements/{engagement}/agreements/{agreement}/countersign" => web::review::countersign, roles::<Approve>(), "Countersign";
    GET "/engagements/{engagement}/operations" => web::operations::operations, roles::<Read>(), "The operation phase: ledger, take-outs, inventories, incidents";
    POST "/engagements/{engagement}/operations/ledger/seed" => web::operations::seed_ledger, roles::<ProviderWork>(), "Make the ledger from the shared model";
    POST "/engagements/{engagement}/operations/ledger" => web::operations::add_ledger_item, roles::<ProviderWork>(), "Add a ledger item by hand";
    POST "/engagements/{engagement}/operations/take-outs" => web::operations::request_take_out, roles::<Operate>(), "Request a take-out";
    POST "/engagements/{engagement}/operations/inventories" => web::operations::schedule_inventory, roles::<ProviderWork>(), "Schedule an inventory";
    GET "/engagements/{engagement}/operations/report" => web::operations::report, roles::<Read>(), "Take-out status report for a period";
    GET "/engagements/{engagement}/operations/{record}" => web::operations::record_page, roles::<Read>(), "An operational record";
    POST "/engagements/{engagement}/operations/{record}/decision" => web::operations::decide, roles::<DecideTakeOut>(), "Approve or refuse a take-out";
    POST "/engagements/{engagement}/operations/{record}/out" => web::operations::mark_out, roles::<Operate>(), "Record that an approved item left";
    POST "/engagements/{engagement}/operations/{record}/return" => web::operations::come_back, roles::<Operate>(), "Record a return or a loss (a take-out), or a device back from a patient";
    POST "/engagements/{engagement}/operations/{record}/count" => web::operations::count, roles::<ProviderWork>(), "Record an inventory's count and close it";
    GET "/engagements/{engagement}/operations/disposals/new" => web::operations::disposal_form, roles::<ProviderWork>(), "Disposal form with the model's procedures";
    POST "/engagements/{engagement}/operations/disposals" => web::operations::record_disposal, roles::<ProviderWork>(), "Record a disposal (with the disposer's certificate)";
    POST "/engagements/{engagement}/operations/lendings" => web::operations::lend, roles::<Operate>(), "Lend a device to a patient, with explanation and consent";
    POST "/engagements/{engagement}/operations/reports" => web::operations::schedule_report, roles::<ProviderWork>(), "Schedule a periodic report";
    POST "/engagements/{engagement}/operations/drills" => web::operations::record_drill, roles::<ProviderWork>(), "Record a continuity drill";
    GET "/engagements/{engagement}/operations/facts" => web::operations::facts_download, roles::<Read>(), "What the records establish, for the next assessment (sansho assess --facts)";
    POST "/engagements/{engagement}/operations/{record}/delivery" => web::operations::deliver_report, roles::<ProviderWork>(), "Deliver a periodic report";
    POST "/engagements/{engagement}/operations/contract-end" => web::operations::start_contract_end, roles::<Approve>(), "Start the contract end: the checklist from the model";
    POST "/engagements/{engagement}/operations/{record}/lines" => web::operations::complete_line, roles::<ProviderWork>(), "A contract-end line done, with its evidence";
    POST "/engagements/{engagement}/operations/{record}/confirmation" => web::operations::confirm_contract_end, roles::<Sign>(), "The institution confirms the contract end";
    POST "/engagements/{engagement}/operations/{record}/seal" => web::operations::seal_contract_end, roles::<Approve>(), "Seal the engagement at its end";
    POST "/engagements/{engagement}/operations/incidents" => web::operations::open_incident, roles::<ProviderWork>(), "Open an incident (in this and other engagements it concerns)";
    POST "/engagements/{engagement}/operations/{record}/steps" => web::operations::incident_step, roles::<ProviderWork>(), "An entry of an incident's timeline";
    POST "/engagements/{engagement}/operations/{record}/disclosure" => web::operations::disclose, roles::<ProviderWork>(), "Disclose an incident's facts to the institution";
    POST "/engagements/{engagement}/operations/{record}/acknowledgement" => web::operations::acknowledge, roles::<Review>(), "Acknowledge a disclosure, a disposal or a periodic report";
    POST "/engagements/{engagement}/operations/{record}/prevention" => web::operations::propose, roles::<ProviderWork>(), "Propose the cause and recurrence-prevention measures";
    POST "/engagements/{engagement}/operations/{record}/prevention/verdict" => web::operations::judge, roles::<Review>(), "Agree to or question the measures";
    POST "/engagements/{engagement}/operations/{record}/close" => web::operations::close_incident, roles::<Approve>(), "Close an incident";
    GET "/account" => web::admin::account, roles::<OwnAccount>(), "One's account";
    POST "/account/password" => web::admin::change_password, roles::<OwnAccount>(), "Change the password";
    POST "/account/tokens" => web::admin::create_token, roles::<OwnAccount>(), "Create an API token";
    POST "/account/tokens/{token}/revoke" => web::admin::revoke_token, roles::<OwnAccount>(), "Revoke an API token";
    POST "/account/security-keys/challenge" => web::admin::key_registration_challenge, roles::<OwnAccount>(), "Start registering a security key";
    POST "/account/security-keys" => web::admin::register_key, roles::<OwnAccount>(), "Register a security key";
    POST "/account/security-keys/{key}/remove" => web::admin::remove_key, roles::<OwnAccount>(), "Remove a security key";
    GET "/organization" => web::admin::organization, roles::<ManageUsers>(), "People of one's organisation";
    POST "/organization/invitations" => web::admin::invite, roles::<ManageUsers>(), "Invite someone";
    POST "/users/{user}/role" => web::admin::set_role, roles::<ManageUsers>(), "Change a role";
    POST "/users/{user}/disabled" => web::admin::set_disabled, roles::<ManageUsers>(), "Disable or enable a user";
    GET "/audit" => web::admin::audit, roles::<ReadAudit>(), "The audit log of one's organisation";
    GET "/api/openapi.json" => api::openapi, Who::Public, "This API's OpenAPI document";
    GET "/api/v1/me" => api::me, roles::<Read>(), "Who the token belongs to", reply = "Me";
    POST "/api/v1/versions" => api::publish, roles::<Publish>(), "Publish a model bundle (201; 200 when the same files were published before)", body = "Bundle", reply = "Published", success = &[201, 200];
    GET "/api/v1/systems" => api::systems, roles::<Read>(), "The provider's systems and versions", reply = "SystemDto[]";
    GET "/api/v1/engagements" => api::engagements_list, roles::<Read>(), "Engagements of one's organisation", reply = "EngagementDto[]";
    POST "/api/v1/engagements" => api::create_engagement, roles::<Approve>(), "Create an engagement", body = "NewEngagement", reply = "Created", success = &[201];
    GET "/api/v1/engagements/{engagement}" => api::engagement, roles::<Read>(), "An engagement", reply = "EngagementDetail";
    POST "/api/v1/engagements/{engagement}/shares" => api::share, roles::<ProviderWork>(), "Share a version", body = "ShareRequest", reply = "ShareResult", success = &[201];
    GET "/api/v1/engagements/{engagement}/messages" => api::messages, roles::<Read>(), "Questions and answers", reply = "MessageDto[]";
    POST "/api/v1/engagements/{engagement}/minutes" => api::record_minutes, roles::<Discuss>(), "Record minutes", body = "MinutesRequest", reply = "Created", success = &[201];
    GET "/api/v1/engagements/{engagement}/operations" => api::operations, roles::<Read>(), "The engagement's operational records with their digests";
    GET "/api/v1/engagements/{engagement}/facts" => api::facts, roles::<Read>(), "What the records establish, for the next assessment (sansho assess --facts)";
    GET "/api/v1/engagements/{engagement}/export" => api::export_engagement, roles::<Read>(), "The engagement's record with its hashes";
    GET "/api/v1/engagements/{engagement}/versions/{version}" => api::review_view, roles::<Read>(), "Review of a version", reply = "ReviewDto";
    POST "/api/v1/engagements/{engagement}/versions/{version}/reviews" => api::record_verdict, roles::<Review>(), "Record a verdict", body = "VerdictRequest", success = &[204];
    POST "/api/v1/engagements/{engagement}/versions/{version}/acknowledgement" => api::acknowledge, roles::<Review>(), "Acknowledge the stated risks (約款)", success = &[204];
    POST "/api/v1/engagements/{engagement}/versions/{version}/messages" => api::post_message, roles::<Discuss>(), "Ask or answer", body = "MessageRequest", reply = "Created", success = &[201];
    POST "/api/v1/engagements/{engagement}/versions/{version}/agreement" => api::sign, roles::<Sign>(), "Agree", body = "SignRequest", reply = "Created", success = &[201];
    GET "/api/v1/engagements/{engagement}/agreements/{agreement}" => api::agreement_get, roles::<Read>(), "An agreement", reply = "AgreementDto";
    POST "/api/v1/engagements/{engagement}/agreements/{agreement}/countersign" => api::countersign, roles::<Approve>(), "Countersign", success = &[204];
}

/// The router: the table, the stylesheet, and the layers every response passes.
pub fn router(state: AppState) -> Router {
    let mut router: Router<AppState> = Router::new();
    for (route, handler) in table() {
        router = router.route(route.path, handler);
    }
    router
        .route("/static/sansho.css", get(stylesheet))
        .route("/static/webauthn.js", get(webauthn_script))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), same_origin))
        .layer(middleware::from_fn(remember_language))
        .layer(middleware::from_fn(security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.limits.bundle_bytes + (1 << 20),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_deadline,
        ))
        .with_state(state)
}

/// A request that takes longer than the limit, however slowly its client sends the body, is
/// answered 408 and its work dropped: a change not yet committed rolls back, as every change is
/// one transaction.
async fn request_deadline(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let limit = state.config.limits.request;
    let path = request.uri().path().to_owned();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Failure {
            error: AppError::TimedOut {
                seconds: limit.as_secs(),
            },
            api: path.starts_with("/api/"),
            lang: sansho_core::Lang::Ja,
            path,
        }
        .into_response(),
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/sansho.css"),
    )
}

async fn webauthn_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/webauthn.js"),
    )
}

async fn not_found(client: crate::access::Client) -> Failure {
    client.fail(AppError::NotFound)
}

/// A form from another site is refused before any handler runs: `Sec-Fetch-Site` when the
/// browser sends it, else `Origin` against the host. The API takes bearer tokens only, which a
/// browser never sends on its own.
async fn same_origin(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if unsafe_method && !request.uri().path().starts_with("/api/") {
        let headers = request.headers();
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let cross = match fetch_site {
            Some(site) => !matches!(site, "same-origin" | "none"),
            None => match (
                headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
                headers.get(header::HOST).and_then(|v| v.to_str().ok()),
            ) {
                (Some(origin), Some(host)) => {
                    let scheme = if state.config.is_https() {
                        "https"
                    } else {
                        "http"
                    };
                    origin != format!("{scheme}://{host}")
                        && origin.trim_end_matches('/')
                            != state.config.public_url.trim_end_matches('/')
                }
                _ => false,
            },
        };
        if cross {
            let lang = sansho_core::Lang::Ja;
            return Failure {
                error: AppError::Csrf,
                api: false,
                lang,
                path: request.uri().path().to_owned(),
            }
            .into_response();
        }
    }
    next.run(request).await
}

/// `?lang=en` (or `ja`) is remembered in a cookie.
async fn remember_language(request: Request, next: Next) -> Response {
    let chosen = request.uri().query().and_then(|q| {
        q.split('&').find_map(|kv| match kv {
            "lang=en" => Some("en"),
            "lang=ja" => Some("ja"),
            _ => None,
        })
    });
    let mut response = next.run(request).await;
    if let Some(lang) = chosen
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{}={lang}; Path=/; SameSite=Lax; Max-Age=31536000",
            crate::access::LANG_COOKIE
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Headers every page carries: no framing, no sniffing, no referrer to other sites, a strict
/// content policy (no inline script: the only script is the server's own security-key file), and no caching of pages that
/// show records.
async fn security_headers(request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"));
    if !is_static {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}
