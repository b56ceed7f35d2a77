//! Operational facts: what the provider's records establish — inventories counted, continuity
//! drills held, incidents and the risks they materialised — read back into the next assessment,
//! so that its checks run on what was done and not only on what the model declares.
//!
//! The sansho server exports them per engagement (`GET /api/v1/engagements/{id}/facts`); the
//! CLI reads them with `--facts FILE`. A fact never weakens the model: a recorded date replaces
//! a declared one only when it is later, and a fact about something the model does not hold is
//! reported, not applied.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::loc;
use crate::model::{LedgerEntry, Model};
use crate::vocab::{Cia, ContinuityScenario};

/// The format this sansho writes and reads.
pub const FORMAT: u32 = 1;

/// The facts of one engagement's records on one day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationalFacts {
    /// Format version of this file (1).
    pub format: u32,
    /// Whose records these are, for messages (e.g. the engagement's name).
    pub source: String,
    /// The day the records were read (YYYY-MM-DD).
    pub as_of: String,
    /// The last completed inventory of each ledger item that is a model asset.
    #[serde(default)]
    pub inventories: Vec<InventoryFact>,
    /// The last drill held for each continuity scenario.
    #[serde(default)]
    pub drills: Vec<DrillFact>,
    /// Incidents recorded, with the model's risks they materialised.
    #[serde(default)]
    pub incidents: Vec<IncidentFact>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryFact {
    /// The model asset's id.
    pub asset: String,
    /// The day it was last counted (YYYY-MM-DD).
    pub counted_on: String,
    /// Whether that count found it missing or not as recorded.
    #[serde(default)]
    pub discrepancy: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrillFact {
    pub scenario: ContinuityScenario,
    /// The day the drill was held (YYYY-MM-DD).
    pub held_on: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentFact {
    /// The record's id.
    pub id: String,
    pub title: String,
    /// The day it was detected (YYYY-MM-DD).
    pub detected_on: String,
    /// What was harmed or threatened.
    #[serde(default)]
    pub harms: Vec<Cia>,
    /// The model's risk ids it materialised.
    #[serde(default)]
    pub risks: Vec<String>,
    pub closed: bool,
}

/// Why a facts file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error("not operational facts (line {line}, column {column}): {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("format {0} is not one this sansho reads (it reads {FORMAT}); export the facts again")]
    Format(u32),
    #[error("{field} {value:?} is not a date (YYYY-MM-DD)")]
    Date { field: &'static str, value: String },
}

impl FactsError {
    /// The same in Japanese, for the CLI's Japanese output.
    pub fn message_ja(&self) -> String {
        match self {
            FactsError::Syntax {
                line,
                column,
                message,
            } => format!("運用記録のファイルとして読めません ({line} 行 {column} 列): {message}"),
            FactsError::Format(v) => format!(
                "形式 {v} は読めません (このバージョンは {FORMAT}); 運用記録をもう一度出力してください"
            ),
            FactsError::Date { field, value } => {
                format!("{field} の {value:?} は日付 (YYYY-MM-DD) ではありません")
            }
        }
    }
}

/// Reads a facts file (JSON). Dates are checked here, so applying never meets a bad one.
pub fn parse(text: &str) -> Result<OperationalFacts, FactsError> {
    let facts: OperationalFacts = serde_json::from_str(text).map_err(|e| FactsError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    if facts.format != FORMAT {
        return Err(FactsError::Format(facts.format));
    }
    let dates = std::iter::once(("as_of", &facts.as_of))
        .chain(
            facts
                .inventories
                .iter()
                .map(|i| ("counted_on", &i.counted_on)),
        )
        .chain(facts.drills.iter().map(|d| ("held_on", &d.held_on)))
        .chain(
            facts
                .incidents
                .iter()
                .map(|i| ("detected_on", &i.detected_on)),
        );
    for (field, value) in dates {
        if value.parse::<jiff::civil::Date>().is_err() {
            return Err(FactsError::Date {
                field,
                value: value.clone(),
            });
        }
    }
    Ok(facts)
}

/// The later of two dates (both already checked as dates; text order is date order).
fn later(declared: Option<&str>, recorded: &str) -> bool {
    declared.is_none_or(|d| recorded > d)
}

impl Model {
    /// Applies what the records establish. Returns the facts that found nothing to apply to
    /// (an asset or scenario the model no longer has), as warnings naming the records.
    pub fn apply_facts(&mut self, facts: &OperationalFacts) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let source = &facts.source;
        for fact in &facts.inventories {
            let Some(ix) = self.assets.iter().position(|a| a.id == fact.asset) else {
                let asset = &fact.asset;
                out.push(unknown(
                    loc!(
                        "運用記録 ({source}) の棚卸にある資産 `{asset}` がモデルにありません",
                        "asset `{asset}` counted in the records ({source}) is not in the model"
                    ),
                    asset,
                    did_you_mean(asset, self.assets.iter().map(|a| a.id.as_str())),
                ));
                continue;
            };
            let asset = crate::model::AssetIx::new(ix);
            match self.ledger.iter_mut().find(|l| l.asset == asset) {
                Some(entry) => {
                    if later(entry.last_inventory.as_deref(), &fact.counted_on) {
                        entry.last_inventory = Some(fact.counted_on.clone());
                        entry.inventory_recorded = true;
                    }
                }
                // Counted, so it is in the ledger the provider keeps, whatever the model says.
                None => {
                    let span = self.assets[ix].span;
                    self.ledger.push(LedgerEntry {
                        asset,
                        last_inventory: Some(fact.counted_on.clone()),
                        inventory_recorded: true,
                        span,
                    })
                }
            }
        }
        for fact in &facts.drills {
            let mut found = false;
            for plan in self
                .continuity
                .iter_mut()
                .filter(|c| c.scenario == fact.scenario)
            {
                found = true;
                if later(plan.last_drill.as_deref(), &fact.held_on) {
                    plan.last_drill = Some(fact.held_on.clone());
                    plan.drill_recorded = true;
                }
            }
            if !found {
                let scenario: &str = fact.scenario.into();
                let label = fact.scenario.label();
                let (ja, en) = (&label.ja, &label.en);
                out.push(unknown(
                    loc!(
                        "運用記録 ({source}) には「{ja}」の訓練がありますが、モデルにその事業継続計画がありません",
                        "the records ({source}) hold a drill for \"{en}\", for which the model has no continuity plan"
                    ),
                    scenario,
                    None,
                ));
            }
        }
        self.incidents.extend(facts.incidents.iter().cloned());
        self.facts_source = Some(source.clone());
        out
    }
}

fn unknown(message: crate::text::Localized, element: &str, closest: Option<&str>) -> Diagnostic {
    let hint = match closest {
        Some(s) => loc!(
            "id が `{s}` に変わった場合は、記録の資産をモデルの id に合わせてください",
            "if its id changed to `{s}`, align the record with the model's id"
        ),
        None => loc!(
            "モデルから外した場合は問題ありません。外していなければ、記録とモデルの id を合わせてください",
            "nothing to do if it left the model; otherwise align the record's id with the model's"
        ),
    };
    Diagnostic::new(Code::FactNotInModel, message, None)
        .with_element(element.to_owned())
        .with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_other_formats_bad_dates_and_unknown_fields() {
        let ok = r#"{"format":1,"source":"s","as_of":"2026-11-30"}"#;
        assert_eq!(parse(ok).unwrap().as_of, "2026-11-30");
        assert!(matches!(
            parse(r#"{"format":2,"source":"s","as_of":"2026-11-30"}"#),
            Err(FactsError::Format(2))
        ));
        let bad_date = r#"{"format":1,"source":"s","as_of":"2026-11-30",
            "drills":[{"scenario":"outage","held_on":"2026-13-01"}]}"#;
        match parse(bad_date) {
            Err(e @ FactsError::Date { .. }) => {
                assert!(e.message_ja().contains("\"2026-13-01\""), "{e}")
            }
            other => panic!("{other:?}"),
        }
        match parse(r#"{"format":1,"source":"s","as_of":"2026-11-30","extra":1}"#) {
            Err(FactsError::Syntax { line: 1, .. }) => {}
            other => panic!("{other:?}"),
        }
    }
}
