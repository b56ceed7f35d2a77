//! NET002 tls-version-not-allowed: tLS version not allowed.

use crate::rules::prelude::*;

declare_rule!(r#"
code: NET002
name: tls-version-not-allowed
title: {ja: "許可されない TLS バージョン", en: "TLS version not allowed"}
what:
  ja: "TLS 1.2 より古いプロトコル (SSL 3.0・TLS 1.0・TLS 1.1) を許可している接続と、TLS 1.3 を使えない理由を記録せずに TLS 1.2 を許可している接続を検出します。"
  en: "Flags connections that allow protocols older than TLS 1.2 (SSL 3.0, TLS 1.0, TLS 1.1), and connections that allow TLS 1.2 without a recorded reason why TLS 1.3 cannot be used."
why:
  ja: "古いプロトコルには確立した攻撃手法があり、盗聴やなりすまし (T2) を許します。医療情報には CRYPTREC の高セキュリティ型に相当する設定が求められます。"
  en: "Older protocols have well-known attacks that allow eavesdropping and impersonation (T2). Medical information calls for settings equivalent to the CRYPTREC high-security profile."
fix:
  ja: "TLS 1.3 に限定し、接続相手が対応できないなどの理由で TLS 1.2 を残す場合は、その理由を記録します。判定に使う高セキュリティ型の許可リストは sansho が同梱する未検証のデータであり、CRYPTREC の原文で確認したうえで知識ベースで上書きできます。"
  en: "Restrict connections to TLS 1.3; where TLS 1.2 must remain, for instance because the peer cannot do better, record the reason. The high-security allow-list used for this check is unverified data shipped with sansho; check it against the CRYPTREC text and override it in a knowledge-base file."
example:
  explanation:
    ja: "インターネット越しの HTTPS が TLS 1.1 も許可すると検出され、TLS 1.3 だけなら検出されない。"
    en: "HTTPS over the internet that also allows TLS 1.1 fires; TLS 1.3 alone does not."
  fires: |
    connections:
      - {id: vpn, name: HTTPS, kind: internet, ike: null, tls: {versions: [tls1.3, tls1.1], client_certificates: true}}
  element: "vpn"
  passes: |
    connections:
      - {id: vpn, name: HTTPS, kind: internet, ike: null, tls: {versions: [tls1.3], client_certificates: true}}
sources:
  - clause: "PGL-1.1 5.1.5(イ)③"
    strength: unknown
    quote: "③ ネットワーク経路における考慮事項"
    verified: true
    note: "Heading only; TLS wording of 1.1 not read."
  - clause: "PGL-2.0 5.1.5(イ)③"
    strength: must
    quote: "HTTPS接続を利用する場合、TLS設定はCRYPTREC「TLS暗号設定ガイドライン」の「[高セキュリティ型](https://www.cryptrec.go.jp/report/cryptrec-gl-3001-3.0.1.pdf)」に準じた適切な設定を行うこと。"
    verified: false
    note: "Memo line copied with its Markdown link; probably PGL 2.0 wording."
  - clause: "MGL-6.0 Q&A (システム運用編 13, TLS)"
    strength: must
    quote: "TLS1.2 以上に限定して設定する必要があります"
    verified: true
    note: "Read in the 6.0 Q&A draft (8594/93): TLS1.3 first, TLS1.2 or higher only where 1.3 is hard; the recorded-reason requirement for 1.2 is sansho's way of checking 'where 1.3 is hard'."
  - clause: "MGL-6.0 システム運用編 13"
    strength: unknown
    quote: "13.ネットワークに関する安全管理措置"
    verified: true
    note: "Chapter only; the TLS item number was not seen."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for c in &model.connections {
        let Some(tls) = &c.tls else { continue };
        let id = &c.id;
        let legacy = judge::legacy_tls(c);
        if !legacy.is_empty() {
            let list: Vec<String> = legacy.iter().map(|v| v.label().ja).collect();
            let list = list.join(", ");
            ctx.fail(id, Some(tls.versions_span), loc!("{id} が {list} を許可しています", "{id} allows {list}"));
        } else if tls.versions.contains(&TlsVersion::Tls12) && tls.reason_for_tls12.is_none() {
            ctx.fail(
                id,
                Some(tls.versions_span),
                loc!(
                    "{id} が TLS 1.2 を許可していますが、TLS 1.3 にできない理由 (reason_for_tls12) がありません",
                    "{id} allows TLS 1.2 without a recorded reason (reason_for_tls12)"
                ),
            );
        }
    }
}
