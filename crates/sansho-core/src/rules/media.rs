//! WLAN and MEDIA: wireless admission (PGL 5.1.5(イ)④); small flash media, cloud storage and
//! egress separation (⑤).

use super::Ctx;
use crate::diagnostics::Code;
use crate::loc;
use crate::model::ElementRef;
use crate::vocab::Vocabulary;
use crate::vocab::{AssetKind, ConnectionKind, WirelessAccessControl};

pub fn check(ctx: &mut Ctx<'_>) {
    for c in &ctx.model.connections {
        if c.kind != ConnectionKind::WirelessLan
            || c.wireless_access_control
                .contains(&WirelessAccessControl::Ieee8021xCertificate)
        {
            continue;
        }
        let used: Vec<&str> = c.wireless_access_control.iter().map(|w| w.name()).collect();
        let used = if used.is_empty() {
            "none".to_owned()
        } else {
            used.join(" + ")
        };
        let (id, name) = (&c.id, &c.name);
        ctx.emit(
            Code::WirelessWeakAccessControl,
            id,
            Some(c.span),
            loc!(
                "{name} ({id}) の接続制限は {used} です",
                "{name} ({id}) admits terminals by {used}"
            ),
        );
    }
    for (ix, a) in ctx.model.assets.iter().enumerate() {
        let medical = ctx.asset_holds_medical(ix)
            || ctx
                .medical_flows_through(ElementRef::Asset(ix))
                .next()
                .is_some();
        if !medical {
            continue;
        }
        let (id, name) = (&a.id, &a.name);
        if a.kind == AssetKind::PortableMedia {
            ctx.emit(
                Code::FlashMediaWithMedicalInformation,
                id,
                Some(a.span),
                loc!(
                    "{name} ({id}) に医療情報が格納されます",
                    "{name} ({id}) holds medical information"
                ),
            );
        }
        if a.kind == AssetKind::CloudService && a.cloud_permitted != Some(true) {
            let detail = if a.cloud_permitted.is_none() {
                loc!(
                    "{name} ({id}) が許可リストにあるか書かれていません",
                    "{name} ({id}) is not stated to be on the permitted list"
                )
            } else {
                loc!(
                    "{name} ({id}) は許可されていません",
                    "{name} ({id}) is not permitted"
                )
            };
            ctx.emit(Code::CloudStorageNotPermitted, id, Some(a.span), detail);
        }
    }
    let medical = ctx.model.flows.iter().any(|f| ctx.flow_is_medical(f));
    if medical && ctx.model.system.data_egress_controls.is_empty() {
        let id = ctx.model.system.id.clone();
        ctx.emit(
            Code::NoEgressSeparation,
            &id,
            ctx.system_span(),
            loc!(
                "system.data_egress_controls が空です",
                "system.data_egress_controls is empty"
            ),
        );
    }
}
