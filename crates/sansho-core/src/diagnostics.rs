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
        /// Every diagnostic code sansho can emit.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum Code {
            $( #[serde(rename = $code)] #[doc = $summary] $variant, )*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code, e.g. `M005`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A kebab-case name that says what the code flags.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One-line English summary, for listings.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            /// Whether the code belongs to the guideline rule pack (documented in kb/rules.yaml):
            /// rule families have prefixes of two letters or more (`AUTH001`), the model and
            /// policy codes a single letter (`M005`, `P001`).
            pub fn is_rule(self) -> bool {
                self.as_str().bytes().take(2).all(|b| b.is_ascii_alphabetic())
            }

            pub fn parse(code: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(code) || c.name() == code)
            }
        }
    };
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
    // Guideline rule pack: one family per area of the guidelines. Titles, explanations,
    // clauses, severity and rank are data in kb/rules.yaml.
    // AUTH: user authentication (PGL 5.1.5(イ)①).
    HumanAccessWithoutMfa = "AUTH001", "human-access-without-mfa", Error, "People reach medical information without multi-factor authentication.";
    // LOG: log retention (PGL 5.1.5(イ)②).
    LogRetentionTooShort = "LOG001", "log-retention-too-short", Error, "Logs are kept shorter than the legal retention of what they record.";
    LogRetentionUnknown = "LOG002", "log-retention-unknown", Warning, "Logs of legally kept information without a stated retention.";
    // NET: network routes (PGL 5.1.5(イ)③).
    MedicalOverInternetWithoutTls = "NET001", "medical-over-internet-without-tls", Error, "Medical information crosses the internet without TLS.";
    TlsVersionNotAllowed = "NET002", "tls-version-not-allowed", Error, "TLS versions below 1.2, or 1.2 without a recorded reason.";
    TlsCipherNotAllowed = "NET003", "tls-cipher-not-allowed", Error, "A cipher suite outside the high-security allow-list.";
    ClientlessSslVpn = "NET004", "clientless-ssl-vpn", Error, "An SSL-VPN that is not client-type.";
    IpsecWithoutIke = "NET005", "ipsec-without-ike", Error, "IPsec without IKE (or IKE not stated).";
    InsecureRouteForStaff = "NET006", "insecure-route-for-staff", Warning, "Staff or vendors reach medical information over the open internet instead of a secure network.";
    // WLAN: wireless LAN (PGL 5.1.5(イ)④).
    WirelessWeakAccessControl = "WLAN001", "wireless-weak-access-control", Error, "Wireless LAN admission by MAC filter or shared key only.";
    // MEDIA: small media and cloud storage (PGL 5.1.5(イ)⑤).
    FlashMediaWithMedicalInformation = "MEDIA001", "flash-media-with-medical-information", Error, "Portable flash media hold medical information.";
    CloudStorageNotPermitted = "MEDIA002", "cloud-storage-not-permitted", Error, "A cloud storage service that is not on the permitted list.";
    NoEgressSeparation = "MEDIA003", "no-egress-separation", Warning, "Nothing stops important data from being sent out.";
    // BCP: continuity (PGL 5.1.5(イ)⑥).
    ContinuityScenarioMissing = "BCP001", "continuity-scenario-missing", Error, "A BCP scenario (outage, surge, inconsistency on recovery) is not planned.";
    BackupGenerationsTooFew = "BCP002", "backup-generations-too-few", Error, "A backup keeps too few generations.";
    BackupNotOffline = "BCP003", "backup-not-offline", Error, "Medical data have no offline or write-once backup copy.";
    StoreWithoutBackup = "BCP004", "store-without-backup", Error, "A store of medical information is not backed up.";
    // OPS: information management in operation (MGL 6.0 システム運用編 7).
    TakenOutUnencrypted = "OPS001", "taken-out-unencrypted", Error, "A device or medium taken out is not encrypted.";
    TakenOutNotInLedger = "OPS002", "taken-out-not-in-ledger", Error, "A device or medium taken out is not in the ledger.";
    VendorTakeOutWithoutApproval = "OPS003", "vendor-take-out-without-approval", Error, "A maintenance vendor takes medical information out without approval.";
    RemoteMaintenanceUnrestricted = "OPS004", "remote-maintenance-unrestricted", Error, "Remote login is not restricted to managed maintenance.";
    StaffRemoteWithoutVdi = "OPS005", "staff-remote-without-vdi", Error, "Staff remote access without a virtual desktop over a VPN.";
    PatientViewingNotSeparated = "OPS006", "patient-viewing-not-separated", Error, "Patient-facing viewing is not separated from internal systems.";
    LentDeviceWithoutConsent = "OPS007", "lent-device-without-consent", Error, "Devices lent to patients without explanation and consent.";
    DisposalProcedureMissing = "OPS008", "disposal-procedure-missing", Warning, "An information kind has no disposal procedure.";
    OutsourcedDisposalWithoutEvidence = "OPS009", "outsourced-disposal-without-evidence", Error, "Disposal by another organisation without evidence.";
    // INST: institutional requirements (PGL ch.6).
    ForeignStorageUndisclosed = "INST001", "foreign-storage-undisclosed", Error, "Storage outside Japan or foreign-law exposure is not disclosed.";
    StoragePrincipleMissing = "INST002", "storage-principle-missing", Error, "A legally kept record lacks measures for 真正性, 見読性 or 保存性.";
    SignatureNotQualified = "INST003", "signature-not-qualified", Error, "A signature-requiring document lacks a qualification-verifiable signature or an accredited timestamp.";
    UnencryptedByLawWithoutCountermeasure = "INST004", "unencrypted-by-law-without-countermeasure", Error, "Transmission unencrypted by law without eavesdropping countermeasures.";
    // AGR: agreement readiness (PGL ch.4).
    CertificationMissing = "AGR001", "certification-missing", Error, "The provider has no Pマーク or ISMS and no accepted alternative.";
    CertificationExpired = "AGR002", "certification-expired", Error, "A certificate expired before the model's date.";
    IsmsScopeNarrow = "AGR003", "isms-scope-narrow", Warning, "The ISMS scope does not cover the data from entry to exit.";
    EvaluationMissing = "AGR004", "evaluation-missing", Error, "No evaluation of the safety management, or one done by people involved.";
    OperatingRuleItemMissing = "AGR005", "operating-rule-item-missing", Error, "An item of the 運用管理規程 is not covered.";
    VendorSelectionItemMissing = "AGR006", "vendor-selection-item-missing", Error, "A vendor-selection item is not answered.";
    // MULTI: several providers.
    ResponsibilitySplitMissing = "MULTI001", "responsibility-split-missing", Error, "An asset run by another organisation has no recorded responsibility split.";
    IncidentLeadMissing = "MULTI002", "incident-lead-missing", Error, "Several organisations and no lead for incident investigation.";
    CooperationSplitMissing = "MULTI003", "cooperation-split-missing", Error, "A cooperation with another provider has no agreed split for the joint parts.";
    RequirementUncovered = "MULTI004", "requirement-uncovered", Error, "A requirement area is covered by no party.";
    // LIFE: lifecycle.
    TerminationFlowsMissing = "LIFE001", "termination-flows-missing", Error, "No termination-phase flow returns, transfers or disposes of the data.";
    TerminationEvidenceMissing = "LIFE002", "termination-evidence-missing", Warning, "A termination flow plans no evidence.";
    PeriodicReportsMissing = "LIFE003", "periodic-reports-missing", Warning, "No periodic operation reports or self-inspection.";
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
    /// Edition-qualified clauses the finding rests on.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub references: Vec<String>,
    /// For rule findings: the rank of the gap, which `--fail-on` compares like a risk's rank.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rank: Option<crate::vocab::Rank>,
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
            references: Vec::new(),
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
        for code in Code::ALL {
            assert!(
                seen.insert(code.as_str()),
                "duplicate code {}",
                code.as_str()
            );
            assert!(seen.insert(code.name()), "duplicate name {}", code.name());
            assert_eq!(Code::parse(code.as_str()), Some(*code));
        }
        let table: Vec<String> = Code::ALL
            .iter()
            .map(|c| format!("{} {} {:?}", c.as_str(), c.name(), c.default_severity()))
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
