//! NET006 insecure-route-for-staff: staff or vendors reach medical information over the open internet.

use crate::rules::prelude::*;

declare_rule!(r#"
code: NET006
name: insecure-route-for-staff
title: {ja: "職員・事業者がインターネット経由で医療情報に接続している", en: "Staff or vendors reach medical information over the open internet"}
what:
  ja: "職員や保守事業者が医療情報を扱う情報流が、IPsec VPN・閉域網・専用線などのセキュアなネットワークではなく、クライアント証明書による認証のないインターネット上の接続を通ることを検出します。"
  en: "Flags flows in which staff or maintenance vendors handle medical information over an internet connection without client-certificate authentication, rather than over a secure network such as an IPsec VPN, a closed network or a leased line."
why:
  ja: "インターネット上の経路は医療機関等も事業者も管理できず、接続元の端末や相手を十分に限定できないため、盗聴・なりすまし (T2) や不正アクセス (T1) の余地が大きくなります。"
  en: "Nobody involved controls an internet route, and the connecting devices and parties cannot be narrowed down well, which widens the room for eavesdropping, impersonation (T2) and unauthorised access (T1)."
fix:
  ja: "職員や保守の接続は、経路を管理できるセキュアなネットワークに切り替えます。TLS のまま続ける場合は、クライアント証明書による相互認証と接続元の制限を加え、その判断と理由をリスク対応一覧に記録します。"
  en: "Move staff and maintenance access onto a secure network whose route is managed. If TLS over the internet stays, add mutual authentication with client certificates and restrict the sources, and record the decision and its reason in the risk treatment list."
example:
  explanation:
    ja: "医師がインターネット上の HTTPS で電子カルテを使う。クライアント証明書で端末を限定しないと検出され、限定すれば検出されない。"
    en: "The doctor uses the EHR over HTTPS on the internet. Without client certificates that limit it to known terminals this fires; with them it does not."
  fires: |
    connections:
      - {id: vpn, name: HTTPS, kind: internet, ike: null, tls: {versions: [tls1.3]}}
  element: "vpn"
  passes: |
    connections:
      - {id: vpn, name: HTTPS, kind: internet, ike: null, tls: {versions: [tls1.3], client_certificates: true}}
sources:
  - clause: "PGL-1.1 5.1.5(イ)③"
    strength: unknown
    quote: "③ ネットワーク経路における考慮事項"
    verified: true
    note: "Heading only."
  - clause: "PGL-2.0 5.1.5(イ)③"
    strength: unknown
    quote: "原則としてセキュアなネットワークを採用し、ネットワーク経路を適切に選択する。"
    verified: false
    note: "Memo summary."
  - clause: "MGL-6.0 システム運用編 13②"
    strength: unknown
    verified: false
    note: "Facts sheet paraphrase: secure network with a managed route, in principle; wording not seen."
  - clause: "MGL-6.0 システム運用編 13⑫"
    strength: must
    quote: "相互認証を行うこと"
    verified: true
    note: "Supports accepting TLS with client certificates (mutual authentication) as the alternative the rule allows."
  - clause: "MGL-6.0 システム運用編 7⑬"
    strength: must
    quote: "VPN 技術と組み合わせて実現する仮想デスクトップ"
    verified: true
    note: "Seed 001 (draft); this item is the basis of OPS005, here only context for staff access."
  - clause: "PGL-1.1 別紙2 ①-9"
    strength: unknown
    verified: false
    note: "Facts sheet only (10202 p.35): TLS-VPN with TLS1.3 and client-certificate authentication."
severity: warning
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let (model, s) = (ctx.model, ctx.s);
    for (ix, c) in ConnectionIx::enumerate(&model.connections) {
        if c.kind != ConnectionKind::Internet || c.tls.as_ref().is_some_and(|t| t.client_certificates) {
            continue;
        }
        let staff: Vec<&str> = s
            .medical_flows_through(ElementRef::Connection(ix))
            .map(|f| ctx.flow(f))
            .filter(|f| judge::by_staff(model, f))
            .map(|f| f.id.as_str())
            .collect();
        if staff.is_empty() {
            continue;
        }
        let (id, name, list) = (&c.id, &c.name, Ctx::list(staff.into_iter()));
        ctx.fail(
            id,
            Some(c.span),
            loc!(
                "職員・事業者が {name} ({id}) のインターネット経由で医療情報を扱います (情報流 {list})",
                "staff or vendors handle medical information over the internet via {name} ({id}) (flows {list})"
            ),
        );
    }
}
