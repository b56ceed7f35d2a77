//! sansho-store: what the sansho server records, and the trait its database backends implement.
//!
//! The server is where a provider and the medical institutions it serves meet: the provider
//! publishes assessed versions of a system, each institution reviews what it is asked to accept,
//! asks questions, records minutes and agrees; every such step is kept as evidence for as long as
//! the law asks (DOMAIN.md §10). This crate holds the records of that relationship
//! ([`records`]), every state change the server can make ([`Change`]) and the tamper-evident audit
//! chain ([`audit`]). It knows nothing of SQL: `sansho-store-sqlite` and `sansho-store-postgres`
//! implement [`Store`], each with its own migrations, and the same conformance suite
//! ([`conformance`]) runs on both.
//!
//! **Invariant:** a state change is only ever made through [`Store::apply`] (or
//! [`Store::apply_all`]), which writes the change and its audit entry in one transaction; there is no other way to change a record.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod audit;
mod change;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
mod ids;
pub mod operations;
pub mod records;
mod time;

pub use change::{Applied, Change, Event};
pub use error::StoreError;
pub use ids::{
    AgreementId, AttachmentId, EngagementId, InvitationId, MessageId, MinutesId, OpId, OrgId,
    SystemId, TokenId, UserId, VersionId,
};
pub use time::Time;

use async_trait::async_trait;

use crate::audit::{AuditEntry, Checkpoint};
use crate::operations::OpRecord;
use crate::records::*;

/// Shorthand for the result of a store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The server's storage. Writes go through [`Store::apply`] only (one transaction with its audit
/// entry); everything else reads. Reads return `Ok(None)` for what does not exist; tenant scope is
/// the caller's to check (the server does it in one place, its access extractor), but every list
/// is already narrowed to one organisation, system or engagement.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Makes `change` and appends `event` to the audit chain, atomically: either both are stored or
    /// neither is. The entry's sequence number and hash are assigned here, under a lock that
    /// serialises appends, so the chain never forks.
    async fn apply(&self, change: Change, event: Event) -> Result<Applied>;

    /// Makes several changes, each with its own audit entry, in one transaction: all are stored
    /// or none (a take-out lost, its incident opened and its ledger item marked lost).
    async fn apply_all(&self, changes: Vec<(Change, Event)>) -> Result<Vec<Applied>>;

    /// Records that a session was used (idle timeout). Not a state change of the relationship,
    /// so it is not audited; logins and logouts are.
    async fn touch_session(&self, id_hash: &str, at: Time) -> Result<()>;

    /// Stores a signed checkpoint of the chain head (made by the server's key).
    async fn add_checkpoint(&self, checkpoint: &Checkpoint) -> Result<()>;

    // Parties and people.
    async fn organization(&self, id: &OrgId) -> Result<Option<Organization>>;
    async fn organizations(&self) -> Result<Vec<Organization>>;
    async fn user(&self, id: &UserId) -> Result<Option<User>>;
    async fn user_by_email(&self, email: &str) -> Result<Option<User>>;
    async fn users_of(&self, org: &OrgId) -> Result<Vec<User>>;
    async fn password_history(&self, user: &UserId) -> Result<Vec<String>>;
    async fn recovery_codes(&self, user: &UserId) -> Result<Vec<RecoveryCode>>;
    /// The user's security keys and passkeys, oldest first.
    async fn security_keys(&self, user: &UserId) -> Result<Vec<SecurityKey>>;
    async fn session(&self, id_hash: &str) -> Result<Option<Session>>;
    async fn api_token(&self, hash: &str) -> Result<Option<ApiToken>>;
    async fn api_tokens_of(&self, user: &UserId) -> Result<Vec<ApiToken>>;
    async fn invitation(&self, token_hash: &str) -> Result<Option<Invitation>>;
    async fn invitations_of(&self, org: &OrgId) -> Result<Vec<Invitation>>;

    // Systems and their versions.
    async fn system(&self, id: &SystemId) -> Result<Option<System>>;
    async fn system_by_key(&self, provider: &OrgId, key: &str) -> Result<Option<System>>;
    async fn systems_of(&self, provider: &OrgId) -> Result<Vec<System>>;
    async fn version(&self, id: &VersionId) -> Result<Option<Version>>;
    async fn versions_of(&self, system: &SystemId) -> Result<Vec<Version>>;
    async fn version_files(&self, version: &VersionId) -> Result<Vec<VersionFile>>;
    async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>>;
    /// Stores content under its SHA-256 ahead of the change that refers to it, in a transaction
    /// of its own (nothing if it is there already). Not audited: content is named by its hash,
    /// and the audited record that names it is what counts. A version's reports are hundreds
    /// of megabytes at 10,000 flows; written inside the audited change, they held every other
    /// write (and, through the pool, every page) for seconds. Content left unreferenced by a
    /// change that never came is inert.
    async fn put_blob(&self, sha256: &str, bytes: &[u8]) -> Result<()>;
    async fn review_items(&self, version: &VersionId) -> Result<Vec<ReviewItem>>;

    // Engagements and what happens in them.
    async fn engagement(&self, id: &EngagementId) -> Result<Option<Engagement>>;
    /// Engagements an organisation takes part in: as the provider of the system or as the
    /// institution.
    async fn engagements_of(&self, org: &OrgId) -> Result<Vec<Engagement>>;
    async fn shares(&self, engagement: &EngagementId) -> Result<Vec<Share>>;
    async fn reviews(&self, engagement: &EngagementId, version: &VersionId) -> Result<Vec<Review>>;
    async fn messages(&self, engagement: &EngagementId) -> Result<Vec<Message>>;
    async fn minutes(&self, engagement: &EngagementId) -> Result<Vec<Minutes>>;
    async fn attachment(&self, id: &AttachmentId) -> Result<Option<Attachment>>;
    async fn attachments(&self, engagement: &EngagementId) -> Result<Vec<Attachment>>;
    async fn agreements(&self, engagement: &EngagementId) -> Result<Vec<Agreement>>;
    async fn agreement(&self, id: &AgreementId) -> Result<Option<Agreement>>;

    // The operation phase (ledger, inventories, take-outs, incidents).
    async fn op_record(&self, id: &OpId) -> Result<Option<OpRecord>>;
    /// An engagement's operational records, oldest first.
    async fn op_records(&self, engagement: &EngagementId) -> Result<Vec<OpRecord>>;

    // The audit chain.
    /// Entries with `seq` in `from..=to` (inclusive), in order.
    async fn audit_entries(&self, from: u64, to: u64) -> Result<Vec<AuditEntry>>;
    /// The last entry, if any.
    async fn audit_head(&self) -> Result<Option<AuditEntry>>;
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>>;
    /// Entries that concern an organisation (its users' acts and acts on its engagements).
    async fn audit_entries_of(&self, org: &OrgId, limit: u32) -> Result<Vec<AuditEntry>>;
}
