//! The operation phase of an engagement: the ledger of media and devices seeded from the
//! published model, inventories, take-outs with their approval, and the incident a loss opens.
//! The steps themselves (who may, in which state, with which dates) are
//! `sansho_store::operations`; this module finds the records, checks the texts, and writes each
//! step with its audit entry.

use std::collections::BTreeSet;

use sansho_core::load::MemoryProvider;
use sansho_store::operations::*;
use sansho_store::records::FileRole;
use sansho_store::{Change, Event, OpId, Time, UserId};

use crate::access::{Engaged, Permission};
use crate::auth::secret;
use crate::error::AppError;
use crate::service::review::{self, check_text};
use crate::state::AppState;

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        AppError::bad(r.ja, r.en)
    }
}

/// A ledger item with what follows from the other records: whether it is out now, and the
/// last inventory that found it.
#[derive(Clone, Debug)]
pub struct LedgerRow {
    pub record: OpRecord,
    pub item: LedgerItem,
    pub out: bool,
    pub last_inventory: Option<String>,
    /// The latest closed inventory that counted the item did not find it: its counting day.
    pub missing_since: Option<String>,
}

/// Everything of an engagement's operation phase, read once.
#[derive(Clone, Debug, Default)]
pub struct Operations {
    pub records: Vec<OpRecord>,
}

impl Operations {
    pub async fn of<P: Permission>(
        state: &AppState,
        e: &Engaged<P>,
    ) -> Result<Operations, AppError> {
        Ok(Operations {
            records: state.store.op_records(&e.engagement.id).await?,
        })
    }

    pub fn find(&self, id: &OpId) -> Option<&OpRecord> {
        self.records.iter().find(|r| r.id == *id)
    }

    pub fn take_outs(&self) -> impl Iterator<Item = (&OpRecord, &TakeOut)> {
        self.records.iter().filter_map(|r| match &r.body {
            OpBody::TakeOut(t) => Some((r, t)),
            _ => None,
        })
    }

    pub fn inventories(&self) -> impl Iterator<Item = (&OpRecord, &Inventory)> {
        self.records.iter().filter_map(|r| match &r.body {
            OpBody::Inventory(i) => Some((r, i)),
            _ => None,
        })
    }

    pub fn incidents(&self) -> impl Iterator<Item = (&OpRecord, &Incident)> {
        self.records.iter().filter_map(|r| match &r.body {
            OpBody::Incident(i) => Some((r, i)),
            _ => None,
        })
    }

    pub fn ledger(&self) -> Vec<LedgerRow> {
        self.records
            .iter()
            .filter_map(|r| match &r.body {
                OpBody::LedgerItem(item) => Some(LedgerRow {
                    out: self
                        .take_outs()
                        .any(|(_, t)| t.item == r.id && t.state == TakeOutState::Out),
                    last_inventory: self
                        .inventories()
                        .filter(|(_, inv)| inv.closed)
                        .filter(|(_, inv)| {
                            inv.lines
                                .iter()
                                .any(|l| l.item == r.id && l.found == Some(true))
                        })
                        .filter_map(|(_, inv)| inv.counted_on.clone())
                        .max()
                        .or_else(|| item.model_last_inventory.clone()),
                    missing_since: self
                        .inventories()
                        .filter(|(_, inv)| inv.closed)
                        .filter_map(|(_, inv)| {
                            let line = inv.lines.iter().find(|l| l.item == r.id)?;
                            Some((inv.counted_on.clone()?, line.found == Some(false)))
                        })
                        .max()
                        .and_then(|(day, missing)| missing.then_some(day)),
                    record: r.clone(),
                    item: item.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Whether the item has a take-out still open.
    fn has_open_take_out(&self, item: &OpId) -> bool {
        self.take_outs()
            .any(|(_, t)| t.item == *item && t.is_open())
    }
}

/// The record `id` of this engagement at `revision` (the revision the person's page showed), or
/// 404 for another engagement's, 409 when someone moved it on meanwhile.
fn current<'a>(
    ops: &'a Operations,
    id: &OpId,
    revision: Option<u32>,
) -> Result<&'a OpRecord, AppError> {
    let record = ops.find(id).ok_or(AppError::NotFound)?;
    if let Some(revision) = revision
        && revision != record.revision
    {
        return Err(AppError::conflict(
            "この記録は、ページを開いた後に他の人が更新しました。ページを読み込み直して内容を確認してください",
            "someone updated this record after the page was opened: reload it and check",
        ));
    }
    Ok(record)
}

/// The record `id` of the engagement in the path, whatever its kind (404 for any other).
pub async fn record<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
) -> Result<(Operations, OpRecord), AppError> {
    let ops = Operations::of(state, e).await?;
    let record = current(&ops, id, None)?.clone();
    Ok((ops, record))
}

fn put(e_event: Event, record: OpRecord) -> (Change, Event) {
    (Change::PutOpRecord(record), e_event)
}

fn event<P: Permission>(e: &Engaged<P>, action: &str, record: &OpRecord) -> Event {
    e.event(
        action,
        serde_json::json!({
            "record": record.id,
            "kind": record.kind().as_str(),
            "revision": record.revision,
            "digest": sansho_store::records::digest(record),
        }),
    )
}

fn side<P: Permission>(e: &Engaged<P>) -> Side {
    if e.is_provider() {
        Side::Provider
    } else {
        Side::Institution
    }
}

/// Adds to the ledger every medium and device of the latest shared version's model that the
/// guideline wants tracked and that is not in it yet: what the model's `ledger:` lists, and
/// every asset that is portable, taken out or lent to patients. Returns how many were added.
pub async fn seed_ledger<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
) -> Result<usize, AppError> {
    let share = review::latest_share(state, &e.engagement)
        .await?
        .ok_or_else(|| {
            AppError::conflict(
                "まだ共有された版がないため、台帳を作れません。先に版を共有してください",
                "no version is shared yet: share one before making the ledger",
            )
        })?;
    let version = state
        .store
        .version(&share.version)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut provider = MemoryProvider::new();
    for f in state.store.version_files(&version.id).await? {
        if f.role != FileRole::Model {
            continue;
        }
        let bytes = state
            .store
            .blob(&f.sha256)
            .await?
            .ok_or_else(|| AppError::Internal(format!("blob {} missing", f.sha256)))?;
        provider = provider.with(&f.path, bytes);
    }
    let kb = state.kb;
    let limits = state.config.limits.model.clone();
    let entry = version.entry.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        sansho_core::load::load(&entry, &provider, kb, &limits)
    })
    .await
    .map_err(|x| AppError::Internal(format!("loading task: {x}")))?;
    let model = loaded.model.ok_or_else(|| {
        AppError::Internal(format!(
            "the model of version {} no longer loads",
            version.number
        ))
    })?;
    let ops = Operations::of(state, e).await?;
    let known: BTreeSet<String> = ops
        .ledger()
        .into_iter()
        .filter_map(|row| row.item.asset)
        .collect();
    let listed: BTreeSet<usize> = model.ledger.iter().map(|l| l.asset.index()).collect();
    let now = Time::now();
    let mut changes = Vec::new();
    for (ix, asset) in model.assets.iter().enumerate() {
        let tracked = listed.contains(&ix)
            || asset.kind.is_portable()
            || asset.taken_out
            || asset.lent_to_patients;
        if !tracked || known.contains(&asset.id) {
            continue;
        }
        let information: Vec<&sansho_core::model::Information> =
            asset.holds.iter().map(|i| &model.information[*i]).collect();
        let medical = information
            .iter()
            .any(|i| model.classifications[i.classification].medical);
        let custodian = asset
            .managed_by
            .map(|o| model.organizations[o].name.clone())
            .unwrap_or_else(|| "—".to_owned());
        let item = LedgerItem {
            asset: Some(asset.id.clone()),
            seeded_from: Some(format!("{} ({})", version.number, version.id)),
            name: asset.name.clone(),
            category: asset.kind.label().ja.clone(),
            location: model.locations[asset.location].name.clone(),
            custodian,
            information: information.iter().map(|i| i.name.clone()).collect(),
            medical,
            encrypted: asset.encrypted_at_rest == Some(true),
            portable: asset.kind.is_portable() || asset.taken_out || asset.lent_to_patients,
            status: LedgerStatus::InService,
            model_last_inventory: model
                .ledger
                .iter()
                .find(|l| l.asset.index() == ix)
                .and_then(|l| l.last_inventory.clone()),
            note: String::new(),
        };
        let record = OpRecord::new(
            OpId::new(secret::id()),
            e.engagement.id.clone(),
            &e.auth.user.id,
            now,
            OpBody::LedgerItem(item),
        );
        changes.push(put(event(e, "ledger.item_added", &record), record));
    }
    let added = changes.len();
    if added > 0 {
        state.record_all(changes).await?;
    }
    Ok(added)
}

/// What a ledger item added by hand says.
pub struct NewLedgerItem {
    pub name: String,
    pub category: String,
    pub location: String,
    pub custodian: String,
    pub information: String,
    pub medical: bool,
    pub encrypted: bool,
    pub note: String,
}

/// Adds an item to the ledger by hand.
pub async fn add_ledger_item<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    input: NewLedgerItem,
) -> Result<OpId, AppError> {
    let name = check_text(state, "名称", "the name", &input.name, true)?;
    let category = check_text(state, "種別", "the kind", &input.category, true)?;
    let location = check_text(state, "保管場所", "the location", &input.location, true)?;
    let custodian = check_text(state, "管理責任者", "the custodian", &input.custodian, true)?;
    let information = check_text(
        state,
        "保存する情報",
        "the information held",
        &input.information,
        false,
    )?;
    let note = check_text(state, "備考", "the note", &input.note, false)?;
    let information: Vec<String> = information
        .split(['、', ',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let item = LedgerItem {
        asset: None,
        seeded_from: None,
        name,
        category,
        location,
        custodian,
        medical: input.medical,
        encrypted: input.encrypted,
        portable: true,
        status: LedgerStatus::InService,
        model_last_inventory: None,
        information,
        note,
    };
    let record = OpRecord::new(
        OpId::new(secret::id()),
        e.engagement.id.clone(),
        &e.auth.user.id,
        Time::now(),
        OpBody::LedgerItem(item),
    );
    let id = record.id.clone();
    let ev = event(e, "ledger.item_added", &record);
    state.record(Change::PutOpRecord(record), ev).await?;
    Ok(id)
}

/// What a take-out request says.
pub struct NewTakeOut {
    pub item: OpId,
    pub purpose: String,
    pub destination: String,
    pub out_on: String,
    pub due_on: String,
}

/// Requests a take-out of a ledger item; the conditions are checked now.
pub async fn request_take_out<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    input: NewTakeOut,
) -> Result<OpId, AppError> {
    let purpose = check_text(state, "目的", "the purpose", &input.purpose, true)?;
    let destination = check_text(
        state,
        "持出し先",
        "the destination",
        &input.destination,
        true,
    )?;
    let ops = Operations::of(state, e).await?;
    let item_record = current(&ops, &input.item, None)?;
    let OpBody::LedgerItem(item) = &item_record.body else {
        return Err(AppError::bad(
            "持ち出す機器・媒体を台帳から選んでください",
            "choose the item from the ledger",
        ));
    };
    let take_out = TakeOut::request(
        &item_record.id,
        item,
        ops.has_open_take_out(&item_record.id),
        &e.auth.user.id,
        side(e),
        &TakeOutRequest {
            purpose: &purpose,
            destination: &destination,
            out_on: &input.out_on,
            due_on: &input.due_on,
        },
    )?;
    let record = OpRecord::new(
        OpId::new(secret::id()),
        e.engagement.id.clone(),
        &e.auth.user.id,
        Time::now(),
        OpBody::TakeOut(take_out),
    );
    let id = record.id.clone();
    let ev = event(e, "take_out.requested", &record);
    state.record(Change::PutOpRecord(record), ev).await?;
    Ok(id)
}

fn take_out_of(record: &OpRecord) -> Result<&TakeOut, AppError> {
    match &record.body {
        OpBody::TakeOut(t) => Ok(t),
        _ => Err(AppError::bad(
            "この記録は持出しではありません",
            "this record is not a take-out",
        )),
    }
}

/// The approver's decision on a take-out request.
pub async fn decide_take_out<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    approve: bool,
    note: &str,
) -> Result<(), AppError> {
    let note = check_text(state, "承認者のコメント", "the comment", note, false)?;
    let ops = Operations::of(state, e).await?;
    let record = current(&ops, id, Some(revision))?;
    let now = Time::now();
    let decided =
        take_out_of(record)?.decide(&e.auth.user.id, e.auth.user.role, approve, &note, now)?;
    let next = record.next(&e.auth.user.id, now, OpBody::TakeOut(decided));
    let action = if approve {
        "take_out.approved"
    } else {
        "take_out.refused"
    };
    let ev = event(e, action, &next);
    state.record(Change::PutOpRecord(next), ev).await?;
    Ok(())
}

/// Records that an approved item left.
pub async fn take_out<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
) -> Result<(), AppError> {
    let ops = Operations::of(state, e).await?;
    let record = current(&ops, id, Some(revision))?;
    let now = Time::now();
    let out = take_out_of(record)?.take_out(now)?;
    let next = record.next(&e.auth.user.id, now, OpBody::TakeOut(out));
    let ev = event(e, "take_out.out", &next);
    state.record(Change::PutOpRecord(next), ev).await?;
    Ok(())
}

/// Records the return of an item, or its loss: then, in the same transaction, the incident is
/// opened and the ledger item marked lost.
pub async fn come_back<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    returned: bool,
    note: &str,
) -> Result<Option<OpId>, AppError> {
    let note = check_text(state, "返却時の確認・紛失の状況", "the note", note, false)?;
    let ops = Operations::of(state, e).await?;
    let record = current(&ops, id, Some(revision))?;
    let t = take_out_of(record)?;
    let now = Time::now();
    let by = &e.auth.user.id;
    if returned {
        let back = t.come_back(true, &note, now, None)?;
        let next = record.next(by, now, OpBody::TakeOut(back));
        let ev = event(e, "take_out.returned", &next);
        state.record(Change::PutOpRecord(next), ev).await?;
        return Ok(None);
    }
    let incident_id = OpId::new(secret::id());
    let lost = t.come_back(false, &note, now, Some(incident_id.clone()))?;
    let incident = OpRecord::new(
        incident_id.clone(),
        e.engagement.id.clone(),
        by,
        now,
        OpBody::Incident(Incident::of_loss(&record.id, t, &note, now)),
    );
    let mut changes = Vec::new();
    let next = record.next(by, now, OpBody::TakeOut(lost));
    changes.push(put(event(e, "take_out.lost", &next), next));
    changes.push(put(event(e, "incident.opened", &incident), incident));
    if let Some(item_record) = ops.find(&t.item)
        && let OpBody::LedgerItem(item) = &item_record.body
    {
        let mut item = item.clone();
        item.status = LedgerStatus::Lost;
        let next = item_record.next(by, now, OpBody::LedgerItem(item));
        changes.push(put(event(e, "ledger.item_lost", &next), next));
    }
    state.record_all(changes).await?;
    Ok(Some(incident_id))
}

/// Schedules an inventory: a count sheet of every ledger item in service.
pub async fn schedule_inventory<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    scheduled_on: &str,
) -> Result<OpId, AppError> {
    let ops = Operations::of(state, e).await?;
    let items = ops
        .ledger()
        .into_iter()
        .filter(|row| row.item.status == LedgerStatus::InService)
        .map(|row| (row.record.id, row.item.name, row.item.location))
        .collect();
    let inventory = Inventory::schedule(scheduled_on, items)?;
    let record = OpRecord::new(
        OpId::new(secret::id()),
        e.engagement.id.clone(),
        &e.auth.user.id,
        Time::now(),
        OpBody::Inventory(inventory),
    );
    let id = record.id.clone();
    let ev = event(e, "inventory.scheduled", &record);
    state.record(Change::PutOpRecord(record), ev).await?;
    Ok(id)
}

/// Records an inventory's count and closes it; returns the number of discrepancies.
pub async fn count_inventory<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    counted_on: &str,
    results: Vec<(OpId, bool, String)>,
) -> Result<usize, AppError> {
    let mut checked = Vec::with_capacity(results.len());
    for (item, found, note) in results {
        let note = check_text(state, "備考", "the note", &note, false)?;
        checked.push((item, found, note));
    }
    let ops = Operations::of(state, e).await?;
    let record = current(&ops, id, Some(revision))?;
    let OpBody::Inventory(inventory) = &record.body else {
        return Err(AppError::bad(
            "この記録は棚卸ではありません",
            "this record is not an inventory",
        ));
    };
    let counted = inventory.count(&e.auth.user.id, counted_on, &checked)?;
    let discrepancies = counted.discrepancies().count();
    let next = record.next(&e.auth.user.id, Time::now(), OpBody::Inventory(counted));
    let ev = e.event(
        "inventory.closed",
        serde_json::json!({
            "record": next.id,
            "kind": next.kind().as_str(),
            "revision": next.revision,
            "discrepancies": discrepancies,
            "digest": sansho_store::records::digest(&next),
        }),
    );
    state.record(Change::PutOpRecord(next), ev).await?;
    Ok(discrepancies)
}

/// The take-outs of a period for the planning manager's report (持出し状況報告): those
/// requested, out or back within `from..=to` (days in Japan).
pub fn take_outs_in<'a>(
    ops: &'a Operations,
    from: &str,
    to: &str,
) -> Vec<(&'a OpRecord, &'a TakeOut)> {
    ops.take_outs()
        .filter(|(r, t)| {
            let days = [
                Some(r.created_at.date_in_japan()),
                Some(t.out_on.clone()),
                Some(t.due_on.clone()),
                t.taken_out_at.map(Time::date_in_japan),
                t.returned_at.map(Time::date_in_japan),
            ];
            days.iter()
                .flatten()
                .any(|d| d.as_str() >= from && d.as_str() <= to)
        })
        .collect()
}

/// The name of a user, for pages ("—" when unknown).
pub async fn user_name(state: &AppState, id: &UserId) -> String {
    match state.store.user(id).await {
        Ok(Some(u)) => u.name,
        _ => "—".to_owned(),
    }
}

/// A day and time in Japan (`YYYY-MM-DDTHH:MM`, as a datetime field sends it) as an instant.
pub fn time_in_japan(text: &str, label_ja: &str, label_en: &str) -> Result<Time, AppError> {
    let text = text.trim();
    let civil = text.parse::<jiff::civil::DateTime>().map_err(|_| {
        AppError::bad(
            format!("{label_ja} {text:?} は日時 (YYYY-MM-DDTHH:MM) ではありません"),
            format!("{label_en} {text:?} is not a date and time (YYYY-MM-DDTHH:MM)"),
        )
    })?;
    let japan = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(9));
    let zoned = civil
        .to_zoned(japan)
        .map_err(|e| AppError::bad(e.to_string(), e.to_string()))?;
    Ok(Time::new(zoned.timestamp()))
}

/// Moves the record `id` (at `revision`, as the person's page showed it) one step on: `step`
/// gets the record and returns its next body, or refuses.
async fn advance<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    action: &str,
    step: impl FnOnce(&OpRecord, Time) -> Result<OpBody, AppError>,
) -> Result<OpRecord, AppError> {
    let ops = Operations::of(state, e).await?;
    let record = current(&ops, id, Some(revision))?;
    let now = Time::now();
    let body = step(record, now)?;
    let next = record.next(&e.auth.user.id, now, body);
    let ev = event(e, action, &next);
    state.record(Change::PutOpRecord(next.clone()), ev).await?;
    Ok(next)
}

fn incident_of(record: &OpRecord) -> Result<&Incident, AppError> {
    match &record.body {
        OpBody::Incident(i) => Ok(i),
        _ => Err(AppError::bad(
            "この記録はインシデントではありません",
            "this record is not an incident",
        )),
    }
}

/// What opening an incident says.
pub struct OpenIncident {
    pub title: String,
    pub what_happened: String,
    pub detected_at: String,
    pub harm: Vec<Harm>,
    pub risks: String,
    /// Other engagements of the same provider whose institutions it concerns too.
    pub also: Vec<sansho_store::EngagementId>,
}

/// Opens an incident in this engagement and in every other engagement of the provider it
/// concerns, under one case reference, in one transaction. Each institution sees only its own
/// record. Risk ids must be risks of the version last shared in this engagement.
pub async fn open_incident<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    input: OpenIncident,
) -> Result<Vec<OpId>, AppError> {
    let title = check_text(state, "件名", "the title", &input.title, true)?;
    let what = check_text(
        state,
        "何が起きたか",
        "what happened",
        &input.what_happened,
        true,
    )?;
    let detected_at = time_in_japan(&input.detected_at, "検知日時", "the detection time")?;
    let risks_text = check_text(state, "関連するリスク ID", "risk ids", &input.risks, false)?;
    let risks: Vec<String> = risks_text
        .split([',', '、', '\n', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if !risks.is_empty() {
        let share = review::latest_share(state, &e.engagement)
            .await?
            .ok_or_else(|| {
                AppError::bad(
                    "共有された版がないため、リスク ID を確認できません",
                    "no version is shared, so risk ids cannot be checked",
                )
            })?;
        let assessment = crate::service::share::assessment_of(state, &share.version).await?;
        if let Some(unknown) = risks
            .iter()
            .find(|id| !assessment.risks.iter().any(|r| &r.id == *id))
        {
            return Err(AppError::bad(
                format!("リスク ID {unknown} は共有中の版のリスク一覧にありません"),
                format!("risk id {unknown} is not a risk of the shared version"),
            ));
        }
    }
    let now = Time::now();
    let case = format!(
        "INC-{}-{}",
        now.date_in_japan().replace('-', ""),
        &secret::id()[..6]
    );
    let incident = Incident::open(
        NewIncident {
            case: &case,
            title: &title,
            what_happened: &what,
            detected_at,
            harm: input.harm,
            risks,
        },
        now,
    )?;
    let mut engagements = vec![e.engagement.clone()];
    for id in input.also {
        if id == e.engagement.id {
            continue;
        }
        let other = state
            .store
            .engagement(&id)
            .await?
            .ok_or(AppError::NotFound)?;
        if other.provider != e.engagement.provider {
            return Err(AppError::NotFound);
        }
        engagements.push(other);
    }
    let mut ids = Vec::new();
    let mut changes = Vec::new();
    for engagement in &engagements {
        let record = OpRecord::new(
            OpId::new(secret::id()),
            engagement.id.clone(),
            &e.auth.user.id,
            now,
            OpBody::Incident(incident.clone()),
        );
        let ev = e.auth.event(
            "incident.opened",
            &[&engagement.provider, &engagement.institution],
            serde_json::json!({
                "record": record.id,
                "engagement": engagement.id,
                "case": case,
                "revision": record.revision,
                "digest": sansho_store::records::digest(&record),
            }),
        );
        ids.push(record.id.clone());
        changes.push((Change::PutOpRecord(record), ev));
    }
    state.record_all(changes).await?;
    Ok(ids)
}

/// An entry of the incident's timeline.
pub async fn incident_step<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    kind: StepKind,
    text: &str,
) -> Result<(), AppError> {
    let text = check_text(state, "対応の内容", "the entry", text, false)?;
    let by = e.auth.user.id.clone();
    advance(state, e, id, revision, "incident.step", |r, now| {
        Ok(OpBody::Incident(
            incident_of(r)?.add_step(&by, now, kind, &text)?,
        ))
    })
    .await?;
    Ok(())
}

/// What the provider disclosed to the institution.
pub async fn disclose<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    text: &str,
) -> Result<(), AppError> {
    let text = check_text(state, "開示した内容", "the disclosure", text, false)?;
    let by = e.auth.user.id.clone();
    advance(state, e, id, revision, "incident.disclosed", |r, now| {
        Ok(OpBody::Incident(incident_of(r)?.disclose(&by, now, &text)?))
    })
    .await?;
    Ok(())
}

/// The institution acknowledges the latest disclosure.
pub async fn acknowledge_disclosure<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
) -> Result<(), AppError> {
    let by = e.auth.user.id.clone();
    advance(state, e, id, revision, "incident.acknowledged", |r, now| {
        Ok(OpBody::Incident(incident_of(r)?.acknowledge(&by, now)?))
    })
    .await?;
    Ok(())
}

/// The cause and the recurrence-prevention measures the provider proposes.
pub async fn propose_prevention<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    cause: &str,
    measures: &str,
) -> Result<(), AppError> {
    let cause = check_text(state, "原因", "the cause", cause, false)?;
    let measures = check_text(state, "再発防止策", "the measures", measures, false)?;
    let by = e.auth.user.id.clone();
    advance(
        state,
        e,
        id,
        revision,
        "incident.prevention_proposed",
        |r, now| {
            Ok(OpBody::Incident(
                incident_of(r)?.propose(&by, now, &cause, &measures)?,
            ))
        },
    )
    .await?;
    Ok(())
}

/// The institution's verdict on the proposed measures.
pub async fn judge_prevention<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    verdict: PreventionVerdict,
    comment: &str,
) -> Result<(), AppError> {
    let comment = check_text(state, "コメント", "the comment", comment, false)?;
    let by = e.auth.user.id.clone();
    let role = e.auth.user.role;
    let action = match verdict {
        PreventionVerdict::Agree => "incident.prevention_agreed",
        PreventionVerdict::Discuss => "incident.prevention_questioned",
    };
    advance(state, e, id, revision, action, |r, now| {
        Ok(OpBody::Incident(
            incident_of(r)?.judge(&by, role, verdict, &comment, now)?,
        ))
    })
    .await?;
    Ok(())
}

/// Closes the incident (the provider's approver).
pub async fn close_incident<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
) -> Result<(), AppError> {
    let by = e.auth.user.id.clone();
    advance(state, e, id, revision, "incident.closed", |r, now| {
        Ok(OpBody::Incident(incident_of(r)?.close(&by, now)?))
    })
    .await?;
    Ok(())
}
