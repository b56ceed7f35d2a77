//! Property tests: whatever bytes arrive, loading never panics and always answers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use std::path::Path;

use proptest::prelude::*;
use sansho_core::load::{self, Limits, MemoryProvider};

fn kb() -> &'static sansho_core::KnowledgeBase {
    sansho_core::kb::load::builtin().as_ref().unwrap()
}

fn example_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ehr-saas/sites.yaml");
    std::fs::read_to_string(path).unwrap()
}

fn load_text(bytes: Vec<u8>) {
    let provider = MemoryProvider::new().with("m.yaml", bytes);
    let loaded = load::load("m.yaml", &provider, kb(), &Limits::default());
    // Either a model or at least one error, never both silent.
    assert!(loaded.model.is_some() || !loaded.diagnostics.is_empty());
    if let Some(model) = &loaded.model {
        let _ = sansho_core::engine::assess(model, kb(), &loaded.sources);
    }
}

/// Edits that keep the text mostly YAML, so the parser gets deep into it.
#[derive(Debug, Clone)]
enum Edit {
    Truncate(usize),
    Delete(usize, usize),
    Insert(usize, String),
    FlipByte(usize, u8),
    DuplicateLine(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Edit::Delete(a, n)),
        (
            any::<usize>(),
            prop::sample::select(vec![
                ":", "- ", "&a ", "*a", "[", "{", "\"", "\t", "  ", "\n", "電子", "id: x",
                "!!str ", "<<: *a", "~", "---\n"
            ])
            .prop_map(str::to_owned)
        )
            .prop_map(|(a, s)| Edit::Insert(a, s)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Edit::FlipByte(a, b)),
        any::<usize>().prop_map(Edit::DuplicateLine),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Truncate(at) => bytes.truncate(at % len),
            Edit::Delete(at, n) => {
                let start = at % len;
                let end = (start + n).min(bytes.len());
                if start < end {
                    bytes.drain(start..end);
                }
            }
            Edit::Insert(at, s) => {
                let at = (at % len).min(bytes.len());
                bytes.splice(at..at, s.bytes());
            }
            Edit::FlipByte(at, b) => {
                if !bytes.is_empty() {
                    let i = at % bytes.len();
                    bytes[i] = *b;
                }
            }
            Edit::DuplicateLine(at) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let i = at % lines.len();
                    let mut out: Vec<&str> = lines.clone();
                    out.insert(i, lines[i]);
                    bytes = out.join("\n").into_bytes();
                }
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        load_text(bytes);
    }

    #[test]
    fn mutated_models_never_panic(edits in prop::collection::vec(edit(), 1..6)) {
        let base = format!("sansho: 1\nsystem: {{id: s, name: s, provider: sakura-mc, editions: [PGL-1.1]}}\n{}", example_text());
        load_text(apply(base.into_bytes(), &edits));
    }
}

#[test]
fn whole_example_mutated_many_times_never_panics() {
    // A deterministic sweep that deletes each line of the example in turn.
    let text = example_text();
    let lines: Vec<&str> = text.lines().collect();
    for i in (0..lines.len()).step_by(7) {
        let mut out = lines.clone();
        out.remove(i);
        load_text(format!("sansho: 1\n{}", out.join("\n")).into_bytes());
    }
}
