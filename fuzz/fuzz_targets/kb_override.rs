//! Arbitrary bytes as a knowledge-base override file: merged with the built-in knowledge base,
//! it loads or yields diagnostics, each placed in that file.
//! Run: `scripts/fuzz.sh` (all targets) or `cargo fuzz run -s none kb_override`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sansho_core::FileId;

fuzz_target!(|data: &[u8]| {
    let Ok(base) = sansho_core::kb::load::builtin() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(diagnostics) = sansho_core::kb::load::with_overrides(base, &[(FileId(7), text)]) {
        assert!(!diagnostics.is_empty());
        for d in diagnostics {
            if let Some(span) = d.span {
                assert_eq!(
                    span.file,
                    FileId(7),
                    "a problem placed outside the file given"
                );
                assert!(span.offset as usize <= text.len());
            }
        }
    }
});
