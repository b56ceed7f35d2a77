//! OPS007 lent-device-without-consent: devices lent to patients without explanation and consent.

use crate::rules::prelude::*;

declare_rule!(r#"
code: OPS007
name: lent-device-without-consent
title: {ja: "患者に貸し出す機器について説明と同意がない", en: "Devices lent to patients without explanation and consent"}
what:
  ja: "患者に貸し出すウェアラブル端末や在宅設置の IoT 機器のうち、リスクの説明と同意が記録されていないものを検出します。"
  en: "Flags wearables and home IoT devices lent to patients for which no explanation of the risks and no consent is recorded."
why:
  ja: "貸し出す機器は十分なセキュリティ対策が難しく、患者の扱い方によっては紛失 (T9) や不正な接続、情報の漏洩 (T5) が起こり得ます。"
  en: "Lent devices are hard to secure fully, and depending on how patients handle them they can be lost (T9), connected improperly or leak information (T5)."
fix:
  ja: "貸出しの前に、セキュリティ上のリスクと患者が注意すべき点を説明して同意を得て、異常時の問い合わせ先と医療機関等への連絡方法を伝えます。説明を医療機関等が行う場合は、説明資料を提供し、その分担を合意します。"
  en: "Before lending, explain the security risks and what patients must watch out for, obtain consent, and tell them whom to contact and how to reach the institution when something goes wrong. Where the institution gives the explanation, supply the material and agree the split."
example:
  explanation:
    ja: "患者に貸し出す血圧計について、リスクの説明と同意がないと検出される。"
    en: "A blood-pressure monitor lent to patients without explaining the risks and obtaining consent fires."
  fires: |
    assets:
      - {id: sensor, name: 血圧計, kind: iot_device, location: room, lent_to_patients: true}
    ledger:
      - {asset: sensor}
  element: "sensor"
  passes: |
    assets:
      - {id: sensor, name: 血圧計, kind: iot_device, location: room, lent_to_patients: true, patient_consent: true}
    ledger:
      - {asset: sensor}
sources:
  - clause: "MGL-6.0 システム運用編 7⑧"
    strength: must
    quote: "事前に、情報セキュリティ上のリスクと、患者等が留意すべきことについて患者等へ説明し、同意を得ること"
    verified: true
    note: "Seed 001 (draft)."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for a in &model.assets {
        if a.lent_to_patients && !a.patient_consent {
            let (id, name) = (&a.id, &a.name);
            ctx.fail(id, Some(a.span), loc!("{name} ({id}) を貸し出す際の説明と同意がありません", "{name} ({id}) is lent without explanation and consent"));
        }
    }
}
