//! AGR004 evaluation-missing: no evaluation of the safety management.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AGR004
name: evaluation-missing
title: {ja: "安全管理の評価がない", en: "No evaluation of the safety management"}
what:
  ja: "医療機関等へ提供する、事業者の安全管理に係る評価 (agreement.evaluation) がないことを検出します。評価の独立性は AGR007 が見ます。"
  en: "Flags a model with no evaluation of the provider's safety management (`agreement.evaluation`) to give to the institution. Whether the evaluation is independent is AGR007's check."
why:
  ja: "医療機関等は事業者を選び監督する立場にあり、安全管理がどう評価されたかを知らなければ、提示されたリスクとその対応が実際に守られるかを判断できません。"
  en: "The institution chooses and supervises its provider; without knowing how the provider's safety management was evaluated it cannot judge whether the risks and treatments it is shown are kept in practice."
fix:
  ja: "安全管理の評価を行い、その結果 (評価者・日付・範囲) を合意のための情報に含めて医療機関等へ提供します。"
  en: "Have the safety management evaluated and give the result (evaluator, date, scope) to the institution with the agreement package."
example:
  explanation:
    ja: "医療機関等へ提供する安全管理の評価の結果がないと検出される。"
    en: "No evaluation of the safety management to give to the institution fires."
  fires: |
    agreement:
      evaluation: null
  element: "demo"
  passes: |
    agreement:
      evaluation: {by: third_party, evaluator: 第三者評価機関, involved_in_system: false}
sources:
  - clause: "PGL-1.1 4.3"
    strength: must
    quote: "評価結果を医療機関等へ情報提供すること"
    verified: true
    note: "Must: evaluate and give the result (the 'no evaluation' case)."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    if model.agreement.as_ref().and_then(|a| a.evaluation.as_ref()).is_none() {
        ctx.fail(&model.system.id, ctx.system_span(), loc!("安全管理に係る評価がありません", "no evaluation of the safety management"));
    }
}
