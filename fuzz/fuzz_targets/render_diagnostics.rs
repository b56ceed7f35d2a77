//! Arbitrary bytes as a model file: whatever the loader reports is drawn for a terminal, and so
//! is every diagnostic moved to arbitrary places of the same text. Drawing must not panic, and
//! what it prints stays bounded and free of control characters.
//! Run: `scripts/fuzz.sh` (all targets) or `cargo fuzz run -s none render_diagnostics`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sansho_core::load::{self, Limits, MemoryProvider};
use sansho_core::{FileId, Lang, Span};
use sansho_report::terminal::{self, Style};

fuzz_target!(|data: &[u8]| {
    let Ok(kb) = sansho_core::kb::load::builtin() else {
        return;
    };
    let provider = MemoryProvider::new().with("m.yaml", data.to_vec());
    let loaded = load::load("m.yaml", &provider, kb, &Limits::default());
    let mut diagnostics = loaded.diagnostics.clone();
    // The same diagnostics again, pointing anywhere in the text (inside characters, past its
    // end, with any length), as a corrupted result file could.
    for (i, d) in loaded.diagnostics.iter().enumerate().take(8) {
        let mut moved = d.clone();
        let at = data.get(i).copied().unwrap_or(0) as u32 * 131 + i as u32;
        moved.span = Some(Span {
            file: FileId(0),
            line: at % 7,
            column: at % 11,
            offset: at,
            len: at % 300,
        });
        diagnostics.push(moved);
    }
    for lang in [Lang::Ja, Lang::En] {
        let mut out = Vec::new();
        let style = Style::default();
        if terminal::write_all(&mut out, &diagnostics, &loaded.sources, lang, &style).is_err() {
            return;
        }
        let text = String::from_utf8(out).expect("the renderer writes UTF-8");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "a control character reached the terminal"
        );
        // Each drawn diagnostic shows a bounded window: a few kilobytes at most.
        assert!(text.len() <= 8_000 * (diagnostics.len().min(style.max_per_file) + 1));
    }
});
