//! OPS004 remote-maintenance-unrestricted: remote login not restricted to managed maintenance.

use crate::rules::prelude::*;

declare_rule!(r#"
code: OPS004
name: remote-maintenance-unrestricted
title: {ja: "リモートログインが管理された保守作業に限定されていない", en: "Remote login not restricted to managed maintenance"}
what:
  ja: "保守のためのリモートアクセスのうち、申請・承認と記録による管理された接続に限定されていないものを検出します。"
  en: "Flags remote maintenance access that is not restricted to managed sessions with application, approval and records."
why:
  ja: "常時開いたリモート接続や共有アカウントは攻撃者の侵入口となり、不正な操作 (T1) やランサムウェア (T4) の典型的な侵入経路です。"
  en: "Remote access that is always open or uses shared accounts gives attackers a way in and is a typical entry point for unauthorised operation (T1) and ransomware (T4)."
fix:
  ja: "リモートログインは、事前に申請・承認された保守作業の間だけ有効にし、保守専用のアカウントで多要素認証を行います。アクセスログを必ず取得し、作業計画と照合して医療機関等に報告します。"
  en: "Enable remote login only for maintenance applied for and approved in advance, using dedicated maintenance accounts with multi-factor authentication. Always collect access logs, reconcile them with the work plan and report to the institution."
example:
  explanation:
    ja: "保守用のリモートログインを、申請・承認された保守作業の時間と相手に限っていないと検出される。"
    en: "Remote login for maintenance that is not limited to requested and approved maintenance work fires."
  fires: |
    connections:
      - {id: lan, name: 保守回線, kind: ipsec_vpn, ike: true, remote_access: {purpose: maintenance}}
  element: "lan"
  passes: |
    connections:
      - {id: lan, name: 保守回線, kind: ipsec_vpn, ike: true, remote_access: {purpose: maintenance, restricted: true}}
sources:
  - clause: "MGL-6.0 システム運用編 7⑫"
    strength: must
    quote: "適切に管理されたリモートログインのみに制限する機能を設けなければならない"
    verified: true
    note: "Seed 001 (draft)."
  - clause: "MGL-6.0 システム運用編 10④"
    strength: unknown
    verified: false
    note: "Facts sheet only (9466 p.33, 別紙2 ①-12): always collect access logs of remote maintenance, reconcile with the plan, report."
rank: A
"#);

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for c in &model.connections {
        let Some(remote) = &c.remote_access else { continue };
        if remote.purpose == RemotePurpose::Maintenance && !remote.restricted {
            let (id, name) = (&c.id, &c.name);
            ctx.fail(
                id,
                Some(remote.span),
                loc!(
                    "{name} ({id}) の保守用リモートログインが管理された保守作業に限定されていません",
                    "remote login over {name} ({id}) is not restricted to managed maintenance"
                ),
            );
        }
    }
}
