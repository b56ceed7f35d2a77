//! The assessment result: one serialisable value that reports, the CLI and the server read.
//!
//! Everything a reader needs is here (names as well as ids), so writers never need the model or
//! the knowledge base. Rule descriptions are listed once in `rules` and referenced by id from each
//! risk's trace, which keeps large results compact.

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostic;
use crate::kb::ScoreOp;
use crate::source::Span;
use crate::text::{Lang, Localized};
use crate::vocab::SegmentKind;
use crate::vocab::{Cia, Rank, TreatmentNeed};
use crate::vocab::{ControlCategory, Layer, Operation, Phase, TreatmentOption, Volume};

mod wire;

/// Version of this result format; bumped on incompatible changes. Version 2 lists each trace,
/// treatment and 想定リスク half once and refers to them by index from the risks; version 1
/// (every risk in full) is still read ([`wire`]).
pub const RESULT_FORMAT: u32 = 2;

/// Text shared by many risks (ids and names of flows, elements, threats and rules): one
/// allocation per distinct text, not per risk, which matters at a million risks.
pub type Text = Arc<str>;

/// Serialised through [`wire`]: shared values are written once.
#[derive(Clone, Debug)]
pub struct Assessment {
    pub format: u32,
    pub generator: String,
    pub system: SystemInfo,
    pub matrix: MatrixInfo,
    pub summary: Summary,
    pub flows: Vec<FlowResult>,
    pub risks: Vec<Risk>,
    /// Problems the policy or the rules find in the model (codes P…, and later rule packs).
    pub findings: Vec<Diagnostic>,
    /// Descriptions of every rule and condition referenced by the traces.
    pub rules: BTreeMap<String, Localized>,
    /// The declarations of the guideline rules that found something, by code, so that writers
    /// show a rule's texts, clauses and example without reaching into the knowledge base.
    pub guideline_rules: BTreeMap<String, crate::kb::RuleDeclaration>,
    pub threats: Vec<ThreatInfo>,
    /// The two five-level scales the scores use, with their criteria.
    pub scales: Option<crate::kb::Scales>,
    /// The system's configuration and agreement package, for diagrams and deliverables.
    pub configuration: Configuration,
    /// Files of the model, indexed by `span.file`.
    pub files: Vec<String>,
}

/// The configuration (全体構成図) and what the institution receives besides the risk lists.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct Configuration {
    pub organizations: Vec<OrganizationInfo>,
    pub locations: Vec<LocationInfo>,
    pub assets: Vec<AssetInfo>,
    pub connections: Vec<ConnectionInfo>,
    pub information: Vec<InformationInfo>,
    pub controls: Vec<ControlInfo>,
    pub responsibilities: Vec<ResponsibilityInfo>,
    /// 運用管理規程 items with where the provider's rules cover them.
    pub operating_rules: Vec<ItemCoverage>,
    /// Vendor-selection items with the provider's answers.
    pub vendor_selection: Vec<ItemCoverage>,
    pub evaluation: Option<String>,
    /// The safety evaluation (PGL 4.3) for readers: who evaluated, how, when.
    #[serde(default)]
    pub evaluation_label: Option<Localized>,
    /// Records kept under law and how each of 真正性・見読性・保存性 is met (制度上の要求事項).
    #[serde(default)]
    pub legal_records: Vec<LegalRecordInfo>,
}

/// A legally kept record (法定保存文書) and how its electronic storage meets the requirements.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct LegalRecordInfo {
    pub information: Ref,
    pub retention_years: Option<u32>,
    /// The law that sets the period.
    pub law: Option<String>,
    pub requires_signature: bool,
    /// Signature method and time-stamp, for readers.
    pub signature: Option<Localized>,
    /// Assets that hold it.
    pub stored_on: Vec<Ref>,
    /// Each of 真正性・見読性・保存性 with the controls that secure it (none: not met).
    pub principles: Vec<PrincipleCoverage>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct PrincipleCoverage {
    pub principle: crate::vocab::StoragePrinciple,
    pub controls: Vec<Ref>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct OrganizationInfo {
    pub id: String,
    pub name: String,
    pub role: crate::vocab::OrganizationRole,
    pub layers: Vec<Layer>,
    pub certifications: Vec<CertificationInfo>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct CertificationInfo {
    pub scheme: crate::vocab::CertificationScheme,
    pub id: Option<String>,
    pub scope: Option<String>,
    pub valid_until: Option<String>,
    /// Expired before the model's date (`system.as_of`), as rule AGR002 judges it.
    #[serde(default)]
    pub expired: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct LocationInfo {
    pub id: String,
    pub name: String,
    pub kind: crate::vocab::LocationKind,
    pub country: Option<String>,
    pub region: Option<String>,
    pub managed_by: Option<String>,
    pub within: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AssetInfo {
    pub id: String,
    pub name: String,
    pub kind: crate::vocab::AssetKind,
    pub layer: Option<Layer>,
    pub location: String,
    pub managed_by: Option<String>,
    pub holds: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ConnectionInfo {
    pub id: String,
    pub name: String,
    pub kind: crate::vocab::ConnectionKind,
    /// Assets it links, from `endpoints` or, failing that, from the flows' paths.
    pub endpoints: Vec<String>,
    pub managed_by: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct InformationInfo {
    pub id: String,
    pub name: String,
    pub classification: String,
    /// The classification's name, for readers.
    #[serde(default)]
    pub classification_name: String,
    pub medical: bool,
    pub retention_years: Option<u32>,
    pub retention_basis: Option<String>,
    pub legal_record: bool,
    pub requires_signature: bool,
    /// Signature method and time-stamp, as codes (`hpki / accredited`).
    pub signature: Option<String>,
    /// The same for readers.
    #[serde(default)]
    pub signature_label: Option<Localized>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ControlInfo {
    pub id: String,
    pub name: String,
    pub category: ControlCategory,
    pub owner: Ref,
    pub institution_owned: bool,
    pub references: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ResponsibilityInfo {
    pub organization: Ref,
    pub assets: Vec<String>,
    pub covers: Vec<String>,
    /// The names of `covers` (knowledge base `tables.requirement_areas`), for readers.
    #[serde(default)]
    pub covers_labels: Vec<Localized>,
    pub incident_lead: bool,
    pub duties: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ItemCoverage {
    pub id: String,
    pub label: Option<String>,
    pub name: Localized,
    /// Where it is covered or the answer given; `None` when missing.
    pub coverage: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Ref {
    pub id: Text,
    pub name: Text,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct SystemInfo {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub provider: Ref,
    pub editions: Vec<String>,
    pub as_of: Option<String>,
    /// Document control (文書管理) of the deliverables, when the model states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentInfo>,
}

/// 文書管理: version, dates, author, approver and the organisation the documents are for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentInfo {
    pub version: Option<String>,
    pub created: Option<String>,
    pub revised: Option<String>,
    pub author: Option<String>,
    pub approver: Option<String>,
    pub addressee: Option<Ref>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct MatrixInfo {
    pub source: Localized,
    /// `rows[impact]` = ranks for likelihood 1..5.
    pub rows: BTreeMap<u8, Vec<Rank>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub flows: usize,
    pub risks: usize,
    pub flows_by_phase: BTreeMap<String, usize>,
    pub inherent_by_rank: BTreeMap<String, usize>,
    pub residual_by_rank: BTreeMap<String, usize>,
    pub by_status: BTreeMap<String, usize>,
    /// Risks whose inherent rank requires treatment but which have none.
    pub untreated_required: usize,
    pub findings_by_severity: BTreeMap<String, usize>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct FlowResult {
    pub id: String,
    pub phase: Phase,
    pub layer: Layer,
    /// The people who do it; empty for processing without a person.
    pub who: Vec<Ref>,
    #[serde(rename = "where")]
    pub where_: Ref,
    pub which: Ref,
    pub what: Vec<Ref>,
    pub how: Vec<Operation>,
    pub path: Vec<Ref>,
    pub volume: Volume,
    pub description: Option<String>,
    pub segments: Vec<SegmentInfo>,
    pub risk_count: usize,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct SegmentInfo {
    pub kind: SegmentKind,
    pub element: Ref,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No decision and no control.
    Open,
    /// Controls lower the risk (decided, or implied by controls that apply).
    Reduced,
    Avoided,
    Shared,
    Accepted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Reduced => "reduced",
            Status::Avoided => "avoided",
            Status::Shared => "shared",
            Status::Accepted => "accepted",
        }
    }

    pub fn label(self) -> Localized {
        let (ja, en) = match self {
            Status::Open => ("未対応", "open"),
            Status::Reduced => ("低減", "reduced"),
            Status::Avoided => ("回避", "avoided"),
            Status::Shared => ("共有", "shared"),
            Status::Accepted => ("受容", "accepted"),
        };
        Localized::new(ja, en)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Score {
    pub likelihood: u8,
    pub impact: u8,
    pub rank: Rank,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Risk {
    /// Stable id: `flow/segment/element/threat`.
    pub id: String,
    pub flow: Text,
    pub phase: Phase,
    pub layer: Layer,
    pub segment: SegmentKind,
    pub element: Ref,
    pub threat: Text,
    /// 想定リスク: what could happen, in words (knowledge base `scenarios`). Results written
    /// before risks had one (a server's earlier versions, `sansho diff` of an old result) read
    /// back with it empty.
    #[serde(default)]
    pub scenario: crate::scenario::Scenario,
    /// Class of the flow's information that set the impact.
    pub classification: Text,
    /// The rank of the risk as evaluated (5.1.3), before treatment: `inherent.rank`.
    pub rank: Rank,
    pub inherent: Score,
    pub treatment_need: TreatmentNeed,
    pub status: Status,
    // Shared between risks that get the same treatment (most risks of a large model have none).
    pub treatment: Option<Arc<Treatment>>,
    pub residual: Score,
    // Shared between risks whose scoring went the same way (a large model repeats itself).
    pub trace: Arc<Trace>,
    /// The flow definition in the model.
    pub span: Span,
}

impl Risk {
    /// The rank that remains: residual for treated risks, inherent for open ones.
    pub fn effective_rank(&self) -> Rank {
        self.residual.rank
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Treatment {
    pub option: TreatmentOption,
    /// True when no decision names the risk and the option follows from controls that apply.
    pub implied: bool,
    /// The decision that applies (its risk pattern and place in the model).
    pub decision: Option<DecisionRef>,
    pub controls: Vec<AppliedControl>,
    /// Controls the decision names that are not applied to this risk: the decision covers
    /// several threats, and these do not counter this risk's (ids, in the decision's order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_applied: Vec<String>,
    pub requests: Vec<RequestInfo>,
    pub acceptance: Option<AcceptanceInfo>,
    pub rationale: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct DecisionRef {
    pub pattern: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct AppliedControl {
    pub id: String,
    pub name: String,
    pub category: ControlCategory,
    pub owner: Ref,
    /// `applies_to` when the control reaches the risk by its scope, `decision` when a decision names it.
    pub via: ControlVia,
    pub likelihood_effect: u8,
    pub impact_effect: u8,
    pub references: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlVia {
    AppliesTo,
    Decision,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct RequestInfo {
    pub control: Option<String>,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct AcceptanceInfo {
    pub by: Option<String>,
    pub date: Option<String>,
    pub reason: Option<String>,
}

/// Why the risk exists and why it scores as it does.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Trace {
    /// Facts that held for the segment (`sansho kb facts` explains each).
    pub facts: Vec<crate::vocab::Fact>,
    /// Threat rules that found this threat on this segment.
    pub threat_rules: Vec<Text>,
    pub likelihood: ScoreTrace,
    pub impact: ScoreTrace,
    /// Which information, class and aspect set the starting impact.
    pub impact_basis: ImpactBasis,
    pub residual: Vec<ResidualStep>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ScoreTrace {
    /// Starting level (threat base likelihood, or the information's C/I/A level).
    pub base: u8,
    pub steps: Vec<ScoreStep>,
    pub value: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ScoreStep {
    pub rule: Text,
    pub op: ScoreOp,
    pub from: u8,
    pub to: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ImpactBasis {
    pub information: Text,
    pub classification: Text,
    pub aspect: Cia,
    pub level: u8,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct ResidualStep {
    pub control: String,
    pub likelihood: u8,
    pub impact: u8,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct ThreatInfo {
    pub id: String,
    pub name: Localized,
    pub harms: Vec<Cia>,
}

/// Tells risks of one assessment in words; made once, then asked per risk.
pub struct Narrator<'a> {
    assessment: &'a Assessment,
    threats: BTreeMap<&'a str, &'a ThreatInfo>,
    information: BTreeMap<&'a str, &'a InformationInfo>,
    /// Reasons by (trace, threat, language): most risks of a large model share their trace.
    reasons: std::cell::RefCell<std::collections::HashMap<(usize, usize, Lang), Arc<Reasons>>>,
}

/// What is at stake and why a risk's likelihood and impact are what they are, in words (the
/// trace says the same in rule ids); the 想定リスク is the risk's own `scenario`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reasons {
    pub at_stake: String,
    pub likelihood: String,
    pub impact: String,
}

impl<'a> Narrator<'a> {
    pub fn new(assessment: &'a Assessment) -> Self {
        Narrator {
            assessment,
            threats: assessment
                .threats
                .iter()
                .map(|t| (t.id.as_str(), t))
                .collect(),
            information: assessment
                .configuration
                .information
                .iter()
                .map(|i| (i.id.as_str(), i))
                .collect(),
            reasons: Default::default(),
        }
    }

    pub fn threat(&self, id: &str) -> Option<&'a ThreatInfo> {
        self.threats.get(id).copied()
    }

    /// The reasons of a risk, made once per distinct trace and threat.
    pub fn reasons(&self, risk: &Risk, lang: Lang) -> Arc<Reasons> {
        let key = (
            Arc::as_ptr(&risk.trace) as usize,
            Arc::as_ptr(&risk.threat) as *const u8 as usize,
            lang,
        );
        if let Some(known) = self.reasons.borrow().get(&key) {
            return Arc::clone(known);
        }
        let made = Arc::new(self.make_reasons(risk, lang));
        self.reasons.borrow_mut().insert(key, Arc::clone(&made));
        made
    }

    fn make_reasons(&self, risk: &Risk, lang: Lang) -> Reasons {
        let ja = lang == Lang::Ja;
        let threat = self.threat(&risk.threat);
        let basis = &risk.trace.impact_basis;
        let mut aspects = vec![basis.aspect];
        for h in threat.map(|t| t.harms.as_slice()).unwrap_or_default() {
            if !aspects.contains(h) {
                aspects.push(*h);
            }
        }
        let at_stake: Vec<String> = aspects
            .iter()
            .map(|a| a.label().get(lang).to_owned())
            .collect();
        let rule = |id: &str| {
            self.assessment
                .rules
                .get(id)
                .map_or_else(|| id.to_owned(), |d| d.get(lang).to_owned())
        };
        let steps = |trace: &ScoreTrace, out: &mut String| {
            for step in &trace.steps {
                out.push_str(&rule(&step.rule));
                out.push_str(&format!(" → {}", step.to));
                out.push_str(if ja { "。" } else { ". " });
            }
        };

        let l = &risk.trace.likelihood;
        let threat_name =
            threat.map_or_else(|| risk.threat.to_string(), |t| t.name.get(lang).to_owned());
        let mut likelihood = if ja {
            format!("脅威「{threat_name}」の基準値 {}。", l.base)
        } else {
            format!("Base {} for the threat \"{threat_name}\". ", l.base)
        };
        steps(l, &mut likelihood);

        let i = &risk.trace.impact;
        let info = self.information.get(&*basis.information);
        let info_name = info.map_or_else(|| basis.information.to_string(), |i| i.name.clone());
        let class_name = info
            .map(|i| i.classification_name.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or(&basis.classification);
        let aspect = basis.aspect.label();
        let mut impact = if ja {
            format!(
                "{info_name}（{class_name}）の{}の重要度 {}。",
                aspect.ja, i.base
            )
        } else {
            format!(
                "{} of {info_name} ({class_name}) rated {}. ",
                capitalised(&aspect.en),
                i.base
            )
        };
        steps(i, &mut impact);
        Reasons {
            at_stake: at_stake.join(if ja { "・" } else { ", " }),
            likelihood: likelihood.trim_end().to_owned(),
            impact: impact.trim_end().to_owned(),
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
