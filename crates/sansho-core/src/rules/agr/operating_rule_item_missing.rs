//! AGR005 operating-rule-item-missing: an item of the 運用管理規程 is not covered.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AGR005
name: operating-rule-item-missing
title: {ja: "運用管理規程の必須項目が欠けている", en: "An item of the 運用管理規程 is not covered"}
what:
  ja: "対象事業者の運用管理規程について、必須の 11 項目 ((ア) 基本方針から (サ) 問い合わせ窓口まで) のうち、規程のどこで定めたかが記載されていない項目を検出します。"
  en: "Flags items among the eleven the provider's operating rules (運用管理規程) must cover, from (ア) basic policy to (サ) contact window, for which the model does not say where the rules cover them."
why:
  ja: "規程に欠けがあると、体制・事故時の報告・媒体の管理などが担当者任せになり、事故対応の遅れや医療機関等との認識のずれにつながります。"
  en: "Gaps in the rules leave matters such as organisation, incident reporting and media handling to individuals, delaying incident response and causing misunderstandings with the institution."
fix:
  ja: "欠けている項目を運用管理規程に定め、該当する章・節をモデルに記載します。項目の一覧は sansho kb operating-rules で確認できます。"
  en: "Add the missing items to the operating rules and record the chapter or section in the model. The list of items is shown by sansho kb operating-rules."
example:
  explanation:
    ja: "運用管理規程に (ケ) 医療情報の外部保存に係る患者等への説明方法 の定めがないと検出される。"
    en: "An operating rule book (運用管理規程) without item (ケ), how patients are told about external storage, fires."
  fires: |
    agreement:
      operating_rules: {i: null}
  element: "i"
  passes: |
    agreement:
      operating_rules: {i: 第9条}
sources:
  - clause: "PGL-1.1 5.1.6 運用管理規程"
    strength: unknown
    quote: "後述の運用管理規程に定められた事項"
    verified: true
    note: "KB cites 5.1.5 but 運用管理規程 is in 5.1.6 [V]; (ア)(イ) were read on p.41, (ウ)–(サ) only in the memo."
  - clause: "PGL-2.0 5.1.6 運用管理規程"
    strength: must
    quote: "最低限、以下の(ア)～(サ)を含む運用管理規程を定めること"
    verified: false
    note: "Memo (probably 2.0); it also asks for subcontractor structure under (イ), which KB item b omits."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let empty = Default::default();
    let operating = model.agreement.as_ref().map_or(&empty, |a| &a.operating_rules);
    for item in &ctx.kb.tables.operating_rule_items {
        if !operating.contains_key(&item.id) {
            let (label, ja, en) = (item.label.as_deref().unwrap_or(&item.id), &item.name.ja, &item.name.en);
            ctx.fail(&item.id, ctx.system_span(), loc!("{label} {ja}", "{label} {en}"));
        }
    }
}
