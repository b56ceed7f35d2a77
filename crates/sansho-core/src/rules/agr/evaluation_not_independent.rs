//! AGR007 evaluation-not-independent: safety-management evaluation by people involved in the system.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AGR007
name: evaluation-not-independent
title: {ja: "安全管理の評価がシステムに関わる者によるもの", en: "Safety-management evaluation by people involved in the system"}
what:
  ja: "安全管理の評価をした者がシステムに関わっていることを、モデルの構造から検出します。評価者 (evaluated_by) が情報流を担う役割や、機器を管理する組織であれば関わっていると判断し、申告 (involved_in_system) はその判断を覆しません。自己評価も検出し、評価者も関わりも書かれていない場合は、何を書けばよいかを警告します。"
  en: "Flags, from the model's structure, an evaluation done by people involved in the system: an evaluator (`evaluated_by`) who performs a flow, or an organisation that runs an asset, is involved whatever `involved_in_system` says. Self-assessments are flagged too; where neither the evaluator nor their involvement is stated, a warning says what to state."
why:
  ja: "システムを運用する者が自ら評価すると、見落としや甘い判断が入りやすく、医療機関等が評価の結果を信頼できません。ガイドラインは、独立した監査部門や第三者による評価が望ましいとしています。"
  en: "When the people who run a system evaluate it themselves, blind spots and lenient judgements creep in, and the institution cannot rely on the result. The guideline considers an evaluation by an independent audit department or a third party desirable."
fix:
  ja: "システムの運用に関わらない内部監査部門か第三者に評価を依頼し、評価者を evaluated_by に記録します。"
  en: "Have the evaluation done by an internal audit department that takes no part in running the system, or by a third party, and record the evaluator in `evaluated_by`."
example:
  explanation:
    ja: "安全管理の評価を、契約終了時の破棄を担う運用担当 (operator) が行うと、関わっていないと申告しなくても構造から独立していないと分かり検出される。運用に関わらない内部監査室なら検出されない。"
    en: "An evaluation by the operator, who performs the disposal at contract end, fires: the structure shows the evaluator is involved whatever is declared. An internal audit office that runs nothing does not."
  fires: |
    agreement:
      evaluation: {by: internal_audit, evaluated_by: operator, involved_in_system: null}
  element: "demo"
  passes: |
    actors:
      - {id: auditor, name: 内部監査室, organization: acme, kind: staff}
    agreement:
      evaluation: {by: internal_audit, evaluated_by: auditor, involved_in_system: null}
sources:
  - clause: "PGL-1.1 4.3"
    strength: should
    verified: false
    note: "The guideline prefers an evaluation by an independent audit department or a third party (望ましい); the 1.1 wording was not read (facts sheet)."
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let system_id = &model.system.id;
    let Some(e) = model.agreement.as_ref().and_then(|a| a.evaluation.as_ref()) else {
        return; // AGR004
    };
    match judge::evaluation_independence(model, e) {
        judge::Independence::Independent => {}
        judge::Independence::NotStated => ctx.unknown(
            system_id,
            Some(e.span),
            loc!(
                "評価した者 (evaluated_by: 役割か組織の id) か、システムに関わっているか (involved_in_system) を書いてください",
                "name who evaluated (`evaluated_by`: an actor or organisation id) or state whether they work on the system (`involved_in_system`)"
            ),
        ),
        judge::Independence::Involved(why) => {
            let detail = match why {
                judge::InvolvedBecause::SelfAssessment => loc!(
                    "システムの担当者自身による自己評価です",
                    "it is a self-assessment by the people who run the system"
                ),
                judge::InvolvedBecause::Declared => loc!("評価者がシステムに関わっています", "the evaluators work on the system"),
                judge::InvolvedBecause::PerformsFlow(f) => {
                    let flow = &model.flows[f].id;
                    loc!("評価者がシステムの情報流 {flow} を担っています", "the evaluator takes part in the system's flow {flow}")
                }
                judge::InvolvedBecause::RunsAsset(a) => {
                    let asset = &model.assets[a].id;
                    loc!("評価した組織がシステムの {asset} を管理しています", "the evaluating organisation runs {asset} of the system")
                }
            };
            ctx.fail(system_id, Some(e.span), detail);
        }
    }
}
