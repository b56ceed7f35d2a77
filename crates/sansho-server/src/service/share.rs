//! Putting a version before an institution, and what it means for the agreement: the change is
//! computed against the **last agreed version** with `sansho-core`'s diff; items whose substance
//! is unchanged carry their earlier agreement; when nothing the institution agreed to changed,
//! the earlier agreement carries to the new version as a whole (recorded, never silent).

use std::collections::BTreeMap;

use sansho_core::Assessment;
use sansho_store::records::*;
use sansho_store::{AgreementId, Change, Time, VersionId};

use crate::access::Auth;
use crate::auth::secret;
use crate::error::AppError;
use crate::state::AppState;

pub struct ShareOutcome {
    pub needs_agreement: bool,
    pub carried: Option<AgreementId>,
}

/// The latest agreement of an engagement (signed or carried), if any.
pub async fn last_agreement(
    state: &AppState,
    engagement: &Engagement,
) -> Result<Option<Agreement>, AppError> {
    let agreements = state.store.agreements(&engagement.id).await?;
    Ok(agreements
        .into_iter()
        .max_by(|a, b| (a.signed_at, &a.id).cmp(&(b.signed_at, &b.id))))
}

/// The assessment stored with a version.
pub async fn assessment_of(state: &AppState, version: &VersionId) -> Result<Assessment, AppError> {
    let files = state.store.version_files(version).await?;
    let file = files
        .iter()
        .find(|f| f.role == FileRole::Result)
        .ok_or_else(|| AppError::Internal(format!("version {version} has no result")))?;
    let bytes = state
        .store
        .blob(&file.sha256)
        .await?
        .ok_or_else(|| AppError::Internal(format!("blob {} missing", file.sha256)))?;
    let assessment = crate::background::run("read-result", move || {
        serde_json::from_slice::<Assessment>(&bytes)
    })
    .await?
    .map_err(|e| AppError::Internal(format!("stored result unreadable: {e}")))?;
    Ok(assessment)
}

/// Digest of the items agreed: each key with its content digest, in review order.
pub fn items_digest(items: &[ReviewItem]) -> String {
    let lines: Vec<String> = items
        .iter()
        .map(|i| format!("{} {}", i.content_digest, i.key))
        .collect();
    sha256_hex(lines.join("\n").as_bytes())
}

/// Whether `new` asks anything the institution has not agreed to in `base`: an item added, one
/// removed, or one whose substance changed.
pub fn changed_items(base: &[ReviewItem], new: &[ReviewItem]) -> Vec<String> {
    let before: BTreeMap<&str, &str> = base
        .iter()
        .map(|i| (i.key.as_str(), i.content_digest.as_str()))
        .collect();
    let after: BTreeMap<&str, &str> = new
        .iter()
        .map(|i| (i.key.as_str(), i.content_digest.as_str()))
        .collect();
    let mut changed: Vec<String> = new
        .iter()
        .filter(|i| before.get(i.key.as_str()) != Some(&i.content_digest.as_str()))
        .map(|i| i.key.clone())
        .collect();
    changed.extend(
        base.iter()
            .filter(|i| !after.contains_key(i.key.as_str()))
            .map(|i| i.key.clone()),
    );
    changed
}

/// Shares `version` with `engagement`. `assessment` is the version's, when the caller has it.
pub async fn share(
    state: &AppState,
    auth: &Auth,
    engagement: &Engagement,
    version: &Version,
    assessment: Option<&Assessment>,
) -> Result<ShareOutcome, AppError> {
    if state
        .store
        .shares(&engagement.id)
        .await?
        .iter()
        .any(|s| s.version == version.id)
    {
        return Err(AppError::conflict(
            "この版はすでに共有されています",
            "this version is shared already",
        ));
    }
    let base_agreement = last_agreement(state, engagement).await?;
    let orgs = [&engagement.provider, &engagement.institution];
    let now = Time::now();
    let mut share = Share {
        engagement: engagement.id.clone(),
        version: version.id.clone(),
        base: base_agreement.as_ref().map(|a| a.version.clone()),
        shared_by: auth.user.id.clone(),
        shared_at: now,
        risks_acknowledged_at: None,
        change_report: None,
    };
    let new_items = state.store.review_items(&version.id).await?;
    let (report, changed) = match &base_agreement {
        None => (None, new_items.iter().map(|i| i.key.clone()).collect()),
        Some(base) => {
            let old = assessment_of(state, &base.version).await?;
            let new = match assessment {
                Some(a) => a.clone(),
                None => assessment_of(state, &version.id).await?,
            };
            let report =
                crate::background::run("compare", move || sansho_core::diff::compare(&old, &new))
                    .await?;
            let bytes =
                serde_json::to_vec(&report).map_err(|e| AppError::Internal(e.to_string()))?;
            share.change_report = Some(sha256_hex(&bytes));
            let base_items = state.store.review_items(&base.version).await?;
            (Some(bytes), changed_items(&base_items, &new_items))
        }
    };
    let event = auth.event(
        "version.shared",
        &orgs,
        serde_json::json!({
            "engagement": engagement.id, "version": version.id, "number": version.number,
            "base": share.base, "changed_items": changed.len(),
        }),
    );
    let shared = (
        Change::ShareVersion {
            share,
            change_report: report,
        },
        event,
    );

    let Some(base) = base_agreement.filter(|_| changed.is_empty()) else {
        state.record_all(vec![shared]).await?;
        return Ok(ShareOutcome {
            needs_agreement: true,
            carried: None,
        });
    };
    // Nothing the institution agreed to changed: its agreement carries, on the record, in the
    // same transaction as the share (a share cut short never leaves a version waiting for an
    // agreement that should have carried). Like a signature, the carry binds the chain as it
    // stood when it was made.
    let head = state
        .store
        .audit_head()
        .await?
        .ok_or_else(|| AppError::Internal("empty audit chain".into()))?;
    let base_number = state
        .store
        .version(&base.version)
        .await?
        .map_or(0, |v| v.number);
    let carried = Agreement {
        id: AgreementId::new(secret::id()),
        engagement: engagement.id.clone(),
        version: version.id.clone(),
        basis: AgreementBasis::CarriedOver {
            from: base.id.clone(),
        },
        statement: carried_statement(&base.statement, base_number, version, &base.id),
        documents_digest: version.documents_digest.clone(),
        items_digest: items_digest(&new_items),
        signed_by: base.signed_by.clone(),
        signed_at: now,
        signed_from: "carried-over".to_owned(),
        audit_seq: head.seq,
        audit_hash: head.hash.clone(),
        countersigned_by: base.countersigned_by.clone(),
        countersigned_at: base.countersigned_at.map(|_| now),
    };
    let event = auth.event(
        "agreement.carried_over",
        &orgs,
        serde_json::json!({"engagement": engagement.id, "version": version.id, "from": base.id, "reason": "no agreed item changed"}),
    );
    let id = carried.id.clone();
    state
        .record_all(vec![shared, (Change::RecordAgreement(carried), event)])
        .await?;
    Ok(ShareOutcome {
        needs_agreement: false,
        carried: Some(id),
    })
}

/// The statement of an agreement carried to a new version: the words agreed to, unchanged,
/// and what they now cover.
fn carried_statement(
    agreed: &str,
    base_number: u32,
    version: &Version,
    base: &AgreementId,
) -> String {
    format!(
        "{agreed}\n\n（第 {} 版（版識別子 {}）は、合意された項目の内容に変更がないため、第 {base_number} 版への上記の合意（合意識別子 {base}）を引き継ぎます。）",
        version.number, version.id
    )
}
