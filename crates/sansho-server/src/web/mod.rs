//! The pages: server-rendered HTML (askama, escaping on by default), Japanese first, usable
//! without JavaScript, printable. Each handler extracts who is asking, makes one call into
//! `service`, and renders or redirects (post/redirect/get).

pub mod admin;
pub mod engagement;
pub mod login;
pub mod operations;
pub mod review;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sansho_core::Lang;
use sansho_store::records::Role;

use crate::access::{Auth, Via};
use crate::error::{AppError, Failure, ModelProblem};
use crate::i18n::{self, Tr};

/// What the frame of every page shows.
#[derive(Clone, Debug)]
pub struct Layout {
    pub t: Tr,
    pub user_name: String,
    pub org_name: String,
    pub role_label: &'static str,
    pub logged_in: bool,
    pub can_manage: bool,
    pub can_audit: bool,
    pub csrf: String,
    /// This page with the other language (for the switch).
    pub other_lang_href: String,
    /// A short notice after an action ("記録しました").
    pub notice: Option<String>,
}

impl Layout {
    pub fn public(lang: Lang, path: &str) -> Layout {
        Layout {
            t: Tr::new(lang),
            user_name: String::new(),
            org_name: String::new(),
            role_label: "",
            logged_in: false,
            can_manage: false,
            can_audit: false,
            csrf: String::new(),
            other_lang_href: other_lang(lang, path),
            notice: None,
        }
    }

    pub fn of(auth: &Auth) -> Layout {
        let t = Tr::new(auth.client.lang);
        let role = auth.user.role;
        Layout {
            t,
            user_name: auth.user.name.clone(),
            org_name: auth.org.name.clone(),
            role_label: i18n::role(t, role),
            logged_in: matches!(auth.via, Via::Session(_)),
            can_manage: matches!(role, Role::ProviderApprover | Role::InstitutionSignatory),
            can_audit: matches!(
                role,
                Role::ProviderApprover | Role::InstitutionSignatory | Role::Auditor
            ),
            csrf: auth.csrf().to_owned(),
            other_lang_href: other_lang(auth.client.lang, &auth.client.path),
            notice: None,
        }
    }

    pub fn with_notice(mut self, notice: Option<&str>) -> Layout {
        self.notice = notice.map(|n| notice_text(self.t, n).to_owned());
        self
    }
}

fn other_lang(lang: Lang, path: &str) -> String {
    let other = match lang {
        Lang::Ja => "en",
        Lang::En => "ja",
    };
    format!("{}?lang={other}", safe_next(path))
}

/// The texts of the notices a redirect may ask for (`?done=…`).
fn notice_text(t: Tr, key: &str) -> &'static str {
    match key {
        "verdict" => t.pick("判断を記録しました。", "The verdict is recorded."),
        "message" => t.pick("投稿しました。", "Posted."),
        "minutes" => t.pick("議事録を記録しました。", "The minutes are recorded."),
        "agreed" => t.pick(
            "合意を記録しました。合意書を印刷・保存できます。",
            "The agreement is recorded. You can print or save it.",
        ),
        "countersigned" => t.pick("提供事業者として確認しました。", "Countersigned."),
        "security_key" => t.pick(
            "セキュリティキーを登録しました。",
            "The security key is registered.",
        ),
        "security_key_removed" => t.pick(
            "セキュリティキーを削除しました。",
            "The security key is removed.",
        ),
        "shared" => t.pick("版を共有しました。", "The version is shared."),
        "acknowledged" => t.pick("リスクの明示を確認しました。", "Acknowledged."),
        "engagement" => t.pick("契約を追加しました。", "The engagement is added."),
        "password" => t.pick("パスワードを変更しました。", "The password is changed."),
        "revoked" => t.pick("トークンを無効にしました。", "The token is revoked."),
        "role" => t.pick("役割を変更しました。", "The role is changed."),
        "disabled" => t.pick("利用者の状態を変更しました。", "The user is updated."),
        "ledger_seeded" => t.pick(
            "モデルの機器・媒体を台帳に取り込みました。",
            "The model's media and devices are in the ledger.",
        ),
        "ledger_current" => t.pick(
            "台帳はモデルと一致しています。追加するものはありませんでした。",
            "The ledger already holds everything the model lists.",
        ),
        "ledger_added" => t.pick("台帳に追加しました。", "The item is added."),
        "take_out_requested" => t.pick(
            "持出しを申請しました。承認を待っています。",
            "The take-out is requested and awaits approval.",
        ),
        "approved" => t.pick("持出しを承認しました。", "The take-out is approved."),
        "refused" => t.pick("持出しを却下しました。", "The take-out is refused."),
        "taken_out" => t.pick("持出しを記録しました。", "The take-out is recorded."),
        "returned" => t.pick("返却を記録しました。", "The return is recorded."),
        "incident_opened" => t.pick(
            "紛失を記録し、インシデントを起票しました。",
            "The loss is recorded and an incident opened.",
        ),
        "incident_updated" => t.pick("対応を記録しました。", "The entry is recorded."),
        "disclosed" => t.pick("開示を記録しました。", "The disclosure is recorded."),
        "acknowledged_report" => t.pick("報告を確認しました。", "Acknowledged."),
        "disposal_recorded" => t.pick(
            "破棄を記録しました。医療機関の企画管理者の確認を待っています。",
            "The disposal is recorded and awaits the planning manager's acknowledgement.",
        ),
        "lent" => t.pick("貸出しを記録しました。", "The lending is recorded."),
        "drill_recorded" => t.pick("訓練を記録しました。", "The drill is recorded."),
        "contract_end_started" => t.pick(
            "契約終了のチェックリストを作成しました。",
            "The contract-end checklist is made.",
        ),
        "line_done" => t.pick("項目の完了を記録しました。", "The line is recorded."),
        "contract_end_confirmed" => t.pick(
            "契約終了の手続きを確認しました。",
            "The contract end is confirmed.",
        ),
        "contract_end_sealed" => t.pick(
            "契約を終了し、記録を封印しました。",
            "The engagement is closed and its records sealed.",
        ),
        "report_scheduled" => t.pick("定期報告を予定しました。", "The report is scheduled."),
        "report_delivered" => t.pick(
            "報告を提出しました。医療機関の確認を待っています。",
            "The report is delivered and awaits acknowledgement.",
        ),
        "prevention_proposed" => t.pick(
            "原因と再発防止策を提案しました。医療機関の判断を待っています。",
            "The measures are proposed and await the institution's verdict.",
        ),
        "prevention_judged" => t.pick("判断を記録しました。", "The verdict is recorded."),
        "incident_closed" => t.pick("インシデントを終結しました。", "The incident is closed."),
        "inventory_scheduled" => t.pick("棚卸表を作成しました。", "The count sheet is made."),
        "inventory_closed" => t.pick(
            "棚卸を締めました。差異はありません。",
            "The inventory is closed with no discrepancy.",
        ),
        "inventory_discrepancies" => t.pick(
            "棚卸を締めました。差異があります。",
            "The inventory is closed with discrepancies.",
        ),
        _ => "",
    }
}

/// A multipart form posted from one of this server's pages (it carries a file): its text fields
/// and its file, with the `csrf` field already checked against the session's token.
pub struct FileForm {
    fields: std::collections::BTreeMap<String, Vec<String>>,
    pub upload: Option<crate::service::review::Upload>,
}

impl FileForm {
    /// Reads the form; a file over `limit` bytes or a wrong CSRF field is refused.
    pub async fn read(
        auth: &Auth,
        form: &mut axum::extract::Multipart,
        limit: usize,
    ) -> Result<FileForm, AppError> {
        let (fields, upload) = read_multipart(form, limit).await?;
        let form = FileForm { fields, upload };
        if auth.csrf().is_empty() || !crate::auth::secret::same(auth.csrf(), &form.one("csrf")) {
            return Err(AppError::Csrf);
        }
        Ok(form)
    }

    /// The first value of a field, or empty.
    pub fn one(&self, name: &str) -> String {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }

    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// The text fields of a multipart form (every value of each name) and its one file field named
/// `attachment`, if a file was chosen. A file over `limit` bytes is refused.
async fn read_multipart(
    form: &mut axum::extract::Multipart,
    limit: usize,
) -> Result<
    (
        std::collections::BTreeMap<String, Vec<String>>,
        Option<crate::service::review::Upload>,
    ),
    AppError,
> {
    let mut fields: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut upload = None;
    while let Some(field) = form.next_field().await.map_err(|err| {
        AppError::bad(
            format!("フォームを読み取れません: {err}"),
            format!("cannot read the form: {err}"),
        )
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "attachment" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let media_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::TooLarge { limit })?;
            if bytes.len() > limit {
                return Err(AppError::TooLarge { limit });
            }
            if !filename.is_empty() && !bytes.is_empty() {
                upload = Some(crate::service::review::Upload {
                    filename,
                    media_type,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let value = field.text().await.map_err(|_| {
                AppError::bad(
                    "フォームの値が文字ではありません",
                    "a form value is not text",
                )
            })?;
            fields.entry(name).or_default().push(value);
        }
    }
    Ok((fields, upload))
}

/// Renders a template into a response (errors become a 500 page).
pub fn render<T: Template>(lang: Lang, page: &T) -> Result<Response, Failure> {
    match page.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => Err(Failure {
            error: AppError::from(e),
            api: false,
            lang,
            path: String::new(),
        }),
    }
}

/// A 303 redirect after a form (post/redirect/get).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// `path` if it is a local path of this server, else `/` (no open redirect).
pub fn safe_next(path: &str) -> String {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control);
    if ok { path.to_owned() } else { "/".to_owned() }
}

/// Percent-encodes a query value.
pub fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    l: Layout,
    t: Tr,
    status: u16,
    message: &'a str,
    problems: &'a [ModelProblem],
}

/// The error page.
pub fn error_page(
    status: StatusCode,
    lang: Lang,
    ja: &str,
    en: &str,
    problems: &[ModelProblem],
) -> Response {
    let l = Layout::public(lang, "/");
    let t = l.t;
    let page = ErrorPage {
        l,
        t,
        status: status.as_u16(),
        message: t.pick(ja, en),
        problems,
    };
    let html = page.render().unwrap_or_else(|_| {
        format!(
            "<!doctype html><title>{}</title><p>{}</p>",
            status.as_u16(),
            status
        )
    });
    let mut response = (status, Html(html)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The rank badge's CSS class.
pub fn rank_class(rank: &str) -> &'static str {
    match rank {
        "S" => "rank rank-s",
        "A" => "rank rank-a",
        "B" => "rank rank-b",
        "C" => "rank rank-c",
        _ => "rank rank-d",
    }
}

/// What an audit action means, in the reader's language; an unknown action is shown as named.
pub fn action_label(t: Tr, action: &str) -> String {
    const LABELS: &[(&str, &str, &str)] = &[
        (
            "organization.registered",
            "組織の登録",
            "organisation registered",
        ),
        ("user.created", "利用者の登録", "user created"),
        ("user.invited", "利用者の招待", "user invited"),
        ("user.joined", "招待の受諾", "invitation accepted"),
        ("user.role_changed", "役割の変更", "role changed"),
        ("user.disabled", "利用者の無効化", "user disabled"),
        ("user.enabled", "利用者の有効化", "user enabled"),
        (
            "login.password_ok",
            "ログイン (パスワード確認)",
            "login: password accepted",
        ),
        (
            "login.completed",
            "ログイン (二要素認証完了)",
            "login completed",
        ),
        (
            "login.recovery_code_used",
            "ログイン (リカバリーコード使用)",
            "login with a recovery code",
        ),
        (
            "session.replaced",
            "ログイン途中のセッションの終了",
            "session of the password step ended",
        ),
        (
            "session.started",
            "セッションの開始 (二要素認証後)",
            "session started after the second factor",
        ),
        ("login.failed", "ログイン失敗", "login failed"),
        ("login.locked", "アカウントのロック", "account locked"),
        ("logout", "ログアウト", "logout"),
        ("mfa.enrolled", "二要素認証の登録", "second factor enrolled"),
        (
            "mfa.security_key_added",
            "セキュリティキーの登録",
            "security key added",
        ),
        (
            "mfa.security_key_removed",
            "セキュリティキーの削除",
            "security key removed",
        ),
        ("password.changed", "パスワードの変更", "password changed"),
        ("token.created", "API トークンの作成", "API token created"),
        ("token.revoked", "API トークンの無効化", "API token revoked"),
        ("system.registered", "システムの登録", "system registered"),
        ("version.published", "版の公開", "version published"),
        ("engagement.created", "契約の登録", "engagement created"),
        ("version.shared", "版の共有", "version shared"),
        (
            "risks.acknowledged",
            "約款のリスクの確認",
            "risks acknowledged",
        ),
        ("review.recorded", "判断の記録", "verdict recorded"),
        ("message.asked", "質問", "question"),
        ("message.answered", "回答", "answer"),
        ("attachment.added", "添付の登録", "attachment added"),
        ("minutes.recorded", "議事録の記録", "minutes recorded"),
        ("agreement.signed", "合意", "agreement"),
        (
            "agreement.carried_over",
            "合意の引き継ぎ",
            "agreement carried over",
        ),
        (
            "agreement.countersigned",
            "提供事業者の確認",
            "countersignature",
        ),
        ("ledger.item_added", "台帳への登録", "ledger item added"),
        ("ledger.item_lost", "台帳: 紛失", "ledger item lost"),
        ("take_out.requested", "持出しの申請", "take-out requested"),
        ("take_out.approved", "持出しの承認", "take-out approved"),
        ("take_out.refused", "持出しの却下", "take-out refused"),
        ("take_out.out", "持出し", "taken out"),
        ("take_out.returned", "返却", "returned"),
        ("take_out.lost", "持出し中の紛失", "lost on a take-out"),
        ("incident.opened", "インシデントの起票", "incident opened"),
        ("incident.step", "インシデント対応の記録", "incident entry"),
        (
            "incident.disclosed",
            "インシデントの開示",
            "incident disclosed",
        ),
        (
            "incident.acknowledged",
            "開示の確認",
            "disclosure acknowledged",
        ),
        (
            "incident.prevention_proposed",
            "再発防止策の提案",
            "measures proposed",
        ),
        (
            "incident.prevention_agreed",
            "再発防止策の合意",
            "measures agreed",
        ),
        (
            "incident.prevention_questioned",
            "再発防止策: 要協議",
            "measures questioned",
        ),
        ("incident.closed", "インシデントの終結", "incident closed"),
        ("disposal.recorded", "破棄の記録", "disposal recorded"),
        (
            "disposal.acknowledged",
            "破棄の報告の確認",
            "disposal acknowledged",
        ),
        (
            "ledger.item_disposed",
            "台帳: 破棄済み",
            "ledger item disposed",
        ),
        ("lending.lent", "患者への貸出し", "lent to a patient"),
        (
            "drill.recorded",
            "事業継続計画の訓練の記録",
            "continuity drill recorded",
        ),
        (
            "notification.sent",
            "通知メールの送信",
            "notification e-mailed",
        ),
        (
            "lending.returned",
            "貸出し機器の返却",
            "lent device returned",
        ),
        ("inventory.scheduled", "棚卸の予定", "inventory scheduled"),
        ("inventory.closed", "棚卸の締め", "inventory closed"),
        ("report.scheduled", "定期報告の予定", "report scheduled"),
        ("report.delivered", "定期報告の提出", "report delivered"),
        (
            "report.acknowledged",
            "定期報告の確認",
            "report acknowledged",
        ),
        (
            "contract_end.started",
            "契約終了の手続き開始",
            "contract end started",
        ),
        (
            "contract_end.line_done",
            "契約終了: 項目の完了",
            "contract-end line done",
        ),
        (
            "contract_end.confirmed",
            "契約終了の確認",
            "contract end confirmed",
        ),
        ("contract_end.sealed", "契約終了: 封印", "engagement sealed"),
    ];
    LABELS.iter().find(|(a, _, _)| *a == action).map_or_else(
        || action.to_owned(),
        |(_, ja, en)| t.pick(ja, en).to_owned(),
    )
}
