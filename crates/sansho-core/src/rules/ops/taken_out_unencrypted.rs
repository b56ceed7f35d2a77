//! OPS001 taken-out-unencrypted: device or medium taken out without encryption.

use crate::rules::prelude::*;

declare_rule!(r#"
code: OPS001
name: taken-out-unencrypted
title: {ja: "持ち出す機器・媒体が暗号化されていない", en: "Device or medium taken out without encryption"}
what:
  ja: "施設の外へ持ち出す機器・媒体のうち、保存データの暗号化がない、または暗号化の有無が記載されていないものを検出します。"
  en: "Flags devices and media carried outside the facility whose stored data are not encrypted, or for which encryption is not stated."
why:
  ja: "持ち出した機器・媒体は紛失・盗難 (T9) に遭いやすく、暗号化されていなければ拾った者や盗んだ者がそのまま医療情報を読めます (T5)。"
  en: "Devices and media outside the facility are easily lost or stolen (T9), and without encryption whoever finds or takes them can read the medical information (T5)."
fix:
  ja: "ディスク全体の暗号化とアクセスパスワードを設定し、鍵やパスワードは機器と分けて管理します。紛失に備えて、リモートロック・消去 (MDM) や発行済み ID の停止の手順も用意します。"
  en: "Encrypt the whole disk and set an access password, keeping keys and passwords apart from the device. Prepare for loss with remote lock and wipe (MDM) and a procedure to disable the IDs issued."
example:
  explanation:
    ja: "保守担当がデータセンターから持ち出す PC が暗号化されていないと検出され、暗号化されていれば検出されない。"
    en: "A maintenance PC carried out of the data centre unencrypted fires; an encrypted one does not."
  fires: |
    assets:
      - {id: laptop, name: 保守 PC, kind: terminal, location: dc, taken_out: true, encrypted_at_rest: false}
    ledger:
      - {asset: laptop}
  element: "laptop"
  passes: |
    assets:
      - {id: laptop, name: 保守 PC, kind: terminal, location: dc, taken_out: true, encrypted_at_rest: true}
    ledger:
      - {asset: laptop}
sources:
  - clause: "MGL-6.0 システム運用編 7③"
    strength: must
    quote: "暗号化やアクセスパスワードの設定等、容易に内容を読み取られないようにすること"
    verified: true
    note: "Seed 001 (draft of 2023-05-24)."
  - clause: "PGL-1.1 5.1.6 運用管理規程(キ)"
    strength: unknown
    verified: false
    note: "KB cites 5.1.5 but 運用管理規程 is in 5.1.6 [V]; (キ) wording for 1.1 not read."
  - clause: "PGL-2.0 5.1.6 運用管理規程(キ)"
    strength: must
    quote: "保管や取扱いの方法及び保管や取扱いに係る履歴の記録について運用管理規程に含めること"
    verified: false
    note: "Memo (probably 2.0)."
rank: A
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for a in &model.assets {
        // The institution's own or a patient's device is theirs to manage.
        if !a.taken_out || !judge::in_provider_scope(a.scope) {
            continue;
        }
        let (id, name) = (&a.id, &a.name);
        match a.encrypted_at_rest {
            Some(true) => {}
            Some(false) => ctx.fail(id, Some(a.span), loc!("{name} ({id}) は持ち出されますが暗号化されていません", "{name} ({id}) is taken out unencrypted")),
            None => ctx.unknown(
                id,
                Some(a.span),
                loc!(
                    "持ち出される {name} ({id}) が暗号化されているか (encrypted_at_rest) を書いてください",
                    "state whether {name} ({id}), which is taken out, is encrypted (`encrypted_at_rest`)"
                ),
            ),
        }
    }
}
