//! A large model file is parsed in pieces on all cores (`load::split`). These tests hold that
//! against the sequential parse of the same text: the same values with the same positions, and
//! when a piece cannot stand alone, the same outcome as if the file had never been split.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use sansho_core::FileId;
use sansho_core::load::Limits;
use sansho_core::load::document::{parse, parse_model};
use sansho_core::load::structure::SchemaChecker;
use sansho_core::model::raw::RawFile;

fn checker() -> SchemaChecker {
    SchemaChecker::new(sansho_core::schema::model_schema()).unwrap()
}

/// Both parses, as comparable text (every value and every recorded position).
fn both(text: &str) -> (String, String) {
    let checker = checker();
    let limits = Limits::default();
    let split = parse_model(FileId(0), text, &checker, &limits);
    let whole = parse::<RawFile>(FileId(0), text, &checker, &limits);
    (format!("{split:?}"), format!("{whole:?}"))
}

/// The model parses, and the split parse reads it exactly as one parse does; one parse's text.
fn read_alike(text: &str) -> String {
    let (split, whole) = both(text);
    assert!(
        whole.starts_with("Ok("),
        "{}",
        whole.chars().take(300).collect::<String>()
    );
    assert_eq!(split, whole);
    whole
}

fn large_model() -> String {
    // About 1.7 MB: large enough to be split.
    let text = sansho_gen::hospital(5_000);
    assert!(text.len() > 1 << 20);
    text
}

#[test]
fn pieces_give_the_same_values_and_positions_as_one_parse() {
    read_alike(&large_model());
}

#[test]
fn the_deep_shape_gives_the_same_values_and_positions_as_one_parse() {
    let text = sansho_gen::deep(5_000);
    assert!(text.len() > 1 << 20);
    read_alike(&text);
}

/// The large model with each item whose line starts `  - {id: clinic-` and holds `marker`
/// extended: every seventh by `in_form` (still the one-line form), the others by `variants` in
/// turn (mostly outside it). Also how many items were extended.
fn with_variants(marker: &str, in_form: &str, variants: &[&str]) -> (String, usize) {
    let mut items = 0;
    let text = large_model()
        .lines()
        .map(|line| match line.strip_suffix('}') {
            Some(item) if item.starts_with("  - {id: clinic-") && item.contains(marker) => {
                items += 1;
                let extra = if items % 7 == 0 {
                    in_form
                } else {
                    variants[items % variants.len()]
                };
                format!("{item}{extra}}}\n")
            }
            _ => format!("{line}\n"),
        })
        .collect();
    (text, items)
}

/// Pieces of nothing but one-line flows are read without the YAML parser
/// (`load::one_line`); flows written in any other way go to the parser. Either way the values
/// and positions are those of one parse.
#[test]
fn flows_outside_the_one_line_form_read_as_in_one_parse() {
    let variants = [
        ", description: yes",
        ", description: null",
        ", description: \"a, b # c\"",
        ", description: 受付で閲覧",
        ",  approval: planning-manager",
        ", evidence: certificate  ",
        ", volume: bulk",
    ];
    let (text, flows) = with_variants("phase: ", ", approval: manager", &variants);
    assert!(flows > 1_000);
    read_alike(&text);
}

/// The same for assets, whose names are Japanese: columns count characters there.
#[test]
fn assets_outside_the_one_line_form_read_as_in_one_parse() {
    let variants = [
        ", encrypted_at_rest: yes",
        ", description: \"a, b # c\"",
        ", password_policy: {min_length: 8}",
        ", description: 受付・会計",
        ",  taken_out: true",
        ", regenerable: true ",
    ];
    let in_form = ", taken_out: true, description: 受付の 端末";
    let (text, assets) = with_variants("kind: terminal", in_form, &variants);
    assert!(assets > 1_000);
    read_alike(&text);
}

#[test]
fn an_alias_across_pieces_falls_back_to_one_parse() {
    // The anchor is near the top, the alias near the end: they land in different pieces.
    let text = large_model()
        .replacen("as_of: 2026-11-01", "as_of: &day 2026-11-01", 1)
        .replacen("how: [log]}", "how: [log], description: *day}", 1);
    let last = text.rfind("how: [transfer, log]").unwrap();
    let text = format!(
        "{}how: [transfer, log], description: *day{}",
        &text[..last],
        &text[last + "how: [transfer, log]".len()..]
    );
    read_alike(&text);
}

#[test]
fn an_error_in_one_piece_is_reported_as_by_one_parse() {
    let text = large_model();
    let middle = text.len() / 2 + text[text.len() / 2..].find("phase: operation").unwrap();
    let broken = format!("{}phase: opration{}", &text[..middle], &text[middle + 16..]);
    let (split, whole) = both(&broken);
    assert!(whole.starts_with("Err("));
    assert_eq!(split, whole);
}

#[test]
fn quoted_texts_spanning_cuts_are_read_whole() {
    // Every flow gets a double-quoted description whose second line looks like the next item,
    // so some cut falls inside a quote: that piece is unterminated and the file is read whole.
    let text: String = large_model()
        .lines()
        .map(|line| match line.strip_suffix('}') {
            Some(flow) if flow.starts_with("  - {id: clinic-") => format!(
                "{flow}, description: \"first line\n  - {{id: not-a-flow}} still the description\"}}\n"
            ),
            _ => format!("{line}\n"),
        })
        .collect();
    let whole = read_alike(&text);
    assert!(!whole.contains("\"not-a-flow\""));
}
