//! The response policy (PGL 5.1.3–5.1.5) checked against the assessed risks: what the policy
//! demands but the model lacks, and decisions or controls that no longer match anything.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use foldhash::{HashMap, HashMapExt};

use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::kb::KnowledgeBase;
use crate::loc;
use crate::model::{ControlIx, Model};
use crate::result::{Risk, Status, Text};
use crate::text::Localized;
use crate::vocab::{OrganizationRole, TreatmentOption};
use crate::vocab::{Rank, TreatmentNeed};

/// A decision (index), a control it names, and the index of a threat the control does not
/// counter.
pub type OffThreat = (usize, ControlIx, usize);

/// How often each decision and control applied, counted while risks are scored.
pub struct Tally {
    pub decision_hits: Vec<usize>,
    /// Risks each decision actually applies to (it was the first match).
    pub decision_applied: Vec<usize>,
    pub control_hits: Vec<usize>,
    /// (applied decision, overridden decision) → (risks affected, one example risk id).
    pub conflicts: BTreeMap<(usize, usize), (usize, String)>,
    /// (decision, control it names, threat index) where the control does not counter the
    /// threat → (risks it lowered, one example risk id).
    pub off_threat: BTreeMap<OffThreat, (usize, String)>,
    /// For each decision, the risks each control it names lowered (in the decision's order).
    pub decision_controls: Vec<Vec<usize>>,
}

/// The counts of a [`Tally`] while risks are scored on several threads at once.
pub struct Counts {
    decision_hits: Vec<AtomicUsize>,
    decision_applied: Vec<AtomicUsize>,
    control_hits: Vec<AtomicUsize>,
    /// (applied, overridden) → (risks affected, index of the first such risk in model order).
    conflicts: Mutex<BTreeMap<(usize, usize), (usize, usize)>>,
    /// (decision, control, threat) → (risks affected, index of the first such risk).
    off_threat: Mutex<BTreeMap<OffThreat, (usize, usize)>>,
    /// Risks lowered by each (decision, named control), flattened: decision `d`'s controls
    /// start at `decision_control_start[d]`.
    decision_control_hits: Vec<AtomicUsize>,
    decision_control_start: Vec<usize>,
}

impl Counts {
    pub fn new(model: &Model) -> Self {
        let zeros = |n: usize| (0..n).map(|_| AtomicUsize::new(0)).collect();
        Counts {
            decision_hits: zeros(model.decisions.len()),
            decision_applied: zeros(model.decisions.len()),
            control_hits: zeros(model.controls.len()),
            conflicts: Mutex::new(BTreeMap::new()),
            off_threat: Mutex::new(BTreeMap::new()),
            decision_control_hits: zeros(model.decisions.iter().map(|d| d.controls.len()).sum()),
            decision_control_start: model
                .decisions
                .iter()
                .scan(0, |start, d| {
                    let this = *start;
                    *start += d.controls.len();
                    Some(this)
                })
                .collect(),
        }
    }

    /// Decision `decision` lowered a risk with the control at `position` in its list.
    pub fn decision_control(&self, decision: usize, position: usize) {
        self.decision_control_hits[self.decision_control_start[decision] + position]
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Decision `decision` lowered risk number `risk` of threat `threat` with `control`, which
    /// does not declare that threat among those it counters.
    pub fn off_threat(&self, decision: usize, control: ControlIx, threat: usize, risk: usize) {
        let mut off = self
            .off_threat
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let entry = off.entry((decision, control, threat)).or_insert((0, risk));
        entry.0 += 1;
        entry.1 = entry.1.min(risk);
    }

    /// The decisions that match risk number `risk`, in model order (the first one applies).
    pub fn decisions(&self, risk: usize, matched: &[usize]) {
        for &m in matched {
            self.decision_hits[m].fetch_add(1, Ordering::Relaxed);
        }
        if let [first, rest @ ..] = matched {
            self.decision_applied[*first].fetch_add(1, Ordering::Relaxed);
            if !rest.is_empty() {
                let mut conflicts = self
                    .conflicts
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                for &other in rest {
                    let entry = conflicts.entry((*first, other)).or_insert((0, risk));
                    entry.0 += 1;
                    entry.1 = entry.1.min(risk);
                }
            }
        }
    }

    pub fn control(&self, control: ControlIx) {
        self.control_hits[control.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// The final counts; `risks` are the scored risks the indices refer to.
    pub fn into_tally(self, risks: &[Risk]) -> Tally {
        let plain =
            |counts: Vec<AtomicUsize>| counts.into_iter().map(AtomicUsize::into_inner).collect();
        let example = |first: usize| risks.get(first).map(|r| r.id.clone()).unwrap_or_default();
        let per_pair: Vec<usize> = plain(self.decision_control_hits);
        let mut starts = self.decision_control_start.iter().peekable();
        let mut decision_controls = Vec::with_capacity(self.decision_control_start.len());
        while let Some(&start) = starts.next() {
            let end = starts.peek().map_or(per_pair.len(), |&&next| next);
            decision_controls.push(per_pair[start..end].to_vec());
        }
        Tally {
            decision_controls,
            decision_hits: plain(self.decision_hits),
            decision_applied: plain(self.decision_applied),
            control_hits: plain(self.control_hits),
            conflicts: self
                .conflicts
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .into_iter()
                .map(|(key, (count, first))| (key, (count, example(first))))
                .collect(),
            off_threat: self
                .off_threat
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .into_iter()
                .map(|(key, (count, first))| (key, (count, example(first))))
                .collect(),
        }
    }
}

pub fn findings(
    model: &Model,
    kb: &KnowledgeBase,
    risks: &[Risk],
    tally: &Tally,
) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    // Per-risk findings are independent: found in chunks on all cores, joined in risk order.
    let per_risk: Vec<Vec<Diagnostic>> = risks
        .par_chunks(4096)
        .map(|chunk| {
            let mut out = Vec::new();
            let mut hints = HashMap::new();
            for risk in chunk {
                risk_findings(kb, risk, &mut hints, &mut out);
            }
            out
        })
        .collect();
    let mut out = Vec::with_capacity(per_risk.iter().map(Vec::len).sum());
    for part in per_risk {
        out.extend(part);
    }
    decision_findings(model, risks, tally, &mut out);
    off_threat_findings(model, kb, tally, &mut out);
    incident_findings(model, risks, &mut out);
    out
}

/// Controls a decision names for risks of a threat they do not declare to counter: the
/// decision lowers those risks with them all the same, so the reader is told, with what would
/// make the model say what is meant.
fn off_threat_findings(
    model: &Model,
    kb: &KnowledgeBase,
    tally: &Tally,
    out: &mut Vec<Diagnostic>,
) {
    for ((decision, control, threat), (count, example)) in &tally.off_threat {
        let (decision, control) = (&model.decisions[*decision], &model.controls[*control]);
        let (pattern, id) = (&decision.risk, &control.id);
        let threat = kb.threats.get(*threat).map_or("", |t| t.id.as_str());
        out.push(
            Diagnostic::new(
                Code::DecisionControlOffThreat,
                loc!(
                    "決定 `{pattern}` が挙げる対策 {id} は脅威 {threat} に効く対策として宣言されていませんが、決定に従って {threat} のリスク {count} 件 (例: {example}) を下げています",
                    "decision `{pattern}` names control {id}, which does not declare that it counters {threat}, yet lowers {count} of its risks (e.g. {example}) because the decision says so"
                ),
                Some(decision.span),
            )
            .with_related(control.span, loc!("対策", "the control"))
            .with_element(id.clone())
            .with_hint(loc!(
                "対策が {threat} に効くなら対策の counters に {threat} を加え、効かないなら決定の controls から外してください",
                "if the control counters {threat}, add {threat} to its counters; if not, remove it from the decision's controls"
            )),
        );
    }
    // A decision over several threats leaves out, per risk, the controls that do not counter
    // its threat; one that lowers none of the decision's risks does nothing the reader sees.
    for (d, decision) in model.decisions.iter().enumerate() {
        let applied = tally.decision_applied[d];
        if applied == 0 || decision.names_threat() {
            continue;
        }
        for (&c, &lowered) in decision.controls.iter().zip(&tally.decision_controls[d]) {
            if lowered > 0 {
                continue;
            }
            let (pattern, control) = (&decision.risk, &model.controls[c]);
            let (id, counters) = (&control.id, control.counters.join(", "));
            out.push(
                Diagnostic::new(
                    Code::DecisionControlOffThreat,
                    loc!(
                        "決定 `{pattern}` が挙げる対策 {id} は、この決定が対応する {applied} 件のリスクのどの脅威にも効く対策として宣言されていないため (効く脅威: {counters})、どのリスクも下げていません",
                        "decision `{pattern}` names control {id}, which counters none of the threats of the {applied} risks the decision treats (it counters {counters}), so it lowers none of them"
                    ),
                    Some(decision.span),
                )
                .with_related(control.span, loc!("対策", "the control"))
                .with_element(id.clone())
                .with_hint(loc!(
                    "対策がこれらのリスクの脅威に効くなら対策の counters に加え、効かないなら決定の controls から外してください。脅威を限る決定 (…/T1 など) では、決定に挙げた対策がそのまま適用されます",
                    "if the control counters these risks' threats, add them to its counters; if not, remove it from the decision's controls. A decision that names one threat (…/T1) applies its controls as they are"
                )),
            );
        }
    }
}

/// Risks that an incident of the operational records materialised: evidence to revisit their
/// likelihood (and treatment). Ids the model no longer has are reported, not dropped.
fn incident_findings(model: &Model, risks: &[Risk], out: &mut Vec<Diagnostic>) {
    if model.incidents.is_empty() {
        return;
    }
    let named: foldhash::HashSet<&str> = model
        .incidents
        .iter()
        .flat_map(|i| i.risks.iter().map(String::as_str))
        .collect();
    let found: HashMap<&str, &Risk> = risks
        .iter()
        .filter(|r| named.contains(r.id.as_str()))
        .map(|r| (r.id.as_str(), r))
        .collect();
    let source = model.facts_source.as_deref().unwrap_or("");
    for incident in &model.incidents {
        let (inc, title, day) = (&incident.id, &incident.title, &incident.detected_on);
        for id in &incident.risks {
            let Some(risk) = found.get(id.as_str()) else {
                let hint = match did_you_mean(id, risks.iter().map(|r| r.id.as_str())) {
                    Some(s) => loc!("`{s}` の誤りではありませんか", "did you mean `{s}`?"),
                    None => loc!(
                        "情報流や要素の id が変わった場合は、インシデントの記録のリスク id を今のモデルに合わせてください",
                        "if a flow or element id changed, update the risk id on the incident's record"
                    ),
                };
                out.push(
                    Diagnostic::new(
                        Code::FactNotInModel,
                        loc!(
                            "運用記録 ({source}) のインシデント「{title}」({inc}) が挙げるリスク `{id}` がモデルにありません",
                            "risk `{id}` named by incident \"{title}\" ({inc}) in the records ({source}) is not in the model"
                        ),
                        None,
                    )
                    .with_element(id.clone())
                    .with_hint(hint),
                );
                continue;
            };
            let (l, rank) = (risk.inherent.likelihood, risk.effective_rank().as_str());
            out.push(
                Diagnostic::new(
                    Code::RiskMaterialised,
                    loc!(
                        "リスク {id} は {day} に検知されたインシデント「{title}」({inc}) で顕在化しました。評価上の発生可能性は {l}、残存リスクは {rank} ランクです",
                        "risk {id} materialised in incident \"{title}\" ({inc}), detected on {day}; its likelihood is assessed at {l} and its residual rank is {rank}"
                    ),
                    Some(risk.span),
                )
                .with_element(id.clone())
                .with_hint(loc!(
                    "発生可能性と対策を見直し、見直した結果を決定 (decisions) の理由として記録してください。再発防止策として合意した対策はモデルの controls に加えます",
                    "revisit the likelihood and the treatment and record the outcome as a decision's rationale; add the agreed recurrence-prevention measures to the model's controls"
                )),
            );
        }
    }
}

/// `hints`: the hint of an untreated risk by threat, made once per threat.
fn risk_findings(
    kb: &KnowledgeBase,
    risk: &Risk,
    hints: &mut HashMap<Text, Arc<Localized>>,
    out: &mut Vec<Diagnostic>,
) {
    let rank = risk.inherent.rank.as_str();
    let id = &risk.id;
    let controls = risk.treatment.as_ref().map_or(0, |t| t.controls.len());
    let untreated =
        risk.status == Status::Open || (risk.status == Status::Reduced && controls == 0);
    if untreated && risk.treatment_need == TreatmentNeed::Required {
        out.push(
                Diagnostic::new(
                    Code::UntreatedRisk,
                    loc!("{rank} ランクのリスク {id} に対応がありません (対応必須)", "rank {rank} risk {id} has no treatment (treatment required)"),
                    Some(risk.span),
                )
                .with_element(id.clone())
                .with_hint(Arc::clone(hints.entry(Text::clone(&risk.threat)).or_insert_with(|| {
                    let threat = &risk.threat;
                    Arc::new(loc!(
                        "controls: で脅威 {threat} に効く対策を適用するか、decisions: に対応方針を書いてください",
                        "apply a control that counters {threat} (controls:), or record a decision (decisions:)"
                    ))
                }))),
            );
    }
    let min = kb
        .matrix
        .policy(risk.inherent.rank)
        .map_or(0, |p| usize::from(p.min_controls));
    if min >= 2
        && matches!(risk.status, Status::Reduced | Status::Shared)
        && controls > 0
        && controls < min
    {
        out.push(
            Diagnostic::new(
                Code::SRiskNeedsMultipleControls,
                loc!(
                    "{rank} ランクのリスク {id} は複数の対策が必須ですが、対策は {controls} 件です",
                    "rank {rank} risk {id} needs several controls but has {controls}"
                ),
                Some(risk.span),
            )
            .with_element(id.clone())
            .with_hint(loc!(
                "{min} 件以上の対策を組み合わせてください (多層防御)",
                "combine at least {min} controls (defence in depth)"
            )),
        );
    }
    if risk.inherent.rank == Rank::S && risk.status == Status::Accepted {
        out.push(
            Diagnostic::new(
                Code::SRiskAccepted,
                loc!(
                    "S ランクのリスク {id} が受容されています",
                    "rank S risk {id} is accepted"
                ),
                Some(
                    risk.treatment
                        .as_ref()
                        .and_then(|t| t.decision.as_ref())
                        .map_or(risk.span, |d| d.span),
                ),
            )
            .with_element(id.clone())
            .with_hint(loc!(
                "方針では S は複数の対策による対応が必須です",
                "the policy requires S risks to be treated with several controls"
            )),
        );
    }
    let residual_need = kb
        .matrix
        .policy(risk.residual.rank)
        .map_or(TreatmentNeed::Required, |p| p.treatment);
    if matches!(risk.status, Status::Reduced | Status::Shared)
        && controls > 0
        && residual_need == TreatmentNeed::Required
    {
        let residual = risk.residual.rank.as_str();
        out.push(
            Diagnostic::new(
                Code::ResidualNotAcceptable,
                loc!(
                    "リスク {id} の残存リスクが {residual} ランクで、なお対応が必要です",
                    "residual rank of risk {id} is {residual}, which still requires treatment"
                ),
                Some(risk.span),
            )
            .with_element(id.clone())
            .with_hint(loc!(
                "対策を追加・見直すか、受容するなら決裁者と理由を記録してください (5.1.5(3))",
                "add or strengthen controls, or accept it with an approver and reason (5.1.5(3))"
            )),
        );
    }
}

/// The risk ids by flow, for the "did you mean" of stale decisions: a stale id is compared with
/// the risks of its own flow, or of the flow whose id is closest to its flow's, never with every
/// risk of the model.
struct RiskIdsByFlow<'a> {
    by_flow: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> RiskIdsByFlow<'a> {
    fn new(risks: &'a [Risk]) -> Self {
        let mut by_flow: HashMap<&str, Vec<&str>> = HashMap::new();
        for risk in risks {
            let flow = risk.id.split('/').next().unwrap_or_default();
            by_flow.entry(flow).or_default().push(&risk.id);
        }
        RiskIdsByFlow { by_flow }
    }

    fn closest(&self, id: &str) -> Option<&'a str> {
        let flow = id.split('/').next().unwrap_or_default();
        let candidates = match self.by_flow.get(flow) {
            Some(ids) => ids,
            None => {
                let renamed = did_you_mean(flow, self.by_flow.keys().copied())?;
                self.by_flow.get(renamed)?
            }
        };
        did_you_mean(id, candidates.iter().copied())
    }
}

fn decision_findings(model: &Model, risks: &[Risk], tally: &Tally, out: &mut Vec<Diagnostic>) {
    let mut ids: Option<RiskIdsByFlow<'_>> = None;
    for (i, decision) in model.decisions.iter().enumerate() {
        let pattern = &decision.risk;
        let hits = tally.decision_hits[i];
        if hits == 0 {
            let closest = if pattern.contains('*') {
                None
            } else {
                ids.get_or_insert_with(|| RiskIdsByFlow::new(risks))
                    .closest(pattern)
            };
            let hint = match closest {
                Some(s) => loc!("`{s}` の誤りではありませんか", "did you mean `{s}`?"),
                None => loc!(
                    "情報流や要素の id が変わった場合は決定を更新してください (`sansho assess --format json` でリスク id を確認)",
                    "if a flow or element id changed, update the decision (see risk ids with `sansho assess --format json`)"
                ),
            };
            out.push(
                Diagnostic::new(
                    Code::DecisionMatchesNothing,
                    loc!(
                        "決定 `{pattern}` に該当するリスクがありません",
                        "decision `{pattern}` matches no risk"
                    ),
                    Some(decision.span),
                )
                .with_hint(hint)
                .with_element(pattern.clone()),
            );
            continue;
        }
        if decision.treatment == TreatmentOption::Accept {
            let a = decision.acceptance.as_ref();
            let mut missing = Vec::new();
            if a.and_then(|a| a.by.as_ref()).is_none() {
                missing.push("by");
            }
            if a.and_then(|a| a.date.as_ref()).is_none() {
                missing.push("date");
            }
            if a.and_then(|a| a.reason.as_ref()).is_none() {
                missing.push("reason");
            }
            if !missing.is_empty() {
                let list = missing.join(", ");
                out.push(
                    Diagnostic::new(
                        Code::AcceptanceIncomplete,
                        loc!("リスク受容 `{pattern}` に決裁者・日付・理由が不足しています ({list})", "acceptance `{pattern}` lacks {list}"),
                        Some(a.map_or(decision.span, |a| a.span)),
                    )
                    .with_hint(loc!("acceptance: {{by: 承認者, date: YYYY-MM-DD, reason: 理由}} を書いてください", "write acceptance: {{by: approver, date: YYYY-MM-DD, reason: why}}")),
                );
            }
        }
        if decision.treatment == TreatmentOption::Avoid {
            out.push(
                Diagnostic::new(
                    Code::AvoidWithoutChange,
                    loc!(
                        "回避とした `{pattern}` の情報流がまだモデルにあります ({hits} 件のリスク)",
                        "`{pattern}` is avoided but its flow is still in the model ({hits} risks)"
                    ),
                    Some(decision.span),
                )
                .with_hint(loc!(
                    "情報流を廃止・変更してモデルから除くと、この決定は不要になります",
                    "remove or change the flow; the decision then becomes unnecessary"
                )),
            );
        }
    }

    // A specific decision before a general pattern is ordinary precedence; a decision that
    // earlier ones shadow completely never applies and is reported.
    for other in 0..model.decisions.len() {
        if tally.decision_hits[other] == 0 || tally.decision_applied[other] > 0 {
            continue;
        }
        let Some(((first, other), (count, example))) =
            tally.conflicts.iter().find(|((_, o), _)| *o == other)
        else {
            continue;
        };
        let (a, b) = (&model.decisions[*first].risk, &model.decisions[*other].risk);
        out.push(
            Diagnostic::new(
                Code::ConflictingDecisions,
                loc!("決定 `{b}` は先に書かれた `{a}` と同じリスク (例: {example}、{count} 件) にしか該当せず、どのリスクにも適用されません", "decision `{b}` only matches risks already decided by `{a}` (e.g. {example}, {count} risks) and applies to none"),
                Some(model.decisions[*other].span),
            )
            .with_related(model.decisions[*first].span, loc!("適用される決定", "the decision that applies"))
            .with_hint(loc!("パターンを絞るか、どちらかを削除してください", "narrow the pattern or remove one decision")),
        );
    }

    for (i, control) in ControlIx::enumerate(&model.controls) {
        let id = &control.id;
        if tally.control_hits[i.index()] == 0 {
            out.push(
                Diagnostic::new(
                    Code::ControlUnused,
                    loc!(
                        "対策 {id} はどのリスクにも適用されていません",
                        "control {id} applies to no risk"
                    ),
                    Some(control.span),
                )
                .with_element(id.clone())
                .with_hint(loc!(
                    "applies_to と counters (脅威) の組合せを確認してください",
                    "check that applies_to and counters (threats) meet a risk"
                )),
            );
            continue;
        }
        let owner = &model.organizations[control.owner];
        if owner.role == OrganizationRole::Institution {
            let requested = model
                .decisions
                .iter()
                .any(|d| d.requests.iter().any(|r| r.control == Some(i)));
            if !requested {
                let (hits, org) = (tally.control_hits[i.index()], &owner.name);
                out.push(
                    Diagnostic::new(
                        Code::InstitutionControlNotRequested,
                        loc!("{org} が実施する対策 {id} ({hits} 件のリスクに適用) が医療機関等への依頼事項になっていません", "control {id}, run by {org} and applied to {hits} risks, is not listed as a request to the institution"),
                        Some(control.span),
                    )
                    .with_element(id.clone())
                    .with_hint(loc!(
                        "いずれかの decisions の requests: に {{control: {id}, text: ...}} を加えてください (5.1.5(2))",
                        "add {{control: {id}, text: ...}} to the requests: of a decision (5.1.5(2))"
                    )),
                );
            }
        }
    }
}
