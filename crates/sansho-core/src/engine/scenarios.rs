//! The 想定リスク of each risk, from the knowledge base's templates (see [`crate::scenario`]).

use std::sync::Arc;

use foldhash::HashMap;
use strum::VariantArray;

use crate::kb::KnowledgeBase;
use crate::model::{ElementRef, Flow, FlowIx, InfoIx, Model};
use crate::scenario::{LocalizedTemplate, Scenario, Slots};
use crate::text::{Lang, Localized};
use crate::vocab::SegmentKind;

/// The templates, parsed and indexed by segment kind and threat.
pub(super) struct Scenarios {
    /// By `SegmentKind as usize`.
    contexts: Vec<Option<LocalizedTemplate>>,
    clauses: Vec<LocalizedTemplate>,
    /// By threat index, then `SegmentKind as usize`: the clause that applies.
    by_threat: Vec<Vec<Option<usize>>>,
    /// A threat without any clause is named instead: "T12 の名前が起こり得る".
    fallback: Vec<Arc<Localized>>,
}

/// The halves already made by one worker.
#[derive(Default)]
pub(super) struct ScenarioCache {
    /// Risks of one segment follow each other, so the last context is the one asked again. Keyed
    /// by the information too when the context names it (a user's may).
    context: Option<(ContextKey, Arc<Localized>)>,
    /// By (clause, element, information) and the flow when the clause uses its slots.
    clauses: HashMap<ClauseKey, Arc<Localized>>,
}

/// (flow, segment kind, element, information).
type ContextKey = (FlowIx, SegmentKind, ElementRef, Option<InfoIx>);

/// (clause, element, information, the flow when the clause uses the flow's slots).
type ClauseKey = (usize, ElementRef, Option<InfoIx>, Option<FlowIx>);

impl Scenarios {
    /// Templates that do not parse were reported by the knowledge base's validation; here they
    /// are left out (the context is then empty, the clause the threat's name).
    pub(super) fn new(kb: &KnowledgeBase) -> Self {
        let kinds = SegmentKind::VARIANTS.len();
        let mut contexts = vec![None; kinds];
        for c in &kb.scenario_contexts {
            if let (Some(kind), Ok(t)) = (
                SegmentKind::VARIANTS.iter().find(|k| k.as_str() == c.id),
                LocalizedTemplate::parse(&c.text),
            ) {
                contexts[*kind as usize] = Some(t);
            }
        }
        let mut clauses = Vec::new();
        let mut by_threat = vec![vec![None; kinds]; kb.threats.len()];
        let mut specific = vec![vec![false; kinds]; kb.threats.len()];
        for s in &kb.scenarios {
            let (Some(threat), Ok(t)) = (
                kb.threats.iter().position(|t| t.id == s.threat),
                LocalizedTemplate::parse(&s.text),
            ) else {
                continue;
            };
            let ix = clauses.len();
            clauses.push(t);
            for kind in SegmentKind::VARIANTS {
                let k = *kind as usize;
                if s.segments.contains(kind) {
                    by_threat[threat][k] = Some(ix);
                    specific[threat][k] = true;
                } else if s.segments.is_empty() && !specific[threat][k] {
                    by_threat[threat][k] = Some(ix);
                }
            }
        }
        let fallback = kb
            .threats
            .iter()
            .map(|t| {
                Arc::new(Localized::new(
                    format!("{}が起こり得る", t.name.get(Lang::Ja)),
                    format!("{} may occur", t.name.get(Lang::En)),
                ))
            })
            .collect();
        Scenarios {
            contexts,
            clauses,
            by_threat,
            fallback,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn scenario(
        &self,
        cache: &mut ScenarioCache,
        model: &Model,
        flow_ix: FlowIx,
        kind: SegmentKind,
        element: ElementRef,
        threat: usize,
        information: Option<InfoIx>,
    ) -> Scenario {
        let flow = &model.flows[flow_ix];
        // The slots' texts, made at most once per risk and only when a half is not cached.
        let mut texts = None;
        let mut fill = |t: &LocalizedTemplate| {
            let (ja, en) = texts.get_or_insert_with(|| slots(model, flow, element, information));
            t.fill(&ja.as_slots(), &en.as_slots())
        };
        let context_template = self.contexts[kind as usize].as_ref();
        let key = (
            flow_ix,
            kind,
            element,
            context_template
                .filter(|t| t.uses_information())
                .and(information),
        );
        let context = match &cache.context {
            Some((k, c)) if *k == key => Arc::clone(c),
            _ => {
                let made = Arc::new(context_template.map_or_else(Localized::default, &mut fill));
                cache.context = Some((key, Arc::clone(&made)));
                made
            }
        };
        let clause = match self.by_threat[threat][kind as usize] {
            None => Arc::clone(&self.fallback[threat]),
            Some(ix) => {
                let template = &self.clauses[ix];
                let per_flow = template.uses_flow().then_some(flow_ix);
                let key = (ix, element, information, per_flow);
                match cache.clauses.get(&key) {
                    Some(c) => Arc::clone(c),
                    None => {
                        let made = Arc::new(fill(template));
                        cache.clauses.insert(key, Arc::clone(&made));
                        made
                    }
                }
            }
        };
        Scenario::new(context, clause)
    }
}

/// The texts of the slots in one language.
struct SlotTexts<'a> {
    where_: &'a str,
    who: String,
    element: &'a str,
    what: String,
    how: String,
    information: String,
}

impl SlotTexts<'_> {
    fn as_slots(&self) -> Slots<'_> {
        // In the order of `crate::scenario::SLOTS`.
        [
            self.where_,
            &self.who,
            self.element,
            &self.what,
            &self.how,
            &self.information,
        ]
    }
}

fn slots<'a>(
    model: &'a Model,
    flow: &'a Flow,
    element: ElementRef,
    information: Option<InfoIx>,
) -> (SlotTexts<'a>, SlotTexts<'a>) {
    let who = |sep: &str, nobody: &str| {
        if flow.who.is_empty() {
            nobody.to_owned()
        } else {
            let names: Vec<&str> = flow
                .who
                .iter()
                .map(|&a| model.element_name(ElementRef::Actor(a)))
                .collect();
            names.join(sep)
        }
    };
    let what = |sep: &str| {
        let names: Vec<&str> = flow
            .what
            .iter()
            .map(|&i| model.element_name(ElementRef::Information(i)))
            .collect();
        names.join(sep)
    };
    let how = |lang: Lang, sep: &str| {
        let labels: Vec<String> = flow
            .how
            .iter()
            .map(|o| o.label().get(lang).to_owned())
            .collect();
        labels.join(sep)
    };
    let where_ = model.element_name(ElementRef::Location(flow.where_));
    let element_name = model.element_name(element);
    // The information that set the impact; the flow's information when none did.
    let information = |sep: &str| match information {
        Some(i) => model.element_name(ElementRef::Information(i)).to_owned(),
        None => what(sep),
    };
    let ja = SlotTexts {
        where_,
        who: who("・", "利用者"),
        element: element_name,
        what: what("、"),
        how: how(Lang::Ja, "・"),
        information: information("、"),
    };
    let en = SlotTexts {
        where_,
        who: who(", ", "a user"),
        element: element_name,
        what: what(", "),
        how: how(Lang::En, "/"),
        information: information(", "),
    };
    (ja, en)
}
