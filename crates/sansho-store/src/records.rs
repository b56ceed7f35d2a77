//! The records of the relationship between a provider and its institutions (DOMAIN.md §10).
//!
//! Every record serialises to JSON for exports; [`digest`] of that JSON is what the audit entry
//! that created the record remembers, so a record edited in the database no longer matches its
//! entry.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::*;
use crate::time::Time;

/// SHA-256 (hex) of a record's JSON. serde_json writes struct fields in declaration order and
/// maps in key order, so the same record always gives the same bytes.
pub fn digest<T: Serialize>(record: &T) -> String {
    let bytes = serde_json::to_vec(record).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// SHA-256 (hex) of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What kind of party an organisation is (PGL: 対象事業者, its suppliers, 医療機関等).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Provider,
    Subcontractor,
    OtherProvider,
    Institution,
}

impl OrgKind {
    pub const ALL: [OrgKind; 4] = [
        OrgKind::Provider,
        OrgKind::Subcontractor,
        OrgKind::OtherProvider,
        OrgKind::Institution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Provider => "provider",
            OrgKind::Subcontractor => "subcontractor",
            OrgKind::OtherProvider => "other_provider",
            OrgKind::Institution => "institution",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub created_at: Time,
}

/// What a person may do. Provider roles belong to provider organisations, institution roles to
/// institutions; an auditor reads what its own organisation takes part in and changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Publishes versions, answers questions, records minutes.
    ProviderEditor,
    /// The provider's responsible manager: everything an editor does, plus engagements, users of
    /// the provider and its institutions, and the countersignature of agreements.
    ProviderApprover,
    /// Reviews items, asks questions, records minutes for the institution.
    InstitutionReviewer,
    /// The institution's 管理者 / 企画管理者: everything a reviewer does, plus the agreement.
    InstitutionSignatory,
    /// Reads everything of its organisation, changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::ProviderEditor,
        Role::ProviderApprover,
        Role::InstitutionReviewer,
        Role::InstitutionSignatory,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProviderEditor => "provider_editor",
            Role::ProviderApprover => "provider_approver",
            Role::InstitutionReviewer => "institution_reviewer",
            Role::InstitutionSignatory => "institution_signatory",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Whether the role fits an organisation of `kind`.
    pub fn fits(self, kind: OrgKind) -> bool {
        match self {
            Role::ProviderEditor | Role::ProviderApprover => kind != OrgKind::Institution,
            Role::InstitutionReviewer | Role::InstitutionSignatory => kind == OrgKind::Institution,
            Role::Auditor => true,
        }
    }

    pub fn is_provider(self) -> bool {
        matches!(self, Role::ProviderEditor | Role::ProviderApprover)
    }

    pub fn is_institution(self) -> bool {
        matches!(self, Role::InstitutionReviewer | Role::InstitutionSignatory)
    }
}

/// A person. Secrets are never stored in the clear: the password as an Argon2id hash, the TOTP
/// secret encrypted with the server's key, recovery codes and tokens as SHA-256 hashes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub org: OrgId,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// PHC string (`$argon2id$…`); `None` until the invitation is accepted.
    pub password_hash: Option<String>,
    pub password_changed_at: Option<Time>,
    /// The TOTP secret, encrypted (base64 of nonce ‖ ciphertext); `None` until enrolled.
    pub totp_secret: Option<String>,
    /// The last TOTP time step accepted, so a code is never accepted twice.
    pub totp_last_step: Option<i64>,
    pub failed_logins: u32,
    pub locked_until: Option<Time>,
    pub disabled: bool,
    pub created_at: Time,
}

impl std::fmt::Debug for User {
    /// Secrets are redacted: a `Debug` print may reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("org", &self.org)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "…"))
            .field("totp_secret", &self.totp_secret.as_ref().map(|_| "…"))
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// A one-time recovery code, stored as its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCode {
    pub user: UserId,
    pub code_hash: String,
    pub used_at: Option<Time>,
}

/// A security key or passkey (WebAuthn) registered as a second factor. `credential` is the
/// JSON of the verified credential (public key and signature counter) as the server's WebAuthn
/// library reads it back: public data, opaque to the store. `id` is the credential id
/// (base64url).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityKey {
    pub user: UserId,
    pub id: String,
    pub name: String,
    pub credential: String,
    pub created_at: Time,
    pub last_used_at: Option<Time>,
}

/// A server-side session. The cookie holds a random token; the store keeps its SHA-256 only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id_hash: String,
    pub user: UserId,
    pub created_at: Time,
    pub last_seen_at: Time,
    /// When the second factor was passed; a session without it can only finish the login.
    pub mfa_at: Option<Time>,
    /// The synchronizer token for forms of this session (not secret from the user).
    pub csrf_token: String,
    pub ip: String,
    pub user_agent: String,
    pub ended_at: Option<Time>,
}

/// What an API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read everything the user may read.
    Read,
    /// Publish versions (for CI).
    Publish,
    /// Everything the user may do.
    Write,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Publish, Scope::Write];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Publish => "publish",
            Scope::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A token for the command line and CI, acting for its user within its scopes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: TokenId,
    pub user: UserId,
    pub name: String,
    pub token_hash: String,
    pub scopes: Vec<Scope>,
    pub created_at: Time,
    pub expires_at: Time,
    pub revoked_at: Option<Time>,
}

/// An invitation to join an organisation with a role; the link carries a random token, the
/// store its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub token_hash: String,
    pub org: OrgId,
    pub role: Role,
    pub email: String,
    pub name: String,
    pub created_by: UserId,
    pub created_at: Time,
    pub expires_at: Time,
    pub accepted_at: Option<Time>,
}

/// A system a provider publishes; `key` is the `system.id` of its model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct System {
    pub id: SystemId,
    pub provider: OrgId,
    pub key: String,
    pub name: String,
    pub created_at: Time,
}

/// Counts shown with a version (from its assessment).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub flows: u64,
    pub risks: u64,
    /// Residual risks by rank, `S` to `D`.
    pub residual_by_rank: Vec<(String, u64)>,
    pub untreated_required: u64,
    pub findings_errors: u64,
    pub findings_warnings: u64,
    /// Where the provider's rules say how questions from institutions are taken and answered
    /// (運用管理規程 item k), as the model states it. Left out of the JSON when absent, so the
    /// digests of versions made before it existed do not change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions_policy: Option<String>,
}

/// A published version: immutable, addressed by the SHA-256 of its model bundle. A later version
/// of the same system supersedes it; nothing edits it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub id: VersionId,
    pub system: SystemId,
    /// 1, 2, 3 … within the system.
    pub number: u32,
    pub published_by: UserId,
    pub published_at: Time,
    /// `sansho 0.1.0`: the program that assessed and rendered it.
    pub generator: String,
    /// SHA-256 of the knowledge base used (built-in plus overrides).
    pub kb_digest: String,
    /// The model's entry file within the bundle.
    pub entry: String,
    /// The system's name in this version's model.
    pub name: String,
    pub as_of: Option<String>,
    pub summary: VersionSummary,
    /// SHA-256 over the digests of every file of the version (model, result, reports), in path
    /// order: what an agreement covers.
    pub documents_digest: String,
}

/// What a file of a version is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    /// A file of the model as uploaded.
    Model,
    /// The assessment result (JSON).
    Result,
    /// A deliverable rendered from the result.
    Report,
}

impl FileRole {
    pub fn as_str(self) -> &'static str {
        match self {
            FileRole::Model => "model",
            FileRole::Result => "result",
            FileRole::Report => "report",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [FileRole::Model, FileRole::Result, FileRole::Report]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionFile {
    pub version: VersionId,
    pub role: FileRole,
    pub path: String,
    pub media_type: String,
    pub sha256: String,
    pub size: u64,
}

/// What a review item is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Something the institution is asked to do itself (医療機関等に求める事項).
    Request,
    /// A risk the provider proposes to accept, or to share with the institution.
    Acceptance,
    /// A treatment decision of the provider (reduce or avoid) the institution should know.
    Treatment,
    /// The split of responsibilities between the parties.
    Responsibility,
    /// What remains: residual risks the policy still wants treated.
    Residual,
}

impl ItemKind {
    pub const ALL: [ItemKind; 5] = [
        ItemKind::Request,
        ItemKind::Acceptance,
        ItemKind::Treatment,
        ItemKind::Responsibility,
        ItemKind::Residual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Request => "request",
            ItemKind::Acceptance => "acceptance",
            ItemKind::Treatment => "treatment",
            ItemKind::Responsibility => "responsibility",
            ItemKind::Residual => "residual",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One thing of a version the institution reviews. `key` is stable across versions (made of the
/// model's own ids), so a later version's item is compared with the earlier one's by
/// `content_digest`: the same digest means the same substance, and the earlier agreement carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub version: VersionId,
    pub key: String,
    pub kind: ItemKind,
    /// Position in the review list.
    pub position: u32,
    pub title_ja: String,
    pub title_en: String,
    /// The highest residual rank among the risks concerned (`S`–`D`), if any.
    pub rank: Option<String>,
    /// Everything shown about the item (JSON made by the server from the assessment).
    pub detail: serde_json::Value,
    pub content_digest: String,
}

/// How a system is contracted with an institution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractForm {
    /// A contract negotiated with the institution.
    Individual,
    /// A standard-form contract (約款, Civil Code 548-2): the risks are presented explicitly
    /// before acceptance.
    Yakkan,
}

impl ContractForm {
    pub fn as_str(self) -> &'static str {
        match self {
            ContractForm::Individual => "individual",
            ContractForm::Yakkan => "yakkan",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [ContractForm::Individual, ContractForm::Yakkan]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

/// A system offered to one institution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    pub id: EngagementId,
    pub system: SystemId,
    pub provider: OrgId,
    pub institution: OrgId,
    pub contract_form: ContractForm,
    pub created_by: UserId,
    pub created_at: Time,
}

/// A version put before an engagement's institution. `base` is the last agreed version when it
/// was shared: items equal to the base's are carried, the rest come back for review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub engagement: EngagementId,
    pub version: VersionId,
    pub base: Option<VersionId>,
    pub shared_by: UserId,
    pub shared_at: Time,
    /// For 約款 engagements: when the institution confirmed it had been shown the risks.
    pub risks_acknowledged_at: Option<Time>,
    /// The change report against `base` (sansho-core's diff, JSON), stored as a blob.
    pub change_report: Option<String>,
}

/// The institution's verdict on an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 合意
    Agree,
    /// 要協議: to be discussed.
    Discuss,
    /// 差戻し: sent back to the provider.
    Return,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [Verdict::Agree, Verdict::Discuss, Verdict::Return];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agree => "agree",
            Verdict::Discuss => "discuss",
            Verdict::Return => "return",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Verdict::Agree => "合意",
            Verdict::Discuss => "要協議",
            Verdict::Return => "差戻し",
        }
    }
}

/// A verdict on one item of one version; a later one for the same item replaces it (the audit
/// chain keeps every one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub engagement: EngagementId,
    pub version: VersionId,
    pub item_key: String,
    pub verdict: Verdict,
    pub comment: String,
    pub by: UserId,
    pub at: Time,
}

/// A question or an answer (説明要求 and its reply), about one item or the version as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub engagement: EngagementId,
    pub version: VersionId,
    pub item_key: Option<String>,
    pub author: UserId,
    pub body: String,
    pub at: Time,
}

/// Minutes of a meeting (議事録), linked to the items discussed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minutes {
    pub id: MinutesId,
    pub engagement: EngagementId,
    pub version: Option<VersionId>,
    /// The day of the meeting (`YYYY-MM-DD`).
    pub held_on: String,
    pub attendees: String,
    pub agenda: String,
    pub decisions: String,
    pub item_keys: Vec<String>,
    pub attachments: Vec<AttachmentId>,
    pub recorded_by: UserId,
    pub at: Time,
}

/// A file attached to minutes or a message; its bytes are a blob addressed by `sha256`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub engagement: EngagementId,
    pub filename: String,
    pub media_type: String,
    pub sha256: String,
    pub size: u64,
    pub uploaded_by: UserId,
    pub at: Time,
}

/// How an agreement came about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgreementBasis {
    /// The institution's signatory agreed to the version.
    Signed,
    /// A new version changed nothing the institution agreed to: the agreement on `from` carries.
    CarriedOver { from: AgreementId },
}

/// The institution's agreement to a version (and the provider's countersignature): the exact
/// version, the digest of the documents it covers, who, when and from where, and the audit head
/// at that moment, which anchors the whole chain before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub id: AgreementId,
    pub engagement: EngagementId,
    pub version: VersionId,
    pub basis: AgreementBasis,
    pub statement: String,
    pub documents_digest: String,
    /// SHA-256 over the items agreed (key and content digest, in order).
    pub items_digest: String,
    pub signed_by: UserId,
    pub signed_at: Time,
    pub signed_from: String,
    /// The audit chain's last entry before the agreement: sequence number and hash.
    pub audit_seq: u64,
    pub audit_hash: String,
    pub countersigned_by: Option<UserId>,
    pub countersigned_at: Option<Time>,
}
