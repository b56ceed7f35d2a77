//! Comparing two assessments: what changed between two versions of a system, as the basis for
//! the re-agreement the guidelines require when the system changes (PGL 5.1.6 and the
//! continuous cycle after it).

use std::collections::BTreeMap;

use foldhash::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{Code, Diagnostic};
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
    // Two versions of one model list their risks and findings mostly in the same order, so the
    // lists are paired position by position where they agree, from the front and from the back;
    // only what lies between is looked up by key (`sansho watch` compares after every save, and
    // hashing every id of a large model was most of its wait). What differs is sorted after.
    let risks = Aligned::new(&old.risks, &new.risks, |r: &Risk| r.id.as_str());
    let findings = Aligned::new(&old.findings, &new.findings, finding_key);
    let mut added: Vec<RiskSummary> = risks.only_in_new().into_iter().map(summary).collect();
    let mut removed: Vec<RiskSummary> = risks.only_in_old().into_iter().map(summary).collect();
    for list in [&mut added, &mut removed] {
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list.dedup_by(|a, b| a.id == b.id);
    }
    let mut reranked = Vec::new();
    // Decision pattern → risks it governs in the new version whose inherent rank moved.
    let mut moved_under: BTreeMap<String, Vec<String>> = BTreeMap::new();
    risks.pairs(|b, a| {
        if a.inherent.rank != b.inherent.rank || a.residual.rank != b.residual.rank {
            reranked.push(Rerank {
                id: a.id.clone(),
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
                .push(a.id.clone());
        }
    });
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
    let summarise = |mut differ: Vec<&Diagnostic>| {
        differ.sort_by(|x, y| finding_key(x).cmp(&finding_key(y)));
        differ.dedup_by(|x, y| finding_key(x) == finding_key(y));
        differ
            .into_iter()
            .map(|f| FindingSummary {
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
        findings_added: summarise(findings.only_in_new()),
        findings_resolved: summarise(findings.only_in_old()),
    }
}

/// What makes two findings the same finding.
type FindingKey<'a> = (Code, Option<&'a str>, &'a str);

fn finding_key(f: &Diagnostic) -> FindingKey<'_> {
    (f.code, f.element.as_deref(), f.message.en.as_str())
}

/// Two lists of one kind from two versions, with the run where their keys agree position by
/// position at the front (`head` items) and at the back (`tail` items).
struct Aligned<'a, T, K> {
    old: &'a [T],
    new: &'a [T],
    head: usize,
    tail: usize,
    key: fn(&'a T) -> K,
}

impl<'a, T, K: std::hash::Hash + Eq> Aligned<'a, T, K> {
    fn new(old: &'a [T], new: &'a [T], key: fn(&'a T) -> K) -> Self {
        let head = old
            .iter()
            .zip(new)
            .take_while(|(a, b)| key(a) == key(b))
            .count();
        let tail = old[head..]
            .iter()
            .rev()
            .zip(new[head..].iter().rev())
            .take_while(|(a, b)| key(a) == key(b))
            .count();
        Aligned {
            old,
            new,
            head,
            tail,
            key,
        }
    }

    fn old_middle(&self) -> &'a [T] {
        &self.old[self.head..self.old.len() - self.tail]
    }

    fn new_middle(&self) -> &'a [T] {
        &self.new[self.head..self.new.len() - self.tail]
    }

    fn by_key(&self, items: impl Iterator<Item = &'a T>) -> HashMap<K, &'a T> {
        items.map(|item| ((self.key)(item), item)).collect()
    }

    /// Calls `each(old, new)` for every key found in both lists: the aligned items in order,
    /// then the middle ones (the last of a key on each side, as a map keeps it).
    fn pairs(&self, mut each: impl FnMut(&'a T, &'a T)) {
        let old_tail = &self.old[self.old.len() - self.tail..];
        let new_tail = &self.new[self.new.len() - self.tail..];
        for (b, a) in self.old[..self.head].iter().zip(&self.new[..self.head]) {
            each(b, a);
        }
        for (b, a) in old_tail.iter().zip(new_tail) {
            each(b, a);
        }
        let after = self.by_key(self.new_middle().iter());
        for (key, b) in self.by_key(self.old_middle().iter()) {
            if let Some(a) = after.get(&key) {
                each(b, a);
            }
        }
    }

    /// Items of `these` (the middle of one list) whose key is nowhere in the other list: not in
    /// its middle, and not in the aligned part, which both lists share.
    fn only_in(&self, these: &'a [T], those: &'a [T]) -> Vec<&'a T> {
        let elsewhere = self.by_key(those.iter());
        let mut found: Vec<&'a T> = these
            .iter()
            .filter(|item| !elsewhere.contains_key(&(self.key)(item)))
            .collect();
        if found.is_empty() {
            return found;
        }
        // A key may repeat (findings): one found in the middle may also sit in the shared part.
        let shared = || {
            self.old[..self.head]
                .iter()
                .chain(&self.old[self.old.len() - self.tail..])
        };
        // A save usually changes a handful: scanning for each is cheaper than hashing them all.
        if found.len() <= 16 {
            found.retain(|item| {
                let key = (self.key)(item);
                !shared().any(|other| (self.key)(other) == key)
            });
        } else {
            let shared = self.by_key(shared());
            found.retain(|item| !shared.contains_key(&(self.key)(item)));
        }
        found
    }

    fn only_in_new(&self) -> Vec<&'a T> {
        self.only_in(self.new_middle(), self.old_middle())
    }

    fn only_in_old(&self) -> Vec<&'a T> {
        self.only_in(self.old_middle(), self.new_middle())
    }
}
