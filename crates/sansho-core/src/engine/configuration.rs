//! The configuration part of the result: the model's elements with names resolved, and the
//! agreement items with the knowledge base's names, so writers need neither model nor KB.

use crate::engine::reference;
use crate::text::Localized;
use std::collections::BTreeSet;

use crate::kb::KnowledgeBase;
use crate::model::{AssetIx, ConnectionIx, ElementRef, Model, OrgIx};
use crate::result::*;
use crate::vocab::OrganizationRole;
use crate::vocab::Vocabulary;

pub fn build(model: &Model, kb: &KnowledgeBase) -> Configuration {
    let org = |i: OrgIx| model.organizations[i].id.clone();
    let reference = |e| super::reference(model, e);
    // Connections without `endpoints` get them from the flows that use them.
    let mut linked: Vec<BTreeSet<AssetIx>> = vec![BTreeSet::new(); model.connections.len()];
    for flow in &model.flows {
        for (i, element) in flow.path.iter().enumerate() {
            if let ElementRef::Connection(c) = element {
                for neighbour in [i.checked_sub(1), Some(i + 1)].into_iter().flatten() {
                    if let Some(ElementRef::Asset(a)) = flow.path.get(neighbour) {
                        linked[c.index()].insert(*a);
                    }
                }
            }
        }
    }
    let agreement = model.agreement.as_ref();
    let coverage = |items: &[crate::kb::NamedItem],
                    pick: &dyn Fn(&str) -> Option<String>|
     -> Vec<ItemCoverage> {
        items
            .iter()
            .map(|i| ItemCoverage {
                id: i.id.clone(),
                label: i.label.clone(),
                name: i.name.clone(),
                coverage: pick(&i.id),
            })
            .collect()
    };
    Configuration {
        organizations: model
            .organizations
            .iter()
            .map(|o| OrganizationInfo {
                id: o.id.clone(),
                name: o.name.clone(),
                role: o.role,
                layers: o.layers.clone(),
                certifications: o
                    .certifications
                    .iter()
                    .map(|c| CertificationInfo {
                        scheme: c.scheme,
                        id: c.id.clone(),
                        scope: c.scope.clone(),
                        valid_until: c.valid_until.clone(),
                        expired: crate::judge::certificate_expired(model, c.valid_until.as_deref())
                            .is_some(),
                    })
                    .collect(),
            })
            .collect(),
        locations: model
            .locations
            .iter()
            .map(|l| LocationInfo {
                id: l.id.clone(),
                name: l.name.clone(),
                kind: l.kind,
                country: l.country.clone(),
                region: l.region.clone(),
                managed_by: l.managed_by.map(org),
                within: l.within.map(|w| model.locations[w].id.clone()),
            })
            .collect(),
        assets: model
            .assets
            .iter()
            .map(|a| AssetInfo {
                id: a.id.clone(),
                name: a.name.clone(),
                kind: a.kind,
                layer: a.layer,
                location: model.locations[a.location].id.clone(),
                managed_by: a.managed_by.map(org),
                holds: a
                    .holds
                    .iter()
                    .map(|&i| model.information[i].id.clone())
                    .collect(),
            })
            .collect(),
        connections: ConnectionIx::enumerate(&model.connections)
            .map(|(i, c)| ConnectionInfo {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind,
                endpoints: if c.endpoints.is_empty() {
                    linked[i.index()]
                        .iter()
                        .map(|&a| model.assets[a].id.clone())
                        .collect()
                } else {
                    c.endpoints
                        .iter()
                        .map(|&a| model.assets[a].id.clone())
                        .collect()
                },
                managed_by: c.managed_by.map(org),
            })
            .collect(),
        information: model
            .information
            .iter()
            .map(|i| {
                let class = &model.classifications[i.classification];
                InformationInfo {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    classification: class.id.clone(),
                    classification_name: class.name.clone(),
                    medical: class.medical,
                    retention_years: i.retention_years.or_else(|| {
                        kb.tables
                            .retention
                            .iter()
                            .find(|e| Some(&e.id) == i.record_type.as_ref())
                            .map(|e| e.years)
                    }),
                    retention_basis: i.retention_basis.clone().or_else(|| {
                        kb.tables
                            .retention
                            .iter()
                            .find(|e| Some(&e.id) == i.record_type.as_ref())
                            .map(|e| e.law.clone())
                    }),
                    legal_record: i.legal_record,
                    requires_signature: i.requires_signature,
                    signature: i
                        .signature
                        .as_ref()
                        .map(|s| format!("{} / {}", s.method.name(), s.timestamp.name())),
                    signature_label: i.signature.as_ref().map(signature_label),
                }
            })
            .collect(),
        controls: model
            .controls
            .iter()
            .map(|c| ControlInfo {
                id: c.id.clone(),
                name: c.name.clone(),
                category: c.category,
                owner: reference(ElementRef::Organization(c.owner)),
                institution_owned: model.organizations[c.owner].role
                    == OrganizationRole::Institution,
                references: c.references.iter().map(ToString::to_string).collect(),
            })
            .collect(),
        responsibilities: model
            .responsibilities
            .iter()
            .map(|r| ResponsibilityInfo {
                organization: reference(ElementRef::Organization(r.organization)),
                assets: r
                    .assets
                    .iter()
                    .map(|&a| model.assets[a].id.clone())
                    .collect(),
                covers: r.covers.clone(),
                covers_labels: r
                    .covers
                    .iter()
                    .map(|id| {
                        kb.tables
                            .requirement_areas
                            .iter()
                            .find(|a| &a.id == id)
                            .map_or_else(|| Localized::new(id, id), |a| a.name.clone())
                    })
                    .collect(),
                incident_lead: r.incident_lead,
                duties: r.duties.clone(),
            })
            .collect(),
        operating_rules: coverage(&kb.tables.operating_rule_items, &|id| {
            agreement
                .and_then(|a| a.operating_rules.get(id))
                .map(|(text, _)| text.clone())
        }),
        vendor_selection: coverage(&kb.tables.vendor_selection_items, &|id| {
            agreement
                .and_then(|a| a.vendor_selection.get(id))
                .map(|(text, _)| text.clone())
        }),
        evaluation: agreement.and_then(|a| a.evaluation.as_ref()).map(|e| {
            let by = e.by.name();
            match (&e.evaluator, &e.date) {
                (Some(who), Some(date)) => format!("{by}: {who} ({date})"),
                (Some(who), None) => format!("{by}: {who}"),
                _ => by.to_owned(),
            }
        }),
        evaluation_label: agreement.and_then(|a| a.evaluation.as_ref()).map(|e| {
            let by = e.by.label();
            let who = e
                .evaluator
                .as_deref()
                .map(|w| format!(": {w}"))
                .unwrap_or_default();
            let date = e
                .date
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            Localized::new(
                format!("{}{who}{date}", by.ja),
                format!("{}{who}{date}", by.en),
            )
        }),
        legal_records: legal_records(model, kb),
    }
}

/// 制度上の要求事項: each legally kept record the provider stores, with how 真正性・見読性・保存性
/// are each met (the same controls rule INST's storage check counts).
fn legal_records(model: &Model, kb: &KnowledgeBase) -> Vec<LegalRecordInfo> {
    use crate::model::InfoIx;
    use crate::vocab::StoragePrinciple;
    use strum::VariantArray;
    InfoIx::enumerate(&model.information)
        .filter(|(_, i)| i.legal_record)
        .map(|(ix, i)| {
            let controls = crate::judge::storage_controls(model, ix);
            let retention = kb
                .tables
                .retention
                .iter()
                .find(|e| Some(&e.id) == i.record_type.as_ref());
            LegalRecordInfo {
                information: reference(model, ElementRef::Information(ix)),
                retention_years: i.retention_years.or(retention.map(|e| e.years)),
                law: i
                    .retention_basis
                    .clone()
                    .or_else(|| retention.map(|e| e.law.clone())),
                requires_signature: i.requires_signature,
                signature: i.signature.as_ref().map(signature_label),
                stored_on: AssetIx::enumerate(&model.assets)
                    .filter(|(_, a)| a.holds.contains(&ix))
                    .map(|(a, _)| reference(model, ElementRef::Asset(a)))
                    .collect(),
                principles: StoragePrinciple::VARIANTS
                    .iter()
                    .map(|&p| PrincipleCoverage {
                        principle: p,
                        controls: controls
                            .iter()
                            .filter(|&&c| model.controls[c].principles.contains(&p))
                            .map(|&c| reference(model, ElementRef::Control(c)))
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A signature's method and time-stamp, for readers: 「HPKI 電子署名、認定タイムスタンプ」.
fn signature_label(s: &crate::model::Signature) -> Localized {
    let (m, t) = (s.method.label(), s.timestamp.label());
    Localized::new(format!("{}、{}", m.ja, t.ja), format!("{}, {}", m.en, t.en))
}
