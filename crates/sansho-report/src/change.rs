//! The change report (`sansho diff`): risks added, removed and re-ranked, and decisions that need
//! the institution's agreement again, as text, JSON and HTML.

use std::io::Write;

use sansho_core::Lang;
use sansho_core::diff::ChangeReport;

use crate::labels::t;

pub fn write_text(c: &ChangeReport, lang: Lang, out: &mut dyn Write) -> std::io::Result<()> {
    let l = |ja: &'static str, en: &'static str| t(lang, ja, en);
    writeln!(
        out,
        "{}: {} ({}) → {}",
        l("変更報告", "Change report"),
        c.old.system,
        c.old.as_of.as_deref().unwrap_or("-"),
        c.new.as_of.as_deref().unwrap_or("-")
    )?;
    writeln!(
        out,
        "{}: {} → {}   {}: {} → {}",
        l("情報流", "flows"),
        c.old.flows,
        c.new.flows,
        l("リスク", "risks"),
        c.old.risks,
        c.new.risks
    )?;
    let verdict = if c.needs_reagreement() {
        l(
            "医療機関等との再合意が必要な変更があります",
            "changes require re-agreement with the institution",
        )
    } else {
        l(
            "再合意が必要な変更はありません",
            "no change requires re-agreement",
        )
    };
    writeln!(out, "{verdict}\n")?;
    writeln!(
        out,
        "{} ({}):",
        l("追加されたリスク", "Risks added"),
        c.added.len()
    )?;
    for r in &c.added {
        writeln!(
            out,
            "  + {} {} ({} → {})",
            r.id,
            r.threat,
            r.rank.as_str(),
            r.residual.as_str()
        )?;
    }
    writeln!(
        out,
        "{} ({}):",
        l("削除されたリスク", "Risks removed"),
        c.removed.len()
    )?;
    for r in &c.removed {
        writeln!(out, "  - {} {} ({})", r.id, r.threat, r.rank.as_str())?;
    }
    writeln!(
        out,
        "{} ({}):",
        l("ランクが変わったリスク", "Risks re-ranked"),
        c.reranked.len()
    )?;
    for r in &c.reranked {
        writeln!(
            out,
            "  ~ {} {}→{} ({} {}→{})",
            r.id,
            r.rank_before.as_str(),
            r.rank_after.as_str(),
            l("残存", "residual"),
            r.residual_before.as_str(),
            r.residual_after.as_str()
        )?;
    }
    writeln!(
        out,
        "{} ({}):",
        l("見直しが必要な決定", "Decisions to review"),
        c.decisions_to_review.len()
    )?;
    for d in &c.decisions_to_review {
        writeln!(
            out,
            "  ! {} — {} {}",
            d.pattern,
            d.reason.get(lang),
            d.risks.join(", ")
        )?;
    }
    writeln!(
        out,
        "{} ({}) / {} ({})",
        l("新たな指摘", "New findings"),
        c.findings_added.len(),
        l("解消した指摘", "resolved"),
        c.findings_resolved.len()
    )?;
    for f in &c.findings_added {
        writeln!(out, "  + [{}] {}", f.code.as_str(), f.text(lang))?;
    }
    for f in &c.findings_resolved {
        writeln!(out, "  - [{}] {}", f.code.as_str(), f.text(lang))?;
    }
    Ok(())
}

pub fn write_json(c: &ChangeReport, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, c)?;
    writeln!(out)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn write_html(c: &ChangeReport, lang: Lang, out: &mut dyn Write) -> std::io::Result<()> {
    let mut text = Vec::new();
    write_text(c, lang, &mut text)?;
    let body = escape(&String::from_utf8_lossy(&text));
    let title = escape(&format!(
        "{} — {}",
        c.new.system,
        t(lang, "変更報告", "change report")
    ));
    let lang_code = if lang == Lang::Ja { "ja" } else { "en" };
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{lang_code}\"><head><meta charset=\"utf-8\"><title>{title}</title><style>body{{font-family:\"Noto Sans CJK JP\",sans-serif;margin:32px}}pre{{white-space:pre-wrap;font-size:13px}}</style></head><body><h1>{title}</h1><pre>{body}</pre></body></html>\n"
    )
}
