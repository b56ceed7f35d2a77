//! The review of a version, one item with its questions and answers, and the agreement.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use sansho_store::records::*;
use sansho_store::{AgreementId, VersionId};
use serde::Deserialize;
use serde_json::Value;

use crate::access::{
    Approve, CsrfForm, Discuss, Engaged, Permission, Read, Review as ReviewPermission, Sign,
};
use crate::error::{AppError, Failure};
use crate::i18n::Tr;
use crate::service::agreement;
use crate::service::review::{self, ItemState, ReviewView};
use crate::state::AppState;
use crate::web::engagement::Done;
use crate::web::{Layout, rank_class, render, see_other};

pub struct RiskRow {
    pub id: String,
    pub element: String,
    pub threat: String,
    pub what_could_happen: String,
    /// 想定リスク; empty for versions published before risks had one.
    pub scenario: String,
    pub inherent: String,
    pub residual: String,
    pub residual_class: &'static str,
    pub status: String,
}

pub struct ControlRow {
    pub name: String,
    pub owner: String,
}

/// An item as pages show it.
pub struct ItemView {
    pub position: u32,
    pub key: String,
    pub kind: &'static str,
    pub kind_class: &'static str,
    pub title: String,
    pub rank: String,
    pub rank_class: &'static str,
    pub state: &'static str,
    pub state_class: &'static str,
    pub verdict: String,
    pub comment: String,
    pub carried_from: Option<u32>,
    pub text: String,
    pub decision: String,
    pub option: String,
    pub rationale: String,
    pub acceptance: String,
    pub controls: Vec<ControlRow>,
    pub risks: Vec<RiskRow>,
    pub risk_count: u64,
    pub responsibilities: Vec<(String, String, String)>,
    pub why: String,
}

fn s(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::String(x) => x.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn status_label(t: Tr, status: &str) -> String {
    let (ja, en) = match status {
        "open" => ("未対応", "open"),
        "reduced" => ("低減", "reduced"),
        "avoided" => ("回避", "avoided"),
        "shared" => ("共有", "shared"),
        "accepted" => ("受容", "accepted"),
        other => (other, other),
    };
    t.pick(ja, en).to_owned()
}

fn option_label(t: Tr, option: &str) -> String {
    let (ja, en) = match option {
        "reduce" => ("低減", "reduce"),
        "avoid" => ("回避", "avoid"),
        "share" => ("共有 (移転)", "share"),
        "accept" => ("受容", "accept"),
        other => (other, other),
    };
    t.pick(ja, en).to_owned()
}

pub fn item_view(t: Tr, item: &ReviewItem, state: &ItemState) -> ItemView {
    let d = &item.detail;
    let (kind, kind_class) = match item.kind {
        ItemKind::Request => (
            t.pick("医療機関等に求める事項", "Asked of the institution"),
            "kind kind-request",
        ),
        ItemKind::Acceptance => (
            t.pick("受容・共有するリスク", "Accepted or shared risks"),
            "kind kind-accept",
        ),
        ItemKind::Residual => (t.pick("残存リスク", "Residual risks"), "kind kind-residual"),
        ItemKind::Responsibility => (t.pick("責任分界", "Responsibilities"), "kind"),
        ItemKind::Treatment => (t.pick("事業者の対応", "Provider's treatment"), "kind"),
    };
    let (state_label, state_class, verdict, comment, carried_from) = match state {
        ItemState::Carried { version_number, .. } => (
            t.get("review.carried"),
            "state state-carried",
            String::new(),
            String::new(),
            Some(*version_number),
        ),
        ItemState::Reviewed {
            verdict, comment, ..
        } => {
            let label = match Verdict::parse(verdict) {
                Some(Verdict::Agree) => t.get("verdict.agree"),
                Some(Verdict::Discuss) => t.get("verdict.discuss"),
                _ => t.get("verdict.return"),
            };
            let class = if verdict == "agree" {
                "state state-agree"
            } else {
                "state state-open"
            };
            (label, class, verdict.clone(), comment.clone(), None)
        }
        ItemState::Pending => (
            t.get("review.pending"),
            "state state-pending",
            String::new(),
            String::new(),
            None,
        ),
    };
    let risks: Vec<RiskRow> = d["risks"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| RiskRow {
                    id: s(r, "id"),
                    element: s(&r["element"], "name"),
                    threat: if t.en() {
                        s(r, "threat_name_en")
                    } else {
                        s(r, "threat_name")
                    },
                    what_could_happen: s(r, "what_could_happen"),
                    scenario: if t.en() {
                        s(r, "scenario_en")
                    } else {
                        s(r, "scenario")
                    },
                    inherent: s(r, "inherent"),
                    residual: s(r, "residual"),
                    residual_class: rank_class(&s(r, "residual")),
                    status: status_label(t, &s(r, "status")),
                })
                .collect()
        })
        .unwrap_or_default();
    // Why, in plain words: what the threats concerned could do, then what could happen where
    // (a few scenarios; the table below lists every risk).
    let mut why: Vec<String> = Vec::new();
    for r in &risks {
        let line = format!("{} — {}", r.threat, r.what_could_happen);
        if !r.threat.is_empty() && !why.contains(&line) {
            why.push(line);
        }
    }
    const SCENARIOS_IN_WHY: usize = 3;
    let mut scenarios: Vec<&str> = Vec::new();
    for r in &risks {
        if !r.scenario.is_empty() && !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    let more = scenarios.len().saturating_sub(SCENARIOS_IN_WHY);
    for text in scenarios.into_iter().take(SCENARIOS_IN_WHY) {
        why.push(format!("・{text}"));
    }
    if more > 0 {
        why.push(if t.en() {
            format!("(and {more} more in the table below)")
        } else {
            format!("（ほか {more} 件は下の表）")
        });
    }
    let controls = d["controls"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| ControlRow {
                    name: s(c, "name"),
                    owner: s(c, "owner"),
                })
                .collect()
        })
        .or_else(|| {
            (!d["control"].is_null()).then(|| {
                vec![ControlRow {
                    name: s(&d["control"], "name"),
                    owner: s(&d["control"], "owner"),
                }]
            })
        })
        .unwrap_or_default();
    let acceptance = if d["acceptance"].is_null() {
        String::new()
    } else {
        let a = &d["acceptance"];
        [s(a, "by"), s(a, "date"), s(a, "reason")]
            .iter()
            .filter(|x| !x.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" / ")
    };
    let responsibilities = d["responsibilities"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    let covers: Vec<String> = r["covers"]
                        .as_array()
                        .map(|c| {
                            c.iter()
                                .map(|x| x.as_str().unwrap_or_default().to_owned())
                                .collect()
                        })
                        .unwrap_or_default();
                    (s(r, "organization"), covers.join("、"), s(r, "duties"))
                })
                .collect()
        })
        .unwrap_or_default();
    let rank = item.rank.clone().unwrap_or_default();
    ItemView {
        position: item.position,
        key: item.key.clone(),
        kind,
        kind_class,
        title: if t.en() {
            item.title_en.clone()
        } else {
            item.title_ja.clone()
        },
        rank_class: rank_class(&rank),
        rank,
        state: state_label,
        state_class,
        verdict,
        comment,
        carried_from,
        text: s(d, "text"),
        decision: s(d, "decision"),
        option: option_label(t, &s(d, "option")),
        rationale: s(d, "rationale"),
        acceptance,
        controls,
        risk_count: d["risk_count"].as_u64().unwrap_or(risks.len() as u64),
        risks,
        responsibilities,
        why: why.join("\n"),
    }
}

pub struct ChangeView {
    pub added: usize,
    pub removed: usize,
    pub reranked: usize,
    pub decisions: Vec<(String, String)>,
    pub base_number: u32,
}

pub struct FileLink {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    l: Layout,
    t: Tr,
    /// Where the provider says questions are taken and answered.
    questions_policy: Option<String>,
    engagement: String,
    system: String,
    version: String,
    number: u32,
    published: String,
    documents_digest: String,
    files: Vec<FileLink>,
    items: Vec<ItemView>,
    change: Option<ChangeView>,
    current: bool,
    yakkan: bool,
    acknowledged: bool,
    agreed: Option<String>,
    settled: bool,
    total: usize,
    done: usize,
    pending: usize,
    open: usize,
    can_review: bool,
    can_sign: bool,
    statement: String,
}

fn counts(view: &ReviewView) -> (usize, usize, usize, usize) {
    let total = view.items.len();
    let pending = view.count(|s| matches!(s, ItemState::Pending));
    let open =
        view.count(|s| matches!(s, ItemState::Reviewed { verdict, .. } if verdict != "agree"));
    (total, total - pending - open, pending, open)
}

async fn load<P: Permission>(
    state: &AppState,
    e: &Engaged<P>,
    version: &str,
) -> Result<ReviewView, Failure> {
    review::view(state, e, &VersionId::new(version))
        .await
        .map_err(|x| e.fail(x))
}

pub async fn review_page(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Path((_, version)): Path<(String, String)>,
    Query(done): Query<Done>,
) -> Result<Response, Failure> {
    let view = load(&state, &e, &version).await?;
    let l = Layout::of(&e.auth).with_notice(done.done.as_deref());
    let t = l.t;
    let files = state
        .store
        .version_files(&view.version.id)
        .await
        .map_err(|x| e.fail(x.into()))?
        .into_iter()
        .filter(|f| f.role != FileRole::Model)
        .map(|f| FileLink {
            name: f.path,
            size: f.size,
            sha256: f.sha256,
        })
        .collect();
    let change = view.change.as_ref().map(|c| ChangeView {
        added: c.added.len(),
        removed: c.removed.len(),
        reranked: c.reranked.len(),
        decisions: c
            .decisions_to_review
            .iter()
            .map(|d| {
                (
                    d.pattern.clone(),
                    t.pick(&d.reason.ja, &d.reason.en).to_owned(),
                )
            })
            .collect(),
        base_number: view.base.as_ref().map_or(0, |b| b.number),
    });
    let (total, done_count, pending, open) = counts(&view);
    let role = e.auth.user.role;
    let institution_name = e.institution_name().to_owned();
    let page = ReviewPage {
        questions_policy: view.version.summary.questions_policy.clone(),
        engagement: e.engagement.id.to_string(),
        system: view.version.name.clone(),
        version: view.version.id.to_string(),
        number: view.version.number,
        published: view.version.published_at.in_japan(),
        documents_digest: view.version.documents_digest.clone(),
        files,
        items: view.items.iter().map(|(i, s)| item_view(t, i, s)).collect(),
        change,
        current: view.current,
        yakkan: e.engagement.contract_form == ContractForm::Yakkan,
        acknowledged: view.share.risks_acknowledged_at.is_some(),
        agreed: view.agreement.as_ref().map(|a| a.id.to_string()),
        settled: view.settled(),
        total,
        done: done_count,
        pending,
        open,
        can_review: role.is_institution() && view.current && view.agreement.is_none(),
        can_sign: role == Role::InstitutionSignatory && view.current && view.agreement.is_none(),
        statement: agreement::statement(
            &institution_name,
            &view.version.name,
            &view.version,
            e.engagement.contract_form,
        ),
        l,
        t,
    };
    render(e.auth.client.lang, &page)
}

pub struct MessageView {
    pub author: String,
    pub org: String,
    pub at: String,
    pub body: String,
    pub from_provider: bool,
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    l: Layout,
    t: Tr,
    questions_policy: Option<String>,
    engagement: String,
    version: String,
    number: u32,
    item: ItemView,
    messages: Vec<MessageView>,
    can_review: bool,
    can_discuss: bool,
}

pub async fn item_page(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Path((_, version, position)): Path<(String, String, u32)>,
    Query(done): Query<Done>,
) -> Result<Response, Failure> {
    let view = load(&state, &e, &version).await?;
    let l = Layout::of(&e.auth).with_notice(done.done.as_deref());
    let t = l.t;
    let Some((item, item_state)) = view.items.iter().find(|(i, _)| i.position == position) else {
        return Err(e.fail(AppError::NotFound));
    };
    let mut messages = Vec::new();
    for m in state
        .store
        .messages(&e.engagement.id)
        .await
        .map_err(|x| e.fail(x.into()))?
    {
        if m.version != view.version.id || m.item_key.as_deref() != Some(item.key.as_str()) {
            continue;
        }
        let author = state
            .store
            .user(&m.author)
            .await
            .map_err(|x| e.fail(x.into()))?;
        let (name, org) = match &author {
            Some(u) => (u.name.clone(), u.org.clone()),
            None => ("—".to_owned(), sansho_store::OrgId::new("")),
        };
        let from_provider = org == e.engagement.provider;
        messages.push(MessageView {
            author: name,
            org: if from_provider {
                t.pick("提供事業者", "Provider").to_owned()
            } else {
                t.pick("医療機関等", "Institution").to_owned()
            },
            at: m.at.in_japan(),
            body: m.body,
            from_provider,
        });
    }
    let role = e.auth.user.role;
    let page = ItemPage {
        questions_policy: view.version.summary.questions_policy.clone(),
        engagement: e.engagement.id.to_string(),
        version: view.version.id.to_string(),
        number: view.version.number,
        item: item_view(t, item, item_state),
        messages,
        can_review: role.is_institution()
            && view.current
            && view.agreement.is_none()
            && !matches!(item_state, ItemState::Carried { .. }),
        can_discuss: role != Role::Auditor,
        l,
        t,
    };
    render(e.auth.client.lang, &page)
}

#[derive(Deserialize)]
pub struct VerdictForm {
    item: String,
    verdict: String,
    #[serde(default)]
    comment: String,
    /// Where to return: the review list or the item page.
    #[serde(default)]
    back: Option<u32>,
}

pub async fn record_verdict(
    State(state): State<AppState>,
    e: Engaged<ReviewPermission>,
    Path((_, version)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<VerdictForm>,
) -> Result<Response, Failure> {
    let verdict = Verdict::parse(&form.verdict)
        .ok_or_else(|| e.fail(AppError::bad("判断を選んでください", "choose a verdict")))?;
    review::record_verdict(
        &state,
        &e,
        &VersionId::new(version.clone()),
        &form.item,
        verdict,
        &form.comment,
    )
    .await
    .map_err(|x| e.fail(x))?;
    let base = format!("/engagements/{}/versions/{version}", e.engagement.id);
    Ok(see_other(&match form.back {
        Some(p) => format!("{base}/items/{p}?done=verdict"),
        None => format!(
            "{base}?done=verdict#item-{}",
            crate::web::url_encode(&form.item)
        ),
    }))
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    item: Option<String>,
    body: String,
    #[serde(default)]
    back: Option<u32>,
}

pub async fn post_message(
    State(state): State<AppState>,
    e: Engaged<Discuss>,
    Path((_, version)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<MessageForm>,
) -> Result<Response, Failure> {
    let item = form.item.as_deref().filter(|i| !i.is_empty());
    review::post_message(
        &state,
        &e,
        &VersionId::new(version.clone()),
        item,
        &form.body,
    )
    .await
    .map_err(|x| e.fail(x))?;
    let base = format!("/engagements/{}/versions/{version}", e.engagement.id);
    Ok(see_other(&match form.back {
        Some(p) => format!("{base}/items/{p}?done=message"),
        None => format!("{base}?done=message"),
    }))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn acknowledge(
    State(state): State<AppState>,
    e: Engaged<ReviewPermission>,
    Path((_, version)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, Failure> {
    review::acknowledge_risks(&state, &e, &VersionId::new(version.clone()))
        .await
        .map_err(|x| e.fail(x))?;
    Ok(see_other(&format!(
        "/engagements/{}/versions/{version}?done=acknowledged",
        e.engagement.id
    )))
}

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn sign(
    State(state): State<AppState>,
    e: Engaged<Sign>,
    Path((_, version)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<SignForm>,
) -> Result<Response, Failure> {
    let id = agreement::sign(&state, &e, &VersionId::new(version), form.confirm.is_some())
        .await
        .map_err(|x| e.fail(x))?;
    Ok(see_other(&format!(
        "/engagements/{}/agreements/{id}?done=agreed",
        e.engagement.id
    )))
}

pub async fn countersign(
    State(state): State<AppState>,
    e: Engaged<Approve>,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, Failure> {
    agreement::countersign(&state, &e, &AgreementId::new(id.clone()))
        .await
        .map_err(|x| e.fail(x))?;
    Ok(see_other(&format!(
        "/engagements/{}/agreements/{id}?done=countersigned",
        e.engagement.id
    )))
}

pub struct AgreedItem {
    pub title: String,
    pub kind: &'static str,
    pub rank: String,
    pub state: &'static str,
    pub comment: String,
    pub digest: String,
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct AgreementPage {
    l: Layout,
    t: Tr,
    engagement: String,
    id: String,
    system: String,
    provider: String,
    institution: String,
    contract: &'static str,
    number: u32,
    version: String,
    statement: String,
    signed_by: String,
    signed_at: String,
    signed_from: String,
    countersigned_by: String,
    countersigned_at: String,
    carried: bool,
    documents_digest: String,
    items_digest: String,
    audit_seq: u64,
    audit_hash: String,
    public_key: String,
    files: Vec<FileLink>,
    items: Vec<AgreedItem>,
    can_countersign: bool,
}

pub async fn agreement_page(
    State(state): State<AppState>,
    e: Engaged<Read>,
    Path((_, id)): Path<(String, String)>,
    Query(done): Query<Done>,
) -> Result<Response, Failure> {
    let fail = |x: AppError| e.fail(x);
    let a = state
        .store
        .agreement(&AgreementId::new(id))
        .await
        .map_err(|x| fail(x.into()))?
        .ok_or_else(|| fail(AppError::NotFound))?;
    if a.engagement != e.engagement.id {
        return Err(fail(AppError::NotFound));
    }
    let view = review::view(&state, &e, &a.version).await.map_err(fail)?;
    let l = Layout::of(&e.auth).with_notice(done.done.as_deref());
    let t = l.t;
    let name_of = |u: Option<User>| u.map(|u| u.name).unwrap_or_else(|| "—".to_owned());
    let signed_by = name_of(
        state
            .store
            .user(&a.signed_by)
            .await
            .map_err(|x| fail(x.into()))?,
    );
    let countersigned_by = match &a.countersigned_by {
        Some(u) => name_of(state.store.user(u).await.map_err(|x| fail(x.into()))?),
        None => String::new(),
    };
    let files = state
        .store
        .version_files(&a.version)
        .await
        .map_err(|x| fail(x.into()))?
        .into_iter()
        .map(|f| FileLink {
            name: f.path,
            size: f.size,
            sha256: f.sha256,
        })
        .collect();
    let items = view
        .items
        .iter()
        .map(|(i, st)| {
            let v = item_view(t, i, st);
            AgreedItem {
                title: v.title,
                kind: v.kind,
                rank: v.rank,
                state: v.state,
                comment: v.comment,
                digest: i.content_digest.clone(),
            }
        })
        .collect();
    let (provider, institution) = if e.is_provider() {
        (e.auth.org.name.clone(), e.counterpart.name.clone())
    } else {
        (e.counterpart.name.clone(), e.auth.org.name.clone())
    };
    let page = AgreementPage {
        engagement: e.engagement.id.to_string(),
        id: a.id.to_string(),
        system: view.version.name.clone(),
        provider,
        institution,
        contract: crate::web::engagement::contract_label(t, e.engagement.contract_form),
        number: view.version.number,
        version: a.version.to_string(),
        statement: a.statement.clone(),
        signed_by,
        signed_at: a.signed_at.in_japan(),
        signed_from: a.signed_from.clone(),
        countersigned_at: a.countersigned_at.map(|x| x.in_japan()).unwrap_or_default(),
        countersigned_by,
        carried: matches!(a.basis, AgreementBasis::CarriedOver { .. }),
        documents_digest: a.documents_digest.clone(),
        items_digest: a.items_digest.clone(),
        audit_seq: a.audit_seq,
        audit_hash: a.audit_hash.clone(),
        public_key: state.keys.public_key_hex(),
        files,
        items,
        can_countersign: e.auth.user.role == Role::ProviderApprover && a.countersigned_at.is_none(),
        l,
        t,
    };
    render(e.auth.client.lang, &page)
}
