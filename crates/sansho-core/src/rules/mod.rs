//! The guideline rule pack: checks of what the guidelines specifically demand, run on the
//! validated model.
//!
//! A rule is one file under `src/rules/<family>/`: its declaration (YAML in `declare_rule!`: code,
//! texts, example, the clauses it rests on with the strength of their wording, rank) and its
//! `check`. `build.rs` lists the files, so adding a rule touches its own file and the generated
//! docs. Checks decide from the model's structure through [`crate::judge`], the same judgements
//! the engine's facts read; what they need and the model leaves out is reported as a warning that
//! says what to state, never passed.

use std::collections::HashMap;
use std::sync::Arc;

use crate::diagnostics::{Code, Diagnostic, RuleId, Severity};
use crate::judge::Structure;
use crate::kb::KnowledgeBase;
use crate::model::{AssetIx, Flow, FlowIx, InfoIx, Model};
use crate::source::Span;
use crate::text::Localized;

/// What each rule file gives the registry.
pub(crate) struct RuleImpl {
    pub check: fn(&mut Ctx<'_>),
}

/// Puts a rule's declaration at the top of its file. `build.rs` reads the YAML from the file;
/// the constant keeps it in the compiled code for anyone reading that.
macro_rules! declare_rule {
    ($yaml:literal) => {
        /// The rule's declaration (also read by `build.rs`).
        #[allow(dead_code)]
        pub(crate) const DECLARATION: &str = $yaml;
    };
}

/// What a rule file needs.
mod prelude {
    pub(crate) use super::Ctx;
    pub(crate) use crate::judge::{self, Stated};
    pub(crate) use crate::loc;
    pub(crate) use crate::model::{AssetIx, ConnectionIx, ElementRef, FlowIx, InfoIx, OrgIx};
    pub(crate) use crate::text::Localized;
    pub(crate) use crate::vocab::*;
}

mod registry {
    use super::RuleImpl;
    include!(concat!(env!("OUT_DIR"), "/rule_registry.rs"));
}

/// Runs every rule and appends its findings.
pub fn check(structure: &Structure<'_>, kb: &KnowledgeBase, out: &mut Vec<Diagnostic>) {
    let mut ctx = Ctx {
        model: structure.model,
        s: structure,
        kb,
        out,
        rule: None,
        hints: HashMap::new(),
        references: HashMap::new(),
        editions: effective_editions(structure.model, kb),
    };
    for (rule, imp) in RuleId::all().zip(registry::REGISTRY) {
        ctx.rule = Some(rule);
        (imp.check)(&mut ctx);
    }
}

/// What a rule sees: the model, its structure, the knowledge base, and where findings go.
pub(crate) struct Ctx<'a> {
    pub model: &'a Model,
    pub s: &'a Structure<'a>,
    pub kb: &'a KnowledgeBase,
    out: &'a mut Vec<Diagnostic>,
    /// The rule being run.
    rule: Option<RuleId>,
    /// The fix of each rule, made once and shared by its findings (a rule on every terminal of
    /// a large network finds tens of thousands).
    hints: HashMap<RuleId, Arc<Localized>>,
    /// The clauses each rule's findings cite for this model, made once and shared.
    references: HashMap<RuleId, Arc<[String]>>,
    /// The editions the model follows, with those sansho applies instead of editions whose
    /// content it does not hold.
    editions: Vec<String>,
}

fn effective_editions(model: &Model, kb: &KnowledgeBase) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in &model.system.editions {
        let applied = kb
            .edition(e)
            .and_then(|ed| ed.applies_instead.clone())
            .unwrap_or_else(|| e.clone());
        for id in [e.clone(), applied] {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

impl Ctx<'_> {
    /// The rule fails on `element`: `detail` says what in the model makes it fail.
    pub fn fail(&mut self, element: &str, span: Option<Span>, detail: Localized) {
        self.emit(element, span, detail, false);
    }

    /// The rule cannot decide on `element` because the model leaves out what `state` names: a
    /// warning, never a pass.
    pub fn unknown(&mut self, element: &str, span: Option<Span>, state: Localized) {
        let detail = Localized::new(
            ["判断に必要な情報がありません — ", state.ja.as_str()].concat(),
            ["cannot be decided — ", state.en.as_str()].concat(),
        );
        self.emit(element, span, detail, true);
    }

    /// A duty repeated every `months` months (an inventory, a drill) on `element`, last done on
    /// `last` — from the operational records when `recorded`. Fails once it is overdue by the
    /// model's date; without a date, warns with `missing` (what to state). `what` names the duty
    /// as the subject of a sentence (「… の最後の棚卸」, "the last inventory of …").
    pub fn periodic(
        &mut self,
        element: &str,
        span: Span,
        (last, recorded): (Option<&str>, bool),
        months: u32,
        what: Localized,
        missing: Localized,
    ) {
        let Some(as_of) = self.model.system.as_of.as_deref() else {
            return;
        };
        let Some(last) = last else {
            self.unknown(element, Some(span), missing);
            return;
        };
        let Some(due) = crate::judge::overdue_since(self.model, last, months) else {
            return;
        };
        let (whence_ja, whence_en) = if recorded {
            ("運用記録", "the records")
        } else {
            ("モデル", "the model")
        };
        let (what_ja, what_en) = (&what.ja, &what.en);
        let detail = crate::loc!(
            "{what_ja}は {last} ({whence_ja}) で、{due} に期限を過ぎています (基準日 {as_of}、間隔 {months} か月)",
            "{what_en} was on {last} ({whence_en}) and fell overdue on {due} (model date {as_of}, interval {months} months)"
        );
        self.fail(element, Some(span), detail);
    }

    fn emit(&mut self, element: &str, span: Option<Span>, detail: Localized, unknown: bool) {
        let Some(rule) = self.rule else { return };
        let code = Code::Rule(rule);
        let Some(declaration) = self.kb.rules.get(rule.index()) else {
            self.out
                .push(Diagnostic::new(code, detail, span).with_element(element));
            return;
        };
        // Allocated once at their length (a large model has hundreds of thousands of findings).
        let message = Localized::new(
            [declaration.title.ja.as_str(), ": ", detail.ja.as_str()].concat(),
            [declaration.title.en.as_str(), ": ", detail.en.as_str()].concat(),
        );
        let mut d = Diagnostic::new(code, message, span).with_element(element);
        if unknown {
            d.severity = Severity::Warning;
        } else {
            d.severity = self.kb.rule_severity(declaration);
            d.rank = Some(declaration.rank);
        }
        d.hint = Some(Arc::clone(
            self.hints
                .entry(rule)
                .or_insert_with(|| Arc::new(declaration.fix.clone())),
        ));
        d.references = Arc::clone(self.references.entry(rule).or_insert_with(|| {
            let editions: Vec<&str> = self.editions.iter().map(String::as_str).collect();
            declaration.references_for(&editions).into()
        }));
        self.out.push(d);
    }

    pub fn system_span(&self) -> Option<Span> {
        Some(self.model.system.span)
    }

    pub fn is_medical(&self, info: InfoIx) -> bool {
        crate::judge::info_is_medical(self.model, info)
    }

    pub fn flow(&self, flow: FlowIx) -> &Flow {
        &self.model.flows[flow]
    }

    /// Assets people log in to with a password (alone or with other factors) that matter for
    /// medical information: staff handle it on them, or they are servers, databases or network
    /// equipment that keep it or carry it (the MHLW checklist asks about those too).
    pub fn assets_with_password(&self) -> Vec<AssetIx> {
        let (model, s) = (self.model, self.s);
        AssetIx::enumerate(&model.assets)
            .filter(|(ix, a)| {
                let password = a
                    .authentication
                    .as_ref()
                    .is_some_and(|m| m.contains(&crate::vocab::AuthMethod::Password));
                let staff = a.kind.has_login()
                    && s.flows_at(*ix).iter().any(|&f| {
                        s.is_medical_flow(f) && crate::judge::by_staff(model, &model.flows[f])
                    });
                let infrastructure = matches!(
                    a.kind,
                    crate::vocab::AssetKind::Server
                        | crate::vocab::AssetKind::Database
                        | crate::vocab::AssetKind::NetworkDevice
                ) && (s.keeps_medical(*ix)
                    || s.medical_flows_through(crate::model::ElementRef::Asset(*ix))
                        .next()
                        .is_some());
                password && (staff || infrastructure)
            })
            .map(|(ix, _)| ix)
            .collect()
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
