//! The engine: PGL 5.1.1–5.1.5 on a validated model.
//!
//! - 5.1.1 identify: [`segment::segments`] cuts each flow into segments; threat rules from the
//!   knowledge base find the threats on each segment.
//! - 5.1.2 analyse: likelihood from the facts of the segment ([`facts`]), impact from the
//!   information's classification and the threat's C/I/A, both with a trace.
//! - 5.1.3 evaluate: the matrix gives the rank, the policy whether treatment is required.
//! - 5.1.4 options / 5.1.5 design: decisions and controls apply, residual risk is re-scored, and
//!   [`policy`] reports what the policy demands but the model lacks.
//!
//! The engine is pure and deterministic: the same model and knowledge base give the same result.

mod configuration;
mod factset;
pub mod policy;
mod scenarios;
pub mod segment;

use std::collections::BTreeMap;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt, HashSet};

use rayon::prelude::*;

use crate::vocab::SegmentKind;
use crate::vocab::Vocabulary;
use factset::{FactSet, Facts};
use segment::Segment;

use crate::kb::{KnowledgeBase, ScoreOp, ScoreRule};
use crate::model::{
    ActorIx, AssetIx, ClassIx, ConnectionIx, ControlIx, ElementRef, Flow, FlowIx, InfoIx,
    LocationIx, Model, OrgIx,
};
use crate::result::*;
use crate::source::Sources;
use crate::vocab::TreatmentOption;
use crate::vocab::{Rank, TreatmentNeed};

/// Runs the assessment.
pub fn assess(model: &Model, kb: &KnowledgeBase, sources: &Sources) -> Assessment {
    let compiled = Compiled::new(kb);
    let facts = Facts::new(model, kb);
    let controls = ControlIndex::new(model, kb);
    let decisions = DecisionIndex::new(model);
    let names = Names::new(model, kb);

    // Flows are independent. First, on all cores, each flow is cut into segments and the threats
    // on each segment found: one small seed per risk. Then the seeds are scored on all cores
    // straight into the final list, in model order, so the result is the same as a sequential
    // run and a million risks are never copied from one list into another.
    let chunk_len = (model.flows.len() / (rayon::current_num_threads() * 8)).clamp(64, 4096);
    let chunks: Vec<(Vec<FlowResult>, Vec<Seed>)> = model
        .flows
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(chunk_ix, chunk)| {
            let mut flows = Vec::with_capacity(chunk.len());
            let mut seeds = Vec::with_capacity(chunk.len() * 10);
            let mut segments = Vec::new();
            for (i, flow) in chunk.iter().enumerate() {
                let flow_ix = FlowIx::new(chunk_ix * chunk_len + i);
                segment::segments(model, flow, &mut segments);
                let flow_facts = facts.flow(model, flow);
                let first_seed = seeds.len();
                for &segment in &segments {
                    let set = facts.segment(model, flow, &segment, flow_facts);
                    for threat in compiled.threats_for(segment.kind, set) {
                        seeds.push(Seed {
                            flow: flow_ix,
                            segment,
                            threat,
                            facts: set,
                        });
                    }
                }
                flows.push(flow_result(
                    &names,
                    flow,
                    &segments,
                    seeds.len() - first_seed,
                ));
            }
            (flows, seeds)
        })
        .collect();
    let mut flows = Vec::with_capacity(model.flows.len());
    let mut seeds = Vec::with_capacity(chunks.iter().map(|c| c.1.len()).sum());
    for (chunk_flows, chunk_seeds) in chunks {
        flows.extend(chunk_flows);
        seeds.extend(chunk_seeds);
    }
    let counts = policy::Counts::new(model);
    let mut risks = Vec::with_capacity(seeds.len());
    // The guideline rules read the model, not the risks: they run on one core while the other
    // cores score the risks, and that core then joins the scoring. On a large network the rules
    // take about a second of one core, which was a second of idle cores before.
    let ((), (rule_findings, configuration)) = rayon::join(
        || {
            seeds
                .par_iter()
                .enumerate()
                .map_init(Shared::default, |shared, (risk_ix, seed)| {
                    score_risk(
                        model, kb, &compiled, seed, &names, &controls, &decisions, &counts,
                        risk_ix, shared,
                    )
                })
                .collect_into_vec(&mut risks)
        },
        || {
            let structure = crate::judge::Structure::new(model);
            let mut found = Vec::new();
            crate::rules::check(&structure, kb, &mut found);
            (found, configuration::build(model, kb))
        },
    );
    let tally = counts.into_tally(&risks);

    // The policy's findings first, then the rules', as when they ran one after the other.
    let mut findings = policy::findings(model, kb, &risks, &tally);
    findings.extend(rule_findings);
    let summary = summarize(&flows, &risks, &findings);
    let rules = compiled.rule_descriptions(kb);
    // Each declaration once, however many findings name it (a model of 100,000 flows has
    // hundreds of thousands of rule findings).
    let fired: std::collections::BTreeSet<crate::diagnostics::Code> =
        findings.iter().map(|f| f.code).collect();
    let guideline_rules = fired
        .into_iter()
        .filter_map(|code| kb.rule(code))
        .map(|d| (d.code.clone(), d.clone()))
        .collect();
    Assessment {
        format: RESULT_FORMAT,
        generator: format!("sansho {}", env!("CARGO_PKG_VERSION")),
        system: SystemInfo {
            id: model.system.id.clone(),
            name: model.system.name.clone(),
            description: model.system.description.clone(),
            provider: reference(model, ElementRef::Organization(model.system.provider)),
            editions: model.system.editions.clone(),
            as_of: model.system.as_of.clone(),
            document: model.system.document.as_ref().map(|d| DocumentInfo {
                version: d.version.clone(),
                created: d.created.clone(),
                revised: d.revised.clone(),
                author: d.author.clone(),
                approver: d.approver.clone(),
                addressee: d
                    .addressee
                    .map(|o| reference(model, ElementRef::Organization(o))),
            }),
        },
        matrix: MatrixInfo {
            source: kb.matrix.source.clone(),
            rows: kb.matrix.rows.clone(),
        },
        summary,
        flows,
        risks,
        findings,
        rules,
        guideline_rules,
        threats: kb
            .threats
            .iter()
            .map(|t| ThreatInfo {
                id: t.id.clone(),
                name: t.name.clone(),
                harms: t.harms.clone(),
            })
            .collect(),
        scales: Some(kb.scales.clone()),
        configuration,
        files: sources.iter().map(|(_, f)| f.path.clone()).collect(),
    }
}

/// The stable risk id: `flow/segment/element/threat`.
pub fn risk_id(flow: &str, segment: SegmentKind, element: &str, threat: &str) -> String {
    // Allocated once at its length: `format!` would start from nothing and grow the string three
    // or four times, for every one of a large model's million risks.
    [flow, "/", segment.as_str(), "/", element, "/", threat].concat()
}

/// Matches a decision pattern against a risk id; `*` matches any run of characters.
pub fn pattern_matches(pattern: &str, id: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == id;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if !id.starts_with(first) || id.len() < first.len() + last.len() || !id.ends_with(last) {
        return false;
    }
    let mut rest = &id[first.len()..id.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

pub(crate) fn reference(model: &Model, element: ElementRef) -> Ref {
    Ref {
        id: model.element_id(element).into(),
        name: model.element_name(element).into(),
    }
}

/// Ids and names of the model's elements, and the knowledge base's threat ids, as shared texts
/// made once per assessment: a million risks then share them instead of copying them.
pub(crate) struct Names {
    by_kind: [Vec<Ref>; 9],
    threats: Vec<Text>,
}

impl Names {
    fn new(model: &Model, kb: &KnowledgeBase) -> Names {
        fn refs(model: &Model, elements: impl Iterator<Item = ElementRef>) -> Vec<Ref> {
            elements.map(|e| reference(model, e)).collect()
        }
        Names {
            by_kind: [
                refs(
                    model,
                    OrgIx::all(model.organizations.len()).map(ElementRef::Organization),
                ),
                refs(
                    model,
                    LocationIx::all(model.locations.len()).map(ElementRef::Location),
                ),
                refs(
                    model,
                    AssetIx::all(model.assets.len()).map(ElementRef::Asset),
                ),
                refs(
                    model,
                    ConnectionIx::all(model.connections.len()).map(ElementRef::Connection),
                ),
                refs(
                    model,
                    ActorIx::all(model.actors.len()).map(ElementRef::Actor),
                ),
                refs(
                    model,
                    ClassIx::all(model.classifications.len()).map(ElementRef::Classification),
                ),
                refs(
                    model,
                    InfoIx::all(model.information.len()).map(ElementRef::Information),
                ),
                refs(model, FlowIx::all(model.flows.len()).map(ElementRef::Flow)),
                refs(
                    model,
                    ControlIx::all(model.controls.len()).map(ElementRef::Control),
                ),
            ],
            threats: kb.threats.iter().map(|t| t.id.as_str().into()).collect(),
        }
    }

    fn get(&self, element: ElementRef) -> Ref {
        let (kind, i) = match element {
            ElementRef::Organization(i) => (0, i.index()),
            ElementRef::Location(i) => (1, i.index()),
            ElementRef::Asset(i) => (2, i.index()),
            ElementRef::Connection(i) => (3, i.index()),
            ElementRef::Actor(i) => (4, i.index()),
            ElementRef::Classification(i) => (5, i.index()),
            ElementRef::Information(i) => (6, i.index()),
            ElementRef::Flow(i) => (7, i.index()),
            ElementRef::Control(i) => (8, i.index()),
        };
        self.by_kind[kind][i].clone()
    }
}

fn flow_result(names: &Names, flow: &Flow, segments: &[Segment], risk_count: usize) -> FlowResult {
    FlowResult {
        id: flow.id.clone(),
        phase: flow.phase,
        layer: flow.layer,
        who: flow
            .who
            .iter()
            .map(|&a| names.get(ElementRef::Actor(a)))
            .collect(),
        where_: names.get(ElementRef::Location(flow.where_)),
        which: names.get(ElementRef::Asset(flow.which)),
        what: flow
            .what
            .iter()
            .map(|i| names.get(ElementRef::Information(*i)))
            .collect(),
        how: flow.how.clone(),
        path: flow.path.iter().map(|e| names.get(*e)).collect(),
        volume: flow.volume,
        description: flow.description.clone(),
        segments: segments
            .iter()
            .map(|s| SegmentInfo {
                kind: s.kind,
                element: names.get(s.element),
            })
            .collect(),
        risk_count,
        span: flow.span,
    }
}

/// Rules of the knowledge base compiled to fact masks and threat indices.
struct Compiled {
    threat_rules: Vec<CompiledThreatRule>,
    likelihood: Vec<CompiledScoreRule>,
    impact: Vec<CompiledScoreRule>,
    threat_count: usize,
    scenarios: scenarios::Scenarios,
}

struct CompiledThreatRule {
    id: Text,
    segments: Vec<SegmentKind>,
    when: FactSet,
    unless: FactSet,
    threats: Vec<usize>,
}

struct CompiledScoreRule {
    id: Text,
    when: FactSet,
    unless: FactSet,
    /// Empty means every threat.
    threats: Vec<usize>,
    segments: Vec<SegmentKind>,
    harms: Vec<crate::vocab::Cia>,
    op: ScoreOp,
}

impl Compiled {
    fn new(kb: &KnowledgeBase) -> Self {
        let index: HashMap<&str, usize> = kb
            .threats
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i))
            .collect();
        let threats = |ids: &[String]| {
            ids.iter()
                .filter_map(|id| index.get(id.as_str()).copied())
                .collect::<Vec<_>>()
        };
        let score = |r: &ScoreRule| CompiledScoreRule {
            id: r.id.as_str().into(),
            when: FactSet::of(&r.when),
            unless: FactSet::of(&r.unless),
            threats: threats(&r.threats),
            segments: r.segments.clone(),
            harms: r.harms.clone(),
            op: r.op,
        };
        Compiled {
            threat_rules: kb
                .threat_rules
                .iter()
                .map(|r| CompiledThreatRule {
                    id: r.id.as_str().into(),
                    segments: r.segments.clone(),
                    when: FactSet::of(&r.when),
                    unless: FactSet::of(&r.unless),
                    threats: threats(&r.threats),
                })
                .collect(),
            likelihood: kb.likelihood_rules.iter().map(score).collect(),
            impact: kb.impact_rules.iter().map(score).collect(),
            threat_count: kb.threats.len(),
            scenarios: scenarios::Scenarios::new(kb),
        }
    }

    /// Threat rules that fire on a segment of this kind with these facts.
    fn firing(
        &self,
        kind: SegmentKind,
        facts: FactSet,
    ) -> impl Iterator<Item = &CompiledThreatRule> {
        self.threat_rules.iter().filter(move |rule| {
            rule.segments.contains(&kind)
                && facts.contains_all(rule.when)
                && !facts.intersects(rule.unless)
        })
    }

    /// Threats found on a segment, in catalogue order.
    fn threats_for(&self, kind: SegmentKind, facts: FactSet) -> Vec<usize> {
        let mut found = vec![false; self.threat_count];
        for rule in self.firing(kind, facts) {
            for &t in &rule.threats {
                found[t] = true;
            }
        }
        (0..self.threat_count).filter(|&t| found[t]).collect()
    }

    /// The rules that found `threat` on the segment, in rule order.
    fn rules_for(&self, kind: SegmentKind, facts: FactSet, threat: usize) -> Vec<&Text> {
        self.firing(kind, facts)
            .filter(|rule| rule.threats.contains(&threat))
            .map(|rule| &rule.id)
            .collect()
    }

    fn rule_descriptions(&self, kb: &KnowledgeBase) -> BTreeMap<String, crate::text::Localized> {
        self.threat_rules
            .iter()
            .map(|r| &*r.id)
            .chain(self.likelihood.iter().map(|r| &*r.id))
            .chain(self.impact.iter().map(|r| &*r.id))
            .filter_map(|id| kb.rule_description(id).map(|d| (id.to_owned(), d.clone())))
            .collect()
    }
}

/// Applies score rules: highest `at_least`, then lowest `at_most`, then every `shift`, kept in 1..=5.
fn apply_rules<'a>(base: u8, rules: impl Iterator<Item = &'a CompiledScoreRule>) -> ScoreTrace {
    let matched: Vec<&CompiledScoreRule> = rules.collect();
    let mut value = base;
    let mut steps = Vec::new();
    let mut record = |rule: &CompiledScoreRule, from: u8, to: u8| {
        steps.push(ScoreStep {
            rule: rule.id.clone(),
            op: rule.op,
            from,
            to,
        });
    };
    if let Some(rule) = matched
        .iter()
        .filter(|r| matches!(r.op, ScoreOp::AtLeast(_)))
        .max_by_key(|r| match r.op {
            ScoreOp::AtLeast(n) => n,
            _ => 0,
        })
        && let ScoreOp::AtLeast(n) = rule.op
    {
        let to = value.max(n);
        record(rule, value, to);
        value = to;
    }
    if let Some(rule) = matched
        .iter()
        .filter(|r| matches!(r.op, ScoreOp::AtMost(_)))
        .min_by_key(|r| match r.op {
            ScoreOp::AtMost(n) => n,
            _ => 5,
        })
        && let ScoreOp::AtMost(n) = rule.op
    {
        let to = value.min(n);
        record(rule, value, to);
        value = to;
    }
    for rule in matched.iter().filter(|r| matches!(r.op, ScoreOp::Shift(_))) {
        if let ScoreOp::Shift(n) = rule.op {
            let to = i16::from(value).saturating_add(i16::from(n)).clamp(1, 5) as u8;
            record(rule, value, to);
            value = to;
        }
    }
    ScoreTrace {
        base,
        steps,
        value: value.clamp(1, 5),
    }
}

/// A risk found but not yet scored: a threat on a segment of a flow.
struct Seed {
    flow: FlowIx,
    segment: Segment,
    threat: usize,
    /// The facts of the segment.
    facts: FactSet,
}

#[allow(clippy::too_many_arguments)]
fn score_risk(
    model: &Model,
    kb: &KnowledgeBase,
    compiled: &Compiled,
    seed: &Seed,
    names: &Names,
    controls: &ControlIndex,
    decisions: &DecisionIndex,
    counts: &policy::Counts,
    risk_ix: usize,
    shared: &mut Shared,
) -> Risk {
    let (flow_ix, segment, threat_ix, facts) = (seed.flow, &seed.segment, seed.threat, seed.facts);
    let flow = &model.flows[flow_ix];
    // Found again from the seed's facts: a few mask tests, cheaper than a list kept per seed.
    let threat_rules = compiled.rules_for(segment.kind, facts, threat_ix);
    let threat = &kb.threats[threat_ix];
    let applies = |r: &&CompiledScoreRule| {
        (r.threats.is_empty() || r.threats.contains(&threat_ix))
            && (r.segments.is_empty() || r.segments.contains(&segment.kind))
            && facts.contains_all(r.when)
            && !facts.intersects(r.unless)
    };

    // 5.1.2 likelihood.
    let likelihood = apply_rules(
        threat.base_likelihood.clamp(1, 5),
        compiled.likelihood.iter().filter(applies),
    );

    // 5.1.2 impact: the highest level of the flow's information among the aspects harmed.
    let mut basis = ImpactBasis {
        information: Text::from(""),
        classification: Text::from(""),
        aspect: crate::vocab::Cia::Confidentiality,
        level: 1,
    };
    let mut basis_info = None;
    for &info_ix in &flow.what {
        let info = &model.information[info_ix];
        let class = &model.classifications[info.classification];
        for &aspect in &threat.harms {
            let level = match aspect {
                crate::vocab::Cia::Confidentiality => class.confidentiality,
                crate::vocab::Cia::Integrity => class.integrity,
                crate::vocab::Cia::Availability => class.availability,
            };
            if level > basis.level || basis.information.is_empty() {
                basis_info = Some(info_ix);
                basis = ImpactBasis {
                    information: names.get(ElementRef::Information(info_ix)).id,
                    classification: names
                        .get(ElementRef::Classification(info.classification))
                        .id,
                    aspect,
                    level,
                };
            }
        }
    }
    let impact = apply_rules(
        basis.level.clamp(1, 5),
        compiled
            .impact
            .iter()
            .filter(applies)
            .filter(|r| r.harms.is_empty() || r.harms.iter().any(|h| threat.harms.contains(h))),
    );

    // 5.1.3 evaluation.
    let rank = kb
        .matrix
        .rank(impact.value, likelihood.value)
        .unwrap_or(Rank::A);
    let need = kb
        .matrix
        .policy(rank)
        .map_or(TreatmentNeed::Required, |p| p.treatment);
    let inherent = Score {
        likelihood: likelihood.value,
        impact: impact.value,
        rank,
    };

    // 5.1.4–5.1.5: decision, controls, residual.
    let element_id = model.element_id(segment.element);
    let id = risk_id(&flow.id, segment.kind, element_id, &threat.id);
    let matched = decisions.find(&id);
    counts.decisions(risk_ix, &matched);
    let decision = matched.first().copied();
    let mut applied: Vec<(ControlIx, ControlVia)> = Vec::new();
    for c in controls.candidates(model, flow_ix, flow, segment.element) {
        if model.controls[c].counters.contains(&threat.id) && !applied.iter().any(|(x, _)| *x == c)
        {
            applied.push((c, ControlVia::AppliesTo));
        }
    }
    if let Some(d) = decision {
        let names_threat = model.decisions[d].names_threat();
        for (position, &c) in model.decisions[d].controls.iter().enumerate() {
            let counters = model.controls[c].counters.contains(&threat.id);
            // A decision over several threats lowers each risk only with the controls that
            // counter its threat; one naming the threat is taken at its word, and reported.
            if !counters && !names_threat {
                continue;
            }
            counts.decision_control(d, position);
            if applied.iter().any(|(x, _)| *x == c) {
                continue;
            }
            if !counters {
                counts.off_threat(d, c, threat_ix, risk_ix);
            }
            applied.push((c, ControlVia::Decision));
        }
    }
    applied.sort_by_key(|(c, _)| *c);
    for (c, _) in &applied {
        counts.control(*c);
    }
    let mut residual_l = inherent.likelihood;
    let mut residual_i = inherent.impact;
    let mut residual_steps = Vec::new();
    for (c, _) in &applied {
        let control = &model.controls[*c];
        residual_l = residual_l.saturating_sub(control.effect.likelihood).max(1);
        residual_i = residual_i.saturating_sub(control.effect.impact).max(1);
        residual_steps.push(ResidualStep {
            control: control.id.clone(),
            likelihood: residual_l,
            impact: residual_i,
        });
    }
    let residual = Score {
        likelihood: residual_l,
        impact: residual_i,
        rank: kb.matrix.rank(residual_i, residual_l).unwrap_or(rank),
    };

    let (status, treatment) = match decision {
        Some(d) => {
            let decision = &model.decisions[d];
            let status = match decision.treatment {
                TreatmentOption::Reduce => Status::Reduced,
                TreatmentOption::Avoid => Status::Avoided,
                TreatmentOption::Share => Status::Shared,
                TreatmentOption::Accept => Status::Accepted,
            };
            (status, Some(decision.treatment))
        }
        None if !applied.is_empty() => (Status::Reduced, Some(TreatmentOption::Reduce)),
        None => (Status::Open, None),
    };
    let treatment = treatment.map(|option| shared.treatment(model, decision, option, applied));

    let element = names.get(segment.element);
    let scenario = compiled.scenarios.scenario(
        &mut shared.scenarios,
        model,
        flow_ix,
        segment.kind,
        segment.element,
        threat_ix,
        basis_info,
    );
    Risk {
        id,
        flow: names.get(ElementRef::Flow(flow_ix)).id,
        phase: flow.phase,
        layer: flow.layer,
        segment: segment.kind,
        element,
        threat: names.threats[threat_ix].clone(),
        scenario,
        classification: basis.classification.clone(),
        rank,
        inherent,
        treatment_need: need,
        status,
        treatment,
        residual,
        trace: shared.trace(Trace {
            facts: facts.iter().collect(),
            threat_rules: threat_rules.into_iter().cloned().collect(),
            likelihood,
            impact,
            impact_basis: basis,
            residual: residual_steps,
        }),
        span: flow.span,
    }
}

/// Traces and treatments already made by one worker. A large model repeats itself (a thousand
/// clinics of the same terminals), so most risks share them instead of owning copies: at 100,000
/// flows this takes a third off the peak memory of an assessment.
#[derive(Default)]
struct Shared {
    traces: HashSet<Arc<Trace>>,
    /// By (decision, option, applied controls), which decide the treatment.
    treatments: HashMap<TreatmentKey, Arc<Treatment>>,
    scenarios: scenarios::ScenarioCache,
}

type TreatmentKey = (Option<usize>, TreatmentOption, Vec<(ControlIx, ControlVia)>);

impl Shared {
    fn trace(&mut self, trace: Trace) -> Arc<Trace> {
        if let Some(known) = self.traces.get(&trace) {
            return Arc::clone(known);
        }
        let trace = Arc::new(trace);
        self.traces.insert(Arc::clone(&trace));
        trace
    }

    fn treatment(
        &mut self,
        model: &Model,
        decision: Option<usize>,
        option: TreatmentOption,
        applied: Vec<(ControlIx, ControlVia)>,
    ) -> Arc<Treatment> {
        let key = (decision, option, applied);
        if let Some(known) = self.treatments.get(&key) {
            return Arc::clone(known);
        }
        let made = Arc::new(treatment(model, decision, option, &key.2));
        self.treatments.insert(key, Arc::clone(&made));
        made
    }
}

fn treatment(
    model: &Model,
    decision: Option<usize>,
    option: TreatmentOption,
    applied: &[(ControlIx, ControlVia)],
) -> Treatment {
    let d = decision.map(|d| &model.decisions[d]);
    Treatment {
        option,
        implied: d.is_none(),
        decision: d.map(|d| DecisionRef {
            pattern: d.risk.clone(),
            span: d.span,
        }),
        controls: applied
            .iter()
            .map(|(c, via)| {
                let control = &model.controls[*c];
                AppliedControl {
                    id: control.id.clone(),
                    name: control.name.clone(),
                    category: control.category,
                    owner: reference(model, ElementRef::Organization(control.owner)),
                    via: *via,
                    likelihood_effect: control.effect.likelihood,
                    impact_effect: control.effect.impact,
                    references: control.references.iter().map(ToString::to_string).collect(),
                }
            })
            .collect(),
        not_applied: d
            .map(|d| {
                d.controls
                    .iter()
                    .filter(|c| !applied.iter().any(|(x, _)| x == *c))
                    .map(|&c| model.controls[c].id.clone())
                    .collect()
            })
            .unwrap_or_default(),
        requests: d
            .map(|d| {
                d.requests
                    .iter()
                    .map(|r| RequestInfo {
                        control: r.control.map(|c| model.controls[c].id.clone()),
                        text: r.text.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        acceptance: d
            .and_then(|d| d.acceptance.as_ref())
            .map(|a| AcceptanceInfo {
                by: a.by.clone(),
                date: a.date.clone(),
                reason: a.reason.clone(),
            }),
        rationale: d.and_then(|d| d.rationale.clone()),
    }
}

/// Controls reachable from each element, flow, location and information kind.
struct ControlIndex {
    by_element: HashMap<ElementRef, Vec<ControlIx>>,
}

impl ControlIndex {
    fn new(model: &Model, _kb: &KnowledgeBase) -> Self {
        let mut by_element: HashMap<ElementRef, Vec<ControlIx>> = HashMap::new();
        for (i, control) in ControlIx::enumerate(&model.controls) {
            for target in &control.applies_to {
                by_element.entry(*target).or_default().push(i);
            }
        }
        ControlIndex { by_element }
    }

    fn candidates(
        &self,
        model: &Model,
        flow_ix: FlowIx,
        flow: &Flow,
        element: ElementRef,
    ) -> Vec<ControlIx> {
        let mut out = Vec::new();
        let mut add = |key: ElementRef| {
            if let Some(list) = self.by_element.get(&key) {
                out.extend_from_slice(list);
            }
        };
        add(element);
        add(ElementRef::Flow(flow_ix));
        if let ElementRef::Asset(a) = element {
            let mut location = Some(model.assets[a].location);
            // A control on a building covers the rooms inside it.
            for _ in 0..8 {
                let Some(l) = location else { break };
                add(ElementRef::Location(l));
                location = model.locations[l].within;
            }
        }
        for &info in &flow.what {
            add(ElementRef::Information(info));
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Decisions by exact risk id, and `*` patterns by the literal text they start with (or, for
/// those starting with `*`, end with), so that a risk is tried only against the patterns that
/// could match it: matching is linear in risks plus decisions, not their product.
pub(crate) struct DecisionIndex {
    exact: HashMap<String, Vec<usize>>,
    /// Patterns by their literal prefix (the text before the first `*`), when not empty.
    by_prefix: HashMap<String, Vec<usize>>,
    /// The distinct prefix lengths, shortest first: a risk id is looked up once per length.
    prefix_lengths: Vec<usize>,
    /// Patterns that start with `*`, by their literal suffix (after the last `*`), when not empty.
    by_suffix: HashMap<String, Vec<usize>>,
    suffix_lengths: Vec<usize>,
    /// Patterns with neither (`*`, `*x*`): tried on every risk.
    anywhere: Vec<usize>,
    /// Every decision's pattern, by its position in the model.
    patterns: Vec<String>,
}

impl DecisionIndex {
    pub(crate) fn new(model: &Model) -> Self {
        Self::of(model.decisions.iter().map(|d| d.risk.as_str()))
    }

    fn of<'a>(patterns: impl Iterator<Item = &'a str>) -> Self {
        let mut index = DecisionIndex {
            exact: HashMap::new(),
            by_prefix: HashMap::new(),
            prefix_lengths: Vec::new(),
            by_suffix: HashMap::new(),
            suffix_lengths: Vec::new(),
            anywhere: Vec::new(),
            patterns: Vec::new(),
        };
        for (i, pattern) in patterns.enumerate() {
            index.patterns.push(pattern.to_owned());
            let (Some(first), Some(last)) = (pattern.find('*'), pattern.rfind('*')) else {
                index.exact.entry(pattern.to_owned()).or_default().push(i);
                continue;
            };
            let (prefix, suffix) = (&pattern[..first], &pattern[last + 1..]);
            if !prefix.is_empty() {
                index
                    .by_prefix
                    .entry(prefix.to_owned())
                    .or_default()
                    .push(i);
                index.prefix_lengths.push(prefix.len());
            } else if !suffix.is_empty() {
                index
                    .by_suffix
                    .entry(suffix.to_owned())
                    .or_default()
                    .push(i);
                index.suffix_lengths.push(suffix.len());
            } else {
                index.anywhere.push(i);
            }
        }
        for lengths in [&mut index.prefix_lengths, &mut index.suffix_lengths] {
            lengths.sort_unstable();
            lengths.dedup();
        }
        index
    }

    /// Every decision that matches, in model order; the first one applies.
    pub(crate) fn find(&self, id: &str) -> Vec<usize> {
        let mut matches: Vec<usize> = self.exact.get(id).cloned().unwrap_or_default();
        let mut try_all = |candidates: &[usize]| {
            for &i in candidates {
                if pattern_matches(&self.patterns[i], id) {
                    matches.push(i);
                }
            }
        };
        for &len in &self.prefix_lengths {
            let Some(head) = id.get(..len) else { break };
            if let Some(candidates) = self.by_prefix.get(head) {
                try_all(candidates);
            }
        }
        for &len in &self.suffix_lengths {
            let Some(tail) = id.len().checked_sub(len).and_then(|start| id.get(start..)) else {
                break;
            };
            if let Some(candidates) = self.by_suffix.get(tail) {
                try_all(candidates);
            }
        }
        try_all(&self.anywhere);
        // Each pattern sits in one bucket, so there are no duplicates to remove.
        matches.sort_unstable();
        matches
    }
}

fn summarize(
    flows: &[FlowResult],
    risks: &[Risk],
    findings: &[crate::diagnostics::Diagnostic],
) -> Summary {
    let mut summary = Summary {
        flows: flows.len(),
        risks: risks.len(),
        ..Summary::default()
    };
    for rank in Rank::ALL {
        summary.inherent_by_rank.insert(rank.as_str().to_owned(), 0);
        summary.residual_by_rank.insert(rank.as_str().to_owned(), 0);
    }
    for flow in flows {
        *summary
            .flows_by_phase
            .entry(flow.phase.name().to_owned())
            .or_default() += 1;
    }
    for risk in risks {
        *summary
            .inherent_by_rank
            .entry(risk.inherent.rank.as_str().to_owned())
            .or_default() += 1;
        *summary
            .residual_by_rank
            .entry(risk.residual.rank.as_str().to_owned())
            .or_default() += 1;
        *summary
            .by_status
            .entry(risk.status.as_str().to_owned())
            .or_default() += 1;
        if risk.status == Status::Open && risk.treatment_need == TreatmentNeed::Required {
            summary.untreated_required += 1;
        }
    }
    for finding in findings {
        *summary
            .findings_by_severity
            .entry(finding.severity.name().to_owned())
            .or_default() += 1;
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index finds exactly what trying every pattern on every id finds, in the same order.
    #[test]
    fn the_decision_index_finds_what_a_full_scan_finds() {
        use proptest::prelude::*;
        let part = prop_oneof![
            Just("site-1-f2".to_owned()),
            Just("site-12-f2".to_owned()),
            Just("entry".to_owned()),
            Just("transfer".to_owned()),
            Just("term".to_owned()),
            Just("T1".to_owned()),
            Just("T11".to_owned()),
            "[a-z0-9/-]{0,4}",
        ];
        let id = proptest::collection::vec(part.clone(), 4).prop_map(|p| p.join("/"));
        let pattern = proptest::collection::vec(
            prop_oneof![part.clone(), Just("*".to_owned()), Just("/".to_owned())],
            1..6,
        )
        .prop_map(|p| p.concat());
        proptest!(|(patterns in proptest::collection::vec(pattern, 0..12), ids in proptest::collection::vec(id, 1..12))| {
            let index = DecisionIndex::of(patterns.iter().map(String::as_str));
            for id in &ids {
                let scanned: Vec<usize> = patterns
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| pattern_matches(p, id))
                    .map(|(i, _)| i)
                    .collect();
                prop_assert_eq!(index.find(id), scanned, "{}", id);
            }
        });
    }

    #[test]
    fn patterns_match_like_globs() {
        assert!(pattern_matches(
            "*/storage/ehr-db/T4",
            "OP-1/storage/ehr-db/T4"
        ));
        assert!(pattern_matches("OP-1/*/T1", "OP-1/entry/tablet/T1"));
        assert!(pattern_matches(
            "OP-1/entry/tablet/T1",
            "OP-1/entry/tablet/T1"
        ));
        assert!(!pattern_matches("OP-1/*/T1", "OP-10/entry/tablet/T1"));
        assert!(!pattern_matches("*/T4", "OP-1/storage/db/T41"));
        assert!(pattern_matches("*", "anything"));
        assert!(pattern_matches("a*b*c", "aXbYc"));
        assert!(!pattern_matches("a*b*c", "ac"));
    }

    fn rule(id: &str, op: ScoreOp) -> CompiledScoreRule {
        CompiledScoreRule {
            id: id.into(),
            when: FactSet::default(),
            unless: FactSet::default(),
            threats: vec![],
            segments: vec![],
            harms: vec![],
            op,
        }
    }

    #[test]
    fn score_rules_combine_floor_cap_shift_in_order() {
        let rules = [
            rule("low", ScoreOp::AtLeast(3)),
            rule("high", ScoreOp::AtLeast(4)),
            rule("cap", ScoreOp::AtMost(4)),
            rule("mfa", ScoreOp::Shift(-1)),
        ];
        let trace = apply_rules(2, rules.iter());
        assert_eq!(trace.value, 3);
        let applied: Vec<(&str, u8, u8)> = trace
            .steps
            .iter()
            .map(|s| (&*s.rule, s.from, s.to))
            .collect();
        assert_eq!(applied, vec![("high", 2, 4), ("cap", 4, 4), ("mfa", 4, 3)]);
    }

    #[test]
    fn shifts_stay_within_the_scale() {
        let rules = [rule("up", ScoreOp::Shift(3))];
        assert_eq!(apply_rules(4, rules.iter()).value, 5);
        let rules = [rule("down", ScoreOp::Shift(-4))];
        assert_eq!(apply_rules(2, rules.iter()).value, 1);
    }
}
