//! BCP005 drill-overdue: a continuity plan not drilled within the interval.

use crate::rules::prelude::*;

declare_rule!(r#"
code: BCP005
name: drill-overdue
title: {ja: "事業継続計画の訓練が期限を過ぎている", en: "Continuity drill overdue"}
what:
  ja: "事業継続計画のうち、最後の訓練から知識ベースの間隔 (既定は 12 か月) を超えてモデルの基準日を迎えたものを検出します。最後の訓練の日は、運用記録 (`--facts`、sansho サーバーの出力) があればその記録から、なければモデルの last_drill から取ります。どちらにもなければ、判断できない旨を警告します。"
  en: "Flags continuity plans whose last drill is more than the knowledge base's interval (12 months by default) before the model's date. The date comes from the operational records when they are read (`--facts`, exported by the sansho server), otherwise from the model's `last_drill`; with neither, a warning says it cannot be decided."
why:
  ja: "訓練しない計画は、停止や災害のときに手順や連絡先が古く、診療の継続や復旧に使えないことがあります。"
  en: "A plan never drilled may turn out, in an outage or disaster, to have outdated procedures and contacts, and fail to keep care going or to restore the system."
fix:
  ja: "訓練を行い、結果と見つかった改善点を記録して計画を見直します (sansho サーバーでは 運用記録 → 訓練)。間隔は組織の方針に合わせて知識ベースの max_months_between_drills で変更できます。"
  en: "Hold the drill, record the result and what to improve, and revise the plan (on the sansho server: operations → drill). `max_months_between_drills` in a knowledge-base file changes the interval to match your policy."
example:
  explanation:
    ja: "基準日 (as_of) の 12 か月以上前に訓練したきりのシステム停止時の計画は検出される。"
    en: "An outage plan last drilled more than 12 months before the model's date (`as_of`) fires."
  fires: |
    continuity:
      - {scenario: outage, plan: 停止時の計画, last_drill: 2024-06-01}
  element: "outage"
  passes: |
    continuity:
      - {scenario: outage, plan: 停止時の計画, last_drill: 2026-06-13}
sources:
  - clause: "MGL-6.0 経営管理編 3.4.1"
    strength: unknown
    verified: false
    note: "Facts sheet (9464): run periodic drills and improve (③); no interval; 12 months is sansho's default, overridable in the knowledge base."
severity: warning
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let (model, months) = (ctx.model, ctx.kb.tables.max_months_between_drills);
    for plan in &model.continuity {
        let scenario: &str = plan.scenario.into();
        let label = plan.scenario.label();
        let (ja, en) = (&label.ja, &label.en);
        ctx.periodic(
            scenario,
            plan.span,
            (plan.last_drill.as_deref(), plan.drill_recorded),
            months,
            loc!("「{ja}」の計画の最後の訓練", "the last drill of the {en} plan"),
            loc!(
                "「{ja}」の計画の最後の訓練の日を last_drill に書くか、運用記録 (--facts) を読み込んでください",
                "state when the {en} plan was last drilled in `last_drill`, or read the operational records (`--facts`)"
            ),
        );
    }
}
