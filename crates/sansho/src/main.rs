//! The `sansho` command: flags and wiring only. Files are read here; loading, checking and
//! assessing happen in `sansho-core`; exit codes are decided here.

mod explain;
mod fs;
mod kb;
mod render;
mod summary;
mod watch;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use sansho_core::load::{Limits, SourceProvider};
use sansho_core::result::Status;
use sansho_core::{Diagnostic, FileId, KnowledgeBase, Lang, Rank, Severity, Sources};

// A model of 100,000 flows makes about a million risks, each with its own strings; mimalloc
// allocates and frees them markedly faster than the system allocator (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code when the model or the knowledge base cannot be loaded.
const EXIT_INVALID: u8 = 2;
/// Exit code when `--fail-on` finds a risk at or above the threshold.
const EXIT_FAIL_ON: u8 = 1;

#[derive(Parser)]
#[command(
    name = "sansho",
    version,
    about = "医療情報システムのリスクアセスメント (3省2ガイドライン) / Risk assessment for medical-information systems under the Japanese guidelines"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Ja,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Ja => Lang::Ja,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
struct Common {
    /// Output language.
    #[arg(long, value_enum, default_value = "ja", global = true)]
    lang: LangArg,
    /// Knowledge-base override files (YAML), applied in order.
    #[arg(long = "kb", value_name = "FILE", global = true)]
    kb_files: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Assess a model: risks by rank, the highest risks, and policy findings.
    Assess {
        /// Entry file of the model.
        model: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Write the output to a file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Exit with 1 when a risk that is not accepted or avoided still ranks RANK or higher, or a
        /// guideline finding has rank RANK or higher.
        #[arg(long, value_name = "RANK", value_parser = parse_rank)]
        fail_on: Option<Rank>,
        /// How many of the highest risks the text summary lists.
        #[arg(long, default_value_t = 10)]
        top: usize,
        #[command(flatten)]
        common: Common,
    },
    /// Check a model and report every problem, without assessing it.
    Check {
        model: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Explain a risk (its trace), a diagnostic code, a rule of the knowledge base or a fact.
    Explain {
        /// A risk id (e.g. OP-APP-01/entry/waiting-tablet/T1), a code (e.g. P001) or a rule id.
        id: String,
        /// Entry file of the model (needed for risk ids).
        #[arg(default_value = "sansho.yaml")]
        model: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Write the deliverables: Excel workbook, HTML report, Markdown, JSON, SARIF and diagrams.
    Report {
        /// Entry file of the model.
        model: PathBuf,
        /// Directory to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Formats to write, comma-separated (xlsx, html, markdown, json, sarif, dot, mermaid, svg);
        /// all by default.
        #[arg(long, value_delimiter = ',', value_parser = parse_format)]
        formats: Vec<sansho_report::Format>,
        #[command(flatten)]
        common: Common,
    },
    /// Compare two versions (model files or JSON results): risks added, removed, re-ranked, and
    /// decisions that need the institution's agreement again.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Exit with 1 when the change needs re-agreement (for CI).
        #[arg(long)]
        fail_on_change: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Re-assess a model on every save and print what changed (risks, decisions, findings).
    Watch {
        /// Entry file of the model.
        model: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Generate a model of N flows (for benchmarks and demonstrations).
    Generate {
        /// Number of information flows.
        #[arg(long)]
        flows: usize,
        /// `hospital`: the shared benchmark's regional hospital network (clinics of five
        /// terminals, one data centre), for side-by-side timing with other tools.
        #[arg(long, value_enum, default_value = "hospital")]
        shape: Shape,
        /// Write to a file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// List the guideline rules with their clauses.
    Rules {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        common: Common,
    },
    /// Write a starter model that passes validation.
    Init {
        /// Directory to write `sansho.yaml` into.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print a JSON Schema (draft-07).
    Schema {
        #[arg(value_enum, default_value = "model")]
        which: SchemaKind,
    },
    /// Show the knowledge base (threats, scales, matrix, rules, facts, controls, editions).
    Kb {
        #[arg(value_enum, default_value = "summary")]
        section: kb::Section,
        /// `yaml`-like JSON dump of the section instead of a table.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Shape {
    Hospital,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum DiffFormat {
    Text,
    Json,
    Html,
}

fn parse_format(text: &str) -> Result<sansho_report::Format, String> {
    sansho_report::Format::parse(text).ok_or_else(|| {
        format!(
            "`{text}` is not a report format (xlsx, html, markdown, json, sarif, dot, mermaid, svg)"
        )
    })
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    /// The model files.
    Model,
    /// Knowledge-base override files.
    Kb,
    /// The JSON result of `assess --format json`.
    Result,
}

fn parse_rank(text: &str) -> Result<Rank, String> {
    Rank::parse(text).ok_or_else(|| format!("`{text}` is not a rank (S, A, B, C or D)"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("sansho: {error:#}");
            ExitCode::from(EXIT_INVALID)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Assess {
            model,
            format,
            output,
            fail_on,
            top,
            common,
        } => assess(&model, format, output.as_deref(), fail_on, top, &common),
        Command::Check { model, common } => check(&model, &common),
        Command::Explain { id, model, common } => {
            let kb = knowledge_base(&common)?;
            explain::run(&id, &model, &kb, common.lang.into())
        }
        Command::Init { dir, force } => init(&dir, force),
        Command::Report {
            model,
            out,
            formats,
            common,
        } => report(&model, &out, &formats, &common),
        Command::Diff {
            old,
            new,
            format,
            output,
            fail_on_change,
            common,
        } => diff(
            &old,
            &new,
            format,
            output.as_deref(),
            fail_on_change,
            &common,
        ),
        Command::Watch { model, common } => {
            let kb = knowledge_base(&common)?;
            watch::run(&model, &kb, common.lang.into())
        }
        Command::Generate {
            flows,
            shape,
            output,
        } => {
            let text = match shape {
                Shape::Hospital => sansho_gen::hospital(flows),
            };
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => std::io::stdout().lock().write_all(text.as_bytes())?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { format, common } => {
            let kb = knowledge_base(&common)?;
            kb::rules(&kb, format == Format::Json, common.lang.into())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { which } => {
            let schema = match which {
                SchemaKind::Model => sansho_core::schema::model_schema(),
                SchemaKind::Kb => sansho_core::schema::kb_schema(),
                SchemaKind::Result => sansho_core::schema::result_schema(),
            };
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Kb {
            section,
            format,
            common,
        } => {
            let kb = knowledge_base(&common)?;
            kb::print(&kb, section, format == Format::Json, common.lang.into())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The built-in knowledge base with the user's override files merged in.
fn knowledge_base(common: &Common) -> anyhow::Result<KnowledgeBase> {
    let builtin = match sansho_core::kb::load::builtin() {
        Ok(kb) => kb,
        Err(diagnostics) => bail!("the built-in knowledge base is invalid: {diagnostics:?}"),
    };
    if common.kb_files.is_empty() {
        return Ok(builtin.clone());
    }
    let mut sources = Sources::default();
    let mut texts = Vec::new();
    let provider = fs::FsProvider;
    for path in &common.kb_files {
        let display = path.to_string_lossy().into_owned();
        let bytes = provider
            .read(&display, Limits::default().max_file_bytes)
            .map_err(|e| anyhow::anyhow!("cannot read knowledge-base file {display}: {e:?}"))?;
        let text = String::from_utf8(bytes).with_context(|| format!("{display} is not UTF-8"))?;
        let id = sources.add(sansho_core::SourceFile {
            path: display,
            text: text.clone(),
        });
        texts.push((id, text));
    }
    let files: Vec<(FileId, &str)> = texts.iter().map(|(id, t)| (*id, t.as_str())).collect();
    match sansho_core::kb::load::with_overrides(builtin, &files) {
        Ok(kb) => Ok(kb),
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, &sources, common.lang.into());
            bail!("the knowledge-base override is invalid")
        }
    }
}

fn print_diagnostics(diagnostics: &[Diagnostic], sources: &Sources, lang: Lang) {
    let mut stderr = std::io::stderr().lock();
    for d in diagnostics {
        let _ = writeln!(stderr, "{}", render::render(d, sources, lang));
    }
}

fn load_counts(diagnostics: &[Diagnostic], lang: Lang) -> String {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    match lang {
        Lang::Ja => format!("エラー {errors} 件、警告 {warnings} 件"),
        Lang::En => format!("{errors} errors, {warnings} warnings"),
    }
}

fn check(model: &Path, common: &Common) -> anyhow::Result<ExitCode> {
    let kb = knowledge_base(common)?;
    let lang: Lang = common.lang.into();
    let loaded = sansho_core::load::load(
        &model.to_string_lossy(),
        &fs::FsProvider,
        &kb,
        &Limits::default(),
    );
    print_diagnostics(&loaded.diagnostics, &loaded.sources, lang);
    eprintln!(
        "{}: {}",
        model.display(),
        load_counts(&loaded.diagnostics, lang)
    );
    Ok(if loaded.model.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    })
}

fn assess(
    model: &Path,
    format: Format,
    output: Option<&Path>,
    fail_on: Option<Rank>,
    top: usize,
    common: &Common,
) -> anyhow::Result<ExitCode> {
    let kb = knowledge_base(common)?;
    let lang: Lang = common.lang.into();
    let (sources, assessment, diagnostics) = sansho_core::assess(
        &model.to_string_lossy(),
        &fs::FsProvider,
        &kb,
        &Limits::default(),
    );
    print_diagnostics(&diagnostics, &sources, lang);
    let Some(assessment) = assessment else {
        eprintln!("{}: {}", model.display(), load_counts(&diagnostics, lang));
        return Ok(ExitCode::from(EXIT_INVALID));
    };
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match format {
        Format::Json => {
            // Compact: a large result would grow by a third with indentation (`jq .` indents).
            serde_json::to_writer(&mut out, &assessment)?;
            writeln!(out)?;
        }
        Format::Text => summary::write(&mut out, &assessment, &sources, lang, top)?,
    }
    out.flush().with_context(|| {
        format!(
            "cannot write {}",
            output.map_or("stdout".into(), |p| p.display().to_string())
        )
    })?;
    drop(out);
    if let Some(threshold) = fail_on {
        let remaining = assessment
            .risks
            .iter()
            .filter(|r| {
                !matches!(r.status, Status::Accepted | Status::Avoided)
                    && r.effective_rank() >= threshold
            })
            .count();
        let gaps = assessment
            .findings
            .iter()
            .filter(|f| f.rank.is_some_and(|r| r >= threshold))
            .count();
        if remaining > 0 || gaps > 0 {
            let t = threshold.as_str();
            match lang {
                Lang::Ja => eprintln!(
                    "--fail-on {t}: 受容・回避されていない {t} ランク以上のリスクが {remaining} 件、{t} ランク以上のガイドライン指摘が {gaps} 件あります"
                ),
                Lang::En => eprintln!(
                    "--fail-on {t}: {remaining} risks at rank {t} or above remain (not accepted or avoided), and {gaps} guideline findings rank {t} or above"
                ),
            }
            return Ok(ExitCode::from(EXIT_FAIL_ON));
        }
    }
    exit_without_drop(assessment);
    Ok(ExitCode::SUCCESS)
}

/// The process ends right after; freeing a million risks one by one would only cost time.
fn exit_without_drop<T>(value: T) {
    std::mem::forget(value);
}

/// Loads and assesses a model, printing its problems; `None` when it does not load.
fn assess_model(model: &Path, kb: &KnowledgeBase, lang: Lang) -> Option<sansho_core::Assessment> {
    let (sources, assessment, diagnostics) = sansho_core::assess(
        &model.to_string_lossy(),
        &fs::FsProvider,
        kb,
        &Limits::default(),
    );
    print_diagnostics(&diagnostics, &sources, lang);
    if assessment.is_none() {
        eprintln!("{}: {}", model.display(), load_counts(&diagnostics, lang));
    }
    assessment
}

fn report(
    model: &Path,
    out: &Path,
    formats: &[sansho_report::Format],
    common: &Common,
) -> anyhow::Result<ExitCode> {
    let kb = knowledge_base(common)?;
    let lang: Lang = common.lang.into();
    let Some(assessment) = assess_model(model, &kb, lang) else {
        return Ok(ExitCode::from(EXIT_INVALID));
    };
    let formats = if formats.is_empty() {
        sansho_report::Format::ALL.to_vec()
    } else {
        formats.to_vec()
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let outputs = sansho_report::outputs(&formats);
    write_outputs(&outputs, &assessment, lang, out)?;
    for output in &outputs {
        println!("{}", out.join(output.file_name()).display());
    }
    exit_without_drop(assessment);
    Ok(ExitCode::SUCCESS)
}

/// Writes report files on all cores, each streamed to its file, taken in order (the default
/// order starts with the workbook, the largest).
fn write_outputs(
    outputs: &[sansho_report::Output],
    assessment: &sansho_core::Assessment,
    lang: Lang,
    dir: &Path,
) -> anyhow::Result<()> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(outputs.len())
        .max(1);
    let write_one = |output: sansho_report::Output| -> anyhow::Result<()> {
        let path = dir.join(output.file_name());
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
        sansho_report::write_output(output, assessment, lang, &mut writer)
            .and_then(|()| writer.flush())
            .with_context(|| format!("cannot write {}", path.display()))
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&output) = outputs.get(i) else {
                            return Ok(());
                        };
                        write_one(output)?;
                    }
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a report writer panicked")))
        })
    })
}

/// A version to compare: a JSON result as written by `assess --format json`, or a model.
fn load_version(
    path: &Path,
    kb: &KnowledgeBase,
    lang: Lang,
) -> anyhow::Result<Option<sansho_core::Assessment>> {
    if path.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let assessment = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a sansho JSON result", path.display()))?;
        return Ok(Some(assessment));
    }
    Ok(assess_model(path, kb, lang))
}

fn diff(
    old: &Path,
    new: &Path,
    format: DiffFormat,
    output: Option<&Path>,
    fail_on_change: bool,
    common: &Common,
) -> anyhow::Result<ExitCode> {
    let kb = knowledge_base(common)?;
    let lang: Lang = common.lang.into();
    let (Some(before), Some(after)) =
        (load_version(old, &kb, lang)?, load_version(new, &kb, lang)?)
    else {
        return Ok(ExitCode::from(EXIT_INVALID));
    };
    let change = sansho_core::diff::compare(&before, &after);
    let mut bytes = Vec::new();
    match format {
        DiffFormat::Text => sansho_report::change::write_text(&change, lang, &mut bytes)?,
        DiffFormat::Json => sansho_report::change::write_json(&change, &mut bytes)?,
        DiffFormat::Html => sansho_report::change::write_html(&change, lang, &mut bytes)?,
    }
    match output {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(if fail_on_change && change.needs_reagreement() {
        ExitCode::from(EXIT_FAIL_ON)
    } else {
        ExitCode::SUCCESS
    })
}

const STARTER: &str = include_str!("../templates/starter.yaml");

fn init(dir: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let path = dir.join("sansho.yaml");
    if path.exists() && !force {
        bail!(
            "{} already exists (use --force to overwrite)",
            path.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(&path, STARTER).with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {}", path.display());
    println!("next: sansho assess {}", path.display());
    Ok(ExitCode::SUCCESS)
}
