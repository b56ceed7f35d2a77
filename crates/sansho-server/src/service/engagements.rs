//! Engagements: a provider's system offered to one institution, with its contract form. The
//! provider's approver makes them, registering the institution when it is new.

use sansho_store::records::*;
use sansho_store::{Change, EngagementId, OrgId, SystemId, Time};

use crate::access::{Allowed, Approve, Auth};
use crate::auth::secret;
use crate::error::AppError;
use crate::service::review::{self, EngagementStatus};
use crate::state::AppState;

/// An engagement with what a list shows of it.
pub struct Listed {
    pub engagement: Engagement,
    pub system: System,
    pub provider: Organization,
    pub institution: Organization,
    pub status: EngagementStatus,
}

/// The engagements the caller's organisation takes part in.
pub async fn list(state: &AppState, auth: &Auth) -> Result<Vec<Listed>, AppError> {
    let mut out = Vec::new();
    for engagement in state.store.engagements_of(&auth.org.id).await? {
        let (Some(system), Some(provider), Some(institution)) = (
            state.store.system(&engagement.system).await?,
            state.store.organization(&engagement.provider).await?,
            state.store.organization(&engagement.institution).await?,
        ) else {
            continue;
        };
        let status = review::status(state, &engagement).await?;
        out.push(Listed {
            engagement,
            system,
            provider,
            institution,
            status,
        });
    }
    Ok(out)
}

/// Where the institution of a new engagement comes from.
pub enum InstitutionChoice {
    Existing(OrgId),
    New(String),
}

/// Creates an engagement of one of the caller's systems with an institution.
pub async fn create(
    state: &AppState,
    auth: &Allowed<Approve>,
    system: &SystemId,
    institution: InstitutionChoice,
    contract_form: ContractForm,
) -> Result<EngagementId, AppError> {
    let system = match state.store.system(system).await? {
        Some(s) if s.provider == auth.org.id => s,
        _ => return Err(AppError::NotFound),
    };
    // A new institution is registered in the same transaction as the engagement, so a request
    // cut short leaves no institution without its engagement.
    let mut changes = Vec::with_capacity(2);
    let institution = match institution {
        InstitutionChoice::Existing(id) => {
            // Only institutions this provider already works with, so an id from elsewhere
            // reveals nothing.
            let known = state
                .store
                .engagements_of(&auth.org.id)
                .await?
                .iter()
                .any(|e| e.institution == id);
            match state.store.organization(&id).await? {
                Some(o) if known && o.kind == OrgKind::Institution => o,
                _ => return Err(AppError::NotFound),
            }
        }
        InstitutionChoice::New(name) => {
            let name = review::check_text(
                state,
                "医療機関等の名称",
                "the institution's name",
                &name,
                true,
            )?;
            let org = Organization {
                id: OrgId::new(secret::id()),
                name: name.clone(),
                kind: OrgKind::Institution,
                created_at: Time::now(),
            };
            let event = auth.event(
                "organization.registered",
                &[&org.id],
                serde_json::json!({"name": name, "kind": "institution"}),
            );
            changes.push((Change::CreateOrganization(org.clone()), event));
            org
        }
    };
    let engagement = Engagement {
        id: EngagementId::new(secret::id()),
        system: system.id.clone(),
        provider: auth.org.id.clone(),
        institution: institution.id.clone(),
        contract_form,
        created_by: auth.user.id.clone(),
        created_at: Time::now(),
    };
    let id = engagement.id.clone();
    let event = auth.event(
        "engagement.created",
        &[&institution.id],
        serde_json::json!({"engagement": id, "system": system.key, "institution": institution.name, "contract_form": contract_form.as_str()}),
    );
    changes.push((Change::CreateEngagement(engagement), event));
    state.record_all(changes).await?;
    Ok(id)
}
