//! OPS010 inventory-overdue: a ledger item not inventoried within the interval.

use crate::rules::prelude::*;

declare_rule!(r#"
code: OPS010
name: inventory-overdue
title: {ja: "台帳の機器・媒体の棚卸が期限を過ぎている", en: "Ledger item's inventory overdue"}
what:
  ja: "台帳に載った機器・媒体のうち、最後の棚卸から知識ベースの間隔 (既定は 12 か月) を超えてモデルの基準日を迎えたものを検出します。最後の棚卸の日は、運用記録 (`--facts`、sansho サーバーの出力) があればその記録から、なければモデルの last_inventory から取ります。どちらにもなければ、判断できない旨を警告します。"
  en: "Flags ledger items whose last inventory is more than the knowledge base's interval (12 months by default) before the model's date. The date comes from the operational records when they are read (`--facts`, exported by the sansho server), otherwise from the model's `last_inventory`; with neither, a warning says it cannot be decided."
why:
  ja: "棚卸をしなければ、台帳があっても所在の確認にならず、紛失・盗難 (T9) に気付くのが遅れます。"
  en: "Without inventories a ledger does not confirm where things are, so loss or theft (T9) is noticed late."
fix:
  ja: "棚卸を行って結果を記録します (sansho サーバーでは 運用記録 → 棚卸)。間隔は運用管理規程に定め、組織の方針に合わせて知識ベースの max_months_between_inventories で変更できます。"
  en: "Take the inventory and record the result (on the sansho server: operations → inventory). Set the interval in the operating rules; `max_months_between_inventories` in a knowledge-base file changes it to match your policy."
example:
  explanation:
    ja: "基準日 (as_of) の 12 か月以上前に棚卸したきりの保守 PC は検出される。"
    en: "A maintenance PC last counted more than 12 months before the model's date (`as_of`) fires."
  fires: |
    assets:
      - {id: laptop, name: 保守 PC, kind: terminal, location: dc, taken_out: true, encrypted_at_rest: true, holds: [record]}
    ledger:
      - {asset: laptop, last_inventory: 2025-01-10}
  element: "laptop"
  passes: |
    assets:
      - {id: laptop, name: 保守 PC, kind: terminal, location: dc, taken_out: true, encrypted_at_rest: true, holds: [record]}
    ledger:
      - {asset: laptop, last_inventory: 2026-10-01}
sources:
  - clause: "MGL-6.0 システム運用編 7⑦"
    strength: must
    quote: "可搬媒体及び情報機器の所在を台帳等により管理する手順を作成し"
    verified: true
    note: "7⑦ pairs the ledger with inventories (棚卸) without an interval; 12 months is sansho's default, overridable in the knowledge base."
  - clause: "MGL-6.0 システム運用編 7①"
    strength: must
    quote: "運用管理規程に基づき、手順の策定と管理を行い、その状況を定期的に企画管理者に報告すること"
    verified: true
    note: "Seed 001 (draft)."
severity: warning
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let (model, months) = (ctx.model, ctx.kb.tables.max_months_between_inventories);
    for entry in &model.ledger {
        let a = &model.assets[entry.asset];
        let (id, name) = (&a.id, &a.name);
        ctx.periodic(
            id,
            entry.span,
            (entry.last_inventory.as_deref(), entry.inventory_recorded),
            months,
            loc!("{name} ({id}) の最後の棚卸", "the last inventory of {name} ({id})"),
            loc!(
                "{name} ({id}) の最後の棚卸の日を last_inventory に書くか、運用記録 (--facts) を読み込んでください",
                "state {name} ({id})'s last inventory in `last_inventory`, or read the operational records (`--facts`)"
            ),
        );
    }
}
