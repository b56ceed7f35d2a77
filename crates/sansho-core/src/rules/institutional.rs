//! INST: institutional requirements (PGL ch.6): disclosure of foreign storage, the three
//! principles of electronic storage, qualified signatures with accredited timestamps, and
//! eavesdropping countermeasures where law forbids encryption.

use std::collections::BTreeSet;

use super::Ctx;
use crate::diagnostics::Code;
use crate::loc;
use crate::model::ElementRef;
use crate::vocab::{SignatureMethod, StoragePrinciple, TimestampKind};

pub fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let disclosed = model.agreement.as_ref().is_some_and(|a| {
        a.vendor_selection.contains_key("storage_location")
            && a.vendor_selection.contains_key("foreign_law")
    });
    let mut reported = BTreeSet::new();
    for (ix, a) in model.assets.iter().enumerate() {
        let location = &model.locations[a.location];
        let abroad = location.country.as_deref().is_some_and(|c| c != "JP");
        if abroad && ctx.asset_holds_medical(ix) && !disclosed && reported.insert(a.location) {
            let (id, name, country) = (
                &location.id,
                &location.name,
                location.country.as_deref().unwrap_or("-"),
            );
            ctx.emit(
                Code::ForeignStorageUndisclosed,
                id,
                Some(location.span),
                loc!("{name} ({id}, {country}) に医療情報が保存されますが、保存場所と国外法の適用可能性が開示されていません", "medical information is stored at {name} ({id}, {country}) without disclosing the location and foreign-law exposure"),
            );
        }
    }
    for (ix, info) in model.information.iter().enumerate() {
        let (id, name) = (&info.id, &info.name);
        if info.legal_record {
            let holders: Vec<ElementRef> = model
                .assets
                .iter()
                .enumerate()
                .filter(|(_, a)| a.holds.contains(&ix))
                .map(|(i, _)| ElementRef::Asset(i))
                .chain(std::iter::once(ElementRef::Information(ix)))
                .collect();
            let covered: BTreeSet<StoragePrinciple> = model
                .controls
                .iter()
                .filter(|c| c.applies_to.iter().any(|t| holders.contains(t)))
                .flat_map(|c| c.principles.iter().copied())
                .collect();
            let missing: Vec<&str> = [
                (StoragePrinciple::Authenticity, "真正性 (authenticity)"),
                (StoragePrinciple::Readability, "見読性 (readability)"),
                (StoragePrinciple::Preservability, "保存性 (preservability)"),
            ]
            .iter()
            .filter(|(p, _)| !covered.contains(p))
            .map(|(_, n)| *n)
            .collect();
            if !missing.is_empty() {
                let list = missing.join(", ");
                ctx.emit(
                    Code::StoragePrincipleMissing,
                    id,
                    Some(info.span),
                    loc!(
                        "{name} ({id}) に対策がない原則: {list}",
                        "{name} ({id}) has no control for: {list}"
                    ),
                );
            }
        }
        if info.requires_signature {
            let problem = match &info.signature {
                None => Some(loc!("署名方式が書かれていません", "no signature is stated")),
                Some(s)
                    if !matches!(
                        s.method,
                        SignatureMethod::Hpki | SignatureMethod::QualifiedOther
                    ) =>
                {
                    Some(loc!(
                        "署名者の資格を電子的に検証できない署名です",
                        "the signature does not verify the signer's qualification"
                    ))
                }
                Some(s) if s.timestamp != TimestampKind::Accredited => Some(loc!(
                    "認定タイムスタンプがありません",
                    "no accredited timestamp"
                )),
                Some(_) => None,
            };
            if let Some(p) = problem {
                let (pj, pe) = (&p.ja, &p.en);
                let span = info.signature.as_ref().map_or(info.span, |s| s.span);
                ctx.emit(
                    Code::SignatureNotQualified,
                    id,
                    Some(span),
                    loc!("{name} ({id}): {pj}", "{name} ({id}): {pe}"),
                );
            }
        }
    }
    for c in &model.connections {
        if c.unencrypted_by_law && c.eavesdropping_countermeasures.is_empty() {
            let (id, name) = (&c.id, &c.name);
            ctx.emit(
                Code::UnencryptedByLawWithoutCountermeasure,
                id,
                Some(c.span),
                loc!(
                    "{name} ({id}) は法令により暗号化できませんが、盗聴対策が書かれていません",
                    "{name} ({id}) is unencrypted by law but lists no eavesdropping countermeasure"
                ),
            );
        }
    }
}
