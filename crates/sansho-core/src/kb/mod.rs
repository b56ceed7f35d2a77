//! The knowledge base: threats, scales, rank matrix and policy, the rules that find threats and
//! set likelihood and impact, clause references by edition, and the control catalogue.
//!
//! It is data: the defaults are YAML files embedded in the binary, and a user file can replace or
//! add entries by id. Rules never hard-code what the knowledge base says.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::text::Localized;
use crate::vocab::{
    AuthFactor, AuthMethod, Cia, ControlCategory, Fact, Layer, Rank, SegmentKind, Strength,
    TreatmentNeed,
};

pub mod load;

/// A guideline edition that clause references can name.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Edition {
    /// Short id used in references, e.g. `PGL-1.1`.
    pub id: String,
    pub title: Localized,
    /// Publication (year-month).
    pub published: String,
    /// Whether sansho's content for this edition was checked against the official text.
    pub verified: bool,
    /// For editions whose content sansho does not hold: the edition whose rules and clauses it
    /// applies instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_instead: Option<String>,
    #[serde(default)]
    pub note: Option<Localized>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    pub id: String,
    pub name: Localized,
    pub description: Localized,
    pub harms: Vec<Cia>,
    /// Likelihood (1-5) before any condition of the model is considered.
    pub base_likelihood: u8,
    #[serde(default)]
    pub references: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleLevel {
    pub level: u8,
    pub label: Localized,
    pub criteria: Localized,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scales {
    /// Where the criteria come from (sansho's examples unless replaced); every output shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Localized>,
    pub likelihood: Vec<ScaleLevel>,
    pub impact: Vec<ScaleLevel>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RankPolicy {
    pub rank: Rank,
    pub treatment: TreatmentNeed,
    /// Fewest distinct controls a reduced risk of this rank must have.
    #[serde(default)]
    pub min_controls: u8,
    pub description: Localized,
}

/// How a flow meets a segment's element: the first half of a 想定リスク sentence, one per
/// segment kind (the id is the kind's name). Slots: [`crate::scenario::SLOTS`].
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioContext {
    pub id: String,
    pub text: Localized,
}

/// What a threat does on a segment: the second half of a 想定リスク sentence. For a segment
/// kind, the template that lists it in `segments` wins over the one without `segments`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioTemplate {
    pub id: String,
    pub threat: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<SegmentKind>,
    pub text: Localized,
}

/// The impact × likelihood matrix and the response policy.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    /// Where the matrix comes from; reports print it.
    pub source: Localized,
    /// `rows[impact]` lists the ranks for likelihood 1..5, impact 5 first.
    pub rows: BTreeMap<u8, Vec<Rank>>,
    pub policy: Vec<RankPolicy>,
}

impl Matrix {
    pub fn rank(&self, impact: u8, likelihood: u8) -> Option<Rank> {
        self.rows
            .get(&impact)?
            .get(usize::from(likelihood).checked_sub(1)?)
            .copied()
    }

    pub fn policy(&self, rank: Rank) -> Option<&RankPolicy> {
        self.policy.iter().find(|p| p.rank == rank)
    }
}

/// A rule that finds threats on segments.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreatRule {
    pub id: String,
    /// Segment kinds it looks at.
    pub segments: Vec<SegmentKind>,
    /// Facts that must all hold.
    #[serde(default)]
    pub when: Vec<Fact>,
    /// Facts of which none may hold.
    #[serde(default)]
    pub unless: Vec<Fact>,
    pub threats: Vec<String>,
    pub description: Localized,
}

/// How a condition moves a score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoreOp {
    /// Raise to at least this level.
    AtLeast(u8),
    /// Lower to at most this level.
    AtMost(u8),
    /// Move by this many levels (negative lowers).
    Shift(i8),
}

/// A condition that sets likelihood or impact when its facts hold.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRule {
    pub id: String,
    #[serde(default)]
    pub when: Vec<Fact>,
    #[serde(default)]
    pub unless: Vec<Fact>,
    /// Threats it applies to; all when empty.
    #[serde(default)]
    pub threats: Vec<String>,
    /// Segment kinds it applies to; all when empty.
    #[serde(default)]
    pub segments: Vec<SegmentKind>,
    /// Impact rules only: applies when the threat harms one of these.
    #[serde(default)]
    pub harms: Vec<Cia>,
    pub op: ScoreOp,
    pub description: Localized,
}

/// A built-in information class.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassDefault {
    pub id: String,
    pub name: Localized,
    pub medical: bool,
    pub confidentiality: u8,
    pub integrity: u8,
    pub availability: u8,
}

/// A control of the catalogue, which models adopt with `catalogue: ID`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueControl {
    pub id: String,
    pub name: Localized,
    pub category: ControlCategory,
    pub counters: Vec<String>,
    pub effect: crate::model::raw::RawEffect,
    #[serde(default)]
    pub typical_owner: Option<String>,
    pub description: Localized,
    #[serde(default)]
    pub references: Vec<String>,
}

/// A guideline rule, declared once (in its own file under `src/rules/`): what it checks, why,
/// how to fix it, an example, the clauses it rests on with the strength of their wording, and
/// its rank. Everything that shows a rule — `sansho rules`, `sansho explain`, `docs/rules.md`,
/// SARIF, the reports — reads this declaration; the assessment result carries the declarations
/// of the rules that fired.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDeclaration {
    /// Stable code, e.g. `AUTH001`; never reused.
    pub code: String,
    /// What it flags, in kebab case, e.g. `human-access-without-mfa`.
    pub name: String,
    pub title: Localized,
    /// What it checks.
    pub what: Localized,
    /// Why it matters: the threat and the harm.
    pub why: Localized,
    /// How to fix it, including the institution's part where there is one.
    pub fix: Localized,
    pub example: RuleExample,
    /// The guideline text the rule rests on, each clause with its wording's strength.
    pub sources: Vec<RuleSource>,
    /// Severity when the rule fails; when left out, the strongest source's strength decides
    /// (`tables.severity_by_strength`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<crate::diagnostics::Severity>,
    /// Rank of the gap, compared by `--fail-on` like a risk's rank.
    pub rank: Rank,
    /// The engine fact that holds exactly where this rule fires, when there is one: the two
    /// read the same judgement, and a test holds them together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<Fact>,
}

/// An example of a rule, as model fragments merged onto the compliant base model of the rule
/// tests (`crates/sansho-core/tests/rules/base.yaml`): lists of elements merge by `id`, other
/// lists and mappings are replaced key by key, and `null` removes a key.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleExample {
    /// What the example shows.
    pub explanation: Localized,
    /// A fragment that makes the rule fire.
    pub fires: String,
    /// The element the finding points at.
    pub element: String,
    /// A fragment that fixes it: the rule stays quiet.
    pub passes: String,
}

/// One clause a rule rests on.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSource {
    /// Edition-qualified clause, e.g. `PGL-1.1 5.1.5(イ)①`.
    pub clause: String,
    pub strength: Strength,
    /// The guideline's own words, where they were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// Whether the clause and its wording were checked against the official text.
    pub verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl RuleSource {
    /// The edition the clause belongs to: `PGL-1.1` of `PGL-1.1 5.1.5(イ)①`.
    pub fn edition(&self) -> &str {
        self.clause.split(' ').next().unwrap_or_default()
    }
}

impl RuleDeclaration {
    /// Every clause the rule rests on, each once, in declaration order.
    pub fn references(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.sources {
            if !out.contains(&s.clause) {
                out.push(s.clause.clone())
            }
        }
        out
    }

    /// The clauses a finding cites for a model that follows `editions`: the sources of those
    /// editions, each once; all of them when none is of those editions (a rule still applies to
    /// a model that names only the other guideline).
    pub fn references_for(&self, editions: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in &self.sources {
            if editions.contains(&s.edition()) && !out.contains(&s.clause) {
                out.push(s.clause.clone());
            }
        }
        if out.is_empty() {
            return self.references();
        }
        out
    }

    /// The strongest wording among the sources. Sources not yet checked against the official
    /// text count too (their `verified: false` is shown wherever the rule is), so that a
    /// requirement known only from a memo is not silently weakened.
    pub fn strength(&self) -> Strength {
        self.sources
            .iter()
            .map(|s| s.strength)
            .max()
            .unwrap_or(Strength::Unknown)
    }
}

/// A user's change to a rule, by code: any field given replaces the declared one.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    pub code: String,
    #[serde(default)]
    pub severity: Option<crate::diagnostics::Severity>,
    #[serde(default)]
    pub rank: Option<Rank>,
    #[serde(default)]
    pub title: Option<Localized>,
    #[serde(default)]
    pub what: Option<Localized>,
    #[serde(default)]
    pub why: Option<Localized>,
    #[serde(default)]
    pub fix: Option<Localized>,
}

/// A legal retention period for one kind of record.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionEntry {
    pub id: String,
    pub name: Localized,
    pub years: u32,
    /// The law that sets it.
    pub law: String,
    /// Whether the period was checked against the law's text.
    pub verified: bool,
}

/// An item of a required list (運用管理規程 items, vendor-selection items, requirement areas).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedItem {
    pub id: String,
    /// The guideline's own label, e.g. `(ア)`.
    #[serde(default)]
    pub label: Option<String>,
    pub name: Localized,
}

/// Thresholds, allow-lists and tables the rules read.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tables {
    pub retention: Vec<RetentionEntry>,
    /// Cipher suites allowed (IANA names), after the CRYPTREC TLS guideline's high-security type.
    pub tls_cipher_suites: Vec<String>,
    /// Whether the suite list was checked against the CRYPTREC text.
    pub tls_cipher_suites_verified: bool,
    /// Certifications that satisfy PGL 4.4 themselves.
    pub certifications: Vec<crate::vocab::CertificationScheme>,
    /// Accepted alternatives (cloud security certifications).
    pub alternative_certifications: Vec<crate::vocab::CertificationScheme>,
    /// Auditor qualifications accepted for an external audit when no certification is held.
    pub auditor_qualifications: Vec<crate::vocab::AuditorQualification>,
    /// Evaluating bodies whose evaluation is accepted the same way (not qualifications of a
    /// person).
    #[serde(default)]
    pub evaluation_bodies: Vec<crate::vocab::AuditorQualification>,
    pub operating_rule_items: Vec<NamedItem>,
    pub vendor_selection_items: Vec<NamedItem>,
    pub requirement_areas: Vec<NamedItem>,
    /// Fewest restorable backup generations counted as "several".
    pub min_backup_generations: u32,
    /// Most months between two inventories of a ledger item before it counts as overdue
    /// (MGL 7⑦ asks for regular inventories without a number; 12 is sansho's default).
    #[serde(default = "twelve")]
    pub max_months_between_inventories: u32,
    /// Most months between two drills of a continuity plan before it counts as overdue
    /// (MGL 経営管理編 3.4.1③ asks for periodic drills without a number; 12 is sansho's default).
    #[serde(default = "twelve")]
    pub max_months_between_drills: u32,
    /// Severity of a rule's finding by the strength of the guideline's wording, unless the rule
    /// declares its own.
    pub severity_by_strength: BTreeMap<Strength, crate::diagnostics::Severity>,
    /// Password rules the MHLW checklists ask for where a password is the only factor.
    pub password: PasswordRules,
}

fn twelve() -> u32 {
    12
}

/// Thresholds of the password rules.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRules {
    /// Fewest characters.
    pub min_length: u32,
    /// Fewest character classes mixed (upper, lower, digits, symbols).
    pub min_character_classes: u32,
    /// Most failed attempts before the account locks.
    pub max_lockout_after: u32,
}

/// The whole knowledge base.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeBase {
    pub editions: Vec<Edition>,
    pub threats: Vec<Threat>,
    pub scales: Scales,
    pub matrix: Matrix,
    pub threat_rules: Vec<ThreatRule>,
    pub likelihood_rules: Vec<ScoreRule>,
    pub impact_rules: Vec<ScoreRule>,
    pub classes: Vec<ClassDefault>,
    pub auth_factors: BTreeMap<AuthMethod, AuthFactor>,
    pub controls: Vec<CatalogueControl>,
    /// Every guideline rule, in code order (the order of [`crate::diagnostics::RuleId`]).
    pub rules: Vec<RuleDeclaration>,
    pub tables: Tables,
    #[serde(default)]
    pub scenario_contexts: Vec<ScenarioContext>,
    #[serde(default)]
    pub scenarios: Vec<ScenarioTemplate>,
    /// Layers in the order reports list them.
    #[serde(default = "default_layers")]
    pub layers: Vec<Layer>,
}

fn default_layers() -> Vec<Layer> {
    vec![Layer::Application, Layer::Platform, Layer::Infrastructure]
}

impl KnowledgeBase {
    pub fn threat(&self, id: &str) -> Option<&Threat> {
        self.threats.iter().find(|t| t.id == id)
    }

    pub fn edition(&self, id: &str) -> Option<&Edition> {
        self.editions.iter().find(|e| e.id == id)
    }

    pub fn catalogue_control(&self, id: &str) -> Option<&CatalogueControl> {
        self.controls.iter().find(|c| c.id == id)
    }

    pub fn rule(&self, code: crate::diagnostics::Code) -> Option<&RuleDeclaration> {
        self.rules.get(code.rule()?.index())
    }

    /// The severity of a rule's failing finding: declared, else by its wording's strength.
    pub fn rule_severity(&self, rule: &RuleDeclaration) -> crate::diagnostics::Severity {
        rule.severity.unwrap_or_else(|| {
            self.tables
                .severity_by_strength
                .get(&rule.strength())
                .copied()
                .unwrap_or(crate::diagnostics::Severity::Error)
        })
    }

    pub fn class(&self, id: &str) -> Option<&ClassDefault> {
        self.classes.iter().find(|c| c.id == id)
    }

    /// Description of a rule or condition by id, for traces.
    pub fn rule_description(&self, id: &str) -> Option<&Localized> {
        self.threat_rules
            .iter()
            .find(|r| r.id == id)
            .map(|r| &r.description)
            .or_else(|| {
                self.likelihood_rules
                    .iter()
                    .find(|r| r.id == id)
                    .map(|r| &r.description)
            })
            .or_else(|| {
                self.impact_rules
                    .iter()
                    .find(|r| r.id == id)
                    .map(|r| &r.description)
            })
    }
}
