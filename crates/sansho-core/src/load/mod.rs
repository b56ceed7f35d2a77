//! Loading a model: the entry file and everything it includes, each parsed with all problems
//! reported, then validated into a [`Model`].
//!
//! The core does no I/O. The caller hands in a [`SourceProvider`] that reads a path and returns
//! bytes (the CLI reads the file system; tests and the server use [`MemoryProvider`]).

mod cache;
pub mod document;
mod hygiene;
mod one_line;
mod split;
pub mod structure;
pub mod tree;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

pub use cache::ParseCache;
pub use document::Limits;
use structure::SchemaChecker;

use crate::diagnostics::{Code, Diagnostic};
use crate::kb::KnowledgeBase;
use crate::loc;
use crate::model::Model;
use crate::model::raw::RawFile;
use crate::model::validate;
use crate::source::{FileId, SourceFile, Sources, Span};

/// Why a file could not be read. Providers say what they found; the loader words the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    NotFound,
    TooLarge {
        size: u64,
    },
    /// The path leads (through a symbolic link, say) outside every directory the model may read.
    OutsideRoot,
    /// Not a regular file: a directory, a device, a FIFO or a socket (`kind` says which).
    NotRegularFile {
        kind: &'static str,
    },
    /// Symbolic links that point at each other.
    SymlinkLoop,
    Other(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("not found"),
            ReadError::TooLarge { size } => write!(f, "too large ({size} bytes)"),
            ReadError::OutsideRoot => f.write_str("outside the directories the model may read"),
            ReadError::NotRegularFile { kind } => write!(f, "not a regular file ({kind})"),
            ReadError::SymlinkLoop => f.write_str("symbolic links form a loop"),
            ReadError::Other(message) => f.write_str(message),
        }
    }
}

/// Reads files for the loader. Paths are those written in the model, joined to the including
/// file's directory and normalised lexically; the loader has already refused paths that leave
/// the model's directory (see [`Limits::include_roots`]), so a provider only has to check what
/// the lexical path cannot show — symbolic links, file types, sizes.
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

impl Loaded {
    /// Applies the operational records to the model ([`Model::apply_facts`]); what they name
    /// and the model lacks joins the diagnostics. Nothing happens to a model that did not load.
    pub fn apply_facts(&mut self, facts: &crate::facts::OperationalFacts) {
        if let Some(model) = self.model.as_mut() {
            let found = model.apply_facts(facts);
            self.diagnostics.extend(found);
        }
    }
}

fn model_checker() -> &'static Result<SchemaChecker, String> {
    static CHECKER: OnceLock<Result<SchemaChecker, String>> = OnceLock::new();
    CHECKER.get_or_init(|| SchemaChecker::new(structure::draft07::<RawFile>()))
}

/// Lexical normalisation (no file-system access): removes `.` and folds `name/..`. A `..` that
/// has nothing to fold stays, so `../../x` keeps both (and `/..` is `/`). A backslash separates
/// like a slash (models written on Windows), and is read as one before anything is folded.
pub fn normalize(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in Path::new(&text).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => parts.push(component),
            },
            other => parts.push(other),
        }
    }
    let out: PathBuf = parts.iter().collect();
    out.to_string_lossy().into_owned()
}

/// Whether the normalised `path` lies inside the normalised directory `dir` (`""` is the
/// directory of a relative entry file).
fn is_within(path: &str, dir: &str) -> bool {
    let path = Path::new(path);
    if dir.is_empty() {
        return path.is_relative()
            && !matches!(path.components().next(), Some(Component::ParentDir));
    }
    path.starts_with(dir)
}

/// The directory of the entry file: every include must stay inside it or inside one of the
/// extra roots the caller allows.
fn root_of(entry: &str) -> String {
    Path::new(entry)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// File endings of model files: anything else is refused before it is read, so that no other
/// file's contents can be echoed in a diagnostic.
const MODEL_EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Loads the model whose entry file is `entry`.
pub fn load(
    entry: &str,
    provider: &dyn SourceProvider,
    kb: &KnowledgeBase,
    limits: &Limits,
) -> Loaded {
    load_with(entry, provider, kb, limits, None)
}

/// [`load`], reusing the parse of any text `cache` has seen before and keeping what is parsed
/// now. The outcome is the same as without the cache, positions and diagnostics included.
pub fn load_with(
    entry: &str,
    provider: &dyn SourceProvider,
    kb: &KnowledgeBase,
    limits: &Limits,
    cache: Option<&ParseCache>,
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
    let entry = normalize(Path::new(entry));
    let root = root_of(&entry);
    let include_roots: Vec<String> = limits
        .include_roots
        .iter()
        .map(|r| normalize(Path::new(r)))
        .collect();
    let mut total_bytes = 0usize;
    // Depth-first, in include order; `stack` holds the chain for cycle detection.
    let mut visited: BTreeMap<String, FileId> = BTreeMap::new();
    let mut work: Vec<(String, Option<Span>, Vec<String>)> =
        vec![(entry.clone(), None, Vec::new())];
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
        if let Some(refused) =
            included_at.and_then(|at| refuse_include(&path, &root, &include_roots, Some(at)))
        {
            diagnostics.push(refused);
            failed = true;
            continue;
        }
        let budget = limits
            .max_file_bytes
            .min(limits.max_total_bytes.saturating_sub(total_bytes));
        let bytes = match provider.read(&path, budget) {
            Ok(bytes) => bytes,
            Err(ReadError::TooLarge { size }) if budget < limits.max_file_bytes => {
                diagnostics.push(total_too_large(&path, size, included_at, limits));
                failed = true;
                break;
            }
            Err(error) => {
                diagnostics.push(read_error(&path, &error, included_at, limits));
                failed = true;
                continue;
            }
        };
        total_bytes += bytes.len();
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
        let result = document::parse_model_kept(file, &text, checker, limits, cache);
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

/// An include the loader will not read, whatever the provider could do: a path outside the
/// model's directory (and the extra roots), or a file that is not a model file by its name.
fn refuse_include(
    path: &str,
    root: &str,
    include_roots: &[String],
    at: Option<Span>,
) -> Option<Diagnostic> {
    let inside = is_within(path, root) || include_roots.iter().any(|r| is_within(path, r));
    if !inside {
        let shown = if root.is_empty() { "." } else { root };
        return Some(
            Diagnostic::new(
                Code::IncludeOutsideRoot,
                loc!(
                    "include `{path}` はモデルのディレクトリ ({shown}) の外にあります",
                    "include `{path}` is outside the model's directory ({shown})"
                ),
                at,
            )
            .with_hint(loc!(
                "共有ファイルはモデルのディレクトリに置くか、そのディレクトリを --include-root で許可してください",
                "keep shared files inside the model's directory, or allow their directory with --include-root"
            )),
        );
    }
    let extension = Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    if !extension.is_some_and(|e| MODEL_EXTENSIONS.contains(&e.as_str())) {
        return Some(
            Diagnostic::new(
                Code::NotAModelFile,
                loc!(
                    "include `{path}` はモデルファイルではありません (.yaml, .yml, .json のみ読みます)",
                    "include `{path}` is not a model file (only .yaml, .yml and .json are read)"
                ),
                at,
            )
            .with_hint(loc!(
                "モデルの YAML ファイルを include してください",
                "include a model YAML file"
            )),
        );
    }
    None
}

fn total_too_large(path: &str, size: u64, at: Option<Span>, limits: &Limits) -> Diagnostic {
    let limit = limits.max_total_bytes;
    Diagnostic::new(
        Code::ModelTooLarge,
        loc!(
            "`{path}` ({size} バイト) を読むと、モデルのファイルの合計が上限 {limit} バイトを超えます",
            "reading `{path}` ({size} bytes) takes the model's files past their total limit of {limit} bytes"
        ),
        at,
    )
    .with_hint(loc!(
        "同じファイルを何度も include していないか (シンボリックリンク経由を含む) 確認してください",
        "check that no file is included many times over (through symbolic links too)"
    ))
}

fn read_error(path: &str, error: &ReadError, at: Option<Span>, limits: &Limits) -> Diagnostic {
    match error {
        ReadError::OutsideRoot => Diagnostic::new(
            Code::IncludeOutsideRoot,
            loc!(
                "`{path}` はシンボリックリンクなどを通じてモデルのディレクトリの外を指しています",
                "`{path}` leads outside the model's directory (through a symbolic link, say)"
            ),
            at,
        )
        .with_hint(loc!(
            "ファイルをモデルのディレクトリにコピーするか、リンク先のディレクトリを --include-root で許可してください",
            "copy the file into the model's directory, or allow the link's target directory with --include-root"
        )),
        ReadError::NotRegularFile { kind } => Diagnostic::new(
            Code::IncludeUnreadable,
            loc!(
                "`{path}` は通常のファイルではありません ({kind})",
                "`{path}` is not a regular file ({kind})"
            ),
            at,
        )
        .with_hint(loc!(
            "モデルの YAML ファイルを指定してください",
            "name a model YAML file"
        )),
        ReadError::SymlinkLoop => Diagnostic::new(
            Code::IncludeUnreadable,
            loc!(
                "`{path}` のシンボリックリンクが循環しています",
                "the symbolic links of `{path}` form a loop"
            ),
            at,
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(entry: &str, provider: &MemoryProvider, limits: &Limits) -> Vec<(Code, String)> {
        let kb = crate::kb::load::builtin().as_ref().unwrap();
        load(entry, provider, kb, limits)
            .diagnostics
            .iter()
            .map(|d| (d.code, d.message.get(crate::Lang::En).to_owned()))
            .collect()
    }

    #[test]
    fn normalisation_keeps_every_leading_parent() {
        assert_eq!(
            normalize(Path::new("../../x/sansho.yaml")),
            "../../x/sansho.yaml"
        );
        assert_eq!(normalize(Path::new("a/../../b.yaml")), "../b.yaml");
        assert_eq!(normalize(Path::new("./a/./b/../c.yaml")), "a/c.yaml");
        assert_eq!(normalize(Path::new("/../etc/x.yaml")), "/etc/x.yaml");
        // Found by the `includes` fuzz target: backslashes turned into separators only after
        // folding let `a\..\..\x` escape the directory.
        assert_eq!(normalize(Path::new("m/a.ya\\\\..\\..\\x.yaml")), "x.yaml");
    }

    #[test]
    fn includes_stay_inside_the_root_unless_a_root_is_allowed() {
        let provider = MemoryProvider::new()
            .with("m/sansho.yaml", "include: [../shared/common.yaml]\n")
            .with("shared/common.yaml", "{}\n");
        let refused = codes("m/sansho.yaml", &provider, &Limits::default());
        assert!(
            refused.iter().any(|(c, m)| *c == Code::IncludeOutsideRoot
                && m.contains("`shared/common.yaml` is outside the model's directory (m)")),
            "{refused:?}"
        );
        let allowed = Limits {
            include_roots: vec!["shared".into()],
            ..Limits::default()
        };
        let found = codes("m/sansho.yaml", &provider, &allowed);
        assert!(
            found.iter().all(|(c, _)| *c != Code::IncludeOutsideRoot),
            "{found:?}"
        );
    }

    #[test]
    fn the_files_of_a_model_share_one_byte_budget() {
        let filler = format!("# {}\n", "x".repeat(1_000));
        let provider = MemoryProvider::new()
            .with("sansho.yaml", "include: [a.yaml, b.yaml, c.yaml]\n")
            .with("a.yaml", filler.clone())
            .with("b.yaml", filler.clone())
            .with("c.yaml", filler);
        let limits = Limits {
            max_total_bytes: 2_500,
            ..Limits::default()
        };
        let found = codes("sansho.yaml", &provider, &limits);
        assert!(
            found.iter().any(|(c, m)| *c == Code::ModelTooLarge
                && m.contains("reading `c.yaml`")
                && m.contains("total limit of 2500 bytes")),
            "{found:?}"
        );
    }

    #[test]
    fn includes_stop_at_the_file_count_and_the_depth() {
        // A chain of 40 files, each including the next: deeper than 32 levels.
        let mut provider = MemoryProvider::new();
        for i in 0..40 {
            provider = provider.with(
                &format!("f{i}.yaml"),
                format!("include: [f{}.yaml]\n", i + 1),
            );
        }
        let deep = codes("f0.yaml", &provider, &Limits::default());
        assert!(
            deep.iter()
                .any(|(c, m)| *c == Code::TooManyFiles && m.contains("32 levels")),
            "{deep:?}"
        );
        // 20 files side by side, with room for 10.
        let list: Vec<String> = (0..20).map(|i| format!("s{i}.yaml")).collect();
        let mut provider =
            MemoryProvider::new().with("sansho.yaml", format!("include: [{}]\n", list.join(", ")));
        for name in &list {
            provider = provider.with(name, "{}\n");
        }
        let limits = Limits {
            max_files: 10,
            ..Limits::default()
        };
        let wide = codes("sansho.yaml", &provider, &limits);
        assert!(
            wide.iter()
                .any(|(c, m)| *c == Code::TooManyFiles && m.contains("10 files")),
            "{wide:?}"
        );
    }
}
