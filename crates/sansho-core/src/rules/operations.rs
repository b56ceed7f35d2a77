//! OPS: information management in operation (MGL 6.0 システム運用編 7): take-out, ledger,
//! vendor take-out, remote access, lent devices, disposal.

use super::Ctx;
use crate::diagnostics::Code;
use crate::loc;
use crate::vocab::{
    ActorKind, ConnectionKind, Operation, OrganizationRole, RemotePurpose, SslVpnType,
};

pub fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for (ix, a) in model.assets.iter().enumerate() {
        let (id, name) = (&a.id, &a.name);
        if a.taken_out && a.encrypted_at_rest != Some(true) {
            ctx.emit(
                Code::TakenOutUnencrypted,
                id,
                Some(a.span),
                loc!(
                    "{name} ({id}) は持ち出されますが暗号化されていません",
                    "{name} ({id}) is taken out unencrypted"
                ),
            );
        }
        if (a.taken_out || a.kind.is_portable()) && !model.ledger.iter().any(|l| l.asset == ix) {
            ctx.emit(
                Code::TakenOutNotInLedger,
                id,
                Some(a.span),
                loc!(
                    "{name} ({id}) が台帳にありません",
                    "{name} ({id}) is not in the ledger"
                ),
            );
        }
        if a.lent_to_patients && !a.patient_consent {
            ctx.emit(
                Code::LentDeviceWithoutConsent,
                id,
                Some(a.span),
                loc!(
                    "{name} ({id}) を貸し出す際の説明と同意がありません",
                    "{name} ({id}) is lent without explanation and consent"
                ),
            );
        }
    }
    for flow in &model.flows {
        let Some(actor) = flow.who.map(|w| &model.actors[w]) else {
            continue;
        };
        let vendor = actor.kind == Some(ActorKind::Maintenance)
            || matches!(
                model.organizations[actor.organization].role,
                OrganizationRole::Subcontractor | OrganizationRole::OtherProvider
            );
        let takes_out = flow
            .how
            .iter()
            .any(|o| matches!(o, Operation::Carry | Operation::Export))
            || model.assets[flow.which].taken_out
            || model.assets[flow.which].kind.is_portable();
        let id = &flow.id;
        if vendor && takes_out && ctx.flow_is_medical(flow) && flow.approval.is_none() {
            let who = &actor.name;
            ctx.emit(
                Code::VendorTakeOutWithoutApproval,
                id,
                Some(flow.span),
                loc!(
                    "情報流 {id} で {who} が医療情報を持ち出しますが承認 (approval) がありません",
                    "in flow {id} {who} takes medical information out without approval"
                ),
            );
        }
        let other_org = model.organizations[actor.organization].role != OrganizationRole::Provider;
        if flow.how.contains(&Operation::Dispose)
            && other_org
            && ctx.flow_is_medical(flow)
            && flow.evidence.is_none()
        {
            let who = &actor.name;
            ctx.emit(
                Code::OutsourcedDisposalWithoutEvidence,
                id,
                Some(flow.span),
                loc!(
                    "情報流 {id} の破棄は {who} が行いますが証跡 (evidence) がありません",
                    "flow {id}: disposal by {who} has no evidence"
                ),
            );
        }
    }
    for c in &model.connections {
        let Some(remote) = &c.remote_access else {
            continue;
        };
        let (id, name) = (&c.id, &c.name);
        match remote.purpose {
            RemotePurpose::Maintenance if !remote.restricted => ctx.emit(
                Code::RemoteMaintenanceUnrestricted,
                id,
                Some(remote.span),
                loc!("{name} ({id}) の保守用リモートログインが管理された保守作業に限定されていません", "remote login over {name} ({id}) is not restricted to managed maintenance"),
            ),
            RemotePurpose::Staff => {
                let vpn = matches!(c.kind, ConnectionKind::IpsecVpn | ConnectionKind::ClosedNetwork | ConnectionKind::LeasedLine)
                    || (c.kind == ConnectionKind::SslVpn && c.ssl_vpn == Some(SslVpnType::Client));
                if !(remote.vdi && vpn) {
                    ctx.emit(
                        Code::StaffRemoteWithoutVdi,
                        id,
                        Some(remote.span),
                        loc!("{name} ({id}) の職員リモートアクセスが VPN 上の仮想デスクトップではありません", "staff remote access over {name} ({id}) is not a virtual desktop over a VPN"),
                    );
                }
            }
            RemotePurpose::Patient if !remote.separated => ctx.emit(
                Code::PatientViewingNotSeparated,
                id,
                Some(remote.span),
                loc!("{name} ({id}) の患者向け閲覧が内部のシステムから分離されていません", "patient viewing over {name} ({id}) is not separated from internal systems"),
            ),
            _ => {}
        }
    }
    for (ix, info) in model.information.iter().enumerate() {
        if ctx.is_medical(ix)
            && !model
                .disposal_procedures
                .iter()
                .any(|d| d.information.contains(&ix))
        {
            let (id, name) = (&info.id, &info.name);
            ctx.emit(
                Code::DisposalProcedureMissing,
                id,
                Some(info.span),
                loc!(
                    "{name} ({id}) の破棄手順がありません",
                    "{name} ({id}) has no disposal procedure"
                ),
            );
        }
    }
}
