//! BCP004 store-without-backup: store of medical information without backup.

use crate::rules::prelude::*;

declare_rule!(r#"
code: BCP004
name: store-without-backup
title: {ja: "医療情報の保存先にバックアップがない", en: "Store of medical information without backup"}
what:
  ja: "医療情報を保持するデータベース・ストレージ・サーバ・クラウドサービスのうち、どのバックアップの対象にもなっていないものを検出します。"
  en: "Flags databases, storage, servers and cloud services holding medical information that no backup covers."
why:
  ja: "バックアップがないと、故障や誤操作 (T7)、ランサムウェア (T4)、災害 (T11) で医療情報が失われ、保存期間中の保存性も保てません。"
  en: "Without a backup, failures and mistakes (T7), ransomware (T4) or disasters (T11) destroy the medical information, and it cannot be preserved for its retention period."
fix:
  ja: "保存先ごとにバックアップを定め、頻度・世代数・保管場所を運用管理規程に記載します。外部保存ではバックアップの内容を SLA に明記し、医療機関等に説明します。"
  en: "Define a backup for every store and write its frequency, generations and location into the operating rules. For external storage, state the backup arrangements in the SLA and explain them to the institution."
example:
  explanation:
    ja: "診療録の DB がどのバックアップにも含まれないと検出される。災害対策用のレプリカ (replica_of) は元の DB のバックアップで守られるので、それだけでは検出されない。"
    en: "A records database that no backup covers fires. A disaster-recovery replica (`replica_of`) is protected by its primary's backups and does not fire by itself."
  fires: |
    backups:
      - {id: bk-db, of: [app]}
  element: "db"
  passes: |
    assets:
      - {id: dr-db, name: DR 用レプリカ, kind: database, location: dc, holds: [record], encrypted_at_rest: true, replica_of: db}
sources:
  - clause: "MGL-6.0 システム運用編 12"
    strength: unknown
    quote: "12.物理的安全管理措置"
    verified: true
    note: "Chapter only; facts sheet: keep backups per the 運用管理規程 (frequency, method)."
  - clause: "PGL-1.1 4.1 表4-1"
    strength: unknown
    quote: "バックアップの取得及び管理"
    verified: true
    note: "KB cites '4.1'; the item is a row of 表4-1 (information to give the institution), so it supports disclosure of backups rather than a duty to back up every store."
  - clause: "PGL-1.1 5.1.5(イ)⑥"
    strength: unknown
    verified: false
    note: "Weak reference."
severity: error
rank: A
"#);

/// Primary stores of medical information the provider answers for: databases, storage and cloud
/// services that hold it, neither replicas (backed up through their primary) nor regenerable.
fn primary_stores<'m>(ctx: &Ctx<'m>) -> impl Iterator<Item = (AssetIx, &'m crate::model::Asset)> + 'm {
    let model = ctx.model;
    AssetIx::enumerate(&model.assets).filter(move |(_, a)| {
        matches!(a.kind, AssetKind::Database | AssetKind::Storage | AssetKind::CloudService)
            && judge::in_provider_scope(a.scope)
            && a.replica_of.is_none()
            && !a.regenerable
            && a.holds.iter().any(|&i| judge::info_is_medical(model, i))
    })
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let stores: Vec<AssetIx> = primary_stores(ctx).map(|(ix, _)| ix).collect();
    for ix in stores {
        if model.backups.iter().any(|b| b.of.contains(&ix)) {
            continue;
        }
        let a = &model.assets[ix];
        let (id, name) = (&a.id, &a.name);
        ctx.fail(id, Some(a.span), loc!("{name} ({id}) はどのバックアップにも含まれていません", "{name} ({id}) is in no backup"));
    }
}
