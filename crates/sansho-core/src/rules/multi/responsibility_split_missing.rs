//! MULTI001 responsibility-split-missing: asset run by another organisation without a responsibility split.

use crate::rules::prelude::*;

declare_rule!(r#"
code: MULTI001
name: responsibility-split-missing
title: {ja: "他の組織が管理する資産の責任分界が記録されていない", en: "Asset run by another organisation without a responsibility split"}
what:
  ja: "再委託先や他の事業者など、対象事業者以外の組織が管理する資産について、責任を負う組織と範囲が記録されていないことを検出します。"
  en: "Flags assets managed by an organisation other than the provider, such as a subcontractor or another provider, for which no responsible organisation and scope are recorded."
why:
  ja: "責任分界が曖昧だと、障害や情報漏洩の際に原因の特定や対策が遅れ、どの組織も対策をとらない隙間が生まれます。"
  en: "With an unclear split, finding causes and acting on failures or leaks is delayed, and gaps appear where no organisation takes action."
fix:
  ja: "資産ごとに責任を負う組織と、通常時・非常時の役割を記録して各組織と合意します。再委託先の分は対象事業者が自らのリスク管理に含め、医療機関等に説明します。"
  en: "Record for each asset the responsible organisation and its roles in normal times and emergencies, and agree them with each organisation. The provider covers subcontracted parts in its own risk management and explains them to the institution."
example:
  explanation:
    ja: "IaaS 事業者が管理する仮想化基盤が、責任分界 (responsibilities) のどこにも含まれないと検出される。"
    en: "A virtualisation host run by the IaaS provider that no responsibility entry covers fires."
  fires: |
    responsibilities:
      - organization: acme
        incident_lead: true
        covers: [authentication, access_logs, network, backups, media_handling, vulnerability_management, incident_response, disposal, business_continuity]
      - organization: iaas
        assets: [vault]
        covers: [physical_security]
  element: "host"
  passes: |
    responsibilities:
      - organization: acme
        incident_lead: true
        covers: [authentication, access_logs, network, backups, media_handling, vulnerability_management, incident_response, disposal, business_continuity]
      - organization: iaas
        assets: [vault, host]
        covers: [physical_security]
sources:
  - clause: "MGL-5.2 別冊 p.26"
    strength: must
    quote: "障害が起こった際の対処の責任範囲について明確に定めた上で、医療機関等が理解しておく必要がある"
    verified: false
    note: "Official MGL 5.2 text (seed 002); the 6.0 counterparts (企画管理編 2, Q&A 企Q-16/17) are [V] only in the facts sheet."
  - clause: "MGL-5.2 別冊 図4-1"
    strength: unknown
    quote: "すべて事業者Aが一括してサービス提供責任を負う"
    verified: false
    note: "Figure text (seed 002): one contractor with an internal supply chain answers for everything."
  - clause: "MGL-6.0 企画管理編 2"
    strength: unknown
    verified: false
    note: "Facts sheet only (9465 p.20, 22)."
  - clause: "PGL-1.1 2.2"
    strength: unknown
    verified: false
    note: "Facts sheet only (p.17): the provider with the direct contract covers components bought from others in its own risk management."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for (ix, a) in AssetIx::enumerate(&model.assets) {
        let Some(org) = a.managed_by.filter(|&o| {
            matches!(model.organizations[o].role, OrganizationRole::Subcontractor | OrganizationRole::OtherProvider)
        }) else {
            continue;
        };
        let covered = model
            .responsibilities
            .iter()
            .any(|r| r.organization == org && (r.assets.is_empty() || r.assets.contains(&ix)));
        if !covered {
            let (id, name, org_name) = (&a.id, &a.name, &model.organizations[org].name);
            ctx.fail(
                id,
                Some(a.span),
                loc!(
                    "{org_name} が管理する {name} ({id}) の責任分界がありません",
                    "{name} ({id}), run by {org_name}, has no recorded responsibility split"
                ),
            );
        }
    }
}
