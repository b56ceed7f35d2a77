//! OPS006 patient-viewing-not-separated: patient viewing not separated from internal systems.

use crate::rules::prelude::*;

declare_rule!(r#"
code: OPS006
name: patient-viewing-not-separated
title: {ja: "患者向けの閲覧が内部システムから分離されていない", en: "Patient viewing not separated from internal systems"}
what:
  ja: "患者が医療情報を閲覧する情報流のうち、その経路が職員や事業者の情報流と同じネットワーク (インターネット以外の接続) を通るもの、つまり閲覧用のシステムが医療機関等や事業者の内部システムから切り分けられていないものを検出します。情報流ごとに 1 件、共有している接続を挙げて報告します。経路が書かれていない場合も検出します。"
  en: "Flags flows in which a patient views medical information over a path that crosses the same network (any connection other than the open internet) as flows of staff or vendors, that is, whose viewing system is not split off from the internal systems of the institution or provider. Reports once per flow and names the shared connections. A flow with no stated path is flagged too."
why:
  ja: "患者向けに公開したシステムを足場に内部へ侵入されると、多数の患者の医療情報の漏洩 (T5) や、診療を止めるランサムウェア被害 (T4) につながります。"
  en: "An attacker who gets in through the patient-facing system can reach internal systems, leading to leaks of many patients' data (T5) or ransomware that stops care (T4)."
fix:
  ja: "閲覧用のシステムやアプリケーションを内部システムから切り分け、ファイアウォール、アクセス監視、TLS による通信の暗号化、PKI による認証を組み合わせます。患者への説明と責任の範囲は医療機関等と合意します。"
  en: "Split the viewing system or application off from internal systems and combine a firewall, access monitoring, TLS encryption and PKI-based authentication. Agree with the institution how patients are informed and where responsibility lies."
example:
  explanation:
    ja: "患者がスマートフォンから診療録を閲覧する経路が、職員が使うデータセンター内 LAN を通って DB に届くと検出される。公開用のポータル (内部の DB の複製) で閲覧を完結させれば検出されない。"
    en: "A patient viewing records from a smartphone over a path that reaches the database through the data-centre LAN staff flows use fires. Viewing that ends at a public portal (a replica of the internal database) does not."
  fires: |
    actors:
      - {id: patient, name: 患者, organization: clinic, kind: patient}
    assets:
      - {id: phone, name: 患者のスマートフォン, kind: smartphone, location: room, scope: patient, authentication: [password, totp]}
    connections:
      - {id: net, name: インターネット, kind: internet, tls: {versions: [tls1.3]}}
    flows:
      - {id: OP-P1, phase: operation, layer: application, who: patient, where: room, which: phone, what: [record], how: [view], path: [phone, net, app, lan, db]}
  element: "OP-P1"
  passes: |
    actors:
      - {id: patient, name: 患者, organization: clinic, kind: patient}
    assets:
      - {id: phone, name: 患者のスマートフォン, kind: smartphone, location: room, scope: patient, authentication: [password, totp]}
      - {id: portal, name: 患者ポータル, kind: server, location: dc, exposure: internet, managed_by: acme, holds: [record], replica_of: db}
    connections:
      - {id: net, name: インターネット, kind: internet, tls: {versions: [tls1.3]}}
    flows:
      - {id: OP-P1, phase: operation, layer: application, who: patient, where: room, which: phone, what: [record], how: [view], path: [phone, net, portal]}
sources:
  - clause: "MGL-6.0 システム運用編 7⑭"
    strength: must
    quote: "医療機関等の内部のシステムに不正な侵入等が起こらないように"
    verified: true
    note: "Seed 001 ends mid-item (after 'PKI'); must is inferred from 【遵守事項】."
rank: A
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for found in judge::patient_separation(ctx.s) {
        match found {
            judge::PatientSeparation::Shared { flow, connections } => {
                let flow = &model.flows[flow];
                let id = &flow.id;
                let names = Ctx::list(connections.iter().map(|&(c, _)| model.connections[c].name.as_str()));
                let mut staff: Vec<&str> = Vec::new();
                for &(_, f) in &connections {
                    let f = model.flows[f].id.as_str();
                    if !staff.contains(&f) {
                        staff.push(f);
                    }
                }
                let staff = Ctx::list(staff.into_iter());
                // A declaration cannot make the structure separated; it is named when it says so.
                let declared: Vec<&str> = connections
                    .iter()
                    .map(|&(c, _)| &model.connections[c])
                    .filter(|c| c.remote_access.as_ref().is_some_and(|r| r.separated))
                    .map(|c| c.id.as_str())
                    .collect();
                let detail = if declared.is_empty() {
                    loc!(
                        "患者が閲覧する情報流 {id} の経路が、職員・事業者の情報流 ({staff}) も通る接続 {names} を通ります",
                        "the patient flow {id} crosses the connections {names}, which staff or vendor flows ({staff}) cross too"
                    )
                } else {
                    let declared = Ctx::list(declared.into_iter());
                    loc!(
                        "{declared} は分離済み (separated) とされていますが、患者が閲覧する情報流 {id} の経路は職員・事業者の情報流 ({staff}) と同じ接続 {names} を通ります",
                        "{declared} is declared separated, but the patient flow {id} crosses the connections {names}, which staff or vendor flows ({staff}) use too"
                    )
                };
                ctx.fail(id, Some(flow.span), detail);
            }
            judge::PatientSeparation::PathNotStated(f) => {
                let flow = &model.flows[f];
                let id = &flow.id;
                ctx.unknown(
                    id,
                    Some(flow.span),
                    loc!(
                        "患者が医療情報を閲覧する情報流 {id} の経路 (path) を書いてください",
                        "state the `path` of {id}, in which a patient views medical information"
                    ),
                );
            }
        }
    }
}
