//! The record the load runs against, made before the server starts: tenants as the demo makes
//! them (a provider with the example published, a clinic engaged and the version shared), and
//! one user per session, each with a password and an enrolled TOTP secret.

use std::path::Path;

use anyhow::Context as _;
use sansho_server::config::{Config, Database};
use sansho_server::demo::{self, TenantNames};
use sansho_server::keys::ServerKeys;
use sansho_store::EngagementId;
use sansho_store::records::Role;

/// One clinic's engagement, with what its reviewers open.
#[derive(Clone, Debug)]
pub struct Engagement {
    pub id: String,
    pub version: String,
    /// Each review item: its key (what a verdict names) and its position (its page).
    pub items: Vec<(String, u32)>,
}

/// What a session does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// An institution's reviewer: reads the review and its items, marks items, asks.
    Reviewer,
    /// The provider's operator: reads the operation phase, records ledger items.
    Operator,
    /// The provider's editor who publishes new versions of a large model.
    Publisher,
}

#[derive(Clone, Debug)]
pub struct Person {
    pub part: Part,
    pub email: String,
    pub password: String,
    pub totp_base32: String,
    /// The engagement the person works on.
    pub engagement: usize,
}

pub struct Prepared {
    pub engagements: Vec<Engagement>,
    pub people: Vec<Person>,
}

/// Sessions per tenant: a provider serving fifty people across its clinic and its own staff.
const SESSIONS_PER_TENANT: usize = 50;

pub async fn prepare(
    data: &Path,
    database: &Database,
    sessions: usize,
) -> anyhow::Result<Prepared> {
    let mut config = Config::new(([127, 0, 0, 1], 0).into(), data.to_owned());
    config.database = database.clone();
    let store = sansho_server::open_store(database).await?;
    let keys = ServerKeys::load_or_create(&data.join("keys"))?;
    let state = sansho_server::AppState::new(store, keys, config)?;
    let tenants = sessions.div_ceil(SESSIONS_PER_TENANT).max(1);
    let mut engagements = Vec::new();
    let mut people = Vec::new();
    for t in 0..tenants {
        let provider = format!("負荷試験事業者 {t}");
        let institution = format!("負荷試験クリニック {t}");
        let domain = format!("load{t}");
        let made = demo::tenant(
            &state,
            &TenantNames {
                provider: &provider,
                institution: &institution,
                domain: &domain,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("tenant {t}: {e:?}"))?;
        let engagement = state
            .store
            .engagement(&EngagementId::new(&made.engagement))
            .await?
            .context("the tenant's engagement")?;
        let version = state.store.shares(&engagement.id).await?[0].version.clone();
        let items = state
            .store
            .review_items(&version)
            .await?
            .into_iter()
            .map(|i| (i.key, i.position))
            .collect();
        engagements.push(Engagement {
            id: made.engagement.clone(),
            version: version.to_string(),
            items,
        });
        let organization = |id| {
            let store = state.store.clone();
            async move { store.organization(&id).await }
        };
        let clinic = organization(engagement.institution.clone())
            .await?
            .context("the clinic")?;
        let provider = organization(engagement.provider.clone())
            .await?
            .context("the provider")?;
        if t == 0 {
            let editor = made
                .users
                .iter()
                .find(|u| u.role == Role::ProviderEditor)
                .context("the demo's editor")?;
            people.push(Person {
                part: Part::Publisher,
                email: editor.email.clone(),
                password: editor.password.clone(),
                totp_base32: editor.totp_base32.clone(),
                engagement: 0,
            });
        }
        let here = sessions
            .saturating_sub(t * SESSIONS_PER_TENANT)
            .min(SESSIONS_PER_TENANT);
        for n in 0..here {
            // Two reviewers for each operator: institutions read more than providers write.
            let (part, org, role, local) = if n % 3 == 2 {
                (Part::Operator, &provider, Role::ProviderEditor, "operator")
            } else {
                (
                    Part::Reviewer,
                    &clinic,
                    Role::InstitutionReviewer,
                    "reviewer",
                )
            };
            let email = format!("{local}{n}@{domain}.test");
            let password = demo::generated_password();
            let (_, raw) = demo::create_user(
                &state,
                org,
                &email,
                &format!("負荷試験 {n}"),
                role,
                &password,
                true,
            )
            .await
            .map_err(|e| anyhow::anyhow!("user {email}: {e:?}"))?;
            people.push(Person {
                part,
                email,
                password,
                totp_base32: sansho_server::auth::totp::base32(&raw.unwrap_or_default()),
                engagement: t,
            });
        }
    }
    Ok(Prepared {
        engagements,
        people,
    })
}
