//! The shared vocabulary: every enumerated value the model, the knowledge base, the engine and
//! the outputs speak of — phases, layers, ranks, C/I/A, kinds of assets and connections,
//! authentication methods and factors — declared once, at the bottom of the core.
//!
//! Each value has one name, the one written in model files ([`Vocabulary::name`]); every output
//! that shows a value to a machine or in an id uses that name, never Rust's debug form. Labels
//! for readers come from the knowledge base. A test holds the serde and strum names together.

mod fact;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

pub use fact::Fact;

/// What every vocabulary type offers: its values in declaration order and the name of each.
pub trait Vocabulary: Copy + Into<&'static str> + VariantArray + 'static {
    /// The name written in model files and shown in outputs, e.g. `ic_card`.
    fn name(self) -> &'static str {
        self.into()
    }

    /// The value whose name is `text`.
    fn parse(text: &str) -> Option<Self> {
        Self::VARIANTS.iter().copied().find(|v| v.name() == text)
    }
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EgressControl {
    NetworkSeparation,
    ProxyAllowlist,
    Dlp,
    UsbBlock,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OrganizationRole {
    /// The provider that contracts with the institution (対象事業者).
    Provider,
    /// A provider working under the provider's contract (再委託先, supply chain).
    Subcontractor,
    /// Another provider the institution contracts with separately (水平・垂直連携).
    OtherProvider,
    /// A medical institution (医療機関等).
    Institution,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditorQualification {
    /// システム監査技術者.
    SystemAuditor,
    /// ISACA CISA.
    Cisa,
    /// HISPRO evaluation of cloud services.
    Hispro,
    Other,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CertificationScheme {
    Pmark,
    Isms,
    IsmsCloud,
    Ismap,
    IsmapLiu,
    Fedramp,
    FedrampLiSaas,
    Soc2,
    Soc3,
    CsGoldMark,
    ExternalAudit,
    Other,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Layer {
    Application,
    Platform,
    Infrastructure,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum LocationKind {
    DataCenter,
    CloudRegion,
    Institution,
    Room,
    Office,
    PatientHome,
    Remote,
    Storage,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PhysicalSafeguard {
    EntryControl,
    BiometricEntry,
    SecurityGuard,
    SurveillanceCamera,
    LockedRoom,
    LockedRack,
    VisitorLog,
    SeismicIsolation,
    FireSuppression,
    BackupPower,
    FloodProtection,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AssetKind {
    Server,
    Database,
    LogServer,
    BackupStorage,
    Storage,
    Terminal,
    Tablet,
    Smartphone,
    Printer,
    NetworkDevice,
    /// Portable or wearable devices (vital-sign sensors, home monitors) that travel with people.
    IotDevice,
    /// Medical equipment fixed in place: analysers, imaging modalities, monitors on a ward.
    MedicalDevice,
    /// Small flash media: USB memory, SD cards (小型半導体メモリ).
    PortableMedia,
    /// Portable hard disks and SSD enclosures.
    PortableDisk,
    BackupMedia,
    CloudService,
}

impl AssetKind {
    /// Devices a person operates directly.
    pub fn is_endpoint(self) -> bool {
        matches!(
            self,
            AssetKind::Terminal
                | AssetKind::Tablet
                | AssetKind::Smartphone
                | AssetKind::IotDevice
                | AssetKind::MedicalDevice
        )
    }

    /// Things small enough to be carried away.
    pub fn is_portable(self) -> bool {
        matches!(
            self,
            AssetKind::Tablet
                | AssetKind::Smartphone
                | AssetKind::IotDevice
                | AssetKind::PortableMedia
                | AssetKind::PortableDisk
                | AssetKind::BackupMedia
        )
    }

    /// Assets whose purpose is to keep data.
    pub fn is_storage(self) -> bool {
        matches!(
            self,
            AssetKind::Database
                | AssetKind::BackupStorage
                | AssetKind::Storage
                | AssetKind::PortableMedia
                | AssetKind::PortableDisk
                | AssetKind::BackupMedia
        )
    }

    /// Assets a person logs in to (terminals, servers, stores, cloud services); not printers,
    /// network devices or media.
    pub fn has_login(self) -> bool {
        !matches!(
            self,
            AssetKind::Printer
                | AssetKind::NetworkDevice
                | AssetKind::PortableMedia
                | AssetKind::PortableDisk
                | AssetKind::BackupMedia
        )
    }
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Exposure {
    /// Reachable from the internet.
    Internet,
    /// Reachable only over a closed network, leased line or VPN.
    ClosedNetwork,
    /// Reachable only inside one site's internal network.
    Internal,
    /// Not networked: only physical access.
    PhysicalOnly,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuthMethod {
    None,
    Password,
    Pin,
    IcCard,
    HardwareToken,
    Totp,
    SmsCode,
    ClientCertificate,
    Biometric,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RemotePurpose {
    Maintenance,
    Staff,
    Patient,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ConnectionKind {
    Internet,
    ClosedNetwork,
    LeasedLine,
    IpsecVpn,
    SslVpn,
    DirectConnect,
    PrivateLink,
    VpcPeering,
    WirelessLan,
    Lan,
    MediaTransport,
}

impl ConnectionKind {
    /// Networks the guideline counts as secure (セキュアなネットワーク).
    pub fn is_secure_network(self) -> bool {
        matches!(
            self,
            ConnectionKind::ClosedNetwork
                | ConnectionKind::LeasedLine
                | ConnectionKind::IpsecVpn
                | ConnectionKind::SslVpn
                | ConnectionKind::DirectConnect
                | ConnectionKind::PrivateLink
                | ConnectionKind::VpcPeering
        )
    }
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SslVpnType {
    Client,
    Clientless,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WirelessAccessControl {
    None,
    Psk,
    MacFilter,
    Ieee8021xPassword,
    Ieee8021xCertificate,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
pub enum TlsVersion {
    #[serde(rename = "ssl3")]
    #[strum(serialize = "ssl3")]
    Ssl3,
    #[serde(rename = "tls1.0")]
    #[strum(serialize = "tls1.0")]
    Tls10,
    #[serde(rename = "tls1.1")]
    #[strum(serialize = "tls1.1")]
    Tls11,
    #[serde(rename = "tls1.2")]
    #[strum(serialize = "tls1.2")]
    Tls12,
    #[serde(rename = "tls1.3")]
    #[strum(serialize = "tls1.3")]
    Tls13,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MediaCarrier {
    Staff,
    SecureCourier,
    Post,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ActorKind {
    Staff,
    Patient,
    Developer,
    Operator,
    Maintenance,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SignatureMethod {
    /// HPKI certificate carrying the medical qualification.
    Hpki,
    /// Another signature whose signer's qualification can be verified electronically.
    QualifiedOther,
    /// A signature that does not verify the qualification.
    Unqualified,
    None,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TimestampKind {
    /// From a time-stamping authority accredited by MIC (総務大臣認定).
    Accredited,
    Other,
    None,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Phase {
    /// 開発フェーズ (incl. maintenance development and initial setup).
    Development,
    /// 運用フェーズ.
    Operation,
    /// 契約終了フェーズ.
    Termination,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Operation {
    Create,
    View,
    Update,
    Delete,
    Store,
    Transfer,
    Print,
    Backup,
    Restore,
    Export,
    Import,
    Carry,
    Return,
    Dispose,
    Log,
    Develop,
    Deploy,
    Maintain,
    Monitor,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Volume {
    /// One patient or record at a time.
    Record,
    /// Many records in one run (a day's claims).
    Batch,
    /// Whole databases or archives.
    Bulk,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StoragePrinciple {
    /// 真正性.
    Authenticity,
    /// 見読性.
    Readability,
    /// 保存性.
    Preservability,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ControlCategory {
    /// 人的・組織的対策.
    HumanOrganizational,
    /// 物理的対策.
    Physical,
    /// 技術的対策.
    Technical,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TreatmentOption {
    /// リスク低減.
    Reduce,
    /// リスク回避.
    Avoid,
    /// リスク共有 (移転).
    Share,
    /// リスク受容 (保有).
    Accept,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ContinuityScenario {
    /// System outage, e.g. in a disaster (システム停止).
    Outage,
    /// Surge of demand with many casualties (災害時の需要急増).
    DemandSurge,
    /// Inconsistency when restarting after an outage (復旧・再開時の不整合).
    RecoveryInconsistency,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CooperationKind {
    /// The institution contracts each provider separately and they cooperate (水平連携).
    Horizontal,
    /// One provider's application runs on another's platform under a separate contract (垂直連携).
    Vertical,
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Evaluator {
    ThirdParty,
    InternalAudit,
    SelfAssessment,
}

/// Confidentiality, integrity, availability.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Cia {
    Confidentiality,
    Integrity,
    Availability,
}

/// S to D, S highest.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
pub enum Rank {
    D,
    C,
    B,
    A,
    S,
}

impl Rank {
    pub const ALL: [Rank; 5] = [Rank::S, Rank::A, Rank::B, Rank::C, Rank::D];

    pub fn as_str(self) -> &'static str {
        match self {
            Rank::S => "S",
            Rank::A => "A",
            Rank::B => "B",
            Rank::C => "C",
            Rank::D => "D",
        }
    }

    pub fn parse(text: &str) -> Option<Rank> {
        Rank::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// Whether the policy requires treatment of a rank.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TreatmentNeed {
    Required,
    Consider,
    NotRequired,
}

/// Factor type of each authentication method.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuthFactor {
    Knowledge,
    Possession,
    Inherence,
}

/// The kind of cross-section of a flow.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SegmentKind {
    /// Where a person enters, views or operates the information (入力・受付・閲覧).
    Entry,
    /// Information crossing a network (移送).
    Transfer,
    /// Processing on a server or device without a person (処理).
    Processing,
    /// Storage on a database, storage or medium (保存).
    Storage,
    /// Writing logs (ログ出力).
    Logging,
    /// Printing (帳票出力).
    Output,
    /// Physical transport of media (搬送).
    MediaTransport,
    /// Disposal of information, devices or media (廃棄).
    Disposal,
}

impl SegmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentKind::Entry => "entry",
            SegmentKind::Transfer => "transfer",
            SegmentKind::Processing => "processing",
            SegmentKind::Storage => "storage",
            SegmentKind::Logging => "logging",
            SegmentKind::Output => "output",
            SegmentKind::MediaTransport => "media_transport",
            SegmentKind::Disposal => "disposal",
        }
    }

    pub fn label(self) -> crate::text::Localized {
        let (ja, en) = match self {
            SegmentKind::Entry => ("入力・閲覧", "entry"),
            SegmentKind::Transfer => ("通信・移送", "transfer"),
            SegmentKind::Processing => ("処理", "processing"),
            SegmentKind::Storage => ("保存", "storage"),
            SegmentKind::Logging => ("ログ出力", "logging"),
            SegmentKind::Output => ("帳票出力", "output"),
            SegmentKind::MediaTransport => ("媒体搬送", "media transport"),
            SegmentKind::Disposal => ("廃棄", "disposal"),
        };
        crate::text::Localized::new(ja, en)
    }
}

/// Whose responsibility an element is: the provider's (with its subcontractors), or outside it —
/// the institution's own devices and records, or a patient's own device.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Scope {
    /// Run by the provider or its subcontractors under its contract.
    Provider,
    /// The medical institution's own (its terminals, the records it keeps itself).
    Institution,
    /// A patient's own device (a smartphone used for a patient portal).
    Patient,
}

/// How strongly a guideline's wording binds (遵守事項 / 望ましい / 可能な限り早期に).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Strength {
    /// The wording was not seen, so its strength is not known.
    Unknown,
    /// 望ましい, 推奨: desirable.
    Should,
    /// 可能な限り早期に…すべき: to be adopted as early as possible.
    AsEarlyAsPossible,
    /// 遵守事項, ～すること: required.
    Must,
}

impl Vocabulary for Scope {}
impl Vocabulary for Strength {}
impl Vocabulary for EgressControl {}
impl Vocabulary for OrganizationRole {}
impl Vocabulary for AuditorQualification {}
impl Vocabulary for CertificationScheme {}
impl Vocabulary for Layer {}
impl Vocabulary for LocationKind {}
impl Vocabulary for PhysicalSafeguard {}
impl Vocabulary for AssetKind {}
impl Vocabulary for Exposure {}
impl Vocabulary for AuthMethod {}
impl Vocabulary for RemotePurpose {}
impl Vocabulary for ConnectionKind {}
impl Vocabulary for SslVpnType {}
impl Vocabulary for WirelessAccessControl {}
impl Vocabulary for TlsVersion {}
impl Vocabulary for MediaCarrier {}
impl Vocabulary for ActorKind {}
impl Vocabulary for SignatureMethod {}
impl Vocabulary for TimestampKind {}
impl Vocabulary for Phase {}
impl Vocabulary for Operation {}
impl Vocabulary for Volume {}
impl Vocabulary for StoragePrinciple {}
impl Vocabulary for ControlCategory {}
impl Vocabulary for TreatmentOption {}
impl Vocabulary for ContinuityScenario {}
impl Vocabulary for CooperationKind {}
impl Vocabulary for Evaluator {}
impl Vocabulary for Cia {}
impl Vocabulary for Rank {}
impl Vocabulary for TreatmentNeed {}
impl Vocabulary for AuthFactor {}
impl Vocabulary for SegmentKind {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value's name is the one serde reads and writes: one name per value, in every file
    /// and every output.
    fn names_agree<
        T: Vocabulary + Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
    >() {
        for &value in T::VARIANTS {
            let json = serde_json::to_value(value).unwrap();
            assert_eq!(json.as_str(), Some(value.name()), "{value:?}");
            let back: T = serde_json::from_value(json).unwrap();
            assert_eq!(back, value);
            assert_eq!(T::parse(value.name()), Some(value));
        }
    }

    #[test]
    fn every_vocabulary_has_one_name_per_value() {
        names_agree::<Scope>();
        names_agree::<Strength>();
        names_agree::<EgressControl>();
        names_agree::<OrganizationRole>();
        names_agree::<AuditorQualification>();
        names_agree::<CertificationScheme>();
        names_agree::<Layer>();
        names_agree::<LocationKind>();
        names_agree::<PhysicalSafeguard>();
        names_agree::<AssetKind>();
        names_agree::<Exposure>();
        names_agree::<AuthMethod>();
        names_agree::<RemotePurpose>();
        names_agree::<ConnectionKind>();
        names_agree::<SslVpnType>();
        names_agree::<WirelessAccessControl>();
        names_agree::<TlsVersion>();
        names_agree::<MediaCarrier>();
        names_agree::<ActorKind>();
        names_agree::<SignatureMethod>();
        names_agree::<TimestampKind>();
        names_agree::<Phase>();
        names_agree::<Operation>();
        names_agree::<Volume>();
        names_agree::<StoragePrinciple>();
        names_agree::<ControlCategory>();
        names_agree::<TreatmentOption>();
        names_agree::<ContinuityScenario>();
        names_agree::<CooperationKind>();
        names_agree::<Evaluator>();
        names_agree::<Cia>();
        names_agree::<Rank>();
        names_agree::<TreatmentNeed>();
        names_agree::<AuthFactor>();
        names_agree::<SegmentKind>();
    }
}
