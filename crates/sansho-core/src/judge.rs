//! What the model's structure says about its elements, each judged once. The engine's facts
//! (likelihood) and the guideline rules both read these judgements; neither decides "is this
//! multi-factor", "is this wireless admission weak" or "does this path cross the internet" on
//! its own, so the two can never disagree (a test compares them on generated models).
//!
//! A judgement that needs a fact the model leaves out says so (`NotStated`): defaults never make
//! a check pass. Rules turn it into a warning that names what to state; the engine scores it as
//! the weaker case.

use std::collections::{BTreeSet, HashMap};

use crate::kb::KnowledgeBase;
use crate::model::{
    Asset, AssetIx, Connection, ConnectionIx, ControlIx, ElementRef, Evaluation, Flow, FlowIx,
    InfoIx, Location, LocationIx, Model,
};
use crate::vocab::{
    ActorKind, AuthFactor, AuthMethod, ConnectionKind, Evaluator, Operation, OrganizationRole,
    PhysicalSafeguard, Scope, SslVpnType, TlsVersion, WirelessAccessControl,
};

/// How people authenticate on an asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authentication<'a> {
    /// The model does not say.
    NotStated,
    /// `[none]`: anyone can use it.
    None,
    /// One factor type (two steps of the same type are still one: a password plus a PIN).
    SingleFactor(&'a [AuthMethod]),
    /// Two or more of knowledge, possession and inherence.
    MultiFactor,
}

pub fn authentication<'a>(asset: &'a Asset, kb: &KnowledgeBase) -> Authentication<'a> {
    let Some(methods) = &asset.authentication else {
        return Authentication::NotStated;
    };
    if methods.contains(&AuthMethod::None) {
        return Authentication::None;
    }
    let factors: BTreeSet<AuthFactor> = methods
        .iter()
        .filter_map(|m| kb.auth_factors.get(m).copied())
        .collect();
    // Two steps of the same factor type are still one factor (MGL 6.0 企画管理編 13).
    if factors.len() >= 2 {
        Authentication::MultiFactor
    } else {
        Authentication::SingleFactor(methods)
    }
}

/// How a wireless LAN admits terminals, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WirelessAdmission {
    /// IEEE 802.1X with client certificates (EAP-TLS): what the guideline asks for.
    Certificate,
    /// IEEE 802.1X with passwords.
    Password,
    /// A shared key or MAC filtering, which can be spoofed.
    SharedKeyOrMac,
    /// No admission control.
    Open,
    /// The model does not say.
    NotStated,
}

impl WirelessAdmission {
    /// Anything short of certificate-based 802.1X (PGL 5.1.5(イ)④: "or better").
    pub fn is_weak(self) -> bool {
        self != WirelessAdmission::Certificate
    }
}

/// `None` for connections that are not wireless LANs.
pub fn wireless_admission(c: &Connection) -> Option<WirelessAdmission> {
    use WirelessAccessControl as W;
    if c.kind != ConnectionKind::WirelessLan {
        return None;
    }
    let has = |w| c.wireless_access_control.contains(&w);
    Some(if has(W::Ieee8021xCertificate) {
        WirelessAdmission::Certificate
    } else if has(W::Ieee8021xPassword) {
        WirelessAdmission::Password
    } else if has(W::Psk) || has(W::MacFilter) {
        WirelessAdmission::SharedKeyOrMac
    } else if has(W::None) {
        WirelessAdmission::Open
    } else {
        WirelessAdmission::NotStated
    })
}

/// A yes/no setting the model may leave out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stated {
    Yes,
    No,
    NotStated,
}

impl From<Option<bool>> for Stated {
    fn from(value: Option<bool>) -> Self {
        match value {
            Some(true) => Stated::Yes,
            Some(false) => Stated::No,
            None => Stated::NotStated,
        }
    }
}

/// Whether an IPsec VPN uses IKE; `None` for other connections.
pub fn ipsec_ike(c: &Connection) -> Option<Stated> {
    (c.kind == ConnectionKind::IpsecVpn).then(|| c.ike.into())
}

/// Whether an SSL-VPN is client-type (the only type the guideline allows); `None` for other
/// connections.
pub fn ssl_vpn_client(c: &Connection) -> Option<Stated> {
    let stated = match c.ssl_vpn {
        Some(SslVpnType::Client) => Stated::Yes,
        Some(SslVpnType::Clientless) => Stated::No,
        None => Stated::NotStated,
    };
    (c.kind == ConnectionKind::SslVpn).then_some(stated)
}

/// Protocol versions below TLS 1.2 that a connection allows.
pub fn legacy_tls(c: &Connection) -> Vec<TlsVersion> {
    c.tls.as_ref().map_or_else(Vec::new, |tls| {
        tls.versions
            .iter()
            .copied()
            .filter(|v| matches!(v, TlsVersion::Ssl3 | TlsVersion::Tls10 | TlsVersion::Tls11))
            .collect()
    })
}

/// The open internet without TLS.
pub fn internet_without_tls(c: &Connection) -> bool {
    c.kind == ConnectionKind::Internet && c.tls.is_none()
}

/// Whether a flow crosses the open internet: one of its connections is the internet. An
/// internet-facing device on the path (a VPN router) does not make a flow that goes through a
/// VPN an internet flow; its own exposure is judged on the device.
pub fn crosses_internet(model: &Model, flow: &Flow) -> bool {
    flow.path.iter().any(|e| match *e {
        ElementRef::Connection(c) => model.connections[c].kind == ConnectionKind::Internet,
        _ => false,
    })
}

/// The locations enclosing `location`, itself first, each once (a `within` loop stops).
pub fn enclosing(model: &Model, location: LocationIx) -> impl Iterator<Item = &Location> {
    let mut seen = BTreeSet::new();
    let mut next = Some(location);
    std::iter::from_fn(move || {
        let here = next.filter(|l| seen.insert(*l))?;
        let l = model.locations.get(here.index())?;
        next = l.within;
        Some(l)
    })
}

/// Physical safeguards of a place, its own and those of every place enclosing it (a room in a
/// guarded data centre is guarded).
pub fn safeguards(model: &Model, location: LocationIx) -> BTreeSet<PhysicalSafeguard> {
    enclosing(model, location)
        .flat_map(|l| l.physical_safeguards.iter().copied())
        .collect()
}

/// The country of a place, or of the nearest place enclosing it that states one.
pub fn country(model: &Model, location: LocationIx) -> Option<&str> {
    enclosing(model, location).find_map(|l| l.country.as_deref())
}

/// Whether a flow carries medical information.
pub fn flow_is_medical(model: &Model, flow: &Flow) -> bool {
    flow.what.iter().any(|&i| info_is_medical(model, i))
}

pub fn info_is_medical(model: &Model, info: InfoIx) -> bool {
    model.classifications[model.information[info].classification].medical
}

/// Indexes of the model's structure, made once per assessment, that judgements over several
/// elements read (so none of them scans every flow per element).
pub struct Structure<'m> {
    pub model: &'m Model,
    /// Flows (ascending) whose path includes an element.
    through: HashMap<ElementRef, Vec<FlowIx>>,
    /// Flows per asset used as `which`.
    by_which: Vec<Vec<FlowIx>>,
    /// Per asset: whether it keeps medical information.
    keeps_medical: Vec<bool>,
    /// Per flow: whether it carries medical information.
    medical_flow: Vec<bool>,
}

impl<'m> Structure<'m> {
    pub fn new(model: &'m Model) -> Self {
        let medical_flow: Vec<bool> = model
            .flows
            .iter()
            .map(|f| flow_is_medical(model, f))
            .collect();
        let mut through: HashMap<ElementRef, Vec<FlowIx>> = HashMap::new();
        let mut by_which: Vec<Vec<FlowIx>> = vec![Vec::new(); model.assets.len()];
        let mut keeps_medical: Vec<bool> = model
            .assets
            .iter()
            .map(|a| a.holds.iter().any(|&i| info_is_medical(model, i)))
            .collect();
        for (i, flow) in FlowIx::enumerate(&model.flows) {
            for element in &flow.path {
                let list = through.entry(*element).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
            if let Some(list) = by_which.get_mut(flow.which.index()) {
                list.push(i);
            }
            if medical_flow[i.index()]
                && let Some(ElementRef::Asset(a)) = flow.path.last()
                && let Some(keeps) = keeps_medical.get_mut(a.index())
            {
                *keeps = true;
            }
        }
        Structure {
            model,
            through,
            by_which,
            keeps_medical,
            medical_flow,
        }
    }

    /// Whether an asset keeps medical information: it `holds` some, or a flow carrying some
    /// ends on it.
    pub fn keeps_medical(&self, asset: AssetIx) -> bool {
        self.keeps_medical
            .get(asset.index())
            .copied()
            .unwrap_or(false)
    }

    pub fn is_medical_flow(&self, flow: FlowIx) -> bool {
        self.medical_flow
            .get(flow.index())
            .copied()
            .unwrap_or(false)
    }

    /// Flows whose path includes `element`, ascending.
    pub fn flows_through(&self, element: ElementRef) -> &[FlowIx] {
        self.through.get(&element).map_or(&[], Vec::as_slice)
    }

    /// Flows whose `which` is the asset.
    pub fn flows_at(&self, asset: AssetIx) -> &[FlowIx] {
        self.by_which.get(asset.index()).map_or(&[], Vec::as_slice)
    }

    /// Medical flows whose path includes `element`.
    pub fn medical_flows_through(&self, element: ElementRef) -> impl Iterator<Item = FlowIx> + '_ {
        self.flows_through(element)
            .iter()
            .copied()
            .filter(|&f| self.is_medical_flow(f))
    }
}

/// Whether the provider answers for an element (its own, a subcontractor's or another
/// provider's), as opposed to the institution's own or a patient's.
/// The controls that secure a legally kept record's storage: those applying to the information
/// itself or to an asset that holds it (their `principles` say which of 真正性・見読性・保存性).
pub fn storage_controls(model: &Model, info: InfoIx) -> Vec<ControlIx> {
    let holders: Vec<ElementRef> = AssetIx::enumerate(&model.assets)
        .filter(|(_, a)| a.holds.contains(&info))
        .map(|(i, _)| ElementRef::Asset(i))
        .chain(std::iter::once(ElementRef::Information(info)))
        .collect();
    ControlIx::enumerate(&model.controls)
        .filter(|(_, c)| c.applies_to.iter().any(|t| holders.contains(t)))
        .map(|(i, _)| i)
        .collect()
}

/// The date a certificate expired on, when it did before the model's date (`as_of`). The core
/// reads no clock: certificates are judged against the model's own date.
pub fn certificate_expired<'a>(model: &'a Model, valid_until: Option<&'a str>) -> Option<&'a str> {
    let as_of = model.system.as_of.as_deref()?;
    valid_until.filter(|until| *until < as_of)
}

/// When a duty repeated every `months` months and last done on `last` fell due, if that is
/// before the model's date: the day it became overdue. `None` when it is not overdue or the
/// model has no date (the core reads no clock).
pub fn overdue_since(model: &Model, last: &str, months: u32) -> Option<String> {
    overdue_on(last, months, model.system.as_of.as_deref()?.parse().ok()?)
}

/// The same judgement on a given day (the server's dashboard judges on today).
pub fn overdue_on(last: &str, months: u32, day: jiff::civil::Date) -> Option<String> {
    let last: jiff::civil::Date = last.parse().ok()?;
    let due = last
        .checked_add(jiff::Span::new().months(i64::from(months)))
        .ok()?;
    (due < day).then(|| due.to_string())
}

pub fn in_provider_scope(scope: Scope) -> bool {
    scope == Scope::Provider
}

/// Whether anyone on the flow is a patient.
pub fn by_patient(model: &Model, flow: &Flow) -> bool {
    flow.who
        .iter()
        .any(|&a| model.actors[a].kind == Some(ActorKind::Patient))
}

/// Whether staff or vendors (people who are not patients) take part in the flow.
pub fn by_staff(model: &Model, flow: &Flow) -> bool {
    flow.who
        .iter()
        .any(|&a| model.actors[a].kind != Some(ActorKind::Patient))
}

/// Whether a person of another organisation than the provider's group takes part: a
/// subcontractor's or another provider's staff, or a maintenance vendor.
pub fn by_vendor(model: &Model, flow: &Flow) -> bool {
    flow.who.iter().any(|&a| {
        let actor = &model.actors[a];
        actor.kind == Some(ActorKind::Maintenance)
            || matches!(
                model.organizations[actor.organization].role,
                OrganizationRole::Subcontractor | OrganizationRole::OtherProvider
            )
    })
}

/// A patient's viewing of medical information that is not separated from the systems staff use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatientSeparation {
    /// The patient flow crosses connections (other than the open internet) that staff flows
    /// cross too: each such connection once, in path order, with the first staff flow on it.
    Shared {
        flow: FlowIx,
        connections: Vec<(ConnectionIx, FlowIx)>,
    },
    /// A patient viewing medical information on a path the model does not give.
    PathNotStated(FlowIx),
}

/// Patients' viewing of medical information that reaches network segments staff flows also use
/// (MGL 6.0 システム運用編 7⑭: 患者等に診療情報等を閲覧させる場合 … 切り分け). Only flows in which
/// a patient views count; system-to-system flows (no person) are how a portal is fed and do not
/// count; the open internet is everyone's and does not count either. Separated flows give
/// nothing.
pub fn patient_separation(s: &Structure<'_>) -> Vec<PatientSeparation> {
    let model = s.model;
    let mut staff_on: Vec<Option<FlowIx>> = vec![None; model.connections.len()];
    for (i, f) in FlowIx::enumerate(&model.flows) {
        if by_staff(model, f) && !by_patient(model, f) {
            for e in &f.path {
                if let ElementRef::Connection(c) = *e {
                    staff_on[c.index()].get_or_insert(i);
                }
            }
        }
    }
    let mut found = Vec::new();
    for (i, f) in FlowIx::enumerate(&model.flows) {
        if !by_patient(model, f) || !f.how.contains(&Operation::View) || !s.is_medical_flow(i) {
            continue;
        }
        if f.path.len() <= 1 {
            found.push(PatientSeparation::PathNotStated(i));
            continue;
        }
        let mut connections: Vec<(ConnectionIx, FlowIx)> = Vec::new();
        for e in &f.path {
            if let ElementRef::Connection(c) = *e
                && model.connections[c].kind != ConnectionKind::Internet
                && let Some(staff) = staff_on[c.index()]
                && !connections.iter().any(|&(seen, _)| seen == c)
            {
                connections.push((c, staff));
            }
        }
        if !connections.is_empty() {
            found.push(PatientSeparation::Shared {
                flow: i,
                connections,
            });
        }
    }
    found
}

/// Whether the evaluation of the safety management is independent of the system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Independence {
    Independent,
    /// Involved, and why (in English: the rule words it).
    Involved(InvolvedBecause),
    /// Neither the evaluator nor their involvement is stated.
    NotStated,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvolvedBecause {
    SelfAssessment,
    Declared,
    /// The evaluator (an actor) performs this flow.
    PerformsFlow(FlowIx),
    /// The evaluator (an organisation) runs this asset.
    RunsAsset(AssetIx),
}

pub fn evaluation_independence(model: &Model, e: &Evaluation) -> Independence {
    // Linear scans: there is one evaluation per model.
    if e.by == Evaluator::SelfAssessment {
        return Independence::Involved(InvolvedBecause::SelfAssessment);
    }
    // The structure decides when it can; a declaration only adds what it cannot show.
    match e.evaluated_by {
        Some(ElementRef::Actor(a)) => {
            if let Some((flow, _)) =
                FlowIx::enumerate(&model.flows).find(|(_, f)| f.who.contains(&a))
            {
                return Independence::Involved(InvolvedBecause::PerformsFlow(flow));
            }
        }
        Some(ElementRef::Organization(o)) => {
            if let Some((asset, _)) =
                AssetIx::enumerate(&model.assets).find(|(_, x)| x.managed_by == Some(o))
            {
                return Independence::Involved(InvolvedBecause::RunsAsset(asset));
            }
            if let Some((flow, _)) = FlowIx::enumerate(&model.flows)
                .find(|(_, f)| f.who.iter().any(|&a| model.actors[a].organization == o))
            {
                return Independence::Involved(InvolvedBecause::PerformsFlow(flow));
            }
        }
        _ => {}
    }
    match (e.involved_in_system, e.evaluated_by) {
        (Some(true), _) => Independence::Involved(InvolvedBecause::Declared),
        (Some(false), _) | (None, Some(_)) => Independence::Independent,
        (None, None) => Independence::NotStated,
    }
}

/// Where medical information is stored: every location of an asset in the provider's scope that
/// keeps medical information, with its country when stated (or inherited from an enclosing
/// place). Each location once, in model order.
pub fn medical_storage<'m>(s: &Structure<'m>) -> Vec<(LocationIx, Option<&'m str>)> {
    let model = s.model;
    let mut seen = BTreeSet::new();
    AssetIx::enumerate(&model.assets)
        .filter(|(i, a)| in_provider_scope(a.scope) && s.keeps_medical(*i))
        .filter(|(_, a)| seen.insert(a.location))
        .map(|(_, a)| (a.location, country(model, a.location)))
        .collect()
}
