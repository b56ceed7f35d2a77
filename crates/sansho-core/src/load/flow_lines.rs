//! A fast reading of the one-line flow style, `  - {id: a, phase: operation, …, path: [x, y]}`,
//! which `sansho generate` writes and large models use for their thousands of flows.
//!
//! The YAML parser reads about 14 MB/s and is half of `assess` at 100,000 flows. A piece of a
//! split file (`load::split`) that is nothing but `flows:` and such lines is read here instead,
//! into the same values with the same positions. The form accepted is deliberately narrow:
//! ASCII only, `, ` and `: ` as separators, keys of a flow written once, plain words of letters,
//! digits, `.`, `_` and `-` that YAML could not read as anything but text, lists in brackets.
//! Anything else (a quote, a comment, a space too many, an unknown key, a missing one) makes the
//! whole piece go to the YAML parser, which also reports every problem. `tests/parallel_parse.rs`
//! holds both readings equal on generated models and on each way out of the form.

use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as ValueError, StrDeserializer};

use crate::model::raw::{RawFile, RawFlow, Who};
use crate::model::spanned::{Sp, pos_in_text};

const SECTION: &str = "flows:\n";

/// Shallowest nesting limit under which the YAML parser reads these lines (the section's
/// mapping, its list, a flow's mapping, a list in it), with room to spare: below it the parser
/// would refuse what is read here, so the piece goes to the parser.
const DEPTH_NEEDED: usize = 8;

/// The piece `text` as the YAML parser would read it, if it is only flows in the one-line form.
pub(crate) fn parse(text: &str, max_depth: usize) -> Option<RawFile> {
    if max_depth < DEPTH_NEEDED {
        return None;
    }
    let body = text.strip_prefix(SECTION)?;
    let mut flows = Vec::with_capacity(body.len() / 160 + 1);
    let mut indent = None;
    let mut offset = SECTION.len();
    for (index, line) in body.split_inclusive('\n').enumerate() {
        let content = line.strip_suffix('\n').unwrap_or(line);
        // The section's line is line 1.
        let mut reader = Reader {
            line: content.as_bytes(),
            at: 0,
            line_number: index + 2,
            line_offset: offset,
        };
        let spaces = reader.line.iter().take_while(|&&b| b == b' ').count();
        if *indent.get_or_insert(spaces) != spaces {
            return None;
        }
        reader.at = spaces;
        flows.push(reader.flow()?);
        offset += line.len();
    }
    if flows.is_empty() {
        return None;
    }
    Some(RawFile {
        flows,
        ..RawFile::default()
    })
}

/// One line being read, with where it lies in the piece.
struct Reader<'a> {
    line: &'a [u8],
    at: usize,
    /// 1-based, in the piece.
    line_number: usize,
    /// Bytes of the piece before the line.
    line_offset: usize,
}

/// A plain word and its place in the line.
struct Word<'a> {
    text: &'a str,
    at: usize,
}

/// A value as written: one word, or a bracketed list of them.
enum Value<'a> {
    Word(Word<'a>),
    List(Vec<Word<'a>>),
}

impl<'a> Reader<'a> {
    fn eat(&mut self, expected: &[u8]) -> Option<()> {
        let rest = self.line.get(self.at..)?;
        rest.starts_with(expected)
            .then(|| self.at += expected.len())
    }

    /// `- {key: value, …}` to the end of the line.
    fn flow(&mut self) -> Option<RawFlow> {
        self.eat(b"- {")?;
        let mut flow = FlowFields::default();
        loop {
            let key = self.key()?;
            self.eat(b": ")?;
            let value = self.value()?;
            flow.set(self, key, value)?;
            if self.eat(b", ").is_none() {
                break;
            }
        }
        self.eat(b"}")?;
        (self.at == self.line.len()).then_some(())?;
        flow.finish()
    }

    fn key(&mut self) -> Option<&'a str> {
        let (line, start) = (self.line, self.at);
        let len = line[start..]
            .iter()
            .take_while(|b| b.is_ascii_lowercase() || **b == b'_')
            .count();
        self.at += len;
        std::str::from_utf8(&line[start..self.at])
            .ok()
            .filter(|k| !k.is_empty())
    }

    fn value(&mut self) -> Option<Value<'a>> {
        if self.eat(b"[").is_none() {
            return self.word().map(Value::Word);
        }
        let mut words = Vec::new();
        if self.eat(b"]").is_some() {
            return Some(Value::List(words));
        }
        loop {
            words.push(self.word()?);
            if self.eat(b"]").is_some() {
                return Some(Value::List(words));
            }
            self.eat(b", ")?;
        }
    }

    /// A plain scalar YAML can only read as this text: a letter, then letters, digits, `.`, `_`
    /// and `-`, and not one of the words YAML 1.1 or 1.2 reads as a boolean or null.
    fn word(&mut self) -> Option<Word<'a>> {
        let (line, start) = (self.line, self.at);
        if !line.get(start)?.is_ascii_alphabetic() {
            return None;
        }
        let len = line[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            .count();
        self.at += len;
        let text = std::str::from_utf8(&line[start..self.at]).ok()?;
        const SPECIAL: [&str; 9] = ["null", "true", "false", "yes", "no", "on", "off", "y", "n"];
        if SPECIAL.iter().any(|s| s.eq_ignore_ascii_case(text)) {
            return None;
        }
        Some(Word { text, at: start })
    }

    fn spanned<T>(&self, word: &Word<'_>, value: T) -> Sp<T> {
        Sp::new(
            value,
            pos_in_text(
                self.line_number,
                word.at + 1,
                self.line_offset + word.at,
                word.text.len(),
            ),
        )
    }

    fn text(&self, word: &Word<'_>) -> Sp<String> {
        self.spanned(word, word.text.to_owned())
    }

    /// A word read as one of the values of `T` (a phase, an operation …), as serde reads it.
    fn choice<T: for<'de> Deserialize<'de>>(&self, word: &Word<'_>) -> Option<Sp<T>> {
        let reader: StrDeserializer<'_, ValueError> = word.text.into_deserializer();
        Some(self.spanned(word, T::deserialize(reader).ok()?))
    }
}

/// The fields of a flow as they are read; each may be written once.
#[derive(Default)]
struct FlowFields {
    id: Option<Sp<String>>,
    phase: Option<Sp<crate::vocab::Phase>>,
    layer: Option<Sp<crate::vocab::Layer>>,
    who: Option<Sp<Who>>,
    where_: Option<Sp<String>>,
    which: Option<Sp<String>>,
    what: Option<Vec<Sp<String>>>,
    how: Option<Vec<Sp<crate::vocab::Operation>>>,
    path: Option<Vec<Sp<String>>>,
    volume: Option<Sp<crate::vocab::Volume>>,
    approval: Option<Sp<String>>,
    evidence: Option<Sp<String>>,
    break_glass: Option<Sp<String>>,
    description: Option<String>,
}

/// Puts `value` in `slot` unless the slot is already filled (a key written twice).
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

impl FlowFields {
    fn set(&mut self, r: &Reader<'_>, key: &str, value: Value<'_>) -> Option<()> {
        match (key, value) {
            ("id", Value::Word(w)) => once(&mut self.id, r.text(&w)),
            ("phase", Value::Word(w)) => once(&mut self.phase, r.choice(&w)?),
            ("layer", Value::Word(w)) => once(&mut self.layer, r.choice(&w)?),
            ("who", Value::Word(w)) => {
                once(&mut self.who, r.spanned(&w, Who::One(w.text.to_owned())))
            }
            ("where", Value::Word(w)) => once(&mut self.where_, r.text(&w)),
            ("which", Value::Word(w)) => once(&mut self.which, r.text(&w)),
            ("what", Value::List(ws)) => {
                once(&mut self.what, ws.iter().map(|w| r.text(w)).collect())
            }
            ("how", Value::List(ws)) => once(
                &mut self.how,
                ws.iter().map(|w| r.choice(w)).collect::<Option<_>>()?,
            ),
            ("path", Value::List(ws)) => {
                once(&mut self.path, ws.iter().map(|w| r.text(w)).collect())
            }
            ("volume", Value::Word(w)) => once(&mut self.volume, r.choice(&w)?),
            ("approval", Value::Word(w)) => once(&mut self.approval, r.text(&w)),
            ("evidence", Value::Word(w)) => once(&mut self.evidence, r.text(&w)),
            ("break_glass", Value::Word(w)) => once(&mut self.break_glass, r.text(&w)),
            ("description", Value::Word(w)) => once(&mut self.description, w.text.to_owned()),
            // An unknown key, a list where a word belongs or the other way round, a list of
            // actors: the parser reads (or refuses) those.
            _ => None,
        }
    }

    /// The flow, if every field the parser requires is there.
    fn finish(self) -> Option<RawFlow> {
        Some(RawFlow {
            id: self.id?,
            phase: self.phase?,
            layer: self.layer?,
            who: self.who,
            where_: self.where_?,
            which: self.which?,
            what: self.what?,
            how: self.how?,
            path: self.path.unwrap_or_default(),
            volume: self.volume,
            approval: self.approval,
            evidence: self.evidence,
            break_glass: self.break_glass,
            description: self.description,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

    use super::*;

    /// The YAML parser's reading of `text`, as comparable text.
    fn parsed(text: &str) -> String {
        format!("{:?}", serde_saphyr::from_str::<RawFile>(text).ok())
    }

    fn flow_lines(model: &str) -> String {
        let lines: String = model
            .lines()
            .filter(|line| line.starts_with("  - {id: ") && line.contains("phase: "))
            .map(|line| format!("{line}\n"))
            .collect();
        format!("{SECTION}{lines}")
    }

    #[test]
    fn generated_flows_are_read_as_the_parser_reads_them() {
        for model in [sansho_gen::hospital(300), sansho_gen::deep(300)] {
            let piece = flow_lines(&model);
            let fast = parse(&piece, 64).expect("the generated style is read here");
            assert!(fast.flows.len() >= 300);
            assert_eq!(format!("{:?}", Some(fast)), parsed(&piece));
            // The last line may end the file without a line break.
            let piece = piece.trim_end();
            assert_eq!(format!("{:?}", parse(piece, 64)), parsed(piece));
        }
    }

    #[test]
    fn every_way_out_of_the_form_goes_to_the_parser() {
        let base = "{id: f, phase: operation, layer: application, where: site, which: pc, \
                    what: [info], how: [view]";
        let accepted = [
            format!("  - {base}}}"),
            format!("- {base}}}"),
            format!("  - {base}, who: staff, path: [pc, lan], volume: bulk}}"),
            format!("  - {base}, path: [], description: note.v2_final-3}}"),
            format!("  - {base}, approval: a, evidence: e, break_glass: b}}"),
        ];
        for line in &accepted {
            let piece = format!("{SECTION}{line}\n");
            let fast = parse(&piece, 64);
            assert!(fast.is_some(), "{line}");
            assert_eq!(format!("{fast:?}"), parsed(&piece), "{line}");
        }
        let refused = [
            format!("  - {base}, who: [staff, doctor]}}"),
            format!("  - {base}, description: yes}}"),
            format!("  - {base}, description: Null}}"),
            format!("  - {base}, description: 12}}"),
            format!("  - {base}, description: \"quoted\"}}"),
            format!("  - {base}, description: 診療}}"),
            format!("  - {base}, description: a b}}"),
            format!("  - {base}, colour: red}}"),
            format!("  - {base}, id: again}}"),
            format!("  - {base}, how: [fly]}}"),
            format!("  - {base}, what: info}}"),
            format!("  - {base}}} # note"),
            format!("  - {base}}} "),
            format!("  - {base}}}\r"),
            format!("  - {base},  who: staff}}"),
            format!("  - {base}, who: *staff}}"),
            "  - {id: f, phase: operation}".to_owned(),
            format!("  - {base}}}\n    - {base}}}"),
            format!("  - {base}}}\n\n  - {base}}}"),
            format!("  - {base}}}\ncontrols: []"),
        ];
        for line in &refused {
            let piece = format!("{SECTION}{line}\n");
            assert!(parse(&piece, 64).is_none(), "{line}");
        }
        // The section must be the piece's first line, as `load::split` writes it.
        assert!(parse(&format!("flows: # list\n  - {base}}}\n"), 64).is_none());
        // Under a nesting limit the parser would refuse, the parser decides.
        assert!(parse(&format!("{SECTION}  - {base}}}\n"), 3).is_none());
    }
}
