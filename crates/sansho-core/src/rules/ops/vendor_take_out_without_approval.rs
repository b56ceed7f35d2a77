//! OPS003 vendor-take-out-without-approval: maintenance vendor takes medical information out without approval.

use crate::rules::prelude::*;

declare_rule!(r#"
code: OPS003
name: vendor-take-out-without-approval
title: {ja: "保守事業者が承認なしに医療情報を持ち出している", en: "Maintenance vendor takes medical information out without approval"}
what:
  ja: "保守担当者や再委託先・他の事業者の担当者が医療情報を持ち出す情報流 (搬送・エクスポート、持ち出す機器や可搬媒体の利用) のうち、承認の記載がないものを検出します。"
  en: "Flags flows in which maintenance staff, or staff of a subcontractor or another provider, take medical information out (carrying, exporting, or using a device taken out or portable media) without a recorded approval."
why:
  ja: "保守作業に伴う持出しは医療機関等の管理から外れやすく、紛失 (T9) や目的外の利用・漏洩 (T5) の原因になります。"
  en: "Data taken out during maintenance easily escapes the institution's control and can be lost (T9), misused or leaked (T5)."
fix:
  ja: "保守事業者による個人情報を含むデータの持出しは原則として行いません。やむを得ない場合は医療機関等の企画管理者の承認を事前に得て、承認者と日付を記録し、返却・消去の結果も記録します。"
  en: "As a rule, maintenance vendors do not take data containing personal information out. Where it cannot be avoided, obtain prior approval from the institution's planning manager, record who approved it and when, and record the return or erasure afterwards."
example:
  explanation:
    ja: "IaaS 事業者の保守作業員が DB から診療録を書き出す。承認がないと検出され、医療機関等の企画管理者の承認を記録すると検出されない。"
    en: "The IaaS vendor's engineer exports records from the database. Without approval this fires; with the institution's planning manager's approval recorded it does not."
  fires: |
    actors:
      - {id: engineer, name: 保守作業員, organization: iaas, kind: maintenance}
    flows:
      - {id: OP-02, phase: operation, layer: infrastructure, who: engineer, where: dc, which: db, what: [record], how: [export], evidence: 記録}
  element: "OP-02"
  passes: |
    actors:
      - {id: engineer, name: 保守作業員, organization: iaas, kind: maintenance}
    flows:
      - {id: OP-02, phase: operation, layer: infrastructure, who: engineer, where: dc, which: db, what: [record], how: [export], evidence: 記録, approval: 企画管理者の承認 (都度)}
sources:
  - clause: "MGL-6.0 システム運用編 7②"
    strength: must
    quote: "原則として個人情報を含むデータの持出しを禁止すること"
    verified: true
    note: "7② names maintenance vendors; the rule's extension to subcontractors and other providers' staff is sansho's own, which its text states openly."
rank: A
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for (ix, flow) in FlowIx::enumerate(&model.flows) {
        if flow.approval.is_some() || !judge::by_vendor(model, flow) || !ctx.s.is_medical_flow(ix) {
            continue;
        }
        let which = &model.assets[flow.which];
        let takes_out = flow.how.iter().any(|o| matches!(o, Operation::Carry | Operation::Export))
            || which.taken_out
            || which.kind.is_portable();
        if !takes_out {
            continue;
        }
        let id = &flow.id;
        let who: Vec<&str> = flow.who.iter().map(|&a| model.actors[a].name.as_str()).collect();
        let who = who.join(", ");
        ctx.fail(
            id,
            Some(flow.span),
            loc!(
                "情報流 {id} で {who} が医療情報を持ち出しますが承認 (approval) がありません",
                "in flow {id} {who} takes medical information out without approval"
            ),
        );
    }
}
