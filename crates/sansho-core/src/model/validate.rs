//! From raw files to a [`Model`]: ids registered and checked, references resolved, catalogue
//! controls expanded, kind-specific settings checked. Every problem becomes a diagnostic; the
//! model is returned only when there is no error.

use std::collections::HashMap;

use super::raw::{self, RawFile};
use super::spanned::{Pos, Sp};
use super::*;
use crate::diagnostics::{Code, Diagnostic, Severity, did_you_mean};
use crate::kb::KnowledgeBase;
use crate::loc;
use crate::source::FileId;
use crate::vocab::*;

/// The format version this sansho reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Organization,
    Location,
    Asset,
    Connection,
    Actor,
    Classification,
    Information,
    Flow,
    Control,
}

impl Kind {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Kind::Organization => ("組織 (organizations)", "organization"),
            Kind::Location => ("場所 (locations)", "location"),
            Kind::Asset => ("機器・媒体 (assets)", "asset"),
            Kind::Connection => ("接続 (connections)", "connection"),
            Kind::Actor => ("役割 (actors)", "actor"),
            Kind::Classification => ("情報分類 (classifications)", "classification"),
            Kind::Information => ("情報 (information)", "information"),
            Kind::Flow => ("情報流 (flows)", "flow"),
            Kind::Control => ("対策 (controls)", "control"),
        }
    }

    fn of(element: ElementRef) -> Kind {
        match element {
            ElementRef::Organization(_) => Kind::Organization,
            ElementRef::Location(_) => Kind::Location,
            ElementRef::Asset(_) => Kind::Asset,
            ElementRef::Connection(_) => Kind::Connection,
            ElementRef::Actor(_) => Kind::Actor,
            ElementRef::Classification(_) => Kind::Classification,
            ElementRef::Information(_) => Kind::Information,
            ElementRef::Flow(_) => Kind::Flow,
            ElementRef::Control(_) => Kind::Control,
        }
    }
}

/// A typed position that a reference to one kind of element resolves to.
trait Position: Sized {
    const KIND: Kind;
    fn of(element: ElementRef) -> Option<Self>;
}

macro_rules! position {
    ($($ix:ident => $kind:ident,)*) => {$(
        impl Position for $ix {
            const KIND: Kind = Kind::$kind;
            fn of(element: ElementRef) -> Option<Self> {
                match element {
                    ElementRef::$kind(i) => Some(i),
                    _ => None,
                }
            }
        }
    )*};
}

position! {
    OrgIx => Organization,
    LocationIx => Location,
    AssetIx => Asset,
    ConnectionIx => Connection,
    ActorIx => Actor,
    ClassIx => Classification,
    InfoIx => Information,
    FlowIx => Flow,
    ControlIx => Control,
}

struct Entry {
    element: ElementRef,
    span: Option<Span>,
}

impl Entry {
    fn kind(&self) -> Kind {
        Kind::of(self.element)
    }
}

struct Ctx<'a> {
    kb: &'a KnowledgeBase,
    ids: HashMap<String, Entry>,
    diagnostics: Vec<Diagnostic>,
}

/// Whether `id` is a valid element id.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn span(file: FileId, pos: Pos) -> Span {
    Span {
        file,
        line: pos.line,
        column: pos.column,
        offset: pos.offset,
        len: pos.len,
    }
}

impl Ctx<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn register(&mut self, element: ElementRef, id: &Sp<String>, file: FileId) {
        let here = span(file, id.pos);
        if !is_valid_id(&id.value) {
            let v = &id.value;
            self.push(
                Diagnostic::new(Code::InvalidId, loc!("id `{v}` に使えない文字があります", "id `{v}` has characters that ids may not use"), Some(here))
                    .with_hint(loc!(
                        "ASCII の英数字と . _ - だけを使い、英数字で始めてください (日本語は name: に書きます)",
                        "use ASCII letters, digits, '.', '_' and '-', starting with a letter or digit (Japanese goes in `name:`)"
                    )),
            );
        }
        if let Some(first) = self.ids.get(&id.value) {
            let v = &id.value;
            let (ja_kind, en_kind) = first.kind().names();
            let mut d = Diagnostic::new(
                Code::DuplicateId,
                loc!(
                    "id `{v}` はすでに {ja_kind} で使われています",
                    "id `{v}` is already used by another {en_kind}"
                ),
                Some(here),
            )
            .with_hint(loc!(
                "id はモデル全体で一意にしてください",
                "ids must be unique across the whole model"
            ));
            if let Some(first_span) = first.span {
                d = d.with_related(first_span, loc!("最初の定義", "first defined here"));
            }
            self.push(d);
            return;
        }
        self.ids.insert(
            id.value.clone(),
            Entry {
                element,
                span: Some(here),
            },
        );
    }

    /// Resolves a reference that must name one of `expected`.
    fn resolve(
        &mut self,
        reference: &Sp<String>,
        file: FileId,
        expected: &[Kind],
        field: &str,
    ) -> Option<ElementRef> {
        let here = span(file, reference.pos);
        let value = &reference.value;
        // Named only in the messages: a model of 100,000 flows resolves millions of references.
        let lists = || {
            let (ja, en): (Vec<&str>, Vec<&str>) = expected.iter().map(|k| k.names()).unzip();
            (ja.join(" / "), en.join(" / "))
        };
        match self.ids.get(value) {
            Some(entry) if expected.contains(&entry.kind()) => Some(entry.element),
            Some(entry) => {
                let (ja_list, en_list) = lists();
                let (ja_kind, en_kind) = entry.kind().names();
                let mut d = Diagnostic::new(
                    Code::WrongReferenceKind,
                    loc!(
                        "`{field}` の `{value}` は {ja_kind} です。{ja_list} の id が必要です",
                        "`{field}` refers to the {en_kind} `{value}`; it needs a {en_list} id"
                    ),
                    Some(here),
                );
                if let Some(s) = entry.span {
                    d = d.with_related(s, loc!("`{value}` の定義", "`{value}` is defined here"));
                }
                self.push(d);
                None
            }
            None => {
                let (ja_list, en_list) = lists();
                let candidates: Vec<&str> = self
                    .ids
                    .iter()
                    .filter(|(_, e)| expected.contains(&e.kind()))
                    .map(|(id, _)| id.as_str())
                    .collect();
                let hint = match did_you_mean(value, candidates.iter().copied()) {
                    Some(s) => loc!("`{s}` の誤りではありませんか", "did you mean `{s}`?"),
                    None => loc!(
                        "{ja_list} に id `{value}` を定義するか、既存の id を指定してください",
                        "define a {en_list} with id `{value}` or use an existing id"
                    ),
                };
                self.push(
                    Diagnostic::new(
                        Code::UnknownReference,
                        loc!(
                            "`{field}` の `{value}` が見つかりません",
                            "`{field}` refers to `{value}`, which is not defined"
                        ),
                        Some(here),
                    )
                    .with_hint(hint),
                );
                None
            }
        }
    }

    /// Resolves a reference that must name an element of `T`'s kind.
    fn resolve_index<T: Position>(
        &mut self,
        reference: &Sp<String>,
        file: FileId,
        field: &str,
    ) -> Option<T> {
        self.resolve(reference, file, &[T::KIND], field)
            .and_then(T::of)
    }

    fn invalid(
        &mut self,
        file: FileId,
        pos: Pos,
        message: crate::text::Localized,
        hint: crate::text::Localized,
    ) {
        self.push(
            Diagnostic::new(Code::InvalidValue, message, Some(span(file, pos))).with_hint(hint),
        );
    }

    fn not_applicable(&mut self, file: FileId, pos: Pos, key: &str, kind: &str) {
        self.push(
            Diagnostic::new(
                Code::NotApplicable,
                loc!(
                    "`{key}` は接続種別 `{kind}` には適用されません (無視します)",
                    "`{key}` does not apply to a `{kind}` connection and is ignored"
                ),
                Some(span(file, pos)),
            )
            .with_hint(loc!(
                "`kind` を見直すか `{key}` を削除してください",
                "check `kind`, or remove `{key}`"
            )),
        );
    }

    fn check_date(&mut self, file: FileId, value: &Sp<String>, field: &str) {
        if !is_date(&value.value) {
            let v = &value.value;
            self.invalid(
                file,
                value.pos,
                loc!(
                    "`{field}` の日付 `{v}` は YYYY-MM-DD 形式の実在する日付ではありません",
                    "`{field}` date `{v}` is not a real date written YYYY-MM-DD"
                ),
                loc!("例: 2027-03-31", "e.g. 2027-03-31"),
            );
        }
    }

    fn check_reference(&mut self, file: FileId, text: &Sp<String>) -> Option<ClauseRef> {
        let Some(clause) = ClauseRef::parse(&text.value) else {
            let v = &text.value;
            self.invalid(
                file,
                text.pos,
                loc!(
                    "条項参照 `{v}` に版と条項の両方が必要です",
                    "clause reference `{v}` needs an edition and a clause"
                ),
                loc!(
                    "例: \"MGL-6.0 システム運用編 14\"",
                    "e.g. \"MGL-6.0 システム運用編 14\""
                ),
            );
            return None;
        };
        if self.kb.edition(&clause.edition).is_none() {
            let e = &clause.edition;
            let editions: Vec<&str> = self.kb.editions.iter().map(|e| e.id.as_str()).collect();
            let list = editions.join(", ");
            let hint = match did_you_mean(e, editions.iter().copied()) {
                Some(s) => loc!(
                    "`{s}` の誤りではありませんか (既知の版: {list})",
                    "did you mean `{s}`? (known editions: {list})"
                ),
                None => loc!(
                    "既知の版: {list} (知識ベースに版を追加することもできます)",
                    "known editions: {list} (or add the edition to the knowledge base)"
                ),
            };
            self.push(
                Diagnostic::new(
                    Code::UnknownEdition,
                    loc!(
                        "未知のガイドライン版 `{e}`",
                        "unknown guideline edition `{e}`"
                    ),
                    Some(span(file, text.pos)),
                )
                .with_hint(hint),
            );
            return None;
        }
        Some(clause)
    }

    fn check_threats(&mut self, file: FileId, ids: &[Sp<String>]) -> Vec<String> {
        let mut out = Vec::new();
        for id in ids {
            if self.kb.threat(&id.value).is_some() {
                out.push(id.value.clone());
            } else {
                let v = &id.value;
                let known: Vec<&str> = self.kb.threats.iter().map(|t| t.id.as_str()).collect();
                let hint = match did_you_mean(v, known.iter().copied()) {
                    Some(s) => loc!("`{s}` の誤りではありませんか", "did you mean `{s}`?"),
                    None => loc!(
                        "T1〜T11 か、知識ベースに追加した脅威の id を指定してください",
                        "use T1-T11 or a threat added to the knowledge base"
                    ),
                };
                self.push(
                    Diagnostic::new(
                        Code::UnknownThreat,
                        loc!("未知の脅威 `{v}`", "unknown threat `{v}`"),
                        Some(span(file, id.pos)),
                    )
                    .with_hint(hint),
                );
            }
        }
        out
    }
}

/// Whether `text` is a real calendar date written `YYYY-MM-DD`, from year 1 (no February 30th,
/// no February 29th outside leap years, no year 0).
pub fn is_date(text: &str) -> bool {
    let shape = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape
        && text
            .parse::<jiff::civil::Date>()
            .is_ok_and(|d| d.year() >= 1)
}

/// Builds the validated model from parsed files (entry file first): one function per section,
/// in the order their references need. A reference that does not resolve leaves its element
/// unbuilt (the error is already reported), and the model is returned only when all were built
/// and no error was reported.
pub fn build(
    files: Vec<(FileId, RawFile)>,
    kb: &KnowledgeBase,
) -> (Option<Model>, Vec<Diagnostic>) {
    let mut ctx = Ctx {
        kb,
        ids: HashMap::new(),
        diagnostics: Vec::new(),
    };
    let Some((entry_file, _)) = files.first() else {
        return (None, Vec::new());
    };
    let entry_file = *entry_file;
    let Gathered {
        system,
        agreement,
        sections,
    } = gather(&mut ctx, files);
    let Some((system_file, system_raw)) = system else {
        ctx.push(
            Diagnostic::new(
                Code::MissingSystem,
                loc!(
                    "エントリファイルに `system:` がありません",
                    "the entry file has no `system:` section"
                ),
                Some(Span::point(entry_file, 1, 1, 0)),
            )
            .with_hint(loc!(
                "`sansho init` の雛形を参考に system: を書いてください",
                "add a `system:` section (see `sansho init`)"
            )),
        );
        return (None, ctx.diagnostics);
    };
    let mut classifications = builtin_classifications(kb);
    register_ids(&mut ctx, &sections, &classifications);
    let system = build_system(&mut ctx, system_file, &system_raw);
    let organizations = build_organizations(&mut ctx, &sections);
    let locations = build_locations(&mut ctx, &sections);
    let assets = build_assets(&mut ctx, &sections, &organizations);
    let connections = build_connections(&mut ctx, &sections);
    let actors = build_actors(&mut ctx, &sections);
    build_classifications(&mut ctx, &sections, &mut classifications);
    let information = build_information(&mut ctx, &sections, &organizations, &assets);
    let flows = build_flows(&mut ctx, &sections);
    let controls = sections
        .controls
        .iter()
        .map(|(f, c)| build_control(&mut ctx, *f, c))
        .collect();
    let decisions = build_decisions(&mut ctx, &sections);
    if flows.is_empty() {
        ctx.push(
            Diagnostic::new(
                Code::EmptyModel,
                loc!("情報流 (flows) がありません", "the model has no flows"),
                Some(span(system_file, system_raw.id.pos)),
            )
            .with_hint(loc!(
                "flows: に情報流を追加してください",
                "add information flows under `flows:`"
            )),
        );
    }
    let (
        backups,
        continuity,
        ledger,
        disposal_procedures,
        responsibilities,
        cooperations,
        agreement,
    ) = build_operations(&mut ctx, &sections, agreement.as_ref());
    let has_error = ctx
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error);
    let model = (|| {
        if has_error {
            return None;
        }
        Some(Model {
            system: system?,
            organizations,
            locations: all(locations)?,
            assets: all(assets)?,
            connections,
            actors: all(actors)?,
            classifications,
            information: all(information)?,
            flows: all(flows)?,
            controls: all(controls)?,
            decisions,
            backups,
            continuity,
            ledger,
            disposal_procedures,
            responsibilities,
            cooperations,
            agreement,
            incidents: Vec::new(),
            facts_source: None,
        })
    })();
    (model, ctx.diagnostics)
}

/// Every element, when each was built.
fn all<T>(elements: Vec<Option<T>>) -> Option<Vec<T>> {
    elements.into_iter().collect()
}

/// The files' sections in one place, with the version checked and `system:` and `agreement:`
/// taken from where they may stand.
struct Gathered {
    system: Option<(FileId, raw::RawSystem)>,
    agreement: Option<(FileId, raw::RawAgreement)>,
    sections: Sections,
}

fn gather(ctx: &mut Ctx<'_>, files: Vec<(FileId, RawFile)>) -> Gathered {
    let mut system_raw: Option<(FileId, raw::RawSystem)> = None;
    let mut agreement_raw: Option<(FileId, raw::RawAgreement)> = None;
    let mut sections = Sections::default();
    for (index, (file, mut raw)) in files.into_iter().enumerate() {
        if let Some(version) = &raw.sansho {
            if version.value != FORMAT_VERSION {
                let v = version.value;
                ctx.push(
                    Diagnostic::new(
                        Code::UnsupportedVersion,
                        loc!(
                            "形式バージョン {v} は読めません",
                            "format version {v} is not supported"
                        ),
                        Some(span(file, version.pos)),
                    )
                    .with_hint(loc!(
                        "`sansho: {FORMAT_VERSION}` と書いてください",
                        "write `sansho: {FORMAT_VERSION}`"
                    )),
                );
            }
        } else if index == 0 {
            ctx.push(
                Diagnostic::new(
                    Code::MissingKey,
                    loc!(
                        "エントリファイルに `sansho:` (形式バージョン) がありません",
                        "the entry file lacks `sansho:` (format version)"
                    ),
                    Some(Span::point(file, 1, 1, 0)),
                )
                .with_hint(loc!(
                    "先頭に `sansho: {FORMAT_VERSION}` を追加してください",
                    "add `sansho: {FORMAT_VERSION}` at the top"
                )),
            );
        }
        if let Some(agreement) = raw.agreement.take() {
            if agreement_raw.is_some() {
                ctx.push(Diagnostic::new(
                    Code::NotApplicable,
                    loc!(
                        "`agreement:` が複数のファイルにあります (最初のものを使います)",
                        "`agreement:` appears in several files; the first one is used"
                    ),
                    Some(Span::point(file, 1, 1, 0)),
                ));
            } else {
                agreement_raw = Some((file, agreement));
            }
        }
        if let Some(system) = raw.system.take() {
            if index == 0 {
                system_raw = Some((file, system));
            } else {
                ctx.push(
                    Diagnostic::new(
                        Code::NotApplicable,
                        loc!(
                            "`system:` はエントリファイルにだけ書けます (無視します)",
                            "`system:` belongs in the entry file and is ignored here"
                        ),
                        Some(span(file, system.id.pos)),
                    )
                    .with_hint(loc!(
                        "エントリファイルへ移してください",
                        "move it to the entry file"
                    )),
                );
            }
        }
        sections.add(file, raw);
    }
    Gathered {
        system: system_raw,
        agreement: agreement_raw,
        sections,
    }
}

fn builtin_classifications(kb: &KnowledgeBase) -> Vec<Classification> {
    kb.classes
        .iter()
        .map(|c| Classification {
            id: c.id.clone(),
            name: c.name.ja.clone(),
            medical: c.medical,
            confidentiality: c.confidentiality,
            integrity: c.integrity,
            availability: c.availability,
            span: None,
        })
        .collect()
}

/// Registers ids in a fixed order, so a duplicate points at the later definition.
fn register_ids(ctx: &mut Ctx<'_>, sections: &Sections, builtin: &[Classification]) {
    for (ix, (f, o)) in OrgIx::all(sections.organizations.len()).zip(&sections.organizations) {
        ctx.register(ElementRef::Organization(ix), &o.id, *f);
    }
    for (ix, (f, l)) in LocationIx::all(sections.locations.len()).zip(&sections.locations) {
        ctx.register(ElementRef::Location(ix), &l.id, *f);
    }
    for (ix, (f, a)) in AssetIx::all(sections.assets.len()).zip(&sections.assets) {
        ctx.register(ElementRef::Asset(ix), &a.id, *f);
    }
    for (ix, (f, c)) in ConnectionIx::all(sections.connections.len()).zip(&sections.connections) {
        ctx.register(ElementRef::Connection(ix), &c.id, *f);
    }
    for (ix, (f, a)) in ActorIx::all(sections.actors.len()).zip(&sections.actors) {
        ctx.register(ElementRef::Actor(ix), &a.id, *f);
    }
    // The model's classifications are the built-in ones followed by the model's own.
    for (ix, c) in ClassIx::enumerate(builtin) {
        ctx.ids.insert(
            c.id.clone(),
            Entry {
                element: ElementRef::Classification(ix),
                span: None,
            },
        );
    }
    let classes = ClassIx::all(builtin.len() + sections.classifications.len()).skip(builtin.len());
    for (ix, (f, c)) in classes.zip(&sections.classifications) {
        ctx.register(ElementRef::Classification(ix), &c.id, *f);
    }
    for (ix, (f, x)) in InfoIx::all(sections.information.len()).zip(&sections.information) {
        ctx.register(ElementRef::Information(ix), &x.id, *f);
    }
    for (ix, (f, x)) in FlowIx::all(sections.flows.len()).zip(&sections.flows) {
        ctx.register(ElementRef::Flow(ix), &x.id, *f);
    }
    for (ix, (f, x)) in ControlIx::all(sections.controls.len()).zip(&sections.controls) {
        ctx.register(ElementRef::Control(ix), &x.id, *f);
    }
}

/// `None` when the provider does not resolve (reported).
fn build_system(ctx: &mut Ctx<'_>, file: FileId, raw: &raw::RawSystem) -> Option<System> {
    let provider = ctx.resolve_index::<OrgIx>(&raw.provider, file, "provider");
    let mut editions = Vec::new();
    for e in &raw.editions {
        let text = Sp::new(format!("{} -", e.value), e.pos);
        if ctx.check_reference(file, &text).is_some() {
            editions.push(e.value.clone());
        }
        let without_content = ctx
            .kb
            .edition(&e.value)
            .and_then(|ed| ed.applies_instead.clone().map(|i| (i, ed.note.clone())));
        if let Some((instead, note)) = without_content {
            let id = &e.value;
            let mut d = Diagnostic::new(
                Code::EditionWithoutContent,
                loc!(
                    "sansho は {id} の内容を持たないため、{instead} の規則と条項で検査します",
                    "sansho does not hold the content of {id}, so it applies the rules and clauses of {instead}"
                ),
                Some(span(file, e.pos)),
            );
            if let Some(note) = note {
                d = d.with_hint(note);
            }
            ctx.push(d);
        }
    }
    if let Some(as_of) = &raw.as_of {
        ctx.check_date(file, &Sp::new(as_of.clone(), raw.id.pos), "as_of");
    }
    let document = raw.document.as_ref().map(|d| {
        for (date, field) in [
            (&d.created, "document.created"),
            (&d.revised, "document.revised"),
        ] {
            if let Some(date) = date {
                ctx.check_date(file, date, field);
            }
        }
        Document {
            version: d.version.clone(),
            created: d.created.as_ref().map(|c| c.value.clone()),
            revised: d.revised.as_ref().map(|c| c.value.clone()),
            author: d.author.clone(),
            approver: d.approver.clone(),
            addressee: d
                .addressee
                .as_ref()
                .and_then(|a| ctx.resolve_index::<OrgIx>(a, file, "document.addressee")),
        }
    });
    Some(System {
        id: raw.id.value.clone(),
        name: raw.name.value.clone(),
        description: raw.description.clone(),
        provider: provider?,
        editions,
        as_of: raw.as_of.clone(),
        data_egress_controls: raw.data_egress_controls.iter().map(|c| c.value).collect(),
        document,
        span: span(file, raw.id.pos),
    })
}

fn build_organizations(ctx: &mut Ctx<'_>, sections: &Sections) -> Vec<Organization> {
    sections
        .organizations
        .iter()
        .map(|(f, o)| {
            let certifications = o
                .certifications
                .iter()
                .map(|c| {
                    if let Some(v) = &c.valid_until {
                        ctx.check_date(*f, v, "valid_until");
                    }
                    Certification {
                        scheme: c.scheme.value,
                        id: c.id.clone(),
                        scope: c.scope.clone(),
                        valid_until: c.valid_until.as_ref().map(|v| v.value.clone()),
                        name: c.name.clone(),
                        covers_data_lifecycle: c.covers_data_lifecycle,
                        auditor: c.auditor.as_ref().map(|a| a.value),
                        span: span(*f, c.scheme.pos),
                    }
                })
                .collect();
            Organization {
                id: o.id.value.clone(),
                name: o.name.value.clone(),
                role: o.role.value,
                layers: o.layers.iter().map(|l| l.value).collect(),
                certifications,
                description: o.description.clone(),
                span: span(*f, o.id.pos),
            }
        })
        .collect()
}

fn build_locations(ctx: &mut Ctx<'_>, sections: &Sections) -> Vec<Option<Location>> {
    sections
        .locations
        .iter()
        .map(|(f, l)| {
            if let Some(country) = &l.country
                && !(country.value.len() == 2
                    && country.value.bytes().all(|b| b.is_ascii_uppercase()))
            {
                let v = &country.value;
                ctx.invalid(
                    *f,
                    country.pos,
                    loc!(
                        "国コード `{v}` は ISO 3166-1 の 2 文字 (例: JP) で書いてください",
                        "country `{v}` must be an ISO 3166-1 alpha-2 code (e.g. JP)"
                    ),
                    loc!("例: JP, US, SG", "e.g. JP, US, SG"),
                );
            }
            Some(Location {
                id: l.id.value.clone(),
                name: l.name.value.clone(),
                kind: l.kind.value,
                country: l.country.as_ref().map(|c| c.value.clone()),
                region: l.region.clone(),
                managed_by: l
                    .managed_by
                    .as_ref()
                    .and_then(|m| ctx.resolve_index::<OrgIx>(m, *f, "managed_by")),
                physical_safeguards: l.physical_safeguards.iter().map(|p| p.value).collect(),
                public_access: l.public_access,
                within: l
                    .within
                    .as_ref()
                    .and_then(|w| ctx.resolve_index::<LocationIx>(w, *f, "within")),
                description: l.description.clone(),
                span: span(*f, l.id.pos),
            })
        })
        .collect()
}

/// Assets, with where each stands (its host's place when it runs on another asset) and whose
/// responsibility it is.
fn build_assets(
    ctx: &mut Ctx<'_>,
    sections: &Sections,
    organizations: &[Organization],
) -> Vec<Option<Asset>> {
    // Where each asset stands is settled first (its own place, or its host's), so every asset is
    // built with its final location.
    let own: Vec<(Option<LocationIx>, Option<AssetIx>)> = sections
        .assets
        .iter()
        .map(|(f, a)| {
            let location = a
                .location
                .as_ref()
                .and_then(|l| ctx.resolve_index::<LocationIx>(l, *f, "location"));
            let runs_on = a
                .runs_on
                .as_ref()
                .and_then(|r| ctx.resolve_index::<AssetIx>(r, *f, "runs_on"));
            (location, runs_on)
        })
        .collect();
    let placements = place_assets(ctx, sections, &own);
    let mut assets = Vec::new();
    for (i, (f, a)) in sections.assets.iter().enumerate() {
        let authentication = match &a.authentication {
            None => None,
            Some(methods) if methods.is_empty() => {
                ctx.invalid(
                    *f,
                    a.id.pos,
                    loc!("`authentication` が空です", "`authentication` is empty"),
                    loc!(
                        "認証がないなら `[none]` と書いてください",
                        "write `[none]` if there is no authentication"
                    ),
                );
                None
            }
            Some(methods) => {
                if methods.len() > 1 && methods.iter().any(|m| m.value == AuthMethod::None) {
                    let pos = methods
                        .iter()
                        .find(|m| m.value == AuthMethod::None)
                        .map_or(a.id.pos, |m| m.pos);
                    ctx.invalid(
                        *f,
                        pos,
                        loc!(
                            "`none` は他の認証方式と組み合わせられません",
                            "`none` cannot be combined with other methods"
                        ),
                        loc!(
                            "`none` を削除するか、他の方式を削除してください",
                            "remove `none` or the other methods"
                        ),
                    );
                }
                Some(methods.iter().map(|m| m.value).collect())
            }
        };
        let runs_on = own[i].1;
        let replica_of = a
            .replica_of
            .as_ref()
            .and_then(|r| ctx.resolve_index::<AssetIx>(r, *f, "replica_of"));
        if a.location.is_none() && a.runs_on.is_none() {
            let id = &a.id.value;
            ctx.push(
                Diagnostic::new(
                    Code::MissingKey,
                    loc!(
                        "`{id}` に `location` も `runs_on` もありません",
                        "`{id}` has neither `location` nor `runs_on`"
                    ),
                    Some(span(*f, a.id.pos)),
                )
                .with_hint(loc!(
                    "置かれている場所 (location) か、動作する基盤の機器 (runs_on) を書いてください",
                    "add where it stands (`location`) or the asset it runs on (`runs_on`)"
                )),
            );
        }
        let managed_by = a
            .managed_by
            .as_ref()
            .and_then(|m| ctx.resolve_index::<OrgIx>(m, *f, "managed_by"));
        let holds = a
            .holds
            .iter()
            .filter_map(|h| ctx.resolve_index::<InfoIx>(h, *f, "holds"))
            .collect();
        let scope = match &a.scope {
            Some(s) => s.value,
            None if managed_by
                .and_then(|m| organizations.get(m.index()))
                .is_some_and(|o| o.role == OrganizationRole::Institution) =>
            {
                Scope::Institution
            }
            None => Scope::Provider,
        };
        let password_policy = a.password_policy.as_ref().map(|p| PasswordPolicy {
            min_length: p.min_length.as_ref().map(|v| v.value),
            character_classes: p.character_classes.as_ref().map(|v| v.value),
            reuse_prohibited: p.reuse_prohibited,
            lockout_after: p.lockout_after.as_ref().map(|v| v.value),
            rotation_days: p.rotation_days.as_ref().map(|v| v.value),
            span: span(*f, a.id.pos),
        });
        if let Some(classes) = a
            .password_policy
            .as_ref()
            .and_then(|p| p.character_classes.as_ref())
            .filter(|c| !(1..=4).contains(&c.value))
        {
            let v = classes.value;
            ctx.invalid(
                *f,
                classes.pos,
                loc!(
                    "`character_classes` の {v} は範囲外です",
                    "`character_classes` {v} is out of range"
                ),
                loc!(
                    "英大文字・英小文字・数字・記号のうち混在させる種類の数 (1〜4) を書いてください",
                    "give how many of upper case, lower case, digits and symbols are mixed (1-4)"
                ),
            );
        }
        assets.push(placements[i].map(|location| {
            Asset {
                id: a.id.value.clone(),
                name: a.name.value.clone(),
                kind: a.kind.value,
                layer: a.layer.as_ref().map(|l| l.value),
                location,
                managed_by,
                scope,
                runs_on,
                replica_of,
                regenerable: a.regenerable,
                password_policy,
                holds,
                exposure: a.exposure.as_ref().map(|e| e.value),
                authentication,
                encrypted_at_rest: a.encrypted_at_rest,
                unpatched_vulnerabilities: a
                    .unpatched_vulnerabilities
                    .iter()
                    .map(|v| v.value.clone())
                    .collect(),
                default_credentials: a.default_credentials,
                taken_out: a.taken_out,
                minimal_apps: a.minimal_apps,
                lent_to_patients: a.lent_to_patients,
                patient_consent: a.patient_consent,
                cloud_permitted: a.cloud_permitted,
                description: a.description.clone(),
                span: span(*f, a.id.pos),
            }
        }));
    }
    assets
}

/// Where each asset stands: its own `location`, or, for an asset that runs on another and has
/// no place of its own, its host's (following `runs_on`, which must not go round in a circle).
/// `None` when neither gives a place (reported elsewhere, or here for a circle).
fn place_assets(
    ctx: &mut Ctx<'_>,
    sections: &Sections,
    own: &[(Option<LocationIx>, Option<AssetIx>)],
) -> Vec<Option<LocationIx>> {
    let mut placements = Vec::with_capacity(own.len());
    // Assets on a circle already reported: the circle is reported once, not once per member.
    let mut circled = vec![false; own.len()];
    for (ix, &(location, runs_on)) in AssetIx::all(own.len()).zip(own) {
        if location.is_some() {
            placements.push(location);
            continue;
        }
        let mut host = runs_on;
        let mut steps = 0;
        let mut walked = vec![ix];
        let placed = loop {
            let Some(h) = host else { break None };
            if circled.get(h.index()).copied().unwrap_or(false) {
                break None;
            }
            if h == ix || steps > own.len() {
                for w in &walked {
                    circled[w.index()] = true;
                }
                let (f, raw) = &sections.assets[ix.index()];
                let id = &raw.id.value;
                ctx.invalid(
                    *f,
                    raw.runs_on.as_ref().map_or(raw.id.pos, |r| r.pos),
                    loc!(
                        "`{id}` の runs_on が循環しています",
                        "the `runs_on` of `{id}` goes round in a circle"
                    ),
                    loc!(
                        "基盤側の機器には runs_on を書かないでください",
                        "leave `runs_on` out on the host"
                    ),
                );
                break None;
            }
            match own.get(h.index()) {
                Some((Some(place), _)) => break Some(*place),
                Some((None, next)) => host = *next,
                None => break None,
            }
            walked.push(h);
            steps += 1;
        };
        placements.push(placed);
    }
    placements
}

fn build_connections(ctx: &mut Ctx<'_>, sections: &Sections) -> Vec<Connection> {
    let mut connections = Vec::new();
    for (f, c) in &sections.connections {
        let kind = c.kind.value;
        let kind_name = kind.name().to_owned();
        if let Some(ike) = &c.ike
            && kind != ConnectionKind::IpsecVpn
        {
            ctx.not_applicable(*f, ike.pos, "ike", &kind_name);
        }
        if let Some(t) = &c.ssl_vpn
            && kind != ConnectionKind::SslVpn
        {
            ctx.not_applicable(*f, t.pos, "ssl_vpn", &kind_name);
        }
        if let Some(first) = c.wireless_access_control.first()
            && kind != ConnectionKind::WirelessLan
        {
            ctx.not_applicable(*f, first.pos, "wireless_access_control", &kind_name);
        }
        if let Some(t) = &c.transport
            && kind != ConnectionKind::MediaTransport
        {
            ctx.not_applicable(*f, t.carrier.pos, "transport", &kind_name);
        }
        let tls = c.tls.as_ref().map(|t| {
            if t.versions.is_empty() {
                ctx.invalid(
                    *f,
                    c.id.pos,
                    loc!("`tls.versions` が空です", "`tls.versions` is empty"),
                    loc!("例: [tls1.3]", "e.g. [tls1.3]"),
                );
            }
            Tls {
                versions: t.versions.iter().map(|v| v.value).collect(),
                cipher_suites: t.cipher_suites.iter().map(|s| s.value.clone()).collect(),
                reason_for_tls12: t.reason_for_tls12.clone(),
                client_certificates: t.client_certificates,
                versions_span: span(*f, t.versions.first().map_or(c.id.pos, |v| v.pos)),
                cipher_suite_spans: t.cipher_suites.iter().map(|s| span(*f, s.pos)).collect(),
            }
        });
        connections.push(Connection {
            id: c.id.value.clone(),
            name: c.name.value.clone(),
            kind,
            endpoints: c
                .endpoints
                .iter()
                .filter_map(|e| ctx.resolve_index::<AssetIx>(e, *f, "endpoints"))
                .collect(),
            managed_by: c
                .managed_by
                .as_ref()
                .and_then(|m| ctx.resolve_index::<OrgIx>(m, *f, "managed_by")),
            tls,
            ike: c.ike.as_ref().map(|i| i.value),
            ssl_vpn: c.ssl_vpn.as_ref().map(|s| s.value),
            wireless_access_control: c.wireless_access_control.iter().map(|w| w.value).collect(),
            transport: c.transport.as_ref().map(|t| Transport {
                carrier: t.carrier.value,
                sealed: t.sealed,
                encrypted: t.encrypted,
            }),
            remote_access: c.remote_access.as_ref().map(|r| RemoteAccess {
                purpose: r.purpose.value,
                equivalent_to_vdi: r.equivalent_to_vdi.clone(),
                restricted: r.restricted,
                vdi: r.vdi,
                separated: r.separated,
                span: span(*f, r.purpose.pos),
            }),
            unencrypted_by_law: c.unencrypted_by_law,
            eavesdropping_countermeasures: c.eavesdropping_countermeasures.clone(),
            description: c.description.clone(),
            span: span(*f, c.id.pos),
        });
    }

    connections
}

fn build_actors(ctx: &mut Ctx<'_>, sections: &Sections) -> Vec<Option<Actor>> {
    sections
        .actors
        .iter()
        .map(|(f, a)| {
            let organization = ctx.resolve_index::<OrgIx>(&a.organization, *f, "organization");
            Some(Actor {
                id: a.id.value.clone(),
                name: a.name.value.clone(),
                organization: organization?,
                kind: a.kind.as_ref().map(|k| k.value),
                description: a.description.clone(),
                span: span(*f, a.id.pos),
            })
        })
        .collect()
}

fn build_classifications(
    ctx: &mut Ctx<'_>,
    sections: &Sections,
    classifications: &mut Vec<Classification>,
) {
    for (f, c) in &sections.classifications {
        for (name, level) in [
            ("confidentiality", &c.confidentiality),
            ("integrity", &c.integrity),
            ("availability", &c.availability),
        ] {
            if !(1..=5).contains(&level.value) {
                let v = level.value;
                ctx.invalid(
                    *f,
                    level.pos,
                    loc!(
                        "`{name}` の水準 {v} は範囲外です",
                        "`{name}` level {v} is out of range"
                    ),
                    loc!("1〜5 で書いてください", "use 1-5"),
                );
            }
        }
        classifications.push(Classification {
            id: c.id.value.clone(),
            name: c.name.value.clone(),
            medical: c.medical,
            confidentiality: c.confidentiality.value.clamp(1, 5),
            integrity: c.integrity.value.clamp(1, 5),
            availability: c.availability.value.clamp(1, 5),
            span: Some(span(*f, c.id.pos)),
        });
    }
}

/// Information kinds, with who keeps them: written, or the institution when only its own
/// devices hold them. `log_of` may name information defined later: every id is registered by
/// now.
fn build_information(
    ctx: &mut Ctx<'_>,
    sections: &Sections,
    organizations: &[Organization],
    assets: &[Option<Asset>],
) -> Vec<Option<Information>> {
    InfoIx::all(sections.information.len())
        .zip(&sections.information)
        .map(|(ix, (f, x))| {
            let classification =
                ctx.resolve_index::<ClassIx>(&x.classification, *f, "classification");
            let owner = x.owner.as_ref().and_then(|o| {
                let org = ctx.resolve_index::<OrgIx>(o, *f, "owner")?;
                if organizations
                    .get(org.index())
                    .is_some_and(|o| o.role == OrganizationRole::Institution)
                {
                    return Some(org);
                }
                let v = &o.value;
                ctx.invalid(
                    *f,
                    o.pos,
                    loc!(
                        "`owner` の `{v}` は医療機関等 (role: institution) ではありません",
                        "`owner` `{v}` is not a medical institution (role: institution)"
                    ),
                    loc!(
                        "情報を預けている医療機関等の id を書いてください",
                        "name the institution whose information it is"
                    ),
                );
                None
            });
            // Kept by the institution itself when every device holding it is the institution's.
            let mut holders = assets
                .iter()
                .flatten()
                .filter(|a| a.holds.contains(&ix))
                .peekable();
            let scope = match &x.scope {
                Some(s) => s.value,
                None if holders.peek().is_some()
                    && holders.all(|a| a.scope == Scope::Institution) =>
                {
                    Scope::Institution
                }
                None => Scope::Provider,
            };
            Some(Information {
                id: x.id.value.clone(),
                name: x.name.value.clone(),
                classification: classification?,
                owner,
                scope,
                retention_years: x.retention_years.as_ref().map(|r| r.value),
                retention_basis: x.retention_basis.clone(),
                legal_record: x.legal_record,
                requires_signature: x.requires_signature,
                record_type: x.record_type.as_ref().and_then(|r| {
                    if ctx.kb.tables.retention.iter().any(|e| e.id == r.value) {
                        Some(r.value.clone())
                    } else {
                        let v = &r.value;
                        let known: Vec<&str> = ctx
                            .kb
                            .tables
                            .retention
                            .iter()
                            .map(|e| e.id.as_str())
                            .collect();
                        let hint = match did_you_mean(v, known.iter().copied()) {
                            Some(s) => loc!("`{s}` の誤りではありませんか", "did you mean `{s}`?"),
                            None => loc!(
                                "`sansho kb retention` で一覧を確認してください",
                                "see `sansho kb retention` for the list"
                            ),
                        };
                        ctx.invalid(
                            *f,
                            r.pos,
                            loc!(
                                "保存期間表に記録種別 `{v}` がありません",
                                "no record type `{v}` in the retention table"
                            ),
                            hint,
                        );
                        None
                    }
                }),
                log_of: x
                    .log_of
                    .iter()
                    .filter_map(|l| ctx.resolve_index::<InfoIx>(l, *f, "log_of"))
                    .collect(),
                kept_years: x.kept_years.as_ref().map(|k| k.value),
                kept_span: x.kept_years.as_ref().map(|k| span(*f, k.pos)),
                agreed_retention: x.agreed_retention.as_ref().and_then(|a| {
                    if let Some(d) = &a.date {
                        ctx.check_date(*f, d, "agreed_retention.date");
                    }
                    let with = ctx.resolve_index::<OrgIx>(&a.with, *f, "agreed_retention.with")?;
                    Some(AgreedRetention {
                        years: a.years.value,
                        with,
                        date: a.date.as_ref().map(|d| d.value.clone()),
                    })
                }),
                signature: x.signature.as_ref().map(|s| Signature {
                    method: s.method.value,
                    timestamp: s.timestamp.value,
                    span: span(*f, s.method.pos),
                }),
                description: x.description.clone(),
                span: span(*f, x.id.pos),
            })
        })
        .collect()
}

fn build_flows(ctx: &mut Ctx<'_>, sections: &Sections) -> Vec<Option<Flow>> {
    let mut flows = Vec::new();
    for (f, x) in &sections.flows {
        let which = ctx.resolve_index::<AssetIx>(&x.which, *f, "which");
        let mut path: Vec<ElementRef> = x
            .path
            .iter()
            .filter_map(|p| ctx.resolve(p, *f, &[Kind::Asset, Kind::Connection], "path"))
            .collect();
        if x.path.is_empty() {
            if let Some(w) = which {
                path.push(ElementRef::Asset(w));
            }
        } else if let (Some(w), Some(first)) = (which, x.path.first()) {
            if first.value != x.which.value {
                let (p0, wv) = (&first.value, &x.which.value);
                ctx.push(
                    Diagnostic::new(
                        Code::InvalidPath,
                        loc!(
                            "`path` は `which` の `{wv}` から始めてください (先頭が `{p0}`)",
                            "`path` must start at `which` (`{wv}`), not at `{p0}`"
                        ),
                        Some(span(*f, first.pos)),
                    )
                    .with_hint(loc!(
                        "path の先頭に `{wv}` を置いてください",
                        "put `{wv}` first in `path`"
                    )),
                );
            }
            let _ = w;
        }
        if x.what.is_empty() {
            ctx.push(
                Diagnostic::new(
                    Code::MissingKey,
                    loc!(
                        "`what` が空です: 情報流には扱う情報が必要です",
                        "`what` is empty: a flow needs the information it handles"
                    ),
                    Some(span(*f, x.id.pos)),
                )
                .with_hint(loc!(
                    "information の id を列挙してください",
                    "list information ids"
                )),
            );
        }
        if x.how.is_empty() {
            ctx.push(
                Diagnostic::new(
                    Code::MissingKey,
                    loc!(
                        "`how` が空です: 情報流には操作が必要です",
                        "`how` is empty: a flow needs at least one operation"
                    ),
                    Some(span(*f, x.id.pos)),
                )
                .with_hint(loc!("例: [view, update]", "e.g. [view, update]")),
            );
        }
        let who: Vec<ActorIx> = x
            .who
            .as_ref()
            .map(|w| {
                w.value
                    .ids()
                    .iter()
                    .filter_map(|id| {
                        ctx.resolve_index::<ActorIx>(&Sp::new(id.clone(), w.pos), *f, "who")
                    })
                    .collect()
            })
            .unwrap_or_default();
        let where_ = ctx.resolve_index::<LocationIx>(&x.where_, *f, "where");
        let (Some(where_), Some(which)) = (where_, which) else {
            flows.push(None);
            continue;
        };
        flows.push(Some(Flow {
            id: x.id.value.clone(),
            phase: x.phase.value,
            layer: x.layer.value,
            who,
            where_,
            which,
            what: x
                .what
                .iter()
                .filter_map(|w| ctx.resolve_index::<InfoIx>(w, *f, "what"))
                .collect(),
            how: x.how.iter().map(|h| h.value).collect(),
            path,
            volume: x.volume.as_ref().map_or(Volume::Record, |v| v.value),
            approval: x
                .approval
                .as_ref()
                .map(|a| a.value.clone())
                .filter(|a| !a.trim().is_empty()),
            evidence: x
                .evidence
                .as_ref()
                .map(|e| e.value.clone())
                .filter(|e| !e.trim().is_empty()),
            break_glass: x
                .break_glass
                .as_ref()
                .map(|b| b.value.clone())
                .filter(|b| !b.trim().is_empty()),
            description: x.description.clone(),
            span: span(*f, x.id.pos),
        }));
    }

    flows
}

fn build_decisions(ctx: &mut Ctx<'_>, sections: &Sections) -> Vec<Decision> {
    let mut decisions = Vec::new();
    for (f, d) in &sections.decisions {
        let risk = &d.risk.value;
        if risk.is_empty()
            || !risk
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '*'))
        {
            ctx.invalid(
                *f,
                d.risk.pos,
                loc!("リスク id `{risk}` の形式が不正です", "risk id `{risk}` is malformed"),
                loc!("`情報流id/断面/要素id/脅威id` の形式で、`*` を使えます (例: OP-APP-01/entry/exam-terminal/T1)", "use `flow/segment/element/threat`, `*` allowed (e.g. OP-APP-01/entry/exam-terminal/T1)"),
            );
        }
        let acceptance = d.acceptance.as_ref().map(|a| {
            if let Some(date) = &a.date {
                ctx.check_date(*f, date, "acceptance.date");
            }
            Acceptance {
                by: a
                    .by
                    .as_ref()
                    .map(|b| b.value.clone())
                    .filter(|s| !s.trim().is_empty()),
                date: a.date.as_ref().map(|b| b.value.clone()),
                reason: a
                    .reason
                    .as_ref()
                    .map(|b| b.value.clone())
                    .filter(|s| !s.trim().is_empty()),
                span: span(
                    *f,
                    a.by.as_ref()
                        .or(a.reason.as_ref())
                        .or(a.date.as_ref())
                        .map_or(d.risk.pos, |s| s.pos),
                ),
            }
        });
        decisions.push(Decision {
            risk: risk.clone(),
            treatment: d.treatment.value,
            controls: d
                .controls
                .iter()
                .filter_map(|c| ctx.resolve_index::<ControlIx>(c, *f, "controls"))
                .collect(),
            requests: d
                .requests
                .iter()
                .map(|r| Request {
                    control: r
                        .control
                        .as_ref()
                        .and_then(|c| ctx.resolve_index::<ControlIx>(c, *f, "requests.control")),
                    text: r.text.value.clone(),
                    span: span(*f, r.text.pos),
                })
                .collect(),
            acceptance,
            rationale: d.rationale.clone(),
            span: span(*f, d.risk.pos),
        });
    }

    decisions
}

/// `None` when the owner does not resolve (reported).
fn build_control(ctx: &mut Ctx<'_>, f: FileId, c: &raw::RawControl) -> Option<Control> {
    let mut catalogue_unknown = false;
    let catalogue = match &c.catalogue {
        None => None,
        Some(id) => match ctx.kb.catalogue_control(&id.value) {
            Some(entry) => Some(entry.clone()),
            None => {
                let v = &id.value;
                let known: Vec<&str> = ctx.kb.controls.iter().map(|c| c.id.as_str()).collect();
                let hint = match did_you_mean(v, known.iter().copied()) {
                    Some(s) => loc!(
                        "`{s}` の誤りではありませんか (`sansho kb controls` で一覧)",
                        "did you mean `{s}`? (`sansho kb controls` lists them)"
                    ),
                    None => loc!(
                        "`sansho kb controls` でカタログの一覧を確認してください",
                        "run `sansho kb controls` to list the catalogue"
                    ),
                };
                ctx.push(
                    Diagnostic::new(
                        Code::UnknownCatalogueControl,
                        loc!(
                            "カタログに対策 `{v}` がありません",
                            "the catalogue has no control `{v}`"
                        ),
                        Some(span(f, id.pos)),
                    )
                    .with_hint(hint),
                );
                catalogue_unknown = true;
                None
            }
        },
    };
    let id_span = span(f, c.id.pos);
    let missing = |ctx: &mut Ctx<'_>, key: &str| {
        // An unknown catalogue entry is the real problem; do not pile on its consequences.
        if catalogue_unknown {
            return;
        }
        let id = &c.id.value;
        ctx.push(
            Diagnostic::new(
                Code::MissingKey,
                loc!(
                    "対策 `{id}` に `{key}` がありません",
                    "control `{id}` lacks `{key}`"
                ),
                Some(id_span),
            )
            .with_hint(loc!(
                "`{key}:` を書くか、`catalogue:` でカタログの対策を採用してください",
                "write `{key}:` or adopt a catalogue control with `catalogue:`"
            )),
        );
    };
    let name = match (&c.name, &catalogue) {
        (Some(n), _) => n.value.clone(),
        (None, Some(cat)) => cat.name.ja.clone(),
        (None, None) => {
            missing(ctx, "name");
            String::new()
        }
    };
    let category = match (&c.category, &catalogue) {
        (Some(x), _) => x.value,
        (None, Some(cat)) => cat.category,
        (None, None) => {
            missing(ctx, "category");
            ControlCategory::Technical
        }
    };
    let counters = match (&c.counters, &catalogue) {
        (Some(x), _) => ctx.check_threats(f, x),
        (None, Some(cat)) => cat.counters.clone(),
        (None, None) => {
            missing(ctx, "counters");
            Vec::new()
        }
    };
    let effect = match (&c.effect, &catalogue) {
        (Some(e), _) => e.clone(),
        (None, Some(cat)) => cat.effect.clone(),
        (None, None) => raw::RawEffect {
            likelihood: 1,
            impact: 0,
        },
    };
    if effect.likelihood > 4 || effect.impact > 4 {
        let id = &c.id.value;
        ctx.invalid(
            f,
            c.id.pos,
            loc!(
                "対策 `{id}` の effect は 0〜4 にしてください",
                "control `{id}`: effect must be 0-4"
            ),
            loc!(
                "例: effect: {{likelihood: 1, impact: 0}}",
                "e.g. effect: {{likelihood: 1, impact: 0}}"
            ),
        );
    }
    let references = match (&c.references, &catalogue) {
        (Some(refs), _) => refs
            .iter()
            .filter_map(|r| ctx.check_reference(f, r))
            .collect(),
        (None, Some(cat)) => cat
            .references
            .iter()
            .filter_map(|r| ClauseRef::parse(r))
            .collect(),
        (None, None) => Vec::new(),
    };
    let applies_to = c
        .applies_to
        .iter()
        .filter_map(|a| {
            ctx.resolve(
                a,
                f,
                &[
                    Kind::Asset,
                    Kind::Connection,
                    Kind::Location,
                    Kind::Flow,
                    Kind::Information,
                ],
                "applies_to",
            )
        })
        .collect();
    let owner = ctx.resolve_index::<OrgIx>(&c.owner, f, "owner");
    Some(Control {
        id: c.id.value.clone(),
        catalogue: c.catalogue.as_ref().map(|c| c.value.clone()),
        name,
        category,
        owner: owner?,
        applies_to,
        counters,
        effect: Effect {
            likelihood: effect.likelihood.min(4),
            impact: effect.impact.min(4),
        },
        references,
        principles: c.principles.iter().map(|p| p.value).collect(),
        description: c.description.clone(),
        span: id_span,
    })
}

type Operations = (
    Vec<Backup>,
    Vec<Continuity>,
    Vec<LedgerEntry>,
    Vec<DisposalProcedure>,
    Vec<Responsibility>,
    Vec<Cooperation>,
    Option<Agreement>,
);

/// The operational sections: backups, continuity, ledger, disposal, responsibilities,
/// cooperations and the agreement package.
fn build_operations(
    ctx: &mut Ctx<'_>,
    sections: &Sections,
    agreement: Option<&(FileId, raw::RawAgreement)>,
) -> Operations {
    let backups = sections
        .backups
        .iter()
        .map(|(f, b)| Backup {
            id: b.id.value.clone(),
            of: b
                .of
                .iter()
                .filter_map(|a| ctx.resolve_index::<AssetIx>(a, *f, "backups.of"))
                .collect(),
            to: b
                .to
                .as_ref()
                .and_then(|t| ctx.resolve_index::<AssetIx>(t, *f, "backups.to")),
            generations: b.generations.value,
            offline: b.offline,
            write_once: b.write_once,
            schedule: b.schedule.clone(),
            span: span(*f, b.id.pos),
            generations_span: span(*f, b.generations.pos),
        })
        .collect();
    let continuity = sections
        .continuity
        .iter()
        .map(|(f, c)| {
            if let Some(d) = &c.last_drill {
                ctx.check_date(*f, d, "last_drill");
            }
            Continuity {
                scenario: c.scenario.value,
                plan: c.plan.value.clone(),
                last_drill: c.last_drill.as_ref().map(|d| d.value.clone()),
                drill_recorded: false,
                span: span(*f, c.scenario.pos),
            }
        })
        .collect();
    let ledger = sections
        .ledger
        .iter()
        .filter_map(|(f, l)| {
            if let Some(d) = &l.last_inventory {
                ctx.check_date(*f, d, "last_inventory");
            }
            Some(LedgerEntry {
                asset: ctx.resolve_index::<AssetIx>(&l.asset, *f, "ledger.asset")?,
                last_inventory: l.last_inventory.as_ref().map(|d| d.value.clone()),
                inventory_recorded: false,
                span: span(*f, l.asset.pos),
            })
        })
        .collect();
    let disposal_procedures = sections
        .disposal_procedures
        .iter()
        .map(|(f, d)| DisposalProcedure {
            information: d
                .information
                .iter()
                .filter_map(|i| {
                    ctx.resolve_index::<InfoIx>(i, *f, "disposal_procedures.information")
                })
                .collect(),
            conditions: d.conditions.value.clone(),
            by: d
                .by
                .iter()
                .filter_map(|a| ctx.resolve_index::<ActorIx>(a, *f, "disposal_procedures.by"))
                .collect(),
            method: d.method.value.clone(),
            span: span(*f, d.conditions.pos),
        })
        .collect();
    let areas: Vec<String> = ctx
        .kb
        .tables
        .requirement_areas
        .iter()
        .map(|a| a.id.clone())
        .collect();
    let responsibilities = sections
        .responsibilities
        .iter()
        .filter_map(|(f, r)| {
            for area in &r.covers {
                check_key(ctx, *f, area, &areas, "covers", "areas");
            }
            Some(Responsibility {
                organization: ctx.resolve_index::<OrgIx>(&r.organization, *f, "organization")?,
                assets: r
                    .assets
                    .iter()
                    .filter_map(|a| ctx.resolve_index::<AssetIx>(a, *f, "responsibilities.assets"))
                    .collect(),
                covers: r.covers.iter().map(|c| c.value.clone()).collect(),
                incident_lead: r.incident_lead,
                duties: r.duties.clone(),
                span: span(*f, r.organization.pos),
            })
        })
        .collect();
    let cooperations = sections
        .cooperations
        .iter()
        .filter_map(|(f, c)| {
            if let Some(d) = &c.agreed {
                ctx.check_date(*f, d, "agreed");
            }
            Some(Cooperation {
                with: ctx.resolve_index::<OrgIx>(&c.with, *f, "with")?,
                kind: c.kind.value,
                split: c
                    .split
                    .as_ref()
                    .map(|s| s.value.clone())
                    .filter(|s| !s.trim().is_empty()),
                agreed: c.agreed.as_ref().map(|d| d.value.clone()),
                span: span(*f, c.with.pos),
            })
        })
        .collect();
    let agreement = agreement.map(|(f, a)| {
        let items: Vec<String> = ctx
            .kb
            .tables
            .operating_rule_items
            .iter()
            .map(|i| i.id.clone())
            .collect();
        let vendor: Vec<String> = ctx
            .kb
            .tables
            .vendor_selection_items
            .iter()
            .map(|i| i.id.clone())
            .collect();
        let mut operating_rules = std::collections::BTreeMap::new();
        for (key, value) in &a.operating_rules {
            check_key(
                ctx,
                *f,
                &Sp::new(key.clone(), value.pos),
                &items,
                "operating_rules",
                "operating-rules",
            );
            operating_rules.insert(key.clone(), (value.value.clone(), span(*f, value.pos)));
        }
        let mut vendor_selection = std::collections::BTreeMap::new();
        for (key, value) in &a.vendor_selection {
            check_key(
                ctx,
                *f,
                &Sp::new(key.clone(), value.pos),
                &vendor,
                "vendor_selection",
                "vendor-selection",
            );
            vendor_selection.insert(key.clone(), (value.value.clone(), span(*f, value.pos)));
        }
        let evaluation = a.evaluation.as_ref().map(|e| {
            if let Some(d) = &e.date {
                ctx.check_date(*f, d, "evaluation.date");
            }
            Evaluation {
                by: e.by.value,
                evaluator: e.evaluator.clone(),
                evaluated_by: e.evaluated_by.as_ref().and_then(|r| {
                    ctx.resolve(r, *f, &[Kind::Actor, Kind::Organization], "evaluated_by")
                }),
                involved_in_system: e.involved_in_system,
                date: e.date.as_ref().map(|d| d.value.clone()),
                span: span(*f, e.by.pos),
            }
        });
        Agreement {
            evaluation,
            operating_rules,
            vendor_selection,
            reports_operation: a
                .reports
                .as_ref()
                .and_then(|r| r.operation.as_ref())
                .map(|s| s.value.clone()),
            reports_self_inspection: a
                .reports
                .as_ref()
                .and_then(|r| r.self_inspection.as_ref())
                .map(|s| s.value.clone()),
        }
    });
    (
        backups,
        continuity,
        ledger,
        disposal_procedures,
        responsibilities,
        cooperations,
        agreement,
    )
}

/// Checks a key against a knowledge-base list (operating-rule items, areas ...).
fn check_key(
    ctx: &mut Ctx<'_>,
    file: FileId,
    key: &Sp<String>,
    allowed: &[String],
    field: &str,
    kb_section: &str,
) {
    if allowed.contains(&key.value) {
        return;
    }
    let v = &key.value;
    let list = allowed.join(", ");
    let hint = match did_you_mean(v, allowed.iter().map(String::as_str)) {
        Some(s) => loc!(
            "`{s}` の誤りではありませんか (使える値: {list})",
            "did you mean `{s}`? (allowed: {list})"
        ),
        None => loc!(
            "使える値: {list} (`sansho kb {kb_section}`)",
            "allowed: {list} (`sansho kb {kb_section}`)"
        ),
    };
    ctx.invalid(
        file,
        key.pos,
        loc!(
            "`{field}` に `{v}` は使えません",
            "`{v}` is not valid in `{field}`"
        ),
        hint,
    );
}

/// All list sections of all files, each item tagged with its file.
#[derive(Default)]
struct Sections {
    organizations: Vec<(FileId, raw::RawOrganization)>,
    locations: Vec<(FileId, raw::RawLocation)>,
    assets: Vec<(FileId, raw::RawAsset)>,
    connections: Vec<(FileId, raw::RawConnection)>,
    actors: Vec<(FileId, raw::RawActor)>,
    classifications: Vec<(FileId, raw::RawClassification)>,
    information: Vec<(FileId, raw::RawInformation)>,
    flows: Vec<(FileId, raw::RawFlow)>,
    controls: Vec<(FileId, raw::RawControl)>,
    decisions: Vec<(FileId, raw::RawDecision)>,
    backups: Vec<(FileId, raw::RawBackup)>,
    continuity: Vec<(FileId, raw::RawContinuityScenario)>,
    ledger: Vec<(FileId, raw::RawLedgerEntry)>,
    disposal_procedures: Vec<(FileId, raw::RawDisposalProcedure)>,
    responsibilities: Vec<(FileId, raw::RawResponsibility)>,
    cooperations: Vec<(FileId, raw::RawCooperation)>,
}

impl Sections {
    fn add(&mut self, file: FileId, raw: RawFile) {
        let tag = |v: Vec<_>| v.into_iter().map(move |x| (file, x));
        self.organizations.extend(tag(raw.organizations));
        self.locations
            .extend(raw.locations.into_iter().map(|x| (file, x)));
        self.assets
            .extend(raw.assets.into_iter().map(|x| (file, x)));
        self.connections
            .extend(raw.connections.into_iter().map(|x| (file, x)));
        self.actors
            .extend(raw.actors.into_iter().map(|x| (file, x)));
        self.classifications
            .extend(raw.classifications.into_iter().map(|x| (file, x)));
        self.information
            .extend(raw.information.into_iter().map(|x| (file, x)));
        self.flows.extend(raw.flows.into_iter().map(|x| (file, x)));
        self.controls
            .extend(raw.controls.into_iter().map(|x| (file, x)));
        self.decisions
            .extend(raw.decisions.into_iter().map(|x| (file, x)));
        self.backups
            .extend(raw.backups.into_iter().map(|x| (file, x)));
        self.continuity
            .extend(raw.continuity.into_iter().map(|x| (file, x)));
        self.ledger
            .extend(raw.ledger.into_iter().map(|x| (file, x)));
        self.disposal_procedures
            .extend(raw.disposal_procedures.into_iter().map(|x| (file, x)));
        self.responsibilities
            .extend(raw.responsibilities.into_iter().map(|x| (file, x)));
        self.cooperations
            .extend(raw.cooperations.into_iter().map(|x| (file, x)));
    }
}
