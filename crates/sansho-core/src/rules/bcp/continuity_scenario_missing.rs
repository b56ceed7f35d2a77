//! BCP001 continuity-scenario-missing: a continuity scenario is not planned.

use crate::rules::prelude::*;

declare_rule!(r#"
code: BCP001
name: continuity-scenario-missing
title: {ja: "事業継続計画に想定すべき事態が欠けている", en: "A continuity scenario is not planned"}
what:
  ja: "事業継続計画 (BCP) に、システム停止、災害時の需要急増、復旧・再開時のデータ不整合の 3 つの事態のいずれかが計画されていないことを検出します。"
  en: "Flags a business-continuity plan that leaves out any of three situations - system outage, surge of demand in a disaster, and inconsistent data when restarting."
why:
  ja: "想定していない事態では代替手段も復旧手順もなく、災害 (T11) やシステム停止 (T7) の際に診療を続けられなくなるおそれがあります。"
  en: "For a situation nobody planned there is neither a fallback nor a recovery procedure, so care may not be able to continue through a disaster (T11) or outage (T7)."
fix:
  ja: "医療の継続を軸に、3 つの事態ごとに優先して続ける機能、代替運用、再開時のデータ整合の確認を計画に書き、定期的に訓練して見直します。紙運用など医療機関等の側の代替手段は、医療機関等へ対応を求める事項として合意します。"
  en: "With continuity of care as the aim, write for each of the three situations which functions continue first, the fallback operation and how data consistency is checked on restart; drill and revise the plan regularly. Agree the institution's own fallbacks (such as paper operation) as things the institution must do."
example:
  explanation:
    ja: "事業継続計画に災害時の需要急増の想定がないと検出される。"
    en: "A continuity plan without the surge of demand in a disaster fires."
  fires: |
    continuity:
      - {scenario: outage, plan: BCP 第2章}
      - {scenario: recovery_inconsistency, plan: BCP 第4章}
  element: "demo"
  passes: |
    continuity:
      - {scenario: outage, plan: BCP 第2章}
      - {scenario: demand_surge, plan: BCP 第3章}
      - {scenario: recovery_inconsistency, plan: BCP 第4章}
sources:
  - clause: "PGL-1.1 5.1.5(イ)⑥"
    strength: unknown
    verified: false
    note: "The facts sheet names ⑥ 事業継続計画 (cut off); not in guideline-verification.md."
  - clause: "PGL-2.0 5.1.5(イ)⑥"
    strength: unknown
    quote: "次の状況も想定して対策する"
    verified: false
    note: "Memo; the three situations (停止, 需要急増, 復旧時の不整合) the rule checks come from this memo list."
  - clause: "MGL-6.0 経営管理編 3.4.1"
    strength: unknown
    verified: false
    note: "Facts sheet only (9464): decide continuation criteria, prepare a BCP, drill it; the three scenarios are not from MGL."
severity: error
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for (scenario, ja, en) in [
        (ContinuityScenario::Outage, "システム停止", "system outage"),
        (ContinuityScenario::DemandSurge, "災害時の需要急増", "surge of demand in a disaster"),
        (ContinuityScenario::RecoveryInconsistency, "復旧・再開時の不整合", "inconsistency on recovery"),
    ] {
        if !model.continuity.iter().any(|c| c.scenario == scenario) {
            ctx.fail(&model.system.id, ctx.system_span(), loc!("「{ja}」の計画がありません", "no plan for {en}"));
        }
    }
}
