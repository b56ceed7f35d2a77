//! OPS005 staff-remote-without-vdi: staff remote access without a virtual desktop over a VPN.

use crate::rules::prelude::*;

declare_rule!(r#"
code: OPS005
name: staff-remote-without-vdi
title: {ja: "職員のリモートアクセスに VPN と組み合わせた仮想デスクトップがない", en: "Staff remote access without a virtual desktop over a VPN"}
what:
  ja: "職員のリモートアクセスのうち、仮想デスクトップ (VDI) を、IPsec VPN・閉域網・専用線・クライアント型 SSL-VPN のいずれかと組み合わせて使っていないものを検出します。仮想デスクトップと同等以上の安全性を確保できる方法を使い、その根拠を equivalent_to_vdi に記録した場合は検出しません。"
  en: "Flags staff remote access that does not combine a virtual desktop (VDI) with an IPsec VPN, closed network, leased line or client-type SSL-VPN. A method at least as safe as a virtual desktop, with its grounds recorded in `equivalent_to_vdi`, is accepted."
why:
  ja: "管理されていない端末に医療情報が残ったり、キーロガーや覗き見で認証情報や画面が盗まれたりして、漏洩 (T5) や不正な閲覧 (T1) につながります。"
  en: "Medical information left on unmanaged devices, and credentials or screens stolen by keyloggers or shoulder-surfing, lead to leaks (T5) and unauthorised viewing (T1)."
fix:
  ja: "VPN の接続と連動して起動する仮想デスクトップで接続させ、端末にデータが残らないようにします。利用者の権限を厳しく制限した専用端末の貸与など同等以上の方式を使う場合は、その根拠を記録し、利用条件を医療機関等と合意します。"
  en: "Have staff connect through a virtual desktop that only comes up together with the VPN, so no data stay on the device. Where an equally safe method is used instead, such as lending dedicated devices with tightly restricted rights, record the grounds and agree the conditions of use with the institution."
example:
  explanation:
    ja: "職員が在宅から VPN で直接つなぐと検出され、VPN 上の仮想デスクトップで使うなら検出されない。"
    en: "Staff connecting from home over a VPN straight to the systems fires; a virtual desktop over the VPN does not."
  fires: |
    connections:
      - {id: lan, name: 在宅 VPN, kind: ipsec_vpn, ike: true, remote_access: {purpose: staff}}
  element: "lan"
  passes: |
    connections:
      - {id: lan, name: 在宅 VPN, kind: ipsec_vpn, ike: true, remote_access: {purpose: staff, vdi: true}}
sources:
  - clause: "MGL-6.0 システム運用編 7⑬"
    strength: must
    quote: "VPN 技術と組み合わせて実現する仮想デスクトップ"
    verified: true
    note: "7⑬ also accepts 'a method at least as safe' (仮想デスクトップと同等以上の安全性を確保できる方法), which the rule's check cannot accept today."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for c in &model.connections {
        let Some(remote) = &c.remote_access else { continue };
        if remote.purpose != RemotePurpose::Staff || remote.equivalent_to_vdi.is_some() {
            continue;
        }
        let vpn = matches!(c.kind, ConnectionKind::IpsecVpn | ConnectionKind::ClosedNetwork | ConnectionKind::LeasedLine)
            || judge::ssl_vpn_client(c) == Some(Stated::Yes);
        if !(remote.vdi && vpn) {
            let (id, name) = (&c.id, &c.name);
            ctx.fail(
                id,
                Some(remote.span),
                loc!(
                    "{name} ({id}) の職員リモートアクセスが VPN 上の仮想デスクトップ (またはそれと同等以上の方法) ではありません",
                    "staff remote access over {name} ({id}) is not a virtual desktop over a VPN (nor a method as safe)"
                ),
            );
        }
    }
}
