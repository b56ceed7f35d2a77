//! LOG001 log-retention-too-short: logs kept shorter than the legal retention of what they record.

use crate::rules::prelude::*;

declare_rule!(r#"
code: LOG001
name: log-retention-too-short
title: {ja: "ログの保存期間が法定保存年限より短い", en: "Logs kept shorter than the legal retention of what they record"}
what:
  ja: "法定保存年限がある情報 (診療録など) を記録するログについて、実際の保存期間が記録対象の法定保存年限より短く、医療機関等と合意した保存期間も記録されていないことを検出します。年限は情報に記載した年数か、保存年限表 (sansho kb retention) の記録種別から求めます。"
  en: "Flags logs of information with a legal retention period (such as medical records) that are kept for less than that period when no period agreed with the institution is recorded. The period comes from the information's stated years or from its record type in the retention table (sansho kb retention)."
why:
  ja: "ログは不正アクセスや改竄の範囲と原因を遡って確かめる手掛かりであり、記録対象より先に消えると、その期間の不正な閲覧・操作 (T1) や改竄 (T6) を調査も説明もできなくなります。"
  en: "Logs are how the scope and cause of unauthorised access or tampering are traced afterwards; if they disappear before the records they cover, unauthorised viewing or operation (T1) and tampering (T6) in that period can be neither investigated nor explained."
fix:
  ja: "ログを記録対象の法定保存年限以上保存します。年限が非常に長いなど現実的でない場合は、ログの利用目的とリスクを踏まえて医療機関等と協議し、合意した期間と相手・日付を記録します。同梱の保存年限表には未検証の項目があるため、必要に応じて知識ベースで上書きしてください。"
  en: "Keep logs at least as long as the legal retention period of what they record. Where that is impractical, for instance because the period is very long, agree a period with the institution based on the purpose of the logs and the risks, and record the period, the party and the date. The shipped retention table contains unverified entries; override them in a knowledge-base file where needed."
example:
  explanation:
    ja: "アクセスログは 5 年保存の診療録へのアクセスを記録する。1 年しか保存しないと検出され、5 年保存すれば検出されない (医療機関等と合意した期間を agreed_retention に記録しても検出されない)。"
    en: "The access log records access to medical records kept five years. Keeping it one year fires; keeping it five years does not (nor does recording a period agreed with the institution in `agreed_retention`)."
  fires: |
    information:
      - {id: access-log, kept_years: 1}
  element: "access-log"
  passes: |
    information:
      - {id: access-log, kept_years: 5}
sources:
  - clause: "PGL-1.1 5.1.5(イ)②"
    strength: must
    quote: "取り扱う医療情報に法定保存年限が設けられている場合は、原則として法定保存年限以上の保存期間を設けること"
    verified: true
    note: "Quote taken from the memo, which guideline-verification.md finds word for word equal to the verified 1.1 text; the agreed-period alternative is in the same item."
  - clause: "MGL-6.0 システム運用編 17①"
    strength: must
    quote: "利用者のアクセスについて、アクセスログを記録するとともに、定期的にログを確認すること"
    verified: true
    note: "17 requires logging and review, not a retention period; no retention figure was found in MGL-6.0, so this reference is context, not the basis of the length check."
  - clause: "MGL-6.0 企画管理編 5"
    strength: unknown
    verified: false
    note: "Facts sheet only (9465 p.28): keep legally required evidence; weak support for a log retention length."
rank: B
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
        if log.agreed_retention.is_some() {
            continue;
        }
        let (Some((years, law, source)), Some(kept)) = (required(ctx, ix), log.kept_years) else {
            continue;
        };
        if kept < years {
            let (id, name, source_name) = (&log.id, &log.name, &model.information[source].name);
            ctx.fail(
                id,
                log.kept_span.or(Some(log.span)),
                loc!(
                    "{name} ({id}) は {kept} 年保存ですが、記録する {source_name} の法定保存年限は {years} 年です ({law})",
                    "{name} ({id}) is kept {kept} years but {source_name} must be kept {years} years ({law})"
                ),
            );
        }
    }
}
