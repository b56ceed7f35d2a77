//! AUTH003 password-reuse-allowed: password reuse not prohibited.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AUTH003
name: password-reuse-allowed
title: {ja: "パスワードの使い回しが禁止されていない", en: "Password reuse not prohibited"}
what:
  ja: "パスワードを認証に使う端末・サーバ・ネットワーク機器について、同じパスワードを複数のシステムやアカウントで使い回すことの禁止が、パスワードの条件に記載されていないことを検出します。"
  en: "Flags devices, servers and network equipment that use passwords where the password rules do not state that reusing one password across systems or accounts is prohibited."
why:
  ja: "使い回したパスワードは、ひとつのシステムや外部のサービスから漏れただけで他のシステムへの侵入に使われ、なりすまし (T2) や不正な閲覧・操作 (T1) が連鎖します。"
  en: "A reused password leaked from one system or outside service opens the others too, so impersonation (T2) and unauthorised viewing or operation (T1) spread from system to system."
fix:
  ja: "パスワードの使い回しを規程で禁止して利用者に周知し、機器やサーバの管理者アカウントには機器ごとに異なるパスワードを設定してパスワード管理の仕組みで管理します。医療機関等の職員が使う端末では、その周知を医療機関等へ対応を求める事項に含めます。"
  en: "Prohibit password reuse in the rules and tell users; give each device's and server's administrator account its own password, kept in a password manager. For terminals used by the institution's staff, list informing them among the things the institution must do."
example:
  explanation:
    ja: "過去のパスワードや他のシステムと同じパスワードを使えると検出される。"
    en: "Allowing earlier passwords, or the password of another system, to be used again fires."
  fires: |
    assets:
      - id: terminal
        password_policy: {min_length: 12, character_classes: 3, reuse_prohibited: false, lockout_after: 5}
  element: "terminal"
  passes: |
    assets:
      - id: terminal
        password_policy: {min_length: 12, character_classes: 3, reuse_prohibited: true, lockout_after: 5}
sources:
  - clause: "MGL-6.0 システム運用編 8⑤"
    strength: unknown
    quote: "パスワードの使い回しを禁止している"
    verified: true
    note: "The checklist's words, which point to システム運用編 8.⑤ [V]; the wording of 8⑤ itself was not seen."
  - clause: "MGL-6.0 チェックリスト ⑧ (令和7年度)"
    strength: as_early_as_possible
    quote: "パスワードの使い回しを禁止している"
    verified: true
    note: "Checklist manual draft (19102/11); target date within 令和7年度 for a いいえ, now past."
  - clause: "MGL-7.0"
    strength: unknown
    verified: false
    note: "[S] secondary article: 7.0 adds the reuse ban to the guideline; no Japanese wording available."
severity: error
rank: B
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
        match policy.reuse_prohibited {
            Some(true) => {}
            Some(false) => ctx.fail(id, Some(policy.span), loc!("{name} ({id}) は過去のパスワードの再利用を禁止していません", "{name} ({id}) does not prohibit reusing passwords")),
            None => ctx.unknown(
                id,
                Some(policy.span),
                loc!(
                    "{name} ({id}) の password_policy にパスワードの使い回しの禁止 (reuse_prohibited) を書いてください",
                    "state `reuse_prohibited` in the `password_policy` of {name} ({id})"
                ),
            ),
        }
    }
}
