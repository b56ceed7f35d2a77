//! MULTI: several providers (MGL 6.0 企画管理編 2): responsibility split for assets run by
//! others, a lead for incident investigation, agreed splits for cooperation, and no requirement
//! area left without an owner.

use std::collections::BTreeSet;

use super::Ctx;
use crate::diagnostics::Code;
use crate::loc;
use crate::model::ElementRef;
use crate::vocab::OrganizationRole;

pub fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let others = |role| {
        matches!(
            role,
            OrganizationRole::Subcontractor | OrganizationRole::OtherProvider
        )
    };
    for (ix, a) in model.assets.iter().enumerate() {
        let Some(org) = a.managed_by.filter(|&o| others(ctx.org_role(o))) else {
            continue;
        };
        let covered = model
            .responsibilities
            .iter()
            .any(|r| r.organization == org && (r.assets.is_empty() || r.assets.contains(&ix)));
        if !covered {
            let (id, name, org_name) = (&a.id, &a.name, &model.organizations[org].name);
            ctx.emit(
                Code::ResponsibilitySplitMissing,
                id,
                Some(a.span),
                loc!(
                    "{org_name} が管理する {name} ({id}) の責任分界がありません",
                    "{name} ({id}), run by {org_name}, has no recorded responsibility split"
                ),
            );
        }
    }
    let several = model.organizations.iter().any(|o| others(o.role));
    let system_id = model.system.id.clone();
    if several && !model.responsibilities.iter().any(|r| r.incident_lead) {
        ctx.emit(
            Code::IncidentLeadMissing,
            &system_id,
            ctx.system_span(),
            loc!(
                "事故の原因調査を主導する組織 (incident_lead) がありません",
                "no organisation leads incident investigation (incident_lead)"
            ),
        );
    }
    for (ix, org) in model.organizations.iter().enumerate() {
        if org.role != OrganizationRole::OtherProvider {
            continue;
        }
        // Flows that pass both this provider's assets and others' are joint parts.
        let joint = model.flows.iter().any(|f| {
            let managers: BTreeSet<Option<usize>> = f
                .path
                .iter()
                .filter_map(|e| match e {
                    ElementRef::Asset(a) => Some(model.assets[*a].managed_by),
                    _ => None,
                })
                .collect();
            managers.contains(&Some(ix)) && managers.iter().any(|m| *m != Some(ix))
        });
        let agreed = model
            .cooperations
            .iter()
            .any(|c| c.with == ix && c.split.is_some());
        if joint && !agreed {
            let (id, name) = (&org.id, &org.name);
            ctx.emit(
                Code::CooperationSplitMissing,
                id,
                Some(org.span),
                loc!(
                    "{name} ({id}) との連携部分の責任分界が合意されていません",
                    "no agreed split for the joint parts with {name} ({id})"
                ),
            );
        }
    }
    if several && !model.responsibilities.is_empty() {
        for area in &ctx.kb.tables.requirement_areas {
            if !model
                .responsibilities
                .iter()
                .any(|r| r.covers.contains(&area.id))
            {
                let (ja, en) = (&area.name.ja, &area.name.en);
                ctx.emit(
                    Code::RequirementUncovered,
                    &area.id,
                    ctx.system_span(),
                    loc!("「{ja}」を担う組織がありません", "no party covers {en}"),
                );
            }
        }
    }
}
