//! INST004 unencrypted-by-law-without-countermeasure: transmission unencrypted by law without eavesdropping countermeasures.

use crate::rules::prelude::*;

declare_rule!(r#"
code: INST004
name: unencrypted-by-law-without-countermeasure
title: {ja: "法令で暗号化できない送信に盗聴対策がない", en: "Transmission unencrypted by law without eavesdropping countermeasures"}
what:
  ja: "法令等の事情により医療情報を暗号化せずに送る経路のうち、盗聴への対策が記載されていないものを検出します。"
  en: "Flags routes on which law or similar circumstances require medical information to be sent unencrypted and no countermeasure against eavesdropping is stated."
why:
  ja: "暗号化されない通信は、経路上で盗聴 (T2) されると内容がそのまま漏洩 (T5) します。"
  en: "Unencrypted traffic that is intercepted on the way (T2) leaks its content as it is (T5)."
fix:
  ja: "閉域網や専用線など盗聴されにくい経路を選び、受け取る事業者と通信事業者のそれぞれで回線・機器へのアクセス制限や監視などの盗聴対策をとって、その内容を記載します。"
  en: "Choose routes that are hard to intercept, such as closed networks or leased lines, have both the receiving provider and the carriers apply countermeasures such as access restriction and monitoring of lines and equipment, and state them."
example:
  explanation:
    ja: "法令で暗号化できない通信に盗聴対策が書かれていないと検出される。"
    en: "Traffic that law keeps unencrypted with no eavesdropping countermeasure stated fires."
  fires: |
    connections:
      - {id: lan, unencrypted_by_law: true}
  element: "lan"
  passes: |
    connections:
      - {id: lan, unencrypted_by_law: true, eavesdropping_countermeasures: [回線の物理的な保護と監視]}
sources:
  - clause: "MGL-5.2 別冊 p.26 (5) 法令で定められている場合"
    strength: must
    quote: "情報処理関連事業者及びネットワーク事業者等において盗聴の脅威に対する対策を施す必要がある"
    verified: false
    note: "Official MGL 5.2 text (seed 002), the only wording seen; whether PGL 1.1 ch.6 or MGL 6.0 carry it was not checked."
  - clause: "PGL-1.1 第6章"
    strength: unknown
    verified: false
    note: "The KB's only reference; 1.1 ch.6 text on unencrypted transmission was not read."
rank: B
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for c in &model.connections {
        if c.unencrypted_by_law && c.eavesdropping_countermeasures.is_empty() {
            let (id, name) = (&c.id, &c.name);
            ctx.fail(
                id,
                Some(c.span),
                loc!(
                    "{name} ({id}) は法令により暗号化できませんが、盗聴対策が書かれていません",
                    "{name} ({id}) is unencrypted by law but lists no eavesdropping countermeasure"
                ),
            );
        }
    }
}
