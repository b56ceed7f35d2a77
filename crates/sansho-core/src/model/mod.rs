//! The validated model: every reference resolved to an index, every id checked, positions kept
//! as [`Span`]s. The engine works only on this form.
//!
//! Raw files ([`raw`]) are turned into a [`Model`] by [`validate::build`], which reports every
//! problem it finds instead of stopping at the first.

mod labels;
pub mod raw;
pub(crate) mod rebase;
pub mod spanned;
pub mod validate;

use crate::source::Span;
use crate::vocab::{
    ActorKind, AssetKind, AuditorQualification, AuthMethod, CertificationScheme, ConnectionKind,
    ContinuityScenario, ControlCategory, CooperationKind, EgressControl, Evaluator, Exposure,
    Layer, LocationKind, MediaCarrier, Operation, OrganizationRole, Phase, PhysicalSafeguard,
    RemotePurpose, Scope, SignatureMethod, SslVpnType, StoragePrinciple, TimestampKind, TlsVersion,
    TreatmentOption, Volume, WirelessAccessControl,
};

/// Typed positions of elements in the model's lists: a reference to an asset cannot be used
/// to look up a flow. `model.assets[ix]` works for an `AssetIx` only.
macro_rules! element_index {
    ($($name:ident => $element:ident, $what:literal;)*) => {$(
        #[doc = concat!("The position of ", $what, " in the model.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(usize);

        impl $name {
            pub const fn new(index: usize) -> Self {
                Self(index)
            }

            pub const fn index(self) -> usize {
                self.0
            }

            /// Every position of a list of `len` elements, in order.
            pub fn all(len: usize) -> impl Iterator<Item = Self> {
                (0..len).map(Self)
            }

            /// Every element of a model list with its position, in order.
            pub fn enumerate(list: &[$element]) -> impl Iterator<Item = (Self, &$element)> {
                list.iter().enumerate().map(|(i, e)| (Self(i), e))
            }
        }

        impl std::ops::Index<$name> for [$element] {
            type Output = $element;
            fn index(&self, ix: $name) -> &$element {
                &self[ix.0]
            }
        }

        impl std::ops::Index<$name> for Vec<$element> {
            type Output = $element;
            fn index(&self, ix: $name) -> &$element {
                &self[ix.0]
            }
        }
    )*};
}

element_index! {
    OrgIx => Organization, "an organisation";
    LocationIx => Location, "a location";
    AssetIx => Asset, "an asset";
    ConnectionIx => Connection, "a connection";
    ActorIx => Actor, "an actor";
    ClassIx => Classification, "a classification";
    InfoIx => Information, "an information item";
    FlowIx => Flow, "a flow";
    ControlIx => Control, "a control";
}

/// A reference to any element that has an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ElementRef {
    Organization(OrgIx),
    Location(LocationIx),
    Asset(AssetIx),
    Connection(ConnectionIx),
    Actor(ActorIx),
    Classification(ClassIx),
    Information(InfoIx),
    Flow(FlowIx),
    Control(ControlIx),
}

/// An edition-qualified clause reference such as `MGL-6.0 システム運用編 14`.
#[derive(
    Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct ClauseRef {
    pub edition: String,
    pub clause: String,
}

impl ClauseRef {
    /// Splits `"EDITION clause text"`; `None` when there is no clause after the edition.
    pub fn parse(text: &str) -> Option<ClauseRef> {
        let text = text.trim();
        let (edition, clause) = text.split_once(char::is_whitespace)?;
        let clause = clause.trim();
        (!clause.is_empty()).then(|| ClauseRef {
            edition: edition.to_owned(),
            clause: clause.to_owned(),
        })
    }
}

impl std::fmt::Display for ClauseRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.edition, self.clause)
    }
}

#[derive(Clone, Debug)]
pub struct System {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub provider: OrgIx,
    pub editions: Vec<String>,
    pub as_of: Option<String>,
    pub data_egress_controls: Vec<EgressControl>,
    pub document: Option<Document>,
    pub span: Span,
}

/// Document control (文書管理) of the deliverables.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub version: Option<String>,
    pub created: Option<String>,
    pub revised: Option<String>,
    pub author: Option<String>,
    pub approver: Option<String>,
    pub addressee: Option<OrgIx>,
}

#[derive(Clone, Debug)]
pub struct Certification {
    pub scheme: CertificationScheme,
    pub id: Option<String>,
    pub scope: Option<String>,
    pub valid_until: Option<String>,
    pub name: Option<String>,
    pub covers_data_lifecycle: Option<bool>,
    pub auditor: Option<AuditorQualification>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub role: OrganizationRole,
    pub layers: Vec<Layer>,
    pub certifications: Vec<Certification>,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Location {
    pub id: String,
    pub name: String,
    pub kind: LocationKind,
    pub country: Option<String>,
    pub region: Option<String>,
    pub managed_by: Option<OrgIx>,
    pub physical_safeguards: Vec<PhysicalSafeguard>,
    pub public_access: bool,
    pub within: Option<LocationIx>,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Asset {
    pub id: String,
    pub name: String,
    pub kind: AssetKind,
    pub layer: Option<Layer>,
    /// Where it stands: its own location, or its host's when it runs on another asset.
    pub location: LocationIx,
    pub managed_by: Option<OrgIx>,
    /// Whose responsibility it is, as written or as its manager implies.
    pub scope: Scope,
    pub runs_on: Option<AssetIx>,
    pub replica_of: Option<AssetIx>,
    pub regenerable: bool,
    pub password_policy: Option<PasswordPolicy>,
    pub holds: Vec<InfoIx>,
    pub exposure: Option<Exposure>,
    /// `None` when the model does not say; `Some([])` never occurs (`[none]` is explicit).
    pub authentication: Option<Vec<AuthMethod>>,
    pub encrypted_at_rest: Option<bool>,
    pub unpatched_vulnerabilities: Vec<String>,
    pub default_credentials: bool,
    pub taken_out: bool,
    /// Only the applications the work needs are installed (7⑥); `None` when not stated.
    pub minimal_apps: Option<bool>,
    pub lent_to_patients: bool,
    pub patient_consent: bool,
    pub cloud_permitted: Option<bool>,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct PasswordPolicy {
    pub min_length: Option<u32>,
    pub character_classes: Option<u32>,
    pub reuse_prohibited: Option<bool>,
    pub lockout_after: Option<u32>,
    pub rotation_days: Option<u32>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Tls {
    pub versions: Vec<TlsVersion>,
    pub cipher_suites: Vec<String>,
    pub reason_for_tls12: Option<String>,
    pub client_certificates: bool,
    /// Place of `versions` in the model.
    pub versions_span: Span,
    /// Place of each cipher suite, in order.
    pub cipher_suite_spans: Vec<Span>,
}

#[derive(Clone, Debug)]
pub struct Transport {
    pub carrier: MediaCarrier,
    pub sealed: bool,
    pub encrypted: bool,
}

#[derive(Clone, Debug)]
pub struct Connection {
    pub id: String,
    pub name: String,
    pub kind: ConnectionKind,
    pub endpoints: Vec<AssetIx>,
    pub managed_by: Option<OrgIx>,
    pub tls: Option<Tls>,
    pub ike: Option<bool>,
    pub ssl_vpn: Option<SslVpnType>,
    pub wireless_access_control: Vec<WirelessAccessControl>,
    pub transport: Option<Transport>,
    pub remote_access: Option<RemoteAccess>,
    pub unencrypted_by_law: bool,
    pub eavesdropping_countermeasures: Vec<String>,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct RemoteAccess {
    pub purpose: RemotePurpose,
    /// A method as safe as a virtual desktop, and why.
    pub equivalent_to_vdi: Option<String>,
    pub restricted: bool,
    pub vdi: bool,
    pub separated: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Actor {
    pub id: String,
    pub name: String,
    pub organization: OrgIx,
    pub kind: Option<ActorKind>,
    pub description: Option<String>,
    pub span: Span,
}

/// An information class: built-in (`medical`, `other`) or defined by the model.
#[derive(Clone, Debug)]
pub struct Classification {
    pub id: String,
    pub name: String,
    pub medical: bool,
    pub confidentiality: u8,
    pub integrity: u8,
    pub availability: u8,
    /// `None` for built-in classes.
    pub span: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Information {
    pub id: String,
    pub name: String,
    pub classification: ClassIx,
    pub retention_years: Option<u32>,
    pub retention_basis: Option<String>,
    pub legal_record: bool,
    pub requires_signature: bool,
    pub record_type: Option<String>,
    pub log_of: Vec<InfoIx>,
    pub kept_years: Option<u32>,
    pub kept_span: Option<Span>,
    pub agreed_retention: Option<AgreedRetention>,
    pub signature: Option<Signature>,
    /// The institution whose information it is.
    pub owner: Option<OrgIx>,
    /// Who keeps it, as written or as the devices holding it imply.
    pub scope: Scope,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct AgreedRetention {
    pub years: u32,
    pub with: OrgIx,
    pub date: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Signature {
    pub method: SignatureMethod,
    pub timestamp: TimestampKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Flow {
    pub id: String,
    pub phase: Phase,
    pub layer: Layer,
    /// The people who do it; empty for processing without a person.
    pub who: Vec<ActorIx>,
    pub where_: LocationIx,
    pub which: AssetIx,
    pub what: Vec<InfoIx>,
    pub how: Vec<Operation>,
    /// Assets and connections, starting at `which`; `[which]` when the model gives no path.
    pub path: Vec<ElementRef>,
    pub volume: Volume,
    pub approval: Option<String>,
    pub evidence: Option<String>,
    /// Emergency access: the procedure that governs it.
    pub break_glass: Option<String>,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Effect {
    pub likelihood: u8,
    pub impact: u8,
}

#[derive(Clone, Debug)]
pub struct Control {
    pub id: String,
    pub catalogue: Option<String>,
    pub name: String,
    pub category: ControlCategory,
    pub owner: OrgIx,
    pub applies_to: Vec<ElementRef>,
    pub counters: Vec<String>,
    pub effect: Effect,
    pub references: Vec<ClauseRef>,
    pub principles: Vec<StoragePrinciple>,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Request {
    pub control: Option<ControlIx>,
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Acceptance {
    pub by: Option<String>,
    pub date: Option<String>,
    pub reason: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Decision {
    /// Risk id or `*` pattern.
    pub risk: String,
    pub treatment: TreatmentOption,
    pub controls: Vec<ControlIx>,
    pub requests: Vec<Request>,
    pub acceptance: Option<Acceptance>,
    pub rationale: Option<String>,
    pub span: Span,
}

impl Decision {
    /// Whether the pattern names the threat of every risk it matches: it has no `*`, or its
    /// last part (after the last `/`; ids never contain one) has none. Such a decision's
    /// controls apply to its risks even if they do not declare the threat in `counters`; a
    /// decision over several threats applies each control only to the threats it counters.
    pub fn names_threat(&self) -> bool {
        match self.risk.rsplit_once('/') {
            Some((_, threat)) => !threat.contains('*'),
            None => !self.risk.contains('*'),
        }
    }
}

/// A validated model.
#[derive(Clone, Debug)]
pub struct Model {
    pub system: System,
    pub organizations: Vec<Organization>,
    pub locations: Vec<Location>,
    pub assets: Vec<Asset>,
    pub connections: Vec<Connection>,
    pub actors: Vec<Actor>,
    pub classifications: Vec<Classification>,
    pub information: Vec<Information>,
    pub flows: Vec<Flow>,
    pub controls: Vec<Control>,
    pub decisions: Vec<Decision>,
    pub backups: Vec<Backup>,
    pub continuity: Vec<Continuity>,
    pub ledger: Vec<LedgerEntry>,
    pub disposal_procedures: Vec<DisposalProcedure>,
    pub responsibilities: Vec<Responsibility>,
    pub cooperations: Vec<Cooperation>,
    pub agreement: Option<Agreement>,
    /// Incidents the operational records report ([`Model::apply_facts`]); none from the files.
    pub incidents: Vec<crate::facts::IncidentFact>,
    /// Whose operational records were applied, for messages.
    pub facts_source: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Backup {
    pub id: String,
    pub of: Vec<AssetIx>,
    pub to: Option<AssetIx>,
    pub generations: u32,
    pub offline: bool,
    pub write_once: bool,
    pub schedule: Option<String>,
    pub span: Span,
    pub generations_span: Span,
}

#[derive(Clone, Debug)]
pub struct Continuity {
    pub scenario: ContinuityScenario,
    pub plan: String,
    pub last_drill: Option<String>,
    /// The date comes from the operational records, not from the model's files.
    pub drill_recorded: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct LedgerEntry {
    pub asset: AssetIx,
    pub last_inventory: Option<String>,
    /// The date (or the entry) comes from the operational records, not from the model's files.
    pub inventory_recorded: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct DisposalProcedure {
    pub information: Vec<InfoIx>,
    pub conditions: String,
    pub by: Vec<ActorIx>,
    pub method: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Responsibility {
    pub organization: OrgIx,
    pub assets: Vec<AssetIx>,
    pub covers: Vec<String>,
    pub incident_lead: bool,
    pub duties: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Cooperation {
    pub with: OrgIx,
    pub kind: CooperationKind,
    pub split: Option<String>,
    pub agreed: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Agreement {
    pub evaluation: Option<Evaluation>,
    /// Item id → (where the 運用管理規程 covers it, place in the model).
    pub operating_rules: std::collections::BTreeMap<String, (String, Span)>,
    /// Item id → (answer, place in the model).
    pub vendor_selection: std::collections::BTreeMap<String, (String, Span)>,
    pub reports_operation: Option<String>,
    pub reports_self_inspection: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Evaluation {
    pub by: Evaluator,
    pub evaluator: Option<String>,
    /// The actor or organisation that evaluated.
    pub evaluated_by: Option<ElementRef>,
    /// Whether the evaluators work on the system, as stated.
    pub involved_in_system: Option<bool>,
    pub date: Option<String>,
    pub span: Span,
}

impl Model {
    /// Id of any element.
    pub fn element_id(&self, element: ElementRef) -> &str {
        match element {
            ElementRef::Organization(i) => &self.organizations[i].id,
            ElementRef::Location(i) => &self.locations[i].id,
            ElementRef::Asset(i) => &self.assets[i].id,
            ElementRef::Connection(i) => &self.connections[i].id,
            ElementRef::Actor(i) => &self.actors[i].id,
            ElementRef::Classification(i) => &self.classifications[i].id,
            ElementRef::Information(i) => &self.information[i].id,
            ElementRef::Flow(i) => &self.flows[i].id,
            ElementRef::Control(i) => &self.controls[i].id,
        }
    }

    /// Display name of any element.
    pub fn element_name(&self, element: ElementRef) -> &str {
        match element {
            ElementRef::Organization(i) => &self.organizations[i].name,
            ElementRef::Location(i) => &self.locations[i].name,
            ElementRef::Asset(i) => &self.assets[i].name,
            ElementRef::Connection(i) => &self.connections[i].name,
            ElementRef::Actor(i) => &self.actors[i].name,
            ElementRef::Classification(i) => &self.classifications[i].name,
            ElementRef::Information(i) => &self.information[i].name,
            ElementRef::Flow(i) => &self.flows[i].id,
            ElementRef::Control(i) => &self.controls[i].name,
        }
    }

    pub fn element_span(&self, element: ElementRef) -> Option<Span> {
        match element {
            ElementRef::Organization(i) => Some(self.organizations[i].span),
            ElementRef::Location(i) => Some(self.locations[i].span),
            ElementRef::Asset(i) => Some(self.assets[i].span),
            ElementRef::Connection(i) => Some(self.connections[i].span),
            ElementRef::Actor(i) => Some(self.actors[i].span),
            ElementRef::Classification(i) => self.classifications[i].span,
            ElementRef::Information(i) => Some(self.information[i].span),
            ElementRef::Flow(i) => Some(self.flows[i].span),
            ElementRef::Control(i) => Some(self.controls[i].span),
        }
    }
}
