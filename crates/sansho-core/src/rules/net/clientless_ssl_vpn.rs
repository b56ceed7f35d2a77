//! NET004 clientless-ssl-vpn: sSL-VPN that is not client-type.

use crate::rules::prelude::*;

declare_rule!(r#"
code: NET004
name: clientless-ssl-vpn
title: {ja: "クライアント型でない SSL-VPN", en: "SSL-VPN that is not client-type"}
what:
  ja: "ブラウザで接続するクライアントレス型の SSL-VPN と、クライアント型であることが記載されていない SSL-VPN を検出します。"
  en: "Flags clientless (browser-based) SSL-VPNs and SSL-VPNs not stated to be client-type."
why:
  ja: "SSL-VPN は経路確立時の傍受や偽サーバへの誘導に弱く、クライアントレス型は管理されていない端末からも接続できるため、なりすまし (T2) や不正アクセス (T1) の入口になります。VPN 装置はランサムウェア (T4) の典型的な侵入経路でもあります。"
  en: "SSL-VPNs are exposed to interception while the tunnel is set up and to fake servers, and clientless ones accept any unmanaged device, opening the way to impersonation (T2) and unauthorised access (T1). VPN appliances are also a typical entry point for ransomware (T4)."
fix:
  ja: "IPsec VPN (IKE を併用) や閉域網に切り替えます。やむを得ず SSL-VPN を使う場合は、専用クライアントを導入し接続できる端末を限定したクライアント型とします。"
  en: "Move to an IPsec VPN with IKE or a closed network. Where an SSL-VPN cannot be avoided, use the client type, with dedicated client software and a strictly limited set of devices."
example:
  explanation:
    ja: "診療所の VPN がブラウザだけで使うクライアントレス型 SSL-VPN だと検出され、専用クライアントを使う型なら検出されない。"
    en: "A clientless (browser) SSL-VPN for the clinic fires; a client-type SSL-VPN does not."
  fires: |
    connections:
      - {id: vpn, kind: ssl_vpn, ike: null, ssl_vpn: clientless}
  element: "vpn"
  passes: |
    connections:
      - {id: vpn, kind: ssl_vpn, ike: null, ssl_vpn: client}
sources:
  - clause: "PGL-1.1 5.1.5(イ)③"
    strength: unknown
    quote: "③ ネットワーク経路における考慮事項"
    verified: true
    note: "Heading only."
  - clause: "PGL-2.0 5.1.5(イ)③"
    strength: must
    quote: "SSL-VPNは原則として利用しない。やむを得ず利用する場合は「クライアント型」でのVPNとすること。"
    verified: false
    note: "Memo wording; the memo's own glossary nevertheless lists SSL-VPN among secure networks, an inconsistency of the memo."
  - clause: "MGL-6.0 システム運用編 13⑥"
    strength: unknown
    quote: "シス13章第⑥条"
    verified: true
    note: "KB cites ch.13 only; SSL-VPN is 13⑥ [V] (Q&A 9473/94), whose own wording was not quoted."
rank: A
fact: ssl_vpn_clientless
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for c in &model.connections {
        let (id, name) = (&c.id, &c.name);
        match judge::ssl_vpn_client(c) {
            None | Some(Stated::Yes) => {}
            Some(Stated::No) => ctx.fail(id, Some(c.span), loc!("{name} ({id}) はクライアントレス型です", "{name} ({id}) is clientless")),
            Some(Stated::NotStated) => ctx.unknown(
                id,
                Some(c.span),
                loc!(
                    "{name} ({id}) がクライアント型かクライアントレス型か (ssl_vpn) を書いてください",
                    "state whether {name} ({id}) is client-type or clientless (`ssl_vpn`)"
                ),
            ),
        }
    }
}
