//! Arbitrary bytes as a JSON result, as `sansho diff OLD.json NEW` reads them: when they parse,
//! comparing them with themselves and with a real result, and writing the change report in
//! every form, must not panic; a result compared with itself needs no re-agreement.
//! Run: `scripts/fuzz.sh` (all targets) or `cargo fuzz run -s none diff_json`.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sansho_core::load::{Limits, MemoryProvider};
use sansho_core::{Assessment, Lang};

const STARTER: &str = include_str!("../../crates/sansho/templates/starter.yaml");

fn real() -> &'static Option<Assessment> {
    static REAL: OnceLock<Option<Assessment>> = OnceLock::new();
    REAL.get_or_init(|| {
        let kb = sansho_core::kb::load::builtin().as_ref().ok()?;
        let provider = MemoryProvider::new().with("sansho.yaml", STARTER);
        sansho_core::assess("sansho.yaml", &provider, kb, &Limits::default()).1
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(old) = serde_json::from_slice::<Assessment>(data) else {
        return;
    };
    let same = sansho_core::diff::compare(&old, &old);
    assert!(!same.needs_reagreement(), "a result differs from itself");
    let Some(new) = real() else { return };
    for change in [
        same,
        sansho_core::diff::compare(&old, new),
        sansho_core::diff::compare(new, &old),
    ] {
        let mut out = Vec::new();
        sansho_report::change::write_text(&change, Lang::Ja, &mut out).expect("in memory");
        sansho_report::change::write_json(&change, &mut out).expect("in memory");
        sansho_report::change::write_html(&change, Lang::En, &mut out).expect("in memory");
    }
});
