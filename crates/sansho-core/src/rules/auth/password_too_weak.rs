//! AUTH002 password-too-weak: password length or mix of characters below the threshold.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AUTH002
name: password-too-weak
title: {ja: "パスワードの長さ・文字種の混在が基準に満たない", en: "Password length or mix of characters below the threshold"}
what:
  ja: "人が医療情報を扱う端末と、医療情報を保存・処理するサーバ・ネットワーク機器のうち、パスワードを認証に使うものについて、パスワードの最小文字数や文字種の混在が基準 (既定は英数字・記号から 3 種類以上を混在させた 8 文字以上。知識ベースの tables.password で変更できます) に満たないもの、またはパスワードの条件が記載されていないものを検出します。多要素認証を使っていても、パスワードを使う限り検出します。"
  en: "Flags devices on which a person handles medical information, and servers and network equipment that store or process it, whose password may be shorter, or drawn from fewer kinds of characters, than the threshold (by default 8 characters mixing 3 of letters, digits and symbols; `tables.password` in the knowledge base), or has no stated conditions. Multi-factor authentication does not exempt a password that is used."
why:
  ja: "短いパスワードや文字の種類が少ないパスワードは、推測や総当たりで短時間に破られ、不正な閲覧・操作 (T1) やなりすまし (T2) を招きます。厚生労働省のチェックリストは、事業者が医療機関等に導入したサーバやネットワーク機器についてもこの条件を確認項目にしています。"
  en: "Short passwords, or passwords drawn from few kinds of characters, fall quickly to guessing and brute force and lead to unauthorised viewing or operation (T1) and impersonation (T2). The MHLW checklist asks about this for the servers and network equipment a provider installs at the institution as well."
fix:
  ja: "パスワードを英数字と記号を混在させた 8 文字以上とすることをシステムで強制し、初期パスワードは最初の利用時に変更させます。医療機関等が管理する端末や機器では、その設定を医療機関等へ対応を求める事項に含めます。"
  en: "Enforce passwords of at least 8 characters that mix letters, digits and symbols, and make users change initial passwords on first use. For devices the institution manages, list these settings among the things the institution must do."
example:
  explanation:
    ja: "電子カルテ端末のパスワードが 6 文字・2 種類の文字で足りると検出され、12 文字・3 種類なら検出されない。IC カードと組み合わせていても、パスワードを使う限り対象になる。"
    en: "A terminal password that may be six characters of two classes fires; twelve characters of three classes does not. A password combined with an IC card is still checked while it is used."
  fires: |
    assets:
      - id: terminal
        password_policy: {min_length: 6, character_classes: 2, reuse_prohibited: true, lockout_after: 5}
  element: "terminal"
  passes: |
    assets:
      - id: terminal
        password_policy: {min_length: 12, character_classes: 3, reuse_prohibited: true, lockout_after: 5}
sources:
  - clause: "MGL-6.0 チェックリスト ⑦ (令和7年度)"
    strength: as_early_as_possible
    quote: "パスワードは英数字、記号が混在した8文字以上とし"
    verified: true
    note: "Checklist manual draft (19102/10); an answer いいえ needs a target date within 令和7年度, a window that closed on 2026-03-31, hence error."
  - clause: "MGL-6.0 チェックリスト (事業者確認用)"
    strength: as_early_as_possible
    quote: "「いいえ」の場合は、対策の実施にかかる令和7年度中の目標日を記入"
    verified: true
    note: "The vendor form also covers servers and network equipment installed at the institution (19099/4)."
  - clause: "PGL-1.1 別紙2 ④-9〜④-12"
    strength: unknown
    verified: false
    note: "Facts sheet only (10202 p.23): forced change of initial passwords, at least 8 characters of several classes."
severity: error
rank: B
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
        let (min_len, min_classes) = (rules.min_length, rules.min_character_classes);
        let mut gaps: Vec<Localized> = Vec::new();
        if let Some(n) = policy.min_length.filter(|&n| n < min_len) {
            gaps.push(loc!("最低 {n} 文字 (基準 {min_len} 文字以上)", "at least {n} characters (expected {min_len} or more)"));
        }
        if let Some(n) = policy.character_classes.filter(|&n| n < min_classes) {
            gaps.push(loc!("文字種 {n} 種類 (基準 {min_classes} 種類以上の混在)", "{n} character classes (expected a mix of {min_classes} or more)"));
        }
        if !gaps.is_empty() {
            let ja: Vec<&str> = gaps.iter().map(|g| g.ja.as_str()).collect();
            let en: Vec<&str> = gaps.iter().map(|g| g.en.as_str()).collect();
            let (ja, en) = (ja.join("、"), en.join("; "));
            ctx.fail(id, Some(policy.span), loc!("{name} ({id}): {ja}", "{name} ({id}): {en}"));
        } else if policy.min_length.is_none() || policy.character_classes.is_none() {
            ctx.unknown(
                id,
                Some(policy.span),
                loc!(
                    "{name} ({id}) の password_policy に最低文字数 (min_length) と文字種 (character_classes) を書いてください",
                    "state `min_length` and `character_classes` in the `password_policy` of {name} ({id})"
                ),
            );
        }
    }
}
