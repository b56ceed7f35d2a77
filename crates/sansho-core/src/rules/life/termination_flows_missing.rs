//! LIFE001 termination-flows-missing: no termination-phase flow returning, transferring or disposing of the data.

use crate::rules::prelude::*;

declare_rule!(r#"
code: LIFE001
name: termination-flows-missing
title: {ja: "契約終了時の返却・移管・破棄の情報流がない", en: "No termination-phase flow returning, transferring or disposing of the data"}
what:
  ja: "契約終了フェーズに、医療情報を返却・移管・破棄する情報流が 1 つもないことを検出します。"
  en: "Flags models with no termination-phase flow that returns, transfers or disposes of the medical information."
why:
  ja: "契約終了時の扱いが決まっていないと、医療情報が事業者の環境に残り続けて漏洩したり (T5)、移行に失敗して保存期間中の記録が失われたり (T6) します。"
  en: "If nothing is settled for the end of the contract, medical information can remain in the provider's environment and leak (T5), or records still under retention can be lost in a failed migration (T6)."
fix:
  ja: "契約終了時の返却・移管・破棄の手順を契約の前に医療機関等と合意し、契約終了フェーズの情報流としてモデルに記載します。"
  en: "Agree the procedure for returning, transferring or disposing of the data with the institution before the contract, and model it as termination-phase flows."
example:
  explanation:
    ja: "契約終了フェーズに、情報を返却・移管・破棄する情報流がないと検出される。"
    en: "No contract-termination flow that returns, transfers or disposes of the data fires."
  fires: |
    flows:
      - {id: TRM-01, how: [view], evidence: null}
  element: "demo"
  passes: |
    flows:
      - {id: TRM-01, how: [dispose], evidence: データ消去証明書}
sources:
  - clause: "PGL-1.1 3.2"
    strength: unknown
    verified: false
    note: "Facts sheet only (p.23, fig 3-4): lifecycle with a 契約終了フェーズ; no wording seen."
  - clause: "PGL-2.0 3.2"
    strength: unknown
    quote: "契約終了時に、事前に合意した手順に従って情報（プログラム等を含む）の返却・移管・破棄を行う"
    verified: false
    note: "Memo summary, possibly the author's own words."
  - clause: "MGL-6.0 システム運用編 7⑪"
    strength: must
    quote: "確実に医療情報が破棄されたことを、証憑または事業者の説明により確認すること"
    verified: true
    note: "Covers only disposal outsourced to an external-storage contractor, not return or transfer; weak support for this rule."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let ends = |ops: &[Operation]| {
        ops.iter().any(|o| matches!(o, Operation::Return | Operation::Export | Operation::Dispose | Operation::Transfer))
    };
    if !model.flows.iter().any(|f| f.phase == Phase::Termination && ends(&f.how)) {
        ctx.fail(
            &model.system.id,
            ctx.system_span(),
            loc!(
                "契約終了フェーズで情報を返却・移管・破棄する情報流がありません",
                "no termination-phase flow returns, transfers or disposes of the data"
            ),
        );
    }
}
