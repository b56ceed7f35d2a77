//! What every request shares: the store, the keys, the configuration, the knowledge base.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use sansho_core::KnowledgeBase;
use sansho_core::load::ParseCache;
use sansho_store::audit::{AuditEntry, Checkpoint};
use sansho_store::{Change, EngagementId, Event, OrgId, Store, Time, VersionId};

use crate::service::operations::ModelFacts;

use crate::config::Config;
use crate::error::AppError;
use crate::keys::ServerKeys;

/// A checkpoint is signed after this many entries (and at every agreement and export).
const CHECKPOINT_EVERY: u64 = 64;

/// Agreements are signed into the chain at once: a checkpoint follows each.
fn is_agreement(change: &Change) -> bool {
    matches!(change, Change::RecordAgreement(_) | Change::Countersign(_))
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub keys: Arc<ServerKeys>,
    pub config: Arc<Config>,
    pub kb: &'static KnowledgeBase,
    /// SHA-256 of the knowledge base in use, recorded with every version.
    pub kb_digest: Arc<str>,
    /// Login, second-factor and invitation attempts per client address.
    pub login_limiter: Arc<DefaultKeyedRateLimiter<String>>,
    /// The WebAuthn relying party, when the public URL has a domain name.
    pub webauthn: Option<Arc<webauthn_rs::prelude::Webauthn>>,
    /// What the operation phase needs of each version's model, by version (versions never
    /// change, so entries never go stale; the least used are dropped past the bound).
    pub model_facts: Arc<quick_cache::sync::Cache<VersionId, Arc<ModelFacts>>>,
    /// Parses of model files kept by their text, so that publishing a version parses only the
    /// files that changed since the last. One cache per provider: whether a text was seen before
    /// shows in how fast it loads, and no provider may learn that of another's files.
    pub model_parses: Arc<quick_cache::sync::Cache<OrgId, Arc<ParseCache>>>,
}

/// Providers whose parses are kept at once, and the memory each may use (counted as four times
/// the text: a model of about 8 MB, some 20,000 flows, fits).
const PARSE_CACHES: usize = 8;
const PARSE_CACHE_BYTES: u64 = 32 << 20;

impl AppState {
    /// The kept parses of `provider`'s model files.
    pub fn parses_of(&self, provider: &OrgId) -> Arc<ParseCache> {
        self.model_parses
            .get_or_insert_with(provider, || {
                Ok::<_, std::convert::Infallible>(Arc::new(ParseCache::new(PARSE_CACHE_BYTES)))
            })
            .unwrap_or_else(|never| match never {})
    }
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        keys: ServerKeys,
        config: Config,
    ) -> anyhow::Result<AppState> {
        let kb = match sansho_core::kb::load::builtin() {
            Ok(kb) => kb,
            Err(d) => anyhow::bail!("the built-in knowledge base is invalid: {d:?}"),
        };
        let mut texts: Vec<u8> = Vec::new();
        for (name, text) in sansho_core::kb::load::builtin_texts() {
            texts.extend(name.as_bytes());
            texts.push(0);
            texts.extend(text.as_bytes());
            texts.push(0);
        }
        let kb_digest = sansho_store::records::sha256_hex(&texts);
        let policy = &config.policy;
        let period = Duration::from_secs(policy.login_replenish_seconds.max(1));
        let burst = NonZeroU32::new(policy.login_burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period).map(|q| q.allow_burst(burst));
        let Some(quota) = quota else {
            anyhow::bail!("the login rate must be positive")
        };
        let webauthn =
            crate::service::security_keys::relying_party(&config.public_url).map(Arc::new);
        Ok(AppState {
            model_facts: Arc::new(quick_cache::sync::Cache::new(64)),
            model_parses: Arc::new(quick_cache::sync::Cache::new(PARSE_CACHES)),
            webauthn,
            store,
            keys: Arc::new(keys),
            config: Arc::new(config),
            kb,
            kb_digest: kb_digest.into(),
            login_limiter: Arc::new(RateLimiter::keyed(quota)),
        })
    }

    /// Makes a state change with its audit entry, and signs the chain head when due.
    pub async fn record(&self, change: Change, event: Event) -> Result<AuditEntry, AppError> {
        self.refuse_if_sealed(&change).await?;
        let checkpoint_now = is_agreement(&change);
        let applied = self.store.apply(change, event).await?;
        let entry = applied.entry;
        if checkpoint_now || entry.seq % CHECKPOINT_EVERY == 0 {
            self.checkpoint(&entry).await?;
        }
        Ok(entry)
    }

    /// Makes several state changes atomically, each with its audit entry, and signs the chain
    /// head when it passed a checkpoint interval or holds an agreement.
    pub async fn record_all(
        &self,
        changes: Vec<(Change, Event)>,
    ) -> Result<Vec<AuditEntry>, AppError> {
        let mut checkpoint_now = false;
        for (change, _) in &changes {
            self.refuse_if_sealed(change).await?;
            checkpoint_now |= is_agreement(change);
        }
        let applied = self.store.apply_all(changes).await?;
        let entries: Vec<AuditEntry> = applied.into_iter().map(|a| a.entry).collect();
        if let (Some(first), Some(last)) = (entries.first(), entries.last())
            && (checkpoint_now || (first.seq..=last.seq).any(|seq| seq % CHECKPOINT_EVERY == 0))
        {
            self.checkpoint(last).await?;
        }
        Ok(entries)
    }

    /// Once an engagement's contract end is sealed, its agreement side takes no change either
    /// (the operational records refuse theirs in `Operations::for_writing`): checked here, where
    /// every change passes, so no handler can forget it.
    async fn refuse_if_sealed(&self, change: &Change) -> Result<(), AppError> {
        let Some(engagement) = change.agreement_side_of() else {
            return Ok(());
        };
        if self.is_sealed(engagement).await? {
            return Err(AppError::conflict(
                "この契約は終了し、記録は封印されています。レビュー・質問・合意は記録できません",
                "the contract has ended and its records are sealed: no review, question or agreement can be recorded",
            ));
        }
        Ok(())
    }

    /// Whether the engagement's contract end is sealed.
    pub async fn is_sealed(&self, engagement: &EngagementId) -> Result<bool, AppError> {
        let records = self.store.op_records(engagement).await?;
        Ok(records.iter().any(|r| {
            matches!(&r.body, sansho_store::operations::OpBody::ContractEnd(c) if c.sealed_at.is_some())
        }))
    }

    /// Signs `entry` as the chain head.
    pub async fn checkpoint(&self, entry: &AuditEntry) -> Result<Checkpoint, AppError> {
        let checkpoint = Checkpoint::sign(&self.keys.signing, entry.seq, &entry.hash, Time::now());
        self.store.add_checkpoint(&checkpoint).await?;
        Ok(checkpoint)
    }

    /// Signs the current head, if there is one (before an export).
    pub async fn checkpoint_head(&self) -> Result<Option<Checkpoint>, AppError> {
        match self.store.audit_head().await? {
            Some(head) => Ok(Some(self.checkpoint(&head).await?)),
            None => Ok(None),
        }
    }
}
