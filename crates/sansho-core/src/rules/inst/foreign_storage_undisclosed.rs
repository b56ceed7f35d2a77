//! INST001 foreign-storage-undisclosed: storage outside Japan or foreign-law exposure not disclosed.

use crate::rules::prelude::*;

declare_rule!(r#"
code: INST001
name: foreign-storage-undisclosed
title: {ja: "国外での保存や国外法の適用可能性が開示されていない", en: "Storage outside Japan or foreign-law exposure not disclosed"}
what:
  ja: "医療情報を保存する機器が日本国外にあるのに、保存場所 (地域・国) と国外法の適用可能性が、事業者選定の確認項目として医療機関等に開示されていないことを検出します。"
  en: "Flags medical information stored on devices outside Japan when the storage location (region, country) and possible application of foreign law are not disclosed to the institution among the vendor-selection answers."
why:
  ja: "保存先の国や事業者の本拠地によっては外国の法令による開示命令やアクセスを受け得るうえ、国内法に基づく調査・命令が及ばないおそれがあります。医療機関等はそれを知らないまま委託先を選ぶことになります。"
  en: "Depending on where data are stored and where the provider is based, foreign law may compel disclosure or access, and Japanese investigations or orders may not reach the data. The institution would choose its provider without knowing this."
fix:
  ja: "保存機器の設置場所 (地域・国)、国内法の適用、親会社の所在国を含めた国外法の適用可能性を確認して医療機関等に開示し、合意を記録します。保存機器は国内法の適用を受けるものとします。"
  en: "Establish and disclose to the institution where the storage devices are (region, country), that Japanese law applies to them, and whether foreign law may apply (including that of a parent company's country), and record the agreement. Storage devices must be subject to Japanese law."
example:
  explanation:
    ja: "診療録の DB を置くデータセンターがシンガポールにある。国外法が適用される可能性と対応を示していないと検出され、示していれば検出されない。保存場所そのものは sansho がモデルの構造から示す。"
    en: "The data centre holding the records database is in Singapore. Without stating the exposure to foreign law and how it is handled this fires; with it, it does not. sansho lists the storage location itself from the model's structure."
  fires: |
    locations:
      - {id: dc, country: SG}
    agreement:
      vendor_selection: {foreign_law: null}
  element: "dc"
  passes: |
    locations:
      - {id: dc, country: SG}
    agreement:
      vendor_selection: {foreign_law: シンガポール法の適用を受ける可能性と対応を契約書別紙で説明}
sources:
  - clause: "MGL-6.0 企画管理編 7⑥h"
    strength: must
    quote: "設置されている場所(地域、国)"
    verified: true
    note: "KB cites 'MGL-6.0 企画管理編 7' without the item; ⑥ is a 遵守事項 per the facts sheet, its lead sentence was not quoted."
  - clause: "MGL-6.0 企画管理編 7⑥i"
    strength: must
    quote: "国外法の適用可能性"
    verified: true
    note: "As for ⑥h."
  - clause: "PGL-2.0 表4-1"
    strength: must
    quote: "医療情報を保存する情報機器等が設置されている場所（地域、国）"
    verified: false
    note: "Memo (probably 2.0), under 事業者の選定基準として少なくとも確認する必要がある項目; not in the visible PGL 1.1 list."
  - clause: "PGL-1.1 4.1 表4-1"
    strength: unknown
    quote: "国内法の適用を受けること"
    verified: true
    note: "Supports only the domestic-law part of the fix; KB's 'PGL-1.1 4.1' does not hold storage location or foreign law [V]."
  - clause: "PGL-1.1 第6章"
    strength: unknown
    verified: false
    note: "1.1 sections 6.1/6.2 were not read; the memo's ch.6 line on investigations under Japanese law is PGL-2.0 [S], so this KB reference is unsupported."
rank: A
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let foreign_law_answered = model
        .agreement
        .as_ref()
        .is_some_and(|a| a.vendor_selection.contains_key("foreign_law"));
    for (ix, country) in judge::medical_storage(ctx.s) {
        let location = &model.locations[ix];
        let (id, name) = (&location.id, &location.name);
        match country {
            None => ctx.unknown(
                id,
                Some(location.span),
                loc!(
                    "医療情報を保存する {name} ({id}) の国 (country) を書いてください",
                    "state the `country` of {name} ({id}), where medical information is stored"
                ),
            ),
            Some("JP") => {}
            Some(country) if !foreign_law_answered => ctx.fail(
                id,
                Some(location.span),
                loc!(
                    "{name} ({id}, {country}) に医療情報が保存されますが、国外法の適用可能性が示されていません",
                    "medical information is stored at {name} ({id}, {country}) without stating its exposure to foreign law"
                ),
            ),
            Some(_) => {}
        }
    }
}
