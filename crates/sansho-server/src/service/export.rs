//! Exports (見読性・保存性): an engagement's whole record as JSON with its hashes — for the
//! institution to keep and for anyone to check — and the server's whole audit chain for
//! `sansho audit verify`.

use sansho_store::Time;
use sansho_store::audit::{
    AuditEntry, ENGAGEMENT_EXPORT_FORMAT, EngagementExport, Export, ExportedVersion,
};

use crate::access::{Engaged, Permission};
use crate::error::AppError;
use crate::state::AppState;

/// The engagement's whole record.
pub async fn engagement<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
) -> Result<EngagementExport, AppError> {
    let store = &state.store;
    let id = &e.engagement.id;
    let shares = store.shares(id).await?;
    let mut versions = Vec::new();
    let mut reviews = Vec::new();
    for s in &shares {
        if let Some(version) = store.version(&s.version).await? {
            versions.push(ExportedVersion {
                files: store.version_files(&version.id).await?,
                items: store.review_items(&version.id).await?,
                version,
            });
        }
        reviews.extend(store.reviews(id, &s.version).await?);
    }
    let (provider, institution) = if e.is_provider() {
        (e.auth.org.clone(), e.counterpart.clone())
    } else {
        (e.counterpart.clone(), e.auth.org.clone())
    };
    let version_targets: Vec<String> = shares
        .iter()
        .map(|s| format!("version:{}", s.version))
        .collect();
    let mut audit_entries: Vec<AuditEntry> = store
        .audit_entries_of(&institution.id, 1_000_000)
        .await?
        .into_iter()
        .filter(|entry| {
            (entry.orgs.contains(&provider.id) && entry.orgs.contains(&institution.id))
                || version_targets.contains(&entry.target)
        })
        .collect();
    for target in &version_targets {
        if !audit_entries.iter().any(|x| &x.target == target) {
            let published = store.audit_entries_of(&provider.id, 1_000_000).await?;
            audit_entries.extend(
                published
                    .into_iter()
                    .filter(|x| version_targets.contains(&x.target)),
            );
            break;
        }
    }
    audit_entries.sort_by_key(|x| x.seq);
    audit_entries.dedup_by_key(|x| x.seq);
    let checkpoint = state.checkpoint_head().await?;
    Ok(EngagementExport {
        format: ENGAGEMENT_EXPORT_FORMAT.to_owned(),
        exported_at: Time::now(),
        server_public_key: state.keys.public_key_hex(),
        engagement: e.engagement.clone(),
        system: e.system.clone(),
        provider,
        institution,
        versions,
        shares,
        reviews,
        messages: store.messages(id).await?,
        minutes: store.minutes(id).await?,
        attachments: store.attachments(id).await?,
        agreements: store.agreements(id).await?,
        operations: store.op_records(id).await?,
        audit_entries,
        checkpoint,
    })
}

/// The server's whole chain and records, signed at the head, for `sansho audit verify`.
pub async fn audit(state: &AppState) -> Result<Export, AppError> {
    state.checkpoint_head().await?;
    Ok(sansho_store::audit::export(state.store.as_ref(), &state.keys.public_key_hex()).await?)
}
