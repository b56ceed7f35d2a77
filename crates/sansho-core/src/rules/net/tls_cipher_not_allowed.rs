//! NET003 tls-cipher-not-allowed: cipher suite outside the high-security allow-list.

use crate::rules::prelude::*;

declare_rule!(r#"
code: NET003
name: tls-cipher-not-allowed
title: {ja: "高セキュリティ型の許可リストにない暗号スイート", en: "Cipher suite outside the high-security allow-list"}
what:
  ja: "TLS 接続で許可している暗号スイートのうち、CRYPTREC「TLS暗号設定ガイドライン」の高セキュリティ型に基づく許可リストにないものを検出します。"
  en: "Flags cipher suites allowed on a TLS connection that are not on the allow-list derived from the high-security profile of the CRYPTREC TLS guideline."
why:
  ja: "前方秘匿性のない鍵交換や認証付き暗号 (AEAD) 以外の暗号は、解読や中間者攻撃の余地を残し、盗聴・なりすまし (T2) が起こりやすくなります。"
  en: "Key exchange without forward secrecy and ciphers other than authenticated encryption (AEAD) leave room for decryption and man-in-the-middle attacks, making eavesdropping and impersonation (T2) more likely."
fix:
  ja: "暗号スイートを ECDHE・DHE による鍵交換と AES-GCM・ChaCha20-Poly1305 などの許可リストにあるものに絞ります。許可リストは sansho が同梱する未検証のデータなので、CRYPTREC の原文で確認した一覧があれば知識ベースの tls_cipher_suites を上書きしてください。"
  en: "Limit the suites to those on the allow-list, with ECDHE or DHE key exchange and ciphers such as AES-GCM or ChaCha20-Poly1305. The allow-list is unverified data shipped with sansho; if you hold a list checked against the CRYPTREC text, override tls_cipher_suites in a knowledge-base file."
example:
  explanation:
    ja: "許可リストにない CBC モードの暗号スイートを設定すると検出される。"
    en: "A CBC-mode cipher suite that is not on the allow-list fires."
  fires: |
    connections:
      - id: vpn
        name: HTTPS
        kind: internet
        ike: null
        tls: {versions: [tls1.3], client_certificates: true, cipher_suites: [TLS_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_128_CBC_SHA]}
  element: "vpn"
  passes: |
    connections:
      - id: vpn
        name: HTTPS
        kind: internet
        ike: null
        tls: {versions: [tls1.3], client_certificates: true, cipher_suites: [TLS_AES_128_GCM_SHA256]}
sources:
  - clause: "PGL-1.1 5.1.5(イ)③"
    strength: unknown
    quote: "③ ネットワーク経路における考慮事項"
    verified: true
    note: "Heading only."
  - clause: "PGL-2.0 5.1.5(イ)③"
    strength: must
    quote: "HTTPS接続を利用する場合、TLS設定はCRYPTREC「TLS暗号設定ガイドライン」の「[高セキュリティ型](https://www.cryptrec.go.jp/report/cryptrec-gl-3001-3.0.1.pdf)」に準じた適切な設定を行うこと。"
    verified: false
    note: "Memo line; requires the high-security profile but lists no suites."
  - clause: "MGL-6.0 Q&A (システム運用編 13, TLS)"
    strength: must
    quote: "「高セキュリティ型」の設定の一つとして、利用可能なプロトコルバージョンを TLS1.3 に設定するものの"
    verified: true
    note: "MGL asks for 高セキュリティ型, but the CRYPTREC suite list itself was never read [N], so the allow-list the rule checks against is unverified."
severity: warning
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let allowed = &ctx.kb.tables.tls_cipher_suites;
    for c in &model.connections {
        let Some(tls) = &c.tls else { continue };
        let id = &c.id;
        for (suite, span) in tls.cipher_suites.iter().zip(&tls.cipher_suite_spans) {
            if !allowed.iter().any(|s| s == suite) {
                ctx.fail(
                    id,
                    Some(*span),
                    loc!("{id} の {suite} は許可リストにありません", "{suite} on {id} is not on the allow-list"),
                );
            }
        }
    }
}
