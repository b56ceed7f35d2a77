//! Parsing one YAML document into a typed value, with every problem reported.
//!
//! Fast path: serde-saphyr straight into `T`. If that fails, the slow path builds a span tree,
//! checks it against `T`'s schema and reports all violations; serde-saphyr's own error is used
//! only when the schema check finds nothing (a problem the schema cannot express).

use serde::de::DeserializeOwned;
use serde_saphyr::budget::{BudgetBreach, EnforcingPolicy, check_yaml_budget};

use serde_json::Value;

use super::cache::ParseCache;
use super::structure::{MAX_REPORTED, SchemaChecker};
use super::tree::{self, TreeProblem};
use crate::diagnostics::{Code, Diagnostic};
use crate::loc;
use crate::model::raw::RawFile;
use crate::model::rebase::{Rebase, Shift};
use crate::source::{FileId, Span, line_col};

/// Limits that keep hostile or broken input from exhausting time or memory.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of YAML collections.
    pub max_depth: usize,
    /// Most alias (`*name`) uses in one file.
    pub max_aliases: usize,
    /// Most files one model may include, directly or not.
    pub max_files: usize,
    /// Most bytes all files of one model may hold together (a file reached many times through
    /// different paths counts each time).
    pub max_total_bytes: usize,
    /// Directories besides the entry file's own from which files may be included, written as
    /// paths in the same namespace as the entry file (the CLI's `--include-root`).
    pub include_roots: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 64 * 1024 * 1024,
            max_depth: 64,
            max_aliases: 10_000,
            max_files: 1_000,
            max_total_bytes: 256 * 1024 * 1024,
            include_roots: Vec::new(),
        }
    }
}

/// Checks bytes for UTF-8 and size, returning the text or a diagnostic.
pub fn decode(file: FileId, bytes: Vec<u8>, limits: &Limits) -> Result<String, Box<Diagnostic>> {
    if bytes.len() > limits.max_file_bytes {
        let (size, limit) = (bytes.len(), limits.max_file_bytes);
        return Err(Box::new(
            Diagnostic::new(
                Code::FileTooLarge,
                loc!(
                    "ファイルが大きすぎます ({size} バイト、上限 {limit} バイト)",
                    "file is too large ({size} bytes, limit {limit})"
                ),
                Some(Span::point(file, 1, 1, 0)),
            )
            .with_hint(loc!(
                "モデルを include: で複数ファイルに分けてください",
                "split the model into several files with `include:`"
            )),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let prefix = String::from_utf8_lossy(&bytes[..valid]);
        let (line, column) = line_col(&prefix, prefix.len());
        Diagnostic::new(
            Code::InvalidUtf8,
            loc!(
                "UTF-8 として読めないバイトがあります (バイト位置 {valid})",
                "invalid UTF-8 at byte {valid}"
            ),
            Some(Span::point(
                file,
                line,
                column,
                u32::try_from(valid).unwrap_or(u32::MAX),
            )),
        )
        .with_hint(loc!(
            "ファイルを UTF-8 で保存し直してください (Shift_JIS などは読めません)",
            "save the file as UTF-8 (Shift_JIS and other encodings are not read)"
        ))
        .into()
    })
}

/// Parses a model file: on all cores when it is large ([`super::split`]), else (or when any piece
/// fails) as a whole, which reports every problem.
pub fn parse_model(
    file: FileId,
    text: &str,
    checker: &SchemaChecker,
    limits: &Limits,
) -> Result<RawFile, Vec<Diagnostic>> {
    parse_model_kept(file, text, checker, limits, None)
}

/// [`parse_model`], taking what parsed before from `cache` and keeping what parses now.
pub fn parse_model_kept(
    file: FileId,
    text: &str,
    checker: &SchemaChecker,
    limits: &Limits,
    cache: Option<&ParseCache>,
) -> Result<RawFile, Vec<Diagnostic>> {
    with_hygiene(file, text, || {
        parse_model_text(file, text, checker, limits, cache)
    })
}

/// Runs `parse` and adds what [`super::hygiene`] finds in the same text; either makes the file
/// fail.
fn with_hygiene<T>(
    file: FileId,
    text: &str,
    parse: impl FnOnce() -> Result<T, Vec<Diagnostic>>,
) -> Result<T, Vec<Diagnostic>> {
    let mut problems = super::hygiene::check(file, text);
    match parse() {
        Ok(value) if problems.is_empty() => Ok(value),
        Ok(_) => Err(problems),
        Err(mut more) => {
            problems.append(&mut more);
            Err(problems)
        }
    }
}

fn parse_model_text(
    file: FileId,
    text: &str,
    checker: &SchemaChecker,
    limits: &Limits,
    cache: Option<&ParseCache>,
) -> Result<RawFile, Vec<Diagnostic>> {
    if let Some(pieces) = super::split::pieces(text) {
        // Each piece gets its share of the alias limit, so the whole file stays within it.
        let piece_limits = Limits {
            max_aliases: limits.max_aliases / pieces.len(),
            ..limits.clone()
        };
        // Pieces of nothing but one-line flows or assets are read without the YAML parser.
        let parse_piece = |piece: &str| {
            super::one_line::parse(piece, piece_limits.max_depth)
                .or_else(|| parse_piece_yaml(piece, &piece_limits))
        };
        let parsed = super::split::parse(
            pieces,
            |piece| match cache {
                None => super::split::parse_in_place(piece, parse_piece),
                Some(cache) => {
                    let kept = cache.get_or_parse(
                        &piece.text,
                        piece_limits.max_depth,
                        piece_limits.max_aliases,
                        || parse_piece(&piece.text),
                    )?;
                    let mut raw = RawFile::clone(&kept);
                    raw.rebase(Shift {
                        lines: piece.line_base,
                        bytes: piece.byte_base,
                    });
                    Some(raw)
                }
            },
            RawFile::append,
            RawFile::reserve_for,
        );
        if let Some(raw) = parsed {
            return Ok(raw);
        }
    } else if let Some(cache) = cache {
        // A file too small to cut is one piece, at the start of its file: nothing to move.
        let mut problems = None;
        let kept = cache.get_or_parse(text, limits.max_depth, limits.max_aliases, || {
            parse_text::<RawFile>(file, text, checker, limits)
                .map_err(|found| problems = Some(found))
                .ok()
        });
        return match (kept, problems) {
            (Some(kept), _) => Ok(RawFile::clone(&kept)),
            (None, Some(problems)) => Err(problems),
            (None, None) => parse_text::<RawFile>(file, text, checker, limits),
        };
    }
    parse_text::<RawFile>(file, text, checker, limits)
}

fn options(text: &str, limits: &Limits) -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: limits.max_depth,
            max_aliases: limits.max_aliases,
            max_events: event_budget(text),
            max_nodes: event_budget(text),
        },
    }
}

/// A piece of a split file read both ways: by the one-line reader (`None` where it leaves the
/// piece to the parser) and by the YAML parser, under `limits`. For the differential fuzz target
/// `one_line`, which holds the first equal to the second whenever the reader reads anything.
#[doc(hidden)]
pub fn piece_both_ways(piece: &str, limits: &Limits) -> (Option<RawFile>, Option<RawFile>) {
    (
        super::one_line::parse(piece, limits.max_depth),
        parse_piece_yaml(piece, limits),
    )
}

/// A piece of a split file as the YAML parser reads it; `None` if it does not parse alone.
fn parse_piece_yaml(piece: &str, limits: &Limits) -> Option<RawFile> {
    serde_saphyr::from_str_with_options::<RawFile>(piece, options(piece, limits)).ok()
}

/// Parses `text` as `T`. Returns the value, or every problem found.
pub fn parse<T: DeserializeOwned>(
    file: FileId,
    text: &str,
    checker: &SchemaChecker,
    limits: &Limits,
) -> Result<T, Vec<Diagnostic>> {
    with_hygiene(file, text, || parse_text(file, text, checker, limits))
}

fn parse_text<T: DeserializeOwned>(
    file: FileId,
    text: &str,
    checker: &SchemaChecker,
    limits: &Limits,
) -> Result<T, Vec<Diagnostic>> {
    let options = options(text, limits);
    // An empty document is an empty model file, not an error.
    let effective = if text.trim().is_empty() { "{}" } else { text };
    // The typed parse enforces the budget itself; only when it fails is the text checked again,
    // so that a limit is reported as such and hostile input never reaches the tree builder.
    let error = match serde_saphyr::from_str_with_options::<T>(effective, options) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    if let Some(breach) = budget_breach(file, text, limits) {
        return Err(vec![breach]);
    }
    let mut diagnostics = Vec::new();
    let mut items_skipped = false;
    let mut on_item = |key: &str, index: usize, item: Value, positions: tree::PosIndex| {
        if diagnostics.len() >= MAX_REPORTED {
            items_skipped = true;
            return;
        }
        checker.check_item(file, key, index, &item, &positions, &mut diagnostics);
    };
    let parsed = tree::parse_streaming(
        effective,
        event_budget(text),
        &|key| checker.checks_items_of(key),
        &mut on_item,
    );
    match parsed {
        Err(problem) => diagnostics.push(tree_problem(file, problem)),
        Ok((skeleton, index, problems)) => {
            diagnostics.extend(problems.into_iter().map(|p| tree_problem(file, p)));
            checker.check(file, &skeleton, &index, &mut diagnostics);
        }
    }
    if items_skipped || diagnostics.len() >= MAX_REPORTED {
        diagnostics.push(too_many_problems(file));
    }
    if diagnostics.is_empty() {
        diagnostics.push(serde_error(file, &error));
    }
    Err(diagnostics)
}

/// Events grow with the file; a fixed cap would reject large real models.
fn event_budget(text: &str) -> usize {
    (text.len() / 2).max(100_000)
}

/// The first safety limit the text breaks, if any.
fn budget_breach(file: FileId, text: &str, limits: &Limits) -> Option<Diagnostic> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = limits.max_depth;
    budget.max_aliases = limits.max_aliases;
    budget.max_events = event_budget(text);
    budget.max_nodes = event_budget(text);
    match check_yaml_budget(text, budget, EnforcingPolicy::AllContent) {
        Ok(report) => report
            .breached
            .map(|breach| limit_diagnostic(file, &breach)),
        // Syntax errors are reported with better positions by the parse that follows.
        Err(_) => None,
    }
}

fn limit_diagnostic(file: FileId, breach: &BudgetBreach) -> Diagnostic {
    let what = format!("{breach:?}");
    Diagnostic::new(
        Code::YamlLimit,
        loc!(
            "YAML が安全上の上限を超えています: {what}",
            "YAML exceeds a safety limit: {what}"
        ),
        Some(Span::point(file, 1, 1, 0)),
    )
    .with_hint(loc!(
        "入れ子を浅くし、アンカー (&) とエイリアス (*) の多重展開をやめてください",
        "reduce nesting and avoid aliases (*) that expand anchors (&) many times over"
    ))
}

fn too_many_problems(file: FileId) -> Diagnostic {
    Diagnostic::new(
        Code::TooManyProblems,
        loc!(
            "このファイルには {MAX_REPORTED} 件を超える構造上の問題があります。最初の約 {MAX_REPORTED} 件だけを報告しました",
            "this file has more than {MAX_REPORTED} structural problems; only about the first {MAX_REPORTED} are reported"
        ),
        Some(Span::point(file, 1, 1, 0)),
    )
    .with_hint(loc!(
        "報告された問題を直してから、もう一度確認してください。多くは同じ原因です",
        "fix the problems reported, then check again: most share a cause"
    ))
}

fn tree_problem(file: FileId, problem: TreeProblem) -> Diagnostic {
    let span = |p: crate::model::spanned::Pos| {
        Some(Span {
            file,
            line: p.line,
            column: p.column,
            offset: p.offset,
            len: p.len,
        })
    };
    match problem {
        // The parser's own guard against deep nesting is a safety limit, not a typing mistake.
        TreeProblem::Syntax { message, pos } if message.contains("recursion limit") => {
            Diagnostic::new(
                Code::YamlLimit,
                loc!(
                    "YAML の入れ子が深すぎます ({message})",
                    "YAML nests too deep ({message})"
                ),
                span(pos),
            )
            .with_hint(loc!("入れ子を浅くしてください", "reduce the nesting"))
        }
        TreeProblem::Syntax { message, pos } => Diagnostic::new(
            Code::YamlSyntax,
            loc!(
                "YAML の構文エラー: {message}",
                "YAML syntax error: {message}"
            ),
            span(pos),
        )
        .with_hint(loc!(
            "インデント (空白のみ、タブ不可)、コロンの後の空白、引用符の閉じ忘れを確認してください",
            "check indentation (spaces, no tabs), the space after each colon and unclosed quotes"
        )),
        TreeProblem::DuplicateKey { key, pos, first } => Diagnostic::new(
            Code::DuplicateKey,
            loc!("キー `{key}` が重複しています", "duplicate key `{key}`"),
            span(pos),
        )
        .with_related(
            Span {
                file,
                line: first.line,
                column: first.column,
                offset: first.offset,
                len: first.len,
            },
            loc!("最初の定義", "first defined here"),
        )
        .with_hint(loc!("どちらか一方を削除してください", "remove one of them")),
        TreeProblem::ComplexKey { pos } => Diagnostic::new(
            Code::WrongType,
            loc!(
                "キーには文字列を書いてください",
                "mapping keys must be plain text"
            ),
            span(pos),
        ),
        TreeProblem::TooLarge { pos } => Diagnostic::new(
            Code::YamlLimit,
            loc!(
                "エイリアスの展開が上限を超えました",
                "alias expansion exceeds the limit"
            ),
            span(pos),
        ),
    }
}

fn serde_error(file: FileId, error: &serde_saphyr::Error) -> Diagnostic {
    let (line, column, offset) = error.location().map_or((1, 1, 0), |l| {
        (
            u32::try_from(l.line()).unwrap_or(1),
            u32::try_from(l.column()).unwrap_or(1),
            l.span()
                .byte_offset()
                .and_then(|o| u32::try_from(o).ok())
                .unwrap_or(0),
        )
    });
    let message = error.without_snippet().to_string();
    let code = if message.contains("budget") || message.contains("limit") {
        Code::YamlLimit
    } else {
        Code::YamlSyntax
    };
    Diagnostic::new(
        code,
        loc!(
            "YAML を読めません: {message}",
            "cannot read YAML: {message}"
        ),
        Some(Span::point(file, line, column, offset)),
    )
}
