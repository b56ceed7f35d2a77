//! BCP: continuity (PGL 5.1.5(イ)⑥, MGL 6.0 経営管理編 3.4.1, システム運用編 18①): the three
//! scenarios, backups of every store of medical information, several generations, and an offline
//! or write-once copy.

use super::Ctx;
use crate::diagnostics::Code;
use crate::loc;
use crate::vocab::{AssetKind, ContinuityScenario};

pub fn check(ctx: &mut Ctx<'_>) {
    let system_id = ctx.model.system.id.clone();
    for (scenario, ja, en) in [
        (ContinuityScenario::Outage, "システム停止", "system outage"),
        (
            ContinuityScenario::DemandSurge,
            "災害時の需要急増",
            "surge of demand in a disaster",
        ),
        (
            ContinuityScenario::RecoveryInconsistency,
            "復旧・再開時の不整合",
            "inconsistency on recovery",
        ),
    ] {
        if !ctx.model.continuity.iter().any(|c| c.scenario == scenario) {
            ctx.emit(
                Code::ContinuityScenarioMissing,
                &system_id,
                ctx.system_span(),
                loc!("「{ja}」の計画がありません", "no plan for {en}"),
            );
        }
    }
    let min = ctx.kb.tables.min_backup_generations;
    for b in &ctx.model.backups {
        if b.generations < min {
            let (id, n) = (&b.id, b.generations);
            ctx.emit(
                Code::BackupGenerationsTooFew,
                id,
                Some(b.generations_span),
                loc!(
                    "{id} は {n} 世代です (基準 {min} 世代以上)",
                    "{id} keeps {n} generations (at least {min} expected)"
                ),
            );
        }
    }
    for (ix, a) in ctx.model.assets.iter().enumerate() {
        // Primary stores only: servers hold data in passing, backup stores are the copies.
        let store = matches!(
            a.kind,
            AssetKind::Database | AssetKind::Storage | AssetKind::CloudService
        );
        if !store || !a.holds.iter().any(|&i| ctx.is_medical(i)) {
            continue;
        }
        let covering: Vec<_> = ctx
            .model
            .backups
            .iter()
            .filter(|b| b.of.contains(&ix))
            .collect();
        let (id, name) = (&a.id, &a.name);
        // What matters is that the data have a copy out of an attacker's reach somewhere: a
        // replica whose information is also on offline media elsewhere is not a gap.
        let safe_elsewhere = a.holds.iter().filter(|&&i| ctx.is_medical(i)).all(|&info| {
            ctx.model.backups.iter().any(|b| {
                (b.offline || b.write_once)
                    && b.of
                        .iter()
                        .any(|&other| ctx.model.assets[other].holds.contains(&info))
            })
        });
        if covering.is_empty() {
            ctx.emit(
                Code::StoreWithoutBackup,
                id,
                Some(a.span),
                loc!(
                    "{name} ({id}) はどのバックアップにも含まれていません",
                    "{name} ({id}) is in no backup"
                ),
            );
        } else if !covering.iter().any(|b| b.offline || b.write_once) && !safe_elsewhere {
            let list = Ctx::list(covering.iter().map(|b| b.id.as_str()));
            ctx.emit(
                Code::BackupNotOffline,
                id,
                Some(a.span),
                loc!("{name} ({id}) のバックアップ ({list}) にオフラインまたは追記不能の複製がありません", "the backups of {name} ({id}) ({list}) have no offline or write-once copy"),
            );
        }
    }
}
