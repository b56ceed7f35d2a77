//! MEDIA001 flash-media-with-medical-information: portable flash media hold medical information.

use crate::rules::prelude::*;

declare_rule!(r#"
code: MEDIA001
name: flash-media-with-medical-information
title: {ja: "小型の可搬媒体に医療情報が保存されている", en: "Portable flash media hold medical information"}
what:
  ja: "USB メモリや SD カードなどの小型の可搬媒体が、医療情報を保持していることを検出します。"
  en: "Flags small portable media such as USB sticks or SD cards that hold medical information."
why:
  ja: "小型の媒体は持ち出しが容易で紛失・盗難 (T9) にも遭いやすく、一度に大量の医療情報が漏洩 (T5) し得ます。"
  en: "Small media are easy to carry off and easy to lose or have stolen (T9), and a single one can leak a large amount of medical information (T5)."
fix:
  ja: "医療情報の受け渡しをセキュアなネットワーク経由に切り替え、端末では USB 記憶装置などの使用を制限します。どうしても媒体を使う場合は暗号化・台帳管理・受け渡しの記録を前提とし、残るリスクの判断と理由を記録します。医療機関等の端末で制限が必要な場合は、医療機関等へ対応を求める事項に含めます。"
  en: "Move the exchange of medical information onto a secure network and block USB storage on the devices. Where media cannot be avoided, require encryption, a ledger and hand-over records, and record the decision on the remaining risk and its reason. Where the institution's devices must be restricted, list that among the things the institution must do."
example:
  explanation:
    ja: "診療録を USB メモリ (小型の半導体メモリ) に入れると検出される。暗号化した可搬型 HDD なら検出されない (持出しの管理は OPS の規則が見る)。"
    en: "Medical records on a USB memory stick (small flash media) fire; an encrypted portable disk does not (its handling is checked by the OPS rules)."
  fires: |
    assets:
      - {id: usb, name: USB メモリ, kind: portable_media, location: room, holds: [record], encrypted_at_rest: true}
    ledger:
      - {asset: usb}
  element: "usb"
  passes: |
    assets:
      - {id: usb, name: 暗号化 HDD, kind: portable_disk, location: room, holds: [record], encrypted_at_rest: true}
    ledger:
      - {asset: usb}
sources:
  - clause: "PGL-1.1 5.1.5(イ)⑤"
    strength: unknown
    verified: false
    note: "The facts sheet paraphrases ⑤ ('in principle prevent small flash media') but guideline-verification.md does not mark it [V]."
  - clause: "PGL-2.0 5.1.5(イ)⑤"
    strength: should
    quote: "医療情報を格納する記憶媒体として使用できないよう配慮することが望ましい"
    verified: false
    note: "Memo wording says 望ましい, so the rule's error overstates it unless the 1.1 text reads stronger."
  - clause: "PGL-1.1 5.1.6 運用管理規程(キ)"
    strength: unknown
    verified: false
    note: "KB cites 5.1.5 but 運用管理規程 is in 5.1.6 [V]; (キ) governs how media are handled, not whether they may hold medical information."
rank: A
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let (model, s) = (ctx.model, ctx.s);
    for (ix, a) in AssetIx::enumerate(&model.assets) {
        if a.kind != AssetKind::PortableMedia {
            continue;
        }
        let medical = s.keeps_medical(ix)
            || s.medical_flows_through(ElementRef::Asset(ix)).next().is_some();
        if medical {
            let (id, name) = (&a.id, &a.name);
            ctx.fail(id, Some(a.span), loc!("{name} ({id}) に医療情報が格納されます", "{name} ({id}) holds medical information"));
        }
    }
}
