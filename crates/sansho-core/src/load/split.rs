//! Parsing one large model file on all cores.
//!
//! A model file is a block mapping of sections (`assets:`, `flows:` ...), the big ones long block
//! sequences. The text is cut at lines where a section or one of its items starts, each piece is
//! parsed on its own (a piece that starts inside a section gets the section's key line as a
//! prefix), and the pieces' lists are joined in file order. Every position stays that of the
//! whole file: a piece is parsed with its place as the base of every recorded position
//! ([`crate::model::spanned::with_base`]).
//!
//! A cut cannot change what the file means without an error: a cut inside a quoted scalar or a
//! flow collection leaves the piece before it unterminated; an alias whose anchor lies in
//! another piece is unknown; a block scalar or plain scalar ends at a line indented like an item
//! in both readings; a section written twice, directives and document markers stop the split
//! before parsing. Whenever anything fails the caller parses the file sequentially, which reports
//! the problem where it is.

use std::hash::BuildHasher;

use rayon::prelude::*;
use serde::de::DeserializeOwned;

use crate::model::spanned::with_base;

/// Files smaller than this are parsed in one go: splitting would not pay.
const MIN_SPLIT_BYTES: usize = 256 << 10;
/// Smallest piece: below this, a piece's own overhead (a task, a prefix, a join) starts to show.
const MIN_PIECE_BYTES: usize = 64 << 10;
/// A piece is cut at an item line whose text hashes to a multiple of this, once it holds
/// `MIN_PIECE_BYTES`; on the generated models an item is about 300 bytes, so pieces average
/// about 70 KiB.
const CUT_EVERY: u64 = 16;
/// A piece that has found no such line by this size is cut at the next line that allows it.
const MAX_PIECE_BYTES: usize = 4 * MIN_PIECE_BYTES;

/// A line where the text may be cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cut<'a> {
    byte: usize,
    /// 1-based line number of the cut line.
    line: usize,
    /// The section the cut line is an item of; `None` where a section starts.
    inside: Option<&'a str>,
}

/// One piece to parse on its own.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    pub text: String,
    /// Lines of the file before the piece's first line of text (the prefix counted negative).
    pub line_base: i64,
    /// Bytes of the file before the piece's first byte of text (the prefix counted negative).
    pub byte_base: i64,
}

/// Where `text` can be cut, or `None` if it is not a plain block mapping of sections.
fn cuts(text: &str) -> Option<Vec<Cut<'_>>> {
    if text.starts_with('\u{feff}') {
        return None;
    }
    let mut cuts = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut section: Option<&str> = None;
    // Indent of the current section's items; `usize::MAX` when the section is no sequence.
    let mut item_indent: Option<usize> = None;
    let mut byte = 0;
    for (index, raw_line) in text.split_inclusive('\n').enumerate() {
        let start = byte;
        byte += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        if line.starts_with('%') || line.starts_with("---") || line.starts_with("...") {
            return None;
        }
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        let is_item = content == "-" || content.starts_with("- ");
        if indent == 0 && !is_item {
            let key = section_key(line)?;
            if seen.contains(&key) {
                return None;
            }
            seen.push(key);
            cuts.push(Cut {
                byte: start,
                line: index + 1,
                inside: None,
            });
            section = Some(key);
            item_indent = None;
            continue;
        }
        section?;
        match item_indent {
            None => item_indent = Some(if is_item { indent } else { usize::MAX }),
            Some(items) if items == indent && is_item => cuts.push(Cut {
                byte: start,
                line: index + 1,
                inside: section,
            }),
            Some(_) => {}
        }
    }
    Some(cuts)
}

/// `key` of a line `key:` or `key: value` at column 0, if the key is a plain identifier.
fn section_key(line: &str) -> Option<&str> {
    let (key, rest) = line.split_once(':')?;
    let plain = key
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_alphabetic() || c == '_' || (i > 0 && c.is_ascii_digit()));
    (plain && !key.is_empty() && (rest.is_empty() || rest.starts_with([' ', '#']))).then_some(key)
}

/// Cuts `text` into pieces, or `None` when it should be parsed whole.
///
/// Where a cut falls depends only on the text around it (the cut line's own text, and the size
/// since the last cut), not on the file's length: an edit moves the cuts near it at most, and
/// every other piece keeps its text, so a kept parse of it ([`super::ParseCache`]) still fits.
pub(crate) fn pieces(text: &str) -> Option<Vec<Piece>> {
    if text.len() < MIN_SPLIT_BYTES {
        return None;
    }
    let cuts = cuts(text)?;
    let hasher = foldhash::fast::FixedState::with_seed(0);
    let mut chosen: Vec<Cut<'_>> = Vec::new();
    let mut last = 0;
    for &cut in &cuts {
        let size = cut.byte - last;
        if size < MIN_PIECE_BYTES {
            continue;
        }
        let line = text[cut.byte..].split('\n').next().unwrap_or_default();
        if size >= MAX_PIECE_BYTES || hasher.hash_one(line).is_multiple_of(CUT_EVERY) {
            chosen.push(cut);
            last = cut.byte;
        }
    }
    if chosen.is_empty() {
        return None;
    }
    let mut pieces = Vec::with_capacity(chosen.len() + 1);
    let mut start = Cut {
        byte: 0,
        line: 1,
        inside: None,
    };
    for end in chosen.into_iter().map(Some).chain([None]) {
        let body = &text[start.byte..end.map_or(text.len(), |e| e.byte)];
        let prefix = start
            .inside
            .map(|key| format!("{key}:\n"))
            .unwrap_or_default();
        pieces.push(Piece {
            line_base: to_i64(start.line) - 1 - i64::from(start.inside.is_some()),
            byte_base: to_i64(start.byte) - to_i64(prefix.len()),
            text: prefix + body,
        });
        if let Some(end) = end {
            start = end;
        }
    }
    Some(pieces)
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Parses the pieces on all cores with `parse`, joining them with `join` in file order; `None`
/// if any piece fails (the caller then parses the whole text and reports what is wrong).
/// `parse` records positions of the whole file: see [`parse_in_place`].
pub(crate) fn parse<T: DeserializeOwned + Send>(
    pieces: Vec<Piece>,
    parse: impl Fn(&Piece) -> Option<T> + Sync,
    join: impl Fn(&mut T, T) -> Option<()>,
    reserve: impl Fn(&mut T, &[T]),
) -> Option<T> {
    let parsed: Vec<Option<T>> = pieces.par_iter().map(&parse).collect();
    let mut parsed: Vec<T> = parsed.into_iter().collect::<Option<_>>()?;
    let rest = parsed.split_off(1);
    let mut whole = parsed.pop()?;
    // Room for every later piece at once, instead of growing (and copying) piece by piece.
    reserve(&mut whole, &rest);
    for part in rest {
        join(&mut whole, part)?;
    }
    Some(whole)
}

/// Runs `parse` on the piece's text with its place as the base of every recorded position, so
/// that each [`crate::model::spanned::Sp`] records its position in the whole file.
pub(crate) fn parse_in_place<T>(piece: &Piece, parse: impl FnOnce(&str) -> T) -> T {
    with_base(piece.line_base, piece.byte_base, || parse(&piece.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(items: usize) -> String {
        let mut text = String::from("# comment\nsansho: 1\nsystem:\n  id: s\nflows:\n");
        for i in 0..items {
            text.push_str(&format!(
                "  - {{id: flow-{i}, phase: operation, path: [a, b, c], description: \"{}\"}}\n",
                "x".repeat(40)
            ));
        }
        text.push_str("controls:\n- id: c\n  name: |\n    - not an item\n");
        text
    }

    #[test]
    fn cuts_at_sections_and_items_only() {
        let text = big(3);
        let cuts = cuts(&text).unwrap();
        let lines: Vec<(usize, Option<&str>)> = cuts.iter().map(|c| (c.line, c.inside)).collect();
        assert_eq!(
            lines,
            [
                (2, None),
                (3, None),
                (5, None),
                (7, Some("flows")),
                (8, Some("flows")),
                (9, None),
            ]
        );
        for cut in &cuts {
            assert!(text[..cut.byte].ends_with('\n'), "cuts fall on line starts");
        }
    }

    #[test]
    fn pieces_cover_the_text_with_their_positions() {
        let text = big(40_000);
        let pieces = pieces(&text).unwrap();
        assert!(pieces.len() > 4, "{} pieces", pieces.len());
        let mut rebuilt = String::new();
        for piece in &pieces {
            let body = piece.text.strip_prefix("flows:\n").unwrap_or(&piece.text);
            let prefix_len = to_i64(piece.text.len() - body.len());
            let start = usize::try_from(piece.byte_base + prefix_len).unwrap();
            assert_eq!(start, rebuilt.len(), "pieces are contiguous");
            // The body's first line is line `line_base + 1 + prefix lines` of the file.
            let first_line = piece.line_base + 1 + i64::from(prefix_len > 0);
            let expected = text[..start].matches('\n').count() + 1;
            assert_eq!(usize::try_from(first_line).unwrap(), expected);
            rebuilt.push_str(body);
        }
        assert_eq!(rebuilt, text);
    }

    #[test]
    fn an_edit_changes_only_the_pieces_around_it() {
        let text = big(40_000);
        let edited = text.replacen("id: flow-20000,", "id: flow-20000-renamed,", 1);
        let before: Vec<String> = pieces(&text).unwrap().into_iter().map(|p| p.text).collect();
        let after: Vec<String> = pieces(&edited)
            .unwrap()
            .into_iter()
            .map(|p| p.text)
            .collect();
        let changed = after.iter().filter(|p| !before.contains(p)).count();
        assert!(before.len() > 20, "{} pieces", before.len());
        assert!(
            (1..=2).contains(&changed),
            "{changed} of {} pieces changed",
            after.len()
        );
    }

    #[test]
    fn a_cut_inside_a_quoted_text_leaves_a_piece_that_does_not_parse() {
        // Every item's quoted text has a second line that looks like an item.
        let mut text = String::from("flows:\n");
        for i in 0..40_000 {
            text.push_str(&format!(
                "  - {{id: f{i}, description: \"one\n  - {{id: fake-{i}}} two\"}}\n"
            ));
        }
        let pieces = pieces(&text).unwrap();
        let parses = |p: &Piece| serde_saphyr::from_str::<serde_json::Value>(&p.text).is_ok();
        let starts_inside: Vec<bool> = pieces
            .iter()
            .map(|p| p.text.starts_with("flows:\n  - {id: fake-"))
            .chain([false])
            .collect();
        assert!(
            starts_inside.contains(&true),
            "the test needs a cut inside a quote"
        );
        for (i, piece) in pieces.iter().enumerate() {
            // A piece parses exactly when neither of its ends lies inside a quote.
            assert_eq!(parses(piece), !starts_inside[i] && !starts_inside[i + 1]);
        }
    }

    #[test]
    fn refuses_what_it_cannot_cut_safely() {
        let text = big(40_000);
        for spoiled in [
            format!("---\n{text}"),
            format!("%YAML 1.2\n---\n{text}"),
            format!("{text}flows:\n  - {{id: again}}\n"),
            format!("\u{feff}{text}"),
            format!("{text}\"quoted key\": 1\n"),
        ] {
            assert!(pieces(&spoiled).is_none());
        }
        assert!(pieces("sansho: 1\n").is_none(), "small files stay whole");
    }
}
