//! NET001 medical-over-internet-without-tls: medical information crosses the internet without TLS.

use crate::rules::prelude::*;

declare_rule!(r#"
code: NET001
name: medical-over-internet-without-tls
title: {ja: "医療情報が TLS なしでインターネットを通る", en: "Medical information crosses the internet without TLS"}
what:
  ja: "医療情報を運ぶ情報流の経路に、TLS の設定がないインターネット上の接続が含まれることを検出します。IPsec VPN・閉域網・専用線などのセキュアなネットワークを通る区間は対象外です。"
  en: "Flags flows carrying medical information whose path includes an internet connection without TLS. Sections over secure networks such as IPsec VPN, closed networks or leased lines are not affected."
why:
  ja: "暗号化されていない通信は経路上で盗聴・改竄でき、医療情報や認証情報が漏れて、なりすまし (T2) や情報の窃取 (T5) につながります。"
  en: "Unencrypted traffic can be read and altered on the way, exposing medical information and credentials and leading to impersonation (T2) and data theft (T5)."
fix:
  ja: "原則として IPsec VPN や閉域網などのセキュアなネットワークを使います。インターネットを通す場合は、少なくとも CRYPTREC「TLS暗号設定ガイドライン」の高セキュリティ型に沿った HTTPS (TLS 1.3、やむを得ない場合に限り TLS 1.2) で保護します。"
  en: "Use a secure network such as an IPsec VPN or a closed network as the default. Where traffic must cross the internet, protect it at least with HTTPS configured after the high-security profile of the CRYPTREC TLS guideline (TLS 1.3, TLS 1.2 only where unavoidable)."
example:
  explanation:
    ja: "診療所とデータセンターの間を、IPsec VPN ではなくインターネットでつなぐ。TLS の設定がないと検出され、TLS 1.3 を設定すると検出されない。"
    en: "The clinic reaches the data centre over the internet instead of the IPsec VPN. Without TLS this fires; with TLS 1.3 it does not."
  fires: |
    connections:
      - {id: vpn, name: インターネット, kind: internet, ike: null}
  element: "vpn"
  passes: |
    connections:
      - {id: vpn, name: インターネット, kind: internet, ike: null, tls: {versions: [tls1.3], client_certificates: true}}
sources:
  - clause: "PGL-1.1 5.1.5(イ)③"
    strength: unknown
    quote: "③ ネットワーク経路における考慮事項"
    verified: true
    note: "Only the heading on p.37 was read; the body (p.38) is known from the memo alone."
  - clause: "PGL-2.0 5.1.5(イ)③"
    strength: unknown
    quote: "原則としてセキュアなネットワークを採用し、ネットワーク経路を適切に選択する。"
    verified: false
    note: "Memo summary (probably PGL 2.0); declarative wording, so strength not settled."
  - clause: "MGL-6.0 システム運用編 13②"
    strength: unknown
    verified: false
    note: "Facts sheet paraphrase ([V] there, 9289 p.40): in principle a secure network whose route the institution manages; wording not seen."
  - clause: "MGL-6.0 システム運用編 13"
    strength: unknown
    quote: "13.ネットワークに関する安全管理措置"
    verified: true
    note: "Chapter [V]; the facts sheet says that without an IPsec VPN at least HTTPS over TLS is required (9473 p.94), item number and wording not seen."
severity: error
rank: A
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let (model, s) = (ctx.model, ctx.s);
    for (ix, c) in ConnectionIx::enumerate(&model.connections) {
        if !judge::internet_without_tls(c) || c.unencrypted_by_law {
            continue;
        }
        let flows: Vec<&str> = s
            .medical_flows_through(ElementRef::Connection(ix))
            .map(|f| ctx.flow(f).id.as_str())
            .collect();
        if flows.is_empty() {
            continue;
        }
        let (id, name, list) = (&c.id, &c.name, Ctx::list(flows.into_iter()));
        ctx.fail(
            id,
            Some(c.span),
            loc!(
                "{name} ({id}) を医療情報が TLS なしで通ります (情報流 {list})",
                "{name} ({id}) carries medical information without TLS (flows {list})"
            ),
        );
    }
}
