//! Hostile text in the names of a model that loads: every report writer must write it without
//! panicking, and the SVG diagrams must stay well-formed XML.
//! Run: `scripts/fuzz.sh` (all targets) or `cargo fuzz run -s none writers`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sansho_core::Lang;
use sansho_core::load::{Limits, MemoryProvider};
use sansho_report::{Format, Options};

const STARTER: &str = include_str!("../../crates/sansho/templates/starter.yaml");

fuzz_target!(|data: &[u8]| {
    let Ok(kb) = sansho_core::kb::load::builtin() else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    // Two names taken from the input, written as JSON strings (valid YAML double-quoted).
    let mut parts = text.splitn(2, '\u{1}');
    let first = serde_json::to_string(parts.next().unwrap_or("")).unwrap_or_default();
    let second = serde_json::to_string(parts.next().unwrap_or("")).unwrap_or_default();
    let model = STARTER
        .replacen(
            "name: 電子カルテサービス (例)",
            &format!("name: {first}"),
            1,
        )
        .replacen("name: 電子カルテ端末", &format!("name: {second}"), 1);
    let provider = MemoryProvider::new().with("sansho.yaml", model);
    let (_, assessment, _) = sansho_core::assess("sansho.yaml", &provider, kb, &Limits::default());
    let Some(assessment) = assessment else { return };
    for lang in [Lang::Ja, Lang::En] {
        let files = sansho_report::render(&Format::DEFAULT, &assessment, &Options::new(lang))
            .expect("writing into memory cannot fail");
        for (name, bytes) in files {
            if name.ends_with(".svg") {
                let svg = std::str::from_utf8(&bytes).expect("SVG is UTF-8");
                let mut reader = quick_xml::Reader::from_str(svg);
                loop {
                    match reader.read_event() {
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("{name} is not well-formed XML: {e}"),
                    }
                }
            }
        }
    }
});
