//! Notifications of what is due: once a day, each person who acts in an engagement (the
//! provider's editors and approvers, the institution's signatory and reviewers) gets one e-mail
//! listing what the operations dashboard (要対応・期限) shows in each of their engagements —
//! reports and returns overdue, inventories not counted, acknowledgements and verdicts awaited,
//! certifications expiring, drills overdue. In the portal the same list heads each
//! engagement's operations page.
//!
//! E-mail is sent only when the server has an SMTP relay (`sansho serve --smtp-url`). Each
//! digest sent is an audit entry (to whom, for which day, how many items, the digest of the
//! text), which is also how a restarted server knows it has already sent today's.

use std::collections::BTreeMap;

use lettre::message::Body;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sansho_store::records::{Engagement, Role, User};
use sansho_store::{Change, Event, OrgId, Time};
use sha2::{Digest as _, Sha256};

use crate::error::AppError;
use crate::service::operations::{self as ops, Operations};
use crate::state::AppState;

/// Where and as whom the server sends e-mail.
#[derive(Clone)]
pub struct MailConfig {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS) or `smtps://user:pass@host`:
    /// it may hold a password, so it is never shown.
    pub smtp_url: String,
    /// The sender, e.g. `sansho <sansho@example.jp>`.
    pub from: String,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &"<hidden>")
            .field("from", &self.from)
            .finish()
    }
}

/// Checks the configuration once, at start, so a typo fails `sansho serve` instead of the
/// first morning's mail.
pub fn check(config: &MailConfig) -> anyhow::Result<()> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
        .map_err(|e| anyhow::anyhow!("--smtp-url is not an SMTP URL: {e}"))?;
    config
        .from
        .parse::<lettre::message::Mailbox>()
        .map_err(|e| anyhow::anyhow!("--mail-from {:?} is not an address: {e}", config.from))?;
    Ok(())
}

/// What one engagement needs, for one reader.
#[derive(Clone, Debug)]
pub struct EngagementDue {
    pub engagement: Engagement,
    pub system: String,
    pub institution: String,
    /// (Japanese, English).
    pub items: Vec<(String, String)>,
}

/// What was sent, for the caller and the tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub mails: usize,
    /// People whose digest for the day had been sent already.
    pub already: usize,
    pub failed: usize,
}

/// Whether a role acts on what is due: every role but the auditor, who only reads (the same
/// line as the operations pages draw).
fn acts(role: Role) -> bool {
    role != Role::Auditor
}

/// What is due in `engagement` on `today`: the dashboard's list.
pub async fn due(
    state: &AppState,
    engagement: &Engagement,
    today: &str,
) -> Result<Vec<(String, String)>, AppError> {
    let records = Operations::of_engagement(state, engagement).await?;
    if records.sealed() {
        return Ok(Vec::new());
    }
    let mut items: Vec<(String, String)> = ops::attention(&records, today)
        .into_iter()
        .map(|a| (a.ja, a.en))
        .collect();
    items.extend(ops::attention_from_model(state, engagement, &records, today).await?);
    Ok(items)
}

/// Sends each person who acts in an engagement with something due one digest for `today`,
/// unless theirs was sent already. Does nothing without an SMTP relay.
pub async fn send_digests(state: &AppState, today: &str) -> Result<Sent, AppError> {
    let Some(mail) = state.config.mail.clone() else {
        return Ok(Sent::default());
    };
    let mut sent = Sent::default();
    // Who is still to be told today: once everyone's e-mail has gone out, a run computes no
    // due list at all.
    let mut pending: BTreeMap<String, User> = BTreeMap::new();
    for org in state.store.organizations().await? {
        for user in state.store.users_of(&org.id).await? {
            if user.disabled || !acts(user.role) || user.email.is_empty() {
                continue;
            }
            if already_sent(state, &user.org, &user, today).await? {
                sent.already += 1;
            } else {
                pending.insert(user.id.to_string(), user);
            }
        }
    }
    if pending.is_empty() {
        return Ok(sent);
    }
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&mail.smtp_url)
        .map_err(|e| AppError::Internal(format!("SMTP URL: {e}")))?
        .build();
    let mut per_user: BTreeMap<String, (User, Vec<EngagementDue>)> = BTreeMap::new();
    for org in state.store.organizations().await? {
        for engagement in state.store.engagements_of(&org.id).await? {
            // Each engagement once: from its provider's side.
            if engagement.provider != org.id {
                continue;
            }
            let waiting: Vec<&User> = pending
                .values()
                .filter(|u| u.org == engagement.provider || u.org == engagement.institution)
                .collect();
            if waiting.is_empty() {
                continue;
            }
            let items = due(state, &engagement, today).await?;
            if items.is_empty() {
                continue;
            }
            let system = state
                .store
                .system(&engagement.system)
                .await?
                .map(|s| s.name)
                .unwrap_or_default();
            let institution = state
                .store
                .organization(&engagement.institution)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            let due = EngagementDue {
                engagement: engagement.clone(),
                system,
                institution,
                items,
            };
            for user in waiting {
                per_user
                    .entry(user.id.to_string())
                    .or_insert_with(|| (user.clone(), Vec::new()))
                    .1
                    .push(due.clone());
            }
        }
    }
    for (user, dues) in per_user.into_values() {
        let (subject, body) = compose(&state.config.public_url, today, &dues);
        let message = Message::builder()
            .from(
                mail.from
                    .parse()
                    .map_err(|e| AppError::Internal(format!("mail from: {e}")))?,
            )
            .to(match user.email.parse() {
                Ok(to) => to,
                Err(_) => {
                    sent.failed += 1;
                    continue;
                }
            })
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(
                // Base64 always: Japanese text, read the same by every client.
                Body::new_with_encoding(body.clone(), ContentTransferEncoding::Base64)
                    .map_err(|_| AppError::Internal("mail body".into()))?,
            )
            .map_err(|e| AppError::Internal(format!("mail: {e}")))?;
        if let Err(e) = transport.send(message).await {
            // Logged and tried again at the next run; the day's record is only written once sent.
            tracing::warn!("notification to {} not sent: {e}", user.id);
            sent.failed += 1;
            continue;
        }
        let items: usize = dues.iter().map(|d| d.items.len()).sum();
        let event = Event {
            at: Time::now(),
            actor: None,
            orgs: vec![user.org.clone()],
            action: "notification.sent".to_owned(),
            details: serde_json::json!({
                "user": user.id,
                "day": today,
                "engagements": dues.iter().map(|d| d.engagement.id.to_string()).collect::<Vec<_>>(),
                "items": items,
                "sha256": hex::encode(Sha256::digest(body.as_bytes())),
            }),
            ip: "local".to_owned(),
        };
        let change = Change::Notified {
            user: user.id.clone(),
            day: today.to_owned(),
        };
        state.record(change, event).await?;
        sent.mails += 1;
    }
    Ok(sent)
}

/// Whether the user's digest for `day` is in the audit log already (the last entries of the
/// user's organisation are enough: the digest is written at most once a day).
async fn already_sent(
    state: &AppState,
    org: &OrgId,
    user: &User,
    day: &str,
) -> Result<bool, AppError> {
    let recent = state.store.audit_entries_of(org, 500).await?;
    Ok(recent.iter().any(|e| {
        e.action == "notification.sent"
            && e.details["user"] == user.id.as_str()
            && e.details["day"] == day
    }))
}

/// The digest's subject and text, Japanese first with the English below (one e-mail serves
/// both, as the people of one engagement may read either).
pub fn compose(public_url: &str, today: &str, dues: &[EngagementDue]) -> (String, String) {
    let total: usize = dues.iter().map(|d| d.items.len()).sum();
    let subject =
        format!("[sansho] 要対応・期限 {total} 件 ({today}) / {total} items need attention");
    let mut body = format!("{today} 時点で、運用記録に対応が必要な事項が {total} 件あります。\n\n");
    for d in dues {
        body.push_str(&format!("■ {} — {}\n", d.system, d.institution));
        for (ja, _) in &d.items {
            body.push_str(&format!("  ・{ja}\n"));
        }
        body.push_str(&format!(
            "  {public_url}/engagements/{}/operations\n\n",
            d.engagement.id
        ));
    }
    body.push_str(&format!(
        "---\nAs of {today}, {total} items of the operational records need attention.\n\n"
    ));
    for d in dues {
        body.push_str(&format!("* {} — {}\n", d.system, d.institution));
        for (_, en) in &d.items {
            body.push_str(&format!("  - {en}\n"));
        }
    }
    body.push_str(
        "\nこのメールは sansho サーバーが 1 日 1 回送ります。 / sansho sends this once a day.\n",
    );
    (subject, body)
}

/// Runs [`send_digests`] every few minutes for as long as the server runs: a digest goes out
/// on the first run of each day (Japan time) at or after `hour`.
pub async fn run(state: AppState, hour: u8) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
    loop {
        tick.tick().await;
        let now = Time::now();
        if now.hour_in_japan() < hour {
            continue;
        }
        if let Err(e) = send_digests(&state, &now.date_in_japan()).await {
            tracing::warn!("notifications: {e:?}");
        }
    }
}
