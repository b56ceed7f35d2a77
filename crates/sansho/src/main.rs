//! The `sansho` command: flags and wiring only. Files are read here; loading, checking and
//! assessing happen in `sansho-core`; exit codes are decided here.

mod explain;
mod fonts;
mod fs;
mod kb;
mod report_dir;
mod review;
mod server;
mod summary;
mod watch;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use sansho_core::load::Limits;
use sansho_core::result::Status;
use sansho_core::{Diagnostic, FileId, KnowledgeBase, Lang, Rank, Severity, Sources};

use crate::fs::{ModelLocation, Overwrite};

// A model of 100,000 flows makes about a million risks, each with its own strings; mimalloc
// allocates and frees them markedly faster than the system allocator (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process. mimalloc asks for them, and on Linux a
/// fresh huge page costs far more to fault in than its fewer TLB misses save: at 100,000 flows
/// `assess` went from 4.4–5.4 s to 3.6–3.8 s without them (docs/PERFORMANCE.md). Only this
/// process changes; the system's setting is left alone. Failing is harmless (an old kernel).
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
}

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
    /// A directory besides the model's own from which its files may include others (shared
    /// files kept next to several models). Repeatable.
    #[arg(long = "include-root", value_name = "DIR", global = true)]
    include_roots: Vec<PathBuf>,
    /// Operational records to assess with (JSON, exported by the sansho server): inventories,
    /// drills and incidents replace what the model declares where they are later.
    #[arg(long = "facts", value_name = "FILE", global = true)]
    facts: Option<PathBuf>,
}

/// Most bytes of an operational-facts file (a year of a large engagement's records is far less).
const MAX_FACTS_BYTES: usize = 64 << 20;

/// The operational facts named by `--facts`, read and checked.
pub(crate) fn read_facts(
    common: &Common,
) -> anyhow::Result<Option<sansho_core::facts::OperationalFacts>> {
    let Some(path) = &common.facts else {
        return Ok(None);
    };
    let bytes = fs::read_input(path, "operational facts", MAX_FACTS_BYTES)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| anyhow::anyhow!("operational facts {} is not UTF-8", path.display()))?;
    sansho_core::facts::parse(text).map(Some).map_err(|e| {
        let message = match Lang::from(common.lang) {
            Lang::Ja => e.message_ja(),
            Lang::En => e.to_string(),
        };
        anyhow::anyhow!("{}: {message}", path.display())
    })
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
        /// Replace an output path that is a symbolic link.
        #[arg(long)]
        force: bool,
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
        /// `json`: every diagnostic (the text output draws at most 50 per file).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
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
        /// Formats to write, comma-separated (xlsx, html, markdown, json, sarif, dot, mermaid, svg,
        /// pdf); all but pdf by default.
        #[arg(long, value_delimiter = ',', value_parser = parse_format)]
        formats: Vec<sansho_report::Format>,
        /// A font file for the PDF (TrueType or OpenType, with Japanese glyphs). Repeatable. By
        /// default a Japanese font of the system is used (IPAexGothic, Noto Sans CJK JP, ...).
        #[arg(long = "font", value_name = "FILE")]
        fonts: Vec<PathBuf>,
        /// The date written into the documents' metadata (YYYY-MM-DD); the model's `as_of` by
        /// default, so the same model always gives the same files.
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        document_date: Option<String>,
        /// Write into a directory that holds files sansho did not write, or through symbolic
        /// links.
        #[arg(long)]
        force: bool,
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
        /// Replace an output path that is a symbolic link.
        #[arg(long)]
        force: bool,
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
        /// Replace an output path that is a symbolic link.
        #[arg(long)]
        force: bool,
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
    /// Run the server where institutions review and agree (`sansho serve --demo` to try it).
    Serve(server::Serve),
    /// Publish a model to a sansho server: it is checked here, assessed there, and put before
    /// every institution engaged on the system.
    Publish {
        /// The model's entry file.
        model: PathBuf,
        /// The server, e.g. https://sansho.example.jp
        #[arg(long, value_name = "URL", env = "SANSHO_SERVER")]
        server: String,
        /// An API token with write scope (from the server's account page).
        #[arg(
            long,
            value_name = "TOKEN",
            env = "SANSHO_TOKEN",
            hide_env_values = true
        )]
        token: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// The institution's review in a filled workbook (リスク対応一覧's 医療機関の確認 and コメント).
    Review {
        #[command(subcommand)]
        action: ReviewAction,
    },
    /// Audit-log tools.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
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

#[derive(Subcommand)]
enum ReviewAction {
    /// Read back what the institution agreed, wants to discuss and sent back, per risk id, and
    /// say whether the workbook was made from this version of the model. Exits with 1 when it
    /// was not.
    Import {
        /// The workbook the institution filled in (sansho-report.xlsx).
        workbook: PathBuf,
        /// Entry file of the model as it is now.
        #[arg(default_value = "sansho.yaml")]
        model: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Check an exported audit log offline (`sansho serve audit-export`): the hash chain, the
    /// signed checkpoints and every record; names the first broken entry. An engagement's record
    /// (its JSON export) is checked too: its entries, checkpoint, records and document digests.
    Verify {
        /// The export (JSON).
        export: PathBuf,
        /// The server's public key (hex) the checkpoints must be signed with; without it the
        /// export's own key is used, which proves integrity but not origin.
        #[arg(long, value_name = "HEX")]
        key: Option<String>,
        #[arg(long, value_enum, default_value = "ja")]
        lang: LangArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Shape {
    /// The shared benchmark's regional hospital network.
    Hospital,
    /// Sites with deep paths, many controls and decisions growing with the model.
    Deep,
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
            "`{text}` is not a report format (xlsx, html, markdown, json, sarif, dot, mermaid, svg, pdf)"
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
    /// The operational facts `--facts` reads (exported by the server).
    Facts,
}

fn parse_date(text: &str) -> Result<String, String> {
    if sansho_core::model::validate::is_date(text) {
        Ok(text.to_owned())
    } else {
        Err(format!("`{text}` is not a date written YYYY-MM-DD"))
    }
}

fn overwrite(force: bool) -> Overwrite {
    if force {
        Overwrite::Force
    } else {
        Overwrite::Safe
    }
}

fn parse_rank(text: &str) -> Result<Rank, String> {
    Rank::parse(text).ok_or_else(|| format!("`{text}` is not a rank (S, A, B, C or D)"))
}

fn main() -> ExitCode {
    no_transparent_huge_pages();
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
            force,
            fail_on,
            top,
            common,
        } => assess(
            &model,
            format,
            output.as_deref().map(|p| (p, overwrite(force))),
            fail_on,
            top,
            &common,
        ),
        Command::Check {
            model,
            format,
            common,
        } => check(&model, format, &common),
        Command::Explain { id, model, common } => {
            let kb = knowledge_base(&common)?;
            explain::run(&id, &model, &kb, &common)
        }
        Command::Init { dir, force } => init(&dir, force),
        Command::Serve(args) => server::serve(args),
        Command::Publish {
            model,
            server,
            token,
            common,
        } => {
            let kb = knowledge_base(&common)?;
            server::publish(&model, &server, token, &kb, &common)
        }
        Command::Review {
            action:
                ReviewAction::Import {
                    workbook,
                    model,
                    format,
                    common,
                },
        } => {
            let kb = knowledge_base(&common)?;
            review::import(&workbook, &model, format == Format::Json, &kb, &common)
        }
        Command::Audit {
            action: AuditAction::Verify { export, key, lang },
        } => server::audit_verify(&export, key.as_deref(), lang.into()),
        Command::Report {
            model,
            out,
            formats,
            fonts,
            document_date,
            force,
            common,
        } => report(
            &model,
            &out,
            &formats,
            &fonts,
            document_date,
            overwrite(force),
            &common,
        ),
        Command::Diff {
            old,
            new,
            format,
            output,
            force,
            fail_on_change,
            common,
        } => diff(
            &old,
            &new,
            format,
            output.as_deref().map(|p| (p, overwrite(force))),
            fail_on_change,
            &common,
        ),
        Command::Watch { model, common } => {
            let kb = knowledge_base(&common)?;
            watch::run(&model, &kb, &common)
        }
        Command::Generate {
            flows,
            shape,
            output,
            force,
        } => {
            let text = match shape {
                Shape::Hospital => sansho_gen::hospital(flows),
                Shape::Deep => sansho_gen::deep(flows),
            };
            match output {
                Some(path) => {
                    fs::write_file(&path, overwrite(force), |w| w.write_all(text.as_bytes()))?
                }
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
                SchemaKind::Facts => sansho_core::schema::facts_schema(),
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
        Err(diagnostics) => {
            let sources = builtin_sources();
            print_diagnostics(diagnostics, &sources, common.lang.into());
            bail!("the built-in knowledge base is invalid")
        }
    };
    if common.kb_files.is_empty() {
        return Ok(builtin.clone());
    }
    let mut sources = Sources::default();
    let limit = Limits::default().max_file_bytes;
    for path in &common.kb_files {
        let bytes = fs::read_input(path, "knowledge-base file", limit)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
        sources.add(sansho_core::SourceFile {
            path: path.display().to_string(),
            text,
        });
    }
    let files: Vec<(FileId, &str)> = sources
        .iter()
        .map(|(id, f)| (id, f.text.as_str()))
        .collect();
    match sansho_core::kb::load::with_overrides(builtin, &files) {
        Ok(kb) => Ok(kb),
        Err(diagnostics) => {
            print_diagnostics(&diagnostics, &sources, common.lang.into());
            bail!("the knowledge-base override is invalid")
        }
    }
}

/// The embedded knowledge-base files, numbered as the built-in load numbers them.
fn builtin_sources() -> Sources {
    let mut sources = Sources::default();
    for (path, text) in sansho_core::kb::load::BUILTIN_FILES {
        sources.add(sansho_core::SourceFile {
            path: (*path).to_owned(),
            text: (*text).to_owned(),
        });
    }
    sources
}

/// Draws diagnostics on standard error, at most 50 per file.
fn print_diagnostics(diagnostics: &[Diagnostic], sources: &Sources, lang: Lang) {
    use std::io::IsTerminal;
    let style = sansho_report::terminal::Style {
        color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        ..Default::default()
    };
    let mut stderr = std::io::BufWriter::new(std::io::stderr().lock());
    let _ = sansho_report::terminal::write_all(&mut stderr, diagnostics, sources, lang, &style);
    let _ = stderr.flush();
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

/// A model's files as the core will read them, and its limits with the allowed include roots.
fn locate(model: &Path, common: &Common) -> anyhow::Result<(ModelLocation, Limits)> {
    let location = ModelLocation::new(model, &common.include_roots)?;
    let limits = Limits {
        include_roots: location.include_roots.clone(),
        ..Limits::default()
    };
    Ok((location, limits))
}

/// Loads and validates a model (no assessment). Source paths are shown as the user wrote them.
fn load_model(
    model: &Path,
    kb: &KnowledgeBase,
    common: &Common,
) -> anyhow::Result<sansho_core::load::Loaded> {
    let (location, limits) = locate(model, common)?;
    let facts = read_facts(common)?;
    let mut loaded = sansho_core::load::load(&location.entry, &location.files, kb, &limits);
    if let Some(facts) = &facts {
        loaded.apply_facts(facts);
    }
    loaded.sources.prefix_paths(&location.display_prefix);
    Ok(loaded)
}

/// Loads and assesses a model. Source paths are shown as the user wrote them; the assessment
/// itself names files relative to the model's directory.
pub(crate) fn assess_at(
    model: &Path,
    kb: &KnowledgeBase,
    common: &Common,
) -> anyhow::Result<(Sources, Option<sansho_core::Assessment>, Vec<Diagnostic>)> {
    let (location, limits) = locate(model, common)?;
    let facts = read_facts(common)?;
    let (mut sources, assessment, diagnostics) = sansho_core::assess_with_facts(
        &location.entry,
        &location.files,
        kb,
        &limits,
        facts.as_ref(),
    );
    sources.prefix_paths(&location.display_prefix);
    Ok((sources, assessment, diagnostics))
}

fn check(model: &Path, format: Format, common: &Common) -> anyhow::Result<ExitCode> {
    let kb = knowledge_base(common)?;
    let lang: Lang = common.lang.into();
    let loaded = load_model(model, &kb, common)?;
    match format {
        Format::Text => {
            print_diagnostics(&loaded.diagnostics, &loaded.sources, lang);
            eprintln!(
                "{}: {}",
                model.display(),
                load_counts(&loaded.diagnostics, lang)
            );
        }
        Format::Json => {
            let files: Vec<&str> = loaded
                .sources
                .iter()
                .map(|(_, f)| f.path.as_str())
                .collect();
            let report = serde_json::json!({
                "files": files,
                "valid": loaded.model.is_some(),
                "diagnostics": loaded.diagnostics,
            });
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer(&mut out, &report)?;
            writeln!(out)?;
            out.flush()?;
        }
    }
    Ok(if loaded.model.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    })
}

/// Writes to `output` atomically (or to standard output).
fn emit(
    output: Option<(&Path, Overwrite)>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match output {
        Some((path, overwrite)) => fs::write_file(path, overwrite, write),
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out).and_then(|()| out.flush()).map_err(|e| {
                anyhow::anyhow!("cannot write to standard output: {}", fs::describe_io(&e))
            })
        }
    }
}

fn assess(
    model: &Path,
    format: Format,
    output: Option<(&Path, Overwrite)>,
    fail_on: Option<Rank>,
    top: usize,
    common: &Common,
) -> anyhow::Result<ExitCode> {
    let kb = knowledge_base(common)?;
    let lang: Lang = common.lang.into();
    if let Some((path, overwrite)) = output {
        fs::check_output_file(path, overwrite)?;
    }
    let (sources, assessment, diagnostics) = assess_at(model, &kb, common)?;
    print_diagnostics(&diagnostics, &sources, lang);
    let Some(assessment) = assessment else {
        eprintln!("{}: {}", model.display(), load_counts(&diagnostics, lang));
        return Ok(ExitCode::from(EXIT_INVALID));
    };
    emit(output, |out| match format {
        Format::Json => {
            // Compact: a large result would grow by a third with indentation (`jq .` indents).
            serde_json::to_writer(&mut *out, &assessment)?;
            writeln!(out)
        }
        Format::Text => summary::write(out, &assessment, &sources, lang, top),
    })?;
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
fn assess_model(
    model: &Path,
    kb: &KnowledgeBase,
    common: &Common,
) -> anyhow::Result<Option<sansho_core::Assessment>> {
    let lang: Lang = common.lang.into();
    let (sources, assessment, diagnostics) = assess_at(model, kb, common)?;
    print_diagnostics(&diagnostics, &sources, lang);
    if assessment.is_none() {
        eprintln!("{}: {}", model.display(), load_counts(&diagnostics, lang));
    }
    Ok(assessment)
}

fn report(
    model: &Path,
    out: &Path,
    formats: &[sansho_report::Format],
    fonts: &[PathBuf],
    document_date: Option<String>,
    overwrite: Overwrite,
    common: &Common,
) -> anyhow::Result<ExitCode> {
    let kb = knowledge_base(common)?;
    let lang: Lang = common.lang.into();
    let formats = if formats.is_empty() {
        sansho_report::Format::DEFAULT.to_vec()
    } else {
        formats.to_vec()
    };
    // The font is found before the work: a missing one is cheaper to hear about first.
    let fonts = if formats.contains(&sansho_report::Format::Pdf) {
        fonts::for_pdf(fonts, lang)?
    } else {
        Vec::new()
    };
    let outputs = sansho_report::outputs(&formats);
    let names: Vec<String> = outputs.iter().map(|o| o.file_name()).collect();
    // Refuse before the work: a wrong target is cheaper to hear about first.
    let set = report_dir::prepare(out, &names, overwrite)?;
    let Some(assessment) = assess_model(model, &kb, common)? else {
        return Ok(ExitCode::from(EXIT_INVALID));
    };
    let options = sansho_report::Options {
        lang,
        document_date,
        model_dir: model_dir_for_sarif(model),
        fonts,
    };
    let staged = stage_outputs(&outputs, &assessment, &options, out)?;
    report_dir::commit(set, staged)?;
    for name in &names {
        println!("{}", out.join(name).display());
    }
    exit_without_drop(assessment);
    Ok(ExitCode::SUCCESS)
}

/// The model's directory as given on the command line, for SARIF: code scanning reads paths
/// relative to the checkout, which is normally where sansho runs. `None` for an absolute path
/// (no checkout to be relative to) and for the current directory itself.
fn model_dir_for_sarif(model: &Path) -> Option<String> {
    if model.is_absolute() {
        return None;
    }
    let dir = model.parent()?.to_str()?.trim_start_matches("./");
    if dir.is_empty() || dir == "." || dir.split('/').any(|part| part == "..") {
        return None;
    }
    Some(format!("{}/", dir.trim_end_matches('/')))
}

/// Writes every report file beside its target on all cores, each streamed to its temporary
/// file, taken in order (the default order starts with the workbook, the largest). Nothing is
/// put in place here: when one file fails, the others are dropped (and deleted) with it.
fn stage_outputs(
    outputs: &[sansho_report::Output],
    assessment: &sansho_core::Assessment,
    options: &sansho_report::Options,
    dir: &Path,
) -> anyhow::Result<Vec<fs::Staged>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(outputs.len())
        .max(1);
    // The workbook is the longest writer, and ends on one core: its largest sheet (the risk list)
    // is written and compressed by one thread while the other sheets finish sooner. The other
    // writers yield the processor to it, so that they run on the cores its sheets leave idle
    // instead of delaying it.
    let is_workbook = |o: &sansho_report::Output| o.format == sansho_report::Format::Xlsx;
    let workbook_written = outputs.iter().any(is_workbook);
    // Taken in this order: the workbook first, by a worker that has not yielded.
    let order: Vec<usize> = (0..outputs.len())
        .filter(|&i| is_workbook(&outputs[i]))
        .chain((0..outputs.len()).filter(|&i| !is_workbook(&outputs[i])))
        .collect();
    let stage_one = |output: sansho_report::Output| -> anyhow::Result<(usize, fs::Staged)> {
        if workbook_written && !is_workbook(&output) {
            yield_to_the_workbook();
        }
        let path = dir.join(output.file_name());
        let staged = fs::stage(&path, |w| {
            sansho_report::write_output(output, assessment, options, w)
        })?;
        Ok((0, staged))
    };
    let mut staged: Vec<(usize, fs::Staged)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<Vec<(usize, fs::Staged)>> {
                    let mut done = Vec::new();
                    loop {
                        let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            return Ok(done);
                        };
                        let output = outputs[i];
                        let (_, file) = stage_one(output)?;
                        done.push((i, file));
                    }
                })
            })
            .collect();
        let mut all = Vec::new();
        let mut first_error = None;
        for handle in handles {
            match handle.join() {
                Ok(Ok(mut done)) => all.append(&mut done),
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(_) => {
                    first_error.get_or_insert(anyhow::anyhow!("a report writer panicked"));
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(all),
        }
    })?;
    staged.sort_by_key(|(i, _)| *i);
    Ok(staged.into_iter().map(|(_, s)| s).collect())
}

/// Lowers the calling thread's priority (Linux keeps a nice value per thread). It cannot be
/// raised again without privileges, which is why the workbook's writer never calls this. Where
/// it fails, the thread keeps its priority: only the order of the work changes.
fn yield_to_the_workbook() {
    #[cfg(target_os = "linux")]
    let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 10);
}

/// Largest JSON result `diff` reads: a result of 100,000 flows is about 1.4 GB.
const MAX_RESULT_BYTES: usize = 2 << 30;

/// A version to compare: a JSON result as written by `assess --format json`, or a model.
fn load_version(
    path: &Path,
    kb: &KnowledgeBase,
    common: &Common,
) -> anyhow::Result<Option<sansho_core::Assessment>> {
    if path.extension().is_some_and(|e| e == "json") {
        let bytes = fs::read_input(path, "result", MAX_RESULT_BYTES)?;
        let assessment = serde_json::from_slice(&bytes).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a sansho JSON result (line {}, column {}: {})",
                path.display(),
                e.line(),
                e.column(),
                sansho_report::terminal::visible(&e.to_string(), 200)
            )
        })?;
        return Ok(Some(assessment));
    }
    assess_model(path, kb, common)
}

fn diff(
    old: &Path,
    new: &Path,
    format: DiffFormat,
    output: Option<(&Path, Overwrite)>,
    fail_on_change: bool,
    common: &Common,
) -> anyhow::Result<ExitCode> {
    let kb = knowledge_base(common)?;
    let lang: Lang = common.lang.into();
    if let Some((path, overwrite)) = output {
        fs::check_output_file(path, overwrite)?;
    }
    let (Some(before), Some(after)) = (
        load_version(old, &kb, common)?,
        load_version(new, &kb, common)?,
    ) else {
        return Ok(ExitCode::from(EXIT_INVALID));
    };
    let change = sansho_core::diff::compare(&before, &after);
    emit(output, |out| match format {
        DiffFormat::Text => sansho_report::change::write_text(&change, lang, out),
        DiffFormat::Json => sansho_report::change::write_json(&change, out),
        DiffFormat::Html => sansho_report::change::write_html(&change, lang, out),
    })?;
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
    fs::write_file(&path, overwrite(force), |w| w.write_all(STARTER.as_bytes()))?;
    println!("wrote {}", path.display());
    println!("next: sansho assess {}", path.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::model_dir_for_sarif;
    use std::path::Path;

    #[test]
    fn sarif_base_is_the_models_directory_within_the_checkout() {
        let dir = |p: &str| model_dir_for_sarif(Path::new(p));
        assert_eq!(
            dir("examples/ehr-saas/sansho.yaml").as_deref(),
            Some("examples/ehr-saas/")
        );
        assert_eq!(dir("./model/sansho.yaml").as_deref(), Some("model/"));
        assert_eq!(dir("sansho.yaml"), None);
        assert_eq!(dir("/srv/model/sansho.yaml"), None);
        assert_eq!(dir("../elsewhere/sansho.yaml"), None);
    }
}
