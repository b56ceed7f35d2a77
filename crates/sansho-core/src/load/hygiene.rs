//! Checks on the text of a file that the typed parse cannot make: YAML tags (which the parser
//! would silently drop) and control or bidirectional-override characters in any text (which
//! would reach terminals raw, break XML outputs and let a name read differently from what it
//! is).
//!
//! A byte scan decides whether a file needs looking at; only then are its YAML events read, so
//! ordinary files cost one pass over their bytes.

use rayon::prelude::*;
use serde_saphyr::granit_parser::{Event, Parser};

use super::tree::pos_of;
use crate::diagnostics::{Code, Diagnostic};
use crate::loc;
use crate::model::spanned::Pos;
use crate::source::{FileId, Span};

/// Most problems of this kind reported for one file: enough to show the pattern, bounded so a
/// hostile file cannot make the report itself huge.
const MAX_REPORTED: usize = 1_000;

/// Every tag and every forbidden character in `text`, at their places.
pub fn check(file: FileId, text: &str) -> Vec<Diagnostic> {
    if !needs_events(text.as_bytes()) {
        return Vec::new();
    }
    let mut problems = Vec::new();
    for item in Parser::new_from_str(text) {
        // Syntax errors are reported, with better words, by the parse that follows.
        let Ok((event, span)) = item else { break };
        let pos = pos_of(&span);
        let (tagged, scalar) = match &event {
            Event::Scalar(value, _, _, tag) => (tag.is_some(), Some(value.as_ref())),
            Event::SequenceStart(_, _, tag) | Event::MappingStart(_, _, tag) => {
                (tag.is_some(), None)
            }
            _ => (false, None),
        };
        if tagged {
            problems.push(tag_found(file, pos));
        }
        if let Some(forbidden) = scalar.and_then(|s| s.chars().find(|&c| is_forbidden(c))) {
            problems.push(forbidden_character(file, pos, forbidden));
        }
        if problems.len() >= MAX_REPORTED {
            break;
        }
    }
    problems
}

/// Characters no text of a model may hold: C0 and C1 controls other than tab, line feed and
/// carriage return, DEL, and the bidirectional embeddings, overrides and isolates.
pub fn is_forbidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Texts of at least two of these are scanned on all cores, a piece of this size at a time.
const SCAN_PIECE: usize = 1 << 20;

/// Whether any byte could start a tag, an escape that yields a forbidden character, or a
/// forbidden character itself.
fn needs_events(bytes: &[u8]) -> bool {
    if bytes.len() < 2 * SCAN_PIECE {
        return starts_within(bytes, 0..bytes.len());
    }
    // A large model is scanned before it is parsed on all cores: here too, or it waits on one.
    (0..bytes.len().div_ceil(SCAN_PIECE))
        .into_par_iter()
        .any(|piece| {
            let start = piece * SCAN_PIECE;
            starts_within(bytes, start..bytes.len().min(start + SCAN_PIECE))
        })
}

/// Whether what [`needs_events`] looks for starts within `range` of `bytes`; it may end past it.
fn starts_within(bytes: &[u8], range: std::ops::Range<usize>) -> bool {
    // Read before every model is parsed: a table lookup per byte, and the few bytes it flags
    // looked at closely, keep this at a few percent of the parse.
    let mut at = range.start;
    while let Some(found) = bytes[at..range.end]
        .iter()
        .position(|&b| SUSPECT[usize::from(b)])
    {
        let here = at + found;
        if starts_suspect(&bytes[here..]) {
            return true;
        }
        at = here + 1;
    }
    false
}

/// Bytes that may start what [`needs_events`] looks for.
const SUSPECT: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = !matches!(b as u8, b'\t' | b'\n' | b'\r');
        b += 1;
    }
    table[b'!' as usize] = true;
    table[b'\\' as usize] = true;
    table[0x7f] = true;
    table[0xc2] = true;
    table[0xe2] = true;
    table
};

/// Whether `bytes`, which starts with a [`SUSPECT`] byte, starts a tag, an escape or a forbidden
/// character.
fn starts_suspect(bytes: &[u8]) -> bool {
    match bytes {
        // U+0080–U+009F are C2 80–C2 9F in UTF-8.
        [0xc2, next, ..] => (0x80..=0x9f).contains(next),
        [0xc2] => false,
        // U+202A–U+202E are E2 80 AA–AE; U+2066–U+2069 are E2 81 A6–A9.
        [0xe2, rest @ ..] => matches!(rest, [0x80, 0xaa..=0xae, ..] | [0x81, 0xa6..=0xa9, ..]),
        _ => true,
    }
}

fn span(file: FileId, pos: Pos) -> Option<Span> {
    Some(Span {
        file,
        line: pos.line,
        column: pos.column,
        offset: pos.offset,
        len: pos.len,
    })
}

fn tag_found(file: FileId, pos: Pos) -> Diagnostic {
    Diagnostic::new(
        Code::YamlTag,
        loc!(
            "YAML のタグ (`!…`) はモデルでは使えません",
            "YAML tags (`!…`) are not part of the model format"
        ),
        span(file, pos),
    )
    .with_hint(loc!(
        "タグを削除してください。文字列として書くには値を引用符で囲みます",
        "remove the tag; to write a value as text, put it in quotes"
    ))
}

fn forbidden_character(file: FileId, pos: Pos, c: char) -> Diagnostic {
    let code = format!("U+{:04X}", u32::from(c));
    Diagnostic::new(
        Code::ControlCharacter,
        loc!(
            "制御文字または双方向テキストの制御文字 ({code}) が含まれています",
            "the text holds a control or bidirectional-override character ({code})"
        ),
        span(file, pos),
    )
    .with_hint(loc!(
        "この文字を削除してください (表示を乱し、名前を別のものに見せかけられます)",
        "remove the character: it garbles displays and can make a name read as something else"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(Code, u32, u32)> {
        check(FileId(0), text)
            .iter()
            .map(|d| {
                let s = d.span.unwrap();
                (d.code, s.line, s.column)
            })
            .collect()
    }

    #[test]
    fn ordinary_text_is_not_scanned_for_events() {
        assert!(!needs_events(
            "name: 受付端末\n  - a: \"quoted\"\n".as_bytes()
        ));
        assert!(codes("a: b\n").is_empty());
    }

    /// The byte-by-byte definition the table scan must agree with.
    fn needs_events_bytewise(bytes: &[u8]) -> bool {
        bytes.iter().enumerate().any(|(i, &b)| match b {
            b'!' | b'\\' | 0x7f => true,
            b'\t' | b'\n' | b'\r' => false,
            0..=0x1f => true,
            0xc2 => bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)),
            0xe2 => matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(0x80), Some(0xaa..=0xae)) | (Some(0x81), Some(0xa6..=0xa9))
            ),
            _ => false,
        })
    }

    #[test]
    fn a_large_text_is_scanned_across_its_pieces() {
        // Japanese text (lead bytes E3–E9) over several pieces, with each kind of sequence laid
        // across a boundary between pieces, and at the very end.
        let ordinary = "受付端末".repeat(3 * SCAN_PIECE / 12 + 1).into_bytes();
        assert!(!needs_events(&ordinary));
        let sequences: [&[u8]; 4] = [b"\xe2\x80\xae", b"\xc2\x85", b"!", b"\x1b"];
        for sequence in sequences {
            for boundary in [SCAN_PIECE, 2 * SCAN_PIECE] {
                for back in 0..sequence.len() {
                    let mut text = ordinary.clone();
                    let at = boundary - back;
                    text[at..at + sequence.len()].copy_from_slice(sequence);
                    assert!(needs_events(&text), "{sequence:x?} at {at}");
                    assert_eq!(needs_events(&text), needs_events_bytewise(&text));
                }
            }
            let mut text = ordinary.clone();
            let end = text.len() - sequence.len();
            text[end..].copy_from_slice(sequence);
            assert!(needs_events(&text), "{sequence:x?} at the end");
        }
        // Cut short at the end: not a forbidden character.
        let mut text = ordinary.clone();
        let end = text.len() - 2;
        text[end..].copy_from_slice(b"\xe2\x80");
        assert!(!needs_events(&text));
    }

    #[test]
    fn the_table_scan_agrees_with_the_bytewise_definition() {
        // Every byte alone and before every byte, every E2 sequence, and texts that hold them
        // amid ordinary Japanese (whose lead bytes are E3–E9), at the end or cut short.
        let mut cases: Vec<Vec<u8>> = Vec::new();
        for a in 0..=255u8 {
            cases.push(vec![a]);
            for b in 0..=255u8 {
                cases.push(vec![a, b]);
            }
        }
        for b in 0x78..=0x88u8 {
            for c in 0x98..=0xb0u8 {
                cases.push(vec![0xe2, b, c]);
            }
        }
        let plain = "受付端末 → 医事 … name: x\n".as_bytes();
        for tail in [
            &b"\xe2\x80\xae"[..],
            b"\xe2\x80",
            b"\xc2",
            b"\xc2\x85",
            b"!",
            b"ok",
        ] {
            let mut text = plain.repeat(3);
            text.extend_from_slice(tail);
            cases.push(text.clone());
            text.extend_from_slice(plain);
            cases.push(text);
        }
        for case in &cases {
            assert_eq!(
                needs_events(case),
                needs_events_bytewise(case),
                "{case:02x?}"
            );
        }
    }

    #[test]
    fn tags_are_found_on_scalars_and_collections() {
        assert_eq!(
            codes("a: !secret x\nb: !!map {c: d}\n"),
            vec![(Code::YamlTag, 1, 12), (Code::YamlTag, 2, 10)]
        );
    }

    #[test]
    fn escapes_and_raw_controls_are_found_after_unescaping() {
        let found = codes("a: \"x\\e[31mred\"\nb: \"\\u202Egnp.exe\"\nc: 'tab\tis fine'\n");
        assert_eq!(
            found,
            vec![
                (Code::ControlCharacter, 1, 4),
                (Code::ControlCharacter, 2, 4)
            ]
        );
        assert!(
            codes("path: 'C:\\dir\\x'\n").is_empty(),
            "no escapes in single quotes"
        );
    }

    #[test]
    fn at_most_so_many_problems_are_listed_per_file() {
        let text = "- !t x\n".repeat(MAX_REPORTED + 500);
        assert_eq!(check(FileId(0), &text).len(), MAX_REPORTED);
    }
}
