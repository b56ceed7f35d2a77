//! SARIF 2.1.0: guideline and policy findings, and risks still open, as results pointing at the
//! model's file, line and column, so code-scanning tools show them on the model in review.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use sansho_core::result::Status;
use sansho_core::vocab::Rank;
use sansho_core::vocab::Vocabulary;
use sansho_core::{Assessment, Code, Severity, Span};

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    /// Where `MODELROOT`, the base of every location, is.
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    artifacts: Vec<Artifact<'a>>,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BaseUri {
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    description: Text,
}

/// The base every location is relative to: the directory of the model's entry file.
const MODEL_ROOT: &str = "MODELROOT";

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: String,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Artifact<'a> {
    location: ArtifactLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation<'a> {
    uri: &'a str,
    uri_base_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: OwnedArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OwnedArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
    index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn risk_level(rank: Rank) -> &'static str {
    match rank {
        Rank::S | Rank::A => "error",
        Rank::B => "warning",
        Rank::C | Rank::D => "note",
    }
}

fn location(a: &Assessment, span: Option<Span>) -> Vec<Location> {
    span.into_iter()
        .map(|s| Location {
            physical_location: PhysicalLocation {
                artifact_location: OwnedArtifactLocation {
                    uri: a.files.get(s.file.0 as usize).cloned().unwrap_or_default(),
                    uri_base_id: MODEL_ROOT,
                    index: s.file.0 as usize,
                },
                region: Region {
                    start_line: s.line.max(1),
                    start_column: s.column.max(1),
                },
            },
        })
        .collect()
}

/// Writes the SARIF log. Untreated-risk findings (P001) are left out because open risks are
/// reported themselves, as rule `RISK-<rank>`, one result per kind of risk with its count.
///
/// Locations are relative to the model's directory (`uriBaseId` `MODELROOT`); `model_dir` says
/// where that is relative to the checkout code scanning runs in (`examples/ehr-saas/`), when the
/// caller knows.
pub fn write(a: &Assessment, model_dir: Option<&str>, out: &mut dyn Write) -> std::io::Result<()> {
    let mut rules: Vec<Rule> = Vec::new();
    let index_of = |rules: &mut Vec<Rule>,
                    id: String,
                    name: String,
                    short: String,
                    full: String,
                    help: String,
                    level: &'static str|
     -> usize {
        if let Some(i) = rules.iter().position(|r| r.id == id) {
            return i;
        }
        rules.push(Rule {
            id,
            name,
            short_description: Text { text: short },
            full_description: Text { text: full },
            help: Text { text: help },
            default_configuration: Configuration { level },
        });
        rules.len() - 1
    };
    let mut results = Vec::new();
    for f in a.findings.iter().filter(|f| f.code != Code::UntreatedRisk) {
        // A guideline rule describes itself from its declaration, carried in the result.
        let rule_index = match a.guideline_rules.get(f.code.as_str()) {
            Some(d) => index_of(
                &mut rules,
                d.code.clone(),
                d.name.clone(),
                format!("{} / {}", d.title.ja, d.title.en),
                format!(
                    "{} / {} ({})",
                    d.what.ja,
                    d.what.en,
                    d.references().join("; ")
                ),
                format!("{} / {}", d.fix.ja, d.fix.en),
                level(f.severity),
            ),
            None => {
                let help = f
                    .hint
                    .as_ref()
                    .map_or_else(String::new, |h| format!("{} / {}", h.ja, h.en));
                let full = if f.references.is_empty() {
                    f.code.summary().to_owned()
                } else {
                    format!("{} ({})", f.code.summary(), f.references.join("; "))
                };
                index_of(
                    &mut rules,
                    f.code.as_str().to_owned(),
                    f.code.name().to_owned(),
                    f.code.summary().to_owned(),
                    full,
                    help,
                    level(f.code.default_severity()),
                )
            }
        };
        let mut properties = BTreeMap::new();
        if let Some(rank) = f.rank {
            properties.insert("rank", rank.as_str().to_owned());
        }
        if let Some(e) = &f.element {
            properties.insert("element", e.clone());
        }
        results.push(SarifResult {
            rule_id: f.code.as_str().to_owned(),
            rule_index,
            level: level(f.severity),
            message: Text {
                text: format!("{} / {}", f.message.ja, f.message.en),
            },
            locations: location(a, f.span),
            partial_fingerprints: BTreeMap::from([(
                "sansho/v1",
                format!("{}:{}", f.code.as_str(), f.element.as_deref().unwrap_or("")),
            )]),
            properties,
        });
    }
    // Open risks of rank C or above, one result per kind of risk: the same threat with the same
    // scores on the same segment of the same kind of element run by the same organisation,
    // wherever many flows and devices repeat it. A regional network repeats each kind thousands
    // of times, and code-scanning tools (and their readers) need alerts, not a million copies of
    // one. Each result counts the risks it stands for and names the first ones; every risk is in
    // the JSON result and the workbook.
    let mut kinds: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    for x in &a.configuration.assets {
        let manager = x.managed_by.as_deref().unwrap_or("");
        kinds.insert(&x.id, format!("{}@{manager}", x.kind.name()));
    }
    for c in &a.configuration.connections {
        let manager = c.managed_by.as_deref().unwrap_or("");
        kinds.insert(&c.id, format!("{}@{manager}", c.kind.name()));
    }
    let mut groups: Vec<(&sansho_core::result::Risk, Vec<&str>)> = Vec::new();
    let mut group_of: std::collections::HashMap<(&str, &str, &str, u8, u8), usize> =
        std::collections::HashMap::new();
    for r in a
        .risks
        .iter()
        .filter(|r| r.status == Status::Open && r.inherent.rank >= Rank::C)
    {
        let key = (
            r.segment.as_str(),
            kinds
                .get(&*r.element.id)
                .map_or(&*r.element.id, String::as_str),
            &*r.threat,
            r.inherent.impact,
            r.inherent.likelihood,
        );
        match group_of.get(&key) {
            Some(&g) => groups[g].1.push(&r.id),
            None => {
                group_of.insert(key, groups.len());
                groups.push((r, vec![&r.id]));
            }
        }
    }
    for (r, ids) in groups {
        let rank = r.inherent.rank.as_str();
        let id = format!("RISK-{rank}");
        let threat = a.threats.iter().find(|t| *t.id == *r.threat);
        let rule_index = index_of(
            &mut rules,
            id.clone(),
            format!("untreated-{}-risk", rank.to_lowercase()),
            format!("An untreated risk of rank {rank}."),
            format!("A risk of rank {rank} with no decision and no control (PGL 5.1.3-5.1.5)."),
            "Apply controls that counter the threat, or record a decision (reduce, avoid, share or accept).".to_owned(),
            risk_level(r.inherent.rank),
        );
        let name = threat.map_or(String::new(), |t| format!("{} / {}", t.name.ja, t.name.en));
        let more = match ids.len() {
            1 => String::new(),
            n => format!(" (+{} / ほか {} 件の情報流)", n - 1, n - 1),
        };
        const NAMED: usize = 20;
        let mut properties = BTreeMap::from([
            ("rank", rank.to_owned()),
            ("risk", r.id.clone()),
            ("threat", r.threat.to_string()),
            ("element", r.element.id.to_string()),
            ("risks", ids.len().to_string()),
        ]);
        if ids.len() > 1 {
            properties.insert(
                "examples",
                ids.iter()
                    .take(NAMED)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        results.push(SarifResult {
            rule_id: id,
            rule_index,
            level: risk_level(r.inherent.rank),
            message: Text {
                text: format!(
                    "{}{more} {} — {name} (impact {} × likelihood {})",
                    r.id, rank, r.inherent.impact, r.inherent.likelihood
                ),
            },
            locations: location(a, Some(r.span)),
            partial_fingerprints: BTreeMap::from([(
                "sansho/kind/v1",
                format!(
                    "{}/{}/{}/{}x{}",
                    r.segment.as_str(),
                    kinds
                        .get(&*r.element.id)
                        .map_or(&*r.element.id, String::as_str),
                    r.threat,
                    r.inherent.impact,
                    r.inherent.likelihood
                ),
            )]),
            properties,
        });
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "sansho",
                    version: a.generator.trim_start_matches("sansho ").to_owned(),
                    information_uri: "https://github.com/sansho-dev/sansho",
                    rules,
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                MODEL_ROOT,
                BaseUri {
                    uri: model_dir.map(str::to_owned),
                    // Relative to the checkout, which code scanning knows as %SRCROOT%.
                    uri_base_id: model_dir.map(|_| "%SRCROOT%"),
                    description: Text {
                        text: "The directory of the model's entry file; every location is relative to it.".to_owned(),
                    },
                },
            )]),
            artifacts: a
                .files
                .iter()
                .map(|f| Artifact {
                    location: ArtifactLocation {
                        uri: f,
                        uri_base_id: MODEL_ROOT,
                        index: None,
                    },
                })
                .collect(),
            results,
        }],
    };
    // Compact, like the JSON result: large models give hundreds of thousands of results.
    serde_json::to_writer(&mut *out, &log)?;
    writeln!(out)
}
