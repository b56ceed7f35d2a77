//! NET005 ipsec-without-ike: iPsec without IKE.

use crate::rules::prelude::*;

declare_rule!(r#"
code: NET005
name: ipsec-without-ike
title: {ja: "IKE を使わない IPsec", en: "IPsec without IKE"}
what:
  ja: "IPsec VPN の接続のうち、鍵交換に IKE を使わないもの、または IKE の利用が記載されていないものを検出します。"
  en: "Flags IPsec VPN connections that do not use IKE for key exchange, or that do not state whether they do."
why:
  ja: "手動で設定した固定の鍵は更新されにくく、漏れると通信がまとめて解読されるため、盗聴・なりすまし (T2) のリスクが残ります。"
  en: "Manually set static keys are rarely changed, and once leaked they expose all traffic at once, leaving a risk of eavesdropping and impersonation (T2)."
fix:
  ja: "IKE (できれば IKEv2) で装置間の相互認証と鍵交換を行い、鍵を定期的に更新します。モデルでは接続に IKE の利用を記載します。"
  en: "Use IKE (preferably IKEv2) for mutual authentication of the devices and key exchange, with regular rekeying, and state the use of IKE on the connection in the model."
example:
  explanation:
    ja: "IPsec VPN が IKE を使わない (鍵を手で設定する) と検出され、IKE を使えば検出されない。"
    en: "An IPsec VPN without IKE (manually keyed) fires; with IKE it does not."
  fires: |
    connections:
      - {id: vpn, ike: false}
  element: "vpn"
  passes: |
    connections:
      - {id: vpn, ike: true}
sources:
  - clause: "PGL-1.1 5.1.5(イ)③"
    strength: unknown
    quote: "③ ネットワーク経路における考慮事項"
    verified: true
    note: "Heading only."
  - clause: "PGL-2.0 5.1.5(イ)③"
    strength: must
    quote: "IPsecを用いる場合は、IKEを組み合わせる等して、確実にその安全性を確保すること。"
    verified: false
    note: "Memo wording; IKE is one example ('等'), so another equally safe key exchange would also satisfy it."
  - clause: "MGL-6.0 システム運用編 13⑫"
    strength: must
    quote: "相互認証を行うこと"
    verified: true
    note: "Backs the fix's mutual authentication of VPN devices; KB does not cite 13⑫ for this rule."
  - clause: "PGL-1.1 別紙2 ①-9"
    strength: unknown
    verified: false
    note: "Facts sheet only (10202 p.35): mutual authentication between VPN devices and suitable cryptography."
rank: B
fact: ipsec_without_ike
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for c in &model.connections {
        let (id, name) = (&c.id, &c.name);
        match judge::ipsec_ike(c) {
            None | Some(Stated::Yes) => {}
            Some(Stated::No) => ctx.fail(id, Some(c.span), loc!("{name} ({id}) は IKE を使いません", "{name} ({id}) does not use IKE")),
            Some(Stated::NotStated) => ctx.unknown(
                id,
                Some(c.span),
                loc!(
                    "{name} ({id}) で IKE を使うか (ike) を書いてください",
                    "state whether {name} ({id}) uses IKE (`ike`)"
                ),
            ),
        }
    }
}
