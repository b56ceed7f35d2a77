//! Comparing two assessments: what changed between two versions of a system, as the basis for
//! the re-agreement the guidelines require when the system changes (PGL 5.1.6 and the
//! continuous cycle after it).

use std::collections::BTreeMap;

use foldhash::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostics::Code;
use crate::result::{Assessment, Risk};
use crate::text::Localized;
use crate::vocab::Rank;

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "sansho change report")]
pub struct ChangeReport {
    pub old: Version,
    pub new: Version,
    pub added: Vec<RiskSummary>,
    pub removed: Vec<RiskSummary>,
    /// Risks whose inherent or residual rank changed.
    pub reranked: Vec<Rerank>,
    /// Decisions that no longer fit their risks: they match nothing now, or the risks they were
    /// agreed on changed rank. Each needs the institution's agreement again.
    pub decisions_to_review: Vec<DecisionReview>,
    pub findings_added: Vec<FindingSummary>,
    pub findings_resolved: Vec<FindingSummary>,
}

impl ChangeReport {
    /// Whether anything changed that the institution must be told about.
    pub fn needs_reagreement(&self) -> bool {
        !(self.added.is_empty()
            && self.removed.is_empty()
            && self.reranked.is_empty()
            && self.decisions_to_review.is_empty())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Version {
    pub system: String,
    pub as_of: Option<String>,
    pub flows: usize,
    pub risks: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct RiskSummary {
    pub id: String,
    pub threat: String,
    pub rank: Rank,
    pub residual: Rank,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Rerank {
    pub id: String,
    pub rank_before: Rank,
    pub rank_after: Rank,
    pub residual_before: Rank,
    pub residual_after: Rank,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct DecisionReview {
    pub pattern: String,
    pub reason: Localized,
    /// Risks concerned (empty when the decision matches nothing).
    pub risks: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct FindingSummary {
    pub code: Code,
    pub element: Option<String>,
    /// The message in English, which identifies the finding across versions.
    pub message: String,
    /// The same message in Japanese, for readers.
    pub message_ja: String,
}

impl FindingSummary {
    pub fn text(&self, lang: crate::Lang) -> &str {
        match lang {
            crate::Lang::Ja => &self.message_ja,
            crate::Lang::En => &self.message,
        }
    }
}

fn version(a: &Assessment) -> Version {
    Version {
        system: a.system.id.clone(),
        as_of: a.system.as_of.clone(),
        flows: a.flows.len(),
        risks: a.risks.len(),
    }
}

fn summary(r: &Risk) -> RiskSummary {
    RiskSummary {
        id: r.id.clone(),
        threat: r.threat.to_string(),
        rank: r.inherent.rank,
        residual: r.residual.rank,
    }
}

/// Compares `old` with `new`. Deterministic: every list is in id order.
pub fn compare(old: &Assessment, new: &Assessment) -> ChangeReport {
    // Hash maps for lookups (a large model has a million risks); what differs is sorted after.
    let before: HashMap<&str, &Risk> = old.risks.iter().map(|r| (r.id.as_str(), r)).collect();
    let after: HashMap<&str, &Risk> = new.risks.iter().map(|r| (r.id.as_str(), r)).collect();
    let only_in = |these: &[Risk], those: &HashMap<&str, &Risk>| {
        let mut out: Vec<RiskSummary> = these
            .iter()
            .filter(|r| !those.contains_key(r.id.as_str()))
            .map(summary)
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out.dedup_by(|a, b| a.id == b.id);
        out
    };
    let added = only_in(&new.risks, &before);
    let removed = only_in(&old.risks, &after);
    let mut reranked = Vec::new();
    // Decision pattern → risks it governs in the new version whose inherent rank moved.
    let mut moved_under: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Visited in hash order; what is found is sorted after (usually a handful of risks, where
    // sorting every id of a large model cost more than all the rest).
    for (&id, b) in &before {
        let Some(a) = after.get(id) else { continue };
        if a.inherent.rank != b.inherent.rank || a.residual.rank != b.residual.rank {
            reranked.push(Rerank {
                id: id.to_owned(),
                rank_before: b.inherent.rank,
                rank_after: a.inherent.rank,
                residual_before: b.residual.rank,
                residual_after: a.residual.rank,
            });
        }
        if a.inherent.rank != b.inherent.rank
            && let Some(d) = a.treatment.as_ref().and_then(|t| t.decision.as_ref())
        {
            moved_under
                .entry(d.pattern.clone())
                .or_default()
                .push(id.to_owned());
        }
    }
    reranked.sort_unstable_by(|x, y| x.id.cmp(&y.id));
    for risks in moved_under.values_mut() {
        risks.sort_unstable();
    }
    let mut decisions_to_review: Vec<DecisionReview> = new
        .findings
        .iter()
        .filter(|f| f.code == Code::DecisionMatchesNothing)
        .map(|f| DecisionReview {
            pattern: f.element.clone().unwrap_or_default(),
            reason: Localized::new("該当するリスクがなくなりました", "matches no risk any more"),
            risks: Vec::new(),
        })
        .collect();
    for (pattern, risks) in moved_under {
        decisions_to_review.push(DecisionReview {
            pattern,
            reason: Localized::new(
                "対象リスクのランクが変わりました",
                "the ranks of its risks changed",
            ),
            risks,
        });
    }
    // Findings are compared by borrowed keys; only those that differ are copied out.
    type Key<'a> = (Code, Option<&'a str>, &'a str);
    fn keys(a: &Assessment) -> HashMap<Key<'_>, &crate::diagnostics::Diagnostic> {
        a.findings
            .iter()
            .map(|f| ((f.code, f.element.as_deref(), f.message.en.as_str()), f))
            .collect()
    }
    let (old_findings, new_findings) = (keys(old), keys(new));
    let only_in = |these: &HashMap<Key<'_>, &crate::diagnostics::Diagnostic>,
                   those: &HashMap<Key<'_>, &crate::diagnostics::Diagnostic>| {
        let mut differ: Vec<(&Key<'_>, &&crate::diagnostics::Diagnostic)> = these
            .iter()
            .filter(|(k, _)| !those.contains_key(*k))
            .collect();
        differ.sort_unstable_by(|x, y| x.0.cmp(y.0));
        differ
            .into_iter()
            .map(|(_, f)| FindingSummary {
                code: f.code,
                element: f.element.clone(),
                message: f.message.en.clone(),
                message_ja: f.message.ja.clone(),
            })
            .collect::<Vec<_>>()
    };
    ChangeReport {
        old: version(old),
        new: version(new),
        added,
        removed,
        reranked,
        decisions_to_review,
        findings_added: only_in(&new_findings, &old_findings),
        findings_resolved: only_in(&old_findings, &new_findings),
    }
}
