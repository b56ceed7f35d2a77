//! Reading facts off the model, as bit sets so that rule matching is a mask test.

use super::segment::Segment;
use crate::judge::{self, Authentication, Stated};
use crate::kb::KnowledgeBase;
use crate::model::{ElementRef, Flow, LocationIx, Model};
use crate::vocab::{
    ActorKind, AssetKind, ConnectionKind, Exposure, Fact, LocationKind, MediaCarrier, Operation,
    OrganizationRole, PhysicalSafeguard, SegmentKind, Volume,
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
        let locations: Vec<FactSet> = LocationIx::all(model.locations.len())
            .map(|l| location_facts(model, l))
            .collect();
        Facts {
            assets: model
                .assets
                .iter()
                .map(|a| {
                    asset_facts(a, kb).union(
                        locations
                            .get(a.location.index())
                            .copied()
                            .unwrap_or_default(),
                    )
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
        if flow.who.is_empty() {
            set.insert(Fact::Unattended);
        }
        for actor in flow.who.iter().map(|&a| &model.actors[a]) {
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
        let crosses_internet = judge::crosses_internet(model, flow);
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
                set = set.union(self.assets[a.index()]);
                if segment.kind == SegmentKind::Entry && model.assets[a].authentication.is_none() {
                    set.insert(Fact::AuthNotStated);
                }
            }
            ElementRef::Connection(c) => set = set.union(self.connections[c.index()]),
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

fn location_facts(model: &Model, ix: LocationIx) -> FactSet {
    let location = &model.locations[ix];
    let mut set = FactSet::default();
    if location.public_access {
        set.insert(Fact::PublicArea);
    }
    if location.kind == LocationKind::PatientHome {
        set.insert(Fact::PatientHome);
    }
    // A room inside a guarded site is guarded.
    let safeguards = judge::safeguards(model, ix);
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
    if judge::country(model, ix).is_some_and(|c| c != "JP") {
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
    match judge::authentication(asset, kb) {
        Authentication::NotStated => {}
        Authentication::None => set.insert(Fact::AuthNone),
        Authentication::SingleFactor(_) => set.insert(Fact::AuthSingleFactor),
        Authentication::MultiFactor => set.insert(Fact::AuthMultiFactor),
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
    if judge::internet_without_tls(connection) {
        set.insert(Fact::TlsMissing);
    }
    if !judge::legacy_tls(connection).is_empty() {
        set.insert(Fact::TlsLegacy);
    }
    // What is not stated counts as the weaker case (PGL 5.1.5(イ)③④).
    if judge::ssl_vpn_client(connection).is_some_and(|c| c != Stated::Yes) {
        set.insert(Fact::SslVpnClientless);
    }
    if judge::ipsec_ike(connection).is_some_and(|i| i != Stated::Yes) {
        set.insert(Fact::IpsecWithoutIke);
    }
    if judge::wireless_admission(connection).is_some_and(|w| w.is_weak()) {
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
