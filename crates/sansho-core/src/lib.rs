//! sansho-core: the system model, the knowledge base and the risk engine for the risk-based
//! security process of Japan's medical-information guidelines (PGL ch.5 and MGL 6.0).
//!
//! Data flows one way: file text handed in by the caller → [`load::load`] (raw YAML types, then a
//! validated [`model::Model`] and diagnostics) → [`engine::assess`] with a
//! [`kb::KnowledgeBase`] → one serialisable [`result::Assessment`].
//!
//! The crate does no file or network I/O and knows nothing of output formats: callers read files
//! (through [`load::SourceProvider`]) and render results.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod diagnostics;
pub mod diff;
pub mod engine;
pub mod facts;
pub mod judge;
pub mod kb;
pub mod load;
pub mod model;
pub mod result;
pub mod rules;
pub mod scenario;
pub mod schema;
pub mod source;
pub mod text;
pub mod vocab;

pub use diagnostics::{Code, Diagnostic, Severity};
pub use kb::KnowledgeBase;
pub use result::Assessment;
pub use source::{FileId, SourceFile, Sources, Span};
pub use text::{Lang, Localized};
pub use vocab::Rank;

/// Loads a model and assesses it: the usual entry point.
///
/// Returns the loaded sources, the assessment when the model has no errors, and the load
/// diagnostics (the assessment's own findings are inside the assessment).
pub fn assess(
    entry: &str,
    provider: &dyn load::SourceProvider,
    kb: &KnowledgeBase,
    limits: &load::Limits,
) -> (Sources, Option<Assessment>, Vec<Diagnostic>) {
    assess_with_facts(entry, provider, kb, limits, None)
}

/// [`assess`] with what the operational records establish applied to the model first
/// ([`facts`]).
pub fn assess_with_facts(
    entry: &str,
    provider: &dyn load::SourceProvider,
    kb: &KnowledgeBase,
    limits: &load::Limits,
    facts: Option<&facts::OperationalFacts>,
) -> (Sources, Option<Assessment>, Vec<Diagnostic>) {
    assess_kept(entry, provider, kb, limits, facts, None)
}

/// [`assess_with_facts`], parsing only the text `cache` has not seen ([`load::ParseCache`]):
/// for callers that load the same model again and again (`sansho watch`, the server).
pub fn assess_kept(
    entry: &str,
    provider: &dyn load::SourceProvider,
    kb: &KnowledgeBase,
    limits: &load::Limits,
    facts: Option<&facts::OperationalFacts>,
    cache: Option<&load::ParseCache>,
) -> (Sources, Option<Assessment>, Vec<Diagnostic>) {
    let mut loaded = load::load_with(entry, provider, kb, limits, cache);
    if let Some(facts) = facts {
        loaded.apply_facts(facts);
    }
    let assessment = loaded
        .model
        .as_ref()
        .map(|m| engine::assess(m, kb, &loaded.sources));
    (loaded.sources, assessment, loaded.diagnostics)
}
