//! Errors as people and programs see them: a Japanese page (English on request) for the browser,
//! JSON with both languages for the API. Every error says what was wrong and what would fix it;
//! internal failures are logged and shown without detail.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sansho_core::Lang;
use sansho_store::StoreError;
use serde::Serialize;

/// A diagnostic of an uploaded model, as the API returns it (file:line:col like the CLI).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ModelProblem {
    pub code: String,
    pub severity: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message_ja: String,
    pub message_en: String,
    pub hint_ja: Option<String>,
    pub hint_en: Option<String>,
}

/// What went wrong.
#[derive(Debug)]
pub enum AppError {
    /// The request is malformed or a value is not allowed (400).
    BadRequest { ja: String, en: String },
    /// An uploaded model has errors (422), with the same diagnostics as `sansho check`.
    InvalidModel(Vec<ModelProblem>),
    /// Not logged in, or the session ended (401; pages go to the login).
    Unauthenticated,
    /// Logged in, but the role does not allow it (403).
    Forbidden,
    /// The form did not come from this server's page (403).
    Csrf,
    /// Nothing of that name that this user may see (404). Another tenant's records are
    /// "not found", never "forbidden": their existence is not revealed.
    NotFound,
    /// The state does not allow it now (409), e.g. agreeing while items are still open.
    Conflict { ja: String, en: String },
    /// Too large (413).
    TooLarge { limit: usize },
    /// Too many attempts (429).
    TooManyRequests,
    /// The request took longer than the server allows (408): a client sending slowly.
    TimedOut { seconds: u64 },
    /// A failure of the server itself (500), logged.
    Internal(String),
}

impl AppError {
    pub fn bad(ja: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::BadRequest {
            ja: ja.into(),
            en: en.into(),
        }
    }

    pub fn conflict(ja: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::Conflict {
            ja: ja.into(),
            en: en.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::InvalidModel(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::TimedOut { .. } => StatusCode::REQUEST_TIMEOUT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { .. } => "bad_request",
            AppError::InvalidModel(_) => "invalid_model",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::NotFound => "not_found",
            AppError::Conflict { .. } => "conflict",
            AppError::TooLarge { .. } => "too_large",
            AppError::TooManyRequests => "too_many_requests",
            AppError::TimedOut { .. } => "timed_out",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message in Japanese and English.
    pub fn message(&self) -> (String, String) {
        match self {
            AppError::BadRequest { ja, en } | AppError::Conflict { ja, en } => (ja.clone(), en.clone()),
            AppError::InvalidModel(p) => (
                format!("モデルに {} 件の問題があります。各問題のファイル・行・列を確認して修正してください", p.len()),
                format!("the model has {} problems; fix each at its file, line and column", p.len()),
            ),
            AppError::Unauthenticated => (
                "ログインしていないか、セッションの有効期限が切れました。もう一度ログインしてください".into(),
                "not logged in, or the session expired: log in again".into(),
            ),
            AppError::Forbidden => (
                "この操作を行う権限がありません。必要な場合は組織の管理者に依頼してください".into(),
                "your role does not allow this; ask your organisation's administrator".into(),
            ),
            AppError::Csrf => (
                "フォームの有効期限が切れたか、別のサイトから送信されました。ページを読み込み直してから操作してください".into(),
                "the form expired or was sent from another site: reload the page and try again".into(),
            ),
            AppError::NotFound => (
                "お探しのページまたは記録は見つかりません".into(),
                "no such page or record".into(),
            ),
            AppError::TooLarge { limit } => (
                format!("送信されたデータが大きすぎます (上限 {} MB)", limit >> 20),
                format!("too large (the limit is {} MB)", limit >> 20),
            ),
            AppError::TooManyRequests => (
                "試行回数が多すぎます。しばらく待ってからやり直してください".into(),
                "too many attempts: wait a while and try again".into(),
            ),
            AppError::TimedOut { seconds } => (
                format!("要求の送信が {seconds} 秒以内に終わりませんでした。通信環境を確認してやり直してください"),
                format!("the request was not sent within {seconds} s: check the connection and try again"),
            ),
            AppError::Internal(_) => (
                "サーバーで問題が発生しました。時間をおいてやり直し、続く場合は管理者に連絡してください".into(),
                "the server failed; try again later and tell the administrator if it persists".into(),
            ),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::Conflict(_) => {
                AppError::conflict("同じものがすでに登録されています", "it exists already")
            }
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Stale(what) => AppError::conflict(
                "状態が変わったため、この操作はできません。ページを読み込み直してください",
                format!("the state changed ({what}): reload and try again"),
            ),
            StoreError::Corrupt(what) => AppError::Internal(format!("corrupt record: {what}")),
            StoreError::Backend(what) => AppError::Internal(format!("database: {what}")),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::Internal(format!("template: {e}"))
    }
}

/// An error with how to show it: as JSON (the API) or as a page, in a language.
#[derive(Debug)]
pub struct Failure {
    pub error: AppError,
    pub api: bool,
    pub lang: Lang,
    /// For pages: where to go back after logging in.
    pub path: String,
}

/// What the API answers when it refuses a request: both languages, and for a model with errors
/// the same diagnostics as `sansho check`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub error: ProblemDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemDetail {
    /// `bad_request`, `invalid_model`, `unauthenticated`, `forbidden`, `csrf`, `not_found`,
    /// `conflict`, `too_large`, `too_many_requests`, `timed_out` or `internal`.
    pub code: String,
    pub message_ja: String,
    pub message_en: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<ModelProblem>>,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self.error {
            tracing::error!(%detail, path = %self.path, "request failed");
        }
        let status = self.error.status();
        let (ja, en) = self.error.message();
        if self.api {
            let problems = match &self.error {
                AppError::InvalidModel(p) => Some(p.clone()),
                _ => None,
            };
            let body = Problem {
                error: ProblemDetail {
                    code: self.error.code().to_owned(),
                    message_ja: ja,
                    message_en: en,
                    problems,
                },
            };
            let mut response = (status, axum::Json(body)).into_response();
            if matches!(self.error, AppError::Unauthenticated) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            return response;
        }
        if matches!(self.error, AppError::Unauthenticated) {
            let next = crate::web::safe_next(&self.path);
            return Redirect::to(&format!("/login?next={}", crate::web::url_encode(&next)))
                .into_response();
        }
        crate::web::error_page(
            status,
            self.lang,
            &ja,
            &en,
            match &self.error {
                AppError::InvalidModel(p) => p.as_slice(),
                _ => &[],
            },
        )
    }
}
