//! AUTH005 short-password-never-changed: password under 13 characters without MFA and never changed.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AUTH005
name: short-password-never-changed
title: {ja: "多要素認証のない 13 文字未満のパスワードに定期的な変更がない", en: "Password under 13 characters without MFA and never changed"}
what:
  ja: "多要素認証を使わずパスワードだけで認証する端末・サーバ・ネットワーク機器のうち、パスワードの最小文字数が 13 文字未満で、定期的な変更も定められていないものを検出します。多要素認証を使うもの、13 文字以上を求めるものは対象外です。"
  en: "Flags devices, servers and network equipment that authenticate by password alone, whose passwords may be shorter than 13 characters and have no periodic change. Assets with multi-factor authentication, or requiring 13 characters or more, are not affected."
why:
  ja: "多要素認証がなく文字数も少ないパスワードは、漏洩や推測の後も変更されない限り使われ続け、不正な閲覧・操作 (T1) やなりすまし (T2) の期間が長くなります。"
  en: "A short password with no second factor stays usable after it leaks or is guessed until someone changes it, prolonging unauthorised viewing or operation (T1) and impersonation (T2)."
fix:
  ja: "多要素認証を導入するか、パスワードを 13 文字以上にします。どちらもできない場合は、定期的な変更を定めます。"
  en: "Introduce multi-factor authentication or require passwords of 13 characters or more; where neither is possible, require periodic changes."
example:
  explanation:
    ja: "パスワードだけでログインし 8 文字から認める端末に定期的な変更がないと検出される。90 日ごとの変更を定めるか、13 文字以上にするか、多要素認証にすれば検出されない。"
    en: "A password-only terminal that allows eight-character passwords and never asks for a change fires. A change every 90 days, 13 characters or more, or multi-factor authentication does not."
  fires: |
    assets:
      - id: terminal
        authentication: [password]
        password_policy: {min_length: 8, character_classes: 3, reuse_prohibited: true, lockout_after: 5}
  element: "terminal"
  passes: |
    assets:
      - id: terminal
        authentication: [password]
        password_policy: {min_length: 8, character_classes: 3, reuse_prohibited: true, lockout_after: 5, rotation_days: 90}
sources:
  - clause: "MGL-6.0 チェックリスト ⑦ (令和7年度)"
    strength: as_early_as_possible
    quote: "※二要素認証、または 13 文字以上の場合は定期的な変更は不要"
    verified: true
    note: "Checklist manual draft (19102/10)."
  - clause: "MGL-6.0 Q&A (システム運用編 14)"
    strength: unknown
    verified: false
    note: "Facts sheet only (9473 p.100): periodic change not needed with random passwords of 13 characters or more managed safely."
  - clause: "MGL-7.0"
    strength: unknown
    quote: "パスワードの『定期的な変更』要件は削除"
    verified: false
    note: "[S] secondary article's words: 7.0 reportedly removes periodic change, so this rule is edition-dependent; hence warning."
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for ix in ctx.assets_with_password() {
        let a = &model.assets[ix];
        let (id, name) = (&a.id, &a.name);
        let Some(policy) = &a.password_policy else {
            ctx.unknown(
                id,
                Some(a.span),
                loc!(
                    "{name} ({id}) のパスワードの条件 (password_policy) を書いてください",
                    "state the password rules of {name} ({id}) (`password_policy`)"
                ),
            );
            continue;
        };
        // Multi-factor authentication, or 13 characters or more, makes periodic change needless.
        let single = matches!(judge::authentication(a, ctx.kb), judge::Authentication::SingleFactor(_));
        let short = policy.min_length.is_none_or(|n| n < 13);
        if single && short && policy.rotation_days.is_none() {
            ctx.fail(
                id,
                Some(policy.span),
                loc!(
                    "{name} ({id}) はパスワードだけの認証で 13 文字未満も認めますが、定期的な変更 (rotation_days) がありません",
                    "{name} ({id}) authenticates by password alone, allows fewer than 13 characters and has no periodic change (rotation_days)"
                ),
            );
        }
    }
}
