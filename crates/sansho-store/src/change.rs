//! Every state change the server can make. A backend applies each in one transaction together
//! with its audit entry ([`crate::Store::apply`]).

use serde::Serialize;

use crate::audit::AuditEntry;
use crate::ids::*;
use crate::operations::OpRecord;
use crate::records::*;
use crate::time::Time;

/// One state change.
#[derive(Clone, Debug)]
pub enum Change {
    CreateOrganization(Organization),
    /// A user with a password already set (the server's bootstrap and the demo) or without one
    /// (an invitation accepted later sets it).
    CreateUser(User),
    /// Sets a new password hash and remembers it so it is not reused.
    SetPassword {
        user: UserId,
        password_hash: String,
        at: Time,
    },
    /// Enrols the second factor: the encrypted TOTP secret and the hashes of the recovery codes
    /// (replacing any earlier ones).
    EnrolTotp {
        user: UserId,
        secret: String,
        recovery_code_hashes: Vec<String>,
    },
    /// A wrong password or code: the count goes up; at the limit, the account locks.
    LoginFailed {
        user: UserId,
        failed_logins: u32,
        locked_until: Option<Time>,
    },
    /// The password was right: a session starts, waiting for the second factor.
    SessionStarted(Session),
    /// The second factor was right: the session is complete. `totp_step` is the step of the code
    /// used (never accepted again); `recovery_code` the hash of a recovery code used up;
    /// `security_key` the key used with its credential as updated (its signature counter).
    MfaPassed {
        session: String,
        user: UserId,
        at: Time,
        totp_step: Option<i64>,
        recovery_code: Option<String>,
        security_key: Option<(String, String)>,
    },
    /// A security key or passkey registered by its user.
    AddSecurityKey(SecurityKey),
    /// A security key removed by its user.
    RemoveSecurityKey {
        user: UserId,
        key: String,
    },
    SessionEnded {
        session: String,
        at: Time,
    },
    SetRole {
        user: UserId,
        role: Role,
    },
    SetDisabled {
        user: UserId,
        disabled: bool,
    },
    CreateInvitation(Invitation),
    /// An invitation was used: the user is created with its password.
    AcceptInvitation {
        invitation: InvitationId,
        user: User,
        at: Time,
    },
    CreateApiToken(ApiToken),
    RevokeApiToken {
        token: TokenId,
        at: Time,
    },
    /// A new system is registered on its first publication.
    CreateSystem(System),
    /// A version with its files, the blobs they need (sha256, bytes) and its review items.
    PublishVersion {
        version: Version,
        files: Vec<VersionFile>,
        blobs: Vec<(String, Vec<u8>)>,
        items: Vec<ReviewItem>,
    },
    CreateEngagement(Engagement),
    /// Puts a version before the institution, with the change report against its base (the
    /// blob `share.change_report` names).
    ShareVersion {
        share: Share,
        change_report: Option<Vec<u8>>,
    },
    /// For 約款: the institution confirms it was shown the risks of the shared version (the share
    /// as it stands after, with `risks_acknowledged_at` set).
    AcknowledgeRisks(Share),
    RecordReview(Review),
    PostMessage(Message),
    AddAttachment {
        attachment: Attachment,
        bytes: Vec<u8>,
    },
    RecordMinutes(Minutes),
    RecordAgreement(Agreement),
    /// The provider's approver countersigns (the agreement as it stands after).
    Countersign(Agreement),
    /// An operational record created (revision 1) or moved on by one step (the record as the
    /// step leaves it; refused as stale unless the stored revision is the one before).
    PutOpRecord(OpRecord),
    /// The server notified a user (an e-mail of what is due). Nothing is stored beyond the
    /// audit entry, whose details say to whom, for which day and what.
    Notified {
        user: UserId,
        day: String,
    },
}

impl Change {
    /// The engagement whose agreement side (shares, reviews, questions, attachments, minutes,
    /// agreements) the change writes; `None` for every other change. A sealed engagement takes
    /// none of these.
    pub fn agreement_side_of(&self) -> Option<&EngagementId> {
        match self {
            Change::ShareVersion { share, .. } | Change::AcknowledgeRisks(share) => {
                Some(&share.engagement)
            }
            Change::RecordReview(r) => Some(&r.engagement),
            Change::PostMessage(m) => Some(&m.engagement),
            Change::AddAttachment { attachment, .. } => Some(&attachment.engagement),
            Change::RecordMinutes(m) => Some(&m.engagement),
            Change::RecordAgreement(a) | Change::Countersign(a) => Some(&a.engagement),
            _ => None,
        }
    }

    /// The record the change writes, as `kind:id`: the audit entry names it, and an export's
    /// verification finds the last entry of each record this way.
    pub fn target(&self) -> String {
        match self {
            Change::CreateOrganization(o) => format!("organization:{}", o.id),
            Change::CreateUser(u) => format!("user:{}", u.id),
            Change::SetPassword { user, .. }
            | Change::EnrolTotp { user, .. }
            | Change::LoginFailed { user, .. }
            | Change::SetRole { user, .. }
            | Change::SetDisabled { user, .. } => format!("user:{user}"),
            Change::SessionStarted(s) => format!("user:{}", s.user),
            Change::MfaPassed { user, .. } | Change::RemoveSecurityKey { user, .. } => {
                format!("user:{user}")
            }
            Change::AddSecurityKey(k) => format!("user:{}", k.user),
            Change::SessionEnded { .. } => "session".to_owned(),
            Change::CreateInvitation(i) => format!("invitation:{}", i.id),
            Change::AcceptInvitation { user, .. } => format!("user:{}", user.id),
            Change::CreateApiToken(t) => format!("token:{}", t.id),
            Change::RevokeApiToken { token, .. } => format!("token:{token}"),
            Change::CreateSystem(s) => format!("system:{}", s.id),
            Change::PublishVersion { version, .. } => format!("version:{}", version.id),
            Change::CreateEngagement(e) => format!("engagement:{}", e.id),
            Change::ShareVersion { share: s, .. } | Change::AcknowledgeRisks(s) => {
                format!("share:{}/{}", s.engagement, s.version)
            }
            Change::RecordReview(r) => {
                format!("review:{}/{}/{}", r.engagement, r.version, r.item_key)
            }
            Change::PostMessage(m) => format!("message:{}", m.id),
            Change::AddAttachment { attachment, .. } => format!("attachment:{}", attachment.id),
            Change::RecordMinutes(m) => format!("minutes:{}", m.id),
            Change::RecordAgreement(a) | Change::Countersign(a) => format!("agreement:{}", a.id),
            Change::PutOpRecord(r) => format!("op:{}", r.id),
            Change::Notified { user, .. } => format!("user:{user}"),
        }
    }

    /// Digest of the record as the change leaves it. For the records of the relationship
    /// (versions, engagements, shares, reviews, messages, attachments, minutes, agreements,
    /// operational records) it is
    /// [`digest`] of the stored record, so an export's verification finds a row edited in the
    /// database. Other changes remember a digest of what they set, secrets excluded.
    pub fn record_digest(&self) -> String {
        match self {
            Change::CreateOrganization(o) => digest(o),
            Change::CreateUser(u) => digest(&redacted(u)),
            Change::AcceptInvitation { user, .. } => digest(&redacted(user)),
            Change::SetRole { user, role } => digest(&(user, role)),
            Change::SetDisabled { user, disabled } => digest(&(user, disabled)),
            Change::SessionStarted(s) => digest(&(&s.user, &s.created_at, &s.ip)),
            Change::CreateInvitation(i) => digest(i),
            Change::CreateApiToken(t) => digest(t),
            Change::RevokeApiToken { token, at } => digest(&(token, at)),
            Change::CreateSystem(s) => digest(s),
            Change::PublishVersion { version, .. } => digest(version),
            Change::CreateEngagement(e) => digest(e),
            Change::ShareVersion { share: s, .. } | Change::AcknowledgeRisks(s) => digest(s),
            Change::RecordReview(r) => digest(r),
            Change::PostMessage(m) => digest(m),
            Change::AddAttachment { attachment, .. } => digest(attachment),
            Change::RecordMinutes(m) => digest(m),
            Change::RecordAgreement(a) | Change::Countersign(a) => digest(a),
            Change::PutOpRecord(r) => digest(r),
            Change::Notified { user, day } => digest(&(user, day)),
            Change::SetPassword { user, at, .. } => digest(&(user, at)),
            Change::EnrolTotp { user, .. } => digest(user),
            Change::LoginFailed {
                user,
                failed_logins,
                locked_until,
            } => digest(&(user, failed_logins, locked_until)),
            Change::MfaPassed {
                user,
                at,
                totp_step,
                security_key,
                ..
            } => digest(&(user, at, totp_step, security_key.as_ref().map(|(id, _)| id))),
            Change::AddSecurityKey(k) => digest(&(&k.user, &k.id, &k.name, &k.created_at)),
            Change::RemoveSecurityKey { user, key } => digest(&(user, key)),
            Change::SessionEnded { at, .. } => digest(at),
        }
    }

    /// The change's name, as audit entries show it.
    pub fn name(&self) -> &'static str {
        match self {
            Change::CreateOrganization(_) => "create_organization",
            Change::CreateUser(_) => "create_user",
            Change::SetPassword { .. } => "set_password",
            Change::EnrolTotp { .. } => "enrol_totp",
            Change::LoginFailed { .. } => "login_failed",
            Change::SessionStarted(_) => "session_started",
            Change::MfaPassed { .. } => "mfa_passed",
            Change::AddSecurityKey(_) => "add_security_key",
            Change::RemoveSecurityKey { .. } => "remove_security_key",
            Change::SessionEnded { .. } => "session_ended",
            Change::SetRole { .. } => "set_role",
            Change::SetDisabled { .. } => "set_disabled",
            Change::CreateInvitation(_) => "create_invitation",
            Change::AcceptInvitation { .. } => "accept_invitation",
            Change::CreateApiToken(_) => "create_api_token",
            Change::RevokeApiToken { .. } => "revoke_api_token",
            Change::CreateSystem(_) => "create_system",
            Change::PublishVersion { .. } => "publish_version",
            Change::CreateEngagement(_) => "create_engagement",
            Change::ShareVersion { .. } => "share_version",
            Change::AcknowledgeRisks(_) => "acknowledge_risks",
            Change::RecordReview(_) => "record_review",
            Change::PostMessage(_) => "post_message",
            Change::AddAttachment { .. } => "add_attachment",
            Change::RecordMinutes(_) => "record_minutes",
            Change::RecordAgreement(_) => "record_agreement",
            Change::Countersign(_) => "countersign",
            Change::PutOpRecord(_) => "put_op_record",
            Change::Notified { .. } => "notified",
        }
    }
}

/// A user as the audit entry remembers it: hashes of secrets stay out, their presence stays in.
fn redacted(u: &User) -> serde_json::Value {
    serde_json::json!({
        "id": u.id, "org": u.org, "email": u.email, "name": u.name, "role": u.role,
        "has_password": u.password_hash.is_some(), "created_at": u.created_at,
    })
}

/// What the audit entry of a change says: who did it, in which organisations, what, with
/// details for readers. The store adds the sequence number, the target and digest of the record
/// (from the change) and the hashes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub at: Time,
    /// The user who acted; `None` for the server itself (bootstrap, demo) or an unknown login.
    pub actor: Option<UserId>,
    /// The organisations the event concerns (the actor's, and the other party of an
    /// engagement), so each sees it in its log.
    pub orgs: Vec<OrgId>,
    /// A dotted name: `review.recorded`, `agreement.signed`, `login.failed` …
    pub action: String,
    /// Facts for a reader of the log (no secrets).
    pub details: serde_json::Value,
    /// Where the request came from.
    pub ip: String,
}

/// What `apply` returns: the audit entry written.
#[derive(Clone, Debug)]
pub struct Applied {
    pub entry: AuditEntry,
}
