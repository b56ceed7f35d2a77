//! OPS008 disposal-procedure-missing: information kind without a disposal procedure.

use crate::rules::prelude::*;

declare_rule!(r#"
code: OPS008
name: disposal-procedure-missing
title: {ja: "破棄の手順が定められていない情報種別がある", en: "Information kind without a disposal procedure"}
what:
  ja: "医療情報を含む情報種別のうち、破棄の手順 (破棄する条件・実施できる者・方法) が定められていないものを検出します。"
  en: "Flags kinds of medical information with no disposal procedure (conditions, who may dispose, method)."
why:
  ja: "手順がないと不要な情報が残り続けたり不適切な方法で捨てられたりして、漏洩 (T5) の原因になります。"
  en: "Without a procedure, information no longer needed lingers or is thrown away improperly, causing leaks (T5)."
fix:
  ja: "情報種別ごとに、破棄してよい条件、破棄を行える者、具体的な方法 (消去ソフトによる上書き、消磁、物理破壊など) を定め、破棄の実施を記録して医療機関等に報告します。"
  en: "For each information kind, define when it may be disposed of, who may do it and how (overwriting, degaussing, physical destruction), and record each disposal and report it to the institution."
example:
  explanation:
    ja: "処方箋について破棄の手順 (条件・担当者・方法) がないと検出される。"
    en: "Prescriptions without a disposal procedure (conditions, who, method) fire."
  fires: |
    disposal_procedures:
      - {information: [record], conditions: 保存期間満了後, by: [operator], method: 暗号消去と消去証明}
  element: "prescription"
  passes: |
    disposal_procedures:
      - {information: [record, prescription], conditions: 保存期間満了後, by: [operator], method: 暗号消去と消去証明}
sources:
  - clause: "MGL-6.0 システム運用編 7⑨"
    strength: must
    quote: "把握した情報種別ごとに具体的な破棄の手順を定めること"
    verified: true
    note: "A 遵守事項 with すること, so the KB's warning understates it."
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for (ix, info) in InfoIx::enumerate(&model.information) {
        // Records the institution keeps itself are disposed of under its own rules.
        if !ctx.is_medical(ix) || !judge::in_provider_scope(info.scope) {
            continue;
        }
        if !model.disposal_procedures.iter().any(|d| d.information.contains(&ix)) {
            let (id, name) = (&info.id, &info.name);
            ctx.fail(id, Some(info.span), loc!("{name} ({id}) の破棄手順がありません", "{name} ({id}) has no disposal procedure"));
        }
    }
}
