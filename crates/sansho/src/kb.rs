//! `sansho kb`: the knowledge base as tables, or as JSON for tools.

use std::io::Write;

use clap::ValueEnum;
use sansho_core::vocab::Fact;
use sansho_core::{KnowledgeBase, Lang, Rank};

#[derive(Clone, Copy, ValueEnum)]
pub enum Section {
    Summary,
    Editions,
    Threats,
    Scales,
    Matrix,
    ThreatRules,
    Likelihood,
    Impact,
    Controls,
    Facts,
    Retention,
    OperatingRules,
    VendorSelection,
    Areas,
    All,
}

pub fn print(kb: &KnowledgeBase, section: Section, json: bool, lang: Lang) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let value = match section {
            Section::Editions => serde_json::to_value(&kb.editions)?,
            Section::Threats => serde_json::to_value(&kb.threats)?,
            Section::Scales => serde_json::to_value(&kb.scales)?,
            Section::Matrix => serde_json::to_value(&kb.matrix)?,
            Section::ThreatRules => serde_json::to_value(&kb.threat_rules)?,
            Section::Likelihood => serde_json::to_value(&kb.likelihood_rules)?,
            Section::Impact => serde_json::to_value(&kb.impact_rules)?,
            Section::Controls => serde_json::to_value(&kb.controls)?,
            Section::Facts => serde_json::to_value(
                Fact::ALL
                    .iter()
                    .map(|f| (f.name(), f.doc()))
                    .collect::<Vec<_>>(),
            )?,
            Section::Retention => serde_json::to_value(&kb.tables.retention)?,
            Section::OperatingRules => serde_json::to_value(&kb.tables.operating_rule_items)?,
            Section::VendorSelection => serde_json::to_value(&kb.tables.vendor_selection_items)?,
            Section::Areas => serde_json::to_value(&kb.tables.requirement_areas)?,
            Section::Summary | Section::All => serde_json::to_value(kb)?,
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    let all = matches!(section, Section::All);
    if matches!(section, Section::Summary) {
        writeln!(
            out,
            "editions {} / threats {} / threat rules {} / likelihood rules {} / impact rules {} / controls {} / facts {}",
            kb.editions.len(),
            kb.threats.len(),
            kb.threat_rules.len(),
            kb.likelihood_rules.len(),
            kb.impact_rules.len(),
            kb.controls.len(),
            Fact::ALL.len()
        )?;
        writeln!(out, "{}", kb.matrix.source.get(lang))?;
        writeln!(
            out,
            "sansho kb threats | matrix | scales | threat-rules | likelihood | impact | controls | facts | editions | all"
        )?;
        return Ok(());
    }
    if all || matches!(section, Section::Editions) {
        for e in &kb.editions {
            let status = if e.verified { "verified" } else { "UNVERIFIED" };
            writeln!(
                out,
                "{:<8} {} ({}, {status})",
                e.id,
                e.title.get(lang),
                e.published
            )?;
        }
    }
    if all || matches!(section, Section::Threats) {
        for t in &kb.threats {
            writeln!(
                out,
                "{:<4} {}  — {}",
                t.id,
                t.name.get(lang),
                t.description.get(lang)
            )?;
        }
    }
    if all || matches!(section, Section::Scales) {
        if let Some(note) = &kb.scales.note {
            writeln!(out, "{}", note.get(lang))?;
        }
        for (name, scale) in [
            ("likelihood", &kb.scales.likelihood),
            ("impact", &kb.scales.impact),
        ] {
            writeln!(out, "{name}:")?;
            for level in scale {
                writeln!(
                    out,
                    "  {} {}: {}",
                    level.level,
                    level.label.get(lang),
                    level.criteria.get(lang)
                )?;
            }
        }
    }
    if all || matches!(section, Section::Matrix) {
        writeln!(out, "{}", kb.matrix.source.get(lang))?;
        writeln!(out, "impact \\ likelihood   1  2  3  4  5")?;
        for impact in (1..=5u8).rev() {
            let row: Vec<&str> = (1..=5u8)
                .map(|l| kb.matrix.rank(impact, l).map_or("?", Rank::as_str))
                .collect();
            writeln!(out, "  {impact}                   {}", row.join("  "))?;
        }
        for p in &kb.matrix.policy {
            writeln!(out, "  {}: {}", p.rank.as_str(), p.description.get(lang))?;
        }
    }
    if all || matches!(section, Section::ThreatRules) {
        for r in &kb.threat_rules {
            writeln!(
                out,
                "{:<24} {} → {}",
                r.id,
                r.description.get(lang),
                r.threats.join(", ")
            )?;
        }
    }
    if all || matches!(section, Section::Likelihood) {
        for r in &kb.likelihood_rules {
            writeln!(out, "{:<28} {:?}  {}", r.id, r.op, r.description.get(lang))?;
        }
    }
    if all || matches!(section, Section::Impact) {
        for r in &kb.impact_rules {
            writeln!(out, "{:<28} {:?}  {}", r.id, r.op, r.description.get(lang))?;
        }
    }
    if all || matches!(section, Section::Controls) {
        for c in &kb.controls {
            writeln!(
                out,
                "{:<30} {} [{}]  {}",
                c.id,
                c.name.get(lang),
                c.counters.join(","),
                c.references.join("; ")
            )?;
        }
    }
    if all || matches!(section, Section::Facts) {
        for f in Fact::ALL {
            writeln!(out, "{:<30} {}", f.name(), f.doc())?;
        }
    }
    if all || matches!(section, Section::Retention) {
        for e in &kb.tables.retention {
            let mark = if e.verified { "" } else { "  (unverified)" };
            writeln!(
                out,
                "{:<30} {:>3}  {}  {}{mark}",
                e.id,
                e.years,
                e.name.get(lang),
                e.law
            )?;
        }
    }
    let lists = [
        (
            matches!(section, Section::OperatingRules),
            &kb.tables.operating_rule_items,
        ),
        (
            matches!(section, Section::VendorSelection),
            &kb.tables.vendor_selection_items,
        ),
        (
            matches!(section, Section::Areas),
            &kb.tables.requirement_areas,
        ),
    ];
    for (wanted, items) in lists {
        if all || wanted {
            for i in items {
                writeln!(
                    out,
                    "{:<22} {} {}",
                    i.id,
                    i.label.as_deref().unwrap_or(""),
                    i.name.get(lang)
                )?;
            }
        }
    }
    Ok(())
}

/// `sansho rules`: every guideline rule with severity, rank and clauses.
pub fn rules(kb: &KnowledgeBase, json: bool, lang: Lang) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&kb.rules)?)?;
        return Ok(());
    }
    for r in &kb.rules {
        let level = format!("{}/{}", kb.rule_severity(r).name(), r.rank.as_str());
        writeln!(
            out,
            "{:<9} {:<10} {:<40} {}",
            r.code,
            level,
            r.name,
            r.title.get(lang)
        )?;
        writeln!(out, "{:<9} {}", "", r.references().join("; "))?;
    }
    Ok(())
}
