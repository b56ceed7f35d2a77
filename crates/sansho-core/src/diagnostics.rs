//! Diagnostics: every problem sansho reports about a model, with a stable code, a severity, a
//! message in both languages, the place in the user's file and a hint on how to fix it.
//!
//! Codes are never reused. The table in [`Code`] is the single place where they are declared;
//! a test snapshots it so a change to the table is a visible review item.

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::source::Span;
use crate::text::Localized;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    /// The name in outputs and knowledge-base files (`warning`).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $name:literal, $severity:ident, $summary:literal; )*) => {
        /// Every diagnostic code sansho can emit: the model (`M…`), knowledge-base (`K…`) and
        /// policy (`P…`) codes listed here, and the guideline rules, each declared in its own
        /// file under `src/rules/` ([`RuleId`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( #[doc = $summary] $variant, )*
            /// A guideline rule.
            Rule(RuleId),
        }

        impl Code {
            /// The codes declared in this table (not the rules).
            const TABLE: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code, e.g. `M005` or `AUTH001`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* Code::Rule(r) => r.code() }
            }

            /// A kebab-case name that says what the code flags.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* Code::Rule(r) => r.name() }
            }

            /// The severity a finding of this code starts with. A rule's own severity comes from
            /// its declaration (the strength of the guideline's wording); this is `Error` for
            /// rules until the declaration is applied.
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* Code::Rule(_) => Severity::Error }
            }

            /// One-line English summary, for listings; a rule's summary is its declaration's title
            /// (in the knowledge base), so here only its name.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* Code::Rule(r) => r.name() }
            }
        }
    };
}

/// A rule of the guideline pack: its place in the registry of rules, which is generated from the
/// rule files under `src/rules/` (one file per rule) and sorted by code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(u16);

mod generated {
    // `RULE_CODES: &[(&str, &str)]`: (code, name) of every rule file, sorted by code.
    include!(concat!(env!("OUT_DIR"), "/rule_codes.rs"));
}

impl RuleId {
    /// Every rule, in code order.
    pub fn all() -> impl Iterator<Item = RuleId> {
        (0..generated::RULE_CODES.len()).map(|i| RuleId(i as u16))
    }

    pub fn code(self) -> &'static str {
        generated::RULE_CODES[self.index()].0
    }

    pub fn name(self) -> &'static str {
        generated::RULE_CODES[self.index()].1
    }

    /// Place in the registry: rule declarations and checks are listed in this order.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    pub fn parse(text: &str) -> Option<RuleId> {
        RuleId::all().find(|r| r.code().eq_ignore_ascii_case(text) || r.name() == text)
    }
}

impl Code {
    /// Every code: the table's, then the rules'.
    pub fn all() -> impl Iterator<Item = Code> {
        Code::TABLE
            .iter()
            .copied()
            .chain(RuleId::all().map(Code::Rule))
    }

    /// Whether the code is a guideline rule (`AUTH001`) rather than a model, knowledge-base or
    /// policy code (`M005`, `P001`).
    pub fn is_rule(self) -> bool {
        matches!(self, Code::Rule(_))
    }

    pub fn rule(self) -> Option<RuleId> {
        match self {
            Code::Rule(r) => Some(r),
            _ => None,
        }
    }

    /// The code written `text` (`M005`, `auth001`) or named `text` (`unknown-key`).
    pub fn parse(text: &str) -> Option<Code> {
        Code::TABLE
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text) || c.name() == text)
            .or_else(|| RuleId::parse(text).map(Code::Rule))
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Code::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code `{text}`")))
    }
}

impl JsonSchema for Code {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Code".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A diagnostic code: M… (model), K… (knowledge base), P… (policy), or a guideline rule such as AUTH001.",
            "type": "string",
            "pattern": "^[A-Z]+[0-9]{3}$"
        })
    }
}

codes! {
    // M: the model file itself (reading, YAML, structure, references).
    InvalidUtf8 = "M001", "invalid-utf8", Error, "The file is not valid UTF-8.";
    FileTooLarge = "M002", "file-too-large", Error, "The file exceeds the size limit.";
    YamlSyntax = "M003", "yaml-syntax", Error, "The file is not well-formed YAML.";
    YamlLimit = "M004", "yaml-limit", Error, "Nesting, aliases or events exceed the safety limits.";
    UnknownKey = "M005", "unknown-key", Error, "A key that the model format does not define.";
    InvalidValue = "M006", "invalid-value", Error, "A value outside the allowed set or range.";
    WrongType = "M007", "wrong-type", Error, "A value of the wrong type (e.g. a list where a text is expected).";
    MissingKey = "M008", "missing-key", Error, "A required key is missing.";
    DuplicateId = "M009", "duplicate-id", Error, "Two elements share one id.";
    UnknownReference = "M010", "unknown-reference", Error, "A reference to an id that no element has.";
    WrongReferenceKind = "M011", "wrong-reference-kind", Error, "A reference to an element of the wrong kind.";
    IncludeCycle = "M012", "include-cycle", Error, "Files include each other in a cycle.";
    IncludeUnreadable = "M013", "include-unreadable", Error, "An included file cannot be read.";
    InvalidId = "M014", "invalid-id", Error, "An id with characters other than ASCII letters, digits, '.', '_' and '-'.";
    InvalidPath = "M015", "invalid-path", Error, "A flow path that is empty or does not start at the flow's device.";
    NotApplicable = "M016", "not-applicable", Warning, "A setting that does not apply to this kind of element.";
    UnknownEdition = "M017", "unknown-edition", Error, "A clause reference to a guideline edition the knowledge base does not know.";
    DuplicateKey = "M018", "duplicate-key", Error, "The same key appears twice in one mapping.";
    MissingSystem = "M019", "missing-system", Error, "The entry file has no `system:` section.";
    UnsupportedVersion = "M020", "unsupported-version", Error, "The model declares a format version this sansho does not read.";
    TooManyFiles = "M021", "too-many-files", Error, "Includes nest too deep or name too many files.";
    EmptyModel = "M022", "empty-model", Warning, "The model has no information flows, so nothing can be assessed.";
    UnknownThreat = "M023", "unknown-threat", Error, "A threat id that the knowledge base does not define.";
    UnknownCatalogueControl = "M024", "unknown-catalogue-control", Error, "A control adopts a catalogue entry that does not exist.";
    IncludeOutsideRoot = "M025", "include-outside-root", Error, "An include leads outside the model's directory and the allowed include roots.";
    NotAModelFile = "M026", "not-a-model-file", Error, "An include names a file that is not a model file (.yaml, .yml or .json holding a mapping).";
    ModelTooLarge = "M027", "model-too-large", Error, "The model's files together exceed the total size limit.";
    YamlTag = "M028", "yaml-tag", Error, "A YAML tag (`!name`), which the model format does not use.";
    ControlCharacter = "M029", "control-character", Error, "Text holds a control character or a bidirectional override.";
    TooManyProblems = "M030", "too-many-problems", Note, "More problems than are reported one by one; their count.";
    EditionWithoutContent = "M031", "edition-without-content", Warning, "The model declares a guideline edition whose content sansho does not hold; another edition's rules apply.";
    FactNotInModel = "M032", "fact-not-in-model", Warning, "The operational records (`--facts`) name an asset, continuity scenario or risk the model does not have.";
    // K: knowledge-base override files.
    KbInvalid = "K001", "kb-invalid", Error, "A knowledge-base override file is invalid.";
    // P: the guideline's risk policy (5.1.3-5.1.5) applied to the assessed model.
    UntreatedRisk = "P001", "untreated-risk", Error, "A risk whose rank requires treatment has no decision and no control.";
    SRiskNeedsMultipleControls = "P002", "s-risk-needs-multiple-controls", Error, "An S-rank risk is reduced with fewer than two controls.";
    AcceptanceIncomplete = "P003", "acceptance-incomplete", Error, "A risk acceptance without approver, date or reason.";
    InstitutionControlNotRequested = "P004", "institution-control-not-requested", Error, "A control the institution must run is not listed as a request to it.";
    ResidualNotAcceptable = "P005", "residual-not-acceptable", Warning, "After treatment the residual rank still requires treatment.";
    DecisionMatchesNothing = "P006", "decision-matches-nothing", Warning, "A decision addresses no risk of the model (stale or mistyped id).";
    ConflictingDecisions = "P007", "conflicting-decisions", Warning, "A decision never applies: earlier decisions take every risk it matches.";
    SRiskAccepted = "P008", "s-risk-accepted", Warning, "An S-rank risk is accepted instead of treated.";
    ControlUnused = "P009", "control-unused", Note, "A control that applies to no risk of the model.";
    AvoidWithoutChange = "P010", "avoid-without-change", Warning, "A risk marked avoided whose flow is still in the model.";
    RiskMaterialised = "P011", "risk-materialised", Warning, "An incident in the operational records materialised this risk: its likelihood is to be revisited.";
    DecisionControlOffThreat = "P012", "decision-control-off-threat", Warning, "A decision names a control that does not counter the threat of risks it treats: applied if the decision names that threat, left out otherwise, and reported.";
    // clauses, severity and rank are data in kb/rules.yaml.
    // AUTH: user authentication (PGL 5.1.5(イ)①).
    // LOG: log retention (PGL 5.1.5(イ)②).
    // NET: network routes (PGL 5.1.5(イ)③).
    // WLAN: wireless LAN (PGL 5.1.5(イ)④).
    // MEDIA: small media and cloud storage (PGL 5.1.5(イ)⑤).
    // BCP: continuity (PGL 5.1.5(イ)⑥).
    // OPS: information management in operation (MGL 6.0 システム運用編 7).
    // INST: institutional requirements (PGL ch.6).
    // AGR: agreement readiness (PGL ch.4).
    // MULTI: several providers.
    // LIFE: lifecycle.
}

/// One reported problem.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: Localized,
    /// Where the problem is; `None` for problems about the model as a whole.
    pub span: Option<Span>,
    /// The id of the model element concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<Arc<Localized>>,
    /// Further places that explain the problem (e.g. the first definition of a duplicate id).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub related: Vec<Related>,
    /// Edition-qualified clauses the finding rests on (shared by the findings of one rule).
    #[serde(skip_serializing_if = "no_references", default)]
    pub references: Arc<[String]>,
    /// For rule findings: the rank of the gap, which `--fail-on` compares like a risk's rank.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rank: Option<crate::vocab::Rank>,
}

fn no_references(references: &Arc<[String]>) -> bool {
    references.is_empty()
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Related {
    pub span: Span,
    pub message: Localized,
}

impl Diagnostic {
    pub fn new(code: Code, message: Localized, span: Option<Span>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message,
            span,
            element: None,
            hint: None,
            related: Vec::new(),
            references: Arc::default(),
            rank: None,
        }
    }

    /// The hint may be shared: a hint that depends only on the threat is made once per threat.
    pub fn with_hint(mut self, hint: impl Into<Arc<Localized>>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_element(mut self, id: impl Into<String>) -> Self {
        self.element = Some(id.into());
        self
    }

    pub fn with_related(mut self, span: Span, message: Localized) -> Self {
        self.related.push(Related { span, message });
        self
    }
}

/// The closest candidate to `word`, for "did you mean" hints.
///
/// Edit distance with transpositions catches short typos (`hwo` → `how`); Jaro-Winkler catches
/// longer ids that share a prefix (`ehr-srv` → `ehr-server`).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    let allowed_edits = match word.chars().count() {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let edits = strsim::osa_distance(&word, &lower);
            let similarity = strsim::jaro_winkler(&word, &lower);
            (edits <= allowed_edits || similarity >= 0.9).then_some((edits, similarity, candidate))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(b.2)))
        .map(|(_, _, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_listed() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::all() {
            assert!(
                seen.insert(code.as_str()),
                "duplicate code {}",
                code.as_str()
            );
            assert!(seen.insert(code.name()), "duplicate name {}", code.name());
            assert_eq!(Code::parse(code.as_str()), Some(code));
        }
        let table: Vec<String> = Code::all()
            .map(|c| match c {
                Code::Rule(_) => format!("{} {}", c.as_str(), c.name()),
                _ => format!("{} {} {:?}", c.as_str(), c.name(), c.default_severity()),
            })
            .collect();
        insta::assert_snapshot!(table.join("\n"));
    }

    #[test]
    fn did_you_mean_finds_close_keys() {
        assert_eq!(
            did_you_mean("phse", ["phase", "layer", "path"]),
            Some("phase")
        );
        assert_eq!(did_you_mean("hwo", ["who", "how", "what"]), Some("how"));
        assert_eq!(
            did_you_mean("ehr-srv", ["ehr-server", "ehr-db"]),
            Some("ehr-server")
        );
        assert_eq!(
            did_you_mean("operations", ["development", "operation", "termination"]),
            Some("operation")
        );
        assert_eq!(did_you_mean("zzzzzz", ["phase", "layer"]), None);
    }
}
