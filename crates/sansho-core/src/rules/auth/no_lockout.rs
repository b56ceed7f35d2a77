//! AUTH004 no-lockout: no account lockout after repeated failed logins.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AUTH004
name: no-lockout
title: {ja: "認証の失敗が続いてもアカウントがロックされない", en: "No account lockout after repeated failed logins"}
what:
  ja: "パスワードを認証に使う端末・サーバ・ネットワーク機器について、一定回数の認証の失敗でアカウントをロック (一時停止) する設定がないもの、またはその記載がないものを検出します。"
  en: "Flags devices, servers and network equipment that use passwords with no setting, or no stated setting, that locks (suspends) an account after a set number of failed logins."
why:
  ja: "失敗を何度でも繰り返せると、総当たりや多数のアカウントへの試行でパスワードが見つかり、なりすまし (T2) や不正な閲覧・操作 (T1) に至ります。"
  en: "If failures can be repeated without limit, brute force or spraying common passwords over many accounts eventually finds one, leading to impersonation (T2) and unauthorised viewing or operation (T1)."
fix:
  ja: "一定回数の連続した失敗でアカウントを一定時間ロックし、解除の手順を定めます。ロックが業務の妨げに悪用されないよう、時間による自動解除と管理者による解除を組み合わせ、失敗をアクセスログに記録します。回数や時間は組織の方針で決めます。"
  en: "Lock an account for a period after a set number of consecutive failures and define how it is unlocked. So that lockout cannot be abused to block work, combine automatic unlocking after a time with unlocking by an administrator, and record failures in the access log. Choose the count and period by your own policy."
example:
  explanation:
    ja: "何度失敗してもアカウントがロックされないと検出され、5 回の失敗でロックすれば検出されない。"
    en: "An account that never locks however often a login fails fires; one that locks after five failures does not."
  fires: |
    assets:
      - id: terminal
        password_policy: {min_length: 12, character_classes: 3, reuse_prohibited: true, lockout_after: 0}
  element: "terminal"
  passes: |
    assets:
      - id: terminal
        password_policy: {min_length: 12, character_classes: 3, reuse_prohibited: true, lockout_after: 5}
sources:
  - clause: "MGL-7.0"
    strength: unknown
    verified: false
    note: "[S] only: a secondary article reports that 7.0 adds account lockout; no MGL-6.0 or checklist wording was seen."
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let rules = ctx.kb.tables.password.clone();
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
        let max = rules.max_lockout_after;
        match policy.lockout_after {
            Some(n) if (1..=max).contains(&n) => {}
            Some(0) => ctx.fail(id, Some(policy.span), loc!("{name} ({id}) は失敗を繰り返してもロックされません", "{name} ({id}) never locks after failed logins")),
            Some(n) => ctx.fail(id, Some(policy.span), loc!("{name} ({id}) は {n} 回失敗するまでロックされません (基準 {max} 回以下)", "{name} ({id}) locks only after {n} failures ({max} or fewer expected)")),
            None => ctx.unknown(
                id,
                Some(policy.span),
                loc!(
                    "{name} ({id}) の password_policy にロックまでの失敗回数 (lockout_after) を書いてください",
                    "state `lockout_after` in the `password_policy` of {name} ({id})"
                ),
            ),
        }
    }
}
