//! MULTI003 cooperation-split-missing: cooperation with another provider without an agreed split.

use crate::rules::prelude::*;

declare_rule!(r#"
code: MULTI003
name: cooperation-split-missing
title: {ja: "他の事業者との連携部分の責任分界が合意されていない", en: "Cooperation with another provider without an agreed split"}
what:
  ja: "医療機関等が別に契約する他の事業者との連携 (水平連携・垂直連携) について、情報流が双方の資産にまたがるのに、連携部分の責任分界が記録されていないことを検出します。"
  en: "Flags cooperation with another provider that the institution contracts separately (horizontal or vertical) whose assets share a flow with others' assets while no split of the joint parts is recorded."
why:
  ja: "接続仕様や障害時の連絡といった連携部分はどちらの契約からも漏れやすく、障害や事故の際に対応の空白が生じます。"
  en: "Joint parts such as interface specifications and contact in failures easily fall outside both contracts, leaving no one to act when something goes wrong."
fix:
  ja: "連携部分の技術仕様と非常時の連絡・対応の分担を、関係する事業者と医療機関等の間で合意し、合意日とともに記録します。"
  en: "Agree the technical specifications of the joint parts and the split of contact and response in emergencies among the providers and the institution, and record it with the date of agreement."
example:
  explanation:
    ja: "アプリサーバが別契約の PaaS 事業者の基盤上で動く (runs_on: 垂直連携)。連携部分の責任分界の合意がないと検出され、合意を記録すると検出されない。"
    en: "The application server runs on another provider's platform under a separate contract (`runs_on`: vertical cooperation). Without an agreed split of the joint parts this fires; with it recorded it does not."
  fires: |
    organizations:
      - {id: paas, name: PaaS 事業者, role: other_provider, certifications: [{scheme: isms, valid_until: 2027-12-31, covers_data_lifecycle: true}]}
    assets:
      - {id: app, runs_on: platform}
      - {id: platform, name: PaaS 基盤, kind: cloud_service, location: dc, managed_by: paas, cloud_permitted: true}
    responsibilities:
      - organization: acme
        incident_lead: true
        covers: [authentication, access_logs, network, backups, media_handling, vulnerability_management, incident_response, disposal, business_continuity]
      - organization: iaas
        covers: [physical_security]
      - organization: paas
  element: "paas"
  passes: |
    organizations:
      - {id: paas, name: PaaS 事業者, role: other_provider, certifications: [{scheme: isms, valid_until: 2027-12-31, covers_data_lifecycle: true}]}
    assets:
      - {id: app, runs_on: platform}
      - {id: platform, name: PaaS 基盤, kind: cloud_service, location: dc, managed_by: paas, cloud_permitted: true}
    responsibilities:
      - organization: acme
        incident_lead: true
        covers: [authentication, access_logs, network, backups, media_handling, vulnerability_management, incident_response, disposal, business_continuity]
      - organization: iaas
        covers: [physical_security]
      - organization: paas
    cooperations:
      - {with: paas, kind: vertical, split: 基盤の障害対応は PaaS 事業者、アプリは当社 (連携契約 第5条)}
sources:
  - clause: "MGL-5.2 別冊 図4-1"
    strength: must
    quote: "外部受託事業者間での連携が必要となる場合に関する責任分界の考え方を、それぞれの事業者と定める必要がある"
    verified: false
    note: "Official MGL 5.2 figure caption (seed 002)."
  - clause: "MGL-6.0 企画管理編 2(1)"
    strength: unknown
    verified: false
    note: "Facts sheet only (9465 p.20): demarcation with each vendor and for technical specs and emergency coordination between them."
  - clause: "MGL-6.0 Q&A 企Q-17"
    strength: unknown
    verified: false
    note: "Facts sheet only (9473 p.35): horizontal and vertical cooperation cases."
  - clause: "PGL-1.1 2.2"
    strength: unknown
    verified: false
    note: "Facts sheet only."
rank: B
"#);

/// Whether a flow or a hosting relation joins `org`'s assets with others': the joint parts of a
/// cooperation (horizontal: one flow through both; vertical: one's asset runs on the other's).
fn joint(model: &crate::model::Model, org: OrgIx) -> bool {
    let through_both = model.flows.iter().any(|f| {
        let managers: std::collections::BTreeSet<Option<OrgIx>> = f
            .path
            .iter()
            .filter_map(|e| match e {
                ElementRef::Asset(a) => Some(model.assets[*a].managed_by),
                _ => None,
            })
            .collect();
        managers.contains(&Some(org)) && managers.iter().any(|m| *m != Some(org))
    });
    let hosted = model.assets.iter().any(|a| {
        a.runs_on.is_some_and(|host| {
            let host = model.assets[host].managed_by;
            (host == Some(org)) != (a.managed_by == Some(org))
        })
    });
    through_both || hosted
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for (ix, org) in OrgIx::enumerate(&model.organizations) {
        if org.role != OrganizationRole::OtherProvider || !joint(model, ix) {
            continue;
        }
        let agreed = model.cooperations.iter().any(|c| c.with == ix && c.split.is_some());
        if !agreed {
            let (id, name) = (&org.id, &org.name);
            ctx.fail(
                id,
                Some(org.span),
                loc!(
                    "{name} ({id}) との連携部分の責任分界が合意されていません",
                    "no agreed split for the joint parts with {name} ({id})"
                ),
            );
        }
    }
}
