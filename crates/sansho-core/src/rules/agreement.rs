//! AGR: agreement readiness (PGL ch.4): certification or accepted alternative, validity, ISMS
//! scope, independent evaluation, 運用管理規程 coverage, vendor-selection answers.

use super::Ctx;
use crate::diagnostics::Code;
use crate::loc;
use crate::vocab::Vocabulary;
use crate::vocab::{CertificationScheme, Evaluator};

pub fn check(ctx: &mut Ctx<'_>) {
    let model = ctx.model;
    let tables = &ctx.kb.tables;
    let provider = &model.organizations[model.system.provider];
    let certified = provider.certifications.iter().any(|c| {
        tables.certifications.contains(&c.scheme)
            || tables.alternative_certifications.contains(&c.scheme)
            || (c.scheme == CertificationScheme::ExternalAudit
                && c.auditor
                    .is_some_and(|a| tables.auditor_qualifications.contains(&a)))
    });
    let (pid, pname) = (&provider.id, &provider.name);
    if !certified {
        ctx.emit(
            Code::CertificationMissing,
            pid,
            Some(provider.span),
            loc!("{pname} ({pid}) に Pマーク・ISMS も代替の認証・外部監査もありません", "{pname} ({pid}) holds neither Pマーク nor ISMS nor an accepted alternative or external audit"),
        );
    }
    for c in &provider.certifications {
        if matches!(
            c.scheme,
            CertificationScheme::Isms | CertificationScheme::IsmsCloud
        ) && c.covers_data_lifecycle != Some(true)
        {
            ctx.emit(
                Code::IsmsScopeNarrow,
                pid,
                Some(c.span),
                loc!("{pname} の ISMS の適用範囲が医療情報の入口から出口までを含むと書かれていません", "the ISMS scope of {pname} is not stated to cover the data from entry to exit"),
            );
        }
    }
    if let Some(as_of) = &model.system.as_of {
        for org in &model.organizations {
            for c in &org.certifications {
                if let Some(until) = c
                    .valid_until
                    .as_ref()
                    .filter(|u| u.as_str() < as_of.as_str())
                {
                    let (id, name, scheme) = (&org.id, &org.name, c.scheme.name());
                    ctx.emit(
                        Code::CertificationExpired,
                        id,
                        Some(c.span),
                        loc!("{name} ({id}) の {scheme} は {until} に失効しています (基準日 {as_of})", "{scheme} of {name} ({id}) expired on {until} (model date {as_of})"),
                    );
                }
            }
        }
    }
    let system_id = model.system.id.clone();
    match model.agreement.as_ref().and_then(|a| a.evaluation.as_ref()) {
        None => ctx.emit(
            Code::EvaluationMissing,
            &system_id,
            ctx.system_span(),
            loc!(
                "安全管理に係る評価がありません",
                "no evaluation of the safety management"
            ),
        ),
        Some(e) if e.by == Evaluator::SelfAssessment || e.involved_in_system => ctx.emit(
            Code::EvaluationMissing,
            &system_id,
            Some(e.span),
            loc!(
                "評価がシステムに関わる担当者自身によるものです",
                "the evaluation is done by people involved in the system"
            ),
        ),
        Some(_) => {}
    }
    let empty = Default::default();
    let operating = model
        .agreement
        .as_ref()
        .map_or(&empty, |a| &a.operating_rules);
    for item in &tables.operating_rule_items {
        if !operating.contains_key(&item.id) {
            let (label, ja, en) = (
                item.label.as_deref().unwrap_or(&item.id),
                &item.name.ja,
                &item.name.en,
            );
            ctx.emit(
                Code::OperatingRuleItemMissing,
                &item.id,
                ctx.system_span(),
                loc!("{label} {ja}", "{label} {en}"),
            );
        }
    }
    let vendor = model
        .agreement
        .as_ref()
        .map_or(&empty, |a| &a.vendor_selection);
    for item in &tables.vendor_selection_items {
        if !vendor.contains_key(&item.id) {
            let (ja, en) = (&item.name.ja, &item.name.en);
            ctx.emit(
                Code::VendorSelectionItemMissing,
                &item.id,
                ctx.system_span(),
                loc!("{ja}", "{en}"),
            );
        }
    }
}
