//! BCP003 backup-not-offline: no offline or write-once backup.

use crate::rules::prelude::*;

declare_rule!(r#"
code: BCP003
name: backup-not-offline
title: {ja: "オフラインまたは追記不能のバックアップがない", en: "No offline or write-once backup"}
what:
  ja: "医療情報のバックアップに、ネットワークから切り離したコピーも、追記不能 (書き換えできない) 媒体上のコピーもないことを検出します。"
  en: "Flags medical data whose backups include neither a copy disconnected from networks nor a copy on write-once media."
why:
  ja: "ネットワークにつながったバックアップは、ランサムウェア (T4) によって本番データと同時に暗号化・削除され、復旧の手段が失われます。"
  en: "Backups reachable over the network can be encrypted or deleted by ransomware (T4) together with the live data, removing the means of recovery."
fix:
  ja: "少なくとも 1 つのコピーをネットワークから切り離すか、追記不能な媒体・ストレージに保管し、定期的に復元を試験します。"
  en: "Keep at least one copy disconnected from networks or on write-once media or storage, and test restores regularly."
example:
  explanation:
    ja: "診療録の DB のバックアップがすべてネットワークから届く場所にあると、ランサムウェアに一緒に暗号化されるため検出される。オフライン (またはWORM) の複製があれば検出されない。"
    en: "When every backup of the records database can be reached over the network, ransomware encrypts them too, so this fires; an offline (or write-once) copy does not."
  fires: |
    backups:
      - {id: bk-db, offline: false}
  element: "db"
  passes: |
    backups:
      - {id: bk-db, offline: true}
sources:
  - clause: "MGL-6.0 システム運用編 18①"
    strength: unknown
    verified: false
    note: "Facts sheet paraphrase: write-once media and backups disconnected from terminals, servers and network; wording not seen."
  - clause: "MGL-6.0 システム運用編 12"
    strength: unknown
    quote: "12.物理的安全管理措置"
    verified: true
    note: "Chapter only."
  - clause: "PGL-1.1 5.1.5(イ)⑥"
    strength: unknown
    verified: false
    note: "Weak reference, as for BCP002."
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
        let a = &model.assets[ix];
        let covering: Vec<_> = model.backups.iter().filter(|b| b.of.contains(&ix)).collect();
        if covering.is_empty() {
            continue; // BCP004
        }
        // What matters is that the data have a copy out of an attacker's reach somewhere: data
        // also on offline media through another store are not a gap.
        let safe_elsewhere = a.holds.iter().filter(|&&i| ctx.is_medical(i)).all(|&info| {
            model.backups.iter().any(|b| {
                (b.offline || b.write_once)
                    && b.of.iter().any(|&other| model.assets[other].holds.contains(&info))
            })
        });
        if !covering.iter().any(|b| b.offline || b.write_once) && !safe_elsewhere {
            let (id, name) = (&a.id, &a.name);
            let list = Ctx::list(covering.iter().map(|b| b.id.as_str()));
            ctx.fail(
                id,
                Some(a.span),
                loc!(
                    "{name} ({id}) のバックアップ ({list}) にオフラインまたは追記不能の複製がありません",
                    "the backups of {name} ({id}) ({list}) have no offline or write-once copy"
                ),
            );
        }
    }
}
