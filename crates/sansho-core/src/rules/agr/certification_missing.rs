//! AGR001 certification-missing: no Pマーク, ISMS or accepted alternative.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AGR001
name: certification-missing
title: {ja: "Pマーク・ISMS も代替となる認証等もない", en: "No Pマーク, ISMS or accepted alternative"}
what:
  ja: "対象事業者がプライバシーマークも ISMS 認証も持たず、代替として認められる認証 (ISMAP (ISMAP-LIU を除く)、FedRAMP (LI-SaaS を除く)、SOC2、SOC3、CS ゴールドマーク) もなく、システム監査技術者や CISA などの有資格者による外部監査の結果も、HISPRO のような評価機関による評価もないことを検出します。"
  en: "Flags a provider that holds neither Pマーク nor ISMS, none of the accepted alternatives (ISMAP but not ISMAP-LIU, FedRAMP but not LI-SaaS, SOC2, SOC3, CS Gold Mark), and no result of an external audit by a qualified person such as a システム監査技術者 (Systems Auditor) or CISA, and no evaluation by an evaluating body such as HISPRO."
why:
  ja: "医療機関等は委託先の最低限の適格性を第三者認証で確認するため、これがないと事業者選定の基準を満たせず、安全管理の体制を客観的に示せません。"
  en: "Institutions rely on third-party certification as minimum proof that a provider is fit, so without one the provider fails the selection criteria and cannot show its safety management objectively."
fix:
  ja: "プライバシーマークか ISMS 認証、または代替となる認証を取得して提示します。いずれも難しい場合はシステム監査技術者か CISA による外部監査を受けて結果を示します。認証はガイドラインへの適合そのものを証明しないため、リスク対応一覧などとあわせて説明します。"
  en: "Obtain and present Pマーク, ISMS or an accepted alternative; failing those, commission an external audit by a Systems Auditor or CISA and present the result. A certificate does not itself prove the guideline is met, so explain it together with the risk treatment list and other material."
example:
  explanation:
    ja: "事業者が ISMAP-LIU しか持たないと検出される (Pマーク・ISMS の代わりにならない)。ISMS 認証があれば検出されない。"
    en: "A provider holding only ISMAP-LIU fires (it does not stand in for Pマーク or ISMS); with ISMS it does not."
  fires: |
    organizations:
      - id: acme
        certifications:
          - {scheme: ismap_liu, valid_until: 2027-12-31}
  element: "acme"
  passes: |
    organizations:
      - id: acme
        certifications:
          - {scheme: isms, valid_until: 2027-12-31, covers_data_lifecycle: true}
sources:
  - clause: "PGL-1.1 4.4"
    strength: must
    quote: "プライバシーマーク認定または ISMS 認証25を取得すること"
    verified: true
    note: "Seed 000; '25' is a footnote marker; for providers not handling medical information directly the text says 強く求められる."
  - clause: "PGL-1.1 4.4 表4-1"
    strength: must
    quote: "「クラウドセキュリティ認証等」(表 4-1 参照)は、プライバシーマーク認定や ISMS 認証と同等の認証等と認められるため、これに代えることも可能である"
    verified: true
    note: "Permission to substitute within the 4.4 must; the 1.1 list itself is in 表4-1 on p.27–28 and was read only up to its cut-off, so its members in 1.1 are unknown."
  - clause: "MGL-6.0 企画管理編 7⑥g"
    strength: must
    quote: "JASA クラウドセキュリティ推進協議会 CS ゴールドマーク"
    verified: true
    note: "CS ゴールドマーク comes only from this list (with ISMAP, FedRAMP, SOC2, SOC3; failing those an audit by システム監査技術者 or CISA); it has no ISMAP-LIU/LI-SaaS exclusions and no HISPRO."
  - clause: "PGL-2.0 表4-1"
    strength: must
    quote: "政府情報システムのためのセキュリティ評価制度（ISMAP）（ISMAP-LIU は含まない）"
    verified: false
    note: "Memo (probably 2.0): the ISMAP-LIU and FedRAMP LI-SaaS exclusions come only from here, and this list has no CS ゴールドマーク."
  - clause: "PGL-2.0 表4-1"
    strength: must
    quote: "「民間事業者による医療情報に係るクラウドサービスの評価」（一般社団法人保健医療福祉情報安全管理適合性評価協会）"
    verified: false
    note: "Memo lists the HISPRO evaluation beside the auditor results; HISPRO is an evaluating body, not an auditor qualification."
  - clause: "PGL-1.1 4.3 脚注24"
    strength: should
    quote: "一般社団法人保健医療福祉情報安全管理適合性評価協会(HISPRO)による、医療情報に関する IT サービスに関するガイドラインへの適合性評価"
    verified: true
    note: "In 1.1 HISPRO is named as a third-party evaluator for 4.3, not as a certification alternative under 4.4."
  - clause: "PGL-1.1 4.4"
    strength: must
    quote: "これら認証の取得をもって、本ガイドラインが求める安全管理水準を満たすわけではないことに留意すること"
    verified: true
    note: "Backs the fix's last sentence."
rank: A
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let tables = &ctx.kb.tables;
    let provider = &model.organizations[model.system.provider];
    let certified = provider.certifications.iter().any(|c| {
        tables.certifications.contains(&c.scheme)
            || tables.alternative_certifications.contains(&c.scheme)
            || (c.scheme == CertificationScheme::ExternalAudit
                && c.auditor.is_some_and(|a| {
                    tables.auditor_qualifications.contains(&a) || tables.evaluation_bodies.contains(&a)
                }))
    });
    if !certified {
        let (pid, pname) = (&provider.id, &provider.name);
        ctx.fail(
            pid,
            Some(provider.span),
            loc!(
                "{pname} ({pid}) に Pマーク・ISMS も代替の認証・外部監査もありません",
                "{pname} ({pid}) holds neither Pマーク nor ISMS nor an accepted alternative or external audit"
            ),
        );
    }
}
