//! Moving every recorded position of a parsed model piece by whole lines and bytes.
//!
//! A piece of a model file is parsed once with positions relative to itself and kept
//! ([`crate::load::ParseCache`]); when the same text turns up again, at the same or another place
//! in its file, the kept value is copied and moved to where the piece now starts. The result is
//! what parsing the piece there would have recorded (`tests/parse_cache.rs` holds the two equal).
//!
//! Every struct lists all of its fields, without `..`: a field added to a raw type and not
//! listed here does not compile.

use std::collections::BTreeMap;

use super::raw::*;
use super::spanned::{Pos, Sp};
use crate::vocab::*;

/// How far a piece moved: lines and bytes added to every known position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shift {
    pub lines: i64,
    pub bytes: i64,
}

impl Shift {
    fn apply(self, value: u32, by: i64) -> u32 {
        // 0 is "unknown" for lines and offsets alike (see `Sp`'s `Deserialize`), and stays so.
        if value == 0 {
            return 0;
        }
        u32::try_from(i64::from(value).saturating_add(by)).unwrap_or(u32::MAX)
    }
}

pub(crate) trait Rebase {
    fn rebase(&mut self, by: Shift);
}

impl<T: Rebase> Rebase for Sp<T> {
    fn rebase(&mut self, by: Shift) {
        let Pos {
            line,
            column: _,
            offset,
            len: _,
        } = &mut self.pos;
        *line = by.apply(*line, by.lines);
        *offset = by.apply(*offset, by.bytes);
        self.value.rebase(by);
    }
}

impl<T: Rebase> Rebase for Option<T> {
    fn rebase(&mut self, by: Shift) {
        if let Some(value) = self {
            value.rebase(by);
        }
    }
}

impl<T: Rebase> Rebase for Vec<T> {
    fn rebase(&mut self, by: Shift) {
        for value in self {
            value.rebase(by);
        }
    }
}

impl<K, V: Rebase> Rebase for BTreeMap<K, V> {
    fn rebase(&mut self, by: Shift) {
        for value in self.values_mut() {
            value.rebase(by);
        }
    }
}

/// Types that hold no position.
macro_rules! no_positions {
    ($($ty:ty),* $(,)?) => {
        $(impl Rebase for $ty {
            fn rebase(&mut self, _: Shift) {}
        })*
    };
}

no_positions!(String, bool, u8, u32, Who);
no_positions!(
    ActorKind,
    AssetKind,
    AuditorQualification,
    AuthMethod,
    CertificationScheme,
    ConnectionKind,
    ContinuityScenario,
    ControlCategory,
    CooperationKind,
    EgressControl,
    Evaluator,
    Exposure,
    Layer,
    LocationKind,
    MediaCarrier,
    Operation,
    OrganizationRole,
    Phase,
    PhysicalSafeguard,
    RemotePurpose,
    Scope,
    SignatureMethod,
    SslVpnType,
    StoragePrinciple,
    TimestampKind,
    TlsVersion,
    TreatmentOption,
    Volume,
    WirelessAccessControl,
);

macro_rules! rebase_fields {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {
        $(impl Rebase for $ty {
            fn rebase(&mut self, by: Shift) {
                let $ty { $($field),* } = self;
                $($field.rebase(by);)*
            }
        })*
    };
}

rebase_fields! {
    RawFile { sansho, include, system, organizations, locations, assets, connections, actors, classifications, information, flows, controls, decisions, backups, continuity, ledger, disposal_procedures, responsibilities, cooperations, agreement }
    RawSystem { id, name, description, provider, editions, as_of, data_egress_controls, document }
    RawDocument { version, created, revised, author, approver, addressee }
    RawOrganization { id, name, role, layers, certifications, description }
    RawCertification { scheme, id, scope, valid_until, name, covers_data_lifecycle, auditor }
    RawLocation { id, name, kind, country, region, managed_by, physical_safeguards, public_access, within, description }
    RawAsset { id, name, kind, layer, location, managed_by, scope, runs_on, replica_of, regenerable, password_policy, holds, exposure, authentication, encrypted_at_rest, unpatched_vulnerabilities, default_credentials, taken_out, minimal_apps, lent_to_patients, patient_consent, cloud_permitted, description }
    RawPasswordPolicy { min_length, character_classes, reuse_prohibited, lockout_after, rotation_days }
    RawConnection { id, name, kind, endpoints, managed_by, tls, ike, ssl_vpn, wireless_access_control, transport, remote_access, unencrypted_by_law, eavesdropping_countermeasures, description }
    RawRemoteAccess { equivalent_to_vdi, purpose, restricted, vdi, separated }
    RawTls { versions, cipher_suites, reason_for_tls12, client_certificates }
    RawTransport { carrier, sealed, encrypted }
    RawActor { id, name, organization, kind, description }
    RawClassification { id, name, medical, confidentiality, integrity, availability }
    RawInformation { id, name, classification, retention_years, retention_basis, legal_record, requires_signature, record_type, log_of, kept_years, agreed_retention, signature, owner, scope, description }
    RawAgreedRetention { years, with, date }
    RawSignature { method, timestamp }
    RawFlow { id, phase, layer, who, where_, which, what, how, path, volume, approval, evidence, break_glass, description }
    RawControl { id, catalogue, name, category, owner, applies_to, counters, effect, references, principles, description }
    RawEffect { likelihood, impact }
    RawDecision { risk, treatment, controls, requests, acceptance, rationale }
    RawRequest { control, text }
    RawAcceptance { by, date, reason }
    RawBackup { id, of, to, generations, offline, write_once, schedule }
    RawContinuityScenario { scenario, plan, last_drill }
    RawLedgerEntry { asset, last_inventory }
    RawDisposalProcedure { information, conditions, by, method }
    RawResponsibility { organization, assets, covers, incident_lead, duties }
    RawCooperation { with, kind, split, agreed }
    RawAgreement { evaluation, operating_rules, vendor_selection, reports }
    RawEvaluation { by, evaluator, evaluated_by, involved_in_system, date }
    RawReports { operation, self_inspection }
}
