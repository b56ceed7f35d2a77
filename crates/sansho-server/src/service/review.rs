//! The institution's review of a shared version: the state of every item, verdicts, questions
//! and answers, minutes, the acknowledgement of a standard-form contract's risks, and the status
//! of an engagement as a whole.

use std::collections::BTreeMap;

use sansho_core::diff::ChangeReport;
use sansho_store::records::*;
use sansho_store::{AttachmentId, Change, Event, MessageId, MinutesId, Time, VersionId};
use serde::Serialize;

use crate::access::{Discuss, Engaged, Permission, Review as ReviewPermission};
use crate::auth::secret;
use crate::error::AppError;
use crate::service::share;
use crate::state::AppState;

/// Where an engagement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EngagementStatus {
    /// No version shared yet (未共有).
    NotShared,
    /// The institution is reviewing its first version (確認中).
    InReview,
    /// A new version changed what was agreed (再合意待ち).
    ReagreementPending,
    /// The institution agreed; the provider has not countersigned (事業者確認待ち).
    AwaitingCountersign,
    /// Agreed and countersigned (合意済み).
    Agreed,
}

impl EngagementStatus {
    pub fn label_ja(self) -> &'static str {
        match self {
            EngagementStatus::NotShared => "未共有",
            EngagementStatus::InReview => "確認中",
            EngagementStatus::ReagreementPending => "再合意待ち",
            EngagementStatus::AwaitingCountersign => "事業者の確認待ち",
            EngagementStatus::Agreed => "合意済み",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            EngagementStatus::NotShared => "not shared",
            EngagementStatus::InReview => "in review",
            EngagementStatus::ReagreementPending => "re-agreement pending",
            EngagementStatus::AwaitingCountersign => "awaiting countersignature",
            EngagementStatus::Agreed => "agreed",
        }
    }
}

/// The latest share of an engagement (the version under review or agreed).
pub async fn latest_share(
    state: &AppState,
    engagement: &Engagement,
) -> Result<Option<Share>, AppError> {
    let shares = state.store.shares(&engagement.id).await?;
    Ok(shares
        .into_iter()
        .max_by(|a, b| (a.shared_at, &a.version).cmp(&(b.shared_at, &b.version))))
}

pub async fn status(
    state: &AppState,
    engagement: &Engagement,
) -> Result<EngagementStatus, AppError> {
    let Some(latest) = latest_share(state, engagement).await? else {
        return Ok(EngagementStatus::NotShared);
    };
    let agreements = state.store.agreements(&engagement.id).await?;
    match agreements.iter().find(|a| a.version == latest.version) {
        Some(a) if a.countersigned_at.is_some() => Ok(EngagementStatus::Agreed),
        Some(_) => Ok(EngagementStatus::AwaitingCountersign),
        None if agreements.is_empty() => Ok(EngagementStatus::InReview),
        None => Ok(EngagementStatus::ReagreementPending),
    }
}

/// Where one item stands.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ItemState {
    /// Unchanged since the last agreement: it carries (前回合意済み).
    Carried {
        agreement: String,
        version_number: u32,
    },
    /// The institution's latest verdict.
    Reviewed {
        verdict: String,
        comment: String,
        at: String,
    },
    /// No verdict yet.
    Pending,
}

/// A shared version as the institution reviews it.
pub struct ReviewView {
    pub share: Share,
    pub version: Version,
    pub items: Vec<(ReviewItem, ItemState)>,
    pub base: Option<Version>,
    pub change: Option<ChangeReport>,
    pub agreement: Option<Agreement>,
    /// Whether this is the engagement's latest share (only it can be reviewed and agreed).
    pub current: bool,
}

impl ReviewView {
    /// Every item that is not carried has the verdict 合意.
    pub fn settled(&self) -> bool {
        self.items.iter().all(|(_, s)| match s {
            ItemState::Carried { .. } => true,
            ItemState::Reviewed { verdict, .. } => verdict == Verdict::Agree.as_str(),
            ItemState::Pending => false,
        })
    }

    pub fn count(&self, pred: impl Fn(&ItemState) -> bool) -> usize {
        self.items.iter().filter(|(_, s)| pred(s)).count()
    }
}

/// Loads the review of `version` in the engagement (404 when it is not shared there).
pub async fn view<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    version: &VersionId,
) -> Result<ReviewView, AppError> {
    let shares = state.store.shares(&e.engagement.id).await?;
    let share = shares
        .iter()
        .find(|s| &s.version == version)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let latest = latest_share(state, &e.engagement).await?;
    let version = state
        .store
        .version(&share.version)
        .await?
        .ok_or(AppError::NotFound)?;
    let items = state.store.review_items(&version.id).await?;
    let reviews: BTreeMap<String, Review> = state
        .store
        .reviews(&e.engagement.id, &version.id)
        .await?
        .into_iter()
        .map(|r| (r.item_key.clone(), r))
        .collect();
    let agreements = state.store.agreements(&e.engagement.id).await?;
    let base = match &share.base {
        Some(b) => state.store.version(b).await?,
        None => None,
    };
    // Items equal to the base's carry the agreement made on the base.
    let mut carried: BTreeMap<String, (String, u32)> = BTreeMap::new();
    if let Some(base) = &base
        && let Some(agreement) = agreements
            .iter()
            .filter(|a| a.version == base.id)
            .max_by_key(|a| a.signed_at)
    {
        let base_items = state.store.review_items(&base.id).await?;
        let digests: BTreeMap<&str, &str> = base_items
            .iter()
            .map(|i| (i.key.as_str(), i.content_digest.as_str()))
            .collect();
        for i in &items {
            if digests.get(i.key.as_str()) == Some(&i.content_digest.as_str()) {
                carried.insert(i.key.clone(), (agreement.id.to_string(), base.number));
            }
        }
    }
    let items = items
        .into_iter()
        .map(|i| {
            let state = match (carried.get(&i.key), reviews.get(&i.key)) {
                (Some((agreement, number)), _) => ItemState::Carried {
                    agreement: agreement.clone(),
                    version_number: *number,
                },
                (None, Some(r)) => ItemState::Reviewed {
                    verdict: r.verdict.as_str().to_owned(),
                    comment: r.comment.clone(),
                    at: r.at.to_string(),
                },
                (None, None) => ItemState::Pending,
            };
            (i, state)
        })
        .collect();
    let change = match &share.change_report {
        Some(sha) => match state.store.blob(sha).await? {
            Some(bytes) => serde_json::from_slice(&bytes).ok(),
            None => None,
        },
        None => None,
    };
    let agreement = agreements
        .into_iter()
        .filter(|a| a.version == version.id)
        .max_by_key(|a| a.signed_at);
    Ok(ReviewView {
        current: latest.as_ref().map(|l| &l.version) == Some(&version.id),
        share,
        version,
        items,
        base,
        change,
        agreement,
    })
}

/// Checks a text field: not longer than the limit, no control characters but line breaks and
/// tabs (they would reach other people's screens and the printed record).
pub fn check_text(
    state: &AppState,
    label_ja: &str,
    label_en: &str,
    text: &str,
    required: bool,
) -> Result<String, AppError> {
    let text = text.trim().replace("\r\n", "\n");
    if required && text.is_empty() {
        return Err(AppError::bad(
            format!("{label_ja}を入力してください"),
            format!("{label_en} is required"),
        ));
    }
    if text.chars().count() > state.config.limits.text_chars {
        return Err(AppError::bad(
            format!(
                "{label_ja}は {} 文字以内にしてください",
                state.config.limits.text_chars
            ),
            format!(
                "{label_en} may have at most {} characters",
                state.config.limits.text_chars
            ),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AppError::bad(
            format!("{label_ja}に制御文字が含まれています。取り除いてください"),
            format!("{label_en} contains control characters; remove them"),
        ));
    }
    Ok(text)
}

/// Records the institution's verdict on an item of the version under review.
pub async fn record_verdict(
    state: &AppState,
    e: &Engaged<ReviewPermission>,
    version: &VersionId,
    item_key: &str,
    verdict: Verdict,
    comment: &str,
) -> Result<(), AppError> {
    let view = view(state, e, version).await?;
    if !view.current {
        return Err(AppError::conflict(
            "この版はすでに新しい版に置き換えられています。最新の版で確認してください",
            "a newer version has been shared; review the latest one",
        ));
    }
    if view.agreement.is_some() {
        return Err(AppError::conflict(
            "この版はすでに合意済みです",
            "this version is agreed already",
        ));
    }
    let Some((item, item_state)) = view.items.iter().find(|(i, _)| i.key == item_key) else {
        return Err(AppError::NotFound);
    };
    if matches!(item_state, ItemState::Carried { .. }) {
        return Err(AppError::conflict(
            "この項目は前回の合意から変わっていないため、確認は不要です",
            "this item is unchanged since the last agreement and carries it",
        ));
    }
    let comment = check_text(
        state,
        "コメント",
        "the comment",
        comment,
        verdict != Verdict::Agree,
    )?;
    let review = Review {
        engagement: e.engagement.id.clone(),
        version: version.clone(),
        item_key: item.key.clone(),
        verdict,
        comment: comment.clone(),
        by: e.auth.user.id.clone(),
        at: Time::now(),
    };
    let event = e.event(
        "review.recorded",
        serde_json::json!({"version": version, "item": item.key, "verdict": verdict.as_str(), "comment": comment}),
    );
    state.record(Change::RecordReview(review), event).await?;
    Ok(())
}

/// For a standard-form contract (約款): the institution confirms it was shown the risks.
pub async fn acknowledge_risks(
    state: &AppState,
    e: &Engaged<ReviewPermission>,
    version: &VersionId,
) -> Result<(), AppError> {
    let view = view(state, e, version).await?;
    if e.engagement.contract_form != ContractForm::Yakkan {
        return Err(AppError::conflict(
            "個別契約では不要です",
            "only for standard-form contracts",
        ));
    }
    if view.share.risks_acknowledged_at.is_some() {
        return Ok(());
    }
    let share = Share {
        risks_acknowledged_at: Some(Time::now()),
        ..view.share
    };
    let event = e.event(
        "risks.acknowledged",
        serde_json::json!({"version": version}),
    );
    state.record(Change::AcknowledgeRisks(share), event).await?;
    Ok(())
}

/// A question or an answer, about an item or the version as a whole.
pub async fn post_message(
    state: &AppState,
    e: &Engaged<Discuss>,
    version: &VersionId,
    item_key: Option<&str>,
    body: &str,
) -> Result<MessageId, AppError> {
    let view = view(state, e, version).await?;
    if let Some(key) = item_key
        && !view.items.iter().any(|(i, _)| i.key == key)
    {
        return Err(AppError::NotFound);
    }
    let body = check_text(state, "本文", "the message", body, true)?;
    let message = Message {
        id: MessageId::new(secret::id()),
        engagement: e.engagement.id.clone(),
        version: version.clone(),
        item_key: item_key.map(str::to_owned),
        author: e.auth.user.id.clone(),
        body: body.clone(),
        at: Time::now(),
    };
    let id = message.id.clone();
    let event = e.event(
        if e.is_provider() {
            "message.answered"
        } else {
            "message.asked"
        },
        serde_json::json!({"version": version, "item": item_key, "message": id, "body": body}),
    );
    state.record(Change::PostMessage(message), event).await?;
    Ok(id)
}

/// A file to attach (to minutes).
pub struct Upload {
    pub filename: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// The longest file name kept, in characters; a longer one is shortened before its extension.
const FILE_NAME_CHARS: usize = 200;

/// The name an uploaded file is kept under: its last path component (browsers and scripts may
/// send a whole path), without the trailing dots and spaces Windows drops. Refused: nothing left,
/// `.` or `..`, control characters, and the invisible characters that change how a name is
/// shown — a right-to-left override makes `report\u{202E}fdp.exe` look like `reportexe.pdf`.
pub fn attachment_name(state: &AppState, raw: &str) -> Result<String, AppError> {
    let text = check_text(state, "ファイル名", "the file name", raw, true)?;
    if text.contains(['\n', '\t', '\u{2028}', '\u{2029}']) {
        return Err(AppError::bad(
            "ファイル名に改行やタブが含まれています。取り除いてください",
            "the file name contains a line break or a tab; remove it",
        ));
    }
    if let Some(c) = text.chars().find(|c| is_invisible_format(*c)) {
        return Err(AppError::bad(
            format!(
                "ファイル名に表示の向きを変える文字や見えない文字 (U+{:04X}) が含まれています。取り除いてから添付してください",
                u32::from(c)
            ),
            format!(
                "the file name contains an invisible or direction-changing character (U+{:04X}); remove it and attach the file again",
                u32::from(c)
            ),
        ));
    }
    let last = text.rsplit(['/', '\\']).next().unwrap_or_default();
    let name = last.trim().trim_end_matches(['.', ' ']);
    if name.is_empty() || name == "." || name == ".." {
        return Err(AppError::bad(
            format!(
                "ファイル名 {text:?} にはファイルの名前がありません。名前のあるファイルを添付してください"
            ),
            format!("the file name {text:?} names no file; attach a file with a name"),
        ));
    }
    // Shortening may leave a dot or a space at the end again.
    Ok(shortened(name, FILE_NAME_CHARS)
        .trim_end_matches(['.', ' '])
        .to_owned())
}

/// Bidirectional controls, zero-width and other invisible format characters (Unicode's
/// category Cf): nothing a file name needs, and each can make the name shown differ from the
/// name saved.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
}

/// `name` within `limit` characters, its extension (up to 16 characters) kept.
fn shortened(name: &str, limit: usize) -> String {
    if name.chars().count() <= limit {
        return name.to_owned();
    }
    let extension = name
        .rfind('.')
        .map(|i| &name[i..])
        .filter(|e| e.chars().count() <= 16)
        .unwrap_or("");
    let stem = &name[..name.len() - extension.len()];
    let keep = limit - extension.chars().count();
    stem.chars().take(keep).chain(extension.chars()).collect()
}

/// The media type the uploader declared, kept only as a plain `type/subtype` (lower case,
/// parameters dropped); anything else is `application/octet-stream`. It is a label: files are
/// always served as downloads of `application/octet-stream`, whatever was declared.
fn declared_media_type(declared: &str) -> String {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let token = |t: &str| {
        !t.is_empty()
            && t.len() <= 64
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => essence,
        _ => "application/octet-stream".to_owned(),
    }
}

/// An attachment of the engagement, checked and ready to record with what it belongs to.
fn attachment_change(
    state: &AppState,
    e: &Engaged<Discuss>,
    upload: Upload,
) -> Result<(AttachmentId, (Change, Event)), AppError> {
    if upload.bytes.len() > state.config.limits.attachment_bytes {
        return Err(AppError::TooLarge {
            limit: state.config.limits.attachment_bytes,
        });
    }
    let filename = attachment_name(state, &upload.filename)?;
    let attachment = Attachment {
        id: AttachmentId::new(secret::id()),
        engagement: e.engagement.id.clone(),
        filename: filename.clone(),
        media_type: declared_media_type(&upload.media_type),
        sha256: sha256_hex(&upload.bytes),
        size: upload.bytes.len() as u64,
        uploaded_by: e.auth.user.id.clone(),
        at: Time::now(),
    };
    let id = attachment.id.clone();
    let event = e.event(
        "attachment.added",
        serde_json::json!({"attachment": id, "filename": filename, "sha256": attachment.sha256, "size": attachment.size}),
    );
    let change = Change::AddAttachment {
        attachment,
        bytes: upload.bytes,
    };
    Ok((id, (change, event)))
}

/// What minutes say.
pub struct MinutesInput {
    pub held_on: String,
    pub attendees: String,
    pub agenda: String,
    pub decisions: String,
    pub version: Option<VersionId>,
    pub item_keys: Vec<String>,
    pub attachments: Vec<Upload>,
}

/// Records minutes of a meeting (議事録) with their attachments, in one transaction: a request
/// refused or cut short leaves no attachment behind.
pub async fn record_minutes(
    state: &AppState,
    e: &Engaged<Discuss>,
    input: MinutesInput,
) -> Result<MinutesId, AppError> {
    let held_on = input.held_on.trim();
    if held_on.parse::<jiff::civil::Date>().is_err() {
        return Err(AppError::bad(
            format!("開催日 {held_on:?} は日付 (YYYY-MM-DD) ではありません"),
            format!("the meeting date {held_on:?} is not a date (YYYY-MM-DD)"),
        ));
    }
    let attendees = check_text(state, "出席者", "attendees", &input.attendees, true)?;
    let agenda = check_text(state, "議題", "the agenda", &input.agenda, true)?;
    let decisions = check_text(state, "決定事項", "the decisions", &input.decisions, true)?;
    if let Some(version) = &input.version {
        let view = view(state, e, version).await?;
        for key in &input.item_keys {
            if !view.items.iter().any(|(i, _)| &i.key == key) {
                return Err(AppError::NotFound);
            }
        }
    } else if !input.item_keys.is_empty() {
        return Err(AppError::bad(
            "項目を選ぶときは版も選んでください",
            "choose the version of the items",
        ));
    }
    let mut changes = Vec::with_capacity(input.attachments.len() + 1);
    let mut attachments = Vec::with_capacity(input.attachments.len());
    for upload in input.attachments {
        let (id, change) = attachment_change(state, e, upload)?;
        attachments.push(id);
        changes.push(change);
    }
    let minutes = Minutes {
        id: MinutesId::new(secret::id()),
        engagement: e.engagement.id.clone(),
        version: input.version,
        held_on: held_on.to_owned(),
        attendees,
        agenda,
        decisions,
        item_keys: input.item_keys,
        attachments,
        recorded_by: e.auth.user.id.clone(),
        at: Time::now(),
    };
    let id = minutes.id.clone();
    let event = e.event(
        "minutes.recorded",
        serde_json::json!({"minutes": id, "held_on": minutes.held_on, "items": minutes.item_keys, "attachments": minutes.attachments, "digest": digest(&minutes)}),
    );
    changes.push((Change::RecordMinutes(minutes), event));
    state.record_all(changes).await?;
    Ok(id)
}

/// Makes sure the version is shared in the engagement and the latest; the share.
pub async fn current_share<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    version: &VersionId,
) -> Result<Share, AppError> {
    let latest = latest_share(state, &e.engagement)
        .await?
        .ok_or(AppError::NotFound)?;
    if &latest.version != version {
        let shared = state
            .store
            .shares(&e.engagement.id)
            .await?
            .iter()
            .any(|s| &s.version == version);
        if !shared {
            return Err(AppError::NotFound);
        }
        return Err(AppError::conflict(
            "この版はすでに新しい版に置き換えられています",
            "a newer version has been shared",
        ));
    }
    Ok(latest)
}

/// Every version of a system a provider may share.
pub async fn shareable(state: &AppState, system: &System) -> Result<Vec<Version>, AppError> {
    Ok(state.store.versions_of(&system.id).await?)
}

/// Shares a version by hand (the first share after an engagement is made, or a re-share).
pub async fn share_version(
    state: &AppState,
    e: &Engaged<crate::access::ProviderWork>,
    version: &VersionId,
) -> Result<bool, AppError> {
    let version = state
        .store
        .version(version)
        .await?
        .ok_or(AppError::NotFound)?;
    if version.system != e.engagement.system {
        return Err(AppError::NotFound);
    }
    let outcome = share::share(state, &e.auth.0, &e.engagement, &version, None).await?;
    Ok(outcome.needs_agreement)
}
