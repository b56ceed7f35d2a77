//! The model as written in YAML: one struct per section, unknown keys rejected.
//!
//! These types define the file format. The JSON Schema that editors use (`sansho schema`) is
//! generated from them, so a doc comment here is what a user sees when hovering a key.
//! Ids and references are [`Sp`] so that later checks can point at the exact place.

use schemars::JsonSchema;
use serde::Deserialize;

use super::spanned::Sp;
use crate::vocab::{
    ActorKind, AssetKind, AuditorQualification, AuthMethod, CertificationScheme, ConnectionKind,
    ContinuityScenario, ControlCategory, CooperationKind, EgressControl, Evaluator, Exposure,
    Layer, LocationKind, MediaCarrier, Operation, OrganizationRole, Phase, PhysicalSafeguard,
    RemotePurpose, Scope, SignatureMethod, SslVpnType, StoragePrinciple, TimestampKind, TlsVersion,
    TreatmentOption, Volume, WirelessAccessControl,
};

/// One model file. The entry file holds `sansho` and `system`; included files hold any of the
/// list sections, which are concatenated in include order.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "sansho model",
    description = "システム構成・情報流・対策のモデル (sansho model of a medical-information system)"
)]
pub struct RawFile {
    /// Model format version. The entry file must say `sansho: 1`.
    pub sansho: Option<Sp<u32>>,
    /// Further model files to read, relative to this file.
    #[serde(default)]
    pub include: Vec<Sp<String>>,
    /// The system under assessment (entry file only).
    pub system: Option<RawSystem>,
    /// Organisations: the provider, subcontractors, other providers, medical institutions.
    #[serde(default)]
    pub organizations: Vec<RawOrganization>,
    /// Places: data centres, clinics, rooms, cloud regions, patients' homes.
    #[serde(default)]
    pub locations: Vec<RawLocation>,
    /// Devices, storage media and cloud services.
    #[serde(default)]
    pub assets: Vec<RawAsset>,
    /// Networks, links and the physical transport of media.
    #[serde(default)]
    pub connections: Vec<RawConnection>,
    /// People by role, belonging to organisations.
    #[serde(default)]
    pub actors: Vec<RawActor>,
    /// Information classes of the institution, beyond the built-in `medical` and `other`.
    #[serde(default)]
    pub classifications: Vec<RawClassification>,
    /// Kinds of information handled (診療録, レセプト, logs ...).
    #[serde(default)]
    pub information: Vec<RawInformation>,
    /// Information flows (情報流), per phase and layer.
    #[serde(default)]
    pub flows: Vec<RawFlow>,
    /// Security controls (対策).
    #[serde(default)]
    pub controls: Vec<RawControl>,
    /// Decisions on risks (リスク対応): treatment option, controls, requests, acceptance.
    #[serde(default)]
    pub decisions: Vec<RawDecision>,
    /// Backups (バックアップ): what is copied, how many generations, offline or write-once.
    #[serde(default)]
    pub backups: Vec<RawBackup>,
    /// Business continuity (BCP) scenarios (entry file or any file; lists are concatenated).
    #[serde(default)]
    pub continuity: Vec<RawContinuityScenario>,
    /// Ledger of devices and media (台帳): assets registered, with the last inventory.
    #[serde(default)]
    pub ledger: Vec<RawLedgerEntry>,
    /// Disposal procedures per information kind (破棄の手順).
    #[serde(default)]
    pub disposal_procedures: Vec<RawDisposalProcedure>,
    /// Split of responsibility between organisations (責任分界).
    #[serde(default)]
    pub responsibilities: Vec<RawResponsibility>,
    /// Cooperation with other providers the institution contracts separately (水平・垂直連携).
    #[serde(default)]
    pub cooperations: Vec<RawCooperation>,
    /// What the provider gives the institution to reach agreement (PGL ch.4).
    #[serde(default)]
    pub agreement: Option<RawAgreement>,
}

/// Calls `$then!` with the sections of a file, single-valued and lists, named once for joining
/// the pieces of a file and for sizing them. The join destructures every field, so a section
/// added to `RawFile` and not named here does not compile.
macro_rules! sections {
    ($then:ident) => {
        $then! {
            single: [sansho, system, agreement],
            lists: [
                include,
                organizations,
                locations,
                assets,
                connections,
                actors,
                classifications,
                information,
                flows,
                controls,
                decisions,
                backups,
                continuity,
                ledger,
                disposal_procedures,
                responsibilities,
                cooperations,
            ],
        }
    };
}

impl RawFile {
    /// Makes room in every list for the lists of `later` pieces of the same file, so that
    /// appending them ([`RawFile::append`]) never grows a list again.
    pub(crate) fn reserve_for(&mut self, later: &[RawFile]) {
        macro_rules! reserve {
            (single: [$($single:ident),*], lists: [$($list:ident),* $(,)?],) => {
                $(self.$list.reserve(later.iter().map(|piece| piece.$list.len()).sum());)*
            };
        }
        sections!(reserve);
    }

    /// Appends the sections of a later piece of the same file (`load::split`). `None` when both
    /// hold the same single-valued section, which a file cannot do.
    pub(crate) fn append(&mut self, later: RawFile) -> Option<()> {
        macro_rules! append {
            (single: [$($single:ident),*], lists: [$($list:ident),* $(,)?],) => {
                let RawFile { $($single,)* $($list,)* } = later;
                $(
                    if $single.is_some() {
                        if self.$single.is_some() {
                            return None;
                        }
                        self.$single = $single;
                    }
                )*
                $(self.$list.extend($list);)*
            };
        }
        sections!(append);
        Some(())
    }
}

/// The system under assessment.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSystem {
    /// Stable id of the system.
    pub id: Sp<String>,
    /// Name shown in reports (システム名).
    pub name: Sp<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The organisation that carries out this assessment (対象事業者).
    pub provider: Sp<String>,
    /// Guideline editions this assessment follows, e.g. `[PGL-1.1, MGL-6.0]`.
    pub editions: Vec<Sp<String>>,
    /// Date of this version of the model (YYYY-MM-DD), shown in reports; certificate validity is
    /// checked against it.
    #[serde(default)]
    pub as_of: Option<String>,
    /// Measures that stop important data leaving (PGL 5.1.5(イ)⑤).
    #[serde(default)]
    pub data_egress_controls: Vec<Sp<EgressControl>>,
    /// Document control (文書管理) printed on every deliverable.
    #[serde(default)]
    pub document: Option<RawDocument>,
}

/// Document control of the deliverables: which version, when, by whom, for whom.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDocument {
    /// 版数, e.g. `1.2`.
    #[serde(default)]
    pub version: Option<String>,
    /// 作成日 (YYYY-MM-DD).
    #[serde(default)]
    pub created: Option<Sp<String>>,
    /// 改訂日 (YYYY-MM-DD).
    #[serde(default)]
    pub revised: Option<Sp<String>>,
    /// 作成者: a role or department.
    #[serde(default)]
    pub author: Option<String>,
    /// 承認者: a role.
    #[serde(default)]
    pub approver: Option<String>,
    /// 提出先: the organisation (an id) the documents are for, usually the institution.
    #[serde(default)]
    pub addressee: Option<Sp<String>>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOrganization {
    pub id: Sp<String>,
    pub name: Sp<String>,
    /// What the organisation is in this system.
    pub role: Sp<OrganizationRole>,
    /// Provision layers it supplies (アプリケーション / プラットフォーム / インフラ).
    #[serde(default)]
    pub layers: Vec<Sp<Layer>>,
    /// Third-party certifications (Pマーク, ISMS, ISMAP ...).
    #[serde(default)]
    pub certifications: Vec<RawCertification>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCertification {
    pub scheme: Sp<CertificationScheme>,
    /// Certificate or registration number.
    #[serde(default)]
    pub id: Option<String>,
    /// Scope as stated on the certificate.
    #[serde(default)]
    pub scope: Option<String>,
    /// Last day of validity (YYYY-MM-DD).
    #[serde(default)]
    pub valid_until: Option<Sp<String>>,
    /// Name of the scheme when `scheme: other`.
    #[serde(default)]
    pub name: Option<String>,
    /// ISMS: whether the scope covers the medical data from entry to exit (入口から出口まで).
    #[serde(default)]
    pub covers_data_lifecycle: Option<bool>,
    /// External audit: the auditor's qualification.
    #[serde(default)]
    pub auditor: Option<Sp<AuditorQualification>>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLocation {
    pub id: Sp<String>,
    pub name: Sp<String>,
    pub kind: Sp<LocationKind>,
    /// ISO 3166-1 alpha-2 country code of the place, e.g. `JP`.
    #[serde(default)]
    pub country: Option<Sp<String>>,
    /// Region or prefecture, e.g. 東京都.
    #[serde(default)]
    pub region: Option<String>,
    /// Organisation that manages the place.
    #[serde(default)]
    pub managed_by: Option<Sp<String>>,
    /// Physical safeguards in place (物理的安全管理措置).
    #[serde(default)]
    pub physical_safeguards: Vec<Sp<PhysicalSafeguard>>,
    /// Whether patients or the public can enter (待合室, 受付).
    #[serde(default)]
    pub public_access: bool,
    /// Enclosing location (a room inside a clinic).
    #[serde(default)]
    pub within: Option<Sp<String>>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAsset {
    pub id: Sp<String>,
    pub name: Sp<String>,
    pub kind: Sp<AssetKind>,
    /// Provision layer the asset belongs to.
    #[serde(default)]
    pub layer: Option<Sp<Layer>>,
    /// Where it stands. Leave out for a virtual machine or service that `runs_on` another asset:
    /// it is where its host is.
    #[serde(default)]
    pub location: Option<Sp<String>>,
    /// Organisation that manages it.
    #[serde(default)]
    pub managed_by: Option<Sp<String>>,
    /// Whose responsibility it is: `provider` (default, unless an institution manages it),
    /// `institution` (the institution's own device), `patient` (a patient's own device).
    #[serde(default)]
    pub scope: Option<Sp<Scope>>,
    /// The asset this one runs on: a virtual machine on a host, a service on a platform of
    /// another provider (垂直連携).
    #[serde(default)]
    pub runs_on: Option<Sp<String>>,
    /// The asset this one is a copy of (a disaster-recovery or read replica): it is backed up
    /// through its primary.
    #[serde(default)]
    pub replica_of: Option<Sp<String>>,
    /// Whether what it stores can be rebuilt from elsewhere (a cache, a search index), so it
    /// needs no backup of its own.
    #[serde(default)]
    pub regenerable: bool,
    /// Password rules, where people log in with a password.
    #[serde(default)]
    pub password_policy: Option<RawPasswordPolicy>,
    /// Information kinds it holds (ids of `information`).
    #[serde(default)]
    pub holds: Vec<Sp<String>>,
    /// How far it can be reached over networks.
    #[serde(default)]
    pub exposure: Option<Sp<Exposure>>,
    /// Authentication methods a person must pass to use it; `[none]` if there is none.
    /// Leave out when the asset is not used by people directly.
    #[serde(default)]
    pub authentication: Option<Vec<Sp<AuthMethod>>>,
    /// Whether stored data is encrypted (保存時の暗号化).
    #[serde(default)]
    pub encrypted_at_rest: Option<bool>,
    /// Known vulnerabilities not yet fixed (CVE ids or descriptions).
    #[serde(default)]
    pub unpatched_vulnerabilities: Vec<Sp<String>>,
    /// Whether initial or default passwords remain in use.
    #[serde(default)]
    pub default_credentials: bool,
    /// Whether the device or medium is carried outside its location (持出し).
    #[serde(default)]
    pub taken_out: bool,
    /// Devices carried outside: whether only the applications the work needs are installed
    /// (MGL 6.0 システム運用編 7⑥).
    #[serde(default)]
    pub minimal_apps: Option<bool>,
    /// Whether the device is lent to patients (IoT, wearables).
    #[serde(default)]
    pub lent_to_patients: bool,
    /// Lent devices: whether patients are told the risks and consent (説明と同意).
    #[serde(default)]
    pub patient_consent: bool,
    /// Cloud services: whether the service is on the permitted list.
    #[serde(default)]
    pub cloud_permitted: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Password rules of an asset (MHLW checklist: length and character classes unless
/// multi-factor, no reuse, lockout after repeated failures).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPasswordPolicy {
    /// Fewest characters a password may have.
    #[serde(default)]
    pub min_length: Option<Sp<u32>>,
    /// How many of the classes (upper case, lower case, digits, symbols) must be mixed.
    #[serde(default)]
    pub character_classes: Option<Sp<u32>>,
    /// Whether reusing earlier passwords is refused.
    #[serde(default)]
    pub reuse_prohibited: Option<bool>,
    /// Failed attempts after which the account is locked (0: never).
    #[serde(default)]
    pub lockout_after: Option<Sp<u32>>,
    /// Days after which a password must be changed (needless with multi-factor authentication
    /// or passwords of 13 characters or more).
    #[serde(default)]
    pub rotation_days: Option<Sp<u32>>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConnection {
    pub id: Sp<String>,
    pub name: Sp<String>,
    pub kind: Sp<ConnectionKind>,
    /// Assets it links (for the configuration diagram).
    #[serde(default)]
    pub endpoints: Vec<Sp<String>>,
    /// Organisation that manages the link.
    #[serde(default)]
    pub managed_by: Option<Sp<String>>,
    /// TLS in use on this link (HTTPS, TLS-VPN).
    #[serde(default)]
    pub tls: Option<RawTls>,
    /// IPsec only: whether keys are exchanged with IKE.
    #[serde(default)]
    pub ike: Option<Sp<bool>>,
    /// SSL-VPN only: `client` (dedicated client software) or `clientless` (browser).
    #[serde(default)]
    pub ssl_vpn: Option<Sp<SslVpnType>>,
    /// Wireless LAN only: how terminals are admitted.
    #[serde(default)]
    pub wireless_access_control: Vec<Sp<WirelessAccessControl>>,
    /// Media transport only: how media are carried.
    #[serde(default)]
    pub transport: Option<RawTransport>,
    /// Remote access over this connection (外部からの接続).
    #[serde(default)]
    pub remote_access: Option<RawRemoteAccess>,
    /// Whether law requires transmission without encryption on this route.
    #[serde(default)]
    pub unencrypted_by_law: bool,
    /// Countermeasures against eavesdropping where transmission is unencrypted by law.
    #[serde(default)]
    pub eavesdropping_countermeasures: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRemoteAccess {
    /// Staff access: a method other than a virtual desktop that is as safe, and why (MGL 6.0
    /// システム運用編 7⑬ allows one).
    #[serde(default)]
    pub equivalent_to_vdi: Option<String>,
    /// Who connects from outside: maintenance vendors, staff, or patients.
    pub purpose: Sp<RemotePurpose>,
    /// Maintenance: login restricted to managed, approved maintenance (申請・承認、記録).
    #[serde(default)]
    pub restricted: bool,
    /// Staff: access through a virtual desktop together with a VPN.
    #[serde(default)]
    pub vdi: bool,
    /// Patients: viewing system separated from internal systems (分離・FW・監視).
    #[serde(default)]
    pub separated: bool,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    /// Protocol versions allowed, e.g. `[tls1.3, tls1.2]`.
    pub versions: Vec<Sp<TlsVersion>>,
    /// Cipher suites allowed (IANA names).
    #[serde(default)]
    pub cipher_suites: Vec<Sp<String>>,
    /// Why TLS 1.2 is still allowed, when it is.
    #[serde(default)]
    pub reason_for_tls12: Option<String>,
    /// Whether clients authenticate with certificates.
    #[serde(default)]
    pub client_certificates: bool,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTransport {
    /// Who carries the media.
    pub carrier: Sp<MediaCarrier>,
    /// Whether media travel in locked or sealed cases.
    #[serde(default)]
    pub sealed: bool,
    /// Whether media are encrypted while carried.
    #[serde(default)]
    pub encrypted: bool,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawActor {
    pub id: Sp<String>,
    pub name: Sp<String>,
    /// Organisation the role belongs to.
    pub organization: Sp<String>,
    #[serde(default)]
    pub kind: Option<Sp<ActorKind>>,
    #[serde(default)]
    pub description: Option<String>,
}

/// An information class with its own impact levels (1-5) for C, I and A.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawClassification {
    pub id: Sp<String>,
    pub name: Sp<String>,
    /// Whether the class contains medical information (医療情報).
    pub medical: bool,
    #[schemars(range(min = 1, max = 5))]
    pub confidentiality: Sp<u8>,
    #[schemars(range(min = 1, max = 5))]
    pub integrity: Sp<u8>,
    #[schemars(range(min = 1, max = 5))]
    pub availability: Sp<u8>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawInformation {
    pub id: Sp<String>,
    pub name: Sp<String>,
    /// `medical`, `other`, or the id of a class under `classifications`.
    pub classification: Sp<String>,
    /// Legal retention period in years (法定保存年限).
    #[serde(default)]
    pub retention_years: Option<Sp<u32>>,
    /// The law that sets the retention period.
    #[serde(default)]
    pub retention_basis: Option<String>,
    /// Whether it is a legally kept record stored electronically (真正性・見読性・保存性 apply).
    #[serde(default)]
    pub legal_record: bool,
    /// Whether law requires a signature or name and seal (記名・押印).
    #[serde(default)]
    pub requires_signature: bool,
    /// Record type in the retention table (`sansho kb retention`), which gives the legal period
    /// when `retention_years` is left out.
    #[serde(default)]
    pub record_type: Option<Sp<String>>,
    /// Logs only: the information this log records (e.g. access to 診療録).
    #[serde(default)]
    pub log_of: Vec<Sp<String>>,
    /// How long the information is actually kept, in years.
    #[serde(default)]
    pub kept_years: Option<Sp<u32>>,
    /// A period agreed with the institution instead of the legal one (PGL 5.1.5(イ)②).
    #[serde(default)]
    pub agreed_retention: Option<RawAgreedRetention>,
    /// Signature-requiring documents: how they are signed and time-stamped.
    #[serde(default)]
    pub signature: Option<RawSignature>,
    /// The institution whose information this is (an organisation id).
    #[serde(default)]
    pub owner: Option<Sp<String>>,
    /// Who keeps it: `provider` (default, unless only institution devices hold it) or
    /// `institution` (records the institution keeps itself, outside the provider's service).
    #[serde(default)]
    pub scope: Option<Sp<Scope>>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAgreedRetention {
    pub years: Sp<u32>,
    /// Organisation it was agreed with.
    pub with: Sp<String>,
    /// Date of the agreement (YYYY-MM-DD).
    #[serde(default)]
    pub date: Option<Sp<String>>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSignature {
    pub method: Sp<SignatureMethod>,
    pub timestamp: Sp<TimestampKind>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFlow {
    /// Stable id; risk ids are built from it, so do not reuse or renumber.
    pub id: Sp<String>,
    pub phase: Sp<Phase>,
    pub layer: Sp<Layer>,
    /// Who (誰が): an actor id, or a list of them when several people do it together. Leave out
    /// for processing without a person.
    #[serde(default)]
    pub who: Option<Sp<Who>>,
    /// Where (どこの): location id.
    #[serde(rename = "where")]
    pub where_: Sp<String>,
    /// Which (どの機器で・どの媒体で): asset id.
    pub which: Sp<String>,
    /// What (何を): information ids.
    pub what: Vec<Sp<String>>,
    /// How (どうする): operations.
    pub how: Vec<Sp<Operation>>,
    /// Route of the information through assets and connections, starting at `which`.
    #[serde(default)]
    pub path: Vec<Sp<String>>,
    /// How much information one occurrence moves.
    #[serde(default)]
    pub volume: Option<Sp<Volume>>,
    /// Approval for taking information out (e.g. by the institution's planning manager).
    #[serde(default)]
    pub approval: Option<Sp<String>>,
    /// Evidence kept for the flow (e.g. a certificate of destruction).
    #[serde(default)]
    pub evidence: Option<Sp<String>>,
    /// Emergency access that bypasses the usual authentication (ブレークグラス): the procedure
    /// that governs it and how its use is reviewed afterwards.
    #[serde(default)]
    pub break_glass: Option<Sp<String>>,
    #[serde(default)]
    pub description: Option<String>,
}

/// One actor or several.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Who {
    One(String),
    Many(Vec<String>),
}

impl Who {
    pub fn ids(&self) -> &[String] {
        match self {
            Who::One(id) => std::slice::from_ref(id),
            Who::Many(ids) => ids,
        }
    }
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawControl {
    pub id: Sp<String>,
    /// Adopt a control from the knowledge-base catalogue; fields given here override it.
    #[serde(default)]
    pub catalogue: Option<Sp<String>>,
    #[serde(default)]
    pub name: Option<Sp<String>>,
    /// 人的・組織的 / 物理的 / 技術的.
    #[serde(default)]
    pub category: Option<Sp<ControlCategory>>,
    /// Organisation that runs the control (provider, subcontractor or institution).
    pub owner: Sp<String>,
    /// Elements it protects: asset, connection, location, flow or information ids.
    #[serde(default)]
    pub applies_to: Vec<Sp<String>>,
    /// Threats it counters (T1-T11 or user-defined).
    #[serde(default)]
    pub counters: Option<Vec<Sp<String>>>,
    /// How much it lowers likelihood and impact.
    #[serde(default)]
    pub effect: Option<RawEffect>,
    /// Edition-qualified clause references, e.g. `MGL-6.0 システム運用編 14`.
    #[serde(default)]
    pub references: Option<Vec<Sp<String>>>,
    /// Principles of electronic storage the control secures (真正性・見読性・保存性).
    #[serde(default)]
    pub principles: Vec<Sp<StoragePrinciple>>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEffect {
    /// Levels by which likelihood drops (0-4).
    #[serde(default)]
    #[schemars(range(min = 0, max = 4))]
    pub likelihood: u8,
    /// Levels by which impact drops (0-4).
    #[serde(default)]
    #[schemars(range(min = 0, max = 4))]
    pub impact: u8,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDecision {
    /// Risk id, or a pattern with `*` (e.g. `*/storage/ehr-db/T4`).
    pub risk: Sp<String>,
    pub treatment: Sp<TreatmentOption>,
    /// Controls chosen for this risk, in addition to those that apply by `applies_to`.
    #[serde(default)]
    pub controls: Vec<Sp<String>>,
    /// What the institution itself must do (医療機関等へ対応を求める事項).
    #[serde(default)]
    pub requests: Vec<RawRequest>,
    /// Required when `treatment: accept`.
    #[serde(default)]
    pub acceptance: Option<RawAcceptance>,
    /// Why this treatment was chosen.
    #[serde(default)]
    pub rationale: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    /// The institution-owned control this request covers, if any.
    #[serde(default)]
    pub control: Option<Sp<String>>,
    /// What is asked of the institution.
    pub text: Sp<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAcceptance {
    /// Who approved (name and role).
    #[serde(default)]
    pub by: Option<Sp<String>>,
    /// When (YYYY-MM-DD).
    #[serde(default)]
    pub date: Option<Sp<String>>,
    /// Why the residual risk is acceptable.
    #[serde(default)]
    pub reason: Option<Sp<String>>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBackup {
    pub id: Sp<String>,
    /// Assets whose data are copied.
    pub of: Vec<Sp<String>>,
    /// Where the copies are kept (asset id).
    #[serde(default)]
    pub to: Option<Sp<String>>,
    /// Restorable generations kept.
    pub generations: Sp<u32>,
    /// Whether one copy is disconnected from networks (offline).
    #[serde(default)]
    pub offline: bool,
    /// Whether one copy is on write-once media (追記不能).
    #[serde(default)]
    pub write_once: bool,
    /// How often, e.g. 毎日差分・毎週フル.
    #[serde(default)]
    pub schedule: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawContinuityScenario {
    pub scenario: Sp<ContinuityScenario>,
    /// Where the plan is written (document and section).
    pub plan: Sp<String>,
    /// Date of the last drill (YYYY-MM-DD).
    #[serde(default)]
    pub last_drill: Option<Sp<String>>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLedgerEntry {
    /// Asset registered in the ledger.
    pub asset: Sp<String>,
    /// Date of the last inventory (棚卸, YYYY-MM-DD).
    #[serde(default)]
    pub last_inventory: Option<Sp<String>>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDisposalProcedure {
    /// Information kinds it covers.
    pub information: Vec<Sp<String>>,
    /// When information may be disposed of.
    pub conditions: Sp<String>,
    /// Who may dispose of it (actor ids).
    pub by: Vec<Sp<String>>,
    /// How (e.g. 消磁・物理破壊、証明書の受領).
    pub method: Sp<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawResponsibility {
    /// The responsible organisation.
    pub organization: Sp<String>,
    /// Assets it is responsible for.
    #[serde(default)]
    pub assets: Vec<Sp<String>>,
    /// Requirement areas it covers (`sansho kb areas`).
    #[serde(default)]
    pub covers: Vec<Sp<String>>,
    /// Whether it leads the investigation of incidents (原因調査の主導).
    #[serde(default)]
    pub incident_lead: bool,
    /// Its duties in normal times and emergencies.
    #[serde(default)]
    pub duties: Option<String>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCooperation {
    /// The other provider.
    pub with: Sp<String>,
    pub kind: Sp<CooperationKind>,
    /// The agreed split for the joint parts (連携部分の責任分界).
    #[serde(default)]
    pub split: Option<Sp<String>>,
    /// Date of agreement (YYYY-MM-DD).
    #[serde(default)]
    pub agreed: Option<Sp<String>>,
}

#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAgreement {
    /// Evaluation of the safety management (安全管理に係る評価, PGL 4.3).
    #[serde(default)]
    pub evaluation: Option<RawEvaluation>,
    /// Where the 運用管理規程 covers each required item, keyed by item (`sansho kb operating-rules`).
    #[serde(default)]
    pub operating_rules: std::collections::BTreeMap<String, Sp<String>>,
    /// Answers to the vendor-selection items, keyed by item (`sansho kb vendor-selection`).
    #[serde(default)]
    pub vendor_selection: std::collections::BTreeMap<String, Sp<String>>,
    /// Periodic reports to the institution.
    #[serde(default)]
    pub reports: Option<RawReports>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEvaluation {
    pub by: Sp<Evaluator>,
    /// Name of the auditing body or department.
    #[serde(default)]
    pub evaluator: Option<String>,
    /// The actor or organisation that evaluated (an id), so that sansho can see whether they
    /// work on the system themselves.
    #[serde(default)]
    pub evaluated_by: Option<Sp<String>>,
    /// Whether the evaluators work on the system themselves. Leave out only when `evaluated_by`
    /// names them.
    #[serde(default)]
    pub involved_in_system: Option<bool>,
    #[serde(default)]
    pub date: Option<Sp<String>>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawReports {
    /// How often the operation status is reported, e.g. 月次.
    #[serde(default)]
    pub operation: Option<Sp<String>>,
    /// How often security measures are self-inspected, e.g. 年次.
    #[serde(default)]
    pub self_inspection: Option<Sp<String>>,
}
