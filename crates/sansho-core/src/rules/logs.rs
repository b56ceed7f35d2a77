//! LOG: log retention at least as long as the legal retention of what the log records
//! (PGL 5.1.5(イ)②), unless another period is agreed with the institution.

use super::Ctx;
use crate::diagnostics::Code;
use crate::loc;

/// Legal retention of one information kind: its own `retention_years`, else the table's.
fn legal_years(ctx: &Ctx<'_>, info: usize) -> Option<(u32, String)> {
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

pub fn check(ctx: &mut Ctx<'_>) {
    for log in &ctx.model.information {
        if log.log_of.is_empty() {
            continue;
        }
        let required = log
            .log_of
            .iter()
            .filter_map(|&i| legal_years(ctx, i).map(|(y, law)| (y, law, i)))
            .max_by_key(|(y, _, _)| *y);
        let Some((years, law, source)) = required else {
            continue;
        };
        if log.agreed_retention.is_some() {
            continue;
        }
        let (id, name, source_name) = (&log.id, &log.name, &ctx.model.information[source].name);
        match log.kept_years {
            None => ctx.emit(
                Code::LogRetentionUnknown,
                id,
                Some(log.span),
                loc!(
                    "{name} ({id}) の保存期間が書かれていません ({source_name} は {years} 年、{law})",
                    "{name} ({id}) states no retention ({source_name}: {years} years, {law})"
                ),
            ),
            Some(kept) if kept < years => ctx.emit(
                Code::LogRetentionTooShort,
                id,
                log.kept_span.or(Some(log.span)),
                loc!(
                    "{name} ({id}) は {kept} 年保存ですが、記録する {source_name} の法定保存年限は {years} 年です ({law})",
                    "{name} ({id}) is kept {kept} years but {source_name} must be kept {years} years ({law})"
                ),
            ),
            Some(_) => {}
        }
    }
}
