//! BCP002 backup-generations-too-few: backup keeps too few generations.

use crate::rules::prelude::*;

declare_rule!(r#"
code: BCP002
name: backup-generations-too-few
title: {ja: "バックアップの世代数が少ない", en: "Backup keeps too few generations"}
what:
  ja: "バックアップが保持する復元可能な世代数が、知識ベースの下限 (既定は 3 世代) に満たないことを検出します。"
  en: "Flags backups that keep fewer restorable generations than the knowledge base's minimum (3 by default)."
why:
  ja: "世代が少ないと、ランサムウェア (T4) や気付かれないまま進んだ改竄・破壊 (T6) がすべての世代に及び、被害前の状態に戻せなくなります。"
  en: "With few generations, ransomware (T4) or tampering and destruction that went unnoticed (T6) can reach every copy, leaving no clean state to restore."
fix:
  ja: "復元可能な世代を複数保持し、外部保存ではバックアップの対象・頻度・世代数・方法・保管場所を SLA に明記します。下限値は組織の方針に合わせて知識ベースで変更できます。"
  en: "Keep several restorable generations, and for external storage state the scope, frequency, generations, method and location of backups in the SLA. The minimum can be changed in a knowledge-base file to match your policy."
example:
  explanation:
    ja: "バックアップを 1 世代しか残さないと、暗号化された世代で上書きされたとき戻れないため検出される。"
    en: "Keeping a single backup generation fires: once an encrypted copy overwrites it there is nothing to go back to."
  fires: |
    backups:
      - {id: bk-db, generations: 1}
  element: "bk-db"
  passes: |
    backups:
      - {id: bk-db, generations: 7}
sources:
  - clause: "MGL-6.0 システム運用編 18①"
    strength: unknown
    verified: false
    note: "Chapter 18 use is [V]; that ① asks for several generations by several methods is a facts-sheet paraphrase (9469 p.8) with no number."
  - clause: "MGL-6.0 システム運用編 12"
    strength: unknown
    quote: "12.物理的安全管理措置"
    verified: true
    note: "Chapter [V] (overview slides 6682/31 list バックアップの管理); restorable generations go into the SLA per the facts sheet; the minimum of 3 is sansho's own default."
  - clause: "PGL-1.1 5.1.5(イ)⑥"
    strength: unknown
    verified: false
    note: "⑥ is about business continuity planning and says nothing seen on backup generations; weak reference."
severity: error
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let min = ctx.kb.tables.min_backup_generations;
    for b in &model.backups {
        if b.generations < min {
            let (id, n) = (&b.id, b.generations);
            ctx.fail(
                id,
                Some(b.generations_span),
                loc!("{id} は {n} 世代です (基準 {min} 世代以上)", "{id} keeps {n} generations (at least {min} expected)"),
            );
        }
    }
}
