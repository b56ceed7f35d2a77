//! The corpus of broken models: every file (or folder with a `sansho.yaml`) under `broken/`
//! states in its header what sansho must report, as lines of the form
//!
//! ```text
//! # expect: M005 12:5 unknown key `nmae`
//! ```
//!
//! (code, line:column in the file that carries the problem, and a part of the English message).
//! The test fails when an expected diagnostic is missing, or when an error is reported that the
//! header does not expect.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

mod common;

use std::path::{Path, PathBuf};

use sansho_core::load::{self, Limits};
use sansho_core::{Lang, Severity};

struct Expectation {
    code: String,
    line: u32,
    column: u32,
    message: String,
}

fn header(path: &Path) -> (Vec<Expectation>, Limits) {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let mut expectations = Vec::new();
    let mut limits = Limits::default();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("# expect: ") {
            let mut parts = rest.splitn(3, ' ');
            let code = parts.next().unwrap().to_owned();
            let (l, c) = parts.next().unwrap().split_once(':').unwrap();
            expectations.push(Expectation {
                code,
                line: l.parse().unwrap(),
                column: c.parse().unwrap(),
                message: parts.next().unwrap_or("").to_owned(),
            });
        } else if let Some(rest) = line.strip_prefix("# limit-bytes: ") {
            limits.max_file_bytes = rest.trim().parse().unwrap();
        }
    }
    (expectations, limits)
}

fn cases() -> Vec<(PathBuf, PathBuf)> {
    // Relative to the crate (the working directory of integration tests), so messages that quote
    // paths read the same on every machine.
    let dir = Path::new("tests/broken");
    let mut cases: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            if p.is_dir() {
                (p.join("sansho.yaml"), p.join("sansho.yaml"))
            } else {
                (p.clone(), p)
            }
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn corpus_is_large_enough() {
    assert!(
        cases().len() >= 25,
        "the corpus must hold at least 25 broken models"
    );
}

#[test]
fn every_broken_model_reports_what_its_header_expects() {
    let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
    let dump = std::env::var_os("SANSHO_DUMP").is_some();
    let mut failures = Vec::new();
    for (entry, header_file) in cases() {
        let (expected, limits) = header(&header_file);
        let loaded = load::load(&entry.to_string_lossy(), &common::DiskProvider, kb, &limits);
        let actual: Vec<(String, String, u32, u32, String, Severity)> = loaded
            .diagnostics
            .iter()
            .map(|d| {
                // Problems with the entry file itself (unreadable, too large) have no place: 0:0.
                let (file, line, column) = d.span.map_or((String::new(), 0, 0), |s| {
                    (loaded.sources.path(s.file).to_owned(), s.line, s.column)
                });
                (
                    d.code.as_str().to_owned(),
                    file,
                    line,
                    column,
                    d.message.get(Lang::En).to_owned(),
                    d.severity,
                )
            })
            .collect();
        if dump {
            println!("== {}", entry.display());
            for (code, file, line, column, message, _) in &actual {
                println!("# expect: {code} {line}:{column} {message}    [{file}]");
            }
        }
        let name = entry.display().to_string();
        if expected.is_empty() {
            failures.push(format!("{name}: header has no `# expect:` line"));
        }
        for e in &expected {
            let found = actual.iter().any(|(code, _, line, column, message, _)| {
                *code == e.code
                    && *line == e.line
                    && *column == e.column
                    && message.contains(&e.message)
            });
            if !found {
                failures.push(format!(
                    "{name}: expected {} {}:{} `{}`, got {actual:#?}",
                    e.code, e.line, e.column, e.message
                ));
            }
        }
        for (code, _, line, column, message, severity) in &actual {
            let expected_here = expected
                .iter()
                .any(|e| e.code == *code && e.line == *line && e.column == *column);
            if *severity == Severity::Error && !expected_here {
                failures.push(format!(
                    "{name}: unexpected {code} {line}:{column} {message}"
                ));
            }
        }
        // A model whose expectations are all warnings (M016, M031) loads; any other must not.
        let warnings_only = expected.iter().all(|e| {
            sansho_core::Code::parse(&e.code)
                .is_some_and(|c| c.default_severity() != Severity::Error)
        });
        assert!(
            loaded.model.is_none() || warnings_only,
            "{name}: a broken model must not load"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
