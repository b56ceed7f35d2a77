//! Reading the embedded knowledge base and merging user override files into it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{
    AuthFactor, CatalogueControl, ClassDefault, Edition, KnowledgeBase, Matrix, NamedItem, Rank,
    RetentionEntry, RuleDoc, Scales, ScoreOp, ScoreRule, Tables, Threat, ThreatRule,
};
use crate::diagnostics::{Code, Diagnostic};
use crate::load::document::{self, Limits};
use crate::load::structure::SchemaChecker;
use crate::loc;
use crate::model::raw::{AuditorQualification, AuthMethod, CertificationScheme};
use crate::source::{FileId, Span};

/// The embedded default files, in merge order.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("kb/editions.yaml", include_str!("../../kb/editions.yaml")),
    ("kb/threats.yaml", include_str!("../../kb/threats.yaml")),
    ("kb/scales.yaml", include_str!("../../kb/scales.yaml")),
    ("kb/matrix.yaml", include_str!("../../kb/matrix.yaml")),
    (
        "kb/threat-rules.yaml",
        include_str!("../../kb/threat-rules.yaml"),
    ),
    (
        "kb/likelihood.yaml",
        include_str!("../../kb/likelihood.yaml"),
    ),
    ("kb/impact.yaml", include_str!("../../kb/impact.yaml")),
    ("kb/controls.yaml", include_str!("../../kb/controls.yaml")),
    ("kb/rules.yaml", include_str!("../../kb/rules.yaml")),
    ("kb/tables.yaml", include_str!("../../kb/tables.yaml")),
];

/// One knowledge-base file: any subset of the sections. Lists merge by `id` (an entry with an
/// existing id replaces it); `scales`, `matrix` and `auth_factors` replace the whole section.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "sansho knowledge-base file")]
pub struct KbFile {
    #[serde(default)]
    pub editions: Option<Vec<Edition>>,
    #[serde(default)]
    pub threats: Option<Vec<Threat>>,
    #[serde(default)]
    pub scales: Option<Scales>,
    #[serde(default)]
    pub matrix: Option<Matrix>,
    #[serde(default)]
    pub threat_rules: Option<Vec<ThreatRule>>,
    #[serde(default)]
    pub likelihood_rules: Option<Vec<ScoreRule>>,
    #[serde(default)]
    pub impact_rules: Option<Vec<ScoreRule>>,
    #[serde(default)]
    pub classes: Option<Vec<ClassDefault>>,
    #[serde(default)]
    pub auth_factors: Option<BTreeMap<AuthMethod, AuthFactor>>,
    #[serde(default)]
    pub controls: Option<Vec<CatalogueControl>>,
    #[serde(default)]
    pub rules: Option<Vec<RuleDoc>>,
    #[serde(default)]
    pub tables: Option<TablesFile>,
}

/// `tables:` in a knowledge-base file: each table given replaces the built-in one.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TablesFile {
    #[serde(default)]
    pub retention: Option<Vec<RetentionEntry>>,
    #[serde(default)]
    pub tls_cipher_suites: Option<Vec<String>>,
    #[serde(default)]
    pub tls_cipher_suites_verified: Option<bool>,
    #[serde(default)]
    pub certifications: Option<Vec<CertificationScheme>>,
    #[serde(default)]
    pub alternative_certifications: Option<Vec<CertificationScheme>>,
    #[serde(default)]
    pub auditor_qualifications: Option<Vec<AuditorQualification>>,
    #[serde(default)]
    pub operating_rule_items: Option<Vec<NamedItem>>,
    #[serde(default)]
    pub vendor_selection_items: Option<Vec<NamedItem>>,
    #[serde(default)]
    pub requirement_areas: Option<Vec<NamedItem>>,
    #[serde(default)]
    pub min_backup_generations: Option<u32>,
}

fn checker() -> &'static Result<SchemaChecker, String> {
    static CHECKER: OnceLock<Result<SchemaChecker, String>> = OnceLock::new();
    CHECKER.get_or_init(|| SchemaChecker::new(crate::schema::kb_schema()))
}

/// The knowledge base shipped in the binary.
pub fn builtin() -> &'static Result<KnowledgeBase, Vec<Diagnostic>> {
    static BUILTIN: OnceLock<Result<KnowledgeBase, Vec<Diagnostic>>> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        let files: Vec<(FileId, &str)> = BUILTIN_FILES
            .iter()
            .enumerate()
            .map(|(i, (_, text))| (FileId(u32::try_from(i).unwrap_or(0)), *text))
            .collect();
        merge_files(None, &files)
    })
}

/// Merges override files (already read by the caller) into `base`.
pub fn with_overrides(
    base: &KnowledgeBase,
    files: &[(FileId, &str)],
) -> Result<KnowledgeBase, Vec<Diagnostic>> {
    merge_files(Some(base.clone()), files)
}

fn merge_files(
    base: Option<KnowledgeBase>,
    files: &[(FileId, &str)],
) -> Result<KnowledgeBase, Vec<Diagnostic>> {
    let checker = checker().as_ref().map_err(|e| {
        vec![kb_error(
            None,
            loc!("スキーマを作れません: {e}", "cannot build schema: {e}"),
        )]
    })?;
    let mut diagnostics = Vec::new();
    let mut parsed = Vec::new();
    for (file, text) in files {
        match document::parse::<KbFile>(*file, text, checker, &Limits::default()) {
            Ok(kb) => parsed.push((*file, kb)),
            Err(mut d) => diagnostics.append(&mut d),
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let mut acc = Accumulator::from(base);
    for (_, file) in parsed {
        acc.merge(file);
    }
    let first_file = files.first().map(|(f, _)| *f);
    let kb = acc.finish().map_err(|missing| {
        vec![kb_error(
            first_file,
            loc!(
                "知識ベースに {missing} がありません",
                "the knowledge base lacks `{missing}`"
            ),
        )]
    })?;
    let problems = validate(&kb);
    if problems.is_empty() {
        Ok(kb)
    } else {
        Err(problems
            .into_iter()
            .map(|p| kb_error(first_file, p))
            .collect())
    }
}

fn kb_error(file: Option<FileId>, message: crate::text::Localized) -> Diagnostic {
    Diagnostic::new(
        Code::KbInvalid,
        message,
        file.map(|f| Span::point(f, 1, 1, 0)),
    )
}

#[derive(Default)]
struct Accumulator {
    editions: Vec<Edition>,
    threats: Vec<Threat>,
    scales: Option<Scales>,
    matrix: Option<Matrix>,
    threat_rules: Vec<ThreatRule>,
    likelihood_rules: Vec<ScoreRule>,
    impact_rules: Vec<ScoreRule>,
    classes: Vec<ClassDefault>,
    auth_factors: Option<BTreeMap<AuthMethod, AuthFactor>>,
    controls: Vec<CatalogueControl>,
    rules: Vec<RuleDoc>,
    tables: TablesFile,
}

impl From<Option<KnowledgeBase>> for Accumulator {
    fn from(kb: Option<KnowledgeBase>) -> Self {
        match kb {
            None => Accumulator::default(),
            Some(kb) => Accumulator {
                editions: kb.editions,
                threats: kb.threats,
                scales: Some(kb.scales),
                matrix: Some(kb.matrix),
                threat_rules: kb.threat_rules,
                likelihood_rules: kb.likelihood_rules,
                impact_rules: kb.impact_rules,
                classes: kb.classes,
                auth_factors: Some(kb.auth_factors),
                controls: kb.controls,
                rules: kb.rules,
                tables: TablesFile {
                    retention: Some(kb.tables.retention),
                    tls_cipher_suites: Some(kb.tables.tls_cipher_suites),
                    tls_cipher_suites_verified: Some(kb.tables.tls_cipher_suites_verified),
                    certifications: Some(kb.tables.certifications),
                    alternative_certifications: Some(kb.tables.alternative_certifications),
                    auditor_qualifications: Some(kb.tables.auditor_qualifications),
                    operating_rule_items: Some(kb.tables.operating_rule_items),
                    vendor_selection_items: Some(kb.tables.vendor_selection_items),
                    requirement_areas: Some(kb.tables.requirement_areas),
                    min_backup_generations: Some(kb.tables.min_backup_generations),
                },
            },
        }
    }
}

/// Replaces entries with the same id, appends new ones, keeps order.
fn merge_by_id<T>(into: &mut Vec<T>, from: Option<Vec<T>>, id: impl Fn(&T) -> &str) {
    for item in from.into_iter().flatten() {
        match into.iter().position(|existing| id(existing) == id(&item)) {
            Some(i) => into[i] = item,
            None => into.push(item),
        }
    }
}

impl Accumulator {
    fn merge(&mut self, file: KbFile) {
        merge_by_id(&mut self.editions, file.editions, |e| &e.id);
        merge_by_id(&mut self.threats, file.threats, |t| &t.id);
        merge_by_id(&mut self.threat_rules, file.threat_rules, |r| &r.id);
        merge_by_id(&mut self.likelihood_rules, file.likelihood_rules, |r| &r.id);
        merge_by_id(&mut self.impact_rules, file.impact_rules, |r| &r.id);
        merge_by_id(&mut self.classes, file.classes, |c| &c.id);
        merge_by_id(&mut self.controls, file.controls, |c| &c.id);
        merge_by_id(&mut self.rules, file.rules, |r| r.code.as_str());
        if let Some(t) = file.tables {
            let into = &mut self.tables;
            macro_rules! take {
                ($($field:ident),*) => { $( if t.$field.is_some() { into.$field = t.$field; } )* };
            }
            take!(
                retention,
                tls_cipher_suites,
                tls_cipher_suites_verified,
                certifications,
                alternative_certifications,
                auditor_qualifications,
                operating_rule_items,
                vendor_selection_items,
                requirement_areas,
                min_backup_generations
            );
        }
        if file.scales.is_some() {
            self.scales = file.scales;
        }
        if file.matrix.is_some() {
            self.matrix = file.matrix;
        }
        if file.auth_factors.is_some() {
            self.auth_factors = file.auth_factors;
        }
    }

    fn finish(self) -> Result<KnowledgeBase, &'static str> {
        Ok(KnowledgeBase {
            editions: self.editions,
            threats: self.threats,
            scales: self.scales.ok_or("scales")?,
            matrix: self.matrix.ok_or("matrix")?,
            threat_rules: self.threat_rules,
            likelihood_rules: self.likelihood_rules,
            impact_rules: self.impact_rules,
            classes: self.classes,
            auth_factors: self.auth_factors.ok_or("auth_factors")?,
            controls: self.controls,
            rules: self.rules,
            tables: Tables {
                retention: self.tables.retention.ok_or("tables.retention")?,
                tls_cipher_suites: self
                    .tables
                    .tls_cipher_suites
                    .ok_or("tables.tls_cipher_suites")?,
                tls_cipher_suites_verified: self.tables.tls_cipher_suites_verified.unwrap_or(false),
                certifications: self.tables.certifications.ok_or("tables.certifications")?,
                alternative_certifications: self
                    .tables
                    .alternative_certifications
                    .unwrap_or_default(),
                auditor_qualifications: self.tables.auditor_qualifications.unwrap_or_default(),
                operating_rule_items: self
                    .tables
                    .operating_rule_items
                    .ok_or("tables.operating_rule_items")?,
                vendor_selection_items: self
                    .tables
                    .vendor_selection_items
                    .ok_or("tables.vendor_selection_items")?,
                requirement_areas: self
                    .tables
                    .requirement_areas
                    .ok_or("tables.requirement_areas")?,
                min_backup_generations: self.tables.min_backup_generations.unwrap_or(3),
            },
            layers: super::default_layers(),
        })
    }
}

/// Consistency checks that a schema cannot express.
pub fn validate(kb: &KnowledgeBase) -> Vec<crate::text::Localized> {
    let mut problems = Vec::new();
    let threats: BTreeSet<&str> = kb.threats.iter().map(|t| t.id.as_str()).collect();
    for t in &kb.threats {
        if !(1..=5).contains(&t.base_likelihood) {
            let id = &t.id;
            problems.push(loc!(
                "脅威 {id} の base_likelihood は 1〜5 にしてください",
                "threat {id}: base_likelihood must be 1-5"
            ));
        }
    }
    for impact in 1..=5u8 {
        match kb.matrix.rows.get(&impact) {
            Some(row) if row.len() == 5 => {}
            _ => problems.push(loc!(
                "マトリクスの影響度 {impact} の行に顕在化率 1〜5 の 5 つのランクが必要です",
                "matrix row for impact {impact} needs five ranks (likelihood 1-5)"
            )),
        }
    }
    for rank in Rank::ALL {
        if kb.matrix.policy(rank).is_none() {
            let r = rank.as_str();
            problems.push(loc!(
                "ランク {r} の対応方針がありません",
                "no policy for rank {r}"
            ));
        }
    }
    let mut check_threats = |owner: &str, ids: &[String]| {
        for id in ids {
            if !threats.contains(id.as_str()) {
                problems.push(loc!(
                    "{owner} が未定義の脅威 {id} を参照しています",
                    "{owner} refers to unknown threat {id}"
                ));
            }
        }
    };
    for r in &kb.threat_rules {
        check_threats(&r.id, &r.threats);
    }
    for r in kb.likelihood_rules.iter().chain(&kb.impact_rules) {
        check_threats(&r.id, &r.threats);
    }
    for c in &kb.controls {
        check_threats(&c.id, &c.counters);
    }
    for r in kb.likelihood_rules.iter().chain(&kb.impact_rules) {
        let bad = match r.op {
            ScoreOp::AtLeast(n) | ScoreOp::AtMost(n) => !(1..=5).contains(&n),
            ScoreOp::Shift(n) => !(-4..=4).contains(&n),
        };
        if bad {
            let id = &r.id;
            problems.push(loc!(
                "{id} の op が範囲外です (at_least/at_most は 1〜5、shift は -4〜4)",
                "{id}: op out of range (at_least/at_most 1-5, shift -4..4)"
            ));
        }
    }
    for c in &kb.classes {
        if [c.confidentiality, c.integrity, c.availability]
            .iter()
            .any(|l| !(1..=5).contains(l))
        {
            let id = &c.id;
            problems.push(loc!(
                "情報分類 {id} の水準は 1〜5 にしてください",
                "class {id}: levels must be 1-5"
            ));
        }
    }
    let editions: BTreeSet<&str> = kb.editions.iter().map(|e| e.id.as_str()).collect();
    for r in &kb.rules {
        for reference in &r.references {
            let edition = reference.split_whitespace().next().unwrap_or("");
            if !editions.contains(edition) {
                let code = r.code.as_str();
                problems.push(loc!(
                    "{code} の参照 `{reference}` の版が未定義です",
                    "{code}: reference `{reference}` names an unknown edition"
                ));
            }
        }
    }
    for c in &kb.controls {
        for reference in &c.references {
            let edition = reference.split_whitespace().next().unwrap_or("");
            if !editions.contains(edition) {
                let id = &c.id;
                problems.push(loc!(
                    "{id} の参照 `{reference}` の版が未定義です",
                    "{id}: reference `{reference}` names an unknown edition"
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_knowledge_base_loads_and_is_consistent() {
        let kb = match builtin() {
            Ok(kb) => kb,
            Err(d) => panic!("builtin KB invalid: {d:#?}"),
        };
        assert_eq!(kb.threats.len(), 11);
        assert!(kb.controls.len() >= 25);
        assert!(validate(kb).is_empty());
    }

    #[test]
    fn override_replaces_by_id_and_adds_new_entries() {
        let Ok(base) = builtin() else {
            panic!("builtin")
        };
        let text = "threats:\n  - id: T1\n    name: {ja: 上書き, en: Overridden}\n    description: {ja: x, en: x}\n    harms: [confidentiality]\n    base_likelihood: 4\n  - id: X1\n    name: {ja: 独自, en: Own}\n    description: {ja: y, en: y}\n    harms: [availability]\n    base_likelihood: 2\n";
        let kb = with_overrides(base, &[(FileId(0), text)]).unwrap();
        assert_eq!(kb.threat("T1").map(|t| t.base_likelihood), Some(4));
        assert_eq!(kb.threats.len(), 12);
    }

    #[test]
    fn override_errors_point_into_the_user_file() {
        let Ok(base) = builtin() else {
            panic!("builtin")
        };
        let errors = with_overrides(base, &[(FileId(7), "threats:\n  - id: T1\n    nmae: x\n")])
            .unwrap_err();
        assert!(errors.iter().any(|d| d.code == Code::UnknownKey
            && d.span.map(|s| (s.file, s.line)) == Some((FileId(7), 3))));
    }
}
