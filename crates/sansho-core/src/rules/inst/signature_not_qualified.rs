//! INST003 signature-not-qualified: signature-requiring document without a qualification-verifiable signature or accredited timestamp.

use crate::rules::prelude::*;

declare_rule!(r#"
code: INST003
name: signature-not-qualified
title: {ja: "記名・押印に代わる電子署名・タイムスタンプが要件を満たさない", en: "Signature-requiring document without a qualification-verifiable signature or accredited timestamp"}
what:
  ja: "法令で記名・押印が求められる文書について、署名者の医療資格を電子的に検証できる電子署名 (HPKI など) がないか、認定を受けた時刻認証業務によるタイムスタンプがないことを検出します。"
  en: "Flags documents that law requires to be signed or name-and-sealed which lack an e-signature whose signer's medical qualification can be verified electronically (such as HPKI), or lack a timestamp from an accredited time-stamping service."
why:
  ja: "資格を検証できない署名では作成者が医師等であることを示せず、適切なタイムスタンプがなければ署名の時刻やその後の改竄 (T6) の有無を長期にわたって証明できないため、記名・押印の代わりとして認められないおそれがあります。"
  en: "A signature that cannot verify the qualification does not show the author is a physician or other professional, and without a proper timestamp the time of signing and the absence of later tampering (T6) cannot be proven over the years, so the document may not replace a signature or seal."
fix:
  ja: "HPKI 認証局の証明書、または資格を電子的に検証できる同等の証明書で署名し、総務大臣の認定を受けた時刻認証業務のタイムスタンプを文書と署名の全体に付けます。法定保存期間にわたって検証できるよう、検証情報を含めて長期署名として維持します。"
  en: "Sign with an HPKI certificate or an equivalent certificate that allows electronic verification of the qualification, and apply a timestamp from a time-stamping service accredited by the Minister of Internal Affairs over the document and signature. Maintain it as a long-term signature, including the verification data, so it stays verifiable for the legal retention period."
example:
  explanation:
    ja: "電子処方箋に HPKI で署名しても、認定タイムスタンプがないと検出される。"
    en: "A prescription signed with HPKI but without an accredited timestamp fires."
  fires: |
    information:
      - {id: prescription, signature: {method: hpki, timestamp: other}}
  element: "prescription"
  passes: |
    information:
      - {id: prescription, signature: {method: hpki, timestamp: accredited}}
sources:
  - clause: "PGL-1.1 6.3"
    strength: unknown
    quote: "法令で定められた記名・押印を電子署名に代える場合の要求事項"
    verified: false
    note: "Heading from the facts sheet ([V] there, p.58), not in guideline-verification.md."
  - clause: "MGL-6.0 企画管理編 14"
    strength: must
    quote: "医師等の国家資格の確認が電子的に検証できる電子証明書を用いた電子署名等を用いること"
    verified: false
    note: "Memo quoting the MGL 6.0 企画管理編; the accredited-timestamp half is a facts-sheet paraphrase only."
rank: A
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for info in &model.information {
        if !info.requires_signature {
            continue;
        }
        let (id, name) = (&info.id, &info.name);
        let problem = match &info.signature {
            None => Some(loc!("署名方式が書かれていません", "no signature is stated")),
            Some(s) if !matches!(s.method, SignatureMethod::Hpki | SignatureMethod::QualifiedOther) => Some(loc!(
                "署名者の資格を電子的に検証できない署名です",
                "the signature does not verify the signer's qualification"
            )),
            Some(s) if s.timestamp != TimestampKind::Accredited => Some(loc!("認定タイムスタンプがありません", "no accredited timestamp")),
            Some(_) => None,
        };
        if let Some(p) = problem {
            let (pj, pe) = (&p.ja, &p.en);
            let span = info.signature.as_ref().map_or(info.span, |s| s.span);
            ctx.fail(id, Some(span), loc!("{name} ({id}): {pj}", "{name} ({id}): {pe}"));
        }
    }
}
