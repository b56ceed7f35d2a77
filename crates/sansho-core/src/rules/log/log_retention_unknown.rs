//! LOG002 log-retention-unknown: logs of legally kept information without a stated retention.

use crate::rules::prelude::*;

declare_rule!(r#"
code: LOG002
name: log-retention-unknown
title: {ja: "法定保存対象を記録するログに保存期間の記載がない", en: "Logs of legally kept information without a stated retention"}
what:
  ja: "法定保存年限がある情報を記録するログに、実際の保存期間も医療機関等と合意した保存期間も記載されていないことを検出します。"
  en: "Flags logs of information with a legal retention period that state neither how long they are actually kept nor a period agreed with the institution."
why:
  ja: "保存期間が分からないと、必要な期間ログが残るかを sansho も医療機関等も判断できず、LOG001 の確認もできません。"
  en: "Without a stated period neither sansho nor the institution can tell whether the logs survive long enough, so LOG001 cannot be checked."
fix:
  ja: "ログの実際の保存期間を記載し、記録対象の法定保存年限以上にするか、医療機関等と合意した期間を記録します。"
  en: "State how long the logs are kept, and either keep them at least as long as the legal retention period of what they record or record the period agreed with the institution."
example:
  explanation:
    ja: "診療録へのアクセスを記録するログに保存期間の記載がないと検出される。"
    en: "A log of access to medical records that states no retention fires."
  fires: |
    information:
      - {id: access-log, kept_years: null}
  element: "access-log"
  passes: |
    information:
      - {id: access-log, kept_years: 5}
sources:
  - clause: "PGL-1.1 5.1.5(イ)②"
    strength: must
    quote: "取り扱う医療情報に法定保存年限が設けられている場合は、原則として法定保存年限以上の保存期間を設けること"
    verified: true
    note: "The rule flags a missing statement rather than a breach, so warning is fitting although the clause is a must."
  - clause: "MGL-6.0 システム運用編 17①"
    strength: must
    quote: "利用者のアクセスについて、アクセスログを記録するとともに、定期的にログを確認すること"
    verified: true
    note: "Context only: 17 sets no retention period."
severity: warning
rank: C
"#);

/// Legal retention of one information kind: its own `retention_years`, else the table's.
fn legal_years(ctx: &Ctx<'_>, info: InfoIx) -> Option<(u32, String)> {
    let i = &ctx.model.information[info];
    if let Some(years) = i.retention_years {
        return Some((years, i.retention_basis.clone().unwrap_or_default()));
    }
    let entry = ctx
        .kb
        .tables
        .retention
        .iter()
        .find(|e| Some(&e.id) == i.record_type.as_ref())?;
    Some((entry.years, entry.law.clone()))
}

/// The longest legal retention among what a log records: (years, law, the information).
fn required(ctx: &Ctx<'_>, log: InfoIx) -> Option<(u32, String, InfoIx)> {
    ctx.model.information[log]
        .log_of
        .iter()
        .filter_map(|&i| legal_years(ctx, i).map(|(y, law)| (y, law, i)))
        .max_by_key(|(y, _, _)| *y)
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    for (ix, log) in InfoIx::enumerate(&model.information) {
        if log.agreed_retention.is_some() || log.kept_years.is_some() {
            continue;
        }
        let Some((years, law, source)) = required(ctx, ix) else {
            continue;
        };
        let (id, name, source_name) = (&log.id, &log.name, &model.information[source].name);
        ctx.fail(
            id,
            Some(log.span),
            loc!(
                "{name} ({id}) の保存期間が書かれていません ({source_name} は {years} 年、{law})",
                "{name} ({id}) states no retention ({source_name}: {years} years, {law})"
            ),
        );
    }
}
