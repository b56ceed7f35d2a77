//! AGR003 isms-scope-narrow: iSMS scope does not cover the data from entry to exit.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AGR003
name: isms-scope-narrow
title: {ja: "ISMS の適用範囲が医療情報の入口から出口までを覆っていない", en: "ISMS scope does not cover the data from entry to exit"}
what:
  ja: "ISMS 認証の適用範囲が、受託する医療情報の入口から出口まで (受け取り・処理・保存・返却や破棄) を覆っていない、またはそれが記載されていないことを検出します。"
  en: "Flags an ISMS certificate whose scope does not cover the entrusted medical information from entry to exit (receipt, processing, storage, return or disposal), or does not state whether it does."
why:
  ja: "範囲外の工程や拠点では ISMS による管理が保証されず、認証があっても医療情報の取扱いの一部が第三者の確認を受けていないことになります。"
  en: "Processes and sites outside the scope are not assured by the ISMS, so part of the handling of medical information has not been checked by a third party despite the certificate."
fix:
  ja: "ISMS の適用範囲を医療情報の入口から出口まで広げるか、範囲外の部分の管理を別の方法で説明します。適用宣言書は医療機関等への開示を前提に書き、医療情報のために特に配慮した管理策を明示します。"
  en: "Extend the ISMS scope from entry to exit of the medical information, or explain by other means how the parts outside it are managed. Write the statement of applicability so it can be shown to institutions, naming the controls adopted specially for medical information."
example:
  explanation:
    ja: "ISMS の適用範囲が本社の一部門だけで、医療情報を扱うデータセンター運用を含まないと検出される。"
    en: "An ISMS scope limited to one office department, leaving out the data-centre operation that handles the medical information, fires."
  fires: |
    organizations:
      - id: acme
        certifications:
          - {scheme: isms, valid_until: 2027-12-31, covers_data_lifecycle: false}
  element: "acme"
  passes: |
    organizations:
      - id: acme
        certifications:
          - {scheme: isms, valid_until: 2027-12-31, covers_data_lifecycle: true}
sources:
  - clause: "PGL-1.1 4.4"
    strength: should
    quote: "処理を受託する医療情報の入口から出口まで包括的に設定することが望ましい"
    verified: true
    note: "Seed 000; warning matches 望ましい."
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let provider = &model.organizations[model.system.provider];
    let (pid, pname) = (&provider.id, &provider.name);
    for c in &provider.certifications {
        if !matches!(c.scheme, CertificationScheme::Isms | CertificationScheme::IsmsCloud) {
            continue;
        }
        match c.covers_data_lifecycle {
            Some(true) => {}
            Some(false) => ctx.fail(
                pid,
                Some(c.span),
                loc!(
                    "{pname} の ISMS の適用範囲が医療情報の入口から出口までを含みません",
                    "the ISMS scope of {pname} does not cover the data from entry to exit"
                ),
            ),
            None => ctx.unknown(
                pid,
                Some(c.span),
                loc!(
                    "{pname} の ISMS の適用範囲が医療情報の入口から出口までを含むか (covers_data_lifecycle) を書いてください",
                    "state whether the ISMS scope of {pname} covers the data from entry to exit (`covers_data_lifecycle`)"
                ),
            ),
        }
    }
}
