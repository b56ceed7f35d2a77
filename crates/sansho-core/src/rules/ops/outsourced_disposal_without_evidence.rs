//! OPS009 outsourced-disposal-without-evidence: outsourced disposal without evidence.

use crate::rules::prelude::*;

declare_rule!(r#"
code: OPS009
name: outsourced-disposal-without-evidence
title: {ja: "委託した破棄の証跡がない", en: "Outsourced disposal without evidence"}
what:
  ja: "対象事業者以外の組織が医療情報を破棄する情報流のうち、破棄証明書などの証跡が記載されていないものを検出します。"
  en: "Flags flows in which an organisation other than the provider disposes of medical information without naming evidence such as a certificate of destruction."
why:
  ja: "証跡がないと医療情報が確実に消去されたことを確認・説明できず、残ったデータからの漏洩 (T5) に気付けません。"
  en: "Without evidence nobody can confirm or show that the medical information was really erased, and leaks from leftover data (T5) go unnoticed."
fix:
  ja: "破棄を委託する場合は、データを読み出せない状態にしたことを示す証明書 (対象・方法・日付を記載) などの証憑、または委託先の説明の記録を受け取って保管し、医療機関等に提示できるようにします。機器そのものの破棄は専門知識を持つ者が行い、読み出せる情報が残っていないことを確認します。"
  en: "When disposal is outsourced, obtain and keep evidence such as a certificate showing the data were made unreadable (items, method, date), or a record of the contractor's explanation, and be ready to show it to the institution. Devices themselves are disposed of by people with the expertise, who confirm no readable data remain."
example:
  explanation:
    ja: "契約終了時の DB の破棄を IaaS 事業者に任せるのに消去証明などの証跡がないと検出される。"
    en: "Leaving the disposal of the database at contract end to the IaaS provider without evidence such as a certificate of erasure fires."
  fires: |
    actors:
      - {id: engineer, name: 保守作業員, organization: iaas, kind: operator}
    flows:
      - {id: TRM-01, who: engineer, evidence: null}
  element: "TRM-01"
  passes: |
    actors:
      - {id: engineer, name: 保守作業員, organization: iaas, kind: operator}
    flows:
      - {id: TRM-01, who: engineer, evidence: データ消去証明書}
sources:
  - clause: "MGL-6.0 システム運用編 7⑪"
    strength: must
    quote: "確実に医療情報が破棄されたことを、証憑または事業者の説明により確認すること"
    verified: true
    note: "7⑪ accepts the contractor's explanation as well as documentary proof, and concerns external-storage contractors."
  - clause: "MGL-6.0 システム運用編 7⑩"
    strength: must
    quote: "必ず専門的な知識を有するものが行うこと"
    verified: true
    note: "Device disposal by experts with a residual-data check; backs the fix's last sentence."
  - clause: "PGL-1.1 別紙2 ③-8"
    strength: unknown
    verified: false
    note: "Facts sheet only (10202 p.3): keep a certificate that data became unreadable."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for (ix, flow) in FlowIx::enumerate(&model.flows) {
        let outsourced = flow.who.iter().any(|&a| {
            model.organizations[model.actors[a].organization].role != OrganizationRole::Provider
        });
        if flow.how.contains(&Operation::Dispose)
            && outsourced
            && ctx.s.is_medical_flow(ix)
            && flow.evidence.is_none()
        {
            let id = &flow.id;
            let who: Vec<&str> = flow.who.iter().map(|&a| model.actors[a].name.as_str()).collect();
            let who = who.join(", ");
            ctx.fail(id, Some(flow.span), loc!("情報流 {id} の破棄は {who} が行いますが証跡の計画がありません", "flow {id}: disposal by {who} has no evidence"));
        }
    }
}
