//! The operation phase of an engagement: the ledger of media and devices seeded from the
//! published model, inventories, take-outs with their approval, and the incident a loss opens.
//! The steps themselves (who may, in which state, with which dates) are
//! `sansho_store::operations`; this module finds the records, checks the texts, and writes each
//! step with its audit entry.

use std::collections::BTreeSet;

use sansho_core::load::MemoryProvider;
use sansho_store::operations::*;
use sansho_store::records::{Engagement, FileRole};
use sansho_store::{Change, Event, OpId, Time, UserId};

use crate::access::{Engaged, Permission};
use crate::auth::secret;
use crate::error::AppError;
use crate::service::review::{self, Upload, attachment_name, check_text};
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

/// `fn name(&self) -> impl Iterator<Item = (&OpRecord, &Body)>`: the records of one kind, with
/// their body, oldest first.
macro_rules! records_of_kind {
    ($($name:ident => $variant:ident($body:ty);)*) => {$(
        pub fn $name(&self) -> impl Iterator<Item = (&OpRecord, &$body)> {
            self.records.iter().filter_map(|r| match &r.body {
                OpBody::$variant(x) => Some((r, x)),
                _ => None,
            })
        }
    )*};
}

impl Operations {
    records_of_kind! {
        take_outs => TakeOut(TakeOut);
        inventories => Inventory(Inventory);
        incidents => Incident(Incident);
        disposals => Disposal(Disposal);
        lendings => Lending(Lending);
        reports => Report(PeriodicReport);
        drills => Drill(Drill);
    }

    pub async fn of<P: Permission>(
        state: &AppState,
        e: &Engaged<P>,
    ) -> Result<Operations, AppError> {
        Self::of_engagement(state, &e.engagement).await
    }

    pub async fn of_engagement(
        state: &AppState,
        engagement: &Engagement,
    ) -> Result<Operations, AppError> {
        Ok(Operations {
            records: state.store.op_records(&engagement.id).await?,
        })
    }

    /// The records, for a step that writes: refused once the engagement is sealed at its end.
    pub async fn for_writing<P: Permission>(
        state: &AppState,
        e: &Engaged<P>,
    ) -> Result<Operations, AppError> {
        let ops = Self::of(state, e).await?;
        if ops.sealed() {
            return Err(AppError::conflict(
                "この契約は終了し、記録は封印されています。これ以上の記録はできません",
                "the contract has ended and its records are sealed",
            ));
        }
        Ok(ops)
    }

    /// Whether the engagement's contract end is sealed.
    pub fn sealed(&self) -> bool {
        self.records
            .iter()
            .any(|r| matches!(&r.body, OpBody::ContractEnd(c) if c.sealed_at.is_some()))
    }

    pub fn contract_end(&self) -> Option<(&OpRecord, &ContractEnd)> {
        self.records.iter().find_map(|r| match &r.body {
            OpBody::ContractEnd(c) => Some((r, c)),
            _ => None,
        })
    }

    pub fn find(&self, id: &OpId) -> Option<&OpRecord> {
        self.records.iter().find(|r| r.id == *id)
    }

    /// The ledger by place, then name (as a count sheet reads).
    pub fn ledger(&self) -> Vec<LedgerRow> {
        let mut rows: Vec<LedgerRow> = self
            .records
            .iter()
            .filter_map(|r| match &r.body {
                OpBody::LedgerItem(item) => Some(LedgerRow {
                    out: self
                        .take_outs()
                        .any(|(_, t)| t.item == r.id && t.state == TakeOutState::Out)
                        || self
                            .lendings()
                            .any(|(_, l)| l.item == r.id && l.state == LendingState::Lent),
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
            .collect();
        rows.sort_by(|a, b| {
            (&a.item.location, &a.item.name).cmp(&(&b.item.location, &b.item.name))
        });
        rows
    }

    /// Whether the item has a take-out or a lending still open.
    fn has_open_take_out(&self, item: &OpId) -> bool {
        self.take_outs()
            .any(|(_, t)| t.item == *item && t.is_open())
            || self
                .lendings()
                .any(|(_, l)| l.item == *item && l.state == LendingState::Lent)
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

/// Creates a record of `body` in the engagement, by the user, with its audit entry `action`.
async fn create<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    body: OpBody,
    action: &str,
) -> Result<OpId, AppError> {
    let record = OpRecord::new(
        OpId::new(secret::id()),
        e.engagement.id.clone(),
        &e.auth.user.id,
        Time::now(),
        body,
    );
    let id = record.id.clone();
    let ev = event(e, action, &record);
    state.record(Change::PutOpRecord(record), ev).await?;
    Ok(id)
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

/// A certification of an organisation of the model, with its expiry.
#[derive(Clone, Debug)]
pub struct CertificationFact {
    pub organization: String,
    pub label: sansho_core::Localized,
    pub valid_until: String,
}

/// What the operation phase needs of a version's model, derived once per version: versions are
/// immutable, so this never goes stale, and a page does not load the whole model again (60 ms
/// for the example in a debug build, seconds for a model of ten thousand flows).
#[derive(Clone, Debug)]
pub struct DrillPlan {
    pub scenario: sansho_core::vocab::ContinuityScenario,
    pub plan: String,
    pub last_drill: Option<String>,
}

pub struct ModelFacts {
    pub version: sansho_store::records::Version,
    /// The ledger items the model asks for: what its `ledger:` lists, and every asset that is
    /// portable, taken out or lent to patients.
    pub ledger: Vec<LedgerItem>,
    /// Disposal procedures: the information they cover, their conditions and method.
    pub disposal_procedures: Vec<(String, String, String)>,
    pub certifications: Vec<CertificationFact>,
    /// Continuity plans: their scenario, the start of their text and the last drill the model
    /// states.
    pub drills: Vec<DrillPlan>,
    /// Termination flows: what they concern, their id, and what they do with it.
    pub termination: Vec<(String, String, Disposition)>,
}

impl ModelFacts {
    fn of(
        version: sansho_store::records::Version,
        model: &sansho_core::model::Model,
    ) -> ModelFacts {
        use sansho_core::vocab::{Operation, Phase};
        let listed: BTreeSet<usize> = model.ledger.iter().map(|l| l.asset.index()).collect();
        let mut ledger = Vec::new();
        for (ix, asset) in model.assets.iter().enumerate() {
            let portable = asset.kind.is_portable() || asset.taken_out || asset.lent_to_patients;
            if !listed.contains(&ix) && !portable {
                continue;
            }
            let information: Vec<&sansho_core::model::Information> =
                asset.holds.iter().map(|i| &model.information[*i]).collect();
            ledger.push(LedgerItem {
                asset: Some(asset.id.clone()),
                seeded_from: Some(format!("{} ({})", version.number, version.id)),
                name: asset.name.clone(),
                category: asset.kind.label().ja.clone(),
                location: model.locations[asset.location].name.clone(),
                custodian: asset
                    .managed_by
                    .map(|o| model.organizations[o].name.clone())
                    .unwrap_or_else(|| "—".to_owned()),
                information: information.iter().map(|i| i.name.clone()).collect(),
                medical: information
                    .iter()
                    .any(|i| model.classifications[i.classification].medical),
                encrypted: asset.encrypted_at_rest == Some(true),
                portable,
                for_patients: asset.lent_to_patients,
                runs_apps: matches!(
                    asset.kind,
                    sansho_core::vocab::AssetKind::Terminal
                        | sansho_core::vocab::AssetKind::Tablet
                        | sansho_core::vocab::AssetKind::Smartphone
                ),
                minimal_apps: asset.minimal_apps == Some(true),
                status: LedgerStatus::InService,
                model_last_inventory: model
                    .ledger
                    .iter()
                    .find(|l| l.asset.index() == ix)
                    .and_then(|l| l.last_inventory.clone()),
                note: String::new(),
            });
        }
        let names = |infos: &[sansho_core::model::InfoIx]| {
            infos
                .iter()
                .map(|i| model.information[*i].name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        };
        let disposal_procedures = model
            .disposal_procedures
            .iter()
            .map(|p| {
                (
                    names(&p.information),
                    p.conditions.clone(),
                    p.method.clone(),
                )
            })
            .collect();
        let certifications = model
            .organizations
            .iter()
            .flat_map(|org| {
                org.certifications.iter().filter_map(|c| {
                    Some(CertificationFact {
                        organization: org.name.clone(),
                        label: c.scheme.label(),
                        valid_until: c.valid_until.clone()?,
                    })
                })
            })
            .collect();
        let drills = model
            .continuity
            .iter()
            .map(|c| DrillPlan {
                scenario: c.scenario,
                plan: c.plan.chars().take(40).collect(),
                last_drill: c.last_drill.clone(),
            })
            .collect();
        let termination = model
            .flows
            .iter()
            .filter(|f| f.phase == Phase::Termination)
            .map(|flow| {
                let disposition = if flow.how.contains(&Operation::Transfer) {
                    Disposition::Transfer
                } else if flow
                    .how
                    .iter()
                    .any(|o| matches!(o, Operation::Return | Operation::Export))
                {
                    Disposition::Return
                } else {
                    Disposition::Destroy
                };
                (
                    format!("{} ({})", names(&flow.what), model.assets[flow.which].name),
                    flow.id.clone(),
                    disposition,
                )
            })
            .collect();
        ModelFacts {
            version,
            ledger,
            disposal_procedures,
            certifications,
            drills,
            termination,
        }
    }
}

/// The facts of the model of the version last shared in the engagement; `None` before any
/// share. The model is loaded again from its files (the result keeps no ledger, encryption or
/// disposal procedures) the first time a version is asked for, then kept.
pub async fn model_facts(
    state: &AppState,
    engagement: &Engagement,
) -> Result<Option<std::sync::Arc<ModelFacts>>, AppError> {
    let Some(share) = review::latest_share(state, engagement).await? else {
        return Ok(None);
    };
    if let Some(facts) = state.model_facts.get(&share.version) {
        return Ok(Some(facts));
    }
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
    let facts = crate::background::run("model-facts", move || {
        let loaded = sansho_core::load::load(&version.entry, &provider, kb, &limits);
        match loaded.model {
            Some(model) => Ok(ModelFacts::of(version, &model)),
            None => Err(AppError::Internal(format!(
                "the model of version {} no longer loads",
                version.number
            ))),
        }
    })
    .await??;
    let facts = std::sync::Arc::new(facts);
    state
        .model_facts
        .insert(share.version.clone(), std::sync::Arc::clone(&facts));
    Ok(Some(facts))
}

/// The model's disposal procedures (破棄の手順), as the disposal form offers them: the
/// information they cover, their conditions and method.
pub async fn disposal_procedures<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
) -> Result<Vec<(String, String, String)>, AppError> {
    Ok(model_facts(state, &e.engagement)
        .await?
        .map(|f| f.disposal_procedures.clone())
        .unwrap_or_default())
}

/// Adds to the ledger every medium and device of the latest shared version's model that the
/// guideline wants tracked and that is not in it yet: what the model's `ledger:` lists, and
/// every asset that is portable, taken out or lent to patients. Returns how many were added.
pub async fn seed_ledger<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
) -> Result<usize, AppError> {
    let facts = model_facts(state, &e.engagement).await?.ok_or_else(|| {
        AppError::conflict(
            "まだ共有された版がないため、台帳を作れません。先に版を共有してください",
            "no version is shared yet: share one before making the ledger",
        )
    })?;
    let ops = Operations::for_writing(state, e).await?;
    let known: BTreeSet<String> = ops
        .ledger()
        .into_iter()
        .filter_map(|row| row.item.asset)
        .collect();
    let now = Time::now();
    let mut changes = Vec::new();
    for item in &facts.ledger {
        if item.asset.as_ref().is_some_and(|a| known.contains(a)) {
            continue;
        }
        let record = OpRecord::new(
            OpId::new(secret::id()),
            e.engagement.id.clone(),
            &e.auth.user.id,
            now,
            OpBody::LedgerItem(item.clone()),
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
    pub for_patients: bool,
    pub note: String,
}

/// Adds an item to the ledger by hand.
pub async fn add_ledger_item<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    input: NewLedgerItem,
) -> Result<OpId, AppError> {
    Operations::for_writing(state, e).await?;
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
        runs_apps: false,
        minimal_apps: false,
        for_patients: input.for_patients,
        status: LedgerStatus::InService,
        model_last_inventory: None,
        information,
        note,
    };
    create(state, e, OpBody::LedgerItem(item), "ledger.item_added").await
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
    if input.item.as_str().is_empty() {
        return Err(AppError::bad(
            "持ち出す機器・媒体を台帳から選んでください",
            "choose the item from the ledger",
        ));
    }
    let purpose = check_text(state, "目的", "the purpose", &input.purpose, true)?;
    let destination = check_text(
        state,
        "持出し先",
        "the destination",
        &input.destination,
        true,
    )?;
    let ops = Operations::for_writing(state, e).await?;
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
    create(state, e, OpBody::TakeOut(take_out), "take_out.requested").await
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
    let ops = Operations::for_writing(state, e).await?;
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
    let ops = Operations::for_writing(state, e).await?;
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
    let ops = Operations::for_writing(state, e).await?;
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
    let ops = Operations::for_writing(state, e).await?;
    let items = ops
        .ledger()
        .into_iter()
        .filter(|row| row.item.status == LedgerStatus::InService)
        .map(|row| (row.record.id, row.item.name, row.item.location))
        .collect();
    let inventory = Inventory::schedule(scheduled_on, items)?;
    create(
        state,
        e,
        OpBody::Inventory(inventory),
        "inventory.scheduled",
    )
    .await
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
    let ops = Operations::for_writing(state, e).await?;
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
    let ops = Operations::for_writing(state, e).await?;
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
    Operations::for_writing(state, e).await?;
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
        let sealed = Operations {
            records: state.store.op_records(&other.id).await?,
        }
        .sealed();
        if sealed {
            return Err(AppError::conflict(
                "影響を受ける医療機関のうち、契約が終了し記録が封印されているものがあります。その医療機関を外して起票してください",
                "one of the institutions concerned has a sealed, ended engagement: leave it out",
            ));
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

/// A certificate or receipt as evidence: a PDF, PNG or JPEG whose bytes are what its name says,
/// within the attachment limit. Anything else is refused before anything is stored.
fn evidence_file(state: &AppState, upload: &Upload) -> Result<(String, &'static str), AppError> {
    let filename = attachment_name(state, &upload.filename)?;
    let lower = filename.to_lowercase();
    let (expected, media_type): (&[u8], &'static str) = if lower.ends_with(".pdf") {
        (b"%PDF-", "application/pdf")
    } else if lower.ends_with(".png") {
        (b"\x89PNG\r\n\x1a\n", "image/png")
    } else if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        (b"\xff\xd8\xff", "image/jpeg")
    } else {
        return Err(AppError::bad(
            format!("証明書 {filename} は PDF・PNG・JPEG のいずれかにしてください"),
            format!("the certificate {filename} must be a PDF, PNG or JPEG"),
        ));
    };
    if !upload.bytes.starts_with(expected) {
        return Err(AppError::bad(
            format!(
                "{filename} の中身は名前の形式 ({media_type}) ではありません。元のファイルを添付してください"
            ),
            format!("{filename} is not the {media_type} its name says"),
        ));
    }
    if upload.bytes.len() > state.config.limits.attachment_bytes {
        return Err(AppError::TooLarge {
            limit: state.config.limits.attachment_bytes,
        });
    }
    Ok((filename, media_type))
}

/// Checks an evidence file, adds the change that stores it as an attachment of the engagement
/// (to `changes`, so it lands in the same transaction as the record that cites it), and returns
/// what the record keeps of it.
fn evidence<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    upload: &Upload,
    now: Time,
    changes: &mut Vec<(Change, Event)>,
) -> Result<Evidence, AppError> {
    let (filename, media_type) = evidence_file(state, upload)?;
    let attachment = sansho_store::records::Attachment {
        id: sansho_store::AttachmentId::new(secret::id()),
        engagement: e.engagement.id.clone(),
        filename: filename.clone(),
        media_type: media_type.to_owned(),
        sha256: sansho_store::records::sha256_hex(&upload.bytes),
        size: upload.bytes.len() as u64,
        uploaded_by: e.auth.user.id.clone(),
        at: now,
    };
    let kept = Evidence {
        attachment: attachment.id.clone(),
        filename,
        sha256: attachment.sha256.clone(),
        size: attachment.size,
    };
    let ev = e.event(
        "attachment.added",
        serde_json::json!({"attachment": attachment.id, "filename": attachment.filename, "sha256": attachment.sha256, "size": attachment.size}),
    );
    changes.push((
        Change::AddAttachment {
            attachment,
            bytes: upload.bytes.clone(),
        },
        ev,
    ));
    Ok(kept)
}

/// What a disposal form says.
pub struct DisposalInput {
    pub item: Option<OpId>,
    pub information: String,
    pub procedure: String,
    pub method: String,
    pub performed_by: String,
    pub performed_on: String,
    pub disposer: String,
    pub residual_check: String,
    pub certificate: Option<Upload>,
}

/// Records a disposal: the certificate (if any) stored, the disposal recorded and the ledger
/// item marked disposed, in one transaction.
pub async fn record_disposal<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    input: DisposalInput,
) -> Result<OpId, AppError> {
    let ops = Operations::for_writing(state, e).await?;
    let item = match &input.item {
        Some(id) => {
            let record = current(&ops, id, None)?;
            let OpBody::LedgerItem(it) = &record.body else {
                return Err(AppError::bad(
                    "破棄する機器・媒体を台帳から選んでください",
                    "choose the item from the ledger",
                ));
            };
            Some((record, it))
        }
        None => None,
    };
    let procedure = check_text(
        state,
        "適用した破棄の手順",
        "the procedure",
        &input.procedure,
        false,
    )?;
    let method = check_text(state, "破棄の方法", "the method", &input.method, false)?;
    let performed_by = check_text(state, "実施者", "who did it", &input.performed_by, false)?;
    let disposer = check_text(state, "委託先", "the disposer", &input.disposer, false)?;
    let residual = check_text(
        state,
        "残存データの確認",
        "the residual check",
        &input.residual_check,
        false,
    )?;
    let information = check_text(
        state,
        "破棄した情報",
        "the information",
        &input.information,
        false,
    )?;
    let information: Vec<String> = information
        .split(['、', ',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let now = Time::now();
    let mut changes = Vec::new();
    let certificate = match &input.certificate {
        Some(upload) => Some(evidence(state, e, upload, now, &mut changes)?),
        None => None,
    };
    let disposal = Disposal::record(
        item.map(|(r, it)| (&r.id, it, ops.has_open_take_out(&r.id))),
        NewDisposal {
            information,
            procedure: &procedure,
            method: &method,
            performed_by: &performed_by,
            performed_on: &input.performed_on,
            disposer: Some(disposer.as_str()),
            residual_check: &residual,
            certificate,
        },
        &e.auth.user.id,
        &now.date_in_japan(),
    )?;
    let record = OpRecord::new(
        OpId::new(secret::id()),
        e.engagement.id.clone(),
        &e.auth.user.id,
        now,
        OpBody::Disposal(disposal),
    );
    let id = record.id.clone();
    changes.push(put(event(e, "disposal.recorded", &record), record));
    if let Some((item_record, it)) = item {
        let mut disposed = it.clone();
        disposed.status = LedgerStatus::Disposed;
        let next = item_record.next(&e.auth.user.id, now, OpBody::LedgerItem(disposed));
        changes.push(put(event(e, "ledger.item_disposed", &next), next));
    }
    state.record_all(changes).await?;
    Ok(id)
}

/// The institution acknowledges a report: a disclosure of an incident, a disposal, or a
/// periodic report (with a comment).
pub async fn acknowledge<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    comment: &str,
) -> Result<(), AppError> {
    let comment = check_text(state, "コメント", "the comment", comment, false)?;
    let by = e.auth.user.id.clone();
    let role = e.auth.user.role;
    let ops = Operations::for_writing(state, e).await?;
    let action = match &current(&ops, id, None)?.body {
        OpBody::Disposal(_) => "disposal.acknowledged",
        OpBody::Report(_) => "report.acknowledged",
        _ => "incident.acknowledged",
    };
    advance(state, e, id, revision, action, |r, now| match &r.body {
        OpBody::Incident(i) => Ok(OpBody::Incident(i.acknowledge(&by, now)?)),
        OpBody::Disposal(d) => Ok(OpBody::Disposal(d.acknowledge(&by, role, now)?)),
        OpBody::Report(x) => Ok(OpBody::Report(x.acknowledge(&by, now, &comment)?)),
        _ => Err(AppError::bad(
            "この記録には確認する報告がありません",
            "this record has nothing to acknowledge",
        )),
    })
    .await?;
    Ok(())
}

/// What a lending form says.
pub struct LendingInput {
    pub item: OpId,
    pub patient_ref: String,
    pub risks_explained: String,
    pub care_explained: String,
    pub contact: String,
    pub consent_on: String,
    pub consent_form: String,
    pub lent_on: String,
    pub due_on: String,
}

/// Lends a device to a patient, with the explanation given and the consent.
pub async fn lend<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    input: LendingInput,
) -> Result<OpId, AppError> {
    if input.item.as_str().is_empty() {
        return Err(AppError::bad(
            "貸し出す機器を台帳から選んでください",
            "choose the device from the ledger",
        ));
    }
    let ops = Operations::for_writing(state, e).await?;
    let item_record = current(&ops, &input.item, None)?;
    let OpBody::LedgerItem(item) = &item_record.body else {
        return Err(AppError::bad(
            "貸し出す機器を台帳から選んでください",
            "choose the device from the ledger",
        ));
    };
    let text = |ja: &str, en: &str, v: &str| check_text(state, ja, en, v, false);
    let patient_ref = text(
        "患者の識別番号",
        "the patient reference",
        &input.patient_ref,
    )?;
    let risks = text(
        "説明したリスク",
        "the risks explained",
        &input.risks_explained,
    )?;
    let care = text("留意事項", "what to take care of", &input.care_explained)?;
    let contact = text("問い合わせ先", "the contact", &input.contact)?;
    let consent_form = text("同意の方法", "how consent was given", &input.consent_form)?;
    let lending = Lending::lend(
        &item_record.id,
        item,
        ops.has_open_take_out(&item_record.id),
        NewLending {
            patient_ref: &patient_ref,
            risks_explained: &risks,
            care_explained: &care,
            contact: &contact,
            consent_on: &input.consent_on,
            consent_form: &consent_form,
            lent_on: &input.lent_on,
            due_on: &input.due_on,
        },
        &e.auth.user.id,
    )?;
    create(state, e, OpBody::Lending(lending), "lending.lent").await
}

/// A lent device came back.
pub async fn give_back<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    returned_on: &str,
    note: &str,
) -> Result<(), AppError> {
    let note = check_text(state, "返却時の確認", "the note", note, false)?;
    advance(
        state,
        e,
        id,
        revision,
        "lending.returned",
        |r, _| match &r.body {
            OpBody::Lending(l) => Ok(OpBody::Lending(l.give_back(returned_on, &note)?)),
            _ => Err(AppError::bad(
                "この記録は貸出しではありません",
                "this record is not a lending",
            )),
        },
    )
    .await?;
    Ok(())
}

/// Schedules a periodic report.
pub async fn schedule_report<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    kind: ReportKind,
    from: &str,
    to: &str,
    due_on: &str,
) -> Result<OpId, AppError> {
    Operations::for_writing(state, e).await?;
    let report = PeriodicReport::schedule(kind, from, to, due_on)?;
    create(state, e, OpBody::Report(report), "report.scheduled").await
}

/// Whether `time` falls on a day of `from..=to` in Japan.
fn within(time: Time, from: &str, to: &str) -> bool {
    let day = time.date_in_japan();
    day.as_str() >= from && day.as_str() <= to
}

/// What the records of `from..=to` say, in sentences for the report (Japanese: the report is
/// the institution's document).
pub fn facts_of(ops: &Operations, from: &str, to: &str) -> Vec<String> {
    let take_outs: Vec<&TakeOut> = take_outs_in(ops, from, to)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let count = |s: TakeOutState| take_outs.iter().filter(|t| t.state == s).count();
    let inventories: Vec<&Inventory> = ops
        .inventories()
        .filter(|(_, i)| {
            i.counted_on
                .as_deref()
                .is_some_and(|d| d >= from && d <= to)
        })
        .map(|(_, i)| i)
        .collect();
    let discrepancies: usize = inventories.iter().map(|i| i.discrepancies().count()).sum();
    let disposals: Vec<&Disposal> = ops
        .disposals()
        .filter(|(_, d)| d.performed_on.as_str() >= from && d.performed_on.as_str() <= to)
        .map(|(_, d)| d)
        .collect();
    let outsourced = disposals.iter().filter(|d| d.disposer.is_some()).count();
    let lendings = ops
        .lendings()
        .filter(|(_, l)| l.lent_on.as_str() >= from && l.lent_on.as_str() <= to)
        .count();
    let incidents: Vec<&Incident> = ops
        .incidents()
        .filter(|(r, _)| within(r.created_at, from, to))
        .map(|(_, i)| i)
        .collect();
    let open_incidents = ops
        .incidents()
        .filter(|(_, i)| i.state == IncidentState::Open)
        .count();
    let drills = ops
        .drills()
        .filter(|(_, d)| d.held_on.as_str() >= from && d.held_on.as_str() <= to)
        .count();
    vec![
        format!(
            "持出し: {} 件 (返却 {} 件、紛失 {} 件、持出し中 {} 件、承認待ち {} 件、却下 {} 件)",
            take_outs.len(),
            count(TakeOutState::Returned),
            count(TakeOutState::Lost),
            count(TakeOutState::Out),
            count(TakeOutState::Requested),
            count(TakeOutState::Refused)
        ),
        format!("棚卸: {} 回 (差異 {} 件)", inventories.len(), discrepancies),
        if outsourced > 0 {
            // A disposal by a disposer is only recorded with its certificate.
            format!(
                "破棄: {} 件 (うち委託 {} 件、いずれも委託先の破棄証明書を添付)",
                disposals.len(),
                outsourced
            )
        } else {
            format!("破棄: {} 件", disposals.len())
        },
        format!("患者への機器の貸出し: {lendings} 件"),
        format!("事業継続計画の訓練: {drills} 回"),
        format!(
            "インシデント: 期間中の起票 {} 件、報告時点で対応中 {} 件",
            incidents.len(),
            open_incidents
        ),
    ]
}

/// Delivers a report: the facts of its period assembled now, with the provider's text.
pub async fn deliver_report<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    body: &str,
) -> Result<(), AppError> {
    let body = check_text(state, "報告の本文", "the report's text", body, false)?;
    let by = e.auth.user.id.clone();
    let ops = Operations::for_writing(state, e).await?;
    let status = review::status(state, &e.engagement).await?;
    let latest = review::latest_share(state, &e.engagement).await?;
    let version = match &latest {
        Some(s) => state.store.version(&s.version).await?.map(|v| v.number),
        None => None,
    };
    let mut extra = vec![format!(
        "リスクアセスメントと合意: {}{}",
        status.label_ja(),
        version.map_or_else(String::new, |n| format!(" (共有中の版 {n})"))
    )];
    let today = Time::now().date_in_japan();
    for line in attention_from_model(state, &e.engagement, &ops, &today).await? {
        extra.push(line.0);
    }
    advance(
        state,
        e,
        id,
        revision,
        "report.delivered",
        |r, now| match &r.body {
            OpBody::Report(report) => {
                let mut facts = facts_of(&ops, &report.period_from, &report.period_to);
                facts.extend(extra);
                Ok(OpBody::Report(
                    report.deliver(&by, now, &today, facts, &body)?,
                ))
            }
            _ => Err(AppError::bad(
                "この記録は定期報告ではありません",
                "this record is not a periodic report",
            )),
        },
    )
    .await?;
    Ok(())
}

/// What the model of the shared version says needs attention by `today`: certifications that
/// expired or expire within 90 days, continuity drills older than a year or never held. Each
/// as (Japanese, English).
pub async fn attention_from_model(
    state: &AppState,
    engagement: &Engagement,
    recorded: &Operations,
    today: &str,
) -> Result<Vec<(String, String)>, AppError> {
    let Some(facts) = model_facts(state, engagement).await? else {
        return Ok(Vec::new());
    };
    let Ok(today_date) = today.parse::<jiff::civil::Date>() else {
        return Ok(Vec::new());
    };
    let soon = today_date
        .checked_add(jiff::Span::new().days(90))
        .unwrap_or(today_date);
    let mut out = Vec::new();
    for c in &facts.certifications {
        let Ok(date) = c.valid_until.parse::<jiff::civil::Date>() else {
            continue;
        };
        let until = &c.valid_until;
        if date < today_date {
            out.push((
                format!(
                    "認証の有効期限切れ: {} の{} ({until} まで)",
                    c.organization, c.label.ja
                ),
                format!(
                    "certification expired: {} {} (until {until})",
                    c.organization, c.label.en
                ),
            ));
        } else if date <= soon {
            out.push((
                format!(
                    "認証の有効期限が近い: {} の{} ({until} まで)",
                    c.organization, c.label.ja
                ),
                format!(
                    "certification expires soon: {} {} (until {until})",
                    c.organization, c.label.en
                ),
            ));
        }
    }
    for plan in &facts.drills {
        let name = &plan.plan;
        let last = last_drill(plan, recorded);
        match last.as_deref() {
            Some(last) => {
                if let Some(due) = sansho_core::judge::overdue_on(last, 12, today_date) {
                    out.push((
                        format!(
                            "事業継続計画の訓練が期限 ({due}) を過ぎています: {name}… (前回 {last})"
                        ),
                        format!("continuity drill overdue since {due}: {name}… (last {last})"),
                    ));
                }
            }
            None => out.push((
                format!("事業継続計画の訓練の記録がありません: {name}…"),
                format!("no continuity drill recorded: {name}…"),
            )),
        }
    }
    Ok(out)
}

/// The last drill of a plan: the later of what the model states and what is recorded here.
pub fn last_drill(plan: &DrillPlan, ops: &Operations) -> Option<String> {
    let key: &str = plan.scenario.into();
    ops.drills()
        .filter(|(_, d)| d.scenario == key)
        .map(|(_, d)| d.held_on.clone())
        .chain(plan.last_drill.clone())
        .max()
}

/// What a drill form says.
pub struct DrillInput {
    pub scenario: String,
    pub held_on: String,
    pub participants: String,
    pub result: String,
    pub improvements: String,
}

/// Records a continuity drill of one of the shared model's plans.
pub async fn record_drill<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    input: DrillInput,
) -> Result<OpId, AppError> {
    let facts = model_facts(state, &e.engagement).await?;
    let Some(plan) = facts.as_deref().and_then(|f| {
        f.drills.iter().find(|p| {
            let key: &str = p.scenario.into();
            key == input.scenario
        })
    }) else {
        return Err(AppError::bad(
            "訓練した事業継続計画を、共有中の版のモデルの計画から選んでください",
            "choose the continuity plan drilled from the shared version's model",
        ));
    };
    Operations::for_writing(state, e).await?;
    let text = |ja: &str, en: &str, v: &str, required| check_text(state, ja, en, v, required);
    let participants = text("参加者", "who took part", &input.participants, true)?;
    let result = text("結果", "the result", &input.result, true)?;
    let improvements = text("改善点", "what to improve", &input.improvements, false)?;
    let drill = Drill::record(
        NewDrill {
            scenario: &input.scenario,
            plan: &plan.plan,
            held_on: &input.held_on,
            participants: &participants,
            result: &result,
            improvements: &improvements,
        },
        &Time::now().date_in_japan(),
    )?;
    create(state, e, OpBody::Drill(drill), "drill.recorded").await
}

/// What the engagement's records establish for the next assessment (`sansho assess --facts`):
/// the last count of each ledger item that is a model asset, the last drill of each plan, and
/// the incidents with the risks they materialised.
pub async fn facts_export<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
) -> Result<sansho_core::facts::OperationalFacts, AppError> {
    use sansho_core::facts::{DrillFact, IncidentFact, InventoryFact, OperationalFacts};
    use std::collections::BTreeMap;
    let ops = Operations::of(state, e).await?;
    let assets: BTreeMap<&OpId, &str> = ops
        .records
        .iter()
        .filter_map(|r| match &r.body {
            OpBody::LedgerItem(item) => Some((&r.id, item.asset.as_deref()?)),
            _ => None,
        })
        .collect();
    // The last count of each asset, and whether that count found a discrepancy.
    let mut counted: BTreeMap<&str, (&str, bool)> = BTreeMap::new();
    for (_, inventory) in ops.inventories() {
        let Some(day) = inventory.counted_on.as_deref().filter(|_| inventory.closed) else {
            continue;
        };
        for line in &inventory.lines {
            let (Some(asset), Some(found)) = (assets.get(&line.item), line.found) else {
                continue;
            };
            let entry = counted.entry(asset).or_insert((day, !found));
            if day > entry.0 {
                *entry = (day, !found);
            }
        }
    }
    let mut drills: BTreeMap<&str, &str> = BTreeMap::new();
    for (_, drill) in ops.drills() {
        let entry = drills.entry(&drill.scenario).or_insert(&drill.held_on);
        if drill.held_on.as_str() > *entry {
            *entry = &drill.held_on;
        }
    }
    let harm = |h: Harm| match h {
        Harm::Confidentiality => sansho_core::vocab::Cia::Confidentiality,
        Harm::Integrity => sansho_core::vocab::Cia::Integrity,
        Harm::Availability => sansho_core::vocab::Cia::Availability,
    };
    Ok(OperationalFacts {
        format: sansho_core::facts::FORMAT,
        source: format!("{} · {}", e.system.name, e.institution_name()),
        as_of: Time::now().date_in_japan(),
        inventories: counted
            .into_iter()
            .map(|(asset, (day, discrepancy))| InventoryFact {
                asset: asset.to_owned(),
                counted_on: day.to_owned(),
                discrepancy,
            })
            .collect(),
        drills: drills
            .into_iter()
            .filter_map(|(scenario, day)| {
                Some(DrillFact {
                    scenario: <sansho_core::vocab::ContinuityScenario as sansho_core::vocab::Vocabulary>::parse(scenario)?,
                    held_on: day.to_owned(),
                })
            })
            .collect(),
        incidents: ops
            .incidents()
            .map(|(r, i)| IncidentFact {
                id: r.id.to_string(),
                title: i.title.clone(),
                detected_on: i.detected_at.date_in_japan(),
                harms: i.harm.iter().map(|h| harm(*h)).collect(),
                risks: i.risks.clone(),
                closed: i.state == IncidentState::Closed,
            })
            .collect(),
    })
}

/// One thing that needs doing, for the operations page.
pub struct Attention {
    pub ja: String,
    pub en: String,
    /// The record it concerns, if one.
    pub record: Option<OpId>,
}

/// What the records say is due or waiting at `today`: reports past their due day, take-outs
/// and lendings past their return day, inventories past their day and not counted, disposals
/// and disclosures awaiting the institution, measures awaiting its verdict.
pub fn attention(ops: &Operations, today: &str) -> Vec<Attention> {
    let mut out = Vec::new();
    let mut add = |ja: String, en: String, record: &OpRecord| {
        out.push(Attention {
            ja,
            en,
            record: Some(record.id.clone()),
        })
    };
    for r in &ops.records {
        match &r.body {
            OpBody::Report(x) if x.is_overdue(today) => add(
                format!(
                    "{}の提出期限 ({}) を過ぎています",
                    x.kind.label_ja(),
                    x.due_on
                ),
                format!("the {} was due on {}", x.kind.label_en(), x.due_on),
                r,
            ),
            OpBody::Report(x) if x.delivered_at.is_some() && x.acknowledged_at.is_none() => add(
                format!(
                    "{} ({}〜{}) の医療機関の確認待ち",
                    x.kind.label_ja(),
                    x.period_from,
                    x.period_to
                ),
                format!(
                    "the {} awaits the institution's acknowledgement",
                    x.kind.label_en()
                ),
                r,
            ),
            OpBody::TakeOut(t) if t.state == TakeOutState::Out && t.due_on.as_str() < today => add(
                format!(
                    "「{}」の返却予定日 ({}) を過ぎています",
                    t.item_name, t.due_on
                ),
                format!("{} was due back on {}", t.item_name, t.due_on),
                r,
            ),
            OpBody::TakeOut(t) if t.state == TakeOutState::Requested => add(
                format!("「{}」の持出し申請が承認待ちです", t.item_name),
                format!("the take-out of {} awaits approval", t.item_name),
                r,
            ),
            OpBody::Lending(l)
                if l.state == LendingState::Lent
                    && l.due_on.as_deref().is_some_and(|d| d < today) =>
            {
                add(
                    format!(
                        "患者 {} に貸し出した「{}」の返却予定日を過ぎています",
                        l.patient_ref, l.item_name
                    ),
                    format!("{} lent to {} is overdue", l.item_name, l.patient_ref),
                    r,
                )
            }
            OpBody::Inventory(i) if !i.closed && i.scheduled_on.as_str() < today => add(
                format!("{} 予定の棚卸が未実施です", i.scheduled_on),
                format!("the inventory of {} is not counted", i.scheduled_on),
                r,
            ),
            OpBody::Disposal(d) if d.acknowledged_at.is_none() => add(
                format!("破棄 ({}) の報告が企画管理者の確認待ちです", d.performed_on),
                format!("the disposal of {} awaits acknowledgement", d.performed_on),
                r,
            ),
            OpBody::Incident(i) if i.state == IncidentState::Open => {
                let waiting = if i.disclosures.is_empty() {
                    ("医療機関への開示が未了", "not disclosed yet")
                } else if i
                    .disclosures
                    .last()
                    .is_some_and(|d| d.acknowledged_at.is_none())
                {
                    ("開示の確認待ち", "disclosure awaits acknowledgement")
                } else if i.prevention.last().is_some_and(|p| p.verdict.is_none()) {
                    ("再発防止策の判断待ち", "measures await the verdict")
                } else {
                    ("対応中", "open")
                };
                add(
                    format!("インシデント「{}」: {}", i.title, waiting.0),
                    format!("incident {}: {}", i.title, waiting.1),
                    r,
                )
            }
            _ => {}
        }
    }
    out
}

/// Starts the contract end: the checklist from the model's termination flows (what each does
/// to which information: returned, transferred or destroyed) and every ledger item still in
/// service. One per engagement.
pub async fn start_contract_end<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
) -> Result<OpId, AppError> {
    let ops = Operations::for_writing(state, e).await?;
    if let Some((r, _)) = ops.contract_end() {
        return Err(AppError::conflict(
            format!("契約終了の手続きはすでに始まっています ({})", r.id),
            "the contract end has started already",
        ));
    }
    let mut lines: Vec<(String, Option<String>, Disposition)> =
        match model_facts(state, &e.engagement).await? {
            Some(facts) => facts
                .termination
                .iter()
                .map(|(subject, flow, disposition)| {
                    (subject.clone(), Some(flow.clone()), *disposition)
                })
                .collect(),
            None => Vec::new(),
        };
    for row in ops.ledger() {
        if row.item.status == LedgerStatus::InService {
            lines.push((
                format!("台帳: {}", row.item.name),
                None,
                Disposition::Destroy,
            ));
        }
    }
    let end = ContractEnd::start(lines)?;
    create(state, e, OpBody::ContractEnd(end), "contract_end.started").await
}

/// One line of the checklist done, with its evidence (stored in the same transaction).
#[allow(clippy::too_many_arguments)]
pub async fn complete_line<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
    index: usize,
    disposition: Disposition,
    done_on: &str,
    note: &str,
    evidence: Option<Upload>,
) -> Result<(), AppError> {
    let note = check_text(state, "備考", "the note", note, false)?;
    let ops = Operations::for_writing(state, e).await?;
    let record = current(&ops, id, Some(revision))?;
    let OpBody::ContractEnd(end) = &record.body else {
        return Err(AppError::bad(
            "この記録は契約終了ではありません",
            "this record is not a contract end",
        ));
    };
    let now = Time::now();
    let mut changes = Vec::new();
    let evidence = match &evidence {
        Some(upload) => Some(self::evidence(state, e, upload, now, &mut changes)?),
        None => None,
    };
    let next_end = end.complete(
        index,
        disposition,
        done_on,
        &note,
        evidence,
        &now.date_in_japan(),
    )?;
    let next = record.next(&e.auth.user.id, now, OpBody::ContractEnd(next_end));
    changes.push(put(event(e, "contract_end.line_done", &next), next));
    state.record_all(changes).await?;
    Ok(())
}

/// The institution's planning manager confirms the checklist.
pub async fn confirm_contract_end<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
) -> Result<(), AppError> {
    let by = e.auth.user.id.clone();
    let role = e.auth.user.role;
    advance(
        state,
        e,
        id,
        revision,
        "contract_end.confirmed",
        |r, now| match &r.body {
            OpBody::ContractEnd(c) => Ok(OpBody::ContractEnd(c.confirm(&by, role, now)?)),
            _ => Err(AppError::bad(
                "この記録は契約終了ではありません",
                "this record is not a contract end",
            )),
        },
    )
    .await?;
    Ok(())
}

/// The provider seals the engagement: the last operational step, signed as the chain head.
pub async fn seal_contract_end<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    id: &OpId,
    revision: u32,
) -> Result<(), AppError> {
    let by = e.auth.user.id.clone();
    advance(
        state,
        e,
        id,
        revision,
        "contract_end.sealed",
        |r, now| match &r.body {
            OpBody::ContractEnd(c) => Ok(OpBody::ContractEnd(c.seal(&by, now)?)),
            _ => Err(AppError::bad(
                "この記録は契約終了ではありません",
                "this record is not a contract end",
            )),
        },
    )
    .await?;
    state.checkpoint_head().await?;
    Ok(())
}
