//! The records of the operation phase (運用): what the provider runs under the rules the
//! institution agreed to, kept as evidence (MGL 6.0 システム運用編 ch.7; PGL 5.1.6; DOMAIN.md §8,
//! §10).
//!
//! - a **ledger** of media and devices (台帳), seeded from the published model and extended by
//!   hand, each item with its custodian, place, information held and encryption;
//! - **inventories** (棚卸): a count sheet made from the ledger, counted, closed; an item not
//!   found is a discrepancy;
//! - **take-outs** (持出し): requested, approved or refused by the right person, taken out,
//!   returned — or lost, which opens an incident;
//! - **incidents** (危機管理対応), as far as a loss opens them.
//!
//! Each is one [`OpRecord`], rewritten whole at each step with its revision counted up, so the
//! audit entry of every step remembers the digest of the record as that step left it. The steps
//! are pure functions here ([`TakeOut::decide`], [`Inventory::count`] …): they check the state,
//! the person and the dates, and either return the next state or a [`Refusal`] in Japanese and
//! English that changes nothing.

use serde::{Deserialize, Serialize};

use crate::ids::{EngagementId, OpId, UserId};
use crate::records::Role;
use crate::time::Time;

/// Why a step is refused: a sentence for the person who tried, in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub ja: String,
    pub en: String,
}

fn refuse(ja: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal {
        ja: ja.into(),
        en: en.into(),
    }
}

/// A calendar day `YYYY-MM-DD`, checked.
pub fn parse_day(text: &str, label_ja: &str, label_en: &str) -> Result<String, Refusal> {
    let text = text.trim();
    match text.parse::<jiff::civil::Date>() {
        Ok(d) => Ok(d.to_string()),
        Err(_) => Err(refuse(
            format!("{label_ja} {text:?} は日付 (YYYY-MM-DD) ではありません"),
            format!("{label_en} {text:?} is not a date (YYYY-MM-DD)"),
        )),
    }
}

/// What kind of operational record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    LedgerItem,
    Inventory,
    TakeOut,
    Incident,
    Disposal,
    Lending,
    Report,
    ContractEnd,
    Drill,
}

impl OpKind {
    pub const ALL: [OpKind; 9] = [
        OpKind::LedgerItem,
        OpKind::Inventory,
        OpKind::TakeOut,
        OpKind::Incident,
        OpKind::Disposal,
        OpKind::Lending,
        OpKind::Report,
        OpKind::ContractEnd,
        OpKind::Drill,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::LedgerItem => "ledger_item",
            OpKind::Inventory => "inventory",
            OpKind::TakeOut => "take_out",
            OpKind::Incident => "incident",
            OpKind::Disposal => "disposal",
            OpKind::Lending => "lending",
            OpKind::Report => "report",
            OpKind::ContractEnd => "contract_end",
            OpKind::Drill => "drill",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            OpKind::LedgerItem => "台帳の機器・媒体",
            OpKind::Inventory => "棚卸",
            OpKind::TakeOut => "持出し",
            OpKind::Incident => "インシデント",
            OpKind::Disposal => "破棄",
            OpKind::Lending => "患者への貸出し",
            OpKind::Report => "定期報告",
            OpKind::ContractEnd => "契約終了",
            OpKind::Drill => "事業継続計画の訓練",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            OpKind::LedgerItem => "ledger item",
            OpKind::Inventory => "inventory",
            OpKind::TakeOut => "take-out",
            OpKind::Incident => "incident",
            OpKind::Disposal => "disposal",
            OpKind::Lending => "lending to a patient",
            OpKind::Report => "periodic report",
            OpKind::ContractEnd => "contract end",
            OpKind::Drill => "continuity drill",
        }
    }
}

/// One operational record of an engagement, as its last step left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpRecord {
    pub id: OpId,
    pub engagement: EngagementId,
    /// 1 when created, one more at each step: a step made on an older revision is refused, so
    /// two people acting at once never overwrite each other.
    pub revision: u32,
    pub created_by: UserId,
    pub created_at: Time,
    pub updated_by: UserId,
    pub updated_at: Time,
    pub body: OpBody,
}

impl OpRecord {
    pub fn new(
        id: OpId,
        engagement: EngagementId,
        by: &UserId,
        at: Time,
        body: OpBody,
    ) -> OpRecord {
        OpRecord {
            id,
            engagement,
            revision: 1,
            created_by: by.clone(),
            created_at: at,
            updated_by: by.clone(),
            updated_at: at,
            body,
        }
    }

    /// The record after a step by `by` at `at` that left `body`.
    pub fn next(&self, by: &UserId, at: Time, body: OpBody) -> OpRecord {
        OpRecord {
            revision: self.revision + 1,
            updated_by: by.clone(),
            updated_at: at,
            body,
            ..self.clone()
        }
    }

    pub fn kind(&self) -> OpKind {
        match &self.body {
            OpBody::LedgerItem(_) => OpKind::LedgerItem,
            OpBody::Inventory(_) => OpKind::Inventory,
            OpBody::TakeOut(_) => OpKind::TakeOut,
            OpBody::Incident(_) => OpKind::Incident,
            OpBody::Disposal(_) => OpKind::Disposal,
            OpBody::Lending(_) => OpKind::Lending,
            OpBody::Report(_) => OpKind::Report,
            OpBody::ContractEnd(_) => OpKind::ContractEnd,
            OpBody::Drill(_) => OpKind::Drill,
        }
    }
}

/// What the record holds. The tag is `type`: no record has a field of that name (a periodic
/// report has a `kind`), and the round-trip test below keeps it so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OpBody {
    LedgerItem(LedgerItem),
    Inventory(Inventory),
    TakeOut(TakeOut),
    Incident(Incident),
    Disposal(Disposal),
    Lending(Lending),
    Report(PeriodicReport),
    ContractEnd(ContractEnd),
    Drill(Drill),
}

/// Where a ledger item stands. Whether it is out at the moment is not stored here: it follows
/// from its take-outs, so the two can never disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerStatus {
    /// 使用中・保管中.
    InService,
    /// Lost on a take-out (an incident is open or closed for it).
    Lost,
    /// Disposed of.
    Disposed,
}

impl LedgerStatus {
    pub fn label_ja(self) -> &'static str {
        match self {
            LedgerStatus::InService => "使用中",
            LedgerStatus::Lost => "紛失",
            LedgerStatus::Disposed => "破棄済み",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            LedgerStatus::InService => "in service",
            LedgerStatus::Lost => "lost",
            LedgerStatus::Disposed => "disposed",
        }
    }
}

/// A medium or device in the ledger (台帳).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerItem {
    /// The model's asset id when seeded from a published version; `None` when added by hand.
    pub asset: Option<String>,
    /// The version the item was seeded from.
    pub seeded_from: Option<String>,
    pub name: String,
    /// 種別, as the reader sees it (e.g. 可搬型ハードディスク).
    pub category: String,
    /// 設置・保管場所.
    pub location: String,
    /// 管理責任者: who answers for it.
    pub custodian: String,
    /// The information it holds, by name.
    pub information: Vec<String>,
    /// Whether any of it is medical information (from the model's classification, or as
    /// stated when added by hand).
    pub medical: bool,
    /// Encrypted at rest.
    pub encrypted: bool,
    /// The model marks it as carried outside (taken_out) or lent to patients.
    pub portable: bool,
    /// A device lent to patients (wearables, home IoT devices: 7⑧).
    #[serde(default)]
    pub for_patients: bool,
    /// A device that runs applications (PC, tablet, smartphone), for which 7⑥ asks that only
    /// those the work needs are installed.
    #[serde(default)]
    pub runs_apps: bool,
    /// The model states that only the applications needed are installed.
    #[serde(default)]
    pub minimal_apps: bool,
    pub status: LedgerStatus,
    /// The last inventory the model states (before any recorded here).
    pub model_last_inventory: Option<String>,
    pub note: String,
}

/// One line of an inventory's count sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountLine {
    pub item: OpId,
    pub name: String,
    pub location: String,
    /// `None` until counted; `Some(false)` is a discrepancy.
    pub found: Option<bool>,
    pub note: String,
}

/// An inventory (棚卸): scheduled with a count sheet of the items in service, counted, closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// The day it is due.
    pub scheduled_on: String,
    pub lines: Vec<CountLine>,
    /// The day it was counted, and by whom; set when closed.
    pub counted_on: Option<String>,
    pub counted_by: Option<UserId>,
    pub closed: bool,
}

impl Inventory {
    /// A count sheet of `items` (id, name, location), due on `scheduled_on`.
    pub fn schedule(
        scheduled_on: &str,
        items: Vec<(OpId, String, String)>,
    ) -> Result<Inventory, Refusal> {
        let scheduled_on = parse_day(scheduled_on, "棚卸の予定日", "the inventory's date")?;
        if items.is_empty() {
            return Err(refuse(
                "台帳に使用中の機器・媒体がないため、棚卸表を作れません。先に台帳を作成してください",
                "the ledger has no item in service to count: create the ledger first",
            ));
        }
        Ok(Inventory {
            scheduled_on,
            lines: items
                .into_iter()
                .map(|(item, name, location)| CountLine {
                    item,
                    name,
                    location,
                    found: None,
                    note: String::new(),
                })
                .collect(),
            counted_on: None,
            counted_by: None,
            closed: false,
        })
    }

    /// Records the count and closes the inventory. `results` holds, for every line's item,
    /// whether it was found and a note; a line not found needs a note saying what was done.
    pub fn count(
        &self,
        by: &UserId,
        counted_on: &str,
        results: &[(OpId, bool, String)],
    ) -> Result<Inventory, Refusal> {
        if self.closed {
            return Err(refuse(
                "この棚卸はすでに締められています",
                "this inventory is already closed",
            ));
        }
        let counted_on = parse_day(counted_on, "棚卸の実施日", "the counting date")?;
        if counted_on < self.scheduled_on {
            return Err(refuse(
                format!(
                    "実施日 {counted_on} が予定日 {} より前です。日付を確認してください",
                    self.scheduled_on
                ),
                format!(
                    "the counting date {counted_on} is before the scheduled date {}",
                    self.scheduled_on
                ),
            ));
        }
        let mut lines = self.lines.clone();
        for line in &mut lines {
            let Some((_, found, note)) = results.iter().find(|(id, _, _)| *id == line.item) else {
                return Err(refuse(
                    format!("「{}」の結果 (有・無) を入力してください", line.name),
                    format!("enter whether {} was found", line.name),
                ));
            };
            if !found && note.trim().is_empty() {
                return Err(refuse(
                    format!(
                        "「{}」が見つからなかった理由と対応を備考に書いてください",
                        line.name
                    ),
                    format!(
                        "say in the note why {} was not found and what was done",
                        line.name
                    ),
                ));
            }
            line.found = Some(*found);
            line.note = note.trim().to_owned();
        }
        if let Some((id, _, _)) = results
            .iter()
            .find(|(id, _, _)| !self.lines.iter().any(|l| l.item == *id))
        {
            return Err(refuse(
                format!("棚卸表にない項目 {id} の結果が送られました"),
                format!("a result for {id}, which is not on the count sheet"),
            ));
        }
        Ok(Inventory {
            lines,
            counted_on: Some(counted_on),
            counted_by: Some(by.clone()),
            closed: true,
            ..self.clone()
        })
    }

    /// The lines counted as not found.
    pub fn discrepancies(&self) -> impl Iterator<Item = &CountLine> {
        self.lines.iter().filter(|l| l.found == Some(false))
    }
}

/// Which party a person acts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Provider,
    Institution,
}

/// One condition checked when a take-out is requested, with its outcome in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub ok: bool,
    pub ja: String,
    pub en: String,
}

/// Where a take-out stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TakeOutState {
    Requested,
    Approved,
    Refused,
    Out,
    Returned,
    Lost,
}

impl TakeOutState {
    pub fn label_ja(self) -> &'static str {
        match self {
            TakeOutState::Requested => "承認待ち",
            TakeOutState::Approved => "承認済み",
            TakeOutState::Refused => "却下",
            TakeOutState::Out => "持出し中",
            TakeOutState::Returned => "返却済み",
            TakeOutState::Lost => "紛失",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            TakeOutState::Requested => "awaiting approval",
            TakeOutState::Approved => "approved",
            TakeOutState::Refused => "refused",
            TakeOutState::Out => "out",
            TakeOutState::Returned => "returned",
            TakeOutState::Lost => "lost",
        }
    }
}

/// A take-out of a ledger item (持出し).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TakeOut {
    pub item: OpId,
    pub item_name: String,
    pub purpose: String,
    pub destination: String,
    /// Planned days: out and back.
    pub out_on: String,
    pub due_on: String,
    pub requested_by: UserId,
    pub requested_side: Side,
    /// Whether the item holds medical information: then only the institution's planning
    /// manager (企画管理者) may approve.
    pub medical: bool,
    /// What was checked at the request, each with its outcome.
    pub checks: Vec<Check>,
    pub state: TakeOutState,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<Time>,
    pub decision_note: String,
    pub taken_out_at: Option<Time>,
    pub returned_at: Option<Time>,
    /// What happened when it came back, or how it was lost.
    pub return_note: String,
    /// The incident opened when it was lost.
    pub incident: Option<OpId>,
}

/// What a take-out request says.
#[derive(Clone, Debug)]
pub struct TakeOutRequest<'a> {
    pub purpose: &'a str,
    pub destination: &'a str,
    pub out_on: &'a str,
    pub due_on: &'a str,
}

impl TakeOut {
    /// Checks a request for `item` (`open` is whether another take-out of it is still open) and
    /// makes the record, or refuses it. Refused outright: an item lost or disposed of, one that
    /// is out already, medical information on an unencrypted medium, dates in the wrong order.
    pub fn request(
        item_id: &OpId,
        item: &LedgerItem,
        open: bool,
        by: &UserId,
        side: Side,
        request: &TakeOutRequest<'_>,
    ) -> Result<TakeOut, Refusal> {
        let out_on = parse_day(request.out_on, "持出し予定日", "the take-out date")?;
        let due_on = parse_day(request.due_on, "返却予定日", "the return date")?;
        if due_on < out_on {
            return Err(refuse(
                format!(
                    "返却予定日 {due_on} が持出し予定日 {out_on} より前です。日付を確認してください"
                ),
                format!("the return date {due_on} is before the take-out date {out_on}"),
            ));
        }
        if item.status != LedgerStatus::InService {
            return Err(refuse(
                format!(
                    "「{}」は台帳上「{}」のため持ち出せません",
                    item.name,
                    item.status.label_ja()
                ),
                format!(
                    "{} cannot be taken out: it is {} in the ledger",
                    item.name,
                    item.status.label_en()
                ),
            ));
        }
        if open {
            return Err(refuse(
                format!(
                    "「{}」には完了していない持出しがあります。返却を記録してから申請してください",
                    item.name
                ),
                format!(
                    "{} has a take-out still open: record its return first",
                    item.name
                ),
            ));
        }
        if item.medical && !item.encrypted {
            return Err(refuse(
                format!(
                    "「{}」は医療情報を保存していますが暗号化されていません。暗号化してから申請してください (MGL 6.0 システム運用編 7)",
                    item.name
                ),
                format!(
                    "{} holds medical information unencrypted: encrypt it before it leaves",
                    item.name
                ),
            ));
        }
        let mut checks = vec![Check {
            ok: true,
            ja: "台帳に登録されている".into(),
            en: "registered in the ledger".into(),
        }];
        checks.push(if item.medical {
            Check {
                ok: item.encrypted,
                ja: "医療情報を保存: 暗号化されている".into(),
                en: "holds medical information: encrypted".into(),
            }
        } else {
            Check {
                ok: true,
                ja: "医療情報を保存していない".into(),
                en: "holds no medical information".into(),
            }
        });
        if item.runs_apps {
            checks.push(Check {
                ok: item.minimal_apps,
                ja: if item.minimal_apps {
                    "必要最小限のアプリケーションのみ (モデルの minimal_apps)".into()
                } else {
                    "モデルに「必要最小限のアプリケーションのみ」との記載がない (承認者が確認してください。MGL 6.0 システム運用編 7⑥)".into()
                },
                en: if item.minimal_apps {
                    "only the applications needed (the model's minimal_apps)".into()
                } else {
                    "the model does not state that only the applications needed are installed (the approver checks; 7⑥)".into()
                },
            });
        }
        checks.push(Check {
            ok: item.portable,
            ja: if item.portable {
                "モデル上、持ち出す機器・媒体として登録されている".into()
            } else {
                "モデル上は持ち出す機器・媒体ではない (承認者が判断してください)".into()
            },
            en: if item.portable {
                "the model marks it as carried outside".into()
            } else {
                "the model does not mark it as carried outside (the approver decides)".into()
            },
        });
        Ok(TakeOut {
            item: item_id.clone(),
            item_name: item.name.clone(),
            purpose: request.purpose.trim().to_owned(),
            destination: request.destination.trim().to_owned(),
            out_on,
            due_on,
            requested_by: by.clone(),
            requested_side: side,
            medical: item.medical,
            checks,
            state: TakeOutState::Requested,
            decided_by: None,
            decided_at: None,
            decision_note: String::new(),
            taken_out_at: None,
            returned_at: None,
            return_note: String::new(),
            incident: None,
        })
    }

    /// Approves or refuses the request. Only an approver who is not the requester; for medical
    /// information only the institution's planning manager (企画管理者, the signatory role),
    /// otherwise also the provider's approver.
    pub fn decide(
        &self,
        by: &UserId,
        role: Role,
        approve: bool,
        note: &str,
        at: Time,
    ) -> Result<TakeOut, Refusal> {
        if self.state != TakeOutState::Requested {
            return Err(refuse(
                format!(
                    "この持出しは「{}」のため、承認・却下できません",
                    self.state.label_ja()
                ),
                format!(
                    "this take-out is {}: it cannot be approved or refused",
                    self.state.label_en()
                ),
            ));
        }
        if *by == self.requested_by {
            return Err(refuse(
                "申請者は自分の申請を承認・却下できません。別の承認者に依頼してください",
                "the requester cannot decide their own request: ask another approver",
            ));
        }
        let may = match role {
            Role::InstitutionSignatory => true,
            Role::ProviderApprover => !self.medical,
            _ => false,
        };
        if !may {
            return Err(refuse(
                if self.medical {
                    "医療情報を含む持出しは、医療機関の企画管理者 (署名権限者) だけが承認・却下できます"
                } else {
                    "持出しを承認・却下できるのは、医療機関の企画管理者または提供事業者の承認者です"
                },
                if self.medical {
                    "a take-out of medical information is decided by the institution's planning manager (signatory) only"
                } else {
                    "a take-out is decided by the institution's planning manager or the provider's approver"
                },
            ));
        }
        if !approve && note.trim().is_empty() {
            return Err(refuse(
                "却下する理由を書いてください",
                "say why the request is refused",
            ));
        }
        Ok(TakeOut {
            state: if approve {
                TakeOutState::Approved
            } else {
                TakeOutState::Refused
            },
            decided_by: Some(by.clone()),
            decided_at: Some(at),
            decision_note: note.trim().to_owned(),
            ..self.clone()
        })
    }

    /// Records that the approved item left.
    pub fn take_out(&self, at: Time) -> Result<TakeOut, Refusal> {
        if self.state != TakeOutState::Approved {
            return Err(refuse(
                format!(
                    "この持出しは「{}」です。承認された持出しだけを持出し中にできます",
                    self.state.label_ja()
                ),
                format!(
                    "this take-out is {}: only an approved one can be taken out",
                    self.state.label_en()
                ),
            ));
        }
        Ok(TakeOut {
            state: TakeOutState::Out,
            taken_out_at: Some(at),
            ..self.clone()
        })
    }

    /// Records the return, or the loss (the caller opens the incident and passes its id).
    pub fn come_back(
        &self,
        returned: bool,
        note: &str,
        at: Time,
        incident: Option<OpId>,
    ) -> Result<TakeOut, Refusal> {
        if self.state != TakeOutState::Out {
            return Err(refuse(
                format!(
                    "この持出しは「{}」で、持ち出されていません。返却・紛失は持出し中のものだけ記録できます",
                    self.state.label_ja()
                ),
                format!(
                    "this take-out is {}, not out: only an item that is out can be returned or lost",
                    self.state.label_en()
                ),
            ));
        }
        if !returned && note.trim().is_empty() {
            return Err(refuse(
                "紛失の状況 (いつ・どこで・何が) を書いてください",
                "describe the loss: when, where, what",
            ));
        }
        Ok(TakeOut {
            state: if returned {
                TakeOutState::Returned
            } else {
                TakeOutState::Lost
            },
            returned_at: Some(at),
            return_note: note.trim().to_owned(),
            incident,
            ..self.clone()
        })
    }

    /// Whether it still holds the item (requested, approved or out).
    pub fn is_open(&self) -> bool {
        matches!(
            self.state,
            TakeOutState::Requested | TakeOutState::Approved | TakeOutState::Out
        )
    }
}

/// Which of confidentiality, integrity and availability was harmed or threatened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Harm {
    Confidentiality,
    Integrity,
    Availability,
}

impl Harm {
    pub const ALL: [Harm; 3] = [Harm::Confidentiality, Harm::Integrity, Harm::Availability];

    pub fn as_str(self) -> &'static str {
        match self {
            Harm::Confidentiality => "confidentiality",
            Harm::Integrity => "integrity",
            Harm::Availability => "availability",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.as_str() == text)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Harm::Confidentiality => "機密性",
            Harm::Integrity => "完全性",
            Harm::Availability => "可用性",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Harm::Confidentiality => "confidentiality",
            Harm::Integrity => "integrity",
            Harm::Availability => "availability",
        }
    }
}

/// What an entry of an incident's timeline records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// 封じ込め: the damage stopped from spreading.
    Containment,
    /// 復旧: service or data restored.
    Recovery,
    /// 調査・その他: findings and everything else.
    Note,
}

impl StepKind {
    pub const ALL: [StepKind; 3] = [StepKind::Containment, StepKind::Recovery, StepKind::Note];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Containment => "containment",
            StepKind::Recovery => "recovery",
            StepKind::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            StepKind::Containment => "封じ込め",
            StepKind::Recovery => "復旧",
            StepKind::Note => "調査・記録",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            StepKind::Containment => "containment",
            StepKind::Recovery => "recovery",
            StepKind::Note => "investigation",
        }
    }
}

/// One entry of the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentStep {
    pub at: Time,
    pub by: UserId,
    pub kind: StepKind,
    pub text: String,
}

/// What the provider told the institution, and the institution's acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    pub at: Time,
    pub by: UserId,
    pub text: String,
    pub acknowledged_at: Option<Time>,
    pub acknowledged_by: Option<UserId>,
}

/// The institution's verdict on the recurrence-prevention measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreventionVerdict {
    /// 合意: agreed (the planning manager).
    Agree,
    /// 要協議: questioned; the provider revises.
    Discuss,
}

impl PreventionVerdict {
    pub fn label_ja(self) -> &'static str {
        match self {
            PreventionVerdict::Agree => "合意",
            PreventionVerdict::Discuss => "要協議",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PreventionVerdict::Agree => "agreed",
            PreventionVerdict::Discuss => "to be discussed",
        }
    }
}

/// Recurrence-prevention measures as proposed, and the institution's verdict on this proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prevention {
    pub cause: String,
    pub measures: String,
    pub proposed_at: Time,
    pub proposed_by: UserId,
    pub verdict: Option<PreventionVerdict>,
    pub comment: String,
    pub judged_at: Option<Time>,
    pub judged_by: Option<UserId>,
}

/// Where an incident stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    Open,
    Closed,
}

/// An incident (危機管理対応) as one institution sees it: what happened and when it was
/// detected, what is at stake, what it concerns, the timeline of containment and recovery, what
/// the provider disclosed and when the institution acknowledged it, the cause and the
/// recurrence-prevention measures with the institution's verdict, and the closure. An incident
/// that concerns several institutions is one record in each engagement under one `case`, so
/// each institution sees its own disclosure and gives its own verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// The provider's case reference, shared by the records of every institution concerned.
    pub case: String,
    pub title: String,
    pub what_happened: String,
    pub detected_at: Time,
    pub harm: Vec<Harm>,
    /// Ledger items concerned.
    pub items: Vec<OpId>,
    /// The take-out it came from, if any.
    pub take_out: Option<OpId>,
    /// The model's risk ids it materialises, where it maps: evidence to revisit their
    /// likelihood in the next assessment.
    pub risks: Vec<String>,
    pub timeline: Vec<IncidentStep>,
    pub disclosures: Vec<Disclosure>,
    /// Every proposal in order; the last one is the current one.
    pub prevention: Vec<Prevention>,
    pub state: IncidentState,
    pub closed_at: Option<Time>,
    pub closed_by: Option<UserId>,
}

/// What opening an incident says.
#[derive(Clone, Debug)]
pub struct NewIncident<'a> {
    pub case: &'a str,
    pub title: &'a str,
    pub what_happened: &'a str,
    pub detected_at: Time,
    pub harm: Vec<Harm>,
    pub risks: Vec<String>,
}

impl Incident {
    /// Opens an incident (the provider, on what it detected).
    pub fn open(input: NewIncident<'_>, now: Time) -> Result<Incident, Refusal> {
        if input.title.trim().is_empty() {
            return Err(refuse("件名を入力してください", "the title is required"));
        }
        if input.what_happened.trim().is_empty() {
            return Err(refuse(
                "何が起きたかを入力してください",
                "say what happened",
            ));
        }
        if input.harm.is_empty() {
            return Err(refuse(
                "損なわれた・脅かされた性質 (機密性・完全性・可用性) を一つ以上選んでください",
                "choose at least one of confidentiality, integrity, availability",
            ));
        }
        if input.detected_at > now {
            return Err(refuse(
                "検知日時が未来になっています。日時を確認してください",
                "the detection time is in the future",
            ));
        }
        let mut harm = input.harm;
        harm.sort();
        harm.dedup();
        Ok(Incident {
            case: input.case.trim().to_owned(),
            title: input.title.trim().to_owned(),
            what_happened: input.what_happened.trim().to_owned(),
            detected_at: input.detected_at,
            harm,
            items: Vec::new(),
            take_out: None,
            risks: input.risks,
            timeline: Vec::new(),
            disclosures: Vec::new(),
            prevention: Vec::new(),
            state: IncidentState::Open,
            closed_at: None,
            closed_by: None,
        })
    }

    /// The incident a lost take-out opens: confidentiality threatened when the item holds
    /// information, availability of the item itself harmed.
    pub fn of_loss(take_out_id: &OpId, t: &TakeOut, note: &str, at: Time) -> Incident {
        let mut harm = vec![Harm::Availability];
        if t.medical {
            harm.insert(0, Harm::Confidentiality);
        }
        Incident {
            case: format!("LOSS-{}", at.date_in_japan()),
            title: format!("持出し中の紛失: {}", t.item_name),
            what_happened: note.trim().to_owned(),
            detected_at: at,
            harm,
            items: vec![t.item.clone()],
            take_out: Some(take_out_id.clone()),
            risks: Vec::new(),
            timeline: Vec::new(),
            disclosures: Vec::new(),
            prevention: Vec::new(),
            state: IncidentState::Open,
            closed_at: None,
            closed_by: None,
        }
    }

    fn still_open(&self) -> Result<(), Refusal> {
        if self.state == IncidentState::Closed {
            return Err(refuse(
                "このインシデントは終結しています",
                "this incident is closed",
            ));
        }
        Ok(())
    }

    /// Adds an entry to the timeline (containment, recovery, investigation).
    pub fn add_step(
        &self,
        by: &UserId,
        at: Time,
        kind: StepKind,
        text: &str,
    ) -> Result<Incident, Refusal> {
        self.still_open()?;
        if text.trim().is_empty() {
            return Err(refuse("対応の内容を入力してください", "say what was done"));
        }
        let mut next = self.clone();
        next.timeline.push(IncidentStep {
            at,
            by: by.clone(),
            kind,
            text: text.trim().to_owned(),
        });
        Ok(next)
    }

    /// The provider discloses the facts to the institution.
    pub fn disclose(&self, by: &UserId, at: Time, text: &str) -> Result<Incident, Refusal> {
        self.still_open()?;
        if text.trim().is_empty() {
            return Err(refuse(
                "医療機関に伝えた内容を入力してください",
                "say what was disclosed",
            ));
        }
        let mut next = self.clone();
        next.disclosures.push(Disclosure {
            at,
            by: by.clone(),
            text: text.trim().to_owned(),
            acknowledged_at: None,
            acknowledged_by: None,
        });
        Ok(next)
    }

    /// The institution acknowledges the latest disclosure.
    pub fn acknowledge(&self, by: &UserId, at: Time) -> Result<Incident, Refusal> {
        let mut next = self.clone();
        match next.disclosures.last_mut() {
            Some(d) if d.acknowledged_at.is_none() => {
                d.acknowledged_at = Some(at);
                d.acknowledged_by = Some(by.clone());
                Ok(next)
            }
            Some(_) => Err(refuse(
                "最新の開示はすでに確認済みです",
                "the latest disclosure is already acknowledged",
            )),
            None => Err(refuse(
                "まだ開示されていないため、確認できません",
                "nothing has been disclosed yet",
            )),
        }
    }

    /// The provider states the cause and proposes recurrence-prevention measures; a proposal
    /// replaces the previous one, whose verdict stays in the record.
    pub fn propose(
        &self,
        by: &UserId,
        at: Time,
        cause: &str,
        measures: &str,
    ) -> Result<Incident, Refusal> {
        self.still_open()?;
        if cause.trim().is_empty() || measures.trim().is_empty() {
            return Err(refuse(
                "原因と再発防止策の両方を入力してください",
                "state both the cause and the measures",
            ));
        }
        if self.disclosures.is_empty() {
            return Err(refuse(
                "再発防止策の前に、医療機関へ事実を開示してください",
                "disclose the facts to the institution before proposing measures",
            ));
        }
        let mut next = self.clone();
        next.prevention.push(Prevention {
            cause: cause.trim().to_owned(),
            measures: measures.trim().to_owned(),
            proposed_at: at,
            proposed_by: by.clone(),
            verdict: None,
            comment: String::new(),
            judged_at: None,
            judged_by: None,
        });
        Ok(next)
    }

    /// The institution's verdict on the current proposal: agreed by the planning manager
    /// (the signatory role) only; questioned by a reviewer or the planning manager, with a
    /// comment saying what to change.
    pub fn judge(
        &self,
        by: &UserId,
        role: Role,
        verdict: PreventionVerdict,
        comment: &str,
        at: Time,
    ) -> Result<Incident, Refusal> {
        self.still_open()?;
        let mut next = self.clone();
        let Some(current) = next.prevention.last_mut() else {
            return Err(refuse(
                "まだ再発防止策が提案されていません",
                "no measures have been proposed yet",
            ));
        };
        if current.verdict.is_some() {
            return Err(refuse(
                "この提案にはすでに判断があります。事業者の新しい提案を待ってください",
                "this proposal has its verdict: wait for a new proposal",
            ));
        }
        match verdict {
            PreventionVerdict::Agree if role != Role::InstitutionSignatory => {
                return Err(refuse(
                    "再発防止策に合意できるのは医療機関の企画管理者 (署名権限者) です",
                    "the measures are agreed by the institution's planning manager (signatory)",
                ));
            }
            PreventionVerdict::Discuss if comment.trim().is_empty() => {
                return Err(refuse(
                    "要協議とする理由 (どこを見直してほしいか) を書いてください",
                    "say what should be reconsidered",
                ));
            }
            _ => {}
        }
        if !role.is_institution() {
            return Err(refuse(
                "再発防止策を判断するのは医療機関です",
                "the institution judges the measures",
            ));
        }
        current.verdict = Some(verdict);
        current.comment = comment.trim().to_owned();
        current.judged_at = Some(at);
        current.judged_by = Some(by.clone());
        Ok(next)
    }

    /// Closes the incident: only once the facts were disclosed and acknowledged and the
    /// institution agreed to the measures.
    pub fn close(&self, by: &UserId, at: Time) -> Result<Incident, Refusal> {
        self.still_open()?;
        let acknowledged = self
            .disclosures
            .last()
            .and_then(|d| d.acknowledged_at)
            .is_some();
        if !acknowledged {
            return Err(refuse(
                "医療機関が開示を確認するまで終結できません",
                "the institution has not acknowledged the disclosure",
            ));
        }
        if self.prevention.last().and_then(|p| p.verdict) != Some(PreventionVerdict::Agree) {
            return Err(refuse(
                "再発防止策に医療機関が合意するまで終結できません",
                "the institution has not agreed to the measures",
            ));
        }
        Ok(Incident {
            state: IncidentState::Closed,
            closed_at: Some(at),
            closed_by: Some(by.clone()),
            ..self.clone()
        })
    }
}

/// A file kept as evidence (a disposal certificate, a receipt): its bytes are a blob of the
/// engagement's attachments, addressed by SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub attachment: crate::ids::AttachmentId,
    pub filename: String,
    pub sha256: String,
    pub size: u64,
}

/// A disposal (破棄) of a ledger item, of information, or both: the procedure applied, who did
/// it and how, the residual-data check for equipment, the certificate of an outsourced
/// disposer, and the report to the institution's planning manager (its acknowledgement).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disposal {
    pub item: Option<OpId>,
    pub item_name: String,
    pub information: Vec<String>,
    /// The procedure applied (the model's conditions and method, or as written).
    pub procedure: String,
    pub method: String,
    pub performed_by: String,
    pub performed_on: String,
    /// The disposer when outsourced (委託先).
    pub disposer: Option<String>,
    /// How it was checked that no data remains on the equipment.
    pub residual_check: String,
    pub certificate: Option<Evidence>,
    pub recorded_by: UserId,
    pub acknowledged_at: Option<Time>,
    pub acknowledged_by: Option<UserId>,
}

/// What a disposal record says.
#[derive(Clone, Debug)]
pub struct NewDisposal<'a> {
    pub information: Vec<String>,
    pub procedure: &'a str,
    pub method: &'a str,
    pub performed_by: &'a str,
    pub performed_on: &'a str,
    pub disposer: Option<&'a str>,
    pub residual_check: &'a str,
    pub certificate: Option<Evidence>,
}

impl Disposal {
    /// Records a disposal of `item` (with its open state) or of information only. Refused: an
    /// item lost, disposed of or out; no procedure or method; a day in the future; equipment
    /// without a residual-data check; an outsourced disposal without its certificate.
    pub fn record(
        item: Option<(&OpId, &LedgerItem, bool)>,
        input: NewDisposal<'_>,
        by: &UserId,
        today: &str,
    ) -> Result<Disposal, Refusal> {
        let performed_on = parse_day(input.performed_on, "破棄の実施日", "the disposal date")?;
        if performed_on.as_str() > today {
            return Err(refuse(
                format!("実施日 {performed_on} が未来になっています。実施後に記録してください"),
                format!("the disposal date {performed_on} is in the future: record it once done"),
            ));
        }
        if item.is_none() && input.information.is_empty() {
            return Err(refuse(
                "破棄した機器・媒体 (台帳から) か、破棄した情報を指定してください",
                "name the item disposed of or the information",
            ));
        }
        for (text, ja, en) in [
            (
                input.procedure,
                "適用した破棄の手順",
                "the procedure applied",
            ),
            (input.method, "破棄の方法", "the method"),
            (input.performed_by, "実施者", "who did it"),
        ] {
            if text.trim().is_empty() {
                return Err(refuse(
                    format!("{ja}を入力してください"),
                    format!("{en} is required"),
                ));
            }
        }
        if let Some((_, it, open)) = item {
            if it.status != LedgerStatus::InService {
                return Err(refuse(
                    format!(
                        "「{}」は台帳上「{}」のため破棄を記録できません",
                        it.name,
                        it.status.label_ja()
                    ),
                    format!("{} is {} in the ledger", it.name, it.status.label_en()),
                ));
            }
            if open {
                return Err(refuse(
                    format!(
                        "「{}」は持出し中または貸出し中です。戻ってから破棄してください",
                        it.name
                    ),
                    format!("{} is out: record its return first", it.name),
                ));
            }
            if input.residual_check.trim().is_empty() {
                return Err(refuse(
                    "機器・媒体の破棄では、情報が残っていないことをどう確認したか (残存データの確認) を書いてください (MGL 6.0 システム運用編 7⑩)",
                    "say how it was checked that no data remains on the equipment",
                ));
            }
        }
        let disposer = input
            .disposer
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned);
        if disposer.is_some() && input.certificate.is_none() {
            return Err(refuse(
                "委託先による破棄には、委託先の破棄証明書 (PDF または画像) を添付してください (MGL 6.0 システム運用編 7⑪)",
                "an outsourced disposal needs the disposer's certificate (PDF or image)",
            ));
        }
        let (item_id, item_name, mut information) = match item {
            Some((id, it, _)) => (Some(id.clone()), it.name.clone(), it.information.clone()),
            None => (None, String::new(), Vec::new()),
        };
        for i in input.information {
            if !information.contains(&i) {
                information.push(i);
            }
        }
        Ok(Disposal {
            item: item_id,
            item_name,
            information,
            procedure: input.procedure.trim().to_owned(),
            method: input.method.trim().to_owned(),
            performed_by: input.performed_by.trim().to_owned(),
            performed_on,
            disposer,
            residual_check: input.residual_check.trim().to_owned(),
            certificate: input.certificate,
            recorded_by: by.clone(),
            acknowledged_at: None,
            acknowledged_by: None,
        })
    }

    /// The institution's planning manager acknowledges the report of the disposal.
    pub fn acknowledge(&self, by: &UserId, role: Role, at: Time) -> Result<Disposal, Refusal> {
        if self.acknowledged_at.is_some() {
            return Err(refuse(
                "この破棄の報告はすでに確認済みです",
                "this disposal report is already acknowledged",
            ));
        }
        if role != Role::InstitutionSignatory {
            return Err(refuse(
                "破棄の報告を受けるのは医療機関の企画管理者 (署名権限者) です",
                "the disposal is reported to the institution's planning manager (signatory)",
            ));
        }
        Ok(Disposal {
            acknowledged_at: Some(at),
            acknowledged_by: Some(by.clone()),
            ..self.clone()
        })
    }
}

/// Where a lending stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LendingState {
    Lent,
    Returned,
}

/// A device lent to a patient (7⑧): what the patient was told (the risks, what to take care
/// of, whom to call when something is wrong), the consent, and the return. The patient is
/// named by the institution's own reference, never by name: the record holds no more personal
/// information than it needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lending {
    pub item: OpId,
    pub item_name: String,
    pub patient_ref: String,
    pub risks_explained: String,
    pub care_explained: String,
    pub contact: String,
    pub consent_on: String,
    pub consent_form: String,
    pub lent_on: String,
    pub due_on: Option<String>,
    pub lent_by: UserId,
    pub state: LendingState,
    pub returned_on: Option<String>,
    pub return_note: String,
}

/// What a lending record says.
#[derive(Clone, Debug)]
pub struct NewLending<'a> {
    pub patient_ref: &'a str,
    pub risks_explained: &'a str,
    pub care_explained: &'a str,
    pub contact: &'a str,
    pub consent_on: &'a str,
    pub consent_form: &'a str,
    pub lent_on: &'a str,
    pub due_on: &'a str,
}

impl Lending {
    /// Lends `item` (with its open state) to a patient: only a device registered for patients,
    /// in service and not out, after the explanation and with the consent given on or before
    /// the day it is lent.
    pub fn lend(
        item_id: &OpId,
        item: &LedgerItem,
        open: bool,
        input: NewLending<'_>,
        by: &UserId,
    ) -> Result<Lending, Refusal> {
        if !item.for_patients {
            return Err(refuse(
                format!(
                    "「{}」は患者に貸し出す機器として台帳に登録されていません",
                    item.name
                ),
                format!(
                    "{} is not registered as a device lent to patients",
                    item.name
                ),
            ));
        }
        if item.status != LedgerStatus::InService || open {
            return Err(refuse(
                format!("「{}」は使用中でないか、貸出し・持出し中です", item.name),
                format!("{} is not available", item.name),
            ));
        }
        for (text, ja, en) in [
            (
                input.patient_ref,
                "患者の識別番号 (氏名ではなく医療機関の患者 ID)",
                "the patient reference",
            ),
            (
                input.risks_explained,
                "説明した情報セキュリティ上のリスク",
                "the risks explained",
            ),
            (
                input.care_explained,
                "患者が留意すべきこと",
                "what the patient must take care of",
            ),
            (
                input.contact,
                "異常時の問い合わせ先",
                "the contact for faults",
            ),
            (
                input.consent_form,
                "同意の方法 (例: 同意書に署名)",
                "how consent was given",
            ),
        ] {
            if text.trim().is_empty() {
                return Err(refuse(
                    format!("{ja}を入力してください"),
                    format!("{en} is required"),
                ));
            }
        }
        let consent_on = parse_day(input.consent_on, "同意日", "the consent date")?;
        let lent_on = parse_day(input.lent_on, "貸出日", "the lending date")?;
        if consent_on > lent_on {
            return Err(refuse(
                format!(
                    "同意日 {consent_on} が貸出日 {lent_on} より後です。同意を得てから貸し出してください (MGL 6.0 システム運用編 7⑧)"
                ),
                format!("consent ({consent_on}) must come before lending ({lent_on})"),
            ));
        }
        let due_on = if input.due_on.trim().is_empty() {
            None
        } else {
            let due = parse_day(input.due_on, "返却予定日", "the return date")?;
            if due < lent_on {
                return Err(refuse(
                    format!("返却予定日 {due} が貸出日 {lent_on} より前です"),
                    format!("the return date {due} is before the lending date {lent_on}"),
                ));
            }
            Some(due)
        };
        Ok(Lending {
            item: item_id.clone(),
            item_name: item.name.clone(),
            patient_ref: input.patient_ref.trim().to_owned(),
            risks_explained: input.risks_explained.trim().to_owned(),
            care_explained: input.care_explained.trim().to_owned(),
            contact: input.contact.trim().to_owned(),
            consent_on,
            consent_form: input.consent_form.trim().to_owned(),
            lent_on,
            due_on,
            lent_by: by.clone(),
            state: LendingState::Lent,
            returned_on: None,
            return_note: String::new(),
        })
    }

    /// Records the device's return.
    pub fn give_back(&self, returned_on: &str, note: &str) -> Result<Lending, Refusal> {
        if self.state != LendingState::Lent {
            return Err(refuse(
                "この機器はすでに返却されています",
                "this device is already back",
            ));
        }
        let returned_on = parse_day(returned_on, "返却日", "the return date")?;
        if returned_on < self.lent_on {
            return Err(refuse(
                format!("返却日 {returned_on} が貸出日 {} より前です", self.lent_on),
                format!(
                    "the return date {returned_on} is before the lending date {}",
                    self.lent_on
                ),
            ));
        }
        Ok(Lending {
            state: LendingState::Returned,
            returned_on: Some(returned_on),
            return_note: note.trim().to_owned(),
            ..self.clone()
        })
    }
}

/// What a periodic report is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// 運用状況報告: how the system was run in the period.
    Operation,
    /// 自己点検結果報告: the provider's self-inspection.
    SelfInspection,
    /// 委託先の監督状況報告: how the provider supervised its subcontractors.
    Supervision,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [
        ReportKind::Operation,
        ReportKind::SelfInspection,
        ReportKind::Supervision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Operation => "operation",
            ReportKind::SelfInspection => "self_inspection",
            ReportKind::Supervision => "supervision",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            ReportKind::Operation => "運用状況報告",
            ReportKind::SelfInspection => "自己点検結果報告",
            ReportKind::Supervision => "委託先の監督状況報告",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ReportKind::Operation => "operation report",
            ReportKind::SelfInspection => "self-inspection report",
            ReportKind::Supervision => "supervision report",
        }
    }
}

/// A continuity drill (事業継続計画の訓練; MGL 経営管理編 3.4.1③ asks for periodic drills and
/// improvement): which plan, when, who took part, how it went, what is to be improved. The next
/// assessment reads the day it was held (the facts export).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drill {
    /// The model's continuity scenario (`outage`, `demand_surge`, `recovery_inconsistency`).
    pub scenario: String,
    /// The plan as the model names it.
    pub plan: String,
    pub held_on: String,
    pub participants: String,
    pub result: String,
    /// What the drill showed is to be improved (may be empty).
    pub improvements: String,
}

/// What recording a drill says.
#[derive(Clone, Debug)]
pub struct NewDrill<'a> {
    pub scenario: &'a str,
    pub plan: &'a str,
    pub held_on: &'a str,
    pub participants: &'a str,
    pub result: &'a str,
    pub improvements: &'a str,
}

impl Drill {
    /// A drill held on a day not after `today`, with who took part and how it went.
    pub fn record(input: NewDrill<'_>, today: &str) -> Result<Drill, Refusal> {
        let held_on = parse_day(input.held_on, "訓練の実施日", "the drill's date")?;
        if held_on.as_str() > today {
            return Err(refuse(
                format!("実施日 {held_on} が未来になっています。訓練の後に記録してください"),
                format!("the drill date {held_on} is in the future: record it once held"),
            ));
        }
        for (text, ja, en) in [
            (input.participants, "参加者", "who took part"),
            (input.result, "結果", "the result"),
        ] {
            if text.trim().is_empty() {
                return Err(refuse(
                    format!("{ja}を書いてください"),
                    format!("state {en}"),
                ));
            }
        }
        Ok(Drill {
            scenario: input.scenario.to_owned(),
            plan: input.plan.to_owned(),
            held_on,
            participants: input.participants.trim().to_owned(),
            result: input.result.trim().to_owned(),
            improvements: input.improvements.trim().to_owned(),
        })
    }
}

/// A periodic report to the institution: scheduled for a period with a due day, assembled from
/// the records and written by the provider, delivered, acknowledged by the institution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodicReport {
    pub kind: ReportKind,
    pub period_from: String,
    pub period_to: String,
    pub due_on: String,
    /// What the records of the period say, as assembled when it was delivered.
    pub facts: Vec<String>,
    /// The provider's own text.
    pub body: String,
    pub delivered_at: Option<Time>,
    pub delivered_by: Option<UserId>,
    pub acknowledged_at: Option<Time>,
    pub acknowledged_by: Option<UserId>,
    pub comment: String,
}

impl PeriodicReport {
    /// Schedules a report for `from..=to`, due on `due_on` (not before the period ends).
    pub fn schedule(
        kind: ReportKind,
        from: &str,
        to: &str,
        due_on: &str,
    ) -> Result<PeriodicReport, Refusal> {
        let from = parse_day(from, "対象期間の初日", "the first day")?;
        let to = parse_day(to, "対象期間の末日", "the last day")?;
        let due_on = parse_day(due_on, "提出期限", "the due date")?;
        if to < from {
            return Err(refuse(
                format!("対象期間の末日 {to} が初日 {from} より前です"),
                format!("the last day {to} is before the first day {from}"),
            ));
        }
        if due_on < to {
            return Err(refuse(
                format!("提出期限 {due_on} が対象期間の末日 {to} より前です"),
                format!("the due date {due_on} is before the period ends ({to})"),
            ));
        }
        Ok(PeriodicReport {
            kind,
            period_from: from,
            period_to: to,
            due_on,
            facts: Vec::new(),
            body: String::new(),
            delivered_at: None,
            delivered_by: None,
            acknowledged_at: None,
            acknowledged_by: None,
            comment: String::new(),
        })
    }

    /// Delivers the report with the facts assembled now and the provider's text. Not before
    /// the period has ended (`today`), and only once.
    pub fn deliver(
        &self,
        by: &UserId,
        at: Time,
        today: &str,
        facts: Vec<String>,
        body: &str,
    ) -> Result<PeriodicReport, Refusal> {
        if self.delivered_at.is_some() {
            return Err(refuse(
                "この報告はすでに提出されています",
                "this report is delivered already",
            ));
        }
        if today < self.period_to.as_str() {
            return Err(refuse(
                format!(
                    "対象期間 ({} まで) が終わってから提出してください",
                    self.period_to
                ),
                format!("deliver it once the period has ended ({})", self.period_to),
            ));
        }
        if body.trim().is_empty() {
            return Err(refuse(
                "報告の本文 (所見・課題・今後の対応) を書いてください",
                "write the report's text",
            ));
        }
        Ok(PeriodicReport {
            facts,
            body: body.trim().to_owned(),
            delivered_at: Some(at),
            delivered_by: Some(by.clone()),
            ..self.clone()
        })
    }

    /// The institution acknowledges the delivered report.
    pub fn acknowledge(
        &self,
        by: &UserId,
        at: Time,
        comment: &str,
    ) -> Result<PeriodicReport, Refusal> {
        if self.delivered_at.is_none() {
            return Err(refuse(
                "まだ提出されていない報告は確認できません",
                "the report is not delivered yet",
            ));
        }
        if self.acknowledged_at.is_some() {
            return Err(refuse(
                "この報告はすでに確認済みです",
                "this report is already acknowledged",
            ));
        }
        Ok(PeriodicReport {
            acknowledged_at: Some(at),
            acknowledged_by: Some(by.clone()),
            comment: comment.trim().to_owned(),
            ..self.clone()
        })
    }

    /// Due and not delivered by `today`.
    pub fn is_overdue(&self, today: &str) -> bool {
        self.delivered_at.is_none() && self.due_on.as_str() < today
    }
}

/// What happens to a data set or device at contract end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// 返却: back to the institution.
    Return,
    /// 移行: to the next provider.
    Transfer,
    /// 消去・破棄: destroyed.
    Destroy,
}

impl Disposition {
    pub const ALL: [Disposition; 3] = [
        Disposition::Return,
        Disposition::Transfer,
        Disposition::Destroy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Return => "return",
            Disposition::Transfer => "transfer",
            Disposition::Destroy => "destroy",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Disposition::Return => "返却",
            Disposition::Transfer => "移行 (次の事業者へ)",
            Disposition::Destroy => "消去・破棄",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Disposition::Return => "return",
            Disposition::Transfer => "transfer",
            Disposition::Destroy => "destroy",
        }
    }

    /// The evidence it needs, in words.
    pub fn evidence_ja(self) -> &'static str {
        match self {
            Disposition::Return => "受領書",
            Disposition::Transfer => "移行先の受領書",
            Disposition::Destroy => "消去証明書",
        }
    }
}

/// One line of the contract-end checklist: a data set or device, what happens to it, when it
/// was done and the evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureLine {
    pub subject: String,
    /// The model's termination flow it comes from, if any.
    pub flow: Option<String>,
    pub disposition: Disposition,
    pub done_on: Option<String>,
    pub note: String,
    pub evidence: Option<Evidence>,
}

/// The end of the contract (契約終了): the agreed procedure as a checklist, each line done with
/// its evidence, confirmed by the institution's planning manager, then the engagement sealed:
/// no operational record changes after that.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractEnd {
    pub lines: Vec<ClosureLine>,
    pub confirmed_at: Option<Time>,
    pub confirmed_by: Option<UserId>,
    pub sealed_at: Option<Time>,
    pub sealed_by: Option<UserId>,
}

impl ContractEnd {
    /// The checklist, from `(subject, flow, disposition)` lines.
    pub fn start(
        lines: Vec<(String, Option<String>, Disposition)>,
    ) -> Result<ContractEnd, Refusal> {
        if lines.is_empty() {
            return Err(refuse(
                "契約終了時の手順がモデルにも台帳にもありません。モデルに契約終了の情報流 (phase: termination) を記述してください",
                "neither the model (termination flows) nor the ledger gives anything to return or destroy",
            ));
        }
        Ok(ContractEnd {
            lines: lines
                .into_iter()
                .map(|(subject, flow, disposition)| ClosureLine {
                    subject,
                    flow,
                    disposition,
                    done_on: None,
                    note: String::new(),
                    evidence: None,
                })
                .collect(),
            confirmed_at: None,
            confirmed_by: None,
            sealed_at: None,
            sealed_by: None,
        })
    }

    /// Records line `index` as done on `done_on` with its evidence (or the evidence it has).
    pub fn complete(
        &self,
        index: usize,
        disposition: Disposition,
        done_on: &str,
        note: &str,
        evidence: Option<Evidence>,
        today: &str,
    ) -> Result<ContractEnd, Refusal> {
        if self.confirmed_at.is_some() {
            return Err(refuse(
                "医療機関が確認した後は変更できません",
                "the institution has confirmed: nothing changes now",
            ));
        }
        let Some(line) = self.lines.get(index) else {
            return Err(refuse(
                "その項目はチェックリストにありません",
                "no such line",
            ));
        };
        let done_on = parse_day(done_on, "実施日", "the date")?;
        if done_on.as_str() > today {
            return Err(refuse(
                format!("実施日 {done_on} が未来になっています"),
                format!("the date {done_on} is in the future"),
            ));
        }
        let Some(evidence) = evidence.or_else(|| line.evidence.clone()) else {
            return Err(refuse(
                format!(
                    "「{}」の{}を添付してください",
                    line.subject,
                    disposition.evidence_ja()
                ),
                format!("attach the evidence for {}", line.subject),
            ));
        };
        let mut next = self.clone();
        next.lines[index] = ClosureLine {
            disposition,
            done_on: Some(done_on),
            note: note.trim().to_owned(),
            evidence: Some(evidence),
            ..line.clone()
        };
        Ok(next)
    }

    /// The institution's planning manager confirms that every line is done.
    pub fn confirm(&self, by: &UserId, role: Role, at: Time) -> Result<ContractEnd, Refusal> {
        if role != Role::InstitutionSignatory {
            return Err(refuse(
                "契約終了の確認は医療機関の企画管理者 (署名権限者) が行います",
                "the institution's planning manager (signatory) confirms",
            ));
        }
        if self.confirmed_at.is_some() {
            return Err(refuse("すでに確認済みです", "already confirmed"));
        }
        if let Some(line) = self.lines.iter().find(|l| l.done_on.is_none()) {
            return Err(refuse(
                format!("「{}」がまだ完了していません", line.subject),
                format!("{} is not done yet", line.subject),
            ));
        }
        Ok(ContractEnd {
            confirmed_at: Some(at),
            confirmed_by: Some(by.clone()),
            ..self.clone()
        })
    }

    /// The provider seals the engagement once the institution has confirmed.
    pub fn seal(&self, by: &UserId, at: Time) -> Result<ContractEnd, Refusal> {
        if self.confirmed_at.is_none() {
            return Err(refuse(
                "医療機関の確認の後に封印できます",
                "seal once the institution has confirmed",
            ));
        }
        if self.sealed_at.is_some() {
            return Err(refuse("すでに封印されています", "already sealed"));
        }
        Ok(ContractEnd {
            sealed_at: Some(at),
            sealed_by: Some(by.clone()),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(medical: bool, encrypted: bool) -> LedgerItem {
        LedgerItem {
            asset: Some("migration-hdd".into()),
            seeded_from: None,
            name: "移行用暗号化HDD".into(),
            category: "可搬型ハードディスク".into(),
            location: "本社".into(),
            custodian: "運用担当".into(),
            information: vec!["移行データ".into()],
            medical,
            encrypted,
            portable: true,
            runs_apps: false,
            minimal_apps: false,
            for_patients: false,
            status: LedgerStatus::InService,
            model_last_inventory: None,
            note: String::new(),
        }
    }

    fn request<'a>(out_on: &'a str, due_on: &'a str) -> TakeOutRequest<'a> {
        TakeOutRequest {
            purpose: "データ移行",
            destination: "医療機関",
            out_on,
            due_on,
        }
    }

    fn requested(medical: bool) -> TakeOut {
        TakeOut::request(
            &OpId::new("hdd"),
            &item(medical, true),
            false,
            &UserId::new("editor"),
            Side::Provider,
            &request("2026-12-01", "2026-12-03"),
        )
        .unwrap()
    }

    #[test]
    fn a_take_out_goes_requested_approved_out_returned() {
        let t = requested(true);
        assert_eq!(t.state, TakeOutState::Requested);
        assert!(t.checks.iter().all(|c| c.ok));
        let now = Time::now();
        let t = t
            .decide(
                &UserId::new("manager"),
                Role::InstitutionSignatory,
                true,
                "",
                now,
            )
            .unwrap();
        let t = t.take_out(now).unwrap();
        assert!(t.is_open());
        let t = t.come_back(true, "異常なし", now, None).unwrap();
        assert_eq!(t.state, TakeOutState::Returned);
        assert!(!t.is_open());
    }

    #[test]
    fn a_pc_taken_out_is_checked_for_minimal_applications() {
        let by = UserId::new("editor");
        let mut pc = item(true, true);
        pc.runs_apps = true;
        let check = |pc: &LedgerItem| {
            let t = TakeOut::request(
                &OpId::new("pc"),
                pc,
                false,
                &by,
                Side::Provider,
                &request("2026-12-01", "2026-12-02"),
            )
            .unwrap();
            t.checks
                .into_iter()
                .find(|c| c.ja.contains("アプリケーション"))
                .expect("a device that runs applications gets the 7⑥ check")
        };
        let unstated = check(&pc);
        assert!(!unstated.ok && unstated.ja.contains("承認者が確認"));
        pc.minimal_apps = true;
        assert!(check(&pc).ok);
        // A disk runs no applications: no such check.
        let disk = requested(true);
        assert!(
            disk.checks
                .iter()
                .all(|c| !c.ja.contains("アプリケーション"))
        );
    }

    #[test]
    fn medical_information_needs_the_planning_manager_and_never_the_requester() {
        let t = requested(true);
        let now = Time::now();
        let by_provider = t.decide(
            &UserId::new("approver"),
            Role::ProviderApprover,
            true,
            "",
            now,
        );
        assert!(by_provider.unwrap_err().ja.contains("企画管理者"));
        let reviewer = t.decide(
            &UserId::new("reviewer"),
            Role::InstitutionReviewer,
            true,
            "",
            now,
        );
        assert!(reviewer.is_err());
        let own = t.decide(
            &UserId::new("editor"),
            Role::InstitutionSignatory,
            true,
            "",
            now,
        );
        assert!(own.unwrap_err().ja.contains("申請者"));
        // Without medical information the provider's approver may decide.
        let plain = requested(false);
        assert!(
            plain
                .decide(
                    &UserId::new("approver"),
                    Role::ProviderApprover,
                    true,
                    "",
                    now
                )
                .is_ok()
        );
        // A refusal says why.
        assert!(
            t.decide(
                &UserId::new("manager"),
                Role::InstitutionSignatory,
                false,
                " ",
                now
            )
            .is_err()
        );
    }

    #[test]
    fn requests_in_the_wrong_order_or_of_unfit_items_are_refused() {
        let by = UserId::new("editor");
        let id = OpId::new("hdd");
        let wrong_dates = TakeOut::request(
            &id,
            &item(true, true),
            false,
            &by,
            Side::Provider,
            &request("2026-12-03", "2026-12-01"),
        );
        assert!(wrong_dates.unwrap_err().ja.contains("返却予定日"));
        let not_a_date = TakeOut::request(
            &id,
            &item(true, true),
            false,
            &by,
            Side::Provider,
            &request("12/03", "2026-12-01"),
        );
        assert!(not_a_date.unwrap_err().ja.contains("日付"));
        let unencrypted = TakeOut::request(
            &id,
            &item(true, false),
            false,
            &by,
            Side::Provider,
            &request("2026-12-01", "2026-12-01"),
        );
        assert!(unencrypted.unwrap_err().ja.contains("暗号化"));
        let busy = TakeOut::request(
            &id,
            &item(false, false),
            true,
            &by,
            Side::Provider,
            &request("2026-12-01", "2026-12-01"),
        );
        assert!(busy.unwrap_err().ja.contains("完了していない"));
        let mut lost = item(false, true);
        lost.status = LedgerStatus::Lost;
        assert!(
            TakeOut::request(
                &id,
                &lost,
                false,
                &by,
                Side::Provider,
                &request("2026-12-01", "2026-12-01")
            )
            .is_err()
        );
    }

    #[test]
    fn only_what_is_out_comes_back_and_a_loss_says_what_happened() {
        let t = requested(true);
        let now = Time::now();
        let never_out = t.come_back(true, "", now, None);
        assert!(never_out.unwrap_err().ja.contains("持ち出されていません"));
        let out = t
            .decide(
                &UserId::new("manager"),
                Role::InstitutionSignatory,
                true,
                "",
                now,
            )
            .unwrap()
            .take_out(now)
            .unwrap();
        assert!(out.come_back(false, "", now, None).is_err());
        let incident = Incident::of_loss(&OpId::new("t1"), &out, "電車内で紛失", now);
        assert_eq!(
            incident.harm,
            vec![Harm::Confidentiality, Harm::Availability]
        );
        let lost = out
            .come_back(false, "電車内で紛失", now, Some(OpId::new("i1")))
            .unwrap();
        assert_eq!(lost.state, TakeOutState::Lost);
        assert!(lost.take_out(now).is_err());
    }

    #[test]
    fn an_incident_closes_only_when_disclosed_acknowledged_and_its_measures_agreed() {
        let now = Time::now();
        let provider = UserId::new("editor");
        let manager = UserId::new("manager");
        let open = |harm: Vec<Harm>, at: Time| {
            Incident::open(
                NewIncident {
                    case: "INC-1",
                    title: "バックアップ媒体の誤送付",
                    what_happened: "配送業者が別拠点へ配送",
                    detected_at: at,
                    harm,
                    risks: Vec::new(),
                },
                now,
            )
        };
        assert!(open(Vec::new(), now).unwrap_err().ja.contains("機密性"));
        assert!(open(vec![Harm::Confidentiality], now.plus_seconds(3600)).is_err());
        let i = open(
            vec![
                Harm::Availability,
                Harm::Confidentiality,
                Harm::Availability,
            ],
            now,
        )
        .unwrap();
        assert_eq!(i.harm, vec![Harm::Confidentiality, Harm::Availability]);
        assert!(
            i.acknowledge(&manager, now)
                .unwrap_err()
                .ja
                .contains("開示")
        );
        assert!(
            i.propose(&provider, now, "原因", "対策")
                .unwrap_err()
                .ja
                .contains("開示")
        );
        let i = i
            .add_step(&provider, now, StepKind::Containment, "回収を手配")
            .unwrap()
            .disclose(&provider, now, "事実の第一報")
            .unwrap();
        assert!(i.close(&provider, now).unwrap_err().ja.contains("確認"));
        let i = i.acknowledge(&manager, now).unwrap();
        assert!(i.acknowledge(&manager, now).is_err());
        let i = i
            .propose(&provider, now, "宛先確認の不足", "二名での宛先確認")
            .unwrap();
        assert!(i.close(&provider, now).unwrap_err().ja.contains("合意"));
        let reviewer = UserId::new("reviewer");
        assert!(
            i.judge(
                &reviewer,
                Role::InstitutionReviewer,
                PreventionVerdict::Agree,
                "",
                now
            )
            .unwrap_err()
            .ja
            .contains("企画管理者")
        );
        assert!(
            i.judge(
                &provider,
                Role::ProviderApprover,
                PreventionVerdict::Discuss,
                "x",
                now
            )
            .is_err()
        );
        assert!(
            i.judge(
                &reviewer,
                Role::InstitutionReviewer,
                PreventionVerdict::Discuss,
                " ",
                now
            )
            .is_err()
        );
        let questioned = i
            .judge(
                &reviewer,
                Role::InstitutionReviewer,
                PreventionVerdict::Discuss,
                "配送業者側の対策も",
                now,
            )
            .unwrap();
        assert!(
            questioned
                .judge(
                    &manager,
                    Role::InstitutionSignatory,
                    PreventionVerdict::Agree,
                    "",
                    now
                )
                .is_err()
        );
        let revised = questioned
            .propose(
                &provider,
                now,
                "宛先確認の不足",
                "二名確認と配送業者の追跡サービス",
            )
            .unwrap();
        let agreed = revised
            .judge(
                &manager,
                Role::InstitutionSignatory,
                PreventionVerdict::Agree,
                "",
                now,
            )
            .unwrap();
        assert_eq!(agreed.prevention.len(), 2);
        assert_eq!(
            agreed.prevention[0].verdict,
            Some(PreventionVerdict::Discuss)
        );
        let closed = agreed.close(&provider, now).unwrap();
        assert_eq!(closed.state, IncidentState::Closed);
        assert!(
            closed
                .add_step(&provider, now, StepKind::Note, "x")
                .is_err()
        );
    }

    #[test]
    fn a_disposal_needs_its_check_and_an_outsourced_one_its_certificate() {
        let by = UserId::new("editor");
        let id = OpId::new("hdd");
        let it = item(true, true);
        let input = |disposer: Option<&'static str>,
                     certificate: Option<Evidence>,
                     check: &'static str| NewDisposal {
            information: Vec::new(),
            procedure: "契約終了後、医療機関の書面指示により",
            method: "物理破壊",
            performed_by: "運用担当",
            performed_on: "2026-12-01",
            disposer,
            residual_check: check,
            certificate,
        };
        let no_check = Disposal::record(
            Some((&id, &it, false)),
            input(None, None, ""),
            &by,
            "2026-12-01",
        );
        assert!(no_check.unwrap_err().ja.contains("残存データ"));
        let no_certificate = Disposal::record(
            Some((&id, &it, false)),
            input(Some("破棄業者"), None, "読取不能を確認"),
            &by,
            "2026-12-01",
        );
        assert!(no_certificate.unwrap_err().ja.contains("破棄証明書"));
        let future = Disposal::record(
            Some((&id, &it, false)),
            input(None, None, "x"),
            &by,
            "2026-11-30",
        );
        assert!(future.unwrap_err().ja.contains("未来"));
        let out = Disposal::record(
            Some((&id, &it, true)),
            input(None, None, "x"),
            &by,
            "2026-12-01",
        );
        assert!(out.unwrap_err().ja.contains("持出し中"));
        let certificate = Evidence {
            attachment: crate::ids::AttachmentId::new("a"),
            filename: "certificate.pdf".into(),
            sha256: "00".into(),
            size: 1,
        };
        let done = Disposal::record(
            Some((&id, &it, false)),
            input(Some("破棄業者"), Some(certificate), "読取不能を確認"),
            &by,
            "2026-12-01",
        )
        .unwrap();
        assert_eq!(done.information, vec!["移行データ".to_owned()]);
        assert!(
            done.acknowledge(&by, Role::InstitutionReviewer, Time::now())
                .is_err()
        );
        let acknowledged = done
            .acknowledge(&by, Role::InstitutionSignatory, Time::now())
            .unwrap();
        assert!(
            acknowledged
                .acknowledge(&by, Role::InstitutionSignatory, Time::now())
                .is_err()
        );
    }

    #[test]
    fn a_device_is_lent_only_for_patients_after_consent_and_comes_back_once() {
        let by = UserId::new("nurse");
        let id = OpId::new("sensor");
        let mut it = item(true, true);
        let input = |consent_on: &'static str| NewLending {
            patient_ref: "P-000123",
            risks_explained: "通信の盗聴、紛失時の情報漏えい",
            care_explained: "自宅の Wi-Fi 以外に接続しない",
            contact: "在宅医療窓口 03-0000-0000",
            consent_on,
            consent_form: "同意書に署名",
            lent_on: "2026-12-01",
            due_on: "",
        };
        assert!(
            Lending::lend(&id, &it, false, input("2026-12-01"), &by)
                .unwrap_err()
                .ja
                .contains("患者に貸し出す")
        );
        it.for_patients = true;
        assert!(
            Lending::lend(&id, &it, false, input("2026-12-02"), &by)
                .unwrap_err()
                .ja
                .contains("同意")
        );
        assert!(Lending::lend(&id, &it, true, input("2026-12-01"), &by).is_err());
        let lent = Lending::lend(&id, &it, false, input("2026-11-30"), &by).unwrap();
        assert!(lent.give_back("2026-11-29", "").is_err());
        let back = lent.give_back("2026-12-20", "動作確認済み").unwrap();
        assert!(back.give_back("2026-12-21", "").is_err());
    }

    #[test]
    fn a_report_is_delivered_after_its_period_and_acknowledged_once() {
        let by = UserId::new("editor");
        let now = Time::now();
        assert!(
            PeriodicReport::schedule(
                ReportKind::Operation,
                "2026-12-01",
                "2026-11-01",
                "2026-12-10"
            )
            .is_err()
        );
        assert!(
            PeriodicReport::schedule(
                ReportKind::Operation,
                "2026-11-01",
                "2026-11-30",
                "2026-11-15"
            )
            .unwrap_err()
            .ja
            .contains("提出期限")
        );
        let r = PeriodicReport::schedule(
            ReportKind::Operation,
            "2026-11-01",
            "2026-11-30",
            "2026-12-10",
        )
        .unwrap();
        assert!(r.is_overdue("2026-12-11") && !r.is_overdue("2026-12-10"));
        assert!(r.acknowledge(&by, now, "").is_err());
        assert!(
            r.deliver(&by, now, "2026-11-29", Vec::new(), "本文")
                .unwrap_err()
                .ja
                .contains("終わって")
        );
        assert!(r.deliver(&by, now, "2026-12-01", Vec::new(), " ").is_err());
        let delivered = r
            .deliver(
                &by,
                now,
                "2026-12-01",
                vec!["持出し 1 件".into()],
                "異常なし",
            )
            .unwrap();
        assert!(!delivered.is_overdue("2027-01-01"));
        assert!(
            delivered
                .deliver(&by, now, "2026-12-01", Vec::new(), "x")
                .is_err()
        );
        let acknowledged = delivered.acknowledge(&by, now, "確認しました").unwrap();
        assert!(acknowledged.acknowledge(&by, now, "").is_err());
    }

    #[test]
    fn every_kind_of_record_reads_back_as_written() {
        let now = Time::now();
        let by = UserId::new("editor");
        let take_out = requested(true);
        let incident = Incident::of_loss(&OpId::new("t"), &take_out, "紛失", now)
            .disclose(&by, now, "開示")
            .unwrap();
        let mut patient_device = item(true, true);
        patient_device.for_patients = true;
        let bodies = vec![
            OpBody::LedgerItem(item(true, true)),
            OpBody::Inventory(
                Inventory::schedule("2026-12-01", vec![(OpId::new("a"), "A".into(), "B".into())])
                    .unwrap(),
            ),
            OpBody::TakeOut(take_out),
            OpBody::Incident(incident),
            OpBody::Disposal(
                Disposal::record(
                    None,
                    NewDisposal {
                        information: vec!["診療録".into()],
                        procedure: "手順",
                        method: "暗号消去",
                        performed_by: "運用担当",
                        performed_on: "2026-12-01",
                        disposer: None,
                        residual_check: "",
                        certificate: None,
                    },
                    &by,
                    "2026-12-01",
                )
                .unwrap(),
            ),
            OpBody::Lending(
                Lending::lend(
                    &OpId::new("d"),
                    &patient_device,
                    false,
                    NewLending {
                        patient_ref: "P-1",
                        risks_explained: "r",
                        care_explained: "c",
                        contact: "x",
                        consent_on: "2026-12-01",
                        consent_form: "署名",
                        lent_on: "2026-12-01",
                        due_on: "",
                    },
                    &by,
                )
                .unwrap(),
            ),
            OpBody::Report(
                PeriodicReport::schedule(
                    ReportKind::Operation,
                    "2026-11-01",
                    "2026-11-30",
                    "2026-12-10",
                )
                .unwrap(),
            ),
            OpBody::ContractEnd(
                ContractEnd::start(vec![(
                    "返却データ".into(),
                    Some("TM-01".into()),
                    Disposition::Return,
                )])
                .unwrap(),
            ),
            OpBody::Drill(
                Drill::record(
                    NewDrill {
                        scenario: "outage",
                        plan: "BCP 第3章",
                        held_on: "2026-11-20",
                        participants: "運用担当 4 名",
                        result: "48 時間以内に復旧",
                        improvements: "",
                    },
                    "2026-12-01",
                )
                .unwrap(),
            ),
        ];
        assert_eq!(bodies.len(), OpKind::ALL.len(), "one of each kind");
        for body in bodies {
            let record = OpRecord::new(OpId::new("r"), EngagementId::new("e"), &by, now, body);
            let json = serde_json::to_string(&record).unwrap();
            let back: OpRecord = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{:?} does not read back: {e}\n{json}", record.kind()));
            assert_eq!(back, record);
        }
    }

    #[test]
    fn a_drill_is_recorded_once_held_with_who_and_how() {
        let input = |held_on, participants| NewDrill {
            scenario: "outage",
            plan: "BCP",
            held_on,
            participants,
            result: "復旧手順どおり",
            improvements: "連絡網の更新",
        };
        let future = Drill::record(input("2026-12-02", "4 名"), "2026-12-01").unwrap_err();
        assert!(future.ja.contains("未来"), "{}", future.ja);
        let nobody = Drill::record(input("2026-11-20", " "), "2026-12-01").unwrap_err();
        assert!(nobody.ja.contains("参加者"), "{}", nobody.ja);
        assert!(Drill::record(input("2026-11-31", "4 名"), "2026-12-01").is_err());
        let drill = Drill::record(input("2026-11-20", "4 名"), "2026-12-01").unwrap();
        assert_eq!(drill.held_on, "2026-11-20");
    }

    #[test]
    fn a_contract_ends_line_by_line_with_evidence_then_is_confirmed_and_sealed() {
        let by = UserId::new("editor");
        let now = Time::now();
        assert!(ContractEnd::start(Vec::new()).is_err());
        let end = ContractEnd::start(vec![
            (
                "返却データ".into(),
                Some("TM-01".into()),
                Disposition::Return,
            ),
            ("バックアップ".into(), None, Disposition::Destroy),
        ])
        .unwrap();
        let receipt = Evidence {
            attachment: crate::ids::AttachmentId::new("a"),
            filename: "受領書.pdf".into(),
            sha256: "00".into(),
            size: 1,
        };
        let day = "2026-12-01";
        assert!(end.seal(&by, now).is_err());
        let missing = end.complete(0, Disposition::Return, day, "", None, day);
        assert!(missing.unwrap_err().ja.contains("受領書"));
        assert!(
            end.complete(5, Disposition::Return, day, "", None, day)
                .is_err()
        );
        let future = end.complete(
            0,
            Disposition::Return,
            "2026-12-02",
            "",
            Some(receipt.clone()),
            day,
        );
        assert!(future.is_err());
        let one = end
            .complete(0, Disposition::Return, day, "", Some(receipt.clone()), day)
            .unwrap();
        let early = one.confirm(&by, Role::InstitutionSignatory, now);
        assert!(early.unwrap_err().ja.contains("バックアップ"));
        let both = one
            .complete(1, Disposition::Destroy, day, "暗号消去", Some(receipt), day)
            .unwrap();
        assert!(both.confirm(&by, Role::InstitutionReviewer, now).is_err());
        let confirmed = both.confirm(&by, Role::InstitutionSignatory, now).unwrap();
        assert!(
            confirmed
                .complete(1, Disposition::Destroy, day, "", None, day)
                .is_err()
        );
        let sealed = confirmed.seal(&by, now).unwrap();
        assert!(sealed.seal(&by, now).is_err());
    }

    #[test]
    fn an_inventory_needs_every_line_and_a_reason_for_what_is_missing() {
        let items = vec![
            (OpId::new("a"), "A".to_owned(), "本社".to_owned()),
            (OpId::new("b"), "B".to_owned(), "DC".to_owned()),
        ];
        assert!(Inventory::schedule("2026-12-01", Vec::new()).is_err());
        let inv = Inventory::schedule("2026-12-01", items).unwrap();
        let by = UserId::new("editor");
        let early = inv.count(&by, "2026-11-30", &[(OpId::new("a"), true, String::new())]);
        assert!(early.unwrap_err().ja.contains("予定日"));
        let missing_line = inv.count(&by, "2026-12-01", &[(OpId::new("a"), true, String::new())]);
        assert!(missing_line.unwrap_err().ja.contains("「B」"));
        let no_reason = inv.count(
            &by,
            "2026-12-01",
            &[
                (OpId::new("a"), true, String::new()),
                (OpId::new("b"), false, String::new()),
            ],
        );
        assert!(no_reason.unwrap_err().ja.contains("理由"));
        let done = inv
            .count(
                &by,
                "2026-12-02",
                &[
                    (OpId::new("a"), true, String::new()),
                    (OpId::new("b"), false, "保管庫に見当たらず捜索中".into()),
                ],
            )
            .unwrap();
        assert!(done.closed);
        assert_eq!(done.discrepancies().count(), 1);
        assert!(
            done.count(&by, "2026-12-03", &[]).is_err(),
            "a closed inventory stays closed"
        );
    }
}
