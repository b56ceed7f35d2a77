//! sansho-store-sql: the SQL that the SQLite and PostgreSQL backends of the sansho server share.
//!
//! Both databases accept the same statements here (`$1` placeholders, `ON CONFLICT`, text for
//! times and JSON, a byte type for blobs), so the queries and the mapping of rows to records are
//! written once, in [`sql_store!`], and compiled in each backend crate for its own sqlx database
//! type. What differs stays in the backend: migrations, connecting, how a writing transaction
//! takes the lock that serialises audit appends, backups.
//!
//! JSON is stored as text, never as `jsonb`: the audit chain hashes the exact bytes, and `jsonb`
//! would reorder keys.

/// Implements `sansho_store::Store` for `$store`, a struct with a field `pool: sqlx::Pool<$db>`
/// and a method `async fn begin_write(&self) -> Result<sqlx::Transaction<'_, $db>, StoreError>`
/// that starts a transaction holding the write lock. The calling crate depends on `sqlx`,
/// `async-trait`, `serde_json` and `sansho-store`.
#[macro_export]
macro_rules! sql_store {
    ($store:ty, $db:ty) => {
        mod sql_store_impl {
            use super::*;
            use sansho_store::audit::{AuditEntry, Checkpoint, GENESIS};
            use sansho_store::operations::OpRecord;
            use sansho_store::records::*;
            use sansho_store::{
                AgreementId, Applied, AttachmentId, Change, EngagementId, Event, InvitationId,
                MessageId, MinutesId, OpId, OrgId, StoreError, SystemId, Time, TokenId, UserId,
                VersionId,
            };
            use sqlx::Row;

            type Tx<'a> = sqlx::Transaction<'a, $db>;
            type DbRow = <$db as sqlx::Database>::Row;
            type R<T> = Result<T, StoreError>;

            pub(super) fn db_error(e: sqlx::Error) -> StoreError {
                match &e {
                    sqlx::Error::Database(d) if d.is_unique_violation() => {
                        StoreError::Conflict(d.message().to_owned())
                    }
                    sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                        StoreError::NotFound(d.message().to_owned())
                    }
                    sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                        StoreError::Corrupt(e.to_string())
                    }
                    _ => StoreError::Backend(e.to_string()),
                }
            }

            fn text(row: &DbRow, col: &str) -> R<String> {
                row.try_get::<String, _>(col).map_err(db_error)
            }

            fn opt_text(row: &DbRow, col: &str) -> R<Option<String>> {
                row.try_get::<Option<String>, _>(col).map_err(db_error)
            }

            fn int(row: &DbRow, col: &str) -> R<i64> {
                row.try_get::<i64, _>(col).map_err(db_error)
            }

            fn opt_int(row: &DbRow, col: &str) -> R<Option<i64>> {
                row.try_get::<Option<i64>, _>(col).map_err(db_error)
            }

            fn flag(row: &DbRow, col: &str) -> R<bool> {
                row.try_get::<bool, _>(col).map_err(db_error)
            }

            fn corrupt(col: &str, value: &str) -> StoreError {
                StoreError::Corrupt(format!("{col}: {value:?}"))
            }

            fn time(row: &DbRow, col: &str) -> R<Time> {
                let t = text(row, col)?;
                Time::parse(&t).ok_or_else(|| corrupt(col, &t))
            }

            fn opt_time(row: &DbRow, col: &str) -> R<Option<Time>> {
                match opt_text(row, col)? {
                    None => Ok(None),
                    Some(t) => Time::parse(&t).map(Some).ok_or_else(|| corrupt(col, &t)),
                }
            }

            fn json<T: serde::de::DeserializeOwned>(row: &DbRow, col: &str) -> R<T> {
                let t = text(row, col)?;
                serde_json::from_str(&t).map_err(|_| corrupt(col, &t))
            }

            fn to_json<T: serde::Serialize>(value: &T) -> String {
                serde_json::to_string(value).unwrap_or_default()
            }

            fn parsed<T>(row: &DbRow, col: &str, parse: fn(&str) -> Option<T>) -> R<T> {
                let t = text(row, col)?;
                parse(&t).ok_or_else(|| corrupt(col, &t))
            }

            fn count(row: &DbRow, col: &str) -> R<u64> {
                let n = int(row, col)?;
                u64::try_from(n).map_err(|_| corrupt(col, &n.to_string()))
            }

            fn small(row: &DbRow, col: &str) -> R<u32> {
                let n = int(row, col)?;
                u32::try_from(n).map_err(|_| corrupt(col, &n.to_string()))
            }

            fn signed(n: u64) -> i64 {
                i64::try_from(n).unwrap_or(i64::MAX)
            }

            fn organization(row: &DbRow) -> R<Organization> {
                Ok(Organization {
                    id: OrgId::new(text(row, "id")?),
                    name: text(row, "name")?,
                    kind: parsed(row, "kind", OrgKind::parse)?,
                    created_at: time(row, "created_at")?,
                })
            }

            fn user(row: &DbRow) -> R<User> {
                Ok(User {
                    id: UserId::new(text(row, "id")?),
                    org: OrgId::new(text(row, "org_id")?),
                    email: text(row, "email")?,
                    name: text(row, "name")?,
                    role: parsed(row, "role", Role::parse)?,
                    password_hash: opt_text(row, "password_hash")?,
                    password_changed_at: opt_time(row, "password_changed_at")?,
                    totp_secret: opt_text(row, "totp_secret")?,
                    totp_last_step: opt_int(row, "totp_last_step")?,
                    failed_logins: small(row, "failed_logins")?,
                    locked_until: opt_time(row, "locked_until")?,
                    disabled: flag(row, "disabled")?,
                    created_at: time(row, "created_at")?,
                })
            }

            fn session(row: &DbRow) -> R<Session> {
                Ok(Session {
                    id_hash: text(row, "id_hash")?,
                    user: UserId::new(text(row, "user_id")?),
                    created_at: time(row, "created_at")?,
                    last_seen_at: time(row, "last_seen_at")?,
                    mfa_at: opt_time(row, "mfa_at")?,
                    csrf_token: text(row, "csrf_token")?,
                    ip: text(row, "ip")?,
                    user_agent: text(row, "user_agent")?,
                    ended_at: opt_time(row, "ended_at")?,
                })
            }

            fn api_token(row: &DbRow) -> R<ApiToken> {
                let scopes = text(row, "scopes")?;
                let scopes = scopes
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| Scope::parse(s).ok_or_else(|| corrupt("scopes", s)))
                    .collect::<R<Vec<_>>>()?;
                Ok(ApiToken {
                    id: TokenId::new(text(row, "id")?),
                    user: UserId::new(text(row, "user_id")?),
                    name: text(row, "name")?,
                    token_hash: text(row, "token_hash")?,
                    scopes,
                    created_at: time(row, "created_at")?,
                    expires_at: time(row, "expires_at")?,
                    revoked_at: opt_time(row, "revoked_at")?,
                })
            }

            fn invitation(row: &DbRow) -> R<Invitation> {
                Ok(Invitation {
                    id: InvitationId::new(text(row, "id")?),
                    token_hash: text(row, "token_hash")?,
                    org: OrgId::new(text(row, "org_id")?),
                    role: parsed(row, "role", Role::parse)?,
                    email: text(row, "email")?,
                    name: text(row, "name")?,
                    created_by: UserId::new(text(row, "created_by")?),
                    created_at: time(row, "created_at")?,
                    expires_at: time(row, "expires_at")?,
                    accepted_at: opt_time(row, "accepted_at")?,
                })
            }

            fn system(row: &DbRow) -> R<System> {
                Ok(System {
                    id: SystemId::new(text(row, "id")?),
                    provider: OrgId::new(text(row, "provider_id")?),
                    key: text(row, "key")?,
                    name: text(row, "name")?,
                    created_at: time(row, "created_at")?,
                })
            }

            fn version(row: &DbRow) -> R<Version> {
                Ok(Version {
                    id: VersionId::new(text(row, "id")?),
                    system: SystemId::new(text(row, "system_id")?),
                    number: small(row, "number")?,
                    published_by: UserId::new(text(row, "published_by")?),
                    published_at: time(row, "published_at")?,
                    generator: text(row, "generator")?,
                    kb_digest: text(row, "kb_digest")?,
                    entry: text(row, "entry")?,
                    name: text(row, "name")?,
                    as_of: opt_text(row, "as_of")?,
                    summary: json(row, "summary")?,
                    documents_digest: text(row, "documents_digest")?,
                })
            }

            fn version_file(row: &DbRow) -> R<VersionFile> {
                Ok(VersionFile {
                    version: VersionId::new(text(row, "version_id")?),
                    role: parsed(row, "role", FileRole::parse)?,
                    path: text(row, "path")?,
                    media_type: text(row, "media_type")?,
                    sha256: text(row, "sha256")?,
                    size: count(row, "size")?,
                })
            }

            fn review_item(row: &DbRow) -> R<ReviewItem> {
                Ok(ReviewItem {
                    version: VersionId::new(text(row, "version_id")?),
                    key: text(row, "key")?,
                    kind: parsed(row, "kind", ItemKind::parse)?,
                    position: small(row, "position")?,
                    title_ja: text(row, "title_ja")?,
                    title_en: text(row, "title_en")?,
                    rank: opt_text(row, "rank")?,
                    detail: json(row, "detail")?,
                    content_digest: text(row, "content_digest")?,
                })
            }

            fn engagement(row: &DbRow) -> R<Engagement> {
                Ok(Engagement {
                    id: EngagementId::new(text(row, "id")?),
                    system: SystemId::new(text(row, "system_id")?),
                    provider: OrgId::new(text(row, "provider_id")?),
                    institution: OrgId::new(text(row, "institution_id")?),
                    contract_form: parsed(row, "contract_form", ContractForm::parse)?,
                    created_by: UserId::new(text(row, "created_by")?),
                    created_at: time(row, "created_at")?,
                })
            }

            fn share(row: &DbRow) -> R<Share> {
                Ok(Share {
                    engagement: EngagementId::new(text(row, "engagement_id")?),
                    version: VersionId::new(text(row, "version_id")?),
                    base: opt_text(row, "base_version_id")?.map(VersionId::new),
                    shared_by: UserId::new(text(row, "shared_by")?),
                    shared_at: time(row, "shared_at")?,
                    risks_acknowledged_at: opt_time(row, "risks_acknowledged_at")?,
                    change_report: opt_text(row, "change_report")?,
                })
            }

            fn review(row: &DbRow) -> R<Review> {
                Ok(Review {
                    engagement: EngagementId::new(text(row, "engagement_id")?),
                    version: VersionId::new(text(row, "version_id")?),
                    item_key: text(row, "item_key")?,
                    verdict: parsed(row, "verdict", Verdict::parse)?,
                    comment: text(row, "comment")?,
                    by: UserId::new(text(row, "by_user")?),
                    at: time(row, "at")?,
                })
            }

            fn message(row: &DbRow) -> R<Message> {
                Ok(Message {
                    id: MessageId::new(text(row, "id")?),
                    engagement: EngagementId::new(text(row, "engagement_id")?),
                    version: VersionId::new(text(row, "version_id")?),
                    item_key: opt_text(row, "item_key")?,
                    author: UserId::new(text(row, "author")?),
                    body: text(row, "body")?,
                    at: time(row, "at")?,
                })
            }

            fn attachment(row: &DbRow) -> R<Attachment> {
                Ok(Attachment {
                    id: AttachmentId::new(text(row, "id")?),
                    engagement: EngagementId::new(text(row, "engagement_id")?),
                    filename: text(row, "filename")?,
                    media_type: text(row, "media_type")?,
                    sha256: text(row, "sha256")?,
                    size: count(row, "size")?,
                    uploaded_by: UserId::new(text(row, "uploaded_by")?),
                    at: time(row, "at")?,
                })
            }

            fn minutes(row: &DbRow) -> R<Minutes> {
                Ok(Minutes {
                    id: MinutesId::new(text(row, "id")?),
                    engagement: EngagementId::new(text(row, "engagement_id")?),
                    version: opt_text(row, "version_id")?.map(VersionId::new),
                    held_on: text(row, "held_on")?,
                    attendees: text(row, "attendees")?,
                    agenda: text(row, "agenda")?,
                    decisions: text(row, "decisions")?,
                    item_keys: json(row, "item_keys")?,
                    attachments: json(row, "attachments")?,
                    recorded_by: UserId::new(text(row, "recorded_by")?),
                    at: time(row, "at")?,
                })
            }

            fn agreement(row: &DbRow) -> R<Agreement> {
                Ok(Agreement {
                    id: AgreementId::new(text(row, "id")?),
                    engagement: EngagementId::new(text(row, "engagement_id")?),
                    version: VersionId::new(text(row, "version_id")?),
                    basis: json(row, "basis")?,
                    statement: text(row, "statement")?,
                    documents_digest: text(row, "documents_digest")?,
                    items_digest: text(row, "items_digest")?,
                    signed_by: UserId::new(text(row, "signed_by")?),
                    signed_at: time(row, "signed_at")?,
                    signed_from: text(row, "signed_from")?,
                    audit_seq: count(row, "audit_seq")?,
                    audit_hash: text(row, "audit_hash")?,
                    countersigned_by: opt_text(row, "countersigned_by")?.map(UserId::new),
                    countersigned_at: opt_time(row, "countersigned_at")?,
                })
            }

            fn op_record(row: &DbRow) -> R<OpRecord> {
                let record: OpRecord = json(row, "record")?;
                if record.id.as_str() != text(row, "id")? {
                    return Err(corrupt("record", record.id.as_str()));
                }
                Ok(record)
            }

            fn audit_entry(row: &DbRow) -> R<AuditEntry> {
                Ok(AuditEntry {
                    seq: count(row, "seq")?,
                    at: time(row, "at")?,
                    actor: opt_text(row, "actor")?.map(UserId::new),
                    orgs: json(row, "orgs")?,
                    action: text(row, "action")?,
                    change: text(row, "change")?,
                    target: text(row, "target")?,
                    record_digest: text(row, "record_digest")?,
                    details: json(row, "details")?,
                    ip: text(row, "ip")?,
                    prev_hash: text(row, "prev_hash")?,
                    hash: text(row, "hash")?,
                })
            }

            fn checkpoint(row: &DbRow) -> R<Checkpoint> {
                Ok(Checkpoint {
                    seq: count(row, "seq")?,
                    hash: text(row, "hash")?,
                    at: time(row, "at")?,
                    public_key: text(row, "public_key")?,
                    signature: text(row, "signature")?,
                })
            }

            /// Fails with `NotFound` when a statement that must touch a row touched none.
            fn touched(done: u64, what: &str) -> R<()> {
                if done == 0 {
                    Err(StoreError::NotFound(what.to_owned()))
                } else {
                    Ok(())
                }
            }

            async fn insert_user(tx: &mut Tx<'_>, u: &User) -> R<()> {
                sqlx::query(
                    "INSERT INTO users (id, org_id, email, name, role, password_hash, password_changed_at, \
                     totp_secret, totp_last_step, failed_logins, locked_until, disabled, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(u.id.as_str())
                .bind(u.org.as_str())
                .bind(&u.email)
                .bind(&u.name)
                .bind(u.role.as_str())
                .bind(&u.password_hash)
                .bind(u.password_changed_at.map(|t| t.to_string()))
                .bind(&u.totp_secret)
                .bind(u.totp_last_step)
                .bind(i64::from(u.failed_logins))
                .bind(u.locked_until.map(|t| t.to_string()))
                .bind(u.disabled)
                .bind(u.created_at.to_string())
                .execute(&mut **tx)
                .await
                .map_err(db_error)?;
                if let (Some(hash), Some(at)) = (&u.password_hash, u.password_changed_at) {
                    sqlx::query("INSERT INTO password_history (user_id, password_hash, set_at) VALUES ($1, $2, $3)")
                        .bind(u.id.as_str())
                        .bind(hash)
                        .bind(at.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                }
                Ok(())
            }

            async fn write_agreement(tx: &mut Tx<'_>, a: &Agreement, insert: bool) -> R<()> {
                let sql = if insert {
                    "INSERT INTO agreements (id, engagement_id, version_id, basis, statement, documents_digest, \
                     items_digest, signed_by, signed_at, signed_from, audit_seq, audit_hash, countersigned_by, \
                     countersigned_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                } else {
                    "UPDATE agreements SET engagement_id = $2, version_id = $3, basis = $4, statement = $5, \
                     documents_digest = $6, items_digest = $7, signed_by = $8, signed_at = $9, signed_from = $10, \
                     audit_seq = $11, audit_hash = $12, countersigned_by = $13, countersigned_at = $14 \
                     WHERE id = $1 AND countersigned_at IS NULL"
                };
                let done = sqlx::query(sql)
                    .bind(a.id.as_str())
                    .bind(a.engagement.as_str())
                    .bind(a.version.as_str())
                    .bind(to_json(&a.basis))
                    .bind(&a.statement)
                    .bind(&a.documents_digest)
                    .bind(&a.items_digest)
                    .bind(a.signed_by.as_str())
                    .bind(a.signed_at.to_string())
                    .bind(&a.signed_from)
                    .bind(signed(a.audit_seq))
                    .bind(&a.audit_hash)
                    .bind(a.countersigned_by.as_ref().map(|u| u.as_str().to_owned()))
                    .bind(a.countersigned_at.map(|t| t.to_string()))
                    .execute(&mut **tx)
                    .await
                    .map_err(db_error)?;
                if !insert && done.rows_affected() == 0 {
                    return Err(StoreError::Stale(format!("agreement {} is countersigned already or missing", a.id)));
                }
                Ok(())
            }

            async fn write_share(tx: &mut Tx<'_>, s: &Share, insert: bool) -> R<()> {
                let sql = if insert {
                    "INSERT INTO shares (engagement_id, version_id, base_version_id, shared_by, shared_at, \
                     risks_acknowledged_at, change_report) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                } else {
                    "UPDATE shares SET base_version_id = $3, shared_by = $4, shared_at = $5, \
                     risks_acknowledged_at = $6, change_report = $7 WHERE engagement_id = $1 AND version_id = $2"
                };
                let done = sqlx::query(sql)
                    .bind(s.engagement.as_str())
                    .bind(s.version.as_str())
                    .bind(s.base.as_ref().map(|v| v.as_str().to_owned()))
                    .bind(s.shared_by.as_str())
                    .bind(s.shared_at.to_string())
                    .bind(s.risks_acknowledged_at.map(|t| t.to_string()))
                    .bind(&s.change_report)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_error)?;
                touched(done.rows_affected(), "share")
            }

            async fn put_blob(tx: &mut Tx<'_>, sha256: &str, bytes: &[u8]) -> R<()> {
                sqlx::query("INSERT INTO blobs (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
                    .bind(sha256)
                    .bind(signed(bytes.len() as u64))
                    .bind(bytes)
                    .execute(&mut **tx)
                    .await
                    .map_err(db_error)?;
                Ok(())
            }

            /// Writes the change's rows (no audit).
            /// Inserts revision 1; any later revision replaces exactly the one before it, or the
            /// step is stale (someone else moved the record on since it was read).
            async fn write_op_record(tx: &mut Tx<'_>, r: &OpRecord) -> R<()> {
                let record = to_json(r);
                if r.revision == 1 {
                    sqlx::query(
                        "INSERT INTO op_records (id, engagement_id, kind, revision, record, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(r.id.as_str())
                    .bind(r.engagement.as_str())
                    .bind(r.kind().as_str())
                    .bind(i64::from(r.revision))
                    .bind(record)
                    .bind(r.created_at.to_string())
                    .bind(r.updated_at.to_string())
                    .execute(&mut **tx)
                    .await
                    .map_err(db_error)?;
                    return Ok(());
                }
                let done = sqlx::query(
                    "UPDATE op_records SET revision = $2, record = $3, updated_at = $4 \
                     WHERE id = $1 AND engagement_id = $5 AND kind = $6 AND revision = $7",
                )
                .bind(r.id.as_str())
                .bind(i64::from(r.revision))
                .bind(record)
                .bind(r.updated_at.to_string())
                .bind(r.engagement.as_str())
                .bind(r.kind().as_str())
                .bind(i64::from(r.revision) - 1)
                .execute(&mut **tx)
                .await
                .map_err(db_error)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Stale(format!(
                        "operational record {} is not at revision {}",
                        r.id,
                        r.revision.saturating_sub(1)
                    )));
                }
                Ok(())
            }

            async fn write(tx: &mut Tx<'_>, change: &Change) -> R<()> {
                match change {
                    Change::CreateOrganization(o) => {
                        sqlx::query("INSERT INTO organizations (id, name, kind, created_at) VALUES ($1, $2, $3, $4)")
                            .bind(o.id.as_str())
                            .bind(&o.name)
                            .bind(o.kind.as_str())
                            .bind(o.created_at.to_string())
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                    }
                    Change::CreateUser(u) => insert_user(tx, u).await?,
                    Change::SetPassword { user, password_hash, at } => {
                        let done = sqlx::query(
                            "UPDATE users SET password_hash = $2, password_changed_at = $3, failed_logins = 0, \
                             locked_until = NULL WHERE id = $1",
                        )
                        .bind(user.as_str())
                        .bind(password_hash)
                        .bind(at.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                        touched(done.rows_affected(), "user")?;
                        sqlx::query("INSERT INTO password_history (user_id, password_hash, set_at) VALUES ($1, $2, $3)")
                            .bind(user.as_str())
                            .bind(password_hash)
                            .bind(at.to_string())
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                    }
                    Change::EnrolTotp { user, secret, recovery_code_hashes } => {
                        let done = sqlx::query("UPDATE users SET totp_secret = $2, totp_last_step = NULL WHERE id = $1")
                            .bind(user.as_str())
                            .bind(secret)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                        touched(done.rows_affected(), "user")?;
                        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                            .bind(user.as_str())
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                        for hash in recovery_code_hashes {
                            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                                .bind(user.as_str())
                                .bind(hash)
                                .execute(&mut **tx)
                                .await
                                .map_err(db_error)?;
                        }
                    }
                    Change::LoginFailed { user, failed_logins, locked_until } => {
                        let done = sqlx::query("UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1")
                            .bind(user.as_str())
                            .bind(i64::from(*failed_logins))
                            .bind(locked_until.map(|t| t.to_string()))
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                        touched(done.rows_affected(), "user")?;
                    }
                    Change::SessionStarted(s) => {
                        sqlx::query(
                            "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, mfa_at, csrf_token, ip, \
                             user_agent, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(&s.id_hash)
                        .bind(s.user.as_str())
                        .bind(s.created_at.to_string())
                        .bind(s.last_seen_at.to_string())
                        .bind(s.mfa_at.map(|t| t.to_string()))
                        .bind(&s.csrf_token)
                        .bind(&s.ip)
                        .bind(&s.user_agent)
                        .bind(s.ended_at.map(|t| t.to_string()))
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                        // The failure count is reset only when the second factor passes too:
                        // otherwise a known password would allow endless guessing of codes.
                    }
                    Change::MfaPassed { session, user, at, totp_step, recovery_code, security_key } => {
                        let done = sqlx::query(
                            "UPDATE sessions SET mfa_at = $3, last_seen_at = $3 WHERE id_hash = $1 AND user_id = $2 \
                             AND ended_at IS NULL AND mfa_at IS NULL",
                        )
                        .bind(session)
                        .bind(user.as_str())
                        .bind(at.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                        if done.rows_affected() == 0 {
                            return Err(StoreError::Stale("session ended or already verified".into()));
                        }
                        if let Some(step) = totp_step {
                            // A code is accepted once: the step must move forward.
                            let done = sqlx::query(
                                "UPDATE users SET totp_last_step = $2, failed_logins = 0, locked_until = NULL \
                                 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                            )
                            .bind(user.as_str())
                            .bind(*step)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                            if done.rows_affected() == 0 {
                                return Err(StoreError::Stale("one-time code already used".into()));
                            }
                        }
                        if let Some(code) = recovery_code {
                            let done = sqlx::query(
                                "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
                            )
                            .bind(user.as_str())
                            .bind(code)
                            .bind(at.to_string())
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                            if done.rows_affected() == 0 {
                                return Err(StoreError::Stale("recovery code already used".into()));
                            }
                            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                                .bind(user.as_str())
                                .execute(&mut **tx)
                                .await
                                .map_err(db_error)?;
                        }
                        if let Some((key, credential)) = security_key {
                            // The credential as updated carries the key's signature counter, which
                            // must only move forward (a cloned key shows as a counter going back).
                            let done = sqlx::query(
                                "UPDATE security_keys SET credential = $3, last_used_at = $4 WHERE user_id = $1 AND id = $2",
                            )
                            .bind(user.as_str())
                            .bind(key)
                            .bind(credential)
                            .bind(at.to_string())
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                            touched(done.rows_affected(), "security key")?;
                            sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                                .bind(user.as_str())
                                .execute(&mut **tx)
                                .await
                                .map_err(db_error)?;
                        }
                    }
                    Change::AddSecurityKey(k) => {
                        sqlx::query(
                            "INSERT INTO security_keys (user_id, id, name, credential, created_at, last_used_at) \
                             VALUES ($1, $2, $3, $4, $5, $6)",
                        )
                        .bind(k.user.as_str())
                        .bind(&k.id)
                        .bind(&k.name)
                        .bind(&k.credential)
                        .bind(k.created_at.to_string())
                        .bind(k.last_used_at.map(|t| t.to_string()))
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    }
                    Change::RemoveSecurityKey { user, key } => {
                        let done = sqlx::query("DELETE FROM security_keys WHERE user_id = $1 AND id = $2")
                            .bind(user.as_str())
                            .bind(key)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                        touched(done.rows_affected(), "security key")?;
                    }
                    Change::SessionEnded { session, at } => {
                        sqlx::query("UPDATE sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL")
                            .bind(session)
                            .bind(at.to_string())
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                    }
                    Change::SetRole { user, role } => {
                        let done = sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
                            .bind(user.as_str())
                            .bind(role.as_str())
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                        touched(done.rows_affected(), "user")?;
                    }
                    Change::SetDisabled { user, disabled } => {
                        let done = sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
                            .bind(user.as_str())
                            .bind(*disabled)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                        touched(done.rows_affected(), "user")?;
                        if *disabled {
                            sqlx::query("UPDATE sessions SET ended_at = last_seen_at WHERE user_id = $1 AND ended_at IS NULL")
                                .bind(user.as_str())
                                .execute(&mut **tx)
                                .await
                                .map_err(db_error)?;
                        }
                    }
                    Change::CreateInvitation(i) => {
                        sqlx::query(
                            "INSERT INTO invitations (id, token_hash, org_id, role, email, name, created_by, created_at, \
                             expires_at, accepted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                        )
                        .bind(i.id.as_str())
                        .bind(&i.token_hash)
                        .bind(i.org.as_str())
                        .bind(i.role.as_str())
                        .bind(&i.email)
                        .bind(&i.name)
                        .bind(i.created_by.as_str())
                        .bind(i.created_at.to_string())
                        .bind(i.expires_at.to_string())
                        .bind(i.accepted_at.map(|t| t.to_string()))
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    }
                    Change::AcceptInvitation { invitation, user, at } => {
                        let done = sqlx::query(
                            "UPDATE invitations SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL AND expires_at > $2",
                        )
                        .bind(invitation.as_str())
                        .bind(at.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                        if done.rows_affected() == 0 {
                            return Err(StoreError::Stale("invitation used or expired".into()));
                        }
                        insert_user(tx, user).await?;
                    }
                    Change::CreateApiToken(t) => {
                        let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
                        sqlx::query(
                            "INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at, revoked_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(t.id.as_str())
                        .bind(t.user.as_str())
                        .bind(&t.name)
                        .bind(&t.token_hash)
                        .bind(scopes.join(","))
                        .bind(t.created_at.to_string())
                        .bind(t.expires_at.to_string())
                        .bind(t.revoked_at.map(|t| t.to_string()))
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    }
                    // Only the audit entry, written below with every change.
                    Change::Notified { .. } => {}
                    Change::RevokeApiToken { token, at } => {
                        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                            .bind(token.as_str())
                            .bind(at.to_string())
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                        touched(done.rows_affected(), "api token")?;
                    }
                    Change::CreateSystem(s) => {
                        sqlx::query("INSERT INTO systems (id, provider_id, key, name, created_at) VALUES ($1, $2, $3, $4, $5)")
                            .bind(s.id.as_str())
                            .bind(s.provider.as_str())
                            .bind(&s.key)
                            .bind(&s.name)
                            .bind(s.created_at.to_string())
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                    }
                    Change::PublishVersion { version: v, files, blobs, items } => {
                        for (sha256, bytes) in blobs {
                            put_blob(tx, sha256, bytes).await?;
                        }
                        sqlx::query(
                            "INSERT INTO versions (id, system_id, number, published_by, published_at, generator, kb_digest, \
                             entry, name, as_of, summary, documents_digest) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                        )
                        .bind(v.id.as_str())
                        .bind(v.system.as_str())
                        .bind(i64::from(v.number))
                        .bind(v.published_by.as_str())
                        .bind(v.published_at.to_string())
                        .bind(&v.generator)
                        .bind(&v.kb_digest)
                        .bind(&v.entry)
                        .bind(&v.name)
                        .bind(&v.as_of)
                        .bind(to_json(&v.summary))
                        .bind(&v.documents_digest)
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                        for f in files {
                            sqlx::query(
                                "INSERT INTO version_files (version_id, role, path, media_type, sha256, size) \
                                 VALUES ($1, $2, $3, $4, $5, $6)",
                            )
                            .bind(f.version.as_str())
                            .bind(f.role.as_str())
                            .bind(&f.path)
                            .bind(&f.media_type)
                            .bind(&f.sha256)
                            .bind(signed(f.size))
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                        }
                        for i in items {
                            sqlx::query(
                                "INSERT INTO review_items (version_id, key, kind, position, title_ja, title_en, rank, \
                                 detail, content_digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                            )
                            .bind(i.version.as_str())
                            .bind(&i.key)
                            .bind(i.kind.as_str())
                            .bind(i64::from(i.position))
                            .bind(&i.title_ja)
                            .bind(&i.title_en)
                            .bind(&i.rank)
                            .bind(to_json(&i.detail))
                            .bind(&i.content_digest)
                            .execute(&mut **tx)
                            .await
                            .map_err(db_error)?;
                        }
                    }
                    Change::CreateEngagement(e) => {
                        sqlx::query(
                            "INSERT INTO engagements (id, system_id, provider_id, institution_id, contract_form, created_by, \
                             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(e.id.as_str())
                        .bind(e.system.as_str())
                        .bind(e.provider.as_str())
                        .bind(e.institution.as_str())
                        .bind(e.contract_form.as_str())
                        .bind(e.created_by.as_str())
                        .bind(e.created_at.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    }
                    Change::ShareVersion { share, change_report } => {
                        if let (Some(sha256), Some(bytes)) = (&share.change_report, change_report) {
                            put_blob(tx, sha256, bytes).await?;
                        }
                        write_share(tx, share, true).await?
                    }
                    Change::AcknowledgeRisks(s) => write_share(tx, s, false).await?,
                    Change::RecordReview(r) => {
                        sqlx::query(
                            "INSERT INTO reviews (engagement_id, version_id, item_key, verdict, comment, by_user, at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (engagement_id, version_id, item_key) \
                             DO UPDATE SET verdict = excluded.verdict, comment = excluded.comment, \
                             by_user = excluded.by_user, at = excluded.at",
                        )
                        .bind(r.engagement.as_str())
                        .bind(r.version.as_str())
                        .bind(&r.item_key)
                        .bind(r.verdict.as_str())
                        .bind(&r.comment)
                        .bind(r.by.as_str())
                        .bind(r.at.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    }
                    Change::PostMessage(m) => {
                        sqlx::query(
                            "INSERT INTO messages (id, engagement_id, version_id, item_key, author, body, at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        )
                        .bind(m.id.as_str())
                        .bind(m.engagement.as_str())
                        .bind(m.version.as_str())
                        .bind(&m.item_key)
                        .bind(m.author.as_str())
                        .bind(&m.body)
                        .bind(m.at.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    }
                    Change::AddAttachment { attachment: a, bytes } => {
                        put_blob(tx, &a.sha256, bytes).await?;
                        sqlx::query(
                            "INSERT INTO attachments (id, engagement_id, filename, media_type, sha256, size, uploaded_by, at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(a.id.as_str())
                        .bind(a.engagement.as_str())
                        .bind(&a.filename)
                        .bind(&a.media_type)
                        .bind(&a.sha256)
                        .bind(signed(a.size))
                        .bind(a.uploaded_by.as_str())
                        .bind(a.at.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    }
                    Change::RecordMinutes(m) => {
                        sqlx::query(
                            "INSERT INTO minutes (id, engagement_id, version_id, held_on, attendees, agenda, decisions, \
                             item_keys, attachments, recorded_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                        )
                        .bind(m.id.as_str())
                        .bind(m.engagement.as_str())
                        .bind(m.version.as_ref().map(|v| v.as_str().to_owned()))
                        .bind(&m.held_on)
                        .bind(&m.attendees)
                        .bind(&m.agenda)
                        .bind(&m.decisions)
                        .bind(to_json(&m.item_keys))
                        .bind(to_json(&m.attachments))
                        .bind(m.recorded_by.as_str())
                        .bind(m.at.to_string())
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                    }
                    Change::RecordAgreement(a) => write_agreement(tx, a, true).await?,
                    Change::Countersign(a) => write_agreement(tx, a, false).await?,
                    Change::PutOpRecord(r) => write_op_record(tx, r).await?,
                }
                Ok(())
            }

            async fn head(tx: &mut Tx<'_>) -> R<(u64, String)> {
                let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(db_error)?;
                match row {
                    None => Ok((0, GENESIS.to_owned())),
                    Some(row) => Ok((count(&row, "seq")?, text(&row, "hash")?)),
                }
            }

            async fn append(tx: &mut Tx<'_>, entry: &AuditEntry) -> R<()> {
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, orgs, action, change, target, record_digest, details, ip, \
                     prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(signed(entry.seq))
                .bind(entry.at.to_string())
                .bind(entry.actor.as_ref().map(|a| a.as_str().to_owned()))
                .bind(to_json(&entry.orgs))
                .bind(&entry.action)
                .bind(&entry.change)
                .bind(&entry.target)
                .bind(&entry.record_digest)
                .bind(to_json(&entry.details))
                .bind(&entry.ip)
                .bind(&entry.prev_hash)
                .bind(&entry.hash)
                .execute(&mut **tx)
                .await
                .map_err(db_error)?;
                for org in &entry.orgs {
                    sqlx::query("INSERT INTO audit_orgs (org_id, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(org.as_str())
                        .bind(signed(entry.seq))
                        .execute(&mut **tx)
                        .await
                        .map_err(db_error)?;
                }
                Ok(())
            }

            async fn all<T>(
                pool: &sqlx::Pool<$db>,
                sql: &'static str,
                args: &[&str],
                map: fn(&DbRow) -> R<T>,
            ) -> R<Vec<T>> {
                let mut query = sqlx::query(sql);
                for a in args {
                    query = query.bind(*a);
                }
                let rows = query.fetch_all(pool).await.map_err(db_error)?;
                rows.iter().map(map).collect()
            }

            async fn one<T>(
                pool: &sqlx::Pool<$db>,
                sql: &'static str,
                args: &[&str],
                map: fn(&DbRow) -> R<T>,
            ) -> R<Option<T>> {
                let mut query = sqlx::query(sql);
                for a in args {
                    query = query.bind(*a);
                }
                let row = query.fetch_optional(pool).await.map_err(db_error)?;
                row.as_ref().map(map).transpose()
            }

            #[async_trait::async_trait]
            impl sansho_store::Store for $store {
                async fn apply(&self, change: Change, event: Event) -> R<Applied> {
                    let mut tx = self.begin_write().await?;
                    write(&mut tx, &change).await?;
                    let (seq, prev) = head(&mut tx).await?;
                    let entry = AuditEntry::next(seq + 1, &prev, &change, &event);
                    append(&mut tx, &entry).await?;
                    tx.commit().await.map_err(db_error)?;
                    Ok(Applied { entry })
                }

                async fn apply_all(&self, changes: Vec<(Change, Event)>) -> R<Vec<Applied>> {
                    let mut tx = self.begin_write().await?;
                    let (mut seq, mut prev) = head(&mut tx).await?;
                    let mut applied = Vec::with_capacity(changes.len());
                    for (change, event) in &changes {
                        write(&mut tx, change).await?;
                        let entry = AuditEntry::next(seq + 1, &prev, change, event);
                        append(&mut tx, &entry).await?;
                        seq = entry.seq;
                        prev = entry.hash.clone();
                        applied.push(Applied { entry });
                    }
                    tx.commit().await.map_err(db_error)?;
                    Ok(applied)
                }

                async fn touch_session(&self, id_hash: &str, at: Time) -> R<()> {
                    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1 AND ended_at IS NULL")
                        .bind(id_hash)
                        .bind(at.to_string())
                        .execute(&self.pool)
                        .await
                        .map_err(db_error)?;
                    Ok(())
                }

                async fn add_checkpoint(&self, c: &Checkpoint) -> R<()> {
                    sqlx::query(
                        "INSERT INTO audit_checkpoints (seq, hash, at, public_key, signature) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (seq) DO NOTHING",
                    )
                    .bind(signed(c.seq))
                    .bind(&c.hash)
                    .bind(c.at.to_string())
                    .bind(&c.public_key)
                    .bind(&c.signature)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                    Ok(())
                }

                async fn organization(&self, id: &OrgId) -> R<Option<Organization>> {
                    one(&self.pool, "SELECT * FROM organizations WHERE id = $1", &[id.as_str()], organization).await
                }

                async fn organizations(&self) -> R<Vec<Organization>> {
                    all(&self.pool, "SELECT * FROM organizations ORDER BY created_at, id", &[], organization).await
                }

                async fn user(&self, id: &UserId) -> R<Option<User>> {
                    one(&self.pool, "SELECT * FROM users WHERE id = $1", &[id.as_str()], user).await
                }

                async fn user_by_email(&self, email: &str) -> R<Option<User>> {
                    one(&self.pool, "SELECT * FROM users WHERE email = $1", &[email], user).await
                }

                async fn users_of(&self, org: &OrgId) -> R<Vec<User>> {
                    all(&self.pool, "SELECT * FROM users WHERE org_id = $1 ORDER BY created_at, id", &[org.as_str()], user).await
                }

                async fn password_history(&self, u: &UserId) -> R<Vec<String>> {
                    all(
                        &self.pool,
                        "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY set_at DESC",
                        &[u.as_str()],
                        |row| text(row, "password_hash"),
                    )
                    .await
                }

                async fn recovery_codes(&self, u: &UserId) -> R<Vec<RecoveryCode>> {
                    all(
                        &self.pool,
                        "SELECT * FROM recovery_codes WHERE user_id = $1 ORDER BY code_hash",
                        &[u.as_str()],
                        |row| {
                            Ok(RecoveryCode {
                                user: UserId::new(text(row, "user_id")?),
                                code_hash: text(row, "code_hash")?,
                                used_at: opt_time(row, "used_at")?,
                            })
                        },
                    )
                    .await
                }

                async fn security_keys(&self, u: &UserId) -> R<Vec<SecurityKey>> {
                    all(
                        &self.pool,
                        "SELECT * FROM security_keys WHERE user_id = $1 ORDER BY created_at, id",
                        &[u.as_str()],
                        |row| {
                            Ok(SecurityKey {
                                user: UserId::new(text(row, "user_id")?),
                                id: text(row, "id")?,
                                name: text(row, "name")?,
                                credential: text(row, "credential")?,
                                created_at: time(row, "created_at")?,
                                last_used_at: opt_time(row, "last_used_at")?,
                            })
                        },
                    )
                    .await
                }

                async fn session(&self, id_hash: &str) -> R<Option<Session>> {
                    one(&self.pool, "SELECT * FROM sessions WHERE id_hash = $1", &[id_hash], session).await
                }

                async fn api_token(&self, hash: &str) -> R<Option<ApiToken>> {
                    one(&self.pool, "SELECT * FROM api_tokens WHERE token_hash = $1", &[hash], api_token).await
                }

                async fn api_tokens_of(&self, u: &UserId) -> R<Vec<ApiToken>> {
                    all(&self.pool, "SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id", &[u.as_str()], api_token).await
                }

                async fn invitation(&self, token_hash: &str) -> R<Option<Invitation>> {
                    one(&self.pool, "SELECT * FROM invitations WHERE token_hash = $1", &[token_hash], invitation).await
                }

                async fn invitations_of(&self, org: &OrgId) -> R<Vec<Invitation>> {
                    all(&self.pool, "SELECT * FROM invitations WHERE org_id = $1 ORDER BY created_at, id", &[org.as_str()], invitation).await
                }

                async fn system(&self, id: &SystemId) -> R<Option<System>> {
                    one(&self.pool, "SELECT * FROM systems WHERE id = $1", &[id.as_str()], system).await
                }

                async fn system_by_key(&self, provider: &OrgId, key: &str) -> R<Option<System>> {
                    one(
                        &self.pool,
                        "SELECT * FROM systems WHERE provider_id = $1 AND key = $2",
                        &[provider.as_str(), key],
                        system,
                    )
                    .await
                }

                async fn systems_of(&self, provider: &OrgId) -> R<Vec<System>> {
                    all(&self.pool, "SELECT * FROM systems WHERE provider_id = $1 ORDER BY created_at, id", &[provider.as_str()], system).await
                }

                async fn version(&self, id: &VersionId) -> R<Option<Version>> {
                    one(&self.pool, "SELECT * FROM versions WHERE id = $1", &[id.as_str()], version).await
                }

                async fn versions_of(&self, s: &SystemId) -> R<Vec<Version>> {
                    all(&self.pool, "SELECT * FROM versions WHERE system_id = $1 ORDER BY number", &[s.as_str()], version).await
                }

                async fn version_files(&self, v: &VersionId) -> R<Vec<VersionFile>> {
                    all(&self.pool, "SELECT * FROM version_files WHERE version_id = $1 ORDER BY role, path", &[v.as_str()], version_file).await
                }

                async fn blob(&self, sha256: &str) -> R<Option<Vec<u8>>> {
                    let row = sqlx::query("SELECT content FROM blobs WHERE sha256 = $1")
                        .bind(sha256)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_error)?;
                    row.map(|r| r.try_get::<Vec<u8>, _>("content").map_err(db_error)).transpose()
                }

                async fn put_blob(&self, sha256: &str, bytes: &[u8]) -> R<()> {
                    sqlx::query("INSERT INTO blobs (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
                        .bind(sha256)
                        .bind(signed(bytes.len() as u64))
                        .bind(bytes)
                        .execute(&self.pool)
                        .await
                        .map_err(db_error)?;
                    Ok(())
                }

                async fn review_items(&self, v: &VersionId) -> R<Vec<ReviewItem>> {
                    all(&self.pool, "SELECT * FROM review_items WHERE version_id = $1 ORDER BY position", &[v.as_str()], review_item).await
                }

                async fn engagement(&self, id: &EngagementId) -> R<Option<Engagement>> {
                    one(&self.pool, "SELECT * FROM engagements WHERE id = $1", &[id.as_str()], engagement).await
                }

                async fn engagements_of(&self, org: &OrgId) -> R<Vec<Engagement>> {
                    all(
                        &self.pool,
                        "SELECT * FROM engagements WHERE provider_id = $1 OR institution_id = $1 ORDER BY created_at, id",
                        &[org.as_str()],
                        engagement,
                    )
                    .await
                }

                async fn shares(&self, e: &EngagementId) -> R<Vec<Share>> {
                    all(&self.pool, "SELECT * FROM shares WHERE engagement_id = $1 ORDER BY shared_at, version_id", &[e.as_str()], share).await
                }

                async fn reviews(&self, e: &EngagementId, v: &VersionId) -> R<Vec<Review>> {
                    all(
                        &self.pool,
                        "SELECT * FROM reviews WHERE engagement_id = $1 AND version_id = $2 ORDER BY item_key",
                        &[e.as_str(), v.as_str()],
                        review,
                    )
                    .await
                }

                async fn messages(&self, e: &EngagementId) -> R<Vec<Message>> {
                    all(&self.pool, "SELECT * FROM messages WHERE engagement_id = $1 ORDER BY at, id", &[e.as_str()], message).await
                }

                async fn minutes(&self, e: &EngagementId) -> R<Vec<Minutes>> {
                    all(&self.pool, "SELECT * FROM minutes WHERE engagement_id = $1 ORDER BY held_on, at, id", &[e.as_str()], minutes).await
                }

                async fn attachment(&self, id: &AttachmentId) -> R<Option<Attachment>> {
                    one(&self.pool, "SELECT * FROM attachments WHERE id = $1", &[id.as_str()], attachment).await
                }

                async fn attachments(&self, e: &EngagementId) -> R<Vec<Attachment>> {
                    all(&self.pool, "SELECT * FROM attachments WHERE engagement_id = $1 ORDER BY at, id", &[e.as_str()], attachment).await
                }

                async fn agreements(&self, e: &EngagementId) -> R<Vec<Agreement>> {
                    all(&self.pool, "SELECT * FROM agreements WHERE engagement_id = $1 ORDER BY signed_at, id", &[e.as_str()], agreement).await
                }

                async fn agreement(&self, id: &AgreementId) -> R<Option<Agreement>> {
                    one(&self.pool, "SELECT * FROM agreements WHERE id = $1", &[id.as_str()], agreement).await
                }

                async fn op_record(&self, id: &OpId) -> R<Option<OpRecord>> {
                    one(&self.pool, "SELECT id, record FROM op_records WHERE id = $1", &[id.as_str()], op_record).await
                }

                async fn op_records(&self, e: &EngagementId) -> R<Vec<OpRecord>> {
                    all(&self.pool, "SELECT id, record FROM op_records WHERE engagement_id = $1 ORDER BY created_at, id", &[e.as_str()], op_record).await
                }

                async fn audit_entries(&self, from: u64, to: u64) -> R<Vec<AuditEntry>> {
                    let rows = sqlx::query("SELECT * FROM audit_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq")
                        .bind(signed(from))
                        .bind(signed(to))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db_error)?;
                    rows.iter().map(audit_entry).collect()
                }

                async fn audit_head(&self) -> R<Option<AuditEntry>> {
                    one(&self.pool, "SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1", &[], audit_entry).await
                }

                async fn checkpoints(&self) -> R<Vec<Checkpoint>> {
                    all(&self.pool, "SELECT * FROM audit_checkpoints ORDER BY seq", &[], checkpoint).await
                }

                async fn audit_entries_of(&self, org: &OrgId, limit: u32) -> R<Vec<AuditEntry>> {
                    let rows = sqlx::query(
                        "SELECT audit_log.* FROM audit_log JOIN audit_orgs ON audit_orgs.seq = audit_log.seq \
                         WHERE audit_orgs.org_id = $1 ORDER BY audit_log.seq DESC LIMIT $2",
                    )
                    .bind(org.as_str())
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?;
                    rows.iter().map(audit_entry).collect()
                }
            }
        }
    };
}
