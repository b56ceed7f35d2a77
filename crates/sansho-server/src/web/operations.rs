//! The operation phase's pages: the ledger, take-outs, inventories, the incidents a loss opens,
//! and the take-out status report for the institution's planning manager.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sansho_store::OpId;
use sansho_store::operations::*;
use sansho_store::records::Role;
use serde::Deserialize;

use crate::access::{
    Approve, CsrfForm, DecideTakeOut, Engaged, Operate, Permission, ProviderWork, Read, Review,
};
use crate::error::{AppError, Failure};
use crate::i18n::Tr;
use crate::service::operations::{self as ops, LedgerRow, Operations};
use crate::state::AppState;
use crate::web::engagement::Done;
use crate::web::{Layout, render, see_other};

pub struct LedgerView {
    pub id: String,
    pub name: String,
    pub category: String,
    pub location: String,
    pub custodian: String,
    pub information: String,
    pub medical: bool,
    pub encrypted: bool,
    pub status: &'static str,
    pub status_class: &'static str,
    pub last_inventory: String,
    pub asset: String,
    pub note: String,
    /// Not found by the latest inventory that counted it (the day), else empty.
    pub missing_since: String,
}

fn ledger_view(t: Tr, row: &LedgerRow) -> LedgerView {
    let (status, status_class) = match (row.item.status, row.out) {
        (LedgerStatus::InService, true) => (t.pick("持出し中", "out"), "status status-wait"),
        (LedgerStatus::InService, false) => (
            t.pick(
                LedgerStatus::InService.label_ja(),
                LedgerStatus::InService.label_en(),
            ),
            "status status-ok",
        ),
        (s, _) => (t.pick(s.label_ja(), s.label_en()), "status status-todo"),
    };
    LedgerView {
        id: row.record.id.to_string(),
        name: row.item.name.clone(),
        category: row.item.category.clone(),
        location: row.item.location.clone(),
        custodian: row.item.custodian.clone(),
        information: row.item.information.join("、"),
        medical: row.item.medical,
        encrypted: row.item.encrypted,
        status,
        status_class,
        last_inventory: row.last_inventory.clone().unwrap_or_else(|| "—".into()),
        asset: row.item.asset.clone().unwrap_or_default(),
        note: row.item.note.clone(),
        missing_since: row.missing_since.clone().unwrap_or_default(),
    }
}

pub struct TakeOutRow {
    pub id: String,
    pub item: String,
    pub purpose: String,
    pub destination: String,
    pub out_on: String,
    pub due_on: String,
    pub requested_by: String,
    /// Which party the requester acts for.
    pub requested_side: &'static str,
    pub decided_by: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub overdue: bool,
    pub returned: String,
}

fn state_class(s: TakeOutState) -> &'static str {
    match s {
        TakeOutState::Requested => "status status-todo",
        TakeOutState::Approved | TakeOutState::Out => "status status-wait",
        TakeOutState::Returned => "status status-ok",
        TakeOutState::Refused | TakeOutState::Lost => "status status-bad",
    }
}

async fn take_out_row(state: &AppState, t: Tr, r: &OpRecord, x: &TakeOut) -> TakeOutRow {
    let today = sansho_store::Time::now().date_in_japan();
    TakeOutRow {
        id: r.id.to_string(),
        item: x.item_name.clone(),
        purpose: x.purpose.clone(),
        destination: x.destination.clone(),
        out_on: x.out_on.clone(),
        due_on: x.due_on.clone(),
        requested_by: ops::user_name(state, &x.requested_by).await,
        requested_side: match x.requested_side {
            Side::Provider => t.pick("提供事業者", "provider"),
            Side::Institution => t.pick("医療機関", "institution"),
        },
        decided_by: match &x.decided_by {
            Some(u) => ops::user_name(state, u).await,
            None => String::new(),
        },
        state: t.pick(x.state.label_ja(), x.state.label_en()),
        state_class: state_class(x.state),
        overdue: x.state == TakeOutState::Out && x.due_on < today,
        returned: x
            .returned_at
            .map(sansho_store::Time::in_japan)
            .unwrap_or_default(),
    }
}

pub struct ReportRow {
    pub id: String,
    pub kind: &'static str,
    pub period: String,
    pub due_on: String,
    pub state: &'static str,
    pub state_class: &'static str,
}

fn report_row(t: Tr, r: &OpRecord, x: &PeriodicReport, today: &str) -> ReportRow {
    let (state, state_class) = if x.acknowledged_at.is_some() {
        (t.pick("確認済み", "acknowledged"), "status status-ok")
    } else if x.delivered_at.is_some() {
        (
            t.pick("提出済み・確認待ち", "delivered"),
            "status status-wait",
        )
    } else if x.is_overdue(today) {
        (t.pick("提出期限超過", "overdue"), "status status-bad")
    } else {
        (t.pick("未提出", "to deliver"), "status status-todo")
    };
    ReportRow {
        id: r.id.to_string(),
        kind: t.pick(x.kind.label_ja(), x.kind.label_en()),
        period: format!("{} 〜 {}", x.period_from, x.period_to),
        due_on: x.due_on.clone(),
        state,
        state_class,
    }
}

pub struct LendingRow {
    pub id: String,
    pub item: String,
    pub patient: String,
    pub consent: String,
    pub lent_on: String,
    pub due_on: String,
    pub state: &'static str,
    pub state_class: &'static str,
}

fn lending_row(t: Tr, r: &OpRecord, x: &Lending) -> LendingRow {
    let back = x.state == LendingState::Returned;
    LendingRow {
        id: r.id.to_string(),
        item: x.item_name.clone(),
        patient: x.patient_ref.clone(),
        consent: format!("{} ({})", x.consent_on, x.consent_form),
        lent_on: x.lent_on.clone(),
        due_on: x.due_on.clone().unwrap_or_default(),
        state: if back {
            t.pick("返却済み", "returned")
        } else {
            t.pick("貸出し中", "lent")
        },
        state_class: if back {
            "status status-ok"
        } else {
            "status status-wait"
        },
    }
}

pub struct DisposalRow {
    pub id: String,
    pub what: String,
    pub performed_on: String,
    pub performed_by: String,
    pub disposer: String,
    pub certificate: bool,
    pub acknowledged: bool,
}

fn disposal_row(r: &OpRecord, d: &Disposal) -> DisposalRow {
    let mut what = d.item_name.clone();
    if what.is_empty() {
        what = d.information.join("、");
    }
    DisposalRow {
        id: r.id.to_string(),
        what,
        performed_on: d.performed_on.clone(),
        performed_by: d.performed_by.clone(),
        disposer: d.disposer.clone().unwrap_or_default(),
        certificate: d.certificate.is_some(),
        acknowledged: d.acknowledged_at.is_some(),
    }
}

pub struct InventoryRow {
    pub id: String,
    pub scheduled_on: String,
    pub counted_on: String,
    pub lines: usize,
    pub discrepancies: usize,
    pub closed: bool,
}

pub struct IncidentRow {
    pub id: String,
    pub title: String,
    pub detected_at: String,
    pub harm: String,
    pub open: bool,
}

fn incident_row(t: Tr, r: &OpRecord, i: &Incident) -> IncidentRow {
    IncidentRow {
        id: r.id.to_string(),
        title: i.title.clone(),
        detected_at: i.detected_at.in_japan(),
        harm: i
            .harm
            .iter()
            .map(|h| t.pick(h.label_ja(), h.label_en()))
            .collect::<Vec<_>>()
            .join("・"),
        open: i.state == IncidentState::Open,
    }
}

/// What the person may do here; nothing once the engagement is sealed.
struct Abilities {
    provider_work: bool,
    operate: bool,
    decide: bool,
    review: bool,
    approve: bool,
    sign: bool,
}

fn abilities<P: Permission>(e: &Engaged<P>, sealed: bool) -> Abilities {
    let role = e.auth.user.role;
    let open = !sealed;
    Abilities {
        provider_work: open && role.is_provider() && e.is_provider(),
        operate: open && role != Role::Auditor,
        decide: open && matches!(role, Role::ProviderApprover | Role::InstitutionSignatory),
        review: open && role.is_institution(),
        approve: open && role == Role::ProviderApprover,
        sign: open && role == Role::InstitutionSignatory,
    }
}

#[derive(Template)]
#[template(path = "operations.html")]
struct OperationsPage {
    l: Layout,
    t: Tr,
    id: String,
    system: String,
    institution: String,
    ledger: Vec<LedgerView>,
    take_outs: Vec<TakeOutRow>,
    inventories: Vec<InventoryRow>,
    incidents: Vec<IncidentRow>,
    /// Items that may be requested now (in service, not out).
    requestable: Vec<(String, String)>,
    /// The provider's other engagements an incident may concern too: (id, institution).
    others: Vec<(String, String)>,
    reports: Vec<ReportRow>,
    /// The contract end, if started: (record id, lines done, lines, sealed).
    contract_end: Option<(String, usize, usize, bool)>,
    can_approve: bool,
    /// What needs doing: (text, record id or empty).
    attention: Vec<(String, String)>,
    lendings: Vec<LendingRow>,
    /// Devices for patients that may be lent now.
    lendable: Vec<(String, String)>,
    disposals: Vec<DisposalRow>,
    /// The shared model's continuity plans: (scenario key, label, last drill or empty).
    plans: Vec<(String, String, String)>,
    drills: Vec<DrillRow>,
    can_provider_work: bool,
    can_operate: bool,
    today: String,
    now: String,
}

/// The engagement's operation phase at a glance.
pub async fn operations(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Query(done): Query<Done>,
) -> Result<Response, Failure> {
    let l = Layout::of(&e.auth).with_notice(done.done.as_deref());
    let t = l.t;
    let all = Operations::of(&state, &e).await.map_err(|x| e.fail(x))?;
    let rows = all.ledger();
    let ledger: Vec<LedgerView> = rows.iter().map(|r| ledger_view(t, r)).collect();
    let requestable = rows
        .iter()
        .filter(|r| r.item.status == LedgerStatus::InService && !r.out)
        .map(|r| (r.record.id.to_string(), r.item.name.clone()))
        .collect();
    let lendable = rows
        .iter()
        .filter(|r| r.item.status == LedgerStatus::InService && !r.out && r.item.for_patients)
        .map(|r| (r.record.id.to_string(), r.item.name.clone()))
        .collect();
    let now_day = sansho_store::Time::now().date_in_japan();
    let mut reports: Vec<ReportRow> = all
        .reports()
        .map(|(r, x)| report_row(t, r, x, &now_day))
        .collect();
    reports.reverse();
    let mut attention: Vec<(String, String)> = ops::attention(&all, &now_day)
        .into_iter()
        .map(|a| {
            (
                t.pick(&a.ja, &a.en).to_owned(),
                a.record.map(|r| r.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    for (ja, en) in ops::attention_from_model(&state, &e.engagement, &all, &now_day)
        .await
        .map_err(|x| e.fail(x))?
    {
        attention.push((t.pick(&ja, &en).to_owned(), String::new()));
    }
    let mut lendings: Vec<LendingRow> = all.lendings().map(|(r, x)| lending_row(t, r, x)).collect();
    lendings.reverse();
    let mut disposals: Vec<DisposalRow> =
        all.disposals().map(|(r, d)| disposal_row(r, d)).collect();
    disposals.reverse();
    let mut take_outs = Vec::new();
    for (r, x) in all.take_outs() {
        take_outs.push(take_out_row(&state, t, r, x).await);
    }
    take_outs.reverse();
    let plans = match ops::model_facts(&state, &e.engagement)
        .await
        .map_err(|x| e.fail(x))?
    {
        Some(facts) => facts
            .drills
            .iter()
            .map(|p| {
                let key: &str = p.scenario.into();
                let label = p.scenario.label();
                (
                    key.to_owned(),
                    format!("{} — {}…", t.pick(&label.ja, &label.en), p.plan),
                    ops::last_drill(p, &all).unwrap_or_default(),
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let mut drills: Vec<DrillRow> = all.drills().map(|(r, d)| drill_row(t, r, d)).collect();
    drills.reverse();
    let mut inventories = all
        .inventories()
        .map(|(r, i)| InventoryRow {
            id: r.id.to_string(),
            scheduled_on: i.scheduled_on.clone(),
            counted_on: i.counted_on.clone().unwrap_or_default(),
            lines: i.lines.len(),
            discrepancies: i.discrepancies().count(),
            closed: i.closed,
        })
        .collect::<Vec<_>>();
    inventories.reverse();
    let mut incidents = all
        .incidents()
        .map(|(r, i)| incident_row(t, r, i))
        .collect::<Vec<_>>();
    incidents.reverse();
    let can = abilities(&e, all.sealed());
    let today = sansho_store::Time::now().date_in_japan();
    let mut others = Vec::new();
    if can.provider_work {
        for other in state
            .store
            .engagements_of(&e.engagement.provider)
            .await
            .map_err(|x| e.fail(x.into()))?
        {
            if other.id == e.engagement.id || other.provider != e.engagement.provider {
                continue;
            }
            let name = state
                .store
                .organization(&other.institution)
                .await
                .map_err(|x| e.fail(x.into()))?
                .map(|o| o.name)
                .unwrap_or_default();
            others.push((other.id.to_string(), name));
        }
    }
    let page = OperationsPage {
        l,
        t,
        id: e.engagement.id.to_string(),
        system: e.system.name.clone(),
        institution: e.institution_name().to_owned(),
        ledger,
        take_outs,
        inventories,
        incidents,
        requestable,
        others,
        reports,
        contract_end: all.contract_end().map(|(r, c)| {
            (
                r.id.to_string(),
                c.lines.iter().filter(|l| l.done_on.is_some()).count(),
                c.lines.len(),
                c.sealed_at.is_some(),
            )
        }),
        can_approve: can.approve,
        attention,
        lendings,
        lendable,
        disposals,
        plans,
        drills,
        can_provider_work: can.provider_work,
        can_operate: can.operate,
        now: sansho_store::Time::now().in_japan()[..16].replace(' ', "T"),
        today,
    };
    render(e.auth.client.lang, &page)
}

#[derive(Deserialize)]
pub struct NoFields {}

pub async fn seed_ledger(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, Failure> {
    let added = ops::seed_ledger(&state, &e).await.map_err(|x| e.fail(x))?;
    let done = if added == 0 {
        "ledger_current"
    } else {
        "ledger_seeded"
    };
    Ok(see_other(&format!(
        "/engagements/{}/operations?done={done}",
        e.engagement.id
    )))
}

#[derive(Deserialize)]
pub struct LedgerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    custodian: String,
    #[serde(default)]
    information: String,
    #[serde(default)]
    medical: Option<String>,
    #[serde(default)]
    encrypted: Option<String>,
    #[serde(default)]
    for_patients: Option<String>,
    #[serde(default)]
    note: String,
}

pub async fn add_ledger_item(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    CsrfForm(form): CsrfForm<LedgerForm>,
) -> Result<Response, Failure> {
    let input = ops::NewLedgerItem {
        name: form.name,
        category: form.category,
        location: form.location,
        custodian: form.custodian,
        information: form.information,
        medical: form.medical.is_some(),
        encrypted: form.encrypted.is_some(),
        for_patients: form.for_patients.is_some(),
        note: form.note,
    };
    ops::add_ledger_item(&state, &e, input)
        .await
        .map_err(|x| e.fail(x))?;
    Ok(see_other(&format!(
        "/engagements/{}/operations?done=ledger_added",
        e.engagement.id
    )))
}

#[derive(Deserialize)]
pub struct TakeOutForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    out_on: String,
    #[serde(default)]
    due_on: String,
}

pub async fn request_take_out(
    State(state): State<AppState>,
    e: Engaged<Operate>,
    CsrfForm(form): CsrfForm<TakeOutForm>,
) -> Result<Response, Failure> {
    let input = ops::NewTakeOut {
        item: OpId::new(form.item),
        purpose: form.purpose,
        destination: form.destination,
        out_on: form.out_on,
        due_on: form.due_on,
    };
    let id = ops::request_take_out(&state, &e, input)
        .await
        .map_err(|x| e.fail(x))?;
    Ok(see_other(&format!(
        "/engagements/{}/operations/{id}?done=take_out_requested",
        e.engagement.id
    )))
}

#[derive(Deserialize)]
pub struct InventoryForm {
    #[serde(default)]
    scheduled_on: String,
}

pub async fn schedule_inventory(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    CsrfForm(form): CsrfForm<InventoryForm>,
) -> Result<Response, Failure> {
    let id = ops::schedule_inventory(&state, &e, &form.scheduled_on)
        .await
        .map_err(|x| e.fail(x))?;
    Ok(see_other(&format!(
        "/engagements/{}/operations/{id}?done=inventory_scheduled",
        e.engagement.id
    )))
}

pub struct CountView {
    pub item: String,
    pub name: String,
    pub location: String,
    pub found: Option<bool>,
    pub note: String,
}

pub struct CheckView {
    pub ok: bool,
    pub text: String,
}

#[derive(Template)]
#[template(path = "op_record.html")]
struct RecordPage {
    l: Layout,
    t: Tr,
    id: String,
    system: String,
    record: String,
    revision: u32,
    kind: &'static str,
    created: String,
    created_by: String,
    updated: String,
    updated_by: String,
    digest: String,
    item: Option<LedgerView>,
    item_take_outs: Vec<TakeOutRow>,
    take_out: Option<TakeOutRow>,
    /// The take-out's state as the forms need it: `requested`, `approved`, `out` or empty.
    stage: &'static str,
    checks: Vec<CheckView>,
    medical: bool,
    decision_note: String,
    return_note: String,
    incident_id: String,
    inventory: Vec<CountView>,
    inventory_open: bool,
    scheduled_on: String,
    counted_on: String,
    counted_by: String,
    incident: Option<IncidentRow>,
    incident_text: String,
    incident_take_out: String,
    case: String,
    risks: Vec<String>,
    timeline: Vec<StepView>,
    disclosures: Vec<DisclosureView>,
    proposals: Vec<ProposalView>,
    awaiting_acknowledgement: bool,
    awaiting_verdict: bool,
    disposal: Option<DisposalView>,
    lending: Option<LendingView>,
    drill: Option<DrillView>,
    report: Option<ReportView>,
    can_provider_work: bool,
    can_operate: bool,
    can_decide: bool,
    can_review: bool,
    can_close: bool,
    can_sign: bool,
    contract_end: Option<ContractEndView>,
    today: String,
}

pub struct LineView {
    pub index: usize,
    pub subject: String,
    pub flow: String,
    pub disposition: &'static str,
    pub disposition_key: &'static str,
    pub evidence_label: &'static str,
    pub done_on: String,
    pub note: String,
    pub evidence: Option<(String, String, String)>,
}

pub struct ContractEndView {
    pub lines: Vec<LineView>,
    pub done: usize,
    pub confirmed: String,
    pub sealed: String,
    pub to_confirm: bool,
    pub to_seal: bool,
    pub editable: bool,
}

pub struct ReportView {
    pub row: ReportRow,
    pub facts: Vec<String>,
    pub body: String,
    pub delivered: String,
    pub acknowledged: String,
    pub comment: String,
    pub to_deliver: bool,
    pub to_acknowledge: bool,
}

pub struct DisposalView {
    pub row: DisposalRow,
    pub information: String,
    pub procedure: String,
    pub method: String,
    pub residual_check: String,
    pub certificate: Option<(String, String, String, u64)>,
    pub acknowledged: String,
    pub awaiting: bool,
}

pub struct LendingView {
    pub row: LendingRow,
    pub risks: String,
    pub care: String,
    pub contact: String,
    pub lent_by: String,
    pub returned: String,
    pub return_note: String,
    pub out: bool,
}

pub struct StepView {
    pub at: String,
    pub by: String,
    pub kind: &'static str,
    pub text: String,
}

pub struct DisclosureView {
    pub at: String,
    pub by: String,
    pub text: String,
    pub acknowledged: String,
}

pub struct ProposalView {
    pub at: String,
    pub by: String,
    pub cause: String,
    pub measures: String,
    pub verdict: &'static str,
    pub verdict_class: &'static str,
    pub comment: String,
    pub judged: String,
}

/// One record: a take-out with its approval and return, an inventory's count sheet, an
/// incident, or a ledger item with its take-outs.
pub async fn record_page(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Path((_, id)): Path<(String, String)>,
    Query(done): Query<Done>,
) -> Result<Response, Failure> {
    let l = Layout::of(&e.auth).with_notice(done.done.as_deref());
    let t = l.t;
    let (all, record) = ops::record(&state, &e, &OpId::new(id))
        .await
        .map_err(|x| e.fail(x))?;
    let can = abilities(&e, all.sealed());
    let mut page = RecordPage {
        l,
        t,
        id: e.engagement.id.to_string(),
        system: e.system.name.clone(),
        record: record.id.to_string(),
        revision: record.revision,
        kind: t.pick(record.kind().label_ja(), record.kind().label_en()),
        created: record.created_at.in_japan(),
        created_by: ops::user_name(&state, &record.created_by).await,
        updated: record.updated_at.in_japan(),
        updated_by: ops::user_name(&state, &record.updated_by).await,
        digest: sansho_store::records::digest(&record),
        item: None,
        item_take_outs: Vec::new(),
        take_out: None,
        stage: "",
        checks: Vec::new(),
        medical: false,
        decision_note: String::new(),
        return_note: String::new(),
        incident_id: String::new(),
        inventory: Vec::new(),
        inventory_open: false,
        scheduled_on: String::new(),
        counted_on: String::new(),
        counted_by: String::new(),
        incident: None,
        incident_text: String::new(),
        incident_take_out: String::new(),
        case: String::new(),
        risks: Vec::new(),
        timeline: Vec::new(),
        disclosures: Vec::new(),
        proposals: Vec::new(),
        awaiting_acknowledgement: false,
        awaiting_verdict: false,
        disposal: None,
        lending: None,
        drill: None,
        report: None,
        can_provider_work: can.provider_work,
        can_operate: can.operate,
        can_decide: can.decide,
        can_review: can.review,
        can_close: can.approve,
        can_sign: can.sign,
        contract_end: None,
        today: sansho_store::Time::now().date_in_japan(),
    };
    match &record.body {
        OpBody::LedgerItem(_) => {
            if let Some(row) = all.ledger().iter().find(|r| r.record.id == record.id) {
                page.item = Some(ledger_view(t, row));
            }
            for (r, x) in all.take_outs().filter(|(_, x)| x.item == record.id) {
                page.item_take_outs
                    .push(take_out_row(&state, t, r, x).await);
            }
        }
        OpBody::TakeOut(x) => {
            page.take_out = Some(take_out_row(&state, t, &record, x).await);
            page.stage = match x.state {
                TakeOutState::Requested => "requested",
                TakeOutState::Approved => "approved",
                TakeOutState::Out => "out",
                _ => "",
            };
            page.medical = x.medical;
            page.checks = x
                .checks
                .iter()
                .map(|c| CheckView {
                    ok: c.ok,
                    text: t.pick(&c.ja, &c.en).to_owned(),
                })
                .collect();
            page.decision_note = x.decision_note.clone();
            page.return_note = x.return_note.clone();
            page.incident_id = x
                .incident
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
        }
        OpBody::Inventory(inv) => {
            page.inventory = inv
                .lines
                .iter()
                .map(|line| CountView {
                    item: line.item.to_string(),
                    name: line.name.clone(),
                    location: line.location.clone(),
                    found: line.found,
                    note: line.note.clone(),
                })
                .collect();
            page.inventory_open = !inv.closed;
            page.scheduled_on = inv.scheduled_on.clone();
            page.counted_on = inv.counted_on.clone().unwrap_or_default();
            page.counted_by = match &inv.counted_by {
                Some(u) => ops::user_name(&state, u).await,
                None => String::new(),
            };
        }
        OpBody::Disposal(d) => {
            page.disposal = Some(DisposalView {
                row: disposal_row(&record, d),
                information: d.information.join("、"),
                procedure: d.procedure.clone(),
                method: d.method.clone(),
                residual_check: d.residual_check.clone(),
                certificate: d.certificate.as_ref().map(|c| {
                    (
                        c.attachment.to_string(),
                        c.filename.clone(),
                        c.sha256.clone(),
                        c.size,
                    )
                }),
                acknowledged: stamp(&state, d.acknowledged_at, &d.acknowledged_by).await,
                awaiting: d.acknowledged_at.is_none(),
            });
        }
        OpBody::ContractEnd(c) => {
            let confirmed = stamp(&state, c.confirmed_at, &c.confirmed_by).await;
            let sealed = stamp(&state, c.sealed_at, &c.sealed_by).await;
            let lines: Vec<LineView> = c
                .lines
                .iter()
                .enumerate()
                .map(|(index, l)| LineView {
                    index,
                    subject: l.subject.clone(),
                    flow: l.flow.clone().unwrap_or_default(),
                    disposition: t.pick(l.disposition.label_ja(), l.disposition.label_en()),
                    disposition_key: l.disposition.as_str(),
                    evidence_label: l.disposition.evidence_ja(),
                    done_on: l.done_on.clone().unwrap_or_default(),
                    note: l.note.clone(),
                    evidence: l.evidence.as_ref().map(|x| {
                        (
                            x.attachment.to_string(),
                            x.filename.clone(),
                            x.sha256.clone(),
                        )
                    }),
                })
                .collect();
            let done = lines.iter().filter(|l| !l.done_on.is_empty()).count();
            page.contract_end = Some(ContractEndView {
                to_confirm: c.confirmed_at.is_none() && done == lines.len(),
                to_seal: c.confirmed_at.is_some() && c.sealed_at.is_none(),
                editable: c.confirmed_at.is_none(),
                done,
                lines,
                confirmed,
                sealed,
            });
        }
        OpBody::Report(x) => {
            let today = sansho_store::Time::now().date_in_japan();
            let delivered = stamp(&state, x.delivered_at, &x.delivered_by).await;
            let acknowledged = stamp(&state, x.acknowledged_at, &x.acknowledged_by).await;
            page.report = Some(ReportView {
                row: report_row(t, &record, x, &today),
                facts: x.facts.clone(),
                body: x.body.clone(),
                delivered,
                acknowledged,
                comment: x.comment.clone(),
                to_deliver: x.delivered_at.is_none(),
                to_acknowledge: x.delivered_at.is_some() && x.acknowledged_at.is_none(),
            });
        }
        OpBody::Lending(x) => {
            page.lending = Some(LendingView {
                row: lending_row(t, &record, x),
                risks: x.risks_explained.clone(),
                care: x.care_explained.clone(),
                contact: x.contact.clone(),
                lent_by: ops::user_name(&state, &x.lent_by).await,
                returned: x.returned_on.clone().unwrap_or_default(),
                return_note: x.return_note.clone(),
                out: x.state == LendingState::Lent,
            });
        }
        OpBody::Drill(d) => {
            page.drill = Some(DrillView {
                row: drill_row(t, &record, d),
                result: d.result.clone(),
                improvements: d.improvements.clone(),
                by: ops::user_name(&state, &record.created_by).await,
            });
        }
        OpBody::Incident(i) => {
            page.incident = Some(incident_row(t, &record, i));
            page.incident_text = i.what_happened.clone();
            page.incident_take_out = i
                .take_out
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            page.case = i.case.clone();
            page.risks = i.risks.clone();
            for step in &i.timeline {
                page.timeline.push(StepView {
                    at: step.at.in_japan(),
                    by: ops::user_name(&state, &step.by).await,
                    kind: t.pick(step.kind.label_ja(), step.kind.label_en()),
                    text: step.text.clone(),
                });
            }
            for d in &i.disclosures {
                page.disclosures.push(DisclosureView {
                    at: d.at.in_japan(),
                    by: ops::user_name(&state, &d.by).await,
                    text: d.text.clone(),
                    acknowledged: stamp(&state, d.acknowledged_at, &d.acknowledged_by).await,
                });
            }
            for p in &i.prevention {
                page.proposals.push(ProposalView {
                    at: p.proposed_at.in_japan(),
                    by: ops::user_name(&state, &p.proposed_by).await,
                    cause: p.cause.clone(),
                    measures: p.measures.clone(),
                    verdict: match p.verdict {
                        Some(v) => t.pick(v.label_ja(), v.label_en()),
                        None => t.pick("判断待ち", "awaiting verdict"),
                    },
                    verdict_class: match p.verdict {
                        Some(PreventionVerdict::Agree) => "status status-ok",
                        Some(PreventionVerdict::Discuss) => "status status-todo",
                        None => "status status-wait",
                    },
                    comment: p.comment.clone(),
                    judged: stamp(&state, p.judged_at, &p.judged_by).await,
                });
            }
            let open = i.state == IncidentState::Open;
            page.awaiting_acknowledgement = open
                && i.disclosures
                    .last()
                    .is_some_and(|d| d.acknowledged_at.is_none());
            page.awaiting_verdict =
                open && i.prevention.last().is_some_and(|p| p.verdict.is_none());
        }
    }
    render(e.auth.client.lang, &page)
}

/// 「when · who」 for a step that was taken, empty for one that was not.
async fn stamp(
    state: &AppState,
    at: Option<sansho_store::Time>,
    by: &Option<sansho_store::UserId>,
) -> String {
    match (at, by) {
        (Some(at), Some(by)) => format!("{} · {}", at.in_japan(), ops::user_name(state, by).await),
        _ => String::new(),
    }
}

fn revision_of(text: &str) -> Result<u32, AppError> {
    text.trim().parse().map_err(|_| {
        AppError::bad(
            "フォームが古いか壊れています。ページを読み込み直してください",
            "the form is stale or broken: reload the page",
        )
    })
}

fn back_to<P: Permission>(e: &Engaged<P>, id: &str, done: &str) -> Response {
    see_other(&format!(
        "/engagements/{}/operations/{}?done={done}",
        e.engagement.id,
        crate::web::url_encode(id)
    ))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    revision: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide(
    State(state): State<AppState>,
    e: Engaged<DecideTakeOut>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let approve = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => {
            return Err(fail(AppError::bad(
                "承認か却下を選んでください",
                "choose approve or refuse",
            )));
        }
    };
    let revision = revision_of(&form.revision).map_err(fail)?;
    ops::decide_take_out(&state, &e, &OpId::new(&id), revision, approve, &form.note)
        .await
        .map_err(fail)?;
    Ok(back_to(
        &e,
        &id,
        if approve { "approved" } else { "refused" },
    ))
}

#[derive(Deserialize)]
pub struct RevisionForm {
    #[serde(default)]
    revision: String,
}

pub async fn mark_out(
    State(state): State<AppState>,
    e: Engaged<Operate>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RevisionForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let revision = revision_of(&form.revision).map_err(fail)?;
    ops::take_out(&state, &e, &OpId::new(&id), revision)
        .await
        .map_err(fail)?;
    Ok(back_to(&e, &id, "taken_out"))
}

#[derive(Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    revision: String,
    #[serde(default)]
    outcome: String,
    /// For a lending: the day the patient gave the device back.
    #[serde(default)]
    returned_on: Option<String>,
    #[serde(default)]
    note: String,
}

pub async fn come_back(
    State(state): State<AppState>,
    e: Engaged<Operate>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ReturnForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    if let Some(returned_on) = &form.returned_on {
        // A device lent to a patient.
        let revision = revision_of(&form.revision).map_err(fail)?;
        ops::give_back(
            &state,
            &e,
            &OpId::new(&id),
            revision,
            returned_on,
            &form.note,
        )
        .await
        .map_err(fail)?;
        return Ok(back_to(&e, &id, "returned"));
    }
    let returned = match form.outcome.as_str() {
        "returned" => true,
        "lost" => false,
        _ => {
            return Err(fail(AppError::bad(
                "返却か紛失かを選んでください",
                "choose returned or lost",
            )));
        }
    };
    let revision = revision_of(&form.revision).map_err(fail)?;
    let incident = ops::come_back(&state, &e, &OpId::new(&id), revision, returned, &form.note)
        .await
        .map_err(fail)?;
    Ok(match incident {
        Some(incident) => back_to(&e, incident.as_str(), "incident_opened"),
        None => back_to(&e, &id, "returned"),
    })
}

/// The count sheet comes back as `found:<item>` = `yes`/`no` and `note:<item>` per line.
pub async fn count(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let revision = revision_of(&field("revision")).map_err(fail)?;
    let mut results = Vec::new();
    for (key, value) in &form {
        let Some(item) = key.strip_prefix("found:") else {
            continue;
        };
        let found = match value.as_str() {
            "yes" => true,
            "no" => false,
            _ => {
                return Err(fail(AppError::bad(
                    "各項目の有・無を選んでください",
                    "choose found or not found for each line",
                )));
            }
        };
        results.push((OpId::new(item), found, field(&format!("note:{item}"))));
    }
    let discrepancies = ops::count_inventory(
        &state,
        &e,
        &OpId::new(&id),
        revision,
        &field("counted_on"),
        results,
    )
    .await
    .map_err(fail)?;
    Ok(back_to(
        &e,
        &id,
        if discrepancies == 0 {
            "inventory_closed"
        } else {
            "inventory_discrepancies"
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct Period {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "take_out_report.html")]
struct ReportPage {
    l: Layout,
    t: Tr,
    id: String,
    system: String,
    provider: String,
    institution: String,
    from: String,
    to: String,
    made_at: String,
    rows: Vec<TakeOutRow>,
    open: usize,
    lost: usize,
    overdue: usize,
}

/// 持出し状況報告: the take-outs of a period, for the planning manager (a month by default).
pub async fn report(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Query(period): Query<Period>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let l = Layout::of(&e.auth);
    let t = l.t;
    let today = sansho_store::Time::now().date_in_japan();
    let day = |given: Option<String>, default: String, ja: &str, en: &str| match given {
        Some(d) if !d.trim().is_empty() => parse_day(&d, ja, en).map_err(AppError::from),
        _ => Ok(default),
    };
    let from = day(
        period.from,
        format!("{}-01", &today[..7]),
        "期間の初日",
        "the first day",
    )
    .map_err(fail)?;
    let to = day(period.to, today.clone(), "期間の末日", "the last day").map_err(fail)?;
    if to < from {
        return Err(fail(AppError::bad(
            format!("期間の末日 {to} が初日 {from} より前です"),
            format!("the last day {to} is before the first day {from}"),
        )));
    }
    let all = Operations::of(&state, &e).await.map_err(fail)?;
    let in_period = ops::take_outs_in(&all, &from, &to);
    let lost = in_period
        .iter()
        .filter(|(_, x)| x.state == TakeOutState::Lost)
        .count();
    let mut rows = Vec::new();
    for (r, x) in in_period {
        rows.push(take_out_row(&state, t, r, x).await);
    }
    let (provider, institution) = if e.is_provider() {
        (e.auth.org.name.clone(), e.counterpart.name.clone())
    } else {
        (e.counterpart.name.clone(), e.auth.org.name.clone())
    };
    let open = all
        .take_outs()
        .filter(|(_, x)| x.state == TakeOutState::Out)
        .count();
    let page = ReportPage {
        l,
        t,
        id: e.engagement.id.to_string(),
        system: e.system.name.clone(),
        provider,
        institution,
        made_at: sansho_store::Time::now().in_japan(),
        lost,
        overdue: rows.iter().filter(|r| r.overdue).count(),
        open,
        rows,
        from,
        to,
    };
    render(e.auth.client.lang, &page)
}

/// Opens an incident: `harm:<kind>` for each property at stake, `also:<engagement>` for each
/// other engagement of the provider it concerns.
pub async fn open_incident(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, Failure> {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut harm: Vec<Harm> = form
        .keys()
        .filter_map(|k| k.strip_prefix("harm:"))
        .filter_map(Harm::parse)
        .collect();
    harm.sort();
    let mut also: Vec<sansho_store::EngagementId> = form
        .keys()
        .filter_map(|k| k.strip_prefix("also:"))
        .map(sansho_store::EngagementId::new)
        .collect();
    also.sort();
    let input = ops::OpenIncident {
        title: field("title"),
        what_happened: field("what_happened"),
        detected_at: field("detected_at"),
        harm,
        risks: field("risks"),
        also,
    };
    let ids = ops::open_incident(&state, &e, input)
        .await
        .map_err(|x| e.fail(x))?;
    Ok(back_to(&e, ids[0].as_str(), "incident_opened"))
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    revision: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

pub async fn incident_step(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<StepForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let revision = revision_of(&form.revision).map_err(fail)?;
    let kind = StepKind::parse(&form.kind).ok_or_else(|| {
        fail(AppError::bad(
            "対応の種類を選んでください",
            "choose the kind of entry",
        ))
    })?;
    ops::incident_step(&state, &e, &OpId::new(&id), revision, kind, &form.text)
        .await
        .map_err(fail)?;
    Ok(back_to(&e, &id, "incident_updated"))
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    revision: String,
    #[serde(default)]
    text: String,
}

pub async fn disclose(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let revision = revision_of(&form.revision).map_err(fail)?;
    ops::disclose(&state, &e, &OpId::new(&id), revision, &form.text)
        .await
        .map_err(fail)?;
    Ok(back_to(&e, &id, "disclosed"))
}

#[derive(Deserialize)]
pub struct AckForm {
    #[serde(default)]
    revision: String,
    #[serde(default)]
    comment: String,
}

pub async fn acknowledge(
    State(state): State<AppState>,
    e: Engaged<Review>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<AckForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let revision = revision_of(&form.revision).map_err(fail)?;
    ops::acknowledge(&state, &e, &OpId::new(&id), revision, &form.comment)
        .await
        .map_err(fail)?;
    Ok(back_to(&e, &id, "acknowledged_report"))
}

#[derive(Deserialize)]
pub struct PreventionForm {
    #[serde(default)]
    revision: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    measures: String,
}

pub async fn propose(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<PreventionForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let revision = revision_of(&form.revision).map_err(fail)?;
    ops::propose_prevention(
        &state,
        &e,
        &OpId::new(&id),
        revision,
        &form.cause,
        &form.measures,
    )
    .await
    .map_err(fail)?;
    Ok(back_to(&e, &id, "prevention_proposed"))
}

#[derive(Deserialize)]
pub struct VerdictForm {
    #[serde(default)]
    revision: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    comment: String,
}

pub async fn judge(
    State(state): State<AppState>,
    e: Engaged<Review>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<VerdictForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let revision = revision_of(&form.revision).map_err(fail)?;
    let verdict = match form.verdict.as_str() {
        "agree" => PreventionVerdict::Agree,
        "discuss" => PreventionVerdict::Discuss,
        _ => {
            return Err(fail(AppError::bad(
                "合意か要協議かを選んでください",
                "choose agree or discuss",
            )));
        }
    };
    ops::judge_prevention(
        &state,
        &e,
        &OpId::new(&id),
        revision,
        verdict,
        &form.comment,
    )
    .await
    .map_err(fail)?;
    Ok(back_to(&e, &id, "prevention_judged"))
}

pub async fn close_incident(
    State(state): State<AppState>,
    e: Engaged<Approve>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RevisionForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let revision = revision_of(&form.revision).map_err(fail)?;
    ops::close_incident(&state, &e, &OpId::new(&id), revision)
        .await
        .map_err(fail)?;
    Ok(back_to(&e, &id, "incident_closed"))
}

pub struct ProcedureView {
    pub information: String,
    pub conditions: String,
    pub method: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "disposal_new.html")]
struct DisposalForm {
    l: Layout,
    t: Tr,
    id: String,
    system: String,
    items: Vec<(String, String, bool)>,
    procedures: Vec<ProcedureView>,
    today: String,
}

#[derive(Deserialize, Default)]
pub struct ItemQuery {
    #[serde(default)]
    item: Option<String>,
}

/// The disposal form, with the model's disposal procedures to apply.
pub async fn disposal_form(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    Query(query): Query<ItemQuery>,
) -> Result<Response, Failure> {
    let l = Layout::of(&e.auth);
    let t = l.t;
    let all = Operations::of(&state, &e).await.map_err(|x| e.fail(x))?;
    let items = all
        .ledger()
        .into_iter()
        .filter(|r| r.item.status == LedgerStatus::InService)
        .map(|r| {
            let id = r.record.id.to_string();
            let chosen = query.item.as_deref() == Some(id.as_str());
            (id, r.item.name, chosen)
        })
        .collect();
    let procedures = ops::disposal_procedures(&state, &e)
        .await
        .map_err(|x| e.fail(x))?
        .into_iter()
        .map(|(information, conditions, method)| ProcedureView {
            value: format!("対象: {information}\n条件: {conditions}\n方法: {method}"),
            information,
            conditions,
            method,
        })
        .collect();
    let page = DisposalForm {
        l,
        t,
        id: e.engagement.id.to_string(),
        system: e.system.name.clone(),
        items,
        procedures,
        today: sansho_store::Time::now().date_in_japan(),
    };
    render(e.auth.client.lang, &page)
}

/// A disposal comes as multipart (it may carry the disposer's certificate); the CSRF token is
/// a field.
pub async fn record_disposal(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    mut form: axum::extract::Multipart,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let mut form =
        crate::web::FileForm::read(&e.auth, &mut form, state.config.limits.attachment_bytes)
            .await
            .map_err(fail)?;
    let upload = form.upload.take();
    let one = |k: &str| form.one(k);
    let procedure = match one("procedure").as_str() {
        "" | "other" => one("procedure_other"),
        chosen => chosen.to_owned(),
    };
    let input = ops::DisposalInput {
        item: Some(one("item")).filter(|i| !i.is_empty()).map(OpId::new),
        information: one("information"),
        procedure,
        method: one("method"),
        performed_by: one("performed_by"),
        performed_on: one("performed_on"),
        disposer: one("disposer"),
        residual_check: one("residual_check"),
        certificate: upload,
    };
    let id = ops::record_disposal(&state, &e, input)
        .await
        .map_err(fail)?;
    Ok(back_to(&e, id.as_str(), "disposal_recorded"))
}

/// A continuity drill in a line.
pub struct DrillRow {
    pub id: String,
    pub plan: String,
    pub held_on: String,
    pub participants: String,
}

fn drill_row(t: Tr, r: &OpRecord, d: &Drill) -> DrillRow {
    let plan = <sansho_core::vocab::ContinuityScenario as sansho_core::vocab::Vocabulary>::parse(
        &d.scenario,
    )
    .map_or_else(
        || d.scenario.clone(),
        |s| {
            let label = s.label();
            t.pick(&label.ja, &label.en).to_owned()
        },
    );
    DrillRow {
        id: r.id.to_string(),
        plan,
        held_on: d.held_on.clone(),
        participants: d.participants.clone(),
    }
}

pub struct DrillView {
    row: DrillRow,
    result: String,
    improvements: String,
    by: String,
}

#[derive(Deserialize)]
pub struct DrillForm {
    #[serde(default)]
    scenario: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    improvements: String,
}

pub async fn record_drill(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    CsrfForm(form): CsrfForm<DrillForm>,
) -> Result<Response, Failure> {
    let input = ops::DrillInput {
        scenario: form.scenario,
        held_on: form.held_on,
        participants: form.participants,
        result: form.result,
        improvements: form.improvements,
    };
    let id = ops::record_drill(&state, &e, input)
        .await
        .map_err(|x| e.fail(x))?;
    Ok(back_to(&e, id.as_str(), "drill_recorded"))
}

/// The facts of the records for the next assessment, as a file to give `sansho assess --facts`.
pub async fn facts_download(
    State(state): State<AppState>,
    e: Engaged<Read>,
) -> Result<Response, Failure> {
    let facts = ops::facts_export(&state, &e).await.map_err(|x| e.fail(x))?;
    let body = serde_json::to_vec_pretty(&facts)
        .map_err(|x| e.fail(AppError::Internal(format!("facts: {x}"))))?;
    let name = format!("sansho-facts-{}.json", facts.as_of);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct LendingForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    patient_ref: String,
    #[serde(default)]
    risks_explained: String,
    #[serde(default)]
    care_explained: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    consent_on: String,
    #[serde(default)]
    consent_form: String,
    #[serde(default)]
    lent_on: String,
    #[serde(default)]
    due_on: String,
}

pub async fn lend(
    State(state): State<AppState>,
    e: Engaged<Operate>,
    CsrfForm(form): CsrfForm<LendingForm>,
) -> Result<Response, Failure> {
    let input = ops::LendingInput {
        item: OpId::new(form.item),
        patient_ref: form.patient_ref,
        risks_explained: form.risks_explained,
        care_explained: form.care_explained,
        contact: form.contact,
        consent_on: form.consent_on,
        consent_form: form.consent_form,
        lent_on: form.lent_on,
        due_on: form.due_on,
    };
    let id = ops::lend(&state, &e, input).await.map_err(|x| e.fail(x))?;
    Ok(back_to(&e, id.as_str(), "lent"))
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    period_from: String,
    #[serde(default)]
    period_to: String,
    #[serde(default)]
    due_on: String,
}

pub async fn schedule_report(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let kind = ReportKind::parse(&form.kind).ok_or_else(|| {
        fail(AppError::bad(
            "報告の種類を選んでください",
            "choose the kind of report",
        ))
    })?;
    let id = ops::schedule_report(
        &state,
        &e,
        kind,
        &form.period_from,
        &form.period_to,
        &form.due_on,
    )
    .await
    .map_err(fail)?;
    Ok(back_to(&e, id.as_str(), "report_scheduled"))
}

#[derive(Deserialize)]
pub struct DeliveryForm {
    #[serde(default)]
    revision: String,
    #[serde(default)]
    body: String,
}

pub async fn deliver_report(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<DeliveryForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let revision = revision_of(&form.revision).map_err(fail)?;
    ops::deliver_report(&state, &e, &OpId::new(&id), revision, &form.body)
        .await
        .map_err(fail)?;
    Ok(back_to(&e, &id, "report_delivered"))
}

pub async fn start_contract_end(
    State(state): State<AppState>,
    e: Engaged<Approve>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, Failure> {
    let id = ops::start_contract_end(&state, &e)
        .await
        .map_err(|x| e.fail(x))?;
    Ok(back_to(&e, id.as_str(), "contract_end_started"))
}

/// A checklist line done, as multipart (it carries the evidence). The record is looked up
/// before the body is read, so another engagement's record answers 404 whatever the body.
pub async fn complete_line(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    Path((_, id)): Path<(String, String)>,
    request: axum::extract::Request,
) -> Result<Response, Failure> {
    use axum::extract::FromRequest as _;
    let fail = |x: AppError| e.fail(x);
    ops::record(&state, &e, &OpId::new(&id))
        .await
        .map_err(fail)?;
    let mut form = axum::extract::Multipart::from_request(request, &state)
        .await
        .map_err(|x| {
            fail(AppError::bad(
                format!("フォームを読み取れません: {x}"),
                format!("cannot read the form: {x}"),
            ))
        })?;
    let mut form =
        crate::web::FileForm::read(&e.auth, &mut form, state.config.limits.attachment_bytes)
            .await
            .map_err(fail)?;
    let upload = form.upload.take();
    let one = |k: &str| form.one(k);
    let revision = revision_of(&one("revision")).map_err(fail)?;
    let index: usize = one("line").parse().map_err(|_| {
        fail(AppError::bad(
            "チェックリストの項目が指定されていません",
            "no checklist line given",
        ))
    })?;
    let disposition = Disposition::parse(&one("disposition")).ok_or_else(|| {
        fail(AppError::bad(
            "返却・移行・消去のいずれかを選んでください",
            "choose return, transfer or destroy",
        ))
    })?;
    ops::complete_line(
        &state,
        &e,
        &OpId::new(&id),
        revision,
        index,
        disposition,
        &one("done_on"),
        &one("note"),
        upload,
    )
    .await
    .map_err(fail)?;
    Ok(back_to(&e, &id, "line_done"))
}

pub async fn confirm_contract_end(
    State(state): State<AppState>,
    e: Engaged<crate::access::Sign>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RevisionForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let revision = revision_of(&form.revision).map_err(fail)?;
    ops::confirm_contract_end(&state, &e, &OpId::new(&id), revision)
        .await
        .map_err(fail)?;
    Ok(back_to(&e, &id, "contract_end_confirmed"))
}

pub async fn seal_contract_end(
    State(state): State<AppState>,
    e: Engaged<Approve>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RevisionForm>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let revision = revision_of(&form.revision).map_err(fail)?;
    ops::seal_contract_end(&state, &e, &OpId::new(&id), revision)
        .await
        .map_err(fail)?;
    Ok(back_to(&e, &id, "contract_end_sealed"))
}

/// One operational record as the engagement's printable record lists it.
pub struct RecordLine {
    pub kind: &'static str,
    pub title: String,
    pub state: String,
    pub created: String,
    pub updated: String,
    pub revision: u32,
    pub digest: String,
}

/// What a record is about and where it stands, in a line.
pub fn record_line(t: Tr, r: &OpRecord) -> RecordLine {
    let pick = |ja: &str, en: &str| t.pick(ja, en).to_owned();
    let (title, state) = match &r.body {
        OpBody::LedgerItem(i) => (
            format!("{} ({})", i.name, i.category),
            pick(i.status.label_ja(), i.status.label_en()),
        ),
        OpBody::Inventory(i) => (
            format!("{} · {}", i.scheduled_on, i.lines.len()),
            if i.closed {
                format!(
                    "{} {}",
                    pick("締め済み・差異", "closed, discrepancies"),
                    i.discrepancies().count()
                )
            } else {
                pick("未実施", "to count")
            },
        ),
        OpBody::TakeOut(x) => (
            format!("{} · {} 〜 {}", x.item_name, x.out_on, x.due_on),
            pick(x.state.label_ja(), x.state.label_en()),
        ),
        OpBody::Incident(i) => (
            format!("{} ({})", i.title, i.case),
            match i.state {
                IncidentState::Open => pick("対応中", "open"),
                IncidentState::Closed => pick("終結", "closed"),
            },
        ),
        OpBody::Disposal(d) => (
            if d.item_name.is_empty() {
                d.information.join("、")
            } else {
                d.item_name.clone()
            },
            if d.acknowledged_at.is_some() {
                pick("報告確認済み", "acknowledged")
            } else {
                pick("報告確認待ち", "awaiting acknowledgement")
            },
        ),
        OpBody::Lending(l) => (
            format!("{} · {}", l.item_name, l.patient_ref),
            match l.state {
                LendingState::Lent => pick("貸出し中", "lent"),
                LendingState::Returned => pick("返却済み", "returned"),
            },
        ),
        OpBody::Report(x) => (
            format!(
                "{} {} 〜 {}",
                t.pick(x.kind.label_ja(), x.kind.label_en()),
                x.period_from,
                x.period_to
            ),
            if x.acknowledged_at.is_some() {
                pick("確認済み", "acknowledged")
            } else if x.delivered_at.is_some() {
                pick("提出済み", "delivered")
            } else {
                pick("未提出", "to deliver")
            },
        ),
        OpBody::Drill(d) => (
            format!("{} · {}", drill_row(t, r, d).plan, d.held_on),
            pick("実施済み", "held"),
        ),
        OpBody::ContractEnd(c) => (
            format!("{} {}", c.lines.len(), pick("項目", "lines")),
            if c.sealed_at.is_some() {
                pick("封印済み", "sealed")
            } else if c.confirmed_at.is_some() {
                pick("確認済み", "confirmed")
            } else {
                pick("手続き中", "in progress")
            },
        ),
    };
    RecordLine {
        kind: t.pick(r.kind().label_ja(), r.kind().label_en()),
        title,
        state,
        created: r.created_at.in_japan(),
        updated: r.updated_at.in_japan(),
        revision: r.revision,
        digest: sansho_store::records::digest(r),
    }
}
