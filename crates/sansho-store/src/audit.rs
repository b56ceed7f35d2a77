//! The tamper-evident audit chain (真正性 of the server's own records).
//!
//! Every state change appends an entry that carries the hash of the entry before it, so changing,
//! removing or reordering an entry breaks every hash after it. At intervals the server signs the
//! chain head with its Ed25519 key (a [`Checkpoint`]); a checkpoint pointing past the end of the
//! log shows a truncated tail. An export carries the entries, the checkpoints, the records of the
//! relationship and the public key; [`verify`] checks all of it offline and names the first
//! problem. Each entry also remembers the digest of the record it wrote, so a record edited in
//! the database no longer matches its last entry.
//!
//! What no log kept in one database can show by itself: someone with write access who deletes
//! the tail *and* its checkpoints. The agreement documents carry the chain head at signing and
//! the institution keeps them, which anchors the chain outside the server.

use std::collections::HashMap;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::change::{Change, Event};
use crate::ids::*;
use crate::operations::OpRecord;
use crate::records::*;
use crate::time::Time;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The format name of an export.
pub const EXPORT_FORMAT: &str = "sansho-audit-export/1";

/// One entry of the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: Time,
    pub actor: Option<UserId>,
    pub orgs: Vec<OrgId>,
    pub action: String,
    /// The kind of change ([`Change::name`]).
    pub change: String,
    /// The record written ([`Change::target`]).
    pub target: String,
    /// Digest of the record as written ([`Change::record_digest`]).
    pub record_digest: String,
    pub details: serde_json::Value,
    pub ip: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields an entry's hash covers, in this order: everything but the hash itself.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: u64,
    at: &'a Time,
    actor: &'a Option<UserId>,
    orgs: &'a [OrgId],
    action: &'a str,
    change: &'a str,
    target: &'a str,
    record_digest: &'a str,
    details: &'a serde_json::Value,
    ip: &'a str,
    prev_hash: &'a str,
}

impl AuditEntry {
    /// The entry for `change` after the entry whose hash is `prev_hash` (number `seq - 1`).
    pub fn next(seq: u64, prev_hash: &str, change: &Change, event: &Event) -> AuditEntry {
        let mut entry = AuditEntry {
            seq,
            at: event.at,
            actor: event.actor.clone(),
            orgs: event.orgs.clone(),
            action: event.action.clone(),
            change: change.name().to_owned(),
            target: change.target(),
            record_digest: change.record_digest(),
            details: event.details.clone(),
            ip: event.ip.clone(),
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        entry.hash = entry.computed_hash();
        entry
    }

    /// SHA-256 (hex) of the domain tag and the JSON of every field but `hash`.
    pub fn computed_hash(&self) -> String {
        let hashed = Hashed {
            seq: self.seq,
            at: &self.at,
            actor: &self.actor,
            orgs: &self.orgs,
            action: &self.action,
            change: &self.change,
            target: &self.target,
            record_digest: &self.record_digest,
            details: &self.details,
            ip: &self.ip,
            prev_hash: &self.prev_hash,
        };
        let mut hasher = Sha256::new();
        hasher.update(b"sansho-audit-v1\n");
        hasher.update(serde_json::to_vec(&hashed).unwrap_or_default());
        hex::encode(hasher.finalize())
    }
}

/// A signed statement that the chain's entry `seq` has hash `hash`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: String,
    pub at: Time,
    /// Ed25519 public key (hex) that signed.
    pub public_key: String,
    /// Ed25519 signature (hex) of [`Checkpoint::message`].
    pub signature: String,
}

impl Checkpoint {
    pub fn message(seq: u64, hash: &str, at: &Time) -> Vec<u8> {
        format!("sansho-audit-checkpoint-v1\n{seq}\n{hash}\n{at}").into_bytes()
    }

    /// Signs the head `(seq, hash)` with `key`.
    pub fn sign(key: &SigningKey, seq: u64, hash: &str, at: Time) -> Checkpoint {
        let signature = key.sign(&Self::message(seq, hash, &at));
        Checkpoint {
            seq,
            hash: hash.to_owned(),
            at,
            public_key: hex::encode(key.verifying_key().as_bytes()),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// Whether the signature is valid for the stated public key.
    pub fn signature_is_valid(&self) -> bool {
        let Some(key) = decode_key(&self.public_key) else {
            return false;
        };
        let Ok(bytes) = hex::decode(&self.signature) else {
            return false;
        };
        let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else {
            return false;
        };
        key.verify(
            &Self::message(self.seq, &self.hash, &self.at),
            &Signature::from_bytes(&bytes),
        )
        .is_ok()
    }
}

fn decode_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes = hex::decode(hex_key).ok()?;
    let bytes = <[u8; 32]>::try_from(bytes.as_slice()).ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// The records of the relationship, as exported with the log. Each is checked against the last
/// audit entry that wrote it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExportedRecords {
    pub organizations: Vec<Organization>,
    pub systems: Vec<System>,
    pub versions: Vec<Version>,
    pub engagements: Vec<Engagement>,
    pub shares: Vec<Share>,
    pub reviews: Vec<Review>,
    pub messages: Vec<Message>,
    pub attachments: Vec<Attachment>,
    pub minutes: Vec<Minutes>,
    pub agreements: Vec<Agreement>,
    /// Ledger items, inventories, take-outs, incidents.
    #[serde(default)]
    pub operations: Vec<OpRecord>,
}

impl ExportedRecords {
    /// `(target, digest, what)` of every record, as [`Change::target`] and
    /// [`Change::record_digest`] name them.
    fn targets(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let mut add =
            |target: String, digest: String, what: String| out.push((target, digest, what));
        for o in &self.organizations {
            add(
                format!("organization:{}", o.id),
                digest(o),
                format!("organisation {}", o.name),
            );
        }
        for s in &self.systems {
            add(
                format!("system:{}", s.id),
                digest(s),
                format!("system {}", s.key),
            );
        }
        for v in &self.versions {
            add(
                format!("version:{}", v.id),
                digest(v),
                format!("version {} of {}", v.number, v.system),
            );
        }
        for e in &self.engagements {
            add(
                format!("engagement:{}", e.id),
                digest(e),
                format!("engagement {}", e.id),
            );
        }
        for s in &self.shares {
            add(
                format!("share:{}/{}", s.engagement, s.version),
                digest(s),
                format!(
                    "share of version {} in engagement {}",
                    s.version, s.engagement
                ),
            );
        }
        for r in &self.reviews {
            add(
                format!("review:{}/{}/{}", r.engagement, r.version, r.item_key),
                digest(r),
                format!("review of {} (engagement {})", r.item_key, r.engagement),
            );
        }
        for m in &self.messages {
            add(
                format!("message:{}", m.id),
                digest(m),
                format!("message {}", m.id),
            );
        }
        for a in &self.attachments {
            add(
                format!("attachment:{}", a.id),
                digest(a),
                format!("attachment {}", a.filename),
            );
        }
        for m in &self.minutes {
            add(
                format!("minutes:{}", m.id),
                digest(m),
                format!("minutes of {}", m.held_on),
            );
        }
        for a in &self.agreements {
            add(
                format!("agreement:{}", a.id),
                digest(a),
                format!("agreement {}", a.id),
            );
        }
        for r in &self.operations {
            add(
                format!("op:{}", r.id),
                digest(r),
                format!("{} {}", r.kind().label_en(), r.id),
            );
        }
        out
    }
}

/// An exported audit log: what `sansho audit verify` reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub format: String,
    pub exported_at: Time,
    /// The server's public key (hex); compare it with the fingerprint the server publishes.
    pub public_key: String,
    pub entries: Vec<AuditEntry>,
    pub checkpoints: Vec<Checkpoint>,
    pub records: ExportedRecords,
}

/// Builds an export of everything in `store`: the whole chain, its checkpoints and every record
/// of the relationship. `public_key` is the server's (hex).
pub async fn export(store: &dyn crate::Store, public_key: &str) -> crate::Result<Export> {
    let head = store.audit_head().await?.map_or(0, |e| e.seq);
    let entries = store.audit_entries(1, head).await?;
    let mut records = ExportedRecords {
        organizations: store.organizations().await?,
        ..ExportedRecords::default()
    };
    for o in &records.organizations.clone() {
        for s in store.systems_of(&o.id).await? {
            records.versions.extend(store.versions_of(&s.id).await?);
            records.systems.push(s);
        }
        if o.kind != OrgKind::Institution {
            continue;
        }
        for e in store.engagements_of(&o.id).await? {
            let shares = store.shares(&e.id).await?;
            for s in &shares {
                records
                    .reviews
                    .extend(store.reviews(&e.id, &s.version).await?);
            }
            records.shares.extend(shares);
            records.messages.extend(store.messages(&e.id).await?);
            records.attachments.extend(store.attachments(&e.id).await?);
            records.minutes.extend(store.minutes(&e.id).await?);
            records.agreements.extend(store.agreements(&e.id).await?);
            records.operations.extend(store.op_records(&e.id).await?);
            records.engagements.push(e);
        }
    }
    Ok(Export {
        format: EXPORT_FORMAT.to_owned(),
        exported_at: Time::now(),
        public_key: public_key.to_owned(),
        entries,
        checkpoints: store.checkpoints().await?,
        records,
    })
}

/// What verification found wrong, at the first place it went wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The entry concerned (the first broken one).
    pub seq: Option<u64>,
    pub ja: String,
    pub en: String,
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub entries: u64,
    pub checkpoints: u64,
    pub records: u64,
    /// The last entry: sequence number and hash.
    pub head: Option<(u64, String)>,
    /// Empty when everything holds; otherwise the problems in log order, the first broken entry
    /// first.
    pub problems: Vec<Problem>,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

fn problem(seq: Option<u64>, ja: String, en: String) -> Problem {
    Problem { seq, ja, en }
}

/// An entry whose content no longer gives its hash.
fn altered(seq: u64) -> Problem {
    problem(
        Some(seq),
        format!("記録 {seq} の内容がハッシュと一致しません。記録が書き換えられています"),
        format!("entry {seq}: content does not match its hash; the entry was altered"),
    )
}

/// Checks an export: the chain from the first entry (sequence 1) to the last, every checkpoint's
/// signature and the entry it names, and every record against the last entry that wrote it.
/// `trusted_key` (hex) is the key the checkpoints must be signed with; without it the export's
/// own key is used (which proves integrity, not origin).
pub fn verify(export: &Export, trusted_key: Option<&str>) -> Verification {
    let mut problems = Vec::new();
    if export.format != EXPORT_FORMAT {
        problems.push(problem(
            None,
            format!(
                "形式 {} は読めません ({EXPORT_FORMAT} が必要です)",
                export.format
            ),
            format!("format {} is not {EXPORT_FORMAT}", export.format),
        ));
    }
    let mut prev_hash = GENESIS.to_owned();
    let mut expected_seq = 1u64;
    let mut by_seq: HashMap<u64, &AuditEntry> = HashMap::new();
    for entry in &export.entries {
        if entry.seq != expected_seq {
            let (ja, en) = if entry.seq > expected_seq {
                (
                    format!(
                        "記録 {expected_seq} が欠けています (次は {})。削除されたか順序が変えられています",
                        entry.seq
                    ),
                    format!(
                        "entry {expected_seq} is missing (next is {}): deleted or reordered",
                        entry.seq
                    ),
                )
            } else {
                (
                    format!(
                        "記録 {} が {expected_seq} の位置にあります。順序が変えられています",
                        entry.seq
                    ),
                    format!(
                        "entry {} stands where {expected_seq} should: reordered",
                        entry.seq
                    ),
                )
            };
            problems.push(problem(Some(expected_seq), ja, en));
            break;
        }
        if entry.prev_hash != prev_hash {
            problems.push(problem(
                Some(entry.seq),
                format!("記録 {} の直前のハッシュが一致しません。前の記録が変更・削除されています", entry.seq),
                format!("entry {}: previous hash does not match; an earlier entry was changed or removed", entry.seq),
            ));
            break;
        }
        if entry.computed_hash() != entry.hash {
            problems.push(altered(entry.seq));
            break;
        }
        by_seq.insert(entry.seq, entry);
        prev_hash = entry.hash.clone();
        expected_seq += 1;
    }
    let intact_until = expected_seq - 1;

    let key = trusted_key.unwrap_or(&export.public_key);
    for c in &export.checkpoints {
        if c.public_key != key {
            problems.push(problem(
                Some(c.seq),
                format!(
                    "記録 {} のチェックポイントは別の鍵で署名されています",
                    c.seq
                ),
                format!("checkpoint at entry {} is signed by another key", c.seq),
            ));
            continue;
        }
        if !c.signature_is_valid() {
            problems.push(problem(
                Some(c.seq),
                format!("記録 {} のチェックポイントの署名が正しくありません", c.seq),
                format!("checkpoint at entry {}: invalid signature", c.seq),
            ));
            continue;
        }
        match by_seq.get(&c.seq) {
            Some(e) if e.hash == c.hash => {}
            Some(_) => problems.push(problem(
                Some(c.seq),
                format!("記録 {} は署名済みチェックポイントと一致しません。書き換えられています", c.seq),
                format!("entry {} does not match its signed checkpoint: altered", c.seq),
            )),
            None if c.seq > intact_until && problems.is_empty() => problems.push(problem(
                Some(intact_until + 1),
                format!(
                    "記録は {intact_until} で終わっていますが、記録 {} までの署名済みチェックポイントがあります。末尾が削除されています",
                    c.seq
                ),
                format!(
                    "the log ends at entry {intact_until} but a signed checkpoint covers entry {}: the tail was deleted",
                    c.seq
                ),
            )),
            None => {}
        }
    }

    let (records, mut record_problems) = check_records(
        &export.records,
        by_seq.values().copied(),
        // A record without its entry only says more once the chain itself holds.
        problems.is_empty(),
    );
    record_problems.sort_by_key(|p| p.seq);
    problems.extend(record_problems);
    problems.sort_by_key(|p| p.seq.unwrap_or(u64::MAX));

    Verification {
        entries: export.entries.len() as u64,
        checkpoints: export.checkpoints.len() as u64,
        records,
        head: export.entries.last().map(|e| (e.seq, e.hash.clone())),
        problems,
    }
}

/// Every record against the last of `entries` that wrote it: the number of records, and the
/// problems (a record that differs, and — when `missing_is_a_problem` — one no entry wrote).
fn check_records<'a>(
    records: &ExportedRecords,
    entries: impl Iterator<Item = &'a AuditEntry>,
    missing_is_a_problem: bool,
) -> (u64, Vec<Problem>) {
    let mut last_write: HashMap<&str, &AuditEntry> = HashMap::new();
    for e in entries {
        match last_write.get(e.target.as_str()) {
            Some(seen) if seen.seq > e.seq => {}
            _ => {
                last_write.insert(e.target.as_str(), e);
            }
        }
    }
    let targets = records.targets();
    let mut problems = Vec::new();
    for (target, record_digest, what) in &targets {
        match last_write.get(target.as_str()) {
            Some(e) if &e.record_digest == record_digest => {}
            Some(e) => problems.push(problem(
                Some(e.seq),
                format!(
                    "{what} は記録 {} の内容と一致しません。データベースで書き換えられています",
                    e.seq
                ),
                format!(
                    "{what} does not match entry {}: changed in the database",
                    e.seq
                ),
            )),
            None if missing_is_a_problem => problems.push(problem(
                None,
                format!("{what} を書いた記録がありません"),
                format!("no entry wrote {what}"),
            )),
            None => {}
        }
    }
    (targets.len() as u64, problems)
}

/// The format of an engagement's record ([`EngagementExport`]).
pub const ENGAGEMENT_EXPORT_FORMAT: &str = "sansho-engagement-export/1";

/// A version as an engagement's record holds it: the record, its files (digests, not bytes) and
/// its review items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportedVersion {
    pub version: Version,
    pub files: Vec<VersionFile>,
    pub items: Vec<ReviewItem>,
}

/// One engagement's whole record, with the audit entries that wrote it and a checkpoint signed
/// when it was exported: what an institution keeps, and checks with `sansho audit verify`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngagementExport {
    pub format: String,
    pub exported_at: Time,
    /// The server's Ed25519 key (hex), which signs `checkpoint`.
    pub server_public_key: String,
    pub engagement: Engagement,
    pub system: System,
    pub provider: Organization,
    pub institution: Organization,
    pub versions: Vec<ExportedVersion>,
    pub shares: Vec<Share>,
    pub reviews: Vec<Review>,
    pub messages: Vec<Message>,
    pub minutes: Vec<Minutes>,
    pub attachments: Vec<Attachment>,
    pub agreements: Vec<Agreement>,
    /// The operation phase: ledger items, inventories, take-outs, incidents.
    #[serde(default)]
    pub operations: Vec<OpRecord>,
    /// The entries of the engagement (a part of the chain, in order).
    pub audit_entries: Vec<AuditEntry>,
    pub checkpoint: Option<Checkpoint>,
}

/// The digest of a version's documents: SHA-256 of the sorted lines `role sha256 path`, one per
/// file (what the server computes when it publishes).
pub fn documents_digest(files: &[VersionFile]) -> String {
    let mut listing: Vec<String> = files
        .iter()
        .map(|f| format!("{} {} {}", f.role.as_str(), f.sha256, f.path))
        .collect();
    listing.sort();
    crate::records::sha256_hex(listing.join("\n").as_bytes())
}

/// Checks an engagement's record offline. Its entries are a part of the chain, so what can be
/// checked is: each entry against its own hash, and against its predecessor's where the two are
/// consecutive; the signed checkpoint; every record of the engagement against the last entry in
/// the record that wrote it; each version's documents digest against its files; each agreement
/// against the entry it names, when that entry is in the record. That the entries belong to
/// the server's whole chain is checked with the whole export.
pub fn verify_engagement(export: &EngagementExport, trusted_key: Option<&str>) -> Verification {
    let mut problems = Vec::new();
    if export.format != ENGAGEMENT_EXPORT_FORMAT {
        problems.push(problem(
            None,
            format!(
                "形式 {} は読めません ({ENGAGEMENT_EXPORT_FORMAT} が必要です)",
                export.format
            ),
            format!("format {} is not {ENGAGEMENT_EXPORT_FORMAT}", export.format),
        ));
    }
    let mut previous: Option<&AuditEntry> = None;
    let mut by_seq: HashMap<u64, &AuditEntry> = HashMap::new();
    for entry in &export.audit_entries {
        if let Some(p) = previous {
            if entry.seq <= p.seq {
                problems.push(problem(
                    Some(entry.seq),
                    format!(
                        "記録 {} が記録 {} の後にあります。順序が変えられています",
                        entry.seq, p.seq
                    ),
                    format!("entry {} comes after entry {}: reordered", entry.seq, p.seq),
                ));
            } else if entry.seq == p.seq + 1 && entry.prev_hash != p.hash {
                problems.push(problem(
                    Some(entry.seq),
                    format!(
                        "記録 {} の直前のハッシュが記録 {} と一致しません",
                        entry.seq, p.seq
                    ),
                    format!(
                        "entry {}: previous hash does not match entry {}",
                        entry.seq, p.seq
                    ),
                ));
            }
        }
        if entry.computed_hash() != entry.hash {
            problems.push(altered(entry.seq));
        }
        by_seq.insert(entry.seq, entry);
        previous = Some(entry);
    }
    let key = trusted_key.unwrap_or(&export.server_public_key);
    if let Some(c) = &export.checkpoint {
        if c.public_key != key {
            problems.push(problem(
                Some(c.seq),
                format!(
                    "チェックポイント (記録 {}) は別の鍵で署名されています",
                    c.seq
                ),
                format!("the checkpoint at entry {} is signed by another key", c.seq),
            ));
        } else if !c.signature_is_valid() {
            problems.push(problem(
                Some(c.seq),
                format!("チェックポイント (記録 {}) の署名が正しくありません", c.seq),
                format!("the checkpoint at entry {}: invalid signature", c.seq),
            ));
        } else if let Some(e) = by_seq.get(&c.seq)
            && e.hash != c.hash
        {
            problems.push(problem(
                Some(c.seq),
                format!(
                    "記録 {} は署名済みチェックポイントと一致しません。書き換えられています",
                    c.seq
                ),
                format!(
                    "entry {} does not match its signed checkpoint: altered",
                    c.seq
                ),
            ));
        }
    }
    for v in &export.versions {
        if documents_digest(&v.files) != v.version.documents_digest {
            problems.push(problem(
                None,
                format!(
                    "版 {} の資料のハッシュが資料一式のダイジェストと一致しません",
                    v.version.number
                ),
                format!(
                    "version {}: its files' hashes do not give its documents digest",
                    v.version.number
                ),
            ));
        }
    }
    for a in &export.agreements {
        if let Some(e) = by_seq.get(&a.audit_seq)
            && e.hash != a.audit_hash
        {
            problems.push(problem(
                Some(a.audit_seq),
                format!(
                    "合意 {} が記録する監査ログの先頭 (記録 {}) と一致しません",
                    a.id, a.audit_seq
                ),
                format!(
                    "agreement {} does not match the audit head it names (entry {})",
                    a.id, a.audit_seq
                ),
            ));
        }
    }
    let records = ExportedRecords {
        versions: export.versions.iter().map(|v| v.version.clone()).collect(),
        engagements: vec![export.engagement.clone()],
        shares: export.shares.clone(),
        reviews: export.reviews.clone(),
        messages: export.messages.clone(),
        attachments: export.attachments.clone(),
        minutes: export.minutes.clone(),
        agreements: export.agreements.clone(),
        operations: export.operations.clone(),
        ..ExportedRecords::default()
    };
    let (checked, record_problems) = check_records(&records, export.audit_entries.iter(), true);
    problems.extend(record_problems);
    problems.sort_by_key(|p| p.seq.unwrap_or(u64::MAX));
    Verification {
        entries: export.audit_entries.len() as u64,
        checkpoints: u64::from(export.checkpoint.is_some()),
        records: checked,
        head: export.audit_entries.last().map(|e| (e.seq, e.hash.clone())),
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map_or(GENESIS.to_owned(), |e| e.hash.clone());
            let change = Change::SessionEnded {
                session: format!("s{seq}"),
                at: Time::now(),
            };
            let event = Event {
                at: Time::now(),
                actor: None,
                orgs: vec![],
                action: "test".into(),
                details: serde_json::json!({"n": seq, "text": "日本語"}),
                ip: "127.0.0.1".into(),
            };
            out.push(AuditEntry::next(seq, &prev, &change, &event));
        }
        out
    }

    fn export(entries: Vec<AuditEntry>, checkpoints: Vec<Checkpoint>, key: &SigningKey) -> Export {
        Export {
            format: EXPORT_FORMAT.into(),
            exported_at: Time::now(),
            public_key: hex::encode(key.verifying_key().as_bytes()),
            entries,
            checkpoints,
            records: ExportedRecords::default(),
        }
    }

    #[test]
    fn an_untouched_chain_verifies_and_each_kind_of_tampering_names_its_entry() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let entries = chain(5);
        let head = Checkpoint::sign(&key, 5, &entries[4].hash, Time::now());
        let ok = verify(&export(entries.clone(), vec![head.clone()], &key), None);
        assert!(ok.is_intact(), "{:?}", ok.problems);
        assert_eq!(ok.head.as_ref().map(|h| h.0), Some(5));

        let mut altered = entries.clone();
        altered[2].details = serde_json::json!({"n": 99});
        let v = verify(&export(altered, vec![head.clone()], &key), None);
        assert_eq!(v.problems[0].seq, Some(3), "{:?}", v.problems);

        let mut deleted = entries.clone();
        deleted.remove(1);
        let v = verify(&export(deleted, vec![head.clone()], &key), None);
        assert_eq!(v.problems[0].seq, Some(2), "{:?}", v.problems);

        let mut reordered = entries.clone();
        reordered.swap(1, 2);
        let v = verify(&export(reordered, vec![head.clone()], &key), None);
        assert_eq!(v.problems[0].seq, Some(2), "{:?}", v.problems);

        let truncated = entries[..3].to_vec();
        let v = verify(&export(truncated, vec![head.clone()], &key), None);
        assert_eq!(v.problems[0].seq, Some(4), "{:?}", v.problems);
        assert!(v.problems[0].en.contains("tail was deleted"));

        // A checkpoint signed by another key than the trusted one proves nothing.
        let other = SigningKey::from_bytes(&[8; 32]);
        let forged = Checkpoint::sign(&other, 5, &entries[4].hash, Time::now());
        let trusted = hex::encode(key.verifying_key().as_bytes());
        let v = verify(&export(entries.clone(), vec![forged], &key), Some(&trusted));
        assert!(!v.is_intact());
        let mut bad_signature = head;
        bad_signature.hash = entries[3].hash.clone();
        let v = verify(&export(entries, vec![bad_signature], &key), None);
        assert!(
            v.problems[0].en.contains("invalid signature"),
            "{:?}",
            v.problems
        );
    }
}
