//! AGR002 certification-expired: certificate expired.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AGR002
name: certification-expired
title: {ja: "認証の有効期限が切れている", en: "Certificate expired"}
what:
  ja: "モデルに記載された組織の認証や外部監査のうち、有効期限がモデルの基準日より前に切れているものを検出します。"
  en: "Flags certificates or external audits of any organisation in the model whose validity ended before the model's reference date."
why:
  ja: "期限の切れた認証は現在の管理状態を保証せず、医療機関等が選定時に確かめる適格性の根拠になりません。"
  en: "An expired certificate says nothing about the current state of management and cannot support the fitness an institution checks when choosing a provider."
fix:
  ja: "更新審査を受けて有効な証明書の期限を記載します。更新手続中の場合は、その状況と見込みを医療機関等に説明し、モデルの基準日と期限を最新にします。"
  en: "Renew the certificate and record the new validity. While renewal is in progress, explain the status and expected date to the institution, and keep the model's reference date and validity up to date."
example:
  explanation:
    ja: "再委託先の ISMAP 登録がモデルの基準日 (as_of) より前に切れていると検出される。"
    en: "A subcontractor's ISMAP registration that ended before the model's date (`as_of`) fires."
  fires: |
    organizations:
      - id: iaas
        certifications:
          - {scheme: ismap, valid_until: 2026-09-30}
  element: "iaas"
  passes: |
    organizations:
      - id: iaas
        certifications:
          - {scheme: ismap, valid_until: 2027-06-30}
sources:
  - clause: "PGL-1.1 4.4"
    strength: must
    quote: "プライバシーマーク認定または ISMS 認証25を取得すること"
    verified: true
    note: "The guideline says nothing on expiry; treating an expired certificate as not held is sansho's reading."
  - clause: "PGL-1.1 4.1 表4-1"
    strength: unknown
    quote: "Pマーク又は ISMS"
    verified: true
    note: "Row of the 1.1 list of information for the institution."
  - clause: "MGL-6.0 企画管理編 7⑥f"
    strength: unknown
    verified: false
    note: "Facts sheet (9465 p.34): Pマーク or ISMS; item f wording not quoted in guideline-verification.md."
rank: A
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    // The core reads no clock: certificates are judged against the model's own date.
    let Some(as_of) = &model.system.as_of else { return };
    for org in &model.organizations {
        for c in &org.certifications {
            let Some(until) = judge::certificate_expired(model, c.valid_until.as_deref()) else {
                continue;
            };
            let (id, name, scheme) = (&org.id, &org.name, c.scheme.label());
            let (scheme_ja, scheme_en) = (&scheme.ja, &scheme.en);
            ctx.fail(
                id,
                Some(c.span),
                loc!(
                    "{name} ({id}) の{scheme_ja}は {until} に失効しています (基準日 {as_of})",
                    "{scheme_en} of {name} ({id}) expired on {until} (model date {as_of})"
                ),
            );
        }
    }
}
