//! LIFE002 termination-evidence-missing: termination flow without planned evidence.

use crate::rules::prelude::*;

declare_rule!(r#"
code: LIFE002
name: termination-evidence-missing
title: {ja: "契約終了時の処理に証跡の予定がない", en: "Termination flow without planned evidence"}
what:
  ja: "契約終了フェーズの返却・移管・破棄の情報流のうち、実施を示す証跡が記載されていないものを検出します。"
  en: "Flags termination-phase flows that return, transfer or dispose of data without naming the evidence that will show it was done."
why:
  ja: "証跡がないと、情報を適切に返却・破棄したことを医療機関等に示せず、後で残ったデータが見つかったときにも説明できません。"
  en: "Without evidence the provider cannot show the institution that data were properly returned or destroyed, nor explain leftover data found later."
fix:
  ja: "返却の受領書、移管の完了確認、破棄証明書など、実施を示す証跡を情報流ごとに定め、取得して保管します。"
  en: "Define for each flow the evidence that shows it was done, such as a receipt for returned data, a confirmation of transfer or a certificate of destruction, and obtain and keep it."
example:
  explanation:
    ja: "契約終了時の破棄に、消去証明などの証跡が予定されていないと検出される。"
    en: "A disposal at contract end that plans no evidence, such as a certificate of erasure, fires."
  fires: |
    flows:
      - {id: TRM-01, evidence: null}
  element: "TRM-01"
  passes: |
    flows:
      - {id: TRM-01, evidence: データ消去証明書}
sources:
  - clause: "PGL-2.0 3.2"
    strength: unknown
    quote: "適切に実施したことを示す証跡を取得・保存する"
    verified: false
    note: "Memo summary."
  - clause: "MGL-6.0 システム運用編 7⑪"
    strength: must
    quote: "確実に医療情報が破棄されたことを、証憑または事業者の説明により確認すること"
    verified: true
    note: "Must only for outsourced disposal, and it accepts an explanation instead of proof; warning for the general case is reasonable."
  - clause: "PGL-1.1 3.2"
    strength: unknown
    verified: false
    note: "Facts sheet only."
severity: warning
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for f in &model.flows {
        let hands_over = f.how.iter().any(|o| matches!(o, Operation::Return | Operation::Export | Operation::Dispose));
        if f.phase == Phase::Termination && hands_over && f.evidence.is_none() {
            let id = &f.id;
            ctx.fail(id, Some(f.span), loc!("情報流 {id} に証跡の計画がありません", "flow {id} plans no evidence"));
        }
    }
}
