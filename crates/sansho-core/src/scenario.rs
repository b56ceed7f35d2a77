//! 想定リスク: what could happen on a segment of a flow, in a sentence a reader can judge.
//!
//! A risk's sentence is its segment's context ("受付の医事端末で医療事務が…を閲覧する際に、")
//! followed by its threat's clause ("権限を持たない者が…をのぞき見たり…"), both templates of the
//! knowledge base (`kb/scenarios.yaml`) filled with names from the flow. The two halves are kept
//! apart and shared between risks (the context by every threat of a segment, the clause by every
//! flow through the same element with the same information), so a million risks do not each own
//! a sentence; the sentence is joined when it is read or written.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::text::{Lang, Localized};

/// The slots a template may use, each filled from the flow of the risk.
pub const SLOTS: [&str; 6] = ["where", "who", "element", "what", "how", "information"];

/// A template split once into literal text and slots.
#[derive(Clone, Debug)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
}

#[derive(Clone, Debug)]
enum Piece {
    Text(String),
    Slot(usize),
}

/// The text of each slot, indexed like [`SLOTS`].
pub(crate) type Slots<'a> = [&'a str; SLOTS.len()];

impl Template {
    /// Splits `text` at `{slot}`s; the error names the first unknown slot or unclosed brace.
    pub(crate) fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                return Err(rest[open..].to_owned());
            };
            let name = &after[..close];
            let slot = SLOTS
                .iter()
                .position(|s| *s == name)
                .ok_or_else(|| format!("{{{name}}}"))?;
            pieces.push(Piece::Slot(slot));
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(Template { pieces })
    }

    /// Whether a slot whose name passes `test` is used.
    fn uses(&self, test: impl Fn(&str) -> bool) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Slot(i) if test(SLOTS[*i])))
    }

    pub(crate) fn fill(&self, slots: &Slots) -> String {
        let len = self.pieces.iter().map(|piece| match piece {
            Piece::Text(text) => text.len(),
            Piece::Slot(i) => slots[*i].len(),
        });
        let mut out = String::with_capacity(len.sum());
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Slot(i) => out.push_str(slots[*i]),
            }
        }
        out
    }
}

/// Both languages of a template, parsed, with what they use found once: they are asked for
/// every risk.
#[derive(Clone, Debug)]
pub(crate) struct LocalizedTemplate {
    pub ja: Template,
    pub en: Template,
    uses_flow: bool,
    uses_information: bool,
}

impl LocalizedTemplate {
    pub(crate) fn parse(text: &Localized) -> Result<LocalizedTemplate, String> {
        let (ja, en) = (Template::parse(&text.ja)?, Template::parse(&text.en)?);
        let either = |test: fn(&str) -> bool| ja.uses(test) || en.uses(test);
        // The flow's slots (Where, Who, What, How), not only the element's.
        let uses_flow = either(|slot| !matches!(slot, "element" | "information"));
        let uses_information = either(|slot| slot == "information");
        Ok(LocalizedTemplate {
            uses_flow,
            uses_information,
            ja,
            en,
        })
    }

    pub(crate) fn uses_flow(&self) -> bool {
        self.uses_flow
    }

    /// Whether `{information}` is used: it differs between the threats of one segment.
    pub(crate) fn uses_information(&self) -> bool {
        self.uses_information
    }

    pub(crate) fn fill(&self, ja: &Slots, en: &Slots) -> Localized {
        Localized::new(self.ja.fill(ja), self.en.fill(en))
    }
}

/// A risk's 想定リスク: context and clause, joined when read. Serialised as the joined sentence
/// in both languages (`{"ja": …, "en": …}`). Empty in results written before risks had one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scenario {
    context: Arc<Localized>,
    clause: Arc<Localized>,
}

impl Scenario {
    pub(crate) fn new(context: Arc<Localized>, clause: Arc<Localized>) -> Self {
        Scenario { context, clause }
    }

    /// The sentence in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let (context, clause) = (self.context.get(lang), self.clause.get(lang));
        let mut out = String::with_capacity(context.len() + clause.len() + 3);
        // The context ends with "、" or ", " and the clause continues the sentence.
        out.push_str(context);
        out.push_str(clause);
        if !out.is_empty() {
            out.push_str(match lang {
                Lang::Ja => "。",
                Lang::En => ".",
            });
        }
        out
    }

    /// The two shared halves, for writers that list each once.
    pub(crate) fn parts(&self) -> (&Arc<Localized>, &Arc<Localized>) {
        (&self.context, &self.clause)
    }

    pub fn localized(&self) -> Localized {
        Localized::new(self.text(Lang::Ja), self.text(Lang::En))
    }
}

impl Serialize for Scenario {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.localized().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A sentence read back is whole: the full stop it was written with is kept aside so that
        // `text` gives the same sentence again.
        let mut read = Localized::deserialize(deserializer)?;
        for (text, stop) in [(&mut read.ja, "。"), (&mut read.en, ".")] {
            if let Some(stripped) = text.strip_suffix(stop) {
                *text = stripped.to_owned();
            }
        }
        Ok(Scenario {
            context: Arc::new(Localized::default()),
            clause: Arc::new(read),
        })
    }
}

impl JsonSchema for Scenario {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scenario".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Localized::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_their_slots_and_name_unknown_ones() {
        let t = Template::parse("{where}の{element}で{who}が").unwrap();
        let slots: Slots = ["受付", "医療事務", "医事端末", "", "", ""];
        assert_eq!(t.fill(&slots), "受付の医事端末で医療事務が");
        assert_eq!(Template::parse("{device}を").unwrap_err(), "{device}");
        assert_eq!(Template::parse("{who").unwrap_err(), "{who");
        assert_eq!(
            Template::parse("slots: none").unwrap().fill(&slots),
            "slots: none"
        );
    }

    #[test]
    fn a_template_knows_which_slots_it_uses_in_either_language() {
        let parse = |ja: &str, en: &str| LocalizedTemplate::parse(&Localized::new(ja, en)).unwrap();
        let element_only = parse("{element}の{information}", "the {information} on {element}");
        assert!(!element_only.uses_flow());
        assert!(element_only.uses_information());
        let flow_in_english_only = parse("{element}で", "{who} on {element}");
        assert!(flow_in_english_only.uses_flow());
        assert!(!flow_in_english_only.uses_information());
        for slot in ["where", "who", "what", "how"] {
            assert!(parse(&format!("{{{slot}}}"), "").uses_flow(), "{slot}");
        }
    }

    #[test]
    fn a_scenario_reads_back_as_the_same_sentence() {
        let s = Scenario::new(
            Arc::new(Localized::new("端末で、", "On the terminal, ")),
            Arc::new(Localized::new("情報が漏れる", "information leaks")),
        );
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"ja":"端末で、情報が漏れる。","en":"On the terminal, information leaks."}"#
        );
        let back: Scenario = serde_json::from_str(&json).unwrap();
        assert_eq!(back.text(Lang::Ja), s.text(Lang::Ja));
        assert_eq!(back.text(Lang::En), s.text(Lang::En));
    }
}
