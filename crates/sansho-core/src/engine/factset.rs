//! Reading facts off the model, as bit sets so that rule matching is a mask test.

use super::segment::Segment;
use crate::kb::KnowledgeBase;
use crate::model::{ElementRef, Flow, Model};
use crate::vocab::AuthFactor;
use crate::vocab::Fact;
use crate::vocab::SegmentKind;
use crate::vocab::{
    ActorKind, AssetKind, AuthMethod, ConnectionKind, Exposure, LocationKind, MediaCarrier,
    Operation, OrganizationRole, PhysicalSafeguard, SslVpnType, TlsVersion, Volume,
    WirelessAccessControl,
};

const _: () = assert!(Fact::ALL.len() <= 64, "FactSet is a u64");

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FactSet(u64);

impl FactSet {
    pub fn of(facts: &[Fact]) -> Self {
        let mut set = FactSet::default();
        for &f in facts {
            set.insert(f);
        }
        set
    }

    pub fn insert(&mut self, fact: Fact) {
        self.0 |= 1 << (fact as u32);
    }

    pub fn contains(self, fact: Fact) -> bool {
        self.0 & (1 << (fact as u32)) != 0
    }

    pub fn contains_all(self, other: FactSet) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersects(self, other: FactSet) -> bool {
        self.0 & other.0 != 0
    }

    pub fn union(self, other: FactSet) -> FactSet {
        FactSet(self.0 | other.0)
    }

    /// The facts in the set, in declaration order (for traces and tests).
    pub fn iter(self) -> impl Iterator<Item = Fact> {
        Fact::ALL.iter().copied().filter(move |f| self.contains(*f))
    }
}

/// Facts of every asset and connection, computed once per assessment.
pub struct Facts {
    assets: Vec<FactSet>,
    connections: Vec<FactSet>,
}

impl Facts {
    pub fn new(model: &Model, kb: &KnowledgeBase) -> Self {
        let locations: Vec<FactSet> = model.locations.iter().map(location_facts).collect();
        Facts {
            assets: model
                .assets
                .iter()
                .map(|a| {
                    asset_facts(a, kb).union(locations.get(a.location).copied().unwrap_or_default())
                })
                .collect(),
            connections: model.connections.iter().map(connection_facts).collect(),
        }
    }

    /// Facts that hold for the flow as a whole.
    pub fn flow(&self, model: &Model, flow: &Flow) -> FactSet {
        let mut set = FactSet::default();
        set.insert(match flow.phase {
            crate::vocab::Phase::Development => Fact::PhaseDevelopment,
            crate::vocab::Phase::Operation => Fact::PhaseOperation,
            crate::vocab::Phase::Termination => Fact::PhaseTermination,
        });
        match flow.volume {
            Volume::Bulk => set.insert(Fact::VolumeBulk),
            Volume::Batch => set.insert(Fact::VolumeBatch),
            Volume::Record => {}
        }
        match flow.who {
            None => set.insert(Fact::Unattended),
            Some(actor) => {
                let actor = &model.actors[actor];
                if actor.kind == Some(ActorKind::Patient) {
                    set.insert(Fact::ActorPatient);
                }
                if matches!(
                    model.organizations[actor.organization].role,
                    OrganizationRole::Subcontractor | OrganizationRole::OtherProvider
                ) {
                    set.insert(Fact::ActorExternal);
                }
            }
        }
        for &info in &flow.what {
            let info = &model.information[info];
            if model.classifications[info.classification].medical {
                set.insert(Fact::MedicalInformation);
            }
            if info.legal_record {
                set.insert(Fact::LegalRecord);
            }
        }
        if flow.how.contains(&Operation::Log) {
            set.insert(Fact::CarriesLogs);
        }
        let crosses_internet = flow.path.iter().any(|e| match *e {
            ElementRef::Connection(c) => model.connections[c].kind == ConnectionKind::Internet,
            ElementRef::Asset(a) => model.assets[a].exposure == Some(Exposure::Internet),
            _ => false,
        });
        if crosses_internet {
            set.insert(Fact::PathCrossesInternet);
        }
        set
    }

    /// Facts of one segment: its element, the element's location, the flow, and the segment kind.
    pub fn segment(
        &self,
        model: &Model,
        _flow: &Flow,
        segment: &Segment,
        flow_facts: FactSet,
    ) -> FactSet {
        let mut set = flow_facts;
        match segment.element {
            ElementRef::Asset(a) => {
                set = set.union(self.assets[a]);
                if segment.kind == SegmentKind::Entry && model.assets[a].authentication.is_none() {
                    set.insert(Fact::AuthNotStated);
                }
            }
            ElementRef::Connection(c) => set = set.union(self.connections[c]),
            _ => {}
        }
        match segment.kind {
            // A store holds every patient's records, not just this flow's.
            SegmentKind::Storage => set.insert(Fact::VolumeBulk),
            SegmentKind::Logging => set.insert(Fact::CarriesLogs),
            _ => {}
        }
        set
    }
}

fn location_facts(location: &crate::model::Location) -> FactSet {
    let mut set = FactSet::default();
    if location.public_access {
        set.insert(Fact::PublicArea);
    }
    if location.kind == LocationKind::PatientHome {
        set.insert(Fact::PatientHome);
    }
    let safeguards = &location.physical_safeguards;
    if safeguards.iter().any(|s| {
        matches!(
            s,
            PhysicalSafeguard::EntryControl
                | PhysicalSafeguard::BiometricEntry
                | PhysicalSafeguard::SecurityGuard
        )
    }) {
        set.insert(Fact::EntryControlled);
    }
    if safeguards.is_empty() {
        set.insert(Fact::NoPhysicalSafeguards);
    }
    if safeguards.contains(&PhysicalSafeguard::SeismicIsolation)
        && safeguards.contains(&PhysicalSafeguard::BackupPower)
    {
        set.insert(Fact::DisasterResilient);
    }
    if location.country.as_deref().is_some_and(|c| c != "JP") {
        set.insert(Fact::OutsideJapan);
    }
    set
}

fn asset_facts(asset: &crate::model::Asset, kb: &KnowledgeBase) -> FactSet {
    let mut set = FactSet::default();
    match asset.exposure {
        Some(Exposure::Internet) => set.insert(Fact::ExposureInternet),
        Some(Exposure::ClosedNetwork) => set.insert(Fact::ExposureClosedNetwork),
        Some(Exposure::Internal) => set.insert(Fact::ExposureInternal),
        Some(Exposure::PhysicalOnly) => set.insert(Fact::ExposurePhysicalOnly),
        None => {}
    }
    if let Some(methods) = &asset.authentication {
        if methods.contains(&AuthMethod::None) {
            set.insert(Fact::AuthNone);
        } else {
            let mut factors: Vec<AuthFactor> = methods
                .iter()
                .filter_map(|m| kb.auth_factors.get(m).copied())
                .collect();
            factors.sort_unstable();
            factors.dedup();
            // Two steps of the same factor type are still one factor (MGL 6.0 企画管理編 13).
            set.insert(if factors.len() >= 2 {
                Fact::AuthMultiFactor
            } else {
                Fact::AuthSingleFactor
            });
        }
    }
    if !asset.unpatched_vulnerabilities.is_empty() {
        set.insert(Fact::UnpatchedVulnerability);
    }
    if asset.default_credentials {
        set.insert(Fact::DefaultCredentials);
    }
    let keeps_data = asset.kind.is_storage() || asset.kind.is_portable() || !asset.holds.is_empty();
    match asset.encrypted_at_rest {
        Some(true) => set.insert(Fact::EncryptedAtRest),
        _ if keeps_data => set.insert(Fact::NotEncryptedAtRest),
        _ => {}
    }
    if asset.kind.is_portable() {
        set.insert(Fact::Portable);
    }
    if asset.taken_out {
        set.insert(Fact::TakenOut);
    }
    if asset.lent_to_patients {
        set.insert(Fact::LentToPatients);
    }
    if asset.kind.is_endpoint() {
        set.insert(Fact::EndpointDevice);
    }
    if matches!(
        asset.kind,
        AssetKind::Server
            | AssetKind::Database
            | AssetKind::LogServer
            | AssetKind::BackupStorage
            | AssetKind::Storage
            | AssetKind::NetworkDevice
            | AssetKind::CloudService
    ) {
        set.insert(Fact::ServerAsset);
    }
    if asset.kind.is_storage() {
        set.insert(Fact::StorageAsset);
    }
    set
}

fn connection_facts(connection: &crate::model::Connection) -> FactSet {
    let mut set = FactSet::default();
    match connection.kind {
        ConnectionKind::Internet => set.insert(Fact::NetworkInternet),
        ConnectionKind::Lan => set.insert(Fact::NetworkLan),
        ConnectionKind::WirelessLan => set.insert(Fact::NetworkWireless),
        k if k.is_secure_network() => set.insert(Fact::NetworkSecure),
        _ => {}
    }
    if connection.kind == ConnectionKind::Internet && connection.tls.is_none() {
        set.insert(Fact::TlsMissing);
    }
    if let Some(tls) = &connection.tls
        && tls
            .versions
            .iter()
            .any(|v| matches!(v, TlsVersion::Ssl3 | TlsVersion::Tls10 | TlsVersion::Tls11))
    {
        set.insert(Fact::TlsLegacy);
    }
    if connection.kind == ConnectionKind::SslVpn && connection.ssl_vpn != Some(SslVpnType::Client) {
        // An SSL-VPN that is not stated to be client-type is treated as clientless (PGL 5.1.5(イ)③).
        set.insert(Fact::SslVpnClientless);
    }
    if connection.kind == ConnectionKind::IpsecVpn && connection.ike == Some(false) {
        set.insert(Fact::IpsecWithoutIke);
    }
    if connection.kind == ConnectionKind::WirelessLan
        && !connection.wireless_access_control.iter().any(|w| {
            matches!(
                w,
                WirelessAccessControl::Ieee8021xCertificate
                    | WirelessAccessControl::Ieee8021xPassword
            )
        })
    {
        set.insert(Fact::WirelessWeakAccessControl);
    }
    if connection.kind == ConnectionKind::MediaTransport {
        match &connection.transport {
            Some(t) => {
                if !t.sealed {
                    set.insert(Fact::MediaUnsealed);
                }
                if !t.encrypted {
                    set.insert(Fact::MediaUnencrypted);
                }
                if t.carrier == MediaCarrier::Post {
                    set.insert(Fact::MediaByPost);
                }
            }
            None => {
                set.insert(Fact::MediaUnsealed);
                set.insert(Fact::MediaUnencrypted);
            }
        }
    }
    set
}
