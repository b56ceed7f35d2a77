//! MEDIA002 cloud-storage-not-permitted: cloud storage service not on the permitted list.

use crate::rules::prelude::*;

declare_rule!(r#"
code: MEDIA002
name: cloud-storage-not-permitted
title: {ja: "許可されていないクラウドストレージの利用", en: "Cloud storage service not on the permitted list"}
what:
  ja: "医療情報を扱うクラウドサービス (ストレージや転送サービス) のうち、許可リストにあると記載されていないものを検出します。"
  en: "Flags cloud services (storage or transfer services) handling medical information that are not stated to be on the permitted list."
why:
  ja: "許可していないクラウドストレージには管理や監査が及ばず、共有設定の誤りや個人アカウントを通じて医療情報が外部へ流出 (T5) し得ます。"
  en: "Unpermitted cloud storage escapes management and audit, and medical information can leak through wrong sharing settings or personal accounts (T5)."
fix:
  ja: "利用するクラウドサービスを評価して許可リストに登録し、それ以外へのアクセスはプロキシや URL フィルタで遮断します。許可した理由と条件を記録します。"
  en: "Assess the cloud services in use and put them on a permitted list; block access to all others with a proxy or URL filter. Record why and on what conditions each service was permitted."
example:
  explanation:
    ja: "許可していないオンラインストレージに診療録を置くと検出され、許可リストにあるサービスなら検出されない。"
    en: "Medical records in an online storage service that is not permitted fire; a service on the permitted list does not."
  fires: |
    assets:
      - {id: share, name: オンラインストレージ, kind: cloud_service, location: dc, holds: [record], cloud_permitted: false}
    backups:
      - {id: bk-db, of: [db, share]}
  element: "share"
  passes: |
    assets:
      - {id: share, name: オンラインストレージ, kind: cloud_service, location: dc, holds: [record], cloud_permitted: true}
    backups:
      - {id: bk-db, of: [db, share]}
sources:
  - clause: "PGL-1.1 5.1.5(イ)⑤"
    strength: unknown
    verified: false
    note: "1.1 wording not read."
  - clause: "PGL-2.0 5.1.5(イ)⑤"
    strength: unknown
    quote: "クラウドサービスは、許可したもの以外はアクセス制限を講じる。"
    verified: false
    note: "Memo summary; declarative, and the 望ましい of the USB sentence may govern the whole item."
severity: error
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let (model, s) = (ctx.model, ctx.s);
    for (ix, a) in AssetIx::enumerate(&model.assets) {
        if a.kind != AssetKind::CloudService {
            continue;
        }
        let medical = s.keeps_medical(ix)
            || s.medical_flows_through(ElementRef::Asset(ix)).next().is_some();
        if !medical {
            continue;
        }
        let (id, name) = (&a.id, &a.name);
        match a.cloud_permitted {
            Some(true) => {}
            Some(false) => ctx.fail(id, Some(a.span), loc!("{name} ({id}) は許可されていません", "{name} ({id}) is not permitted")),
            None => ctx.unknown(
                id,
                Some(a.span),
                loc!(
                    "{name} ({id}) が利用を許可したクラウドサービスか (cloud_permitted) を書いてください",
                    "state whether {name} ({id}) is on the permitted list (`cloud_permitted`)"
                ),
            ),
        }
    }
}
