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
    AuthFactor, AuthMethod, Cia, ControlCategory, Fact, Layer, Rank, SegmentKind, TreatmentNeed,
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

/// Documentation and settings of one guideline rule (`sansho explain AUTH001`).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub code: crate::diagnostics::Code,
    pub title: Localized,
    /// What it checks.
    pub what: Localized,
    /// Why it matters (threat, impact).
    pub why: Localized,
    /// How to fix it, including the institution's part where there is one.
    pub fix: Localized,
    /// Edition-qualified clause references.
    pub references: Vec<String>,
    pub severity: crate::diagnostics::Severity,
    /// Rank of the gap, compared by `--fail-on` like a risk's rank.
    pub rank: Rank,
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
    pub operating_rule_items: Vec<NamedItem>,
    pub vendor_selection_items: Vec<NamedItem>,
    pub requirement_areas: Vec<NamedItem>,
    /// Fewest restorable backup generations counted as "several".
    pub min_backup_generations: u32,
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
    pub rules: Vec<RuleDoc>,
    pub tables: Tables,
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

    pub fn rule(&self, code: crate::diagnostics::Code) -> Option<&RuleDoc> {
        self.rules.iter().find(|r| r.code == code)
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
