//! The JSON shape of an [`Assessment`].
//!
//! A large model repeats itself: risks share their trace, their treatment and the two halves of
//! their 想定リスク, and findings share their rule's hint. Format 2 lists each of those once
//! (`traces`, `treatments`, `scenario_texts`, `hints`) and refers to it by index, which halves a
//! result of 100,000 flows. Format 1, where every risk and finding carries them in full, is still
//! read: such a field holds either an index or the value itself, so results kept by a server or
//! passed to `sansho diff` keep working.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serializer};
use serde::{Deserialize, Serialize};

use super::{
    Assessment, Configuration, FlowResult, MatrixInfo, RESULT_FORMAT, Ref, Risk, Score, Status,
    Summary, SystemInfo, Text, ThreatInfo, Trace, Treatment,
};
use crate::diagnostics::{Code, Diagnostic, Related, Severity};
use crate::scenario::Scenario;
use crate::source::Span;
use crate::text::Localized;
use crate::vocab::{Layer, Phase, Rank, SegmentKind, TreatmentNeed};

/// Shared values in the order they are first met, each once. Looked up by identity first (the
/// engine makes most equal values one allocation), then by value: scored on several threads,
/// equal values may be separate allocations, and the bytes written must not depend on that.
struct Table<'a, T> {
    by_identity: HashMap<*const T, u32, foldhash::fast::RandomState>,
    by_value: HashMap<&'a T, u32, foldhash::fast::RandomState>,
    items: Vec<&'a T>,
}

impl<'a, T: Hash + Eq> Table<'a, T> {
    fn new() -> Self {
        Table {
            by_identity: HashMap::default(),
            by_value: HashMap::default(),
            items: Vec::new(),
        }
    }

    fn add(&mut self, item: &'a Arc<T>) -> u32 {
        if let Some(&index) = self.by_identity.get(&Arc::as_ptr(item)) {
            return index;
        }
        let items = &mut self.items;
        let index = *self.by_value.entry(&**item).or_insert_with(|| {
            items.push(item);
            // Fewer distinct values than risks, which are checked to fit in u32.
            u32::try_from(items.len() - 1).unwrap_or(u32::MAX)
        });
        self.by_identity.insert(Arc::as_ptr(item), index);
        index
    }
}

/// What a risk refers to, by index into the tables.
#[derive(Clone, Copy)]
struct RiskRefs {
    trace: u32,
    treatment: Option<u32>,
    scenario: [u32; 2],
}

/// A risk as written: the shared values by index.
#[derive(Serialize)]
struct RiskOut<'a> {
    id: &'a str,
    flow: &'a Text,
    phase: Phase,
    layer: Layer,
    segment: SegmentKind,
    element: &'a Ref,
    threat: &'a Text,
    scenario: [u32; 2],
    classification: &'a Text,
    rank: Rank,
    inherent: &'a Score,
    treatment_need: TreatmentNeed,
    status: Status,
    treatment: Option<u32>,
    residual: &'a Score,
    trace: u32,
    span: &'a Span,
}

struct RisksOut<'a> {
    risks: &'a [Risk],
    refs: Vec<RiskRefs>,
}

impl Serialize for RisksOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.risks.iter().zip(&self.refs).map(|(r, refs)| RiskOut {
            id: &r.id,
            flow: &r.flow,
            phase: r.phase,
            layer: r.layer,
            segment: r.segment,
            element: &r.element,
            threat: &r.threat,
            scenario: refs.scenario,
            classification: &r.classification,
            rank: r.rank,
            inherent: &r.inherent,
            treatment_need: r.treatment_need,
            status: r.status,
            treatment: refs.treatment,
            residual: &r.residual,
            trace: refs.trace,
            span: &r.span,
        }))
    }
}

/// A finding as written: its hint, shared by the findings of one rule, by index.
#[derive(Serialize)]
struct FindingOut<'a> {
    code: Code,
    severity: Severity,
    message: &'a Localized,
    span: &'a Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    element: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<u32>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    related: &'a [Related],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    references: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    rank: Option<Rank>,
}

struct FindingsOut<'a> {
    findings: &'a [Diagnostic],
    hints: Vec<Option<u32>>,
}

impl Serialize for FindingsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.findings
                .iter()
                .zip(&self.hints)
                .map(|(f, hint)| FindingOut {
                    code: f.code,
                    severity: f.severity,
                    message: &f.message,
                    span: &f.span,
                    element: &f.element,
                    hint: *hint,
                    related: &f.related,
                    references: &f.references,
                    rank: f.rank,
                }),
        )
    }
}

/// The assessment as written. The tables come before the risks, so a streaming reader has them
/// when it meets the first index.
#[derive(Serialize)]
struct AssessmentOut<'a> {
    format: u32,
    generator: &'a str,
    system: &'a SystemInfo,
    matrix: &'a MatrixInfo,
    summary: &'a Summary,
    flows: &'a [FlowResult],
    traces: Vec<&'a Trace>,
    treatments: Vec<&'a Treatment>,
    scenario_texts: Vec<&'a Localized>,
    risks: RisksOut<'a>,
    hints: Vec<&'a Localized>,
    findings: FindingsOut<'a>,
    rules: &'a BTreeMap<String, Localized>,
    guideline_rules: &'a BTreeMap<String, crate::kb::RuleDeclaration>,
    threats: &'a [ThreatInfo],
    #[serde(skip_serializing_if = "Option::is_none")]
    scales: &'a Option<crate::kb::Scales>,
    configuration: &'a Configuration,
    files: &'a [String],
}

impl Serialize for Assessment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if u32::try_from(self.risks.len().max(self.findings.len())).is_err() {
            return Err(ser::Error::custom("more risks than a result can index"));
        }
        let mut traces = Table::new();
        let mut treatments = Table::new();
        let mut texts = Table::new();
        let refs = self
            .risks
            .iter()
            .map(|r| {
                let (context, clause) = r.scenario.parts();
                RiskRefs {
                    trace: traces.add(&r.trace),
                    treatment: r.treatment.as_ref().map(|t| treatments.add(t)),
                    scenario: [texts.add(context), texts.add(clause)],
                }
            })
            .collect();
        let mut hints = Table::new();
        let finding_hints = self
            .findings
            .iter()
            .map(|f| f.hint.as_ref().map(|h| hints.add(h)))
            .collect();
        AssessmentOut {
            // Always the format written here, whatever the result was read from.
            format: RESULT_FORMAT,
            generator: &self.generator,
            system: &self.system,
            matrix: &self.matrix,
            summary: &self.summary,
            flows: &self.flows,
            traces: traces.items,
            treatments: treatments.items,
            scenario_texts: texts.items,
            risks: RisksOut {
                risks: &self.risks,
                refs,
            },
            hints: hints.items,
            findings: FindingsOut {
                findings: &self.findings,
                hints: finding_hints,
            },
            rules: &self.rules,
            guideline_rules: &self.guideline_rules,
            threats: &self.threats,
            scales: &self.scales,
            configuration: &self.configuration,
            files: &self.files,
        }
        .serialize(serializer)
    }
}

/// A shared value as read: an index into its table (format 2) or the value itself (format 1).
enum Slot<T> {
    Index(u64),
    Inline(Arc<T>),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Slot<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SlotVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for SlotVisitor<T> {
            type Value = Slot<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an index or an object")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Slot::Index(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|v| Slot::Inline(Arc::new(v)))
            }
        }
        deserializer.deserialize_any(SlotVisitor(PhantomData))
    }
}

impl<T> JsonSchema for Slot<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SharedIndex".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Index into the assessment's list of shared values (`traces` for a risk's `trace`, `treatments` for its `treatment`, `hints` for a finding's `hint`).",
            "type": "integer",
            "minimum": 0
        })
    }
}

/// A 想定リスク as read: indices of its two halves in `scenario_texts` (format 2), or the whole
/// sentence (format 1), or nothing (results written before risks had one).
#[derive(Default)]
enum ScenarioSlot {
    Parts(u64, u64),
    Whole(Scenario),
    #[default]
    Missing,
}

impl<'de> Deserialize<'de> for ScenarioSlot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScenarioVisitor;
        impl<'de> Visitor<'de> for ScenarioVisitor {
            type Value = ScenarioSlot;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("two indices or a sentence in both languages")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let context = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let clause = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(ScenarioSlot::Parts(context, clause))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Scenario::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(ScenarioSlot::Whole)
            }
        }
        deserializer.deserialize_any(ScenarioVisitor)
    }
}

impl JsonSchema for ScenarioSlot {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ScenarioParts".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "想定リスク: indices in `scenario_texts` of its context and its clause; the sentence is the two joined, with a full stop.",
            "type": "array",
            "items": { "type": "integer", "minimum": 0 },
            "minItems": 2,
            "maxItems": 2
        })
    }
}

/// A risk: its flow, element and threat, its scores, and its trace, treatment and 想定リスク by
/// index into the assessment's shared lists (in format 1, written out in full).
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "Risk")]
struct RiskIn {
    /// Stable id: `flow/segment/element/threat`.
    id: String,
    flow: Text,
    phase: Phase,
    layer: Layer,
    segment: SegmentKind,
    element: Ref,
    threat: Text,
    /// 想定リスク: what could happen, in words (knowledge base `scenarios`). Absent from results
    /// written before risks had one.
    #[serde(default)]
    scenario: ScenarioSlot,
    /// Class of the flow's information that set the impact.
    classification: Text,
    /// The rank of the risk as evaluated (5.1.3), before treatment: `inherent.rank`.
    rank: Rank,
    inherent: Score,
    treatment_need: TreatmentNeed,
    status: Status,
    /// The treatment, in `treatments`; none for an untreated risk.
    treatment: Option<Slot<Treatment>>,
    residual: Score,
    /// Why the risk exists and scores as it does, in `traces`.
    trace: Slot<Trace>,
    /// The flow definition in the model.
    span: Span,
}

/// A finding: a problem the policy or the rules find in the model, with its hint by index into
/// the assessment's `hints` (in format 1, written out in full).
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "Finding")]
struct FindingIn {
    code: Code,
    severity: Severity,
    message: Localized,
    /// Where the problem is; `null` for problems about the model as a whole.
    span: Option<Span>,
    /// The id of the model element concerned, when there is one.
    #[serde(default)]
    element: Option<String>,
    /// How to fix it, in `hints`.
    #[serde(default)]
    hint: Option<Slot<Localized>>,
    /// Further places that explain the problem.
    #[serde(default)]
    related: Vec<Related>,
    /// Edition-qualified clauses the finding rests on.
    #[serde(default)]
    references: Vec<String>,
    /// For rule findings: the rank of the gap.
    #[serde(default)]
    rank: Option<Rank>,
}

/// The result of an assessment: flows, risks, findings, and what writers need to show them
/// without the model or the knowledge base. Read in formats 1 and 2; its schema is the published
/// result schema.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "Assessment", title = "sansho assessment result")]
struct AssessmentIn {
    /// Version of the format (`RESULT_FORMAT`); 1 and 2 are read.
    format: u32,
    generator: String,
    system: SystemInfo,
    matrix: MatrixInfo,
    summary: Summary,
    flows: Vec<FlowResult>,
    /// Traces shared by risks (format 2).
    #[serde(default)]
    traces: Vec<Arc<Trace>>,
    /// Treatments shared by risks (format 2).
    #[serde(default)]
    treatments: Vec<Arc<Treatment>>,
    /// Halves of 想定リスク sentences shared by risks (format 2).
    #[serde(default)]
    scenario_texts: Vec<Arc<Localized>>,
    risks: Vec<RiskIn>,
    /// Hints shared by findings (format 2).
    #[serde(default)]
    hints: Vec<Arc<Localized>>,
    /// Problems the policy or the rules find in the model (codes P…, and later rule packs).
    findings: Vec<FindingIn>,
    /// Descriptions of every rule and condition referenced by the traces.
    rules: BTreeMap<String, Localized>,
    /// The declarations of the guideline rules that found something, by code.
    #[serde(default)]
    guideline_rules: BTreeMap<String, crate::kb::RuleDeclaration>,
    threats: Vec<ThreatInfo>,
    /// The two five-level scales the scores use, with their criteria.
    #[serde(default)]
    scales: Option<crate::kb::Scales>,
    /// The system's configuration and agreement package, for diagrams and deliverables.
    configuration: Configuration,
    /// Files of the model, indexed by `span.file`.
    files: Vec<String>,
}

/// The value a slot stands for; `of` names the risk or finding in an error.
fn shared<T, E: de::Error>(
    slot: Slot<T>,
    table: &[Arc<T>],
    list: &str,
    of: &dyn fmt::Display,
) -> Result<Arc<T>, E> {
    match slot {
        Slot::Inline(value) => Ok(value),
        Slot::Index(i) => usize::try_from(i)
            .ok()
            .and_then(|i| table.get(i))
            .cloned()
            .ok_or_else(|| {
                E::custom(format!(
                    "{of} refers to entry {i} of `{list}`, which has {} entries",
                    table.len()
                ))
            }),
    }
}

impl<'de> Deserialize<'de> for Assessment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let read = AssessmentIn::deserialize(deserializer)?;
        if read.format == 0 || read.format > RESULT_FORMAT {
            return Err(de::Error::custom(format!(
                "result format {} is not one this sansho reads (1 to {RESULT_FORMAT}); a newer \
                 sansho wrote it",
                read.format
            )));
        }
        let risks = read
            .risks
            .into_iter()
            .map(|r| {
                let scenario = match r.scenario {
                    ScenarioSlot::Missing => Scenario::default(),
                    ScenarioSlot::Whole(scenario) => scenario,
                    ScenarioSlot::Parts(context, clause) => Scenario::new(
                        shared(
                            Slot::Index(context),
                            &read.scenario_texts,
                            "scenario_texts",
                            &r.id,
                        )?,
                        shared(
                            Slot::Index(clause),
                            &read.scenario_texts,
                            "scenario_texts",
                            &r.id,
                        )?,
                    ),
                };
                Ok(Risk {
                    treatment: r
                        .treatment
                        .map(|t| {
                            shared(
                                t,
                                &read.treatments,
                                "treatments",
                                &format_args!("risk {}", r.id),
                            )
                        })
                        .transpose()?,
                    trace: shared(
                        r.trace,
                        &read.traces,
                        "traces",
                        &format_args!("risk {}", r.id),
                    )?,
                    scenario,
                    id: r.id,
                    flow: r.flow,
                    phase: r.phase,
                    layer: r.layer,
                    segment: r.segment,
                    element: r.element,
                    threat: r.threat,
                    classification: r.classification,
                    rank: r.rank,
                    inherent: r.inherent,
                    treatment_need: r.treatment_need,
                    status: r.status,
                    residual: r.residual,
                    span: r.span,
                })
            })
            .collect::<Result<Vec<Risk>, D::Error>>()?;
        let findings = read
            .findings
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                Ok(Diagnostic {
                    hint: f
                        .hint
                        .map(|h| {
                            shared(
                                h,
                                &read.hints,
                                "hints",
                                &format_args!("finding {i} ({})", f.code.as_str()),
                            )
                        })
                        .transpose()?,
                    code: f.code,
                    severity: f.severity,
                    message: f.message,
                    span: f.span,
                    element: f.element,
                    related: f.related,
                    references: f.references.into(),
                    rank: f.rank,
                })
            })
            .collect::<Result<Vec<Diagnostic>, D::Error>>()?;
        Ok(Assessment {
            format: read.format,
            generator: read.generator,
            system: read.system,
            matrix: read.matrix,
            summary: read.summary,
            flows: read.flows,
            risks,
            findings,
            rules: read.rules,
            guideline_rules: read.guideline_rules,
            threats: read.threats,
            scales: read.scales,
            configuration: read.configuration,
            files: read.files,
        })
    }
}

impl JsonSchema for Assessment {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        AssessmentIn::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        AssessmentIn::json_schema(generator)
    }
}
