//! The one-line reader (`load::one_line`) against the YAML parser: whatever piece the reader
//! reads, the parser reads alike, every value and every position. The first byte chooses the
//! section the rest is read under.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sansho_core::load::Limits;
use sansho_core::load::document::piece_both_ways;

fuzz_target!(|data: &[u8]| {
    let Some((choice, rest)) = data.split_first() else {
        return;
    };
    let Ok(items) = std::str::from_utf8(rest) else {
        return;
    };
    let section = if choice % 2 == 0 {
        "flows:\n"
    } else {
        "assets:\n"
    };
    let piece = format!("{section}{items}");
    let (read, parsed) = piece_both_ways(&piece, &Limits::default());
    if let Some(read) = read {
        assert_eq!(
            format!("{:?}", Some(read)),
            format!("{parsed:?}"),
            "{piece:?}"
        );
    }
});
