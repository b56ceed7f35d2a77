//! Publishing: a model bundle in, an immutable version out — assessed by the same core as the
//! command line, from memory and under the same limits (the bundle never touches the server's
//! file system), rendered into the deliverables, and put before every institution engaged on
//! the system. A version is addressed by the digest of its model files, the knowledge base and
//! the program: the same bundle published twice is one version.

use std::collections::BTreeMap;

use sansho_core::load::MemoryProvider;
use sansho_core::{Assessment, Diagnostic, Lang, Severity};
use sansho_store::records::*;
use sansho_store::{Change, OrgId, SystemId, Time, VersionId};
use serde::{Deserialize, Serialize};

use crate::access::{Allowed, Publish};
use crate::auth::secret;
use crate::error::{AppError, ModelProblem};
use crate::service::{items, share};
use crate::state::AppState;

/// What `sansho publish` uploads: the model's files as text, by path relative to the entry.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Bundle {
    /// The entry file, e.g. `sansho.yaml`; one of `files`.
    #[schema(min_length = 1)]
    pub entry: String,
    /// Every file of the model: path relative to the entry (`.yaml`, `.yml` or `.json`) →
    /// content.
    #[schema(schema_with = bundle_files_schema)]
    pub files: BTreeMap<String, String>,
}

/// At least one file, each named by a relative path of `.yaml`, `.yml` or `.json` (no `..`, no
/// drive, no empty segment), each content text: what `check_bundle` requires, for the document.
fn bundle_files_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .min_properties(Some(1))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(BUNDLE_PATH_PATTERN)),
        ))
        .additional_properties(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// A relative path of segments that are neither empty, `.` nor `..`, without `:` or control
/// characters, ending in `.yaml`, `.yml` or `.json`.
/// Written for both Python's and ECMA's engines: `[\s\S]` for any character (`.` stops at line
/// ends in one of them) and `(?![\s\S])` for the end (`$` also matches before a final line end
/// in Python).
const BUNDLE_PATH_PATTERN: &str = r"^(?![\s\S]*[/\\]{2})(?!(?:[\s\S]*[/\\])?\.{1,2}(?:[/\\]|(?![\s\S])))[^/\\:\x00-\x1f\x7f-\x9f][^:\x00-\x1f\x7f-\x9f]*\.(?:yaml|yml|json)(?![\s\S])";

/// What a publication did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Published {
    pub system: String,
    pub version: String,
    pub number: u32,
    /// Whether this exact bundle had been published before (nothing new was stored).
    pub existing: bool,
    pub items: usize,
    /// Warnings of the model (errors stop the publication).
    pub warnings: Vec<ModelProblem>,
    /// For each engagement of the system: whether the institution must agree again.
    pub engagements: Vec<SharedWith>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SharedWith {
    pub engagement: String,
    pub institution: String,
    pub needs_agreement: bool,
}

/// The report files stored with every version.
const REPORT_FORMATS: [sansho_report::Format; 5] = [
    sansho_report::Format::Xlsx,
    sansho_report::Format::Html,
    sansho_report::Format::Markdown,
    sansho_report::Format::Sarif,
    sansho_report::Format::Svg,
];

/// A diagnostic in the API's form.
pub fn problem(d: &Diagnostic, sources: &sansho_core::Sources) -> ModelProblem {
    let (file, line, column) = match &d.span {
        Some(span) => (
            sources.get(span.file).map(|f| f.path.clone()),
            Some(span.line),
            Some(span.column),
        ),
        None => (None, None, None),
    };
    ModelProblem {
        code: d.code.as_str().to_owned(),
        severity: match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
        .to_owned(),
        file,
        line,
        column,
        message_ja: d.message.ja.clone(),
        message_en: d.message.en.clone(),
        hint_ja: d.hint.as_ref().map(|h| h.ja.clone()),
        hint_en: d.hint.as_ref().map(|h| h.en.clone()),
    }
}

/// Checks the bundle's shape: an entry among the files, relative paths inside the bundle, model
/// file types only, within the size limit.
fn check_bundle(state: &AppState, bundle: &Bundle) -> Result<(), AppError> {
    let total: usize = bundle.files.iter().map(|(p, c)| p.len() + c.len()).sum();
    if total > state.config.limits.bundle_bytes {
        return Err(AppError::TooLarge {
            limit: state.config.limits.bundle_bytes,
        });
    }
    if bundle.files.is_empty() || bundle.files.len() > state.config.limits.model.max_files {
        return Err(AppError::bad(
            format!(
                "ファイルの数が 1〜{} の範囲にありません",
                state.config.limits.model.max_files
            ),
            format!(
                "the bundle must hold 1 to {} files",
                state.config.limits.model.max_files
            ),
        ));
    }
    if !bundle.files.contains_key(&bundle.entry) {
        return Err(AppError::bad(
            format!("入口のファイル {} がファイルの中にありません", bundle.entry),
            format!("the entry {} is not among the files", bundle.entry),
        ));
    }
    for path in bundle.files.keys() {
        let bad_segment = path
            .split(['/', '\\'])
            .any(|s| s.is_empty() || s == "." || s == "..");
        let extension_ok = [".yaml", ".yml", ".json"].iter().any(|e| path.ends_with(e));
        if path.starts_with(['/', '\\'])
            || path.contains(':')
            || bad_segment
            || !extension_ok
            || path.chars().any(char::is_control)
        {
            return Err(AppError::bad(
                format!(
                    "ファイル名 {path:?} は使えません: 入口からの相対パスで、.yaml・.yml・.json のファイルだけを送ってください"
                ),
                format!(
                    "file name {path:?} is not allowed: send relative paths of .yaml, .yml or .json files only"
                ),
            ));
        }
    }
    Ok(())
}

/// The version's address: the digest of its system, model files, the knowledge base and the
/// program. The system is part of it so that two providers publishing the same files get two
/// versions, each in its own tenant, and neither learns of the other's.
fn version_digest(state: &AppState, system: &SystemId, bundle: &Bundle) -> String {
    let mut text = format!(
        "sansho-version-v1\nsystem {system}\nentry {}\nkb {}\ngenerator {}\n",
        bundle.entry,
        state.kb_digest,
        generator()
    );
    for (path, content) in &bundle.files {
        text.push_str(&format!(
            "file {} {}\n",
            sha256_hex(content.as_bytes()),
            path.len()
        ));
        text.push_str(path);
        text.push('\n');
    }
    sha256_hex(text.as_bytes())
}

fn generator() -> String {
    format!("sansho {}", env!("CARGO_PKG_VERSION"))
}

fn media_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("html") => "text/html; charset=utf-8",
        Some("md") => "text/markdown; charset=utf-8",
        Some("json") => "application/json",
        Some("sarif") => "application/sarif+json",
        Some("svg") => "image/svg+xml",
        Some("yaml") | Some("yml") => "application/yaml",
        _ => "application/octet-stream",
    }
}

/// Loads and assesses the bundle from memory (on a blocking thread: it is CPU work).
async fn assess(
    state: &AppState,
    bundle: &Bundle,
    provider: &OrgId,
) -> Result<(Assessment, Vec<ModelProblem>), AppError> {
    let kb = state.kb;
    let parses = state.parses_of(provider);
    let limits = state.config.limits.model.clone();
    let bundle = bundle.clone();
    let outcome = crate::background::run("assessment", move || {
        let mut provider = MemoryProvider::new();
        for (path, content) in &bundle.files {
            provider = provider.with(path, content.as_bytes().to_vec());
        }
        let (sources, assessment, diagnostics) =
            sansho_core::assess_kept(&bundle.entry, &provider, kb, &limits, None, Some(&parses));
        let problems: Vec<ModelProblem> =
            diagnostics.iter().map(|d| problem(d, &sources)).collect();
        (assessment, problems)
    })
    .await?;
    match outcome {
        (Some(a), problems) => Ok((a, problems)),
        (None, problems) => Err(AppError::InvalidModel(problems)),
    }
}

/// Renders the deliverables and the result JSON (on a blocking thread).
async fn render(
    assessment: &Assessment,
    date: String,
) -> Result<Vec<(FileRole, String, Vec<u8>)>, AppError> {
    let assessment = assessment.clone();
    crate::background::run("render", move || {
        let options = sansho_report::Options {
            lang: Lang::Ja,
            document_date: Some(date),
            // Uploaded files carry no place in a checkout.
            model_dir: None,
            fonts: Vec::new(),
        };
        let mut out = Vec::new();
        let json =
            serde_json::to_vec(&assessment).map_err(|e| AppError::Internal(e.to_string()))?;
        out.push((FileRole::Result, "sansho-result.json".to_owned(), json));
        for (name, bytes) in sansho_report::render(&REPORT_FORMATS, &assessment, &options)
            .map_err(|e| AppError::Internal(format!("render: {e}")))?
        {
            out.push((FileRole::Report, name, bytes));
        }
        Ok(out)
    })
    .await?
}

/// Publishes `bundle` for the provider of `auth`.
pub async fn publish(
    state: &AppState,
    auth: &Allowed<Publish>,
    bundle: Bundle,
) -> Result<Published, AppError> {
    check_bundle(state, &bundle)?;
    let (assessment, problems) = assess(state, &bundle, &auth.org.id).await?;
    let warnings: Vec<ModelProblem> = problems
        .into_iter()
        .filter(|p| p.severity != "error")
        .collect();
    let org = &auth.org;

    // The system: found by the model's `system.id`, registered on its first publication.
    let key = assessment.system.id.clone();
    let system = match state.store.system_by_key(&org.id, &key).await? {
        Some(s) => s,
        None => {
            let system = System {
                id: SystemId::new(secret::id()),
                provider: org.id.clone(),
                key: key.clone(),
                name: assessment.system.name.clone(),
                created_at: Time::now(),
            };
            let event = auth.event(
                "system.registered",
                &[],
                serde_json::json!({"key": key, "name": system.name}),
            );
            state
                .record(Change::CreateSystem(system.clone()), event)
                .await?;
            system
        }
    };

    let id = VersionId::new(version_digest(state, &system.id, &bundle));
    if let Some(existing) = state.store.version(&id).await? {
        let items = state.store.review_items(&id).await?.len();
        // A publication cut short after its version was stored is finished here.
        let engagements =
            share_with_engagements(state, auth, &system, &existing, &assessment).await?;
        return Ok(Published {
            system: system.id.to_string(),
            version: existing.id.to_string(),
            number: existing.number,
            existing: true,
            items,
            warnings,
            engagements,
        });
    }

    let now = Time::now();
    let date = assessment
        .system
        .as_of
        .clone()
        .unwrap_or_else(|| now.date_in_japan());
    let mut files: Vec<(FileRole, String, Vec<u8>)> = bundle
        .files
        .iter()
        .map(|(p, c)| (FileRole::Model, p.clone(), c.as_bytes().to_vec()))
        .collect();
    files.extend(render(&assessment, date).await?);
    let version_files: Vec<VersionFile> = files
        .iter()
        .map(|(role, path, bytes)| VersionFile {
            version: id.clone(),
            role: *role,
            path: path.clone(),
            media_type: media_type(path).to_owned(),
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
        })
        .collect();
    let documents_digest = sansho_store::audit::documents_digest(&version_files);

    let drafts = items::review_items(&assessment);
    let number = state.store.versions_of(&system.id).await?.len() as u32 + 1;
    let s = &assessment.summary;
    let count = |m: &BTreeMap<String, usize>, k: &str| m.get(k).copied().unwrap_or(0) as u64;
    let version = Version {
        id: id.clone(),
        system: system.id.clone(),
        number,
        published_by: auth.user.id.clone(),
        published_at: now,
        generator: generator(),
        kb_digest: state.kb_digest.to_string(),
        entry: bundle.entry.clone(),
        name: assessment.system.name.clone(),
        as_of: assessment.system.as_of.clone(),
        summary: VersionSummary {
            flows: s.flows as u64,
            risks: s.risks as u64,
            residual_by_rank: ["S", "A", "B", "C", "D"]
                .iter()
                .map(|r| (r.to_string(), count(&s.residual_by_rank, r)))
                .collect(),
            untreated_required: s.untreated_required as u64,
            findings_errors: count(&s.findings_by_severity, "error"),
            findings_warnings: count(&s.findings_by_severity, "warning"),
            questions_policy: assessment
                .configuration
                .operating_rules
                .iter()
                .find(|item| item.id == "k")
                .and_then(|item| item.coverage.clone()),
        },
        documents_digest,
    };
    // The files' content goes in first, each in a short transaction of its own, so the audited
    // change below holds the write lock only for its rows, not for hundreds of megabytes.
    for (_, _, bytes) in files {
        state.store.put_blob(&sha256_hex(&bytes), &bytes).await?;
    }
    let review_items: Vec<ReviewItem> = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| ReviewItem {
            version: id.clone(),
            key: d.key.clone(),
            kind: d.kind,
            position: i as u32,
            title_ja: d.title_ja.clone(),
            title_en: d.title_en.clone(),
            rank: d.rank.map(|r| r.as_str().to_owned()),
            detail: d.detail.clone(),
            content_digest: d.content_digest.clone(),
        })
        .collect();
    let event = auth.event(
        "version.published",
        &[],
        serde_json::json!({
            "system": system.key, "number": number, "version": id, "items": review_items.len(),
            "documents_digest": version.documents_digest, "risks": version.summary.risks,
        }),
    );
    let item_count = review_items.len();
    state
        .record(
            Change::PublishVersion {
                version: version.clone(),
                files: version_files,
                blobs: Vec::new(),
                items: review_items,
            },
            event,
        )
        .await?;

    let engagements = share_with_engagements(state, auth, &system, &version, &assessment).await?;
    Ok(Published {
        system: system.id.to_string(),
        version: id.to_string(),
        number,
        existing: false,
        items: item_count,
        warnings,
        engagements,
    })
}

/// Shares `version` with every engagement on its system that has neither it nor a newer
/// version. An engagement whose contract end is sealed takes nothing more. Sharing is one
/// transaction per engagement, so publishing the same files again finishes what a publication
/// cut short left undone.
async fn share_with_engagements(
    state: &AppState,
    auth: &Allowed<Publish>,
    system: &System,
    version: &Version,
    assessment: &Assessment,
) -> Result<Vec<SharedWith>, AppError> {
    let mut shared = Vec::new();
    for e in state.store.engagements_of(&auth.org.id).await? {
        if e.system != system.id || state.is_sealed(&e.id).await? {
            continue;
        }
        let mut has_it_or_newer = false;
        for s in state.store.shares(&e.id).await? {
            has_it_or_newer |= s.version == version.id
                || state
                    .store
                    .version(&s.version)
                    .await?
                    .is_some_and(|v| v.number > version.number);
        }
        if has_it_or_newer {
            continue;
        }
        let outcome = share::share(state, &auth.0, &e, version, Some(assessment)).await?;
        shared.push(SharedWith {
            engagement: e.id.to_string(),
            institution: e.institution.to_string(),
            needs_agreement: outcome.needs_agreement,
        });
    }
    Ok(shared)
}
