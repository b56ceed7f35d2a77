//! `sansho watch`: re-assess a model whenever one of its files is saved and print what changed
//! since the last good version (risks added, removed, re-ranked; decisions to review; findings).
//!
//! The directories holding the model's files are watched rather than the files, because editors
//! often save by writing a new file and renaming it over the old one. The set of files is taken
//! again after every load, so an `include:` added or removed is followed.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use sansho_core::diff::ChangeReport;
use sansho_core::load::Limits;
use sansho_core::{Assessment, KnowledgeBase, Lang, Severity};

use crate::fs;

/// Quiet time after the last file event before re-assessing: one save often makes several
/// events (truncate, write, rename).
const DEBOUNCE: Duration = Duration::from_millis(30);
/// Lines shown per kind of change; the rest are counted.
const SHOWN: usize = 10;

pub fn run(model: &Path, kb: &KnowledgeBase, lang: Lang) -> anyhow::Result<ExitCode> {
    let (tx, rx) = mpsc::channel();
    let mut debouncer = notify_debouncer_full::new_debouncer(DEBOUNCE, None, tx)
        .context("cannot watch the file system")?;
    let mut directories: BTreeSet<PathBuf> = BTreeSet::new();
    let mut previous: Option<Assessment> = None;
    let mut cause: Option<PathBuf> = None;
    loop {
        let started = Instant::now();
        let (sources, assessment, diagnostics) = sansho_core::assess(
            &model.to_string_lossy(),
            &fs::FsProvider,
            kb,
            &Limits::default(),
        );
        let elapsed = started.elapsed();
        let mut files: BTreeSet<PathBuf> = sources
            .iter()
            .map(|(_, f)| absolute(Path::new(&f.path)))
            .collect();
        files.insert(absolute(model));
        let wanted: BTreeSet<PathBuf> = files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect();
        for gone in directories.difference(&wanted) {
            let _ = debouncer.unwatch(gone);
        }
        for dir in wanted.difference(&directories) {
            debouncer
                .watch(dir, RecursiveMode::NonRecursive)
                .with_context(|| format!("cannot watch {}", dir.display()))?;
        }
        directories = wanted;

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
        match next_change(&rx, &files)? {
            Some(path) => cause = Some(path),
            None => return Ok(ExitCode::SUCCESS),
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Waits for a change to one of `files`; `None` when the watcher has stopped.
fn next_change(
    rx: &mpsc::Receiver<notify_debouncer_full::DebounceEventResult>,
    files: &BTreeSet<PathBuf>,
) -> anyhow::Result<Option<PathBuf>> {
    loop {
        let Ok(result) = rx.recv() else {
            return Ok(None);
        };
        match result {
            Ok(events) => {
                let changed = events
                    .iter()
                    .filter(|e| {
                        matches!(
                            e.kind,
                            EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
                        )
                    })
                    .flat_map(|e| e.paths.iter())
                    .find(|p| files.contains(&absolute(p)));
                if let Some(path) = changed {
                    return Ok(Some(path.clone()));
                }
            }
            Err(errors) => {
                for error in errors {
                    eprintln!("sansho watch: {error}");
                }
            }
        }
    }
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
