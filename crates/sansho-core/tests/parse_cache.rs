//! A model loaded with a [`ParseCache`] takes the kept parse of every piece whose text it has
//! seen, moved to where the piece now lies. These tests hold it to the fresh parse after edits of
//! every kind: the same values, the same positions, the same diagnostics, and only the edited
//! pieces parsed again.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use std::path::Path;

use sansho_core::FileId;
use sansho_core::load::document::{parse, parse_model_kept};
use sansho_core::load::structure::SchemaChecker;
use sansho_core::load::{Limits, MemoryProvider, ParseCache, load, load_with};
use sansho_core::model::raw::RawFile;

fn checker() -> SchemaChecker {
    SchemaChecker::new(sansho_core::schema::model_schema()).unwrap()
}

/// Holds the parse through `cache` to the parse of the text in one piece (every value, every
/// recorded position, or every diagnostic).
fn assert_same(cache: &ParseCache, text: &str, what: &str) {
    let checker = checker();
    let limits = Limits::default();
    let kept = parse_model_kept(FileId(0), text, &checker, &limits, Some(cache));
    let whole = parse::<RawFile>(FileId(0), text, &checker, &limits);
    assert_eq!(
        format!("{kept:?}"),
        format!("{whole:?}"),
        "{what}: the parse through the cache differs from one parse"
    );
}

/// Replaces the first `from` at or after byte `near`.
fn replace_near(text: &str, near: usize, from: &str, to: &str) -> String {
    let at = near + text[near..].find(from).expect("the pattern occurs");
    format!("{}{to}{}", &text[..at], &text[at + from.len()..])
}

#[test]
fn edits_of_every_kind_give_what_a_fresh_parse_gives() {
    // About 1 MB: cut into a dozen pieces or more.
    let original = sansho_gen::hospital(3_000);
    let cache = ParseCache::new(1 << 30);
    assert_same(&cache, &original, "first parse");
    let pieces = cache.len();
    assert!(pieces > 10, "{pieces} pieces kept");

    let middle = original.len() / 2;
    let edits: Vec<(&str, String)> = vec![
        // Longer line, same line count: every later piece moves by bytes only.
        (
            "a flow grows",
            replace_near(&original, middle, "emr-app]}", "emr-app], volume: bulk}"),
        ),
        // A line more near the top: every later piece moves by a line and by bytes.
        ("a comment added at the top", format!("# 第2版\n{original}")),
        ("a flow removed", {
            let at = middle + original[middle..].find("\n  - {id:").unwrap() + 1;
            let end = at + original[at..].find('\n').unwrap() + 1;
            format!("{}{}", &original[..at], &original[end..])
        }),
        (
            "a wrong value in the middle",
            replace_near(&original, middle, "phase: operation", "phase: opration"),
        ),
        ("back to the first text", original.clone()),
    ];
    for (what, text) in &edits {
        let before = cache.len();
        assert_same(&cache, text, what);
        let parsed_again = cache.len() - before;
        assert!(
            parsed_again <= 2,
            "{what}: {parsed_again} pieces parsed again, only those around the edit should be"
        );
    }
}

#[test]
fn a_small_file_is_kept_whole_and_a_broken_one_is_not_kept() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ehr-saas/sansho.yaml"),
    )
    .unwrap();
    let cache = ParseCache::new(1 << 20);
    assert_same(&cache, &text, "first parse");
    assert_eq!(cache.len(), 1);
    assert_same(&cache, &text, "second parse");
    assert_eq!(cache.len(), 1, "the second parse is the kept one");

    let broken = text.replacen("sansho: 1", "sansho: [1", 1);
    assert_same(&cache, &broken, "broken");
    assert_eq!(cache.len(), 1, "a text with problems is not kept");
}

#[test]
fn a_model_loaded_again_after_one_file_changed_parses_that_file_only() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ehr-saas");
    let mut provider = MemoryProvider::new();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            provider = provider.with(&name, std::fs::read(&path).unwrap());
            names.push(name);
        }
    }
    let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
    let limits = Limits::default();
    let cache = ParseCache::new(1 << 26);
    let render = |loaded: &sansho_core::load::Loaded| {
        format!("{:?}\n{:?}", loaded.model, loaded.diagnostics)
    };

    let first = load_with("sansho.yaml", &provider, kb, &limits, Some(&cache));
    assert!(first.model.is_some(), "{:?}", first.diagnostics);
    assert_eq!(
        render(&first),
        render(&load("sansho.yaml", &provider, kb, &limits))
    );
    let files = cache.len();
    assert!(files >= 5, "{files} files kept");

    let flows = names
        .iter()
        .find(|n| n.contains("flow"))
        .expect("a flows file");
    let text = std::fs::read_to_string(dir.join(flows)).unwrap();
    let edited = format!("# 改訂\n{text}");
    let provider = provider.with(flows, edited.into_bytes());
    let again = load_with("sansho.yaml", &provider, kb, &limits, Some(&cache));
    assert_eq!(
        render(&again),
        render(&load("sansho.yaml", &provider, kb, &limits))
    );
    assert_eq!(
        cache.len(),
        files + 1,
        "only the edited file is parsed again"
    );
}
