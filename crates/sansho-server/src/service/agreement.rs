//! The agreement: when every item is settled, the institution's signatory agrees to the exact
//! version (its digest and the digest of the documents it covers), recorded with who, when,
//! from where and the audit chain's head at that moment; the provider's approver countersigns.

use sansho_store::records::*;
use sansho_store::{AgreementId, Change, Time, VersionId};

use crate::access::{Approve, Engaged, Sign};
use crate::auth::secret;
use crate::error::AppError;
use crate::service::review::{self, ItemState};
use crate::service::share;
use crate::state::AppState;

/// The statement the signatory agrees to.
pub fn statement(
    institution: &str,
    system: &str,
    version: &Version,
    contract: ContractForm,
) -> String {
    let yakkan = match contract {
        ContractForm::Yakkan => {
            "約款に基づく提供であることを踏まえ、約款とは別に明示されたリスクを確認した上で、"
        }
        ContractForm::Individual => "",
    };
    format!(
        "{institution}は、{system}（第 {} 版、版識別子 {}）について、提供事業者から提示されたリスク対応一覧、医療機関等に求める事項、受容・共有されるリスク、残存リスクおよび責任分界の説明を受け、{yakkan}その内容を理解し、当院が自ら行うべき対策を含めて合意します。",
        version.number, version.id
    )
}

/// The institution's signatory agrees to `version`. `confirm` must be the statement shown.
pub async fn sign(
    state: &AppState,
    e: &Engaged<Sign>,
    version: &VersionId,
    confirmed: bool,
) -> Result<AgreementId, AppError> {
    review::current_share(state, e, version).await?;
    let view = review::view(state, e, version).await?;
    if view.agreement.is_some() {
        return Err(AppError::conflict(
            "この版はすでに合意済みです",
            "this version is agreed already",
        ));
    }
    if !confirmed {
        return Err(AppError::bad(
            "合意文を確認したことを示すチェックを入れてください",
            "confirm that you have read the statement",
        ));
    }
    if e.engagement.contract_form == ContractForm::Yakkan
        && view.share.risks_acknowledged_at.is_none()
    {
        return Err(AppError::conflict(
            "約款による契約では、合意の前にリスクの明示を確認してください",
            "for a standard-form contract, acknowledge the stated risks first",
        ));
    }
    if !view.settled() {
        let open = view.count(|s| matches!(s, ItemState::Pending));
        let unsettled = view.count(|s| matches!(s, ItemState::Reviewed { verdict, .. } if verdict != Verdict::Agree.as_str()));
        return Err(AppError::conflict(
            format!(
                "まだ合意していない項目があります (未確認 {open} 件、要協議・差戻し {unsettled} 件)"
            ),
            format!(
                "items are not settled ({open} without a verdict, {unsettled} to discuss or sent back)"
            ),
        ));
    }
    let items: Vec<ReviewItem> = view.items.iter().map(|(i, _)| i.clone()).collect();
    let head = state
        .store
        .audit_head()
        .await?
        .ok_or_else(|| AppError::Internal("empty audit chain".into()))?;
    let institution = &e.auth.org.name;
    let agreement = Agreement {
        id: AgreementId::new(secret::id()),
        engagement: e.engagement.id.clone(),
        version: version.clone(),
        basis: AgreementBasis::Signed,
        statement: statement(
            institution,
            &view.version.name,
            &view.version,
            e.engagement.contract_form,
        ),
        documents_digest: view.version.documents_digest.clone(),
        items_digest: share::items_digest(&items),
        signed_by: e.auth.user.id.clone(),
        signed_at: Time::now(),
        signed_from: e.auth.client.ip.clone(),
        audit_seq: head.seq,
        audit_hash: head.hash.clone(),
        countersigned_by: None,
        countersigned_at: None,
    };
    let id = agreement.id.clone();
    let event = e.event(
        "agreement.signed",
        serde_json::json!({
            "agreement": id, "version": version, "documents_digest": agreement.documents_digest,
            "items_digest": agreement.items_digest, "audit_seq": head.seq, "audit_hash": head.hash,
        }),
    );
    state
        .record(Change::RecordAgreement(agreement), event)
        .await?;
    Ok(id)
}

/// The provider's approver countersigns an agreement of its engagement.
pub async fn countersign(
    state: &AppState,
    e: &Engaged<Approve>,
    agreement: &AgreementId,
) -> Result<(), AppError> {
    let a = state
        .store
        .agreement(agreement)
        .await?
        .ok_or(AppError::NotFound)?;
    if a.engagement != e.engagement.id {
        return Err(AppError::NotFound);
    }
    if a.countersigned_at.is_some() {
        return Err(AppError::conflict(
            "すでに確認済みです",
            "countersigned already",
        ));
    }
    let at = Time::now();
    let signed = Agreement {
        countersigned_by: Some(e.auth.user.id.clone()),
        countersigned_at: Some(at),
        ..a
    };
    let event = e.event(
        "agreement.countersigned",
        serde_json::json!({"agreement": signed.id, "version": signed.version}),
    );
    state.record(Change::Countersign(signed), event).await?;
    Ok(())
}
