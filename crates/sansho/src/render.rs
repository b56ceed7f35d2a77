//! Rendering diagnostics for people: a header line with code and location, then the offending
//! lines of the model with the problem underlined (miette), then the hint.

use std::io::IsTerminal;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
};
use sansho_core::{Diagnostic, Lang, Severity, Sources};

pub fn severity_word(severity: Severity, lang: Lang) -> &'static str {
    match (severity, lang) {
        (Severity::Error, Lang::Ja) => "エラー",
        (Severity::Warning, Lang::Ja) => "警告",
        (Severity::Note, Lang::Ja) => "情報",
        (Severity::Error, Lang::En) => "error",
        (Severity::Warning, Lang::En) => "warning",
        (Severity::Note, Lang::En) => "note",
    }
}

/// `path:line:column`, or `-` when the diagnostic has no place.
pub fn location(diagnostic: &Diagnostic, sources: &Sources) -> String {
    match diagnostic.span {
        Some(span) => format!("{}:{}:{}", sources.path(span.file), span.line, span.column),
        None => "-".to_owned(),
    }
}

pub fn render(diagnostic: &Diagnostic, sources: &Sources, lang: Lang) -> String {
    let mut out = format!(
        "{}[{}]: {}\n  --> {}\n",
        severity_word(diagnostic.severity, lang),
        diagnostic.code.as_str(),
        diagnostic.message.get(lang),
        location(diagnostic, sources)
    );
    if let Some(snippet) = snippet(diagnostic, sources, lang) {
        out.push_str(&snippet);
    } else if let Some(hint) = &diagnostic.hint {
        out.push_str(&format!(
            "  = {}: {}\n",
            if lang == Lang::Ja {
                "ヒント"
            } else {
                "help"
            },
            hint.get(lang)
        ));
    }
    out
}

fn snippet(diagnostic: &Diagnostic, sources: &Sources, lang: Lang) -> Option<String> {
    let span = diagnostic.span?;
    let file = sources.get(span.file)?;
    if file.text.is_empty() {
        return None;
    }
    let offset = (span.offset as usize).min(file.text.len());
    let len = if span.len == 0 {
        token_len(&file.text[offset..])
    } else {
        span.len as usize
    };
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(diagnostic.code.name().to_owned()),
        (offset, len),
    )];
    for related in &diagnostic.related {
        if related.span.file == span.file {
            let o = (related.span.offset as usize).min(file.text.len());
            let l = if related.span.len == 0 {
                token_len(&file.text[o..])
            } else {
                related.span.len as usize
            };
            labels.push(LabeledSpan::new_with_span(
                Some(related.message.get(lang).to_owned()),
                (o, l),
            ));
        }
    }
    let mut report =
        MietteDiagnostic::new(diagnostic.message.get(lang).to_owned()).with_labels(labels);
    if let Some(hint) = &diagnostic.hint {
        report = report.with_help(hint.get(lang).to_owned());
    }
    let report = Report::new(report)
        .with_source_code(NamedSource::new(file.path.clone(), file.text.clone()));
    let theme = if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .render_report(&mut out, report.as_ref())
        .ok()?;
    // The header line already carries the message; keep miette's source view and help.
    let body: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.trim_start().starts_with('╭') && !l.contains("["))
        .collect();
    Some(body.join("\n") + "\n")
}

/// Length of the token at the start of `text`, so a point span still underlines a word.
fn token_len(text: &str) -> usize {
    text.find(|c: char| c.is_whitespace() || c == ',' || c == ']' || c == '}')
        .unwrap_or(text.len())
        .max(1)
        .min(text.len().max(1))
}
