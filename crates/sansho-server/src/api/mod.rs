//! The JSON API (`/api/v1`): everything the pages do, for the command line, CI and other
//! programs. Bearer tokens only (no cookies, hence no CSRF); errors carry Japanese and English.
//! Its OpenAPI document is made from the route table (`openapi.rs`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sansho_store::records::*;
use sansho_store::{AgreementId, OrgId, SystemId, VersionId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{
    Allowed, ApiJson, Approve, Discuss, Engaged, ProviderWork, Publish, Read,
    Review as ReviewPermission, Sign,
};
use crate::error::{AppError, Failure};
use crate::service::publish::{self, Bundle, Published};
use crate::service::review::{self, EngagementStatus, ItemState, MinutesInput, Upload};
use crate::service::{agreement, engagements, export};
use crate::state::AppState;

type ApiResult = Result<Response, Failure>;

fn ok<T: Serialize>(value: T) -> ApiResult {
    Ok(Json(value).into_response())
}

fn created<T: Serialize>(value: T) -> ApiResult {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub organization: OrgDto,
}

#[derive(Serialize, ToSchema)]
pub struct OrgDto {
    pub id: String,
    pub name: String,
    pub kind: String,
}

impl From<&Organization> for OrgDto {
    fn from(o: &Organization) -> OrgDto {
        OrgDto {
            id: o.id.to_string(),
            name: o.name.clone(),
            kind: o.kind.as_str().to_owned(),
        }
    }
}

pub async fn me(auth: Allowed<Read>) -> ApiResult {
    ok(Me {
        id: auth.user.id.to_string(),
        name: auth.user.name.clone(),
        email: auth.user.email.clone(),
        role: auth.user.role.as_str().to_owned(),
        organization: (&auth.org).into(),
    })
}

pub async fn publish(
    State(state): State<AppState>,
    auth: Allowed<Publish>,
    ApiJson(bundle): ApiJson<Bundle>,
) -> ApiResult {
    let published: Published = publish::publish(&state, &auth, bundle)
        .await
        .map_err(|e| auth.fail(e))?;
    if published.existing {
        ok(published)
    } else {
        created(published)
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionDto {
    pub id: String,
    pub number: u32,
    pub name: String,
    pub published_at: String,
    pub documents_digest: String,
    pub risks: u64,
    pub untreated_required: u64,
    /// Where the provider says questions are taken and answered (its operating rules).
    pub questions_policy: Option<String>,
}

impl From<&Version> for VersionDto {
    fn from(v: &Version) -> VersionDto {
        VersionDto {
            id: v.id.to_string(),
            number: v.number,
            name: v.name.clone(),
            published_at: v.published_at.to_string(),
            documents_digest: v.documents_digest.clone(),
            risks: v.summary.risks,
            untreated_required: v.summary.untreated_required,
            questions_policy: v.summary.questions_policy.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SystemDto {
    pub id: String,
    pub key: String,
    pub name: String,
    pub versions: Vec<VersionDto>,
}

pub async fn systems(State(state): State<AppState>, auth: Allowed<Read>) -> ApiResult {
    let fail = |e: AppError| auth.fail(e);
    let mut out = Vec::new();
    for s in state
        .store
        .systems_of(&auth.org.id)
        .await
        .map_err(|e| fail(e.into()))?
    {
        let versions = state
            .store
            .versions_of(&s.id)
            .await
            .map_err(|e| fail(e.into()))?;
        out.push(SystemDto {
            id: s.id.to_string(),
            key: s.key,
            name: s.name,
            versions: versions.iter().map(Into::into).collect(),
        });
    }
    ok(out)
}

#[derive(Serialize, ToSchema)]
pub struct EngagementDto {
    pub id: String,
    pub system: String,
    pub system_name: String,
    pub provider: OrgDto,
    pub institution: OrgDto,
    pub contract_form: String,
    pub status: EngagementStatus,
}

pub async fn engagements_list(State(state): State<AppState>, auth: Allowed<Read>) -> ApiResult {
    let listed = engagements::list(&state, &auth)
        .await
        .map_err(|e| auth.fail(e))?;
    ok(listed
        .iter()
        .map(|e| EngagementDto {
            id: e.engagement.id.to_string(),
            system: e.system.id.to_string(),
            system_name: e.system.name.clone(),
            provider: (&e.provider).into(),
            institution: (&e.institution).into(),
            contract_form: e.engagement.contract_form.as_str().to_owned(),
            status: e.status,
        })
        .collect::<Vec<_>>())
}

/// The contract forms, for the document (the handler parses the name itself to answer a wrong
/// one in both languages).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ContractFormName {
    Individual,
    Yakkan,
}

/// The verdicts, for the document.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum VerdictName {
    Agree,
    Discuss,
    Return,
}

/// Text a person typed, as `check_text` takes it: no control characters but tabs and line ends.
/// (`(?![\s\S])` is the end in both Python's and ECMA's engines; `$` is not.)
const TEXT_PATTERN: &str = r"^(?:[^\x00-\x08\x0b-\x1f\x7f-\x9f]|\r\n)*(?![\s\S])";

/// Typed text that is not blank, for the document.
fn required_text() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(format!(r"^(?=[\s\S]*\S){}", &TEXT_PATTERN[1..])))
        .build()
}

/// Typed text that may be empty, for the document.
fn optional_text() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(TEXT_PATTERN))
        .build()
}

/// `true`, the only value an agreement accepts, for the document.
pub struct Confirmation;

impl utoipa::PartialSchema for Confirmation {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Boolean)
            .enum_values(Some([true]))
            .into()
    }
}

impl ToSchema for Confirmation {}

#[derive(Deserialize, ToSchema)]
pub struct NewEngagement {
    #[schema(min_length = 1)]
    pub system: String,
    /// An institution this provider already works with.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub institution: Option<String>,
    /// Or the name of a new institution to register.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub new_institution: Option<String>,
    /// `individual` (個別契約) or `yakkan` (約款).
    #[schema(value_type = ContractFormName, inline)]
    pub contract_form: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

pub async fn create_engagement(
    State(state): State<AppState>,
    auth: Allowed<Approve>,
    ApiJson(body): ApiJson<NewEngagement>,
) -> ApiResult {
    let contract = ContractForm::parse(&body.contract_form).ok_or_else(|| {
        auth.fail(AppError::bad(
            "contract_form は individual か yakkan です",
            "contract_form is individual or yakkan",
        ))
    })?;
    let choice = match (body.institution, body.new_institution) {
        (Some(id), None) => engagements::InstitutionChoice::Existing(OrgId::new(id)),
        (None, Some(name)) => engagements::InstitutionChoice::New(name),
        _ => {
            return Err(auth.fail(AppError::bad(
                "institution か new_institution のどちらか一方を指定してください",
                "give exactly one of institution and new_institution",
            )));
        }
    };
    let id = engagements::create(&state, &auth, &SystemId::new(body.system), choice, contract)
        .await
        .map_err(|e| auth.fail(e))?;
    created(Created { id: id.to_string() })
}

#[derive(Serialize, ToSchema)]
pub struct ShareDto {
    pub version: VersionDto,
    pub base: Option<String>,
    pub shared_at: String,
    pub risks_acknowledged_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AgreementDto {
    pub id: String,
    pub version: String,
    /// `signed` or `carried_over`.
    pub basis: String,
    pub statement: String,
    pub documents_digest: String,
    pub items_digest: String,
    pub signed_by: String,
    pub signed_at: String,
    pub signed_from: String,
    pub audit_seq: u64,
    pub audit_hash: String,
    pub countersigned_by: Option<String>,
    pub countersigned_at: Option<String>,
}

impl From<&Agreement> for AgreementDto {
    fn from(a: &Agreement) -> AgreementDto {
        AgreementDto {
            id: a.id.to_string(),
            version: a.version.to_string(),
            basis: match a.basis {
                AgreementBasis::Signed => "signed".into(),
                AgreementBasis::CarriedOver { .. } => "carried_over".into(),
            },
            statement: a.statement.clone(),
            documents_digest: a.documents_digest.clone(),
            items_digest: a.items_digest.clone(),
            signed_by: a.signed_by.to_string(),
            signed_at: a.signed_at.to_string(),
            signed_from: a.signed_from.clone(),
            audit_seq: a.audit_seq,
            audit_hash: a.audit_hash.clone(),
            countersigned_by: a.countersigned_by.as_ref().map(ToString::to_string),
            countersigned_at: a.countersigned_at.map(|t| t.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EngagementDetail {
    pub id: String,
    pub system: String,
    pub status: EngagementStatus,
    pub contract_form: String,
    pub shares: Vec<ShareDto>,
    pub agreements: Vec<AgreementDto>,
}

pub async fn engagement(State(state): State<AppState>, e: Engaged<Read>) -> ApiResult {
    let fail = |x: AppError| e.fail(x);
    let status = review::status(&state, &e.engagement).await.map_err(fail)?;
    let mut shares = Vec::new();
    for s in state
        .store
        .shares(&e.engagement.id)
        .await
        .map_err(|x| fail(x.into()))?
    {
        if let Some(v) = state
            .store
            .version(&s.version)
            .await
            .map_err(|x| fail(x.into()))?
        {
            shares.push(ShareDto {
                version: (&v).into(),
                base: s.base.map(|b| b.to_string()),
                shared_at: s.shared_at.to_string(),
                risks_acknowledged_at: s.risks_acknowledged_at.map(|t| t.to_string()),
            });
        }
    }
    let agreements = state
        .store
        .agreements(&e.engagement.id)
        .await
        .map_err(|x| fail(x.into()))?;
    ok(EngagementDetail {
        id: e.engagement.id.to_string(),
        system: e.system.name.clone(),
        status,
        contract_form: e.engagement.contract_form.as_str().to_owned(),
        shares,
        agreements: agreements.iter().map(Into::into).collect(),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct ShareRequest {
    #[schema(min_length = 1)]
    pub version: String,
}

#[derive(Serialize, ToSchema)]
pub struct ShareResult {
    pub needs_agreement: bool,
}

pub async fn share(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    ApiJson(body): ApiJson<ShareRequest>,
) -> ApiResult {
    let needs = review::share_version(&state, &e, &VersionId::new(body.version))
        .await
        .map_err(|x| e.fail(x))?;
    created(ShareResult {
        needs_agreement: needs,
    })
}

#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    pub key: String,
    pub position: u32,
    pub kind: String,
    pub title_ja: String,
    pub title_en: String,
    pub rank: Option<String>,
    pub content_digest: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    #[schema(value_type = Object)]
    pub state: ItemState,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewDto {
    pub version: VersionDto,
    pub current: bool,
    pub settled: bool,
    pub base: Option<VersionDto>,
    pub risks_acknowledged_at: Option<String>,
    /// sansho-core's change report against the base (the last agreed version); null for the
    /// first version shared.
    #[schema(value_type = Option<Object>)]
    pub change: Option<serde_json::Value>,
    pub agreement: Option<AgreementDto>,
    pub items: Vec<ItemDto>,
}

pub async fn review_view(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Path((_, version)): Path<(String, String)>,
) -> ApiResult {
    let view = review::view(&state, &e, &VersionId::new(version))
        .await
        .map_err(|x| e.fail(x))?;
    ok(ReviewDto {
        version: (&view.version).into(),
        current: view.current,
        settled: view.settled(),
        base: view.base.as_ref().map(Into::into),
        risks_acknowledged_at: view.share.risks_acknowledged_at.map(|t| t.to_string()),
        change: view
            .change
            .as_ref()
            .and_then(|c| serde_json::to_value(c).ok()),
        agreement: view.agreement.as_ref().map(Into::into),
        items: view
            .items
            .into_iter()
            .map(|(i, s)| ItemDto {
                key: i.key,
                position: i.position,
                kind: i.kind.as_str().to_owned(),
                title_ja: i.title_ja,
                title_en: i.title_en,
                rank: i.rank,
                content_digest: i.content_digest,
                detail: i.detail,
                state: s,
            })
            .collect(),
    })
}

#[derive(Deserialize, ToSchema)]
pub struct VerdictRequest {
    #[schema(min_length = 1)]
    pub item: String,
    /// `agree` (合意), `discuss` (要協議) or `return` (差戻し).
    #[schema(value_type = VerdictName, inline)]
    pub verdict: String,
    /// Required unless the verdict is `agree`.
    #[serde(default)]
    #[schema(schema_with = optional_text)]
    pub comment: String,
}

pub async fn record_verdict(
    State(state): State<AppState>,
    e: Engaged<ReviewPermission>,
    Path((_, version)): Path<(String, String)>,
    ApiJson(body): ApiJson<VerdictRequest>,
) -> ApiResult {
    let verdict = Verdict::parse(&body.verdict).ok_or_else(|| {
        e.fail(AppError::bad(
            "verdict は agree・discuss・return のいずれかです",
            "verdict is agree, discuss or return",
        ))
    })?;
    review::record_verdict(
        &state,
        &e,
        &VersionId::new(version),
        &body.item,
        verdict,
        &body.comment,
    )
    .await
    .map_err(|x| e.fail(x))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn acknowledge(
    State(state): State<AppState>,
    e: Engaged<ReviewPermission>,
    Path((_, version)): Path<(String, String)>,
) -> ApiResult {
    review::acknowledge_risks(&state, &e, &VersionId::new(version))
        .await
        .map_err(|x| e.fail(x))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct MessageRequest {
    #[serde(default)]
    pub item: Option<String>,
    #[schema(schema_with = required_text)]
    pub body: String,
}

pub async fn post_message(
    State(state): State<AppState>,
    e: Engaged<Discuss>,
    Path((_, version)): Path<(String, String)>,
    ApiJson(body): ApiJson<MessageRequest>,
) -> ApiResult {
    let id = review::post_message(
        &state,
        &e,
        &VersionId::new(version),
        body.item.as_deref(),
        &body.body,
    )
    .await
    .map_err(|x| e.fail(x))?;
    created(Created { id: id.to_string() })
}

#[derive(Serialize, ToSchema)]
pub struct MessageDto {
    pub id: String,
    pub version: String,
    pub item: Option<String>,
    pub author: String,
    pub from_provider: bool,
    pub body: String,
    pub at: String,
}

pub async fn messages(State(state): State<AppState>, e: Engaged<Read>) -> ApiResult {
    let fail = |x: AppError| e.fail(x);
    let mut out = Vec::new();
    for m in state
        .store
        .messages(&e.engagement.id)
        .await
        .map_err(|x| fail(x.into()))?
    {
        let author = state
            .store
            .user(&m.author)
            .await
            .map_err(|x| fail(x.into()))?;
        out.push(MessageDto {
            id: m.id.to_string(),
            version: m.version.to_string(),
            item: m.item_key,
            from_provider: author
                .as_ref()
                .is_some_and(|u| u.org == e.engagement.provider),
            author: author.map(|u| u.name).unwrap_or_default(),
            body: m.body,
            at: m.at.to_string(),
        });
    }
    ok(out)
}

#[derive(Deserialize, ToSchema)]
pub struct AttachmentUpload {
    #[schema(schema_with = required_text)]
    pub filename: String,
    #[serde(default)]
    pub media_type: Option<String>,
    /// The file, base64 (standard alphabet, padded).
    #[schema(
        pattern = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?(?![\s\S])"
    )]
    pub content_base64: String,
}

#[derive(Deserialize, ToSchema)]
pub struct MinutesRequest {
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub held_on: String,
    #[schema(schema_with = required_text)]
    pub attendees: String,
    #[schema(schema_with = required_text)]
    pub agenda: String,
    #[schema(schema_with = required_text)]
    pub decisions: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentUpload>,
}

pub async fn record_minutes(
    State(state): State<AppState>,
    e: Engaged<Discuss>,
    ApiJson(body): ApiJson<MinutesRequest>,
) -> ApiResult {
    let fail = |x: AppError| e.fail(x);
    let mut attachments = Vec::new();
    for a in body.attachments {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(a.content_base64.as_bytes())
            .map_err(|_| {
                fail(AppError::bad(
                    format!("添付 {} の内容が base64 ではありません", a.filename),
                    format!("attachment {} is not base64", a.filename),
                ))
            })?;
        attachments.push(Upload {
            filename: a.filename,
            media_type: a
                .media_type
                .unwrap_or_else(|| "application/octet-stream".into()),
            bytes,
        });
    }
    let input = MinutesInput {
        held_on: body.held_on,
        attendees: body.attendees,
        agenda: body.agenda,
        decisions: body.decisions,
        version: body.version.map(VersionId::new),
        item_keys: body.items,
        attachments,
    };
    let id = review::record_minutes(&state, &e, input)
        .await
        .map_err(fail)?;
    created(Created { id: id.to_string() })
}

#[derive(Deserialize, ToSchema)]
pub struct SignRequest {
    /// Must be `true`: the signatory confirms having read the statement.
    #[schema(value_type = Confirmation, inline)]
    pub confirm: bool,
}

pub async fn sign(
    State(state): State<AppState>,
    e: Engaged<Sign>,
    Path((_, version)): Path<(String, String)>,
    ApiJson(body): ApiJson<SignRequest>,
) -> ApiResult {
    let id = agreement::sign(&state, &e, &VersionId::new(version), body.confirm)
        .await
        .map_err(|x| e.fail(x))?;
    created(Created { id: id.to_string() })
}

pub async fn agreement_get(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult {
    let a = state
        .store
        .agreement(&AgreementId::new(id))
        .await
        .map_err(|x| e.fail(x.into()))?;
    match a {
        Some(a) if a.engagement == e.engagement.id => ok(AgreementDto::from(&a)),
        _ => Err(e.fail(AppError::NotFound)),
    }
}

pub async fn countersign(
    State(state): State<AppState>,
    e: Engaged<Approve>,
    Path((_, id)): Path<(String, String)>,
) -> ApiResult {
    agreement::countersign(&state, &e, &AgreementId::new(id))
        .await
        .map_err(|x| e.fail(x))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The engagement's operational records (ledger, inventories, take-outs, lendings, disposals,
/// incidents, reports, contract end), each as its last step left it, oldest first: what a
/// tool or an auditor reads, with the revision and digest the audit log names.
pub async fn operations(State(state): State<AppState>, e: Engaged<Read>) -> ApiResult {
    let records = state
        .store
        .op_records(&e.engagement.id)
        .await
        .map_err(|x| e.fail(x.into()))?;
    let out: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            serde_json::json!({
                "digest": sansho_store::records::digest(r),
                "record": r,
            })
        })
        .collect();
    ok(out)
}

/// What the engagement's records establish for the next assessment: the file
/// `sansho assess --facts` reads (last inventories, drills, incidents with their risks).
pub async fn facts(State(state): State<AppState>, e: Engaged<Read>) -> ApiResult {
    let facts = crate::service::operations::facts_export(&state, &e)
        .await
        .map_err(|x| e.fail(x))?;
    ok(facts)
}

pub async fn export_engagement(State(state): State<AppState>, e: Engaged<Read>) -> ApiResult {
    let record = export::engagement(&state, &e)
        .await
        .map_err(|x| e.fail(x))?;
    ok(record)
}

pub async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    Json(crate::openapi::document(&state.config.public_url))
}
