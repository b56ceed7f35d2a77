//! The guideline rule pack: checks of what the guidelines specifically demand, run on the
//! validated model. Each family lives in its own file and reads only the model and the
//! knowledge base; titles, explanations, clauses, severity and rank of every rule are data
//! (`kb/rules.yaml`), thresholds and allow-lists too (`kb/tables.yaml`).

mod agreement;
mod auth;
mod continuity;
mod institutional;
mod lifecycle;
mod logs;
mod media;
mod network;
mod operations;
mod providers;

use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostics::{Code, Diagnostic};
use crate::kb::KnowledgeBase;
use crate::model::{ElementRef, Flow, Model};
use crate::source::Span;
use crate::text::Localized;
use crate::vocab::OrganizationRole;

/// Runs every rule and appends its findings.
pub fn check(model: &Model, kb: &KnowledgeBase, out: &mut Vec<Diagnostic>) {
    // Index flows by the elements on their paths once, so no rule scans every flow per element.
    let mut through: HashMap<ElementRef, Vec<usize>> = HashMap::new();
    let mut by_which: Vec<Vec<usize>> = vec![Vec::new(); model.assets.len()];
    for (i, flow) in model.flows.iter().enumerate() {
        for element in &flow.path {
            let list = through.entry(*element).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
        if let Some(list) = by_which.get_mut(flow.which) {
            list.push(i);
        }
    }
    let mut ctx = Ctx {
        model,
        kb,
        out,
        through,
        by_which,
        hints: HashMap::new(),
    };
    auth::check(&mut ctx);
    logs::check(&mut ctx);
    network::check(&mut ctx);
    media::check(&mut ctx);
    continuity::check(&mut ctx);
    operations::check(&mut ctx);
    institutional::check(&mut ctx);
    agreement::check(&mut ctx);
    providers::check(&mut ctx);
    lifecycle::check(&mut ctx);
}

pub(crate) struct Ctx<'a> {
    pub model: &'a Model,
    pub kb: &'a KnowledgeBase,
    out: &'a mut Vec<Diagnostic>,
    /// Flows (indices) whose path includes an element.
    through: HashMap<ElementRef, Vec<usize>>,
    /// Flows (indices) per asset used as `which`.
    by_which: Vec<Vec<usize>>,
    /// The fix of each rule, made once and shared by its findings (a rule on every terminal of
    /// a large network finds tens of thousands).
    hints: HashMap<Code, Arc<Localized>>,
}

impl Ctx<'_> {
    /// Records a finding of `code` on `element`, at `span`, with the specifics in `detail`.
    pub fn emit(&mut self, code: Code, element: &str, span: Option<Span>, detail: Localized) {
        let doc = self.kb.rule(code);
        let message = match doc {
            Some(doc) => Localized::new(
                format!("{}: {}", doc.title.ja, detail.ja),
                format!("{}: {}", doc.title.en, detail.en),
            ),
            None => detail,
        };
        let mut d = Diagnostic::new(code, message, span).with_element(element);
        if let Some(doc) = doc {
            d.severity = doc.severity;
            d.rank = Some(doc.rank);
            d.hint = Some(Arc::clone(
                self.hints
                    .entry(code)
                    .or_insert_with(|| Arc::new(doc.fix.clone())),
            ));
            d.references = doc.references.clone();
        }
        self.out.push(d);
    }

    pub fn system_span(&self) -> Option<Span> {
        Some(self.model.system.span)
    }

    pub fn is_medical(&self, info: usize) -> bool {
        self.model.classifications[self.model.information[info].classification].medical
    }

    pub fn flow_is_medical(&self, flow: &Flow) -> bool {
        flow.what.iter().any(|&i| self.is_medical(i))
    }

    /// Flows carrying medical information whose path includes `element`.
    pub fn medical_flows_through(&self, element: ElementRef) -> impl Iterator<Item = &Flow> {
        self.through
            .get(&element)
            .into_iter()
            .flatten()
            .map(|&i| &self.model.flows[i])
            .filter(move |f| self.flow_is_medical(f))
    }

    /// Flows whose `which` is the asset.
    pub fn flows_at(&self, asset: usize) -> impl Iterator<Item = &Flow> {
        self.by_which
            .get(asset)
            .into_iter()
            .flatten()
            .map(|&i| &self.model.flows[i])
    }

    /// Whether an asset holds medical information, by `holds` or by storing it in a flow.
    pub fn asset_holds_medical(&self, asset: usize) -> bool {
        self.model.assets[asset]
            .holds
            .iter()
            .any(|&i| self.is_medical(i))
            || self
                .medical_flows_through(ElementRef::Asset(asset))
                .any(|f| f.path.last() == Some(&ElementRef::Asset(asset)))
    }

    pub fn org_role(&self, org: usize) -> OrganizationRole {
        self.model.organizations[org].role
    }

    /// A short list of ids for messages: the first few and a count of the rest.
    pub fn list<'b>(ids: impl Iterator<Item = &'b str>) -> String {
        let ids: Vec<&str> = ids.collect();
        match ids.len() {
            0..=3 => ids.join(", "),
            n => format!("{} … (+{})", ids[..3].join(", "), n - 3),
        }
    }
}
