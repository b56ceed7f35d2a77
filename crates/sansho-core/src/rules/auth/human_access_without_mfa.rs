//! AUTH001 human-access-without-mfa: human access to medical information without multi-factor authentication.

use crate::rules::prelude::*;

declare_rule!(r#"
code: AUTH001
name: human-access-without-mfa
title: {ja: "医療情報へのアクセスに多要素認証がない", en: "Human access to medical information without multi-factor authentication"}
what:
  ja: "人が医療情報を扱う端末 (情報流の Which) の認証方式が、知識・所持・生体のうち 2 種類以上を組み合わせていないことを検出します。同じ種類の要素を 2 回使う方式 (パスワード + PIN など) は多要素とみなさず、認証方式の記載がない場合や認証がない場合も検出します。"
  en: "Flags devices on which a person handles medical information (the flow's Which) whose authentication does not combine at least two of knowledge, possession and inherence. Two factors of the same kind (a password plus a PIN) do not count as multi-factor; devices with no authentication, or none stated, are flagged too."
why:
  ja: "単一要素の認証は、推測・漏洩・盗聴された認証情報でそのまま破られ、不正な閲覧・操作 (T1) やなりすまし (T2) に直結します。被害は多数の患者の医療情報の漏洩や改竄に及び得ます。厚生労働省ガイドラインは、令和9年度に稼働する医療情報システムを新規導入・更新する際に二要素認証の採用を求めています (提供事業者ガイドラインは「可能な限り早期に」採用すべきとしています)。"
  en: "Single-factor authentication falls to guessed, leaked or intercepted credentials and leads straight to unauthorised viewing or operation (T1) and impersonation (T2). The damage can reach the medical information of many patients. The MHLW guideline requires two-factor authentication when systems that will be running in fiscal 2027 are introduced or renewed (the provider guideline asks for it as early as possible)."
fix:
  ja: "パスワードや PIN に、IC カード・ハードウェアトークン・クライアント証明書などの所持要素か生体要素を組み合わせ、所持要素が単独では使えないようにします。端末を医療機関等が管理する場合は、カードの配布や紛失時の手順など多要素認証の運用を、医療機関等へ対応を求める事項として明示します。"
  en: "Combine a password or PIN with a possession factor such as an IC card, hardware token or client certificate, or with biometrics, and never let the possession factor work on its own. Where the institution manages the terminals, list the operation of MFA (issuing cards, handling their loss) among the things the institution must do."
example:
  explanation:
    ja: "診療所の医師が電子カルテ端末で診療録を閲覧・更新する。パスワードと PIN はどちらも知識要素なので多要素にならず検出され、IC カードを組み合わせると検出されない。"
    en: "A doctor views and updates medical records on the clinic terminal. A password and a PIN are both knowledge factors, so this fires; a password with an IC card does not."
  fires: |
    assets:
      - {id: terminal, authentication: [password, pin]}
  element: "terminal"
  passes: |
    assets:
      - {id: terminal, authentication: [password, ic_card]}
sources:
  - clause: "PGL-1.1 5.1.5(イ)①"
    strength: as_early_as_possible
    quote: "可能な限り早期に採用すべきである"
    verified: true
    note: "PGL's wording for MFA is 'as early as possible', so the rule's error rests on the MGL requirement, not on PGL."
  - clause: "PGL-2.0 5.1.5(イ)①"
    strength: unknown
    quote: "異なる 2 つ以上の要素を用いる認証方式"
    verified: false
    note: "Memo wording (supports counting factor kinds, as the rule does); the 1.1 wording of this definition was not seen."
  - clause: "MGL-6.0 システム運用編 14"
    strength: must
    quote: "令和9年度時点で稼働していることが想定される医療情報システムを、今後、新規導入又は更新に際しては、二要素認証を採用するシステムの導入、又はこれに相当する対応を行うこと。"
    verified: true
    note: "Read in the 5.2→6.0 migration table (draft, wic-net 8598/2); ch.14 認証・認可 is [V] but the 遵守事項 number holding this sentence was not seen."
  - clause: "MGL-6.0 企画管理編 13"
    strength: unknown
    verified: false
    note: "Facts sheet only ([V] there, draft slides 8747 p.55): strict 当人認証 by MFA or an equally robust method; no Japanese wording seen."
  - clause: "MGL-6.0 Q&A (システム運用編 14)"
    strength: unknown
    verified: false
    note: "Facts sheet only (9473 p.99): security devices must never work alone, which backs the fix's 'possession factor never on its own'."
  - clause: "MGL-7.0"
    strength: unknown
    quote: "二要素認証の対象が『クライアント端末およびサーバ』と明確化"
    verified: false
    note: "[S] a secondary article's words, not the guideline's; reference date 令和9年4月1日 with renewal-time grace."
rank: A
"#);

/// Operations through which a person reads or changes information (not carrying, disposing).
fn accesses_content(op: Operation) -> bool {
    matches!(
        op,
        Operation::View
            | Operation::Create
            | Operation::Update
            | Operation::Delete
            | Operation::Export
            | Operation::Import
            | Operation::Restore
            | Operation::Maintain
    )
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let (model, s) = (ctx.model, ctx.s);
    for (ix, asset) in AssetIx::enumerate(&model.assets) {
        if !asset.kind.has_login() {
            continue;
        }
        // The guideline's user authentication concerns staff and vendors, not patients; an
        // emergency (break-glass) access is governed by its own procedure.
        let flows: Vec<&str> = s
            .flows_at(ix)
            .iter()
            .map(|&f| ctx.flow(f))
            .filter(|f| {
                judge::by_staff(model, f)
                    && f.break_glass.is_none()
                    && judge::flow_is_medical(model, f)
                    && f.how.iter().any(|op| accesses_content(*op))
            })
            .map(|f| f.id.as_str())
            .collect();
        if flows.is_empty() {
            continue;
        }
        let (name, id, list) = (&asset.name, &asset.id, Ctx::list(flows.into_iter()));
        let span = Some(asset.span);
        let detail = match judge::authentication(asset, ctx.kb) {
            judge::Authentication::MultiFactor => continue,
            judge::Authentication::NotStated => {
                ctx.unknown(
                    id,
                    span,
                    loc!(
                        "{name} ({id}) の認証方式 (authentication) を書いてください (情報流 {list})",
                        "state the `authentication` of {name} ({id}) (flows {list})"
                    ),
                );
                continue;
            }
            judge::Authentication::None => loc!("認証がありません", "there is no authentication"),
            judge::Authentication::SingleFactor(methods) => {
                let labels: Vec<Localized> = methods.iter().map(|m| m.label()).collect();
                let ja: Vec<&str> = labels.iter().map(|l| l.ja.as_str()).collect();
                let en: Vec<&str> = labels.iter().map(|l| l.en.as_str()).collect();
                let (ja, en) = (ja.join("と"), en.join(" + "));
                loc!(
                    "{ja}による認証は 1 種類の要素だけです",
                    "{en} is a single factor type"
                )
            }
        };
        let (dj, de) = (&detail.ja, &detail.en);
        ctx.fail(
            id,
            span,
            loc!(
                "{name} ({id}) — {dj} (情報流 {list})",
                "{name} ({id}) — {de} (flows {list})"
            ),
        );
    }
}
