//! Diagnostics for people at a terminal: a header line with severity, code, message and place,
//! then the offending line of the model with the problem underlined (drawn by miette), then the
//! hint.
//!
//! Whatever the input, rendering is bounded and linear in what it prints: a diagnostic shows a
//! window of at most [`WINDOW`] bytes of its line (a model saved as one line of JSON has lines of
//! megabytes), each file's lines are indexed once, at most [`Style::max_per_file`] diagnostics are
//! drawn per file (the rest are counted; all of them are in the JSON output), and text from the
//! model is cut and its control characters made visible before it reaches the terminal.

use std::io::Write;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, Report, SourceCode, SourceSpan, SpanContents,
};
use sansho_core::{Diagnostic, FileId, Lang, Severity, Sources};

/// Bytes of a long line shown around the place of a problem.
pub const WINDOW: usize = 160;
/// Bytes shown before the place of a problem when its line is cut.
const BEFORE: usize = 48;
/// Characters of a message or hint shown; the rest is cut (messages quote the model's text).
const MAX_MESSAGE_CHARS: usize = 400;

/// How diagnostics are drawn.
#[derive(Clone, Debug)]
pub struct Style {
    /// ANSI colours (only when the output is a terminal that wants them).
    pub color: bool,
    /// Diagnostics drawn per file; the rest are counted in one line.
    pub max_per_file: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            max_per_file: 50,
        }
    }
}

/// How many diagnostics were drawn and how many were only counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shown {
    pub drawn: usize,
    pub counted: usize,
}

/// Draws `diagnostics` (sorted by file, as the loader returns them) to `out`, at most
/// `style.max_per_file` per file.
pub fn write_all(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    lang: Lang,
    style: &Style,
) -> std::io::Result<Shown> {
    let mut renderer = Renderer::new(sources, lang, style);
    let mut shown = Shown::default();
    let mut per_file: std::collections::HashMap<Option<FileId>, usize> = Default::default();
    for d in diagnostics {
        let file = d.span.map(|s| s.file);
        let count = per_file.entry(file).or_default();
        *count += 1;
        if *count <= style.max_per_file {
            writeln!(out, "{}", renderer.render(d))?;
            shown.drawn += 1;
        } else {
            shown.counted += 1;
        }
    }
    let mut cut: Vec<(Option<FileId>, usize)> = per_file
        .into_iter()
        .filter(|(_, n)| *n > style.max_per_file)
        .map(|(f, n)| (f, n - style.max_per_file))
        .collect();
    cut.sort();
    for (file, rest) in cut {
        let path = file.map_or_else(|| "-".to_owned(), |f| renderer.path(f));
        match lang {
            Lang::Ja => writeln!(
                out,
                "… {path} には他に {rest} 件の問題があります (すべては --format json で出力できます)"
            )?,
            Lang::En => writeln!(
                out,
                "… {rest} more problems in {path} (--format json lists all of them)"
            )?,
        }
    }
    Ok(shown)
}

/// Draws one diagnostic.
pub fn render(diagnostic: &Diagnostic, sources: &Sources, lang: Lang, style: &Style) -> String {
    Renderer::new(sources, lang, style).render(diagnostic)
}

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
        Some(span) => format!(
            "{}:{}:{}",
            visible(sources.path(span.file), MAX_MESSAGE_CHARS),
            span.line,
            span.column
        ),
        None => "-".to_owned(),
    }
}

/// `text` cut to `max` characters, with every control character shown as `\u{..}` so that
/// nothing from a model can move the cursor, change colours or reorder a line on a terminal.
pub fn visible(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max * 4));
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        push_visible(&mut out, c);
    }
    out
}

fn push_visible(out: &mut String, c: char) {
    if c == '\t' {
        out.push(' ');
    } else if c.is_control() || is_bidi_control(c) {
        out.push_str(&c.escape_unicode().to_string());
    } else {
        out.push(c);
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

struct Renderer<'a> {
    sources: &'a Sources,
    lang: Lang,
    style: &'a Style,
    /// Start offsets of the lines of each file, computed on first use.
    lines: Vec<Option<Vec<usize>>>,
}

impl<'a> Renderer<'a> {
    fn new(sources: &'a Sources, lang: Lang, style: &'a Style) -> Self {
        Renderer {
            sources,
            lang,
            style,
            lines: vec![None; sources.len()],
        }
    }

    fn path(&self, file: FileId) -> String {
        visible(self.sources.path(file), MAX_MESSAGE_CHARS)
    }

    fn render(&mut self, diagnostic: &Diagnostic) -> String {
        let lang = self.lang;
        let mut out = format!(
            "{}[{}]: {}\n  --> {}\n",
            severity_word(diagnostic.severity, lang),
            diagnostic.code.as_str(),
            visible(diagnostic.message.get(lang), MAX_MESSAGE_CHARS),
            location(diagnostic, self.sources)
        );
        let help = if lang == Lang::Ja {
            "ヒント"
        } else {
            "help"
        };
        match self.snippet(diagnostic) {
            Some(snippet) => out.push_str(&snippet),
            None => {
                if let Some(hint) = &diagnostic.hint {
                    let hint = visible(hint.get(lang), MAX_MESSAGE_CHARS);
                    out.push_str(&format!("  = {help}: {hint}\n"));
                }
            }
        }
        // Places on other lines are listed, not drawn: drawing would print every line between.
        let Some(span) = diagnostic.span else {
            return out;
        };
        for related in &diagnostic.related {
            if !self.same_window(span, related.span) {
                let at = format!(
                    "{}:{}:{}",
                    self.path(related.span.file),
                    related.span.line,
                    related.span.column
                );
                let message = visible(related.message.get(lang), MAX_MESSAGE_CHARS);
                out.push_str(&format!("  = {message}: {at}\n"));
            }
        }
        out
    }

    fn same_window(&self, primary: sansho_core::Span, other: sansho_core::Span) -> bool {
        primary.file == other.file
            && primary.line == other.line
            && other.offset.abs_diff(primary.offset) as usize <= WINDOW / 2
    }

    fn line_starts(&mut self, file: FileId) -> Option<&[usize]> {
        let text = &self.sources.get(file)?.text;
        let slot = self.lines.get_mut(file.0 as usize)?;
        let starts = slot.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        Some(starts)
    }

    fn snippet(&mut self, diagnostic: &Diagnostic) -> Option<String> {
        let span = diagnostic.span?;
        let sources = self.sources;
        let text = sources.get(span.file)?.text.as_str();
        if text.is_empty() {
            return None;
        }
        let mut labels = vec![(
            span.offset as usize,
            span.len as usize,
            diagnostic.code.name().to_owned(),
        )];
        for related in &diagnostic.related {
            if self.same_window(span, related.span) {
                let message = visible(related.message.get(self.lang), MAX_MESSAGE_CHARS);
                labels.push((
                    related.span.offset as usize,
                    related.span.len as usize,
                    message,
                ));
            }
        }
        let starts = self.line_starts(span.file)?;
        let excerpt = Excerpt::new(text, starts, &labels)?;
        let labels: Vec<LabeledSpan> = excerpt
            .labels
            .iter()
            .enumerate()
            .map(|(i, (range, message))| {
                let span = (range.start, range.len());
                if i == 0 {
                    LabeledSpan::new_primary_with_span(Some(message.clone()), span)
                } else {
                    LabeledSpan::new_with_span(Some(message.clone()), span)
                }
            })
            .collect();
        let lang = self.lang;
        let mut report = MietteDiagnostic::new(String::new()).with_labels(labels);
        if let Some(hint) = &diagnostic.hint {
            report = report.with_help(visible(hint.get(lang), MAX_MESSAGE_CHARS));
        }
        let report = Report::new(report).with_source_code(excerpt.source);
        let theme = if self.style.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let mut out = String::new();
        GraphicalReportHandler::new_themed(theme)
            .with_context_lines(1)
            .without_primary_span_start()
            .with_width(usize::MAX / 2)
            .render_report(&mut out, report.as_ref())
            .ok()?;
        // The header line already carries the message; keep miette's source view and help.
        let body: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.trim_start().starts_with('╭'))
            .collect();
        Some(body.join("\n") + "\n")
    }
}

/// A few lines of a file, each cut to a window, with the labels moved into them.
struct Excerpt {
    source: WindowedSource,
    labels: Vec<(std::ops::Range<usize>, String)>,
}

/// The excerpt's text, numbered as the lines of the whole file.
struct WindowedSource {
    text: String,
    /// 0-based line of the file where the excerpt starts.
    first_line: usize,
}

impl SourceCode for WindowedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

impl Excerpt {
    /// The line of the first label, cut to a window around the labels that fall in it, with the
    /// lines before and after when the window starts at the beginning of its line.
    fn new(text: &str, starts: &[usize], labels: &[(usize, usize, String)]) -> Option<Excerpt> {
        let (offset, _, _) = labels.first()?;
        let offset = floor_boundary(text, (*offset).min(text.len()));
        let line = starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let (line_start, line_end) = line_bounds(text, starts, line);
        // Each label, confined to the primary line.
        let spans: Vec<(usize, usize)> = labels
            .iter()
            .map(|(o, len, _)| {
                let start = floor_boundary(text, (*o).clamp(line_start, line_end));
                let len = if *len == 0 {
                    token_len(&text[start..line_end])
                } else {
                    *len
                };
                let end = ceil_boundary(text, start.saturating_add(len).min(line_end));
                (start, end.max(start))
            })
            .collect();
        let from = if line_end - line_start <= WINDOW {
            line_start
        } else {
            floor_boundary(text, offset.saturating_sub(BEFORE).max(line_start))
        };
        let to = ceil_boundary(text, (from + WINDOW).min(line_end));
        let mut excerpt = String::new();
        let mut first_line = line;
        if from == line_start && line > 0 {
            let (s, e) = line_bounds(text, starts, line - 1);
            push_cut(&mut excerpt, text, s, e);
            excerpt.push('\n');
            first_line -= 1;
        }
        if from > line_start {
            excerpt.push('…');
        }
        // The primary line, with each label's range mapped into the cleaned text.
        let base = excerpt.len();
        let mut cleaned = String::new();
        let mut map = Vec::with_capacity(to - from + 1);
        for c in text[from..to].chars() {
            map.extend(std::iter::repeat_n(cleaned.len(), c.len_utf8()));
            push_visible(&mut cleaned, c);
        }
        map.push(cleaned.len());
        excerpt.push_str(&cleaned);
        if to < line_end {
            excerpt.push('…');
        }
        let mapped: Vec<(std::ops::Range<usize>, String)> = spans
            .iter()
            .zip(labels)
            .filter(|((s, _), _)| *s >= from && *s <= to)
            .map(|((s, e), (_, _, message))| {
                let start = base + map[s - from];
                let end = base + map[(*e).min(to) - from];
                (start..end.max(start), message.clone())
            })
            .collect();
        if from == line_start && to == line_end && line + 1 < starts.len() {
            let (s, e) = line_bounds(text, starts, line + 1);
            if s < text.len() {
                excerpt.push('\n');
                push_cut(&mut excerpt, text, s, e);
            }
        }
        Some(Excerpt {
            source: WindowedSource {
                text: excerpt,
                first_line,
            },
            labels: mapped,
        })
    }
}

/// A context line: its start, cut to the window.
fn push_cut(out: &mut String, text: &str, start: usize, end: usize) {
    let to = ceil_boundary(text, (start + WINDOW).min(end));
    for c in text[start..to].chars() {
        push_visible(out, c);
    }
    if to < end {
        out.push('…');
    }
}

/// The byte range of line `line` without its line break.
fn line_bounds(text: &str, starts: &[usize], line: usize) -> (usize, usize) {
    let start = starts
        .get(line)
        .copied()
        .unwrap_or(text.len())
        .min(text.len());
    let mut end = starts
        .get(line + 1)
        .map_or(text.len(), |next| next.saturating_sub(1))
        .max(start);
    if text.as_bytes().get(end.wrapping_sub(1)) == Some(&b'\r') && end > start {
        end -= 1;
    }
    (start, end)
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Length of the token at the start of `text`, so a point span still underlines a word; never
/// longer than a word would be.
fn token_len(text: &str) -> usize {
    let limit = floor_boundary(text, 40.min(text.len()));
    text[..limit]
        .find(|c: char| c.is_whitespace() || c == ',' || c == ']' || c == '}')
        .unwrap_or(limit)
        .max(1)
        .min(text.len().max(1))
}

#[cfg(test)]
mod tests {
    use sansho_core::{Code, Localized, SourceFile, Span};

    use super::*;

    fn sources(text: &str) -> Sources {
        let mut sources = Sources::default();
        sources.add(SourceFile {
            path: "m.yaml".into(),
            text: text.into(),
        });
        sources
    }

    fn at(offset: usize, line: u32, column: u32) -> Diagnostic {
        Diagnostic::new(
            Code::UnknownKey,
            Localized::new("不明なキー", "unknown key"),
            Some(Span {
                file: FileId(0),
                line,
                column,
                offset: u32::try_from(offset).unwrap(),
                len: 4,
            }),
        )
    }

    #[test]
    fn a_problem_deep_in_a_long_line_shows_a_window_around_it() {
        let text = format!("{{\"a\": \"{}\", \"nmae\": 1}}", "x".repeat(200_000));
        let offset = text.find("nmae").unwrap();
        let shown = render(
            &at(offset, 1, 200_010),
            &sources(&text),
            Lang::En,
            &Style::default(),
        );
        assert!(shown.contains("nmae"), "{shown}");
        assert!(shown.contains("unknown-key"), "{shown}");
        assert!(shown.len() < 2_000, "{} bytes", shown.len());
        assert!(shown.contains("--> m.yaml:1:200010"), "{shown}");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let text = "name: \"\u{1b}[31mred\u{202e}\"\nnext: 1\n";
        let shown = render(&at(6, 1, 7), &sources(text), Lang::En, &Style::default());
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
            "{shown:?}"
        );
        assert!(shown.contains("\\u{1b}"), "{shown}");
    }

    #[test]
    fn lines_are_numbered_as_in_the_file() {
        let text = "a: 1\nb: 2\nnmae: 3\nc: 4\n";
        let shown = render(&at(10, 3, 1), &sources(text), Lang::En, &Style::default());
        for line in [" 2 │ b: 2", " 3 │ nmae: 3", " 4 │ c: 4"] {
            assert!(shown.contains(line), "{line} missing in\n{shown}");
        }
    }

    #[test]
    fn only_so_many_diagnostics_are_drawn_per_file_and_the_rest_counted() {
        let text = "nmae: 1\n".repeat(100);
        let all: Vec<Diagnostic> = (0..100).map(|i| at(i * 8, i as u32 + 1, 1)).collect();
        let mut out = Vec::new();
        let style = Style {
            max_per_file: 10,
            ..Style::default()
        };
        let shown = write_all(&mut out, &all, &sources(&text), Lang::En, &style).unwrap();
        assert_eq!(
            shown,
            Shown {
                drawn: 10,
                counted: 90
            }
        );
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("90 more problems in m.yaml"), "{out}");
    }

    #[test]
    fn any_offset_and_length_renders_without_panicking() {
        let text = "é: 名前\n\r\n\u{0}x\n";
        for offset in 0..text.len() + 3 {
            for len in [0, 1, 2, 3, 1000] {
                let mut d = at(0, 1, 1);
                d.span = Some(Span {
                    file: FileId(0),
                    line: 1,
                    column: 1,
                    offset: u32::try_from(offset).unwrap(),
                    len,
                });
                let _ = render(&d, &sources(text), Lang::Ja, &Style::default());
            }
        }
    }
}
