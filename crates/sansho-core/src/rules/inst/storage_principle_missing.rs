//! INST002 storage-principle-missing: legally kept record lacks measures for 真正性, 見読性 or 保存性.

use crate::rules::prelude::*;

declare_rule!(r#"
code: INST002
name: storage-principle-missing
title: {ja: "法定保存記録に真正性・見読性・保存性の対策がない", en: "Legally kept record lacks measures for 真正性, 見読性 or 保存性"}
what:
  ja: "紙に代えて電子的に保存する法定保存記録について、真正性・見読性・保存性のいずれかを確保する対策が適用されていないことを検出します。"
  en: "Flags legally kept records stored electronically instead of on paper to which no control securing 真正性 (authenticity), 見読性 (readability) or 保存性 (preservability) applies."
why:
  ja: "真正性がなければ改竄 (T6) や作成の責任を後から確かめられず、見読性・保存性がなければ必要なときに読めないか保存期間中に失われるため、法令上の保存として認められないおそれがあります。"
  en: "Without authenticity, tampering (T6) and authorship cannot be established later; without readability and preservability the record cannot be read when needed or is lost within its retention period, so it may not count as legally kept."
fix:
  ja: "真正性 (利用者の認証、変更履歴、記録の確定、必要に応じた電子署名)、見読性 (表示・印刷の機能、非常時の参照手段)、保存性 (バックアップ、媒体の劣化対策、移行時の互換性) の対策を設け、各対策が確保する原則をモデルに記載します。"
  en: "Provide controls for authenticity (user authentication, change history, finalising records, e-signatures where needed), readability (display and print functions, emergency viewing) and preservability (backups, media-ageing plans, compatibility on migration), and state in the model which principle each control secures."
example:
  explanation:
    ja: "電子保存する診療録について、真正性の対策しかなく見読性・保存性の対策がないと検出される。医療機関等が自ら保管する記録 (scope: institution) は対象外。"
    en: "Medical records stored electronically with a control for authenticity only, none for readability and preservability, fire. Records the institution keeps itself (`scope: institution`) are not checked."
  fires: |
    controls:
      - {id: C-AUDIT, principles: [authenticity]}
  element: "record"
  passes: |
    controls:
      - {id: C-AUDIT, principles: [authenticity, readability, preservability]}
sources:
  - clause: "PGL-2.0 第6章"
    strength: must
    quote: "紙での保存が義務付けられている法定文書を電子的に保存する場合、以下を満たす必要がある。"
    verified: false
    note: "Memo summary of the institutional requirements (真正性・見読性・保存性, e-文書法 wording)."
  - clause: "PGL-1.1 第6章"
    strength: unknown
    verified: false
    note: "1.1 sections 6.1/6.2 not read; the three principles are [V] in the facts sheet from the H11/H17 notices and MGL Q&A 概Q-7, not from PGL 1.1."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for (ix, info) in InfoIx::enumerate(&model.information) {
        // Records the institution keeps itself are its own to keep.
        if !info.legal_record || !judge::in_provider_scope(info.scope) {
            continue;
        }
        let covered: std::collections::BTreeSet<StoragePrinciple> =
            judge::storage_controls(model, ix)
                .into_iter()
                .flat_map(|c| model.controls[c].principles.iter().copied())
                .collect();
        let missing: Vec<&str> = [
            (StoragePrinciple::Authenticity, "真正性 (authenticity)"),
            (StoragePrinciple::Readability, "見読性 (readability)"),
            (StoragePrinciple::Preservability, "保存性 (preservability)"),
        ]
        .iter()
        .filter(|(p, _)| !covered.contains(p))
        .map(|(_, n)| *n)
        .collect();
        if !missing.is_empty() {
            let (id, name, list) = (&info.id, &info.name, missing.join(", "));
            ctx.fail(id, Some(info.span), loc!("{name} ({id}) に対策がない原則: {list}", "{name} ({id}) has no control for: {list}"));
        }
    }
}
