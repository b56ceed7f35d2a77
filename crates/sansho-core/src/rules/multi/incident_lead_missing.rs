//! MULTI002 incident-lead-missing: several organisations and no lead for incident investigation.

use crate::rules::prelude::*;

declare_rule!(r#"
code: MULTI002
name: incident-lead-missing
title: {ja: "複数の組織が関わるのに事故調査の主導者が決まっていない", en: "Several organisations and no lead for incident investigation"}
what:
  ja: "複数の組織が関わるシステムで、事故や障害の原因調査を主導する組織が定められていないことを検出します。"
  en: "Flags systems involving several organisations where no organisation is set to lead the investigation of incidents and failures."
why:
  ja: "最初に調査の範囲を決める主体がいないと、非常時に組織の間で対応が押し付け合いになり、原因の特定と封じ込めが遅れます。"
  en: "If nobody is set to define the scope of an investigation first, organisations pass the problem between them in an emergency, delaying diagnosis and containment."
fix:
  ja: "原因調査を主導する組織を決め、他の組織の調査協力の義務 (ログの提供など) と範囲を、それぞれの組織と取り決めます。"
  en: "Decide which organisation leads investigations, and agree with each organisation its duty to cooperate (such as providing logs) and the scope."
example:
  explanation:
    ja: "複数の事業者が関わるのに、事故の原因調査を主導する組織が決まっていないと検出される。"
    en: "Several organisations and none appointed to lead incident investigation fires."
  fires: |
    responsibilities:
      - organization: acme
        covers: [authentication, access_logs, network, backups, media_handling, vulnerability_management, incident_response, disposal, business_continuity]
      - organization: iaas
        covers: [physical_security]
  element: "demo"
  passes: |
    responsibilities:
      - organization: acme
        incident_lead: true
        covers: [authentication, access_logs, network, backups, media_handling, vulnerability_management, incident_response, disposal, business_continuity]
      - organization: iaas
        covers: [physical_security]
sources:
  - clause: "MGL-5.2 別冊 p.26"
    strength: must
    quote: "最初に原因調査の範囲を決める責任を負う主体や、原因調査に必要な調査協力義務などについての役割、範囲等をそれぞれの事業者と取り決めておくことが求められる"
    verified: false
    note: "Official MGL 5.2 text (seed 002), '求められる' read as must; whether 6.0 keeps this wording was not checked."
  - clause: "MGL-6.0 企画管理編 2"
    strength: unknown
    verified: false
    note: "Facts sheet only: agree demarcation with each vendor and for the integration points."
  - clause: "PGL-1.1 2.2"
    strength: unknown
    verified: false
    note: "Facts sheet only; nothing seen on an investigation lead."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let several = model.organizations.iter().any(|o| {
        matches!(o.role, OrganizationRole::Subcontractor | OrganizationRole::OtherProvider)
    });
    if several && !model.responsibilities.iter().any(|r| r.incident_lead) {
        ctx.fail(
            &model.system.id,
            ctx.system_span(),
            loc!(
                "事故の原因調査を主導する組織 (incident_lead) がありません",
                "no organisation leads incident investigation (incident_lead)"
            ),
        );
    }
}
