//! AGR006 vendor-selection-item-missing: vendor-selection item not answered.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AGR006
name: vendor-selection-item-missing
title: {ja: "事業者選定の確認項目に回答がない", en: "Vendor-selection item not answered"}
what:
  ja: "医療機関等が委託先を選ぶ際に確認する項目 (国内法の適用、保存場所、国外法、基本方針、バックアップ、体制、実績、財務の健全性、認証) のうち、回答が記載されていないものを検出します。"
  en: "Flags items an institution checks when choosing a provider (Japanese law, storage location, foreign law, policies, backups, organisation, track record, financial soundness, certification) that have no answer."
why:
  ja: "回答がないと医療機関等は選定の基準を満たすかを判断できず、委託元としての監督の義務を果たせません。"
  en: "Without the answers the institution cannot judge whether the selection criteria are met, nor fulfil its duty to supervise the party it entrusts."
fix:
  ja: "各項目への回答と根拠となる資料 (規程、財務諸表、証明書など) を用意し、合意の前に医療機関等に提供します。項目の一覧は sansho kb vendor-selection で確認できます。"
  en: "Prepare an answer and supporting material (rules, financial statements, certificates) for each item and give them to the institution before agreement. The list of items is shown by sansho kb vendor-selection."
example:
  explanation:
    ja: "事業者選定のための情報のうち、実績が示されていないと検出される。"
    en: "Vendor-selection information that leaves out the track record fires."
  fires: |
    agreement:
      vendor_selection: {track_record: null}
  element: "track_record"
  passes: |
    agreement:
      vendor_selection: {track_record: 10年}
sources:
  - clause: "PGL-1.1 4.1 表4-1"
    strength: unknown
    quote: "国内法の適用を受けること"
    verified: true
    note: "The visible 1.1 list holds domestic law, policies, backups, organisation, track record, finances and Pマーク/ISMS, but not storage location or foreign law."
  - clause: "MGL-6.0 企画管理編 7⑥h"
    strength: must
    quote: "設置されている場所(地域、国)"
    verified: true
    note: "Source of the storage_location item."
  - clause: "MGL-6.0 企画管理編 7⑥i"
    strength: must
    quote: "国外法の適用可能性"
    verified: true
    note: "Source of the foreign_law item."
  - clause: "MGL-6.0 企画管理編 7⑥a–f"
    strength: unknown
    verified: false
    note: "Facts sheet (9465 p.34): policies, organisation, backups, track record, finances, Pマーク/ISMS; order of a–c inferred."
  - clause: "PGL-2.0 表4-1"
    strength: must
    quote: "事業者の選定基準として少なくとも確認する必要がある項目"
    verified: false
    note: "Memo heading of the 2.0 list, which adds location and foreign law to the 1.1 items."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let empty = Default::default();
    let vendor = model.agreement.as_ref().map_or(&empty, |a| &a.vendor_selection);
    for item in &ctx.kb.tables.vendor_selection_items {
        if !vendor.contains_key(&item.id) {
            let (ja, en) = (&item.name.ja, &item.name.en);
            ctx.fail(&item.id, ctx.system_span(), loc!("{ja}", "{en}"));
        }
    }
}
