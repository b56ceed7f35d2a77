//! MEDIA003 no-egress-separation: nothing stops important data from being sent out.

use crate::rules::prelude::*;

declare_rule!(r#"
code: MEDIA003
name: no-egress-separation
title: {ja: "重要なデータの外部送出を止める仕組みがない", en: "Nothing stops important data from being sent out"}
what:
  ja: "重要な医療情報が外部へ送られるのを防ぐ対策 (ネットワーク分離、プロキシの許可リスト、DLP、USB 制御) が、システムに 1 つも記載されていないことを検出します。"
  en: "Flags systems that state no measure to stop important medical information from being sent out (network separation, a proxy allow-list, DLP, USB control)."
why:
  ja: "送出を止める仕組みがないと、マルウェア (T3) や内部不正・誤操作による外部への持ち出し (T5) を技術的に止められません。"
  en: "Without such a measure, exfiltration by malware (T3) or by insiders and mistakes (T5) cannot be stopped technically."
fix:
  ja: "重要な医療情報を扱うセグメントをネットワーク分離し、外部への通信を許可リスト方式のプロキシに限るなどの対策を導入して、モデルに記載します。"
  en: "Separate the network segments holding important medical information, limit outbound traffic to an allow-list proxy or similar, and state these measures in the model."
example:
  explanation:
    ja: "ネットワーク分離や USB 制限など、重要な情報の持ち出しを止める対策が何もないと検出される。"
    en: "Nothing that stops important data leaving (network separation, USB blocking and the like) fires."
  fires: |
    system:
      data_egress_controls: null
  element: "demo"
  passes: |
    system:
      data_egress_controls: [network_separation]
sources:
  - clause: "PGL-1.1 5.1.5(イ)⑤"
    strength: unknown
    verified: false
    note: "1.1 wording not read."
  - clause: "PGL-2.0 5.1.5(イ)⑤"
    strength: unknown
    quote: "重要な医療情報は、外部へ転送できないようネットワーク分離等に配慮する。"
    verified: false
    note: "Memo summary; 配慮する suggests a consideration rather than a must."
rank: C
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let medical = FlowIx::all(model.flows.len()).any(|f| ctx.s.is_medical_flow(f));
    if medical && model.system.data_egress_controls.is_empty() {
        let id = &model.system.id;
        ctx.fail(
            id,
            ctx.system_span(),
            loc!(
                "重要な情報が外部へ持ち出されないようにする対策がありません",
                "nothing keeps important data from leaving"
            ),
        );
    }
}
