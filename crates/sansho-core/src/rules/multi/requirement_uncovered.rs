//! MULTI004 requirement-uncovered: requirement area covered by no party.

use crate::rules::prelude::*;

declare_rule!(r#"
code: MULTI004
name: requirement-uncovered
title: {ja: "どの組織も担当しない要求領域がある", en: "Requirement area covered by no party"}
what:
  ja: "認証・ログ・ネットワーク・バックアップなどの要求領域 (sansho kb areas) のうち、どの組織の責任範囲にも含まれていないものを検出します。"
  en: "Flags requirement areas (sansho kb areas) such as authentication, logs, networks or backups that no organisation's responsibilities cover."
why:
  ja: "各事業者の契約を合わせてもガイドラインの要求に漏れがあると、その領域の対策は誰にも実施されず、医療機関等も気付かないまま運用することになります。"
  en: "If the contracts taken together leave a guideline requirement uncovered, nobody carries out the measures for that area and the institution operates without knowing it."
fix:
  ja: "漏れている領域の担当組織を決めて責任分界に記録します。医療機関等が自ら担う場合は、その内容を医療機関等へ対応を求める事項として合意します。"
  en: "Assign an organisation to each uncovered area and record it in the responsibility split. Where the institution takes it on itself, agree the content as something the institution must do."
example:
  explanation:
    ja: "どの組織も物理的安全管理を担っていないと検出される。"
    en: "No organisation covering physical security fires."
  fires: |
    responsibilities:
      - organization: acme
        incident_lead: true
        covers: [authentication, access_logs, network, backups, media_handling, vulnerability_management, incident_response, disposal, business_continuity]
      - organization: iaas
        covers: []
  element: "physical_security"
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
    quote: "複数事業者の提供サービス内容や契約内容を合わせて、本ガイドラインの要求に漏れなく適合していることの確認が必要である"
    verified: false
    note: "Official MGL 5.2 text (seed 002); the list of requirement areas the rule uses is sansho's own."
  - clause: "MGL-6.0 企画管理編 2"
    strength: unknown
    verified: false
    note: "Facts sheet only."
  - clause: "PGL-1.1 2.2"
    strength: unknown
    verified: false
    note: "Facts sheet only."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let several = model.organizations.iter().any(|o| {
        matches!(o.role, OrganizationRole::Subcontractor | OrganizationRole::OtherProvider)
    });
    if !several || model.responsibilities.is_empty() {
        return;
    }
    for area in &ctx.kb.tables.requirement_areas {
        if !model.responsibilities.iter().any(|r| r.covers.contains(&area.id)) {
            let (ja, en) = (&area.name.ja, &area.name.en);
            ctx.fail(&area.id, ctx.system_span(), loc!("「{ja}」を担う組織がありません", "no party covers {en}"));
        }
    }
}
