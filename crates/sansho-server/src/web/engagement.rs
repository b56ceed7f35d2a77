//! Home, an engagement's page, minutes, attachments and the files of a version.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sansho_store::records::*;
use sansho_store::{AttachmentId, OrgId, SystemId, VersionId};
use serde::Deserialize;

use crate::access::{Allowed, Approve, Discuss, Engaged, ProviderWork, Read};
use crate::error::{AppError, Failure};
use crate::i18n::Tr;
use crate::service::review::{self, EngagementStatus, MinutesInput};
use crate::service::{engagements, export};
use crate::state::AppState;
use crate::web::{Layout, render, see_other};

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: Option<String>,
}

pub struct EngagementRow {
    pub id: String,
    pub system: String,
    pub provider: String,
    pub institution: String,
    pub contract: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
}

pub struct SystemRow {
    pub id: String,
    pub name: String,
    pub key: String,
    pub versions: Vec<(u32, String, String)>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    t: Tr,
    engagements: Vec<EngagementRow>,
    systems: Vec<SystemRow>,
    institutions: Vec<(String, String)>,
    is_provider: bool,
    can_approve: bool,
    public_url: String,
}

pub fn status_class(s: EngagementStatus) -> &'static str {
    match s {
        EngagementStatus::Agreed => "status status-ok",
        EngagementStatus::AwaitingCountersign => "status status-wait",
        EngagementStatus::NotShared => "status",
        _ => "status status-todo",
    }
}

pub fn contract_label(t: Tr, c: ContractForm) -> &'static str {
    match c {
        ContractForm::Individual => t.get("contract.individual"),
        ContractForm::Yakkan => t.get("contract.yakkan"),
    }
}

pub async fn home(
    State(state): State<AppState>,
    auth: Allowed<Read>,
    Query(done): Query<Done>,
) -> Result<Response, Failure> {
    let fail = |e: AppError| auth.fail(e);
    let l = Layout::of(&auth).with_notice(done.done.as_deref());
    let t = l.t;
    let listed = engagements::list(&state, &auth).await.map_err(fail)?;
    let mut institutions: Vec<(String, String)> = Vec::new();
    let engagements = listed
        .iter()
        .map(|e| {
            if !institutions
                .iter()
                .any(|(id, _)| *id == e.institution.id.to_string())
            {
                institutions.push((e.institution.id.to_string(), e.institution.name.clone()));
            }
            EngagementRow {
                id: e.engagement.id.to_string(),
                system: e.system.name.clone(),
                provider: e.provider.name.clone(),
                institution: e.institution.name.clone(),
                contract: contract_label(t, e.engagement.contract_form),
                status: t.pick(e.status.label_ja(), e.status.label_en()),
                status_class: status_class(e.status),
            }
        })
        .collect();
    let is_provider = auth.user.role.is_provider();
    let mut systems = Vec::new();
    if is_provider {
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
                .map_err(|e| fail(e.into()))?
                .into_iter()
                .map(|v| (v.number, v.published_at.in_japan(), v.id.to_string()))
                .collect();
            systems.push(SystemRow {
                id: s.id.to_string(),
                name: s.name,
                key: s.key,
                versions,
            });
        }
    }
    let page = HomePage {
        l,
        t,
        engagements,
        systems,
        institutions,
        is_provider,
        can_approve: auth.user.role == Role::ProviderApprover,
        public_url: state.config.public_url.clone(),
    };
    render(auth.client.lang, &page)
}

#[derive(Deserialize)]
pub struct NewEngagement {
    system: String,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    new_institution: String,
    contract_form: String,
}

pub async fn create_engagement(
    State(state): State<AppState>,
    auth: Allowed<Approve>,
    crate::access::CsrfForm(form): crate::access::CsrfForm<NewEngagement>,
) -> Result<Response, Failure> {
    let contract = ContractForm::parse(&form.contract_form).ok_or_else(|| {
        auth.fail(AppError::bad(
            "契約形態を選んでください",
            "choose the contract form",
        ))
    })?;
    let choice = if form.new_institution.trim().is_empty() {
        engagements::InstitutionChoice::Existing(OrgId::new(form.institution))
    } else {
        engagements::InstitutionChoice::New(form.new_institution)
    };
    let id = engagements::create(&state, &auth, &SystemId::new(form.system), choice, contract)
        .await
        .map_err(|e| auth.fail(e))?;
    Ok(see_other(&format!("/engagements/{id}?done=engagement")))
}

pub struct VersionRow {
    pub id: String,
    pub number: u32,
    pub published: String,
    pub risks: u64,
    pub agreement: Option<String>,
    pub agreement_state: &'static str,
    pub current: bool,
}

pub struct MinutesView {
    pub held_on: String,
    pub attendees: String,
    pub agenda: String,
    pub decisions: String,
    pub items: Vec<String>,
    pub attachments: Vec<(String, String, String)>,
    pub recorded_by: String,
}

pub struct AgreementRow {
    pub id: String,
    pub version: u32,
    pub signed_at: String,
    pub signed_by: String,
    pub carried: bool,
    pub countersigned: bool,
}

#[derive(Template)]
#[template(path = "engagement.html")]
struct EngagementPage {
    l: Layout,
    t: Tr,
    id: String,
    system: String,
    provider: String,
    institution: String,
    contract: &'static str,
    status: &'static str,
    status_class: &'static str,
    versions: Vec<VersionRow>,
    unshared: Vec<(String, u32)>,
    minutes: Vec<MinutesView>,
    agreements: Vec<AgreementRow>,
    messages: usize,
    can_share: bool,
    can_discuss: bool,
    can_countersign: bool,
}

async fn user_name(state: &AppState, id: &sansho_store::UserId) -> String {
    match state.store.user(id).await {
        Ok(Some(u)) => u.name,
        _ => "—".to_owned(),
    }
}

pub async fn engagement(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Query(done): Query<Done>,
) -> Result<Response, Failure> {
    let fail = |err: AppError| e.fail(err);
    let l = Layout::of(&e.auth).with_notice(done.done.as_deref());
    let t = l.t;
    let store = &state.store;
    let status = review::status(&state, &e.engagement).await.map_err(fail)?;
    let shares = store
        .shares(&e.engagement.id)
        .await
        .map_err(|x| fail(x.into()))?;
    let agreements = store
        .agreements(&e.engagement.id)
        .await
        .map_err(|x| fail(x.into()))?;
    let latest = review::latest_share(&state, &e.engagement)
        .await
        .map_err(fail)?;
    let mut versions = Vec::new();
    let mut numbers = std::collections::BTreeMap::new();
    for s in &shares {
        let Some(v) = store
            .version(&s.version)
            .await
            .map_err(|x| fail(x.into()))?
        else {
            continue;
        };
        numbers.insert(v.id.clone(), v.number);
        let agreement = agreements
            .iter()
            .filter(|a| a.version == v.id)
            .max_by_key(|a| a.signed_at);
        versions.push(VersionRow {
            id: v.id.to_string(),
            number: v.number,
            published: v.published_at.in_japan(),
            risks: v.summary.risks,
            agreement: agreement.map(|a| a.id.to_string()),
            agreement_state: match agreement {
                Some(a) if a.countersigned_at.is_some() => t.pick("合意済み", "agreed"),
                Some(_) => t.pick("事業者の確認待ち", "awaiting countersignature"),
                None => t.pick("未合意", "not agreed"),
            },
            current: latest.as_ref().map(|x| &x.version) == Some(&v.id),
        });
    }
    versions.sort_by_key(|v| std::cmp::Reverse(v.number));
    let is_provider = e.is_provider();
    let mut unshared = Vec::new();
    if is_provider {
        for v in store
            .versions_of(&e.system.id)
            .await
            .map_err(|x| fail(x.into()))?
        {
            if !shares.iter().any(|s| s.version == v.id) {
                unshared.push((v.id.to_string(), v.number));
            }
        }
    }
    let attachments = store
        .attachments(&e.engagement.id)
        .await
        .map_err(|x| fail(x.into()))?;
    let mut minutes = Vec::new();
    for m in store
        .minutes(&e.engagement.id)
        .await
        .map_err(|x| fail(x.into()))?
        .into_iter()
        .rev()
    {
        minutes.push(MinutesView {
            held_on: m.held_on,
            attendees: m.attendees,
            agenda: m.agenda,
            decisions: m.decisions,
            items: m.item_keys,
            attachments: m
                .attachments
                .iter()
                .filter_map(|id| attachments.iter().find(|a| &a.id == id))
                .map(|a| (a.id.to_string(), a.filename.clone(), a.sha256.clone()))
                .collect(),
            recorded_by: user_name(&state, &m.recorded_by).await,
        });
    }
    let mut agreement_rows = Vec::new();
    for a in agreements.iter().rev() {
        agreement_rows.push(AgreementRow {
            id: a.id.to_string(),
            version: numbers.get(&a.version).copied().unwrap_or(0),
            signed_at: a.signed_at.in_japan(),
            signed_by: user_name(&state, &a.signed_by).await,
            carried: matches!(a.basis, AgreementBasis::CarriedOver { .. }),
            countersigned: a.countersigned_at.is_some(),
        });
    }
    let role = e.auth.user.role;
    let (provider, institution) = if is_provider {
        (e.auth.org.name.clone(), e.counterpart.name.clone())
    } else {
        (e.counterpart.name.clone(), e.auth.org.name.clone())
    };
    let page = EngagementPage {
        l,
        t,
        id: e.engagement.id.to_string(),
        system: e.system.name.clone(),
        provider,
        institution,
        contract: contract_label(t, e.engagement.contract_form),
        status: t.pick(status.label_ja(), status.label_en()),
        status_class: status_class(status),
        versions,
        unshared,
        minutes,
        agreements: agreement_rows,
        messages: store
            .messages(&e.engagement.id)
            .await
            .map_err(|x| fail(x.into()))?
            .len(),
        can_share: is_provider && role.is_provider(),
        can_discuss: role != Role::Auditor,
        can_countersign: role == Role::ProviderApprover,
    };
    render(e.auth.client.lang, &page)
}

#[derive(Deserialize)]
pub struct ShareForm {
    version: String,
}

pub async fn share(
    State(state): State<AppState>,
    e: Engaged<ProviderWork>,
    crate::access::CsrfForm(form): crate::access::CsrfForm<ShareForm>,
) -> Result<Response, Failure> {
    review::share_version(&state, &e, &VersionId::new(form.version))
        .await
        .map_err(|x| e.fail(x))?;
    Ok(see_other(&format!(
        "/engagements/{}?done=shared",
        e.engagement.id
    )))
}

pub struct ItemChoice {
    pub key: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "minutes_new.html")]
struct MinutesForm {
    l: Layout,
    t: Tr,
    id: String,
    version: Option<String>,
    items: Vec<ItemChoice>,
    today: String,
}

pub async fn minutes_form(
    State(state): State<AppState>,
    e: Engaged<Discuss>,
) -> Result<Response, Failure> {
    let l = Layout::of(&e.auth);
    let t = l.t;
    let latest = review::latest_share(&state, &e.engagement)
        .await
        .map_err(|x| e.fail(x))?;
    let items = match &latest {
        Some(s) => state
            .store
            .review_items(&s.version)
            .await
            .map_err(|x| e.fail(x.into()))?
            .into_iter()
            .map(|i| ItemChoice {
                key: i.key,
                title: if t.en() { i.title_en } else { i.title_ja },
            })
            .collect(),
        None => Vec::new(),
    };
    let page = MinutesForm {
        l,
        t,
        id: e.engagement.id.to_string(),
        version: latest.map(|s| s.version.to_string()),
        items,
        today: sansho_store::Time::now().date_in_japan(),
    };
    render(e.auth.client.lang, &page)
}

/// Minutes come as multipart (they may carry an attachment); the CSRF token is a field.
pub async fn record_minutes(
    State(state): State<AppState>,
    e: Engaged<Discuss>,
    mut form: Multipart,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let mut form =
        crate::web::FileForm::read(&e.auth, &mut form, state.config.limits.attachment_bytes)
            .await
            .map_err(fail)?;
    let attachments: Vec<_> = form.upload.take().into_iter().collect();
    let one = |k: &str| form.one(k);
    let version = Some(one("version"))
        .filter(|v| !v.is_empty())
        .map(VersionId::new);
    let input = MinutesInput {
        held_on: one("held_on"),
        attendees: one("attendees"),
        agenda: one("agenda"),
        decisions: one("decisions"),
        version,
        item_keys: form.all("items"),
        attachments,
    };
    review::record_minutes(&state, &e, input)
        .await
        .map_err(fail)?;
    Ok(see_other(&format!(
        "/engagements/{}?done=minutes",
        e.engagement.id
    )))
}

/// A stored file, served so a browser cannot run it in the server's origin.
fn download(bytes: Vec<u8>, media_type: &str, filename: &str, inline: bool) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        crate::web::url_encode(filename)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    // A report's own script may run, but sandboxed: no cookies, no forms, no same origin.
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox allow-scripts; default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"));
    response
}

pub async fn attachment(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let a = state
        .store
        .attachment(&AttachmentId::new(id))
        .await
        .map_err(|x| fail(x.into()))?
        .ok_or_else(|| fail(AppError::NotFound))?;
    if a.engagement != e.engagement.id {
        return Err(fail(AppError::NotFound));
    }
    let bytes = state
        .store
        .blob(&a.sha256)
        .await
        .map_err(|x| fail(x.into()))?
        .ok_or_else(|| fail(AppError::NotFound))?;
    Ok(download(
        bytes,
        "application/octet-stream",
        &a.filename,
        false,
    ))
}

pub async fn version_file(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Path((_, version, name)): Path<(String, String, String)>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let version = VersionId::new(version);
    // Only versions shared in this engagement.
    review::view(&state, &e, &version).await.map_err(fail)?;
    let files = state
        .store
        .version_files(&version)
        .await
        .map_err(|x| fail(x.into()))?;
    let file = files
        .into_iter()
        .find(|f| f.path == name && f.role != FileRole::Model)
        .ok_or_else(|| fail(AppError::NotFound))?;
    let bytes = state
        .store
        .blob(&file.sha256)
        .await
        .map_err(|x| fail(x.into()))?
        .ok_or_else(|| fail(AppError::NotFound))?;
    let inline =
        file.media_type.starts_with("text/html") || file.media_type.starts_with("image/svg");
    Ok(download(bytes, &file.media_type, &file.path, inline))
}

pub async fn export_engagement(
    State(state): State<AppState>,
    e: Engaged<Read>,
) -> Result<Response, Failure> {
    let record = export::engagement(&state, &e)
        .await
        .map_err(|x| e.fail(x))?;
    let bytes = serde_json::to_vec_pretty(&record)
        .map_err(|x| e.fail(AppError::Internal(x.to_string())))?;
    let name = format!("sansho-engagement-{}.json", e.engagement.id);
    Ok(download(bytes, "application/json", &name, false))
}

pub struct RecordVersion {
    pub number: u32,
    pub id: String,
    pub shared: String,
    pub documents_digest: String,
    pub base: Option<u32>,
    pub acknowledged: Option<String>,
    pub reviews: Vec<RecordReview>,
}

pub struct RecordReview {
    pub position: u32,
    pub title: String,
    pub verdict: &'static str,
    pub comment: String,
    pub by: String,
    pub at: String,
}

pub struct RecordMessage {
    pub author: String,
    pub from_provider: bool,
    pub at: String,
    pub version: u32,
    pub item: String,
    pub body: String,
}

pub struct RecordMinutes {
    pub held_on: String,
    pub agenda: String,
    pub attendees: String,
    pub decisions: String,
    pub attachments: Vec<(String, String)>,
    pub recorded_by: String,
    pub at: String,
}

pub struct RecordAgreement {
    pub version: u32,
    pub carried: bool,
    pub statement: String,
    pub signed_by: String,
    pub signed_at: String,
    pub countersigned_by: String,
    pub countersigned_at: String,
    pub documents_digest: String,
    pub items_digest: String,
    pub audit_seq: u64,
    pub audit_hash: String,
}

pub struct RecordAudit {
    pub seq: u64,
    pub at: String,
    pub action: String,
    pub actor: String,
    pub hash: String,
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    l: Layout,
    t: Tr,
    id: String,
    system: String,
    provider: String,
    institution: String,
    contract: &'static str,
    made_at: String,
    versions: Vec<RecordVersion>,
    messages: Vec<RecordMessage>,
    minutes: Vec<RecordMinutes>,
    agreements: Vec<RecordAgreement>,
    audit: Vec<RecordAudit>,
    operations: Vec<crate::web::operations::RecordLine>,
    public_key: String,
}

/// The engagement's whole record as a Japanese document (English on request), printable: the
/// readable twin of the JSON export.
pub async fn record_page(
    State(state): State<AppState>,
    e: Engaged<Read>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let record = export::engagement(&state, &e).await.map_err(fail)?;
    let l = Layout::of(&e.auth);
    let t = l.t;
    let mut people: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut provider_people: std::collections::HashSet<String> = std::collections::HashSet::new();
    for org in [&record.provider.id, &record.institution.id] {
        for u in state
            .store
            .users_of(org)
            .await
            .map_err(|x| fail(x.into()))?
        {
            if u.org == record.provider.id {
                provider_people.insert(u.id.to_string());
            }
            people.insert(u.id.to_string(), u.name);
        }
    }
    let name = |id: &str| people.get(id).cloned().unwrap_or_else(|| "—".to_owned());
    let number_of = |id: &VersionId| {
        record
            .versions
            .iter()
            .find(|v| v.version.id == *id)
            .map_or(0, |v| v.version.number)
    };
    let item_of = |version: &VersionId, key: &str| {
        record
            .versions
            .iter()
            .find(|v| v.version.id == *version)
            .and_then(|v| v.items.iter().find(|i| i.key == key))
            .map(|i| (i.position, t.pick(&i.title_ja, &i.title_en).to_owned()))
            .unwrap_or((0, key.to_owned()))
    };
    let mut versions = Vec::new();
    for share in &record.shares {
        let mut reviews: Vec<RecordReview> = record
            .reviews
            .iter()
            .filter(|r| r.version == share.version)
            .map(|r| {
                let (position, title) = item_of(&r.version, &r.item_key);
                RecordReview {
                    position,
                    title,
                    verdict: t.pick(r.verdict.label_ja(), r.verdict.as_str()),
                    comment: r.comment.clone(),
                    by: name(r.by.as_str()),
                    at: r.at.in_japan(),
                }
            })
            .collect();
        reviews.sort_by_key(|r| r.position);
        let version = record
            .versions
            .iter()
            .find(|v| v.version.id == share.version);
        versions.push(RecordVersion {
            number: number_of(&share.version),
            id: share.version.to_string(),
            shared: share.shared_at.in_japan(),
            documents_digest: version
                .map(|v| v.version.documents_digest.clone())
                .unwrap_or_default(),
            base: share.base.as_ref().map(number_of),
            acknowledged: share.risks_acknowledged_at.map(|t| t.in_japan()),
            reviews,
        });
    }
    let messages = record
        .messages
        .iter()
        .map(|m| RecordMessage {
            author: name(m.author.as_str()),
            from_provider: provider_people.contains(m.author.as_str()),
            at: m.at.in_japan(),
            version: number_of(&m.version),
            item: m
                .item_key
                .as_deref()
                .map(|k| item_of(&m.version, k).1)
                .unwrap_or_default(),
            body: m.body.clone(),
        })
        .collect();
    let minutes = record
        .minutes
        .iter()
        .map(|m| RecordMinutes {
            held_on: m.held_on.clone(),
            agenda: m.agenda.clone(),
            attendees: m.attendees.clone(),
            decisions: m.decisions.clone(),
            attachments: m
                .attachments
                .iter()
                .filter_map(|a| record.attachments.iter().find(|x| x.id == *a))
                .map(|a| (a.filename.clone(), a.sha256.clone()))
                .collect(),
            recorded_by: name(m.recorded_by.as_str()),
            at: m.at.in_japan(),
        })
        .collect();
    let agreements = record
        .agreements
        .iter()
        .map(|a| RecordAgreement {
            version: number_of(&a.version),
            carried: matches!(a.basis, AgreementBasis::CarriedOver { .. }),
            statement: a.statement.clone(),
            signed_by: name(a.signed_by.as_str()),
            signed_at: a.signed_at.in_japan(),
            countersigned_by: a
                .countersigned_by
                .as_ref()
                .map(|u| name(u.as_str()))
                .unwrap_or_default(),
            countersigned_at: a.countersigned_at.map(|t| t.in_japan()).unwrap_or_default(),
            documents_digest: a.documents_digest.clone(),
            items_digest: a.items_digest.clone(),
            audit_seq: a.audit_seq,
            audit_hash: a.audit_hash.clone(),
        })
        .collect();
    let audit = record
        .audit_entries
        .iter()
        .map(|x| RecordAudit {
            seq: x.seq,
            at: x.at.in_japan(),
            action: crate::web::action_label(t, &x.action),
            actor: x.actor.as_ref().map_or_else(
                || t.pick("システム", "system").to_owned(),
                |u| name(u.as_str()),
            ),
            hash: x.hash.clone(),
        })
        .collect();
    let page = RecordPage {
        l,
        t,
        id: e.engagement.id.to_string(),
        system: record.system.name.clone(),
        provider: record.provider.name.clone(),
        institution: record.institution.name.clone(),
        contract: contract_label(t, record.engagement.contract_form),
        made_at: record.exported_at.in_japan(),
        versions,
        messages,
        minutes,
        agreements,
        audit,
        operations: record
            .operations
            .iter()
            .map(|o| crate::web::operations::record_line(t, o))
            .collect(),
        public_key: record.server_public_key.clone(),
    };
    render(e.auth.client.lang, &page)
}
