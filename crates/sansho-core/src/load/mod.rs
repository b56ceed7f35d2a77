//! Loading a model: the entry file and everything it includes, each parsed with all problems
//! reported, then validated into a [`Model`].
//!
//! The core does no I/O. The caller hands in a [`SourceProvider`] that reads a path and returns
//! bytes (the CLI reads the file system; tests and the server use [`MemoryProvider`]).

pub mod document;
mod split;
pub mod structure;
pub mod tree;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

pub use document::Limits;
use structure::SchemaChecker;

use crate::diagnostics::{Code, Diagnostic};
use crate::kb::KnowledgeBase;
use crate::loc;
use crate::model::Model;
use crate::model::raw::RawFile;
use crate::model::validate;
use crate::source::{FileId, SourceFile, Sources, Span};

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    NotFound,
    TooLarge { size: u64 },
    Other(String),
}

/// Reads files for the loader. Paths are those written in the model, joined to the including
/// file's directory and normalised lexically.
pub trait SourceProvider {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError>;
}

/// Files held in memory, for tests and for callers that already have the text.
#[derive(Debug, Default, Clone)]
pub struct MemoryProvider {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemoryProvider {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, path: &str, text: impl Into<Vec<u8>>) -> Self {
        self.files.insert(normalize(Path::new(path)), text.into());
        self
    }
}

impl SourceProvider for MemoryProvider {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        let bytes = self.files.get(path).ok_or(ReadError::NotFound)?;
        if bytes.len() > max_bytes {
            return Err(ReadError::TooLarge {
                size: bytes.len() as u64,
            });
        }
        Ok(bytes.clone())
    }
}

/// The outcome of a load: the files read, the model if there was no error, and every diagnostic.
#[derive(Debug)]
pub struct Loaded {
    pub sources: Sources,
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

fn model_checker() -> &'static Result<SchemaChecker, String> {
    static CHECKER: OnceLock<Result<SchemaChecker, String>> = OnceLock::new();
    CHECKER.get_or_init(|| SchemaChecker::new(crate::schema::model_schema()))
}

/// Lexical normalisation (no file-system access): removes `.` and folds `..`.
pub fn normalize(path: &Path) -> String {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out.to_string_lossy().replace('\\', "/")
}

/// Loads the model whose entry file is `entry`.
pub fn load(
    entry: &str,
    provider: &dyn SourceProvider,
    kb: &KnowledgeBase,
    limits: &Limits,
) -> Loaded {
    let mut sources = Sources::default();
    let mut diagnostics = Vec::new();
    let checker = match model_checker() {
        Ok(c) => c,
        Err(e) => {
            diagnostics.push(Diagnostic::new(
                Code::KbInvalid,
                loc!(
                    "モデルのスキーマを作れません: {e}",
                    "cannot build the model schema: {e}"
                ),
                None,
            ));
            return Loaded {
                sources,
                model: None,
                diagnostics,
            };
        }
    };
    let mut parsed: Vec<(FileId, RawFile)> = Vec::new();
    let mut failed = false;
    // Depth-first, in include order; `stack` holds the chain for cycle detection.
    let mut visited: BTreeMap<String, FileId> = BTreeMap::new();
    let mut work: Vec<(String, Option<Span>, Vec<String>)> =
        vec![(normalize(Path::new(entry)), None, Vec::new())];
    while let Some((path, included_at, chain)) = work.pop() {
        if chain.contains(&path) {
            let cycle = chain
                .iter()
                .chain(std::iter::once(&path))
                .cloned()
                .collect::<Vec<_>>()
                .join(" → ");
            diagnostics.push(
                Diagnostic::new(
                    Code::IncludeCycle,
                    loc!(
                        "include が循環しています: {cycle}",
                        "include cycle: {cycle}"
                    ),
                    included_at,
                )
                .with_hint(loc!(
                    "どちらかの include: を削除してください",
                    "remove one of the `include:` entries"
                )),
            );
            failed = true;
            continue;
        }
        if visited.contains_key(&path) {
            // Included twice through different chains: read once.
            continue;
        }
        if visited.len() >= limits.max_files || chain.len() > 32 {
            let max = limits.max_files;
            diagnostics.push(Diagnostic::new(
                Code::TooManyFiles,
                loc!(
                    "include のファイル数または深さが上限 ({max} ファイル / 32 階層) を超えました",
                    "includes exceed the limit ({max} files / 32 levels)"
                ),
                included_at,
            ));
            failed = true;
            break;
        }
        let bytes = match provider.read(&path, limits.max_file_bytes) {
            Ok(bytes) => bytes,
            Err(error) => {
                diagnostics.push(read_error(&path, &error, included_at, limits));
                failed = true;
                continue;
            }
        };
        let file = sources.add(SourceFile {
            path: path.clone(),
            text: String::new(),
        });
        visited.insert(path.clone(), file);
        let text = match document::decode(file, bytes, limits) {
            Ok(text) => text,
            Err(d) => {
                diagnostics.push(*d);
                failed = true;
                continue;
            }
        };
        let result = document::parse_model(file, &text, checker, limits);
        set_text(&mut sources, file, text);
        match result {
            Err(mut d) => {
                diagnostics.append(&mut d);
                failed = true;
            }
            Ok(raw) => {
                let dir = Path::new(&path)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let mut next_chain = chain.clone();
                next_chain.push(path.clone());
                // Push in reverse so includes are read in the order written.
                for include in raw.include.iter().rev() {
                    let target = normalize(&dir.join(&include.value));
                    let at = Span {
                        file,
                        line: include.pos.line,
                        column: include.pos.column,
                        offset: include.pos.offset,
                        len: include.pos.len,
                    };
                    work.push((target, Some(at), next_chain.clone()));
                }
                parsed.push((file, raw));
            }
        }
    }
    if failed {
        sort(&mut diagnostics);
        return Loaded {
            sources,
            model: None,
            diagnostics,
        };
    }
    // Files were parsed depth-first; their ids give the order in which lists are concatenated.
    parsed.sort_by_key(|(file, _)| *file);
    let (model, mut more) = validate::build(parsed, kb);
    diagnostics.append(&mut more);
    sort(&mut diagnostics);
    Loaded {
        sources,
        model,
        diagnostics,
    }
}

/// Orders diagnostics as a reader meets them: by file, line and column (stable for ties).
fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| {
        d.span
            .map_or((u32::MAX, 0, 0), |s| (s.file.0, s.line, s.column))
    });
}

fn set_text(sources: &mut Sources, file: FileId, text: String) {
    sources.set_text(file, text);
}

fn read_error(path: &str, error: &ReadError, at: Option<Span>, limits: &Limits) -> Diagnostic {
    match error {
        ReadError::NotFound => Diagnostic::new(
            Code::IncludeUnreadable,
            loc!(
                "ファイル `{path}` が見つかりません",
                "file `{path}` not found"
            ),
            at,
        )
        .with_hint(loc!(
            "パスは include を書いたファイルからの相対パスです",
            "paths are relative to the file that includes them"
        )),
        ReadError::TooLarge { size } => {
            let limit = limits.max_file_bytes;
            Diagnostic::new(
                Code::FileTooLarge,
                loc!(
                    "ファイル `{path}` が大きすぎます ({size} バイト、上限 {limit} バイト)",
                    "file `{path}` is too large ({size} bytes, limit {limit})"
                ),
                at,
            )
            .with_hint(loc!(
                "モデルを include: で複数ファイルに分けてください",
                "split the model into several files with `include:`"
            ))
        }
        ReadError::Other(message) => Diagnostic::new(
            Code::IncludeUnreadable,
            loc!(
                "ファイル `{path}` を読めません: {message}",
                "cannot read `{path}`: {message}"
            ),
            at,
        ),
    }
}
