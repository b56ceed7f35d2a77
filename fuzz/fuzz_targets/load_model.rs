//! Feeds arbitrary bytes to the loader and, when they load, to the engine. Neither may panic.
//! Run: `scripts/fuzz.sh` (installs cargo-fuzz; AddressSanitizer needs nightly, so `-s none`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sansho_core::load::{self, Limits, MemoryProvider};

fuzz_target!(|data: &[u8]| {
    let Ok(kb) = sansho_core::kb::load::builtin() else {
        return;
    };
    let provider = MemoryProvider::new().with("m.yaml", data.to_vec());
    let loaded = load::load("m.yaml", &provider, kb, &Limits::default());
    if let Some(model) = &loaded.model {
        let _ = sansho_core::engine::assess(model, kb, &loaded.sources);
    }
});
