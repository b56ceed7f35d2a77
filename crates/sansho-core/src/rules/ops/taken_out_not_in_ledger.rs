//! OPS002 taken-out-not-in-ledger: device or medium taken out not in the ledger.

use crate::rules::prelude::*;

declare_rule!(r#"
code: OPS002
name: taken-out-not-in-ledger
title: {ja: "持ち出す機器・媒体が台帳にない", en: "Device or medium taken out not in the ledger"}
what:
  ja: "医療情報を保存した機器・媒体のうち、施設の外へ持ち出すものや、タブレット・スマートフォン・可搬媒体など持ち運べるものが、事業者の台帳に登録されていないことを検出します。患者自身の機器や医療機関等の機器 (scope: patient / institution) は事業者の台帳の対象外です。"
  en: "Flags devices and media holding medical information that are carried outside the facility, or are portable (tablets, smartphones, removable media), and are missing from the provider's ledger. Patients' own devices and the institution's own (`scope: patient` / `institution`) are not the provider's to list."
why:
  ja: "台帳がないと所在や持出しの状況を確認できず、紛失・盗難 (T9) に気付くのが遅れ、漏洩の範囲も特定できません。"
  en: "Without a ledger, where a device is and who took it out cannot be checked, so loss or theft (T9) is noticed late and the extent of a leak cannot be determined."
fix:
  ja: "医療情報を格納する可搬媒体と機器を台帳に登録し、持出しと返却を記録して定期的に棚卸します。台帳による管理の方法と責任者を運用管理規程に定め、持出しの状況を定期的に医療機関等に報告します。"
  en: "Register portable media and devices holding medical information in a ledger, record every removal and return, and take inventory at set intervals. Define the ledger procedure and who is responsible in the operating rules, and report removals to the institution regularly."
example:
  explanation:
    ja: "持ち出す保守 PC が機器台帳にないと検出される。台帳に載せれば検出されず、患者自身のスマートフォン (scope: patient) は事業者の台帳の対象外なので検出されない。"
    en: "A maintenance PC taken out and missing from the ledger fires. In the ledger it does not; a patient's own smartphone (`scope: patient`) is not the provider's to list and does not fire either."
  fires: |
    assets:
      - {id: laptop, name: 保守 PC, kind: terminal, location: dc, taken_out: true, encrypted_at_rest: true, holds: [record]}
  element: "laptop"
  passes: |
    assets:
      - {id: laptop, name: 保守 PC, kind: terminal, location: dc, taken_out: true, encrypted_at_rest: true, holds: [record]}
      - {id: patient-phone, name: 患者のスマートフォン, kind: smartphone, location: room, scope: patient, holds: [record]}
    ledger:
      - {asset: laptop}
sources:
  - clause: "MGL-6.0 システム運用編 7⑦"
    strength: must
    quote: "可搬媒体及び情報機器の所在を台帳等により管理する手順を作成し"
    verified: true
    note: "7⑦ covers media and devices holding medical information (医療情報が格納された…), while the rule flags every portable or taken-out device."
  - clause: "MGL-6.0 システム運用編 7①"
    strength: must
    quote: "運用管理規程に基づき、手順の策定と管理を行い、その状況を定期的に企画管理者に報告すること"
    verified: true
    note: "Seed 001 (draft)."
  - clause: "PGL-1.1 5.1.6 運用管理規程(エ)"
    strength: unknown
    verified: false
    note: "KB cites 5.1.5 but 運用管理規程 is in 5.1.6 [V]; (エ) wording for 1.1 not read."
  - clause: "PGL-2.0 5.1.6 運用管理規程(エ)"
    strength: must
    quote: "台帳管理等による所在確認を行う旨を運用管理規程に含めること"
    verified: false
    note: "Memo (probably 2.0)."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let (model, s) = (ctx.model, ctx.s);
    for (ix, a) in AssetIx::enumerate(&model.assets) {
        // Carried devices and media holding medical information, the provider's own: a
        // patient's phone or the institution's own device is not in the provider's ledger.
        let carried = a.taken_out || a.kind.is_portable();
        let medical = s.keeps_medical(ix) || s.medical_flows_through(ElementRef::Asset(ix)).next().is_some();
        if !carried || !medical || !judge::in_provider_scope(a.scope) || model.ledger.iter().any(|l| l.asset == ix) {
            continue;
        }
        let (id, name) = (&a.id, &a.name);
        ctx.fail(id, Some(a.span), loc!("{name} ({id}) が台帳にありません", "{name} ({id}) is not in the ledger"));
    }
}
