//! A fast reading of the one-line item style, `  - {id: a, phase: operation, …, path: [x, y]}`,
//! which `sansho generate` writes and large models use for their thousands of flows and assets.
//!
//! The YAML parser reads about 14 MB/s and was half of `assess` at 100,000 flows. A piece of a
//! split file (`load::split`) that is nothing but `flows:` or `assets:` and such lines is read
//! here instead, into the same values with the same positions. The form accepted is deliberately
//! narrow: `, ` and `: ` as separators, keys written once, lists in brackets, and plain scalars
//! that YAML could not read as anything but text: a letter first, then letters and digits of any
//! script, `.`, `_`, `-` and single spaces between them, and none of YAML's boolean or null words
//! (`true` and `false` only where a yes/no belongs). Anything else (a quote, a comment, a space
//! too many, a nested mapping, an unknown key, a missing one) makes the whole piece go to the
//! YAML parser, which also reports every problem. `tests/parallel_parse.rs` holds both readings
//! equal on generated models and on each way out of the form.

use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as ValueError, StrDeserializer};

use crate::model::raw::{RawAsset, RawFile, RawFlow, Who};
use crate::model::spanned::{Sp, pos_in_text};
use crate::vocab::{AssetKind, AuthMethod, Exposure, Layer, Operation, Phase, Scope, Volume};

const FLOWS: &str = "flows:\n";
const ASSETS: &str = "assets:\n";

/// Shallowest nesting limit under which the YAML parser reads these lines (the section's
/// mapping, its list, an item's mapping, a list in it), with room to spare: below it the parser
/// would refuse what is read here, so the piece goes to the parser.
const DEPTH_NEEDED: usize = 8;

/// The piece `text` as the YAML parser would read it, if it is only flows or only assets in the
/// one-line form.
pub(crate) fn parse(text: &str, max_depth: usize) -> Option<RawFile> {
    if max_depth < DEPTH_NEEDED {
        return None;
    }
    if let Some(body) = text.strip_prefix(FLOWS) {
        let flows = items(body, FLOWS.len(), |r| r.flow())?;
        Some(RawFile {
            flows,
            ..RawFile::default()
        })
    } else {
        let body = text.strip_prefix(ASSETS)?;
        let assets = items(body, ASSETS.len(), |r| r.asset())?;
        Some(RawFile {
            assets,
            ..RawFile::default()
        })
    }
}

/// Every line of `body` read by `read`, all indented alike; `offset` is the bytes before `body`.
fn items<T>(
    body: &str,
    mut offset: usize,
    read: impl Fn(&mut Reader<'_>) -> Option<T>,
) -> Option<Vec<T>> {
    let mut items = Vec::with_capacity(body.len() / 160 + 1);
    let mut indent = None;
    for (index, line) in body.split_inclusive('\n').enumerate() {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let spaces = content.bytes().take_while(|&b| b == b' ').count();
        if *indent.get_or_insert(spaces) != spaces {
            return None;
        }
        let mut reader = Reader {
            text: content,
            line: content.as_bytes(),
            ascii: content.is_ascii(),
            at: spaces,
            // The section's line is line 1.
            line_number: index + 2,
            line_offset: offset,
        };
        items.push(read(&mut reader)?);
        offset += line.len();
    }
    (!items.is_empty()).then_some(items)
}

/// One line being read, with where it lies in the piece.
struct Reader<'a> {
    text: &'a str,
    line: &'a [u8],
    /// Columns count characters; on an ASCII line they are bytes.
    ascii: bool,
    at: usize,
    /// 1-based, in the piece.
    line_number: usize,
    /// Bytes of the piece before the line.
    line_offset: usize,
}

/// A plain scalar and the byte where it starts in the line.
struct Word<'a> {
    text: &'a str,
    at: usize,
}

/// A value as written: one scalar, or a bracketed list of them.
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

    /// `- {key: value, …}` to the end of the line, each pair handed to `set`.
    fn mapping(
        &mut self,
        mut set: impl FnMut(&Self, &'a str, Value<'a>) -> Option<()>,
    ) -> Option<()> {
        self.eat(b"- {")?;
        loop {
            let key = self.key()?;
            self.eat(b": ")?;
            let value = self.value()?;
            set(self, key, value)?;
            if self.eat(b", ").is_none() {
                break;
            }
        }
        self.eat(b"}")?;
        (self.at == self.line.len()).then_some(())
    }

    fn flow(&mut self) -> Option<RawFlow> {
        let mut flow = FlowFields::default();
        self.mapping(|r, key, value| flow.set(r, key, value))?;
        flow.finish()
    }

    fn asset(&mut self) -> Option<RawAsset> {
        let mut asset = AssetFields::default();
        self.mapping(|r, key, value| asset.set(r, key, value))?;
        asset.finish()
    }

    fn key(&mut self) -> Option<&'a str> {
        let (line, start) = (self.line, self.at);
        let len = line[start..]
            .iter()
            .take_while(|b| b.is_ascii_lowercase() || **b == b'_')
            .count();
        self.at += len;
        self.text.get(start..self.at).filter(|k| !k.is_empty())
    }

    fn value(&mut self) -> Option<Value<'a>> {
        if self.eat(b"[").is_none() {
            return self.scalar().map(Value::Word);
        }
        let mut words = Vec::new();
        if self.eat(b"]").is_some() {
            return Some(Value::List(words));
        }
        loop {
            words.push(self.scalar()?);
            if self.eat(b"]").is_some() {
                return Some(Value::List(words));
            }
            self.eat(b", ")?;
        }
    }

    /// A plain scalar: a letter, then letters and digits of any script, `.`, `_` and `-`, with
    /// single spaces between them. What follows it is for the caller to check (`, `, `}`, `]`).
    fn scalar(&mut self) -> Option<Word<'a>> {
        let start = self.at;
        let rest = self.text.get(start..)?;
        let letter = |c: char| c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphanumeric());
        let plain = |c: char| letter(c) || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
        let mut chars = rest.char_indices();
        let (_, first) = chars.next()?;
        if !letter(first) {
            return None;
        }
        let mut end = first.len_utf8();
        let mut after_space = false;
        for (i, c) in chars {
            if plain(c) {
                end = i + c.len_utf8();
                after_space = false;
            } else if c == ' ' && !after_space {
                after_space = true;
            } else {
                break;
            }
        }
        self.at += end;
        Some(Word {
            text: &rest[..end],
            at: start,
        })
    }

    fn spanned<T>(&self, word: &Word<'_>, value: T) -> Sp<T> {
        let column = if self.ascii {
            word.at
        } else {
            self.text[..word.at].chars().count()
        };
        Sp::new(
            value,
            pos_in_text(
                self.line_number,
                column + 1,
                self.line_offset + word.at,
                word.text.len(),
            ),
        )
    }

    /// A scalar YAML reads as this text: not one of the words YAML 1.1 or 1.2 reads as a
    /// boolean or null.
    fn plain_text<'w>(word: &Word<'w>) -> Option<&'w str> {
        const SPECIAL: [&str; 9] = ["null", "true", "false", "yes", "no", "on", "off", "y", "n"];
        let text = word.text;
        (!SPECIAL.iter().any(|s| s.eq_ignore_ascii_case(text))).then_some(text)
    }

    fn text(&self, word: &Word<'_>) -> Option<Sp<String>> {
        Some(self.spanned(word, Self::plain_text(word)?.to_owned()))
    }

    fn texts(&self, words: &[Word<'_>]) -> Option<Vec<Sp<String>>> {
        words.iter().map(|w| self.text(w)).collect()
    }

    /// A scalar read as one of the values of `T` (a phase, an operation …), as serde reads it.
    fn choice<T: for<'de> Deserialize<'de>>(&self, word: &Word<'_>) -> Option<Sp<T>> {
        let reader: StrDeserializer<'_, ValueError> = Self::plain_text(word)?.into_deserializer();
        Some(self.spanned(word, T::deserialize(reader).ok()?))
    }

    fn choices<T: for<'de> Deserialize<'de>>(&self, words: &[Word<'_>]) -> Option<Vec<Sp<T>>> {
        words.iter().map(|w| self.choice(w)).collect()
    }

    /// `true` or `false`, as YAML 1.2 writes them; any other spelling goes to the parser.
    fn flag(word: &Word<'_>) -> Option<bool> {
        match word.text {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
}

/// Puts `value` in `slot` unless the slot is already filled (a key written twice).
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

/// The fields of a flow as they are read; each may be written once.
#[derive(Default)]
struct FlowFields {
    id: Option<Sp<String>>,
    phase: Option<Sp<Phase>>,
    layer: Option<Sp<Layer>>,
    who: Option<Sp<Who>>,
    where_: Option<Sp<String>>,
    which: Option<Sp<String>>,
    what: Option<Vec<Sp<String>>>,
    how: Option<Vec<Sp<Operation>>>,
    path: Option<Vec<Sp<String>>>,
    volume: Option<Sp<Volume>>,
    approval: Option<Sp<String>>,
    evidence: Option<Sp<String>>,
    break_glass: Option<Sp<String>>,
    description: Option<String>,
}

impl FlowFields {
    fn set(&mut self, r: &Reader<'_>, key: &str, value: Value<'_>) -> Option<()> {
        match (key, value) {
            ("id", Value::Word(w)) => once(&mut self.id, r.text(&w)?),
            ("phase", Value::Word(w)) => once(&mut self.phase, r.choice(&w)?),
            ("layer", Value::Word(w)) => once(&mut self.layer, r.choice(&w)?),
            ("who", Value::Word(w)) => {
                let who = r.text(&w)?;
                once(&mut self.who, Sp::new(Who::One(who.value), who.pos))
            }
            ("where", Value::Word(w)) => once(&mut self.where_, r.text(&w)?),
            ("which", Value::Word(w)) => once(&mut self.which, r.text(&w)?),
            ("what", Value::List(ws)) => once(&mut self.what, r.texts(&ws)?),
            ("how", Value::List(ws)) => once(&mut self.how, r.choices(&ws)?),
            ("path", Value::List(ws)) => once(&mut self.path, r.texts(&ws)?),
            ("volume", Value::Word(w)) => once(&mut self.volume, r.choice(&w)?),
            ("approval", Value::Word(w)) => once(&mut self.approval, r.text(&w)?),
            ("evidence", Value::Word(w)) => once(&mut self.evidence, r.text(&w)?),
            ("break_glass", Value::Word(w)) => once(&mut self.break_glass, r.text(&w)?),
            ("description", Value::Word(w)) => once(&mut self.description, r.text(&w)?.value),
            // An unknown key, a list where a scalar belongs or the other way round, a list of
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

/// The fields of an asset as they are read; each may be written once. Password rules (a nested
/// mapping) are left to the parser.
#[derive(Default)]
struct AssetFields {
    id: Option<Sp<String>>,
    name: Option<Sp<String>>,
    kind: Option<Sp<AssetKind>>,
    layer: Option<Sp<Layer>>,
    location: Option<Sp<String>>,
    managed_by: Option<Sp<String>>,
    scope: Option<Sp<Scope>>,
    runs_on: Option<Sp<String>>,
    replica_of: Option<Sp<String>>,
    regenerable: Option<bool>,
    holds: Option<Vec<Sp<String>>>,
    exposure: Option<Sp<Exposure>>,
    authentication: Option<Vec<Sp<AuthMethod>>>,
    encrypted_at_rest: Option<bool>,
    unpatched_vulnerabilities: Option<Vec<Sp<String>>>,
    default_credentials: Option<bool>,
    taken_out: Option<bool>,
    minimal_apps: Option<bool>,
    lent_to_patients: Option<bool>,
    patient_consent: Option<bool>,
    cloud_permitted: Option<bool>,
    description: Option<String>,
}

impl AssetFields {
    fn set(&mut self, r: &Reader<'_>, key: &str, value: Value<'_>) -> Option<()> {
        let flag = Reader::flag;
        match (key, value) {
            ("id", Value::Word(w)) => once(&mut self.id, r.text(&w)?),
            ("name", Value::Word(w)) => once(&mut self.name, r.text(&w)?),
            ("kind", Value::Word(w)) => once(&mut self.kind, r.choice(&w)?),
            ("layer", Value::Word(w)) => once(&mut self.layer, r.choice(&w)?),
            ("location", Value::Word(w)) => once(&mut self.location, r.text(&w)?),
            ("managed_by", Value::Word(w)) => once(&mut self.managed_by, r.text(&w)?),
            ("scope", Value::Word(w)) => once(&mut self.scope, r.choice(&w)?),
            ("runs_on", Value::Word(w)) => once(&mut self.runs_on, r.text(&w)?),
            ("replica_of", Value::Word(w)) => once(&mut self.replica_of, r.text(&w)?),
            ("regenerable", Value::Word(w)) => once(&mut self.regenerable, flag(&w)?),
            ("holds", Value::List(ws)) => once(&mut self.holds, r.texts(&ws)?),
            ("exposure", Value::Word(w)) => once(&mut self.exposure, r.choice(&w)?),
            ("authentication", Value::List(ws)) => once(&mut self.authentication, r.choices(&ws)?),
            ("encrypted_at_rest", Value::Word(w)) => once(&mut self.encrypted_at_rest, flag(&w)?),
            ("unpatched_vulnerabilities", Value::List(ws)) => {
                once(&mut self.unpatched_vulnerabilities, r.texts(&ws)?)
            }
            ("default_credentials", Value::Word(w)) => {
                once(&mut self.default_credentials, flag(&w)?)
            }
            ("taken_out", Value::Word(w)) => once(&mut self.taken_out, flag(&w)?),
            ("minimal_apps", Value::Word(w)) => once(&mut self.minimal_apps, flag(&w)?),
            ("lent_to_patients", Value::Word(w)) => once(&mut self.lent_to_patients, flag(&w)?),
            ("patient_consent", Value::Word(w)) => once(&mut self.patient_consent, flag(&w)?),
            ("cloud_permitted", Value::Word(w)) => once(&mut self.cloud_permitted, flag(&w)?),
            ("description", Value::Word(w)) => once(&mut self.description, r.text(&w)?.value),
            // Password rules, an unknown key, a list where a scalar belongs or the other way
            // round: the parser reads (or refuses) those.
            _ => None,
        }
    }

    /// The asset, if every field the parser requires is there.
    fn finish(self) -> Option<RawAsset> {
        Some(RawAsset {
            id: self.id?,
            name: self.name?,
            kind: self.kind?,
            layer: self.layer,
            location: self.location,
            managed_by: self.managed_by,
            scope: self.scope,
            runs_on: self.runs_on,
            replica_of: self.replica_of,
            regenerable: self.regenerable.unwrap_or_default(),
            password_policy: None,
            holds: self.holds.unwrap_or_default(),
            exposure: self.exposure,
            authentication: self.authentication,
            encrypted_at_rest: self.encrypted_at_rest,
            unpatched_vulnerabilities: self.unpatched_vulnerabilities.unwrap_or_default(),
            default_credentials: self.default_credentials.unwrap_or_default(),
            taken_out: self.taken_out.unwrap_or_default(),
            minimal_apps: self.minimal_apps,
            lent_to_patients: self.lent_to_patients.unwrap_or_default(),
            patient_consent: self.patient_consent.unwrap_or_default(),
            cloud_permitted: self.cloud_permitted,
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

    /// The one-line items of `section` in a generated model, as `load::split` cuts them out.
    fn section_lines(model: &str, section: &str) -> String {
        let mut inside = false;
        let mut lines = String::from(section);
        for line in model.lines() {
            if !line.starts_with(' ') && !line.starts_with('-') {
                inside = format!("{line}\n") == section;
            } else if inside {
                lines.push_str(line);
                lines.push('\n');
            }
        }
        lines
    }

    #[test]
    fn generated_flows_and_assets_are_read_as_the_parser_reads_them() {
        for model in [sansho_gen::hospital(300), sansho_gen::deep(300)] {
            for section in [FLOWS, ASSETS] {
                let piece = section_lines(&model, section);
                let fast = parse(&piece, 64).expect("the generated style is read here");
                assert!(fast.flows.len() + fast.assets.len() >= 20, "{section}");
                // Japanese names make columns count characters, not bytes.
                assert!(section == FLOWS || !piece.is_ascii());
                assert_eq!(format!("{:?}", Some(fast)), parsed(&piece));
                // The last line may end the file without a line break.
                let piece = piece.trim_end();
                assert_eq!(format!("{:?}", parse(piece, 64)), parsed(piece));
            }
        }
    }

    /// Each line is read here and equal to the parser's reading, or refused here.
    fn assert_read(section: &str, accepted: &[String], refused: &[String]) {
        for line in accepted {
            let piece = format!("{section}{line}\n");
            let fast = parse(&piece, 64);
            assert!(fast.is_some(), "{line}");
            assert_eq!(format!("{fast:?}"), parsed(&piece), "{line}");
        }
        for line in refused {
            let piece = format!("{section}{line}\n");
            assert!(parse(&piece, 64).is_none(), "{line}");
        }
    }

    /// The fuzz target `one_line` starts from these; they must lie inside the form, or the
    /// fuzzer would seldom reach the reading it is there to check.
    #[test]
    fn the_fuzz_seeds_are_read_here() {
        let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus/one_line");
        let mut read = 0;
        for entry in std::fs::read_dir(seeds).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let (choice, rest) = bytes.split_first().unwrap();
            let section = if choice % 2 == 0 { FLOWS } else { ASSETS };
            let piece = format!("{section}{}", std::str::from_utf8(rest).unwrap());
            let fast = parse(&piece, 64);
            assert!(fast.is_some(), "{piece}");
            assert_eq!(format!("{fast:?}"), parsed(&piece));
            read += 1;
        }
        assert!(read >= 3);
    }

    #[test]
    fn every_way_out_of_the_flow_form_goes_to_the_parser() {
        let base = "{id: f, phase: operation, layer: application, where: site, which: pc, \
                    what: [info], how: [view]";
        let accepted = [
            format!("  - {base}}}"),
            format!("- {base}}}"),
            format!("  - {base}, who: staff, path: [pc, lan], volume: bulk}}"),
            format!("  - {base}, path: [], description: note.v2_final-3}}"),
            format!("  - {base}, approval: a, evidence: e, break_glass: b}}"),
            format!("  - {base}, description: 診療 の 記録 2}}"),
            format!("  - {base}, description: a b -c}}"),
        ];
        let refused = [
            format!("  - {base}, who: [staff, doctor]}}"),
            format!("  - {base}, description: yes}}"),
            format!("  - {base}, description: Null}}"),
            format!("  - {base}, description: 12}}"),
            format!("  - {base}, description: \"quoted\"}}"),
            format!("  - {base}, description: a  b}}"),
            format!("  - {base}, description: a }}"),
            format!("  - {base}, description: a # b}}"),
            format!("  - {base}, description: 診療（予約）}}"),
            format!("  - {base}, description: a\u{3000}b}}"),
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
        assert_read(FLOWS, &accepted, &refused);
        // The section must be the piece's first line, as `load::split` writes it.
        assert!(parse(&format!("flows: # list\n  - {base}}}\n"), 64).is_none());
        // Under a nesting limit the parser would refuse, the parser decides.
        assert!(parse(&format!("{FLOWS}  - {base}}}\n"), 3).is_none());
    }

    #[test]
    fn every_way_out_of_the_asset_form_goes_to_the_parser() {
        let base = "{id: pc-1, name: 受付 端末 1, kind: terminal";
        let accepted = [
            format!("  - {base}}}"),
            format!(
                "  - {base}, layer: application, location: clinic, managed_by: it, \
                 scope: institution, exposure: internal, authentication: [password, ic_card]}}"
            ),
            format!("  - {base}, runs_on: host, replica_of: primary, holds: [emr, log]}}"),
            format!(
                "  - {base}, regenerable: true, encrypted_at_rest: false, \
                 default_credentials: true, taken_out: false, minimal_apps: true, \
                 lent_to_patients: true, patient_consent: false, cloud_permitted: true}}"
            ),
            format!(
                "  - {base}, unpatched_vulnerabilities: [CVE-2024-0001], authentication: [], \
                 description: 受付の 端末}}"
            ),
        ];
        let refused = [
            format!("  - {base}, password_policy: {{min_length: 8}}}}"),
            format!("  - {base}, encrypted_at_rest: yes}}"),
            format!("  - {base}, encrypted_at_rest: True}}"),
            format!("  - {base}, regenerable: maybe}}"),
            format!("  - {base}, kind: server}}"),
            format!("  - {base}, exposure: everywhere}}"),
            format!("  - {base}, authentication: [password, retina]}}"),
            format!("  - {base}, holds: emr}}"),
            format!("  - {base}, location: [a, b]}}"),
            format!("  - {base}, colour: red}}"),
            "  - {id: pc-1, name: \"受付 端末 1\", kind: terminal}".to_owned(),
            "  - {id: pc-1, name: 受付・端末, kind: terminal}".to_owned(),
            "  - {id: pc-1, name: 1 番 端末, kind: terminal}".to_owned(),
            "  - {id: pc-1, name: null, kind: terminal}".to_owned(),
            "  - {id: pc-1, kind: terminal}".to_owned(),
        ];
        assert_read(ASSETS, &accepted, &refused);
        // Flows and assets are never mixed in one piece.
        let flow = "  - {id: f, phase: operation, layer: application, where: site, which: pc, \
                    what: [info], how: [view]}";
        assert!(parse(&format!("{ASSETS}  - {base}}}\n{flow}\n"), 64).is_none());
    }
}
