//! `sansho watch`: re-assess a model whenever one of its files is saved and print what changed
//! since the last good version (risks added, removed, re-ranked; decisions to review; findings).
//!
//! The directories holding the model's files are watched rather than the files, because editors
//! often save by writing a new file and renaming it over the old one. Every path the loader asked
//! for is followed, including includes that do not exist yet: their nearest existing directory
//! is watched, so the file is noticed when it appears. A watched directory that is removed or
//! replaced (a checkout, a restore) is noticed by its identity and watched again. What cannot be
//! watched is said once, so `watch` never goes deaf without a word.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Context;
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use sansho_core::diff::ChangeReport;
use sansho_core::load::{ParseCache, ReadError, SourceProvider};
use sansho_core::{Assessment, KnowledgeBase, Lang, Severity};

use crate::Common;

/// Quiet time after the last file event before re-assessing: one save often makes several
/// events (truncate, write, rename). A file closed after writing is re-assessed at once: the
/// writer has said it is done (about 40 ms of a save's 200 at 10,000 flows).
const DEBOUNCE: Duration = Duration::from_millis(30);
/// How often watched directories are checked for having been removed or replaced.
const RESYNC: Duration = Duration::from_millis(500);
/// Lines shown per kind of change; the rest are counted.
const SHOWN: usize = 10;

/// A provider that remembers every path the loader asked for, found or not.
struct Recording<'a> {
    inner: &'a dyn SourceProvider,
    asked: RefCell<Vec<String>>,
}

impl SourceProvider for Recording<'_> {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        self.asked.borrow_mut().push(path.to_owned());
        self.inner.read(path, max_bytes)
    }
}

/// The directory to watch for `file`: its own, or the nearest one that exists.
fn watch_point(file: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .find(|d| d.is_dir())
        .map(Path::to_path_buf)
}

/// Identity of a directory on disk: a removed and recreated directory has a new one.
fn identity(dir: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
}

pub fn run(model: &Path, kb: &KnowledgeBase, common: &Common) -> anyhow::Result<ExitCode> {
    let lang: Lang = common.lang.into();
    let (location, limits) = crate::locate(model, common)?;
    // Read once: the records are an export, not a file being edited.
    let facts = crate::read_facts(common)?;
    let root = location.files.root().to_path_buf();
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx).context("cannot watch the file system")?;
    // Directory → its identity when it was watched (None: could not be watched).
    let mut watched: BTreeMap<PathBuf, Option<(u64, u64)>> = BTreeMap::new();
    // Pieces of the model parsed before: a save parses only the text that changed. Room for two
    // models of the largest size the limits allow (a parse counts as four times its text).
    let largest = u64::try_from(limits.max_total_bytes).unwrap_or(u64::MAX);
    let parses = ParseCache::new(largest.saturating_mul(8));
    let mut previous: Option<Assessment> = None;
    let mut cause: Option<PathBuf> = None;
    loop {
        let started = Instant::now();
        let recording = Recording {
            inner: &location.files,
            asked: RefCell::new(Vec::new()),
        };
        let (mut sources, assessment, diagnostics) = sansho_core::assess_kept(
            &location.entry,
            &recording,
            kb,
            &limits,
            facts.as_ref(),
            Some(&parses),
        );
        sources.prefix_paths(&location.display_prefix);
        let elapsed = started.elapsed();
        let files: BTreeSet<PathBuf> = recording
            .asked
            .into_inner()
            .iter()
            .map(|p| crate::fs::lexical_join(&root, p))
            .collect();
        let wanted: BTreeSet<PathBuf> = files.iter().filter_map(|f| watch_point(f)).collect();
        for gone in watched
            .keys()
            .filter(|d| !wanted.contains(*d))
            .cloned()
            .collect::<Vec<_>>()
        {
            let _ = watcher.unwatch(&gone);
            watched.remove(&gone);
        }
        for dir in &wanted {
            if !watched.contains_key(dir) {
                let id = watch(&mut watcher, dir);
                watched.insert(dir.clone(), id);
            }
        }

        let mut out = std::io::stdout().lock();
        let ms = elapsed.as_millis();
        if let Some(path) = &cause {
            let name = path.display();
            match lang {
                Lang::Ja => writeln!(out, "── {name} が変更されました (再評価 {ms} ms)")?,
                Lang::En => writeln!(out, "── {name} changed (re-assessed in {ms} ms)")?,
            }
        }
        crate::print_diagnostics(&diagnostics, &sources, lang);
        match assessment {
            None => {
                let errors = diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count();
                match lang {
                    Lang::Ja => writeln!(
                        out,
                        "モデルを読めません (エラー {errors} 件)。保存されるのを待っています…"
                    )?,
                    Lang::En => writeln!(
                        out,
                        "the model does not load ({errors} errors); waiting for the next save…"
                    )?,
                }
            }
            Some(assessment) => {
                match &previous {
                    None => write_state(&mut out, &assessment, lang, ms)?,
                    Some(before) => write_changes(
                        &mut out,
                        &sansho_core::diff::compare(before, &assessment),
                        lang,
                    )?,
                }
                previous = Some(assessment);
            }
        }
        out.flush()?;
        drop(out);
        match next_change(&rx, &files, &mut watched, &mut watcher)? {
            Some(path) => cause = Some(path),
            None => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// Watches `dir`, saying so when it cannot; returns its identity when watched.
fn watch(watcher: &mut RecommendedWatcher, dir: &Path) -> Option<(u64, u64)> {
    match watcher.watch(dir, RecursiveMode::NonRecursive) {
        Ok(()) => identity(dir),
        Err(error) => {
            eprintln!(
                "sansho watch: cannot watch {} ({error}); changes there will not be noticed",
                dir.display()
            );
            None
        }
    }
}

/// Waits for a change to one of `files` (or to a directory on the way to one); `None` when the
/// watcher has stopped. A file of the model closed after writing counts at once; other changes
/// (a rename into place, a new directory) once [`DEBOUNCE`] has passed without another event.
/// Every [`RESYNC`], directories that were removed or replaced are watched again, and such a
/// replacement counts as a change.
fn next_change(
    rx: &mpsc::Receiver<notify::Result<notify::Event>>,
    files: &BTreeSet<PathBuf>,
    watched: &mut BTreeMap<PathBuf, Option<(u64, u64)>>,
    watcher: &mut RecommendedWatcher,
) -> anyhow::Result<Option<PathBuf>> {
    // The first changed path, and when it counts: DEBOUNCE after the last event on the model's
    // paths (events on other files in the same directories do not put it off).
    let mut pending: Option<(PathBuf, Instant)> = None;
    loop {
        if let Some((path, due)) = &pending {
            // Also when other files' events keep arriving.
            if Instant::now() >= *due {
                return Ok(Some(path.clone()));
            }
        }
        let wait = pending.as_ref().map_or(RESYNC, |(_, due)| {
            due.saturating_duration_since(Instant::now())
        });
        let event = match rx.recv_timeout(wait) {
            Ok(Ok(event)) => event,
            Ok(Err(error)) => {
                eprintln!("sansho watch: {error}");
                continue;
            }
            Err(RecvTimeoutError::Timeout) => {
                if pending.is_some() {
                    continue;
                }
                if let Some(dir) = resync(watched, watcher) {
                    return Ok(Some(dir));
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(None),
        };
        let closed_after_writing =
            event.kind == EventKind::Access(AccessKind::Close(AccessMode::Write));
        let counts = closed_after_writing
            || matches!(
                event.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
            );
        // A file of the model, or a directory on the way to one (an include's directory being
        // created).
        let changed = event
            .paths
            .iter()
            .find(|p| files.iter().any(|f| f.starts_with(p)));
        match changed {
            Some(path) if closed_after_writing && files.contains(path) => {
                return Ok(Some(path.clone()));
            }
            Some(path) if counts => {
                let due = Instant::now() + DEBOUNCE;
                match &mut pending {
                    Some((_, was)) => *was = due,
                    None => pending = Some((path.clone(), due)),
                }
            }
            _ if pending.is_none() => {
                if let Some(dir) = resync(watched, watcher) {
                    return Ok(Some(dir));
                }
            }
            _ => {}
        }
    }
}

/// Watches again every directory whose identity changed; returns one of them.
fn resync(
    watched: &mut BTreeMap<PathBuf, Option<(u64, u64)>>,
    watcher: &mut RecommendedWatcher,
) -> Option<PathBuf> {
    let mut replaced = None;
    for (dir, id) in watched.iter_mut() {
        let now = identity(dir);
        if now == *id {
            continue;
        }
        let _ = watcher.unwatch(dir);
        *id = match now {
            Some(_) => watch(watcher, dir),
            None => None,
        };
        replaced.get_or_insert_with(|| dir.clone());
    }
    replaced
}

fn write_state(out: &mut dyn Write, a: &Assessment, lang: Lang, ms: u128) -> std::io::Result<()> {
    let s = &a.summary;
    let ranks: Vec<String> = sansho_core::Rank::ALL
        .iter()
        .map(|r| {
            let r = r.as_str();
            format!("{r} {}", s.residual_by_rank.get(r).unwrap_or(&0))
        })
        .collect();
    let findings = a.findings.len();
    match lang {
        Lang::Ja => writeln!(
            out,
            "評価しました ({ms} ms): 情報流 {} / リスク {} / 残存 {} / 指摘 {findings}\n保存されるたびに再評価します (Ctrl-C で終了)",
            s.flows,
            s.risks,
            ranks.join(" ")
        ),
        Lang::En => writeln!(
            out,
            "assessed in {ms} ms: {} flows, {} risks, residual {}, {findings} findings\nre-assessing on every save (Ctrl-C to stop)",
            s.flows,
            s.risks,
            ranks.join(" ")
        ),
    }
}

fn write_changes(out: &mut dyn Write, c: &ChangeReport, lang: Lang) -> std::io::Result<()> {
    let ja = lang == Lang::Ja;
    writeln!(
        out,
        "{} {} → {}   {} {} → {}",
        if ja { "情報流" } else { "flows" },
        c.old.flows,
        c.new.flows,
        if ja { "リスク" } else { "risks" },
        c.old.risks,
        c.new.risks
    )?;
    if !c.needs_reagreement() && c.findings_added.is_empty() && c.findings_resolved.is_empty() {
        writeln!(
            out,
            "{}",
            if ja {
                "リスクと指摘に変化はありません"
            } else {
                "no change in risks or findings"
            }
        )?;
        return Ok(());
    }
    let added = c.added.iter().map(|r| {
        format!(
            "+ {} {} ({} → {})",
            r.id,
            r.threat,
            r.rank.as_str(),
            r.residual.as_str()
        )
    });
    list(
        out,
        if ja {
            "追加されたリスク"
        } else {
            "risks added"
        },
        c.added.len(),
        added,
    )?;
    let removed = c.removed.iter().map(|r| format!("- {} {}", r.id, r.threat));
    list(
        out,
        if ja {
            "なくなったリスク"
        } else {
            "risks removed"
        },
        c.removed.len(),
        removed,
    )?;
    let reranked = c.reranked.iter().map(|r| {
        format!(
            "~ {} {}→{} ({} {}→{})",
            r.id,
            r.rank_before.as_str(),
            r.rank_after.as_str(),
            if ja { "残存" } else { "residual" },
            r.residual_before.as_str(),
            r.residual_after.as_str()
        )
    });
    list(
        out,
        if ja {
            "ランクが変わったリスク"
        } else {
            "risks re-ranked"
        },
        c.reranked.len(),
        reranked,
    )?;
    let decisions = c
        .decisions_to_review
        .iter()
        .map(|d| format!("! {} — {}", d.pattern, d.reason.get(lang)));
    list(
        out,
        if ja {
            "見直しが必要な決定"
        } else {
            "decisions to review"
        },
        c.decisions_to_review.len(),
        decisions,
    )?;
    let found = c
        .findings_added
        .iter()
        .map(|f| format!("+ [{}] {}", f.code.as_str(), f.text(lang)));
    list(
        out,
        if ja {
            "新しい指摘"
        } else {
            "new findings"
        },
        c.findings_added.len(),
        found,
    )?;
    let resolved = c
        .findings_resolved
        .iter()
        .map(|f| format!("- [{}] {}", f.code.as_str(), f.text(lang)));
    list(
        out,
        if ja {
            "解消した指摘"
        } else {
            "resolved findings"
        },
        c.findings_resolved.len(),
        resolved,
    )?;
    if c.needs_reagreement() {
        writeln!(
            out,
            "{}",
            if ja {
                "医療機関等との再合意が必要な変更です"
            } else {
                "this change needs re-agreement with the institution"
            }
        )?;
    }
    Ok(())
}

fn list(
    out: &mut dyn Write,
    title: &str,
    count: usize,
    lines: impl Iterator<Item = String>,
) -> std::io::Result<()> {
    if count == 0 {
        return Ok(());
    }
    writeln!(out, "{title} ({count}):")?;
    for line in lines.take(SHOWN) {
        writeln!(out, "  {line}")?;
    }
    if count > SHOWN {
        writeln!(out, "  … (+{})", count - SHOWN)?;
    }
    Ok(())
}
