//! LIFE003 periodic-reports-missing: no periodic operation reports or self-inspection.

use crate::rules::prelude::*;

declare_rule!(r#"
code: LIFE003
name: periodic-reports-missing
title: {ja: "定期報告や自己点検が定められていない", en: "No periodic operation reports or self-inspection"}
what:
  ja: "運用状況の定期報告とセキュリティ対策の自己点検の頻度が、合意事項に記載されていないことを検出します。"
  en: "Flags agreements that set no frequency for reporting the operation status or for self-inspecting the security measures."
why:
  ja: "定期的な報告と点検がないと、対策の劣化や運用の逸脱に気付けず、医療機関等も委託先の取扱いの状況を把握できません。"
  en: "Without regular reports and inspections, decaying controls and drifting operations go unnoticed, and the institution cannot follow how its contractor handles the data."
fix:
  ja: "運用状況と対策の実施状況を定期的 (月次など) に医療機関等へ報告し、セキュリティ対策の自己点検を定期的 (年次など) に行って、結果を必要に応じて報告します。"
  en: "Report the operation status and the state of the controls to the institution at set intervals (monthly, say), and self-inspect the security measures at set intervals (yearly, say), reporting the results where needed."
example:
  explanation:
    ja: "医療機関等へ自己点検の結果を定期的に報告する予定がないと検出される。"
    en: "No periodic report of self-inspection results to the institution fires."
  fires: |
    agreement:
      reports: {self_inspection: null}
  element: "demo"
  passes: |
    agreement:
      reports: {operation: 月次, self_inspection: 年次}
sources:
  - clause: "PGL-2.0 3.2"
    strength: unknown
    quote: "定期的に報告し、あわせてセキュリティ対策の自己点検を行い、その結果を必要に応じて医療機関へ報告する"
    verified: false
    note: "Memo summary of the operation phase; self-inspection appears only here."
  - clause: "MGL-5.2 別冊 p.26"
    strength: must
    quote: "定期的に安全管理に関する状況の報告を受ける必要がある"
    verified: false
    note: "Official MGL 5.2 text (seed 002), a duty of the institution to receive reports, which implies the provider reports."
  - clause: "PGL-1.1 3.2"
    strength: unknown
    verified: false
    note: "Facts sheet only."
severity: warning
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let reports = model.agreement.as_ref();
    let mut missing: Vec<(&str, &str)> = Vec::new();
    if reports.and_then(|a| a.reports_operation.as_ref()).is_none() {
        missing.push(("運用状況の報告", "operation reports"));
    }
    if reports.and_then(|a| a.reports_self_inspection.as_ref()).is_none() {
        missing.push(("自己点検の結果", "self-inspection results"));
    }
    if !missing.is_empty() {
        let ja: Vec<&str> = missing.iter().map(|m| m.0).collect();
        let en: Vec<&str> = missing.iter().map(|m| m.1).collect();
        let (ja, en) = (ja.join("・"), en.join(", "));
        ctx.fail(
            &model.system.id,
            ctx.system_span(),
            loc!("医療機関等への{ja}の定期報告が予定されていません", "no periodic {en} to the institution are planned"),
        );
    }
}
