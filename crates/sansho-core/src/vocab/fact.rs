//! The facts the engine can observe about one segment of a flow.
//!
//! Knowledge-base rules are written in terms of these facts (`when: [exposure_internet,
//! auth_single_factor]`), so that what raises a likelihood or an impact is data, while how a
//! fact is read off the model is code, documented here once.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! facts {
    ($( $variant:ident = $name:literal : $doc:literal; )*) => {
        /// A fact about a segment, its element, its location, its flow or its information.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum Fact {
            $( #[serde(rename = $name)] #[doc = $doc] $variant, )*
        }

        impl Fact {
            pub const ALL: &'static [Fact] = &[$(Fact::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Fact::$variant => $name,)* }
            }

            pub fn doc(self) -> &'static str {
                match self { $(Fact::$variant => $doc,)* }
            }
        }
    };
}

facts! {
    ExposureInternet = "exposure_internet": "The asset is reachable from the internet.";
    ExposureClosedNetwork = "exposure_closed_network": "The asset is reachable only over a closed network, leased line or VPN.";
    ExposureInternal = "exposure_internal": "The asset is reachable only inside one site.";
    ExposurePhysicalOnly = "exposure_physical_only": "The asset is not networked.";
    AuthNone = "auth_none": "People use the asset without authentication.";
    AuthSingleFactor = "auth_single_factor": "Authentication uses one factor (or several steps of the same factor).";
    AuthMultiFactor = "auth_multi_factor": "Authentication combines two or more of knowledge, possession and inherence.";
    AuthNotStated = "auth_not_stated": "A person uses the asset but the model does not say how they authenticate.";
    UnpatchedVulnerability = "unpatched_vulnerability": "The asset has known vulnerabilities that are not fixed.";
    DefaultCredentials = "default_credentials": "Initial or default passwords remain in use.";
    EncryptedAtRest = "encrypted_at_rest": "Stored data on the asset is encrypted.";
    NotEncryptedAtRest = "not_encrypted_at_rest": "The asset stores data without encryption (or the model does not say).";
    Portable = "portable": "The asset is small enough to be carried away (tablet, phone, IoT device, medium).";
    TakenOut = "taken_out": "The asset is carried outside its location.";
    LentToPatients = "lent_to_patients": "The device is lent to patients.";
    EndpointDevice = "endpoint_device": "A device people operate directly (terminal, tablet, phone, IoT device).";
    ServerAsset = "server_asset": "A server, database, log server, network device or cloud service.";
    StorageAsset = "storage_asset": "An asset whose purpose is to keep data (database, storage, media).";
    PublicArea = "public_area": "The location is open to patients or the public.";
    PatientHome = "patient_home": "The location is a patient's home.";
    EntryControlled = "entry_controlled": "The location controls entry (entry control, biometrics or guards).";
    NoPhysicalSafeguards = "no_physical_safeguards": "The location lists no physical safeguard.";
    DisasterResilient = "disaster_resilient": "The location has seismic isolation and backup power.";
    OutsideJapan = "outside_japan": "The location is outside Japan.";
    NetworkInternet = "network_internet": "The connection is the open internet.";
    NetworkSecure = "network_secure": "The connection is a secure network (closed network, leased line, IPsec VPN, SSL-VPN, Direct Connect, PrivateLink, VPC peering).";
    NetworkLan = "network_lan": "The connection is a wired site LAN.";
    NetworkWireless = "network_wireless": "The connection is a wireless LAN.";
    WirelessWeakAccessControl = "wireless_weak_access_control": "Wireless access is controlled only by a shared key or MAC filter (or not at all).";
    TlsMissing = "tls_missing": "The connection is the open internet without TLS.";
    TlsLegacy = "tls_legacy": "The connection allows SSL 3.0, TLS 1.0 or TLS 1.1.";
    SslVpnClientless = "ssl_vpn_clientless": "The connection is a clientless (browser) SSL-VPN.";
    IpsecWithoutIke = "ipsec_without_ike": "The connection is IPsec without IKE.";
    MediaUnsealed = "media_unsealed": "Media are carried without locked or sealed cases.";
    MediaUnencrypted = "media_unencrypted": "Media are carried without encryption.";
    MediaByPost = "media_by_post": "Media travel by ordinary post.";
    PhaseDevelopment = "phase_development": "The flow belongs to the development phase.";
    PhaseOperation = "phase_operation": "The flow belongs to the operation phase.";
    PhaseTermination = "phase_termination": "The flow belongs to the contract-termination phase.";
    PathCrossesInternet = "path_crosses_internet": "The flow's path uses the internet or an internet-exposed asset.";
    ActorPatient = "actor_patient": "A patient performs the flow.";
    ActorExternal = "actor_external": "A person of another provider or subcontractor performs the flow.";
    Unattended = "unattended": "No person performs the flow (servers, batch jobs).";
    VolumeBulk = "volume_bulk": "The flow moves whole databases or archives (also assumed for storage segments).";
    VolumeBatch = "volume_batch": "The flow moves many records in one run.";
    MedicalInformation = "medical_information": "The flow carries medical information.";
    LegalRecord = "legal_record": "The flow carries a legally kept record (真正性・見読性・保存性).";
    CarriesLogs = "carries_logs": "The flow stores or moves logs.";
}
