//! Reading the embedded knowledge base and merging user override files into it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{
    AuthFactor, CatalogueControl, ClassDefault, Edition, KnowledgeBase, Matrix, NamedItem,
    PasswordRules, Rank, RetentionEntry, RuleDeclaration, RuleOverride, Scales, ScenarioContext,
    ScenarioTemplate, ScoreOp, ScoreRule, Tables, Threat, ThreatRule,
};
use crate::diagnostics::{Code, Diagnostic};
use crate::diagnostics::{RuleId, Severity};
use crate::load::document::{self, Limits};
use crate::load::structure::SchemaChecker;
use crate::load::tree;
use crate::loc;
use crate::source::{FileId, Span};
use crate::text::Localized;
use crate::vocab::{AuditorQualification, AuthMethod, CertificationScheme, SegmentKind, Strength};

mod generated {
    // `RULE_DECLARATIONS: &[(&str, &str)]`: (file, YAML) of every rule, in code order.
    include!(concat!(env!("OUT_DIR"), "/rule_declarations.rs"));
}

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
    ("kb/tables.yaml", include_str!("../../kb/tables.yaml")),
    ("kb/scenarios.yaml", include_str!("../../kb/scenarios.yaml")),
];

/// Every text of the built-in knowledge base as (path, text), numbered as the built-in load
/// numbers its files: the KB files, then each rule's declaration.
pub fn builtin_texts() -> impl Iterator<Item = (&'static str, &'static str)> {
    BUILTIN_FILES
        .iter()
        .copied()
        .chain(generated::RULE_DECLARATIONS.iter().copied())
}

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
    /// Changes to rules by code (severity, rank, texts); rules themselves are declared in code.
    #[serde(default)]
    pub rules: Option<Vec<RuleOverride>>,
    #[serde(default)]
    pub tables: Option<TablesFile>,
    /// 想定リスク contexts, one per segment kind, merged by id (the kind).
    #[serde(default)]
    pub scenario_contexts: Option<Vec<ScenarioContext>>,
    /// 想定リスク clauses per threat (and segment kinds), merged by id.
    #[serde(default)]
    pub scenarios: Option<Vec<ScenarioTemplate>>,
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
    pub evaluation_bodies: Option<Vec<AuditorQualification>>,
    #[serde(default)]
    pub operating_rule_items: Option<Vec<NamedItem>>,
    #[serde(default)]
    pub vendor_selection_items: Option<Vec<NamedItem>>,
    #[serde(default)]
    pub requirement_areas: Option<Vec<NamedItem>>,
    #[serde(default)]
    pub min_backup_generations: Option<u32>,
    #[serde(default)]
    pub max_months_between_inventories: Option<u32>,
    #[serde(default)]
    pub max_months_between_drills: Option<u32>,
    #[serde(default)]
    pub severity_by_strength: Option<BTreeMap<Strength, Severity>>,
    #[serde(default)]
    pub password: Option<PasswordRules>,
}

fn checker() -> &'static Result<SchemaChecker, String> {
    static CHECKER: OnceLock<Result<SchemaChecker, String>> = OnceLock::new();
    CHECKER.get_or_init(|| SchemaChecker::new(crate::load::structure::draft07::<KbFile>()))
}

/// The knowledge base shipped in the binary: the KB files and every rule's declaration.
pub fn builtin() -> &'static Result<KnowledgeBase, Vec<Diagnostic>> {
    static BUILTIN: OnceLock<Result<KnowledgeBase, Vec<Diagnostic>>> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        let files: Vec<(FileId, &str)> = BUILTIN_FILES
            .iter()
            .enumerate()
            .map(|(i, (_, text))| (FileId(u32::try_from(i).unwrap_or(0)), *text))
            .collect();
        let rules = rule_declarations(BUILTIN_FILES.len())?;
        let mut kb = merge_files(None, &files)?;
        kb.rules = rules;
        let problems: Vec<Diagnostic> = validate(&kb)
            .into_iter()
            .map(|(_, m)| m)
            .chain(validate_rules(&kb))
            .map(|m| kb_error(None, m))
            .collect();
        if problems.is_empty() {
            Ok(kb)
        } else {
            Err(problems)
        }
    })
}

fn declaration_checker() -> &'static Result<SchemaChecker, String> {
    static CHECKER: OnceLock<Result<SchemaChecker, String>> = OnceLock::new();
    CHECKER.get_or_init(|| SchemaChecker::new(crate::load::structure::draft07::<RuleDeclaration>()))
}

/// Every rule's declaration, parsed, in code order; each file numbered after the KB files.
fn rule_declarations(first_file: usize) -> Result<Vec<RuleDeclaration>, Vec<Diagnostic>> {
    let checker = declaration_checker().as_ref().map_err(|e| {
        vec![kb_error(
            None,
            loc!("スキーマを作れません: {e}", "cannot build schema: {e}"),
        )]
    })?;
    let mut diagnostics = Vec::new();
    let mut rules = Vec::new();
    for (i, ((path, text), rule)) in generated::RULE_DECLARATIONS
        .iter()
        .zip(RuleId::all())
        .enumerate()
    {
        let file = FileId(u32::try_from(first_file + i).unwrap_or(u32::MAX));
        match document::parse::<RuleDeclaration>(file, text, checker, &Limits::default()) {
            Ok(d) if d.code == rule.code() && d.name == rule.name() => rules.push(d),
            Ok(d) => {
                let (code, name, want, want_name) = (&d.code, &d.name, rule.code(), rule.name());
                diagnostics.push(kb_error(
                    Some(file),
                    loc!(
                        "{path}: 宣言 {code} ({name}) が登録簿の {want} ({want_name}) と一致しません",
                        "{path}: the declaration {code} ({name}) does not match the registry's {want} ({want_name})"
                    ),
                ));
            }
            Err(mut d) => diagnostics.append(&mut d),
        }
    }
    if diagnostics.is_empty() {
        Ok(rules)
    } else {
        Err(diagnostics)
    }
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
    let mut problems = Vec::new();
    for (file, kb) in parsed {
        acc.merge(file, kb, &mut problems);
    }
    let locate = |problems: Vec<(Option<Origin>, Localized)>| -> Vec<Diagnostic> {
        let mut positions = Positions::new(files);
        problems
            .into_iter()
            .map(|(origin, message)| {
                let span = origin.and_then(|o| positions.span(&o));
                Diagnostic::new(Code::KbInvalid, message, span)
            })
            .collect()
    };
    if !problems.is_empty() {
        return Err(locate(problems));
    }
    let origins = std::mem::take(&mut acc.origins);
    let kb = acc.finish().map_err(|missing| {
        vec![kb_error(
            None,
            loc!(
                "知識ベースに {missing} がありません",
                "the knowledge base lacks `{missing}`"
            ),
        )]
    })?;
    let problems: Vec<(Option<Origin>, Localized)> = validate(&kb)
        .into_iter()
        .map(|(at, message)| (origins.find(&at), message))
        .collect();
    if problems.is_empty() {
        Ok(kb)
    } else {
        Err(locate(problems))
    }
}

fn kb_error(file: Option<FileId>, message: Localized) -> Diagnostic {
    Diagnostic::new(
        Code::KbInvalid,
        message,
        file.map(|f| Span::point(f, 1, 1, 0)),
    )
}

/// Where a knowledge-base problem is, before it is found in a file: a section, the entry's id
/// (for lists) or key (for maps), and the field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct At {
    pub section: &'static str,
    pub entry: Option<String>,
    pub field: Option<&'static str>,
}

impl At {
    fn section(section: &'static str) -> Self {
        At {
            section,
            entry: None,
            field: None,
        }
    }

    fn entry(section: &'static str, id: &str, field: &'static str) -> Self {
        At {
            section,
            entry: Some(id.to_owned()),
            field: Some(field),
        }
    }
}

/// The file and JSON pointer of a problem.
#[derive(Clone, Debug)]
struct Origin {
    file: FileId,
    pointer: String,
}

/// Which file (and which list index in it) gave each entry of the merged knowledge base.
#[derive(Default)]
struct Origins {
    /// `(section, id)` → file and index in that file's list.
    entries: HashMap<(&'static str, String), (FileId, usize)>,
    /// Sections replaced whole (`scales`, `matrix`, tables) → the file that gave them last.
    sections: HashMap<&'static str, FileId>,
}

impl Origins {
    /// The pointer for `at`, when the entry or section came from a file (not from the base).
    fn find(&self, at: &At) -> Option<Origin> {
        let field = at.field.map(|f| format!("/{f}")).unwrap_or_default();
        match &at.entry {
            Some(id) => {
                if let Some((file, index)) = self.entries.get(&(at.section, id.clone())) {
                    return Some(Origin {
                        file: *file,
                        pointer: format!("/{}/{index}{field}", at.section.replace('.', "/")),
                    });
                }
                // Entries of whole-replaced sections are addressed by key (`matrix/rows/3`).
                let file = *self.sections.get(at.section)?;
                Some(Origin {
                    file,
                    pointer: format!("/{}/{id}{field}", at.section.replace('.', "/")),
                })
            }
            None => Some(Origin {
                file: *self.sections.get(at.section)?,
                pointer: format!("/{}", at.section.replace('.', "/")),
            }),
        }
    }
}

/// Positions in the knowledge-base files, read (slowly, with the positioned tree) only when a
/// problem has to be located.
struct Positions<'a> {
    files: &'a [(FileId, &'a str)],
    trees: HashMap<FileId, tree::PosIndex>,
}

impl<'a> Positions<'a> {
    fn new(files: &'a [(FileId, &'a str)]) -> Self {
        Positions {
            files,
            trees: HashMap::new(),
        }
    }

    fn span(&mut self, origin: &Origin) -> Option<Span> {
        if !self.trees.contains_key(&origin.file) {
            let text = self.files.iter().find(|(f, _)| *f == origin.file)?.1;
            let index = tree::parse(text, text.len().max(100_000))
                .map(|(_, index, _)| index)
                .unwrap_or_default();
            self.trees.insert(origin.file, index);
        }
        let index = self.trees.get(&origin.file)?;
        // The value itself, else the nearest enclosing value that has a place.
        let mut pointer = origin.pointer.as_str();
        loop {
            if let Some(pos) = index.value(pointer).or(index.key(pointer)) {
                return Some(Span {
                    file: origin.file,
                    line: pos.line,
                    column: pos.column,
                    offset: pos.offset,
                    len: pos.len,
                });
            }
            pointer = &pointer[..pointer.rfind('/')?];
        }
    }
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
    rules: Vec<RuleDeclaration>,
    tables: TablesFile,
    scenario_contexts: Vec<ScenarioContext>,
    scenarios: Vec<ScenarioTemplate>,
    origins: Origins,
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
                    evaluation_bodies: Some(kb.tables.evaluation_bodies),
                    operating_rule_items: Some(kb.tables.operating_rule_items),
                    vendor_selection_items: Some(kb.tables.vendor_selection_items),
                    requirement_areas: Some(kb.tables.requirement_areas),
                    min_backup_generations: Some(kb.tables.min_backup_generations),
                    max_months_between_inventories: Some(kb.tables.max_months_between_inventories),
                    max_months_between_drills: Some(kb.tables.max_months_between_drills),
                    severity_by_strength: Some(kb.tables.severity_by_strength),
                    password: Some(kb.tables.password),
                },
                scenario_contexts: kb.scenario_contexts,
                scenarios: kb.scenarios,
                origins: Origins::default(),
            },
        }
    }
}

/// Replaces entries with the same id, appends new ones, keeps order; linear in both lists.
/// Records where each entry came from, and reports an id given twice in one file.
fn merge_by_id<T>(
    section: &'static str,
    into: &mut Vec<T>,
    from: Option<Vec<T>>,
    id: impl Fn(&T) -> &str,
    (file, origins, problems): (FileId, &mut Origins, &mut Vec<(Option<Origin>, Localized)>),
) {
    let Some(from) = from else { return };
    let mut position: HashMap<String, usize> = into
        .iter()
        .enumerate()
        .map(|(i, item)| (id(item).to_owned(), i))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, item) in from.into_iter().enumerate() {
        let key = id(&item).to_owned();
        if let Some(first) = seen.insert(key.clone(), index) {
            problems.push((
                Some(Origin {
                    file,
                    pointer: format!("/{section}/{index}"),
                }),
                loc!(
                    "{section} の id `{key}` がこのファイルで 2 回定義されています ({first} 番目と {index} 番目、0 始まり)",
                    "{section}: id `{key}` is defined twice in this file (entries {first} and {index}, from 0)"
                ),
            ));
            continue;
        }
        origins
            .entries
            .insert((section, key.clone()), (file, index));
        match position.get(&key) {
            Some(&i) => into[i] = item,
            None => {
                position.insert(key, into.len());
                into.push(item);
            }
        }
    }
}

/// A user's change to a rule: each field given replaces the declared one.
fn apply_override(rule: &mut RuleDeclaration, o: RuleOverride) {
    if o.severity.is_some() {
        rule.severity = o.severity;
    }
    if let Some(rank) = o.rank {
        rule.rank = rank;
    }
    if let Some(title) = o.title {
        rule.title = title;
    }
    if let Some(what) = o.what {
        rule.what = what;
    }
    if let Some(why) = o.why {
        rule.why = why;
    }
    if let Some(fix) = o.fix {
        rule.fix = fix;
    }
}

impl Accumulator {
    fn merge(&mut self, file: FileId, kb: KbFile, problems: &mut Vec<(Option<Origin>, Localized)>) {
        let origins = &mut self.origins;
        merge_by_id(
            "editions",
            &mut self.editions,
            kb.editions,
            |e| &e.id,
            (file, origins, problems),
        );
        merge_by_id(
            "threats",
            &mut self.threats,
            kb.threats,
            |t| &t.id,
            (file, origins, problems),
        );
        merge_by_id(
            "threat_rules",
            &mut self.threat_rules,
            kb.threat_rules,
            |r| &r.id,
            (file, origins, problems),
        );
        merge_by_id(
            "likelihood_rules",
            &mut self.likelihood_rules,
            kb.likelihood_rules,
            |r| &r.id,
            (file, origins, problems),
        );
        merge_by_id(
            "impact_rules",
            &mut self.impact_rules,
            kb.impact_rules,
            |r| &r.id,
            (file, origins, problems),
        );
        merge_by_id(
            "classes",
            &mut self.classes,
            kb.classes,
            |c| &c.id,
            (file, origins, problems),
        );
        merge_by_id(
            "controls",
            &mut self.controls,
            kb.controls,
            |c| &c.id,
            (file, origins, problems),
        );
        merge_by_id(
            "scenario_contexts",
            &mut self.scenario_contexts,
            kb.scenario_contexts,
            |c| &c.id,
            (file, origins, problems),
        );
        merge_by_id(
            "scenarios",
            &mut self.scenarios,
            kb.scenarios,
            |c| &c.id,
            (file, origins, problems),
        );
        for (index, o) in kb.rules.into_iter().flatten().enumerate() {
            match self.rules.iter_mut().find(|r| r.code == o.code) {
                Some(rule) => {
                    origins
                        .entries
                        .insert(("rules", o.code.clone()), (file, index));
                    apply_override(rule, o);
                }
                None => {
                    let code = &o.code;
                    problems.push((
                        Some(Origin {
                            file,
                            pointer: format!("/rules/{index}/code"),
                        }),
                        loc!(
                            "規則 {code} はありません (`sansho rules` で一覧を確認してください)",
                            "there is no rule {code} (see `sansho rules`)"
                        ),
                    ));
                }
            }
        }
        if let Some(t) = kb.tables {
            let into = &mut self.tables;
            macro_rules! take {
                ($($field:ident),*) => { $( if t.$field.is_some() {
                    into.$field = t.$field;
                    origins.sections.insert(concat!("tables.", stringify!($field)), file);
                } )* };
            }
            take!(
                retention,
                tls_cipher_suites,
                tls_cipher_suites_verified,
                certifications,
                alternative_certifications,
                auditor_qualifications,
                evaluation_bodies,
                operating_rule_items,
                vendor_selection_items,
                requirement_areas,
                min_backup_generations,
                max_months_between_inventories,
                max_months_between_drills,
                severity_by_strength,
                password
            );
        }
        if kb.scales.is_some() {
            self.scales = kb.scales;
            origins.sections.insert("scales.likelihood", file);
            origins.sections.insert("scales.impact", file);
        }
        if kb.matrix.is_some() {
            self.matrix = kb.matrix;
            origins.sections.insert("matrix.rows", file);
            origins.sections.insert("matrix.policy", file);
        }
        if kb.auth_factors.is_some() {
            self.auth_factors = kb.auth_factors;
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
                evaluation_bodies: self.tables.evaluation_bodies.unwrap_or_default(),
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
                max_months_between_inventories: self
                    .tables
                    .max_months_between_inventories
                    .unwrap_or(12),
                max_months_between_drills: self.tables.max_months_between_drills.unwrap_or(12),
                severity_by_strength: self
                    .tables
                    .severity_by_strength
                    .ok_or("tables.severity_by_strength")?,
                password: self.tables.password.ok_or("tables.password")?,
            },
            scenario_contexts: self.scenario_contexts,
            scenarios: self.scenarios,
            layers: super::default_layers(),
        })
    }
}

/// 想定リスク templates: contexts named by a segment kind, clauses of a known threat, known
/// slots only.
fn check_scenarios(
    kb: &KnowledgeBase,
    threats: &HashSet<&str>,
    problems: &mut Vec<(At, Localized)>,
) {
    use crate::vocab::Vocabulary;
    use strum::VariantArray;
    let slots = crate::scenario::SLOTS
        .map(|s| format!("{{{s}}}"))
        .join(", ");
    let mut check_text = |section: &'static str, id: &str, text: &Localized| {
        for t in [&text.ja, &text.en] {
            if let Err(bad) = crate::scenario::Template::parse(t) {
                problems.push((
                    At::entry(section, id, "text"),
                    loc!(
                        "{id} の文に使えない差込み {bad} があります (使えるもの: {slots})",
                        "{id}: the text uses {bad}, which is not a slot (slots: {slots})"
                    ),
                ));
            }
        }
    };
    for c in &kb.scenario_contexts {
        check_text("scenario_contexts", &c.id, &c.text);
    }
    for s in &kb.scenarios {
        check_text("scenarios", &s.id, &s.text);
    }
    for c in &kb.scenario_contexts {
        if SegmentKind::parse(&c.id).is_none() {
            let (id, kinds) = (
                &c.id,
                SegmentKind::VARIANTS
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            problems.push((
                At::entry("scenario_contexts", id, "id"),
                loc!(
                    "scenario_contexts の id は断面の種類にしてください ({id} は種類ではありません。使えるもの: {kinds})",
                    "scenario_contexts: the id must be a segment kind ({id} is not; kinds: {kinds})"
                ),
            ));
        }
    }
    for s in &kb.scenarios {
        if !threats.contains(s.threat.as_str()) {
            let (id, threat) = (&s.id, &s.threat);
            problems.push((
                At::entry("scenarios", id, "threat"),
                loc!(
                    "想定リスクの文 {id} の脅威 {threat} が知識ベースにありません",
                    "scenario {id}: there is no threat {threat} in the knowledge base"
                ),
            ));
        }
    }
}

/// Consistency checks that a schema cannot express, each with the place it concerns.
pub fn validate(kb: &KnowledgeBase) -> Vec<(At, Localized)> {
    let mut problems = Vec::new();
    let threats: HashSet<&str> = kb.threats.iter().map(|t| t.id.as_str()).collect();
    for t in &kb.threats {
        if !(1..=5).contains(&t.base_likelihood) {
            let id = &t.id;
            problems.push((
                At::entry("threats", id, "base_likelihood"),
                loc!(
                    "脅威 {id} の base_likelihood は 1〜5 にしてください",
                    "threat {id}: base_likelihood must be 1-5"
                ),
            ));
        }
    }
    check_scenarios(kb, &threats, &mut problems);
    check_scale("scales.likelihood", &kb.scales.likelihood, &mut problems);
    check_scale("scales.impact", &kb.scales.impact, &mut problems);
    for impact in 1..=5u8 {
        match kb.matrix.rows.get(&impact) {
            Some(row) if row.len() == 5 => {}
            Some(_) => problems.push((
                At {
                    section: "matrix.rows",
                    entry: Some(impact.to_string()),
                    field: None,
                },
                loc!(
                    "マトリクスの影響度 {impact} の行に顕在化率 1〜5 の 5 つのランクが必要です",
                    "matrix row for impact {impact} needs five ranks (likelihood 1-5)"
                ),
            )),
            None => problems.push((
                At::section("matrix.rows"),
                loc!(
                    "マトリクスに影響度 {impact} の行がありません",
                    "the matrix has no row for impact {impact}"
                ),
            )),
        }
    }
    for impact in kb.matrix.rows.keys().filter(|i| !(1..=5).contains(*i)) {
        problems.push((
            At {
                section: "matrix.rows",
                entry: Some(impact.to_string()),
                field: None,
            },
            loc!(
                "マトリクスに影響度 {impact} の行があります (影響度は 1〜5)",
                "the matrix has a row for impact {impact} (impact is 1-5)"
            ),
        ));
    }
    for rank in Rank::ALL {
        let r = rank.as_str();
        let count = kb.matrix.policy.iter().filter(|p| p.rank == rank).count();
        if count != 1 {
            let message = if count == 0 {
                loc!(
                    "ランク {r} の対応方針がありません",
                    "no policy for rank {r}"
                )
            } else {
                loc!(
                    "ランク {r} の対応方針が {count} 件あります (1 件にしてください)",
                    "rank {r} has {count} policies (give one)"
                )
            };
            let index = kb.matrix.policy.iter().rposition(|p| p.rank == rank);
            problems.push((
                At {
                    section: "matrix.policy",
                    entry: index.map(|i| i.to_string()),
                    field: None,
                },
                message,
            ));
        }
    }
    let mut check_threats = |section: &'static str, owner: &str, ids: &[String], field| {
        for id in ids {
            if !threats.contains(id.as_str()) {
                problems.push((
                    At::entry(section, owner, field),
                    loc!(
                        "{owner} が未定義の脅威 {id} を参照しています",
                        "{owner} refers to unknown threat {id}"
                    ),
                ));
            }
        }
    };
    for r in &kb.threat_rules {
        check_threats("threat_rules", &r.id, &r.threats, "threats");
    }
    for r in &kb.likelihood_rules {
        check_threats("likelihood_rules", &r.id, &r.threats, "threats");
    }
    for r in &kb.impact_rules {
        check_threats("impact_rules", &r.id, &r.threats, "threats");
    }
    for c in &kb.controls {
        check_threats("controls", &c.id, &c.counters, "counters");
    }
    let score_rules = kb
        .likelihood_rules
        .iter()
        .map(|r| ("likelihood_rules", r))
        .chain(kb.impact_rules.iter().map(|r| ("impact_rules", r)));
    for (section, r) in score_rules {
        let bad = match r.op {
            ScoreOp::AtLeast(n) | ScoreOp::AtMost(n) => !(1..=5).contains(&n),
            ScoreOp::Shift(n) => !(-4..=4).contains(&n),
        };
        if bad {
            let id = &r.id;
            problems.push((
                At::entry(section, id, "op"),
                loc!(
                    "{id} の op が範囲外です (at_least/at_most は 1〜5、shift は -4〜4)",
                    "{id}: op out of range (at_least/at_most 1-5, shift -4..4)"
                ),
            ));
        }
    }
    for c in &kb.classes {
        if [c.confidentiality, c.integrity, c.availability]
            .iter()
            .any(|l| !(1..=5).contains(l))
        {
            let id = &c.id;
            problems.push((
                At::entry("classes", id, "confidentiality"),
                loc!(
                    "情報分類 {id} の水準は 1〜5 にしてください",
                    "class {id}: levels must be 1-5"
                ),
            ));
        }
    }
    let editions: HashSet<&str> = kb.editions.iter().map(|e| e.id.as_str()).collect();
    let rule_references: Vec<(&str, Vec<String>)> = kb
        .rules
        .iter()
        .map(|r| (r.code.as_str(), r.references()))
        .collect();
    let references = rule_references
        .iter()
        .map(|(code, refs)| ("rules", *code, refs))
        .chain(
            kb.controls
                .iter()
                .map(|c| ("controls", c.id.as_str(), &c.references)),
        );
    for (section, owner, refs) in references {
        for reference in refs {
            let edition = reference.split_whitespace().next().unwrap_or("");
            if !editions.contains(edition) {
                problems.push((
                    At::entry(section, owner, "references"),
                    loc!(
                        "{owner} の参照 `{reference}` の版が未定義です",
                        "{owner}: reference `{reference}` names an unknown edition"
                    ),
                ));
            }
        }
    }
    problems
}

/// What a rule's declaration must hold: every text in both languages, an example that fires
/// and one that passes, and at least one source clause.
pub fn validate_rules(kb: &KnowledgeBase) -> Vec<Localized> {
    let mut problems = Vec::new();
    for r in &kb.rules {
        let code = &r.code;
        let texts = [
            ("title", &r.title),
            ("what", &r.what),
            ("why", &r.why),
            ("fix", &r.fix),
            ("example.explanation", &r.example.explanation),
        ];
        for (field, text) in texts {
            if text.ja.trim().is_empty() || text.en.trim().is_empty() {
                problems.push(loc!(
                    "{code}: {field} の日本語か英語が空です",
                    "{code}: `{field}` lacks Japanese or English text"
                ));
            }
        }
        for (field, text) in [
            ("example.fires", &r.example.fires),
            ("example.passes", &r.example.passes),
            ("example.element", &r.example.element),
        ] {
            if text.trim().is_empty() {
                problems.push(loc!(
                    "{code}: {field} が空です",
                    "{code}: `{field}` is empty"
                ));
            }
        }
        if r.sources.is_empty() {
            problems.push(loc!(
                "{code}: 根拠の条項 (sources) がありません",
                "{code}: no source clause"
            ));
        }
        let family: String = code.chars().take_while(char::is_ascii_uppercase).collect();
        if family.len() < 2 || !code[family.len()..].chars().all(|c| c.is_ascii_digit()) {
            problems.push(loc!(
                "{code}: コードは英大文字の系統名と 3 桁の番号です (例: AUTH001)",
                "{code}: a code is a family in capitals and three digits (e.g. AUTH001)"
            ));
        }
    }
    problems
}

/// A five-level scale: each of the levels 1 to 5 exactly once.
fn check_scale(
    section: &'static str,
    levels: &[super::ScaleLevel],
    problems: &mut Vec<(At, Localized)>,
) {
    let name = section.trim_start_matches("scales.");
    for level in 1..=5u8 {
        let count = levels.iter().filter(|l| l.level == level).count();
        if count != 1 {
            problems.push((
                At::section(section),
                loc!(
                    "尺度 {name} の水準 {level} が {count} 件あります (1〜5 を 1 件ずつ)",
                    "scale {name} has level {level} {count} times (give each of 1-5 once)"
                ),
            ));
        }
    }
    for (index, l) in levels
        .iter()
        .enumerate()
        .filter(|(_, l)| !(1..=5).contains(&l.level))
    {
        let level = l.level;
        problems.push((
            At {
                section,
                entry: Some(index.to_string()),
                field: Some("level"),
            },
            loc!(
                "尺度 {name} に水準 {level} があります (水準は 1〜5)",
                "scale {name} has a level {level} (levels are 1-5)"
            ),
        ));
    }
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
        assert!(validate(kb).is_empty(), "{:?}", validate(kb));
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

    fn problems(files: &[(FileId, &str)]) -> Vec<(u32, u32, u32, String)> {
        let Ok(base) = builtin() else {
            panic!("builtin")
        };
        let errors = with_overrides(base, files).unwrap_err();
        errors
            .iter()
            .map(|d| {
                let s = d.span.expect("every problem has a place");
                (
                    s.file.0,
                    s.line,
                    s.column,
                    d.message.get(crate::Lang::En).to_owned(),
                )
            })
            .collect()
    }

    const LEVEL: &str = "label: {ja: x, en: x}\n      criteria: {ja: x, en: x}";

    #[test]
    fn a_scale_missing_a_level_is_reported_at_the_scale_in_its_file() {
        let levels: String = [1, 2, 3, 5]
            .iter()
            .map(|l| format!("    - level: {l}\n      {LEVEL}\n"))
            .collect();
        let text = format!("scales:\n  likelihood:\n{levels}  impact:\n{}", {
            (1..=5)
                .map(|l| format!("    - level: {l}\n      {LEVEL}\n"))
                .collect::<String>()
        });
        let found = problems(&[(FileId(3), "threats: []\n"), (FileId(4), &text)]);
        assert_eq!(found.len(), 1, "{found:?}");
        let (file, line, _, message) = &found[0];
        assert_eq!((*file, *line), (4, 3), "{message}");
        assert!(message.contains("level 4 0 times"), "{message}");
    }

    #[test]
    fn extra_matrix_rows_and_two_policies_for_one_rank_are_reported_where_written() {
        let base = builtin().as_ref().unwrap();
        let policy: String = ["S", "A", "B", "C", "D", "A"]
            .iter()
            .map(|r| {
                format!("    - rank: {r}\n      treatment: consider\n      description: {{ja: x, en: x}}\n")
            })
            .collect();
        let text = format!(
            "matrix:\n  source: {{ja: x, en: x}}\n  rows:\n    5: [C, B, A, S, S]\n    4: [C, B, A, A, S]\n    3: [D, C, B, A, A]\n    2: [D, C, C, B, B]\n    1: [D, D, D, C, C]\n    6: [S, S, S, S, S]\n  policy:\n{policy}"
        );
        let errors = with_overrides(base, &[(FileId(9), &text)]).unwrap_err();
        let at: Vec<(u32, String)> = errors
            .iter()
            .map(|d| {
                (
                    d.span.unwrap().line,
                    d.message.get(crate::Lang::En).to_owned(),
                )
            })
            .collect();
        assert!(
            at.iter().any(|(l, m)| *l == 9 && m.contains("impact 6")),
            "{at:?}"
        );
        assert!(
            at.iter()
                .any(|(l, m)| *l == 26 && m.contains("rank A has 2 policies")),
            "{at:?}"
        );
    }

    #[test]
    fn the_same_id_twice_in_one_file_is_reported_at_the_second() {
        let text = "threats:\n  - id: X1\n    name: {ja: a, en: a}\n    description: {ja: a, en: a}\n    harms: [availability]\n    base_likelihood: 2\n  - id: X1\n    name: {ja: b, en: b}\n    description: {ja: b, en: b}\n    harms: [availability]\n    base_likelihood: 3\n";
        let found = problems(&[(FileId(2), text)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (2, 7), "{found:?}");
        assert!(found[0].3.contains("`X1` is defined twice"));
    }

    #[test]
    fn a_problem_in_the_second_file_is_located_in_the_second_file() {
        let first = "threats:\n  - id: X1\n    name: {ja: a, en: a}\n    description: {ja: a, en: a}\n    harms: [availability]\n    base_likelihood: 2\n";
        let second = "\n\nthreats:\n  - id: X2\n    name: {ja: b, en: b}\n    description: {ja: b, en: b}\n    harms: [availability]\n    base_likelihood: 9\n";
        let found = problems(&[(FileId(5), first), (FileId(6), second)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].0, found[0].1, found[0].2),
            (6, 8, 22),
            "{found:?}"
        );
    }

    #[test]
    fn merging_is_linear_in_the_number_of_entries() {
        // 5,000 new threats, then the same 5,000 replaced: merged by index, not by search.
        let base = builtin().as_ref().unwrap();
        let mut text = String::from("threats:\n");
        for i in 0..5_000 {
            text.push_str(&format!(
                "  - {{id: N{i}, name: {{ja: a, en: a}}, description: {{ja: a, en: a}}, harms: [availability], base_likelihood: 2}}\n"
            ));
        }
        let merged = with_overrides(base, &[(FileId(1), &text), (FileId(2), &text)]).unwrap();
        assert_eq!(merged.threats.len(), base.threats.len() + 5_000);
    }
}
