//! A real server on loopback for the tests: a SQLite file in a temporary directory or a scratch
//! PostgreSQL database, the demo's users, and clients that log in as people do (password, then
//! TOTP) and hold cookies, or carry an API token made on the account page.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod tenant;

use std::net::SocketAddr;
use std::sync::Arc;

use sansho_server::AppState;
use sansho_server::config::{Config, Database};
use sansho_server::demo::{Demo, DemoUser};
use sansho_server::keys::ServerKeys;
use sansho_store::Store;
use sansho_store::records::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Server {
    pub url: String,
    pub state: AppState,
    pub database: Database,
    pub dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn database(backend: Backend, name: &str, dir: &std::path::Path) -> Database {
    match backend {
        Backend::Sqlite => Database::Sqlite(dir.join("sansho.db")),
        Backend::Postgres => {
            Database::Postgres(sansho_store_postgres::testing::scratch_database(name).await)
        }
    }
}

impl Server {
    /// A server with nothing in it; the login limit is raised so that tests from one address
    /// do not trip it (its own test lowers it again).
    pub async fn start(backend: Backend, name: &str) -> Server {
        Self::start_with(backend, name, |config| config.policy.login_burst = 10_000).await
    }

    pub async fn start_with(
        backend: Backend,
        name: &str,
        adjust: impl FnOnce(&mut Config),
    ) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let database = database(backend, name, dir.path()).await;
        Self::start_on(database, dir, adjust).await
    }

    /// A server on `database`, its keys in `dir` (laid out as `sansho serve --data DIR`
    /// expects).
    pub async fn start_on(
        database: Database,
        dir: tempfile::TempDir,
        adjust: impl FnOnce(&mut Config),
    ) -> Server {
        let _ = rustls::crypto::CryptoProvider::install_default(sansho_server::tls::provider());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let mut config = Config::new(addr, dir.path().to_owned());
        config.database = database.clone();
        adjust(&mut config);
        let store = sansho_server::open_store(&config.database).await.unwrap();
        let keys = ServerKeys::load_or_create(&dir.path().join("keys")).unwrap();
        let state = AppState::new(store, keys, config).unwrap();
        let serving = state.clone();
        let task = tokio::spawn(async move {
            let _ = sansho_server::serve(serving, listener).await;
        });
        Server {
            url: format!("http://{addr}"),
            state,
            database,
            dir,
            task,
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.state.store
    }

    /// The sequence number of the last audit entry (0 before any): a refused request must
    /// leave it where it was.
    pub async fn audit_head(&self) -> u64 {
        self.store()
            .audit_head()
            .await
            .unwrap()
            .map_or(0, |e| e.seq)
    }

    /// Checks the whole record (the chain and every record) against this server's key.
    pub async fn assert_record_verifies(&self) {
        let verification = sansho_server::maintenance::verify_store(
            self.store().as_ref(),
            &self.state.keys.public_key_hex(),
        )
        .await
        .unwrap();
        assert!(
            verification.is_intact(),
            "the record verifies: {verification:?}"
        );
    }

    /// Sets up the demo: the example published and shared with a demo clinic.
    pub async fn demo(&self) -> Demo {
        sansho_server::demo::demo(&self.state).await.unwrap()
    }
}

pub fn user(demo: &Demo, role: Role) -> &DemoUser {
    demo.users.iter().find(|u| u.role == role).unwrap()
}

/// The code an authenticator app shows now (`ahead` steps of 30 s later, to log in twice).
pub fn code(user: &DemoUser, ahead: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    sansho_server::auth::totp::code_now_base32_at(&user.totp_base32, now + ahead * 30).unwrap()
}

/// A six-digit code that is none of those accepted now (one step either side).
pub fn wrong_code(user: &DemoUser) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let valid: Vec<String> = [now - 30, now, now + 30, now + 60]
        .iter()
        .map(|t| sansho_server::auth::totp::code_now_base32_at(&user.totp_base32, *t).unwrap())
        .collect();
    (0..10)
        .map(|i| format!("{i}{i}{i}{i}{i}{i}"))
        .find(|c| !valid.contains(c))
        .unwrap()
}

/// A browser-like client: cookies kept, redirects not followed (tests look at them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(IDLE_CONNECTION)
        .build()
        .unwrap()
}

/// How long a client keeps an idle connection for reuse: well below the server's 30 s, after
/// which the server closes it. A request sent on a connection the server is closing at that
/// moment fails without an answer, as with any HTTP server that closes idle connections.
pub const IDLE_CONNECTION: std::time::Duration = std::time::Duration::from_secs(10);

/// The value of the first `name="csrf"` field of a page.
pub fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("the page has a CSRF field")
        + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_owned()
}

/// The text of the element with `id`.
pub fn text_of(page: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let at = page.find(&marker)?;
    let rest = &page[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')?;
    Some(rest[start..start + end].trim().to_owned())
}

pub struct Session {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
    /// The one-time code this session logged in with, kept for replay tests: computing it
    /// again later may give the next step's code once a 30-second boundary has passed.
    pub code_used: String,
}

impl Session {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn page(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Posts a form with this session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        form.extend_from_slice(fields);
        self.client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Makes an API token on the account page and returns it.
    pub async fn token(&self, scope: &str) -> String {
        let r = self
            .post(
                "/account/tokens",
                &[("name", "test"), ("scope", scope), ("days", "30")],
            )
            .await;
        // The token is shown once, on the page that answers the form (never in a URL).
        assert_eq!(
            r.status().as_u16(),
            200,
            "token creation answers with the account page"
        );
        let page = r.text().await.unwrap();
        text_of(&page, "new-token").expect("the new token is shown once")
    }
}

/// The password step of the login in `client` (the login page first, for its CSRF cookie);
/// the answer is 303 to the second step when the password is right.
pub async fn password_step(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("next", "/"),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// Logs in with password and TOTP; returns the session.
pub async fn login(base: &str, user: &DemoUser, ahead: u64) -> Session {
    let client = browser();
    let r = password_step(&client, base, &user.email, &user.password).await;
    assert_eq!(
        r.status().as_u16(),
        303,
        "password accepted for {}",
        user.email
    );
    let page = client
        .get(format!("{base}/login/mfa"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let code = code(user, ahead);
    let r = client
        .post(format!("{base}/login/mfa"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("next", "/"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        303,
        "second factor accepted for {}",
        user.email
    );
    let page = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    Session {
        client,
        base: base.to_owned(),
        csrf,
        code_used: code,
    }
}

/// A JSON client with a bearer token.
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Api {
        Api {
            client: reqwest::Client::builder()
                .pool_idle_timeout(IDLE_CONNECTION)
                .build()
                .unwrap(),
            base: base.to_owned(),
            token: token.to_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// The example's files, to edit for a second version.
pub fn example_bundle() -> serde_json::Value {
    serde_json::to_value(sansho_server::demo::example_bundle()).unwrap()
}

/// The record's id a redirect points at (`…/{id}?done=…`).
#[allow(dead_code)] // Not every test binary that includes this module uses it.
pub fn record_of(response: &reqwest::Response) -> String {
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let tail = location.rsplit('/').next().unwrap();
    tail.split('?').next().unwrap().to_owned()
}

/// A second clinic for the demo's system: its engagement (made by the provider's `approver`,
/// the version shared by `editor`) and its planning manager (the signatory), to log in as.
/// Returns the engagement's id and the manager.
#[allow(dead_code)] // Not every test binary that includes this module uses it.
pub async fn second_clinic(
    server: &Server,
    first: &str,
    approver: &Session,
    editor: &Session,
) -> (String, DemoUser) {
    use sansho_store::EngagementId;
    let store = server.store();
    let provider = store
        .engagement(&EngagementId::new(first))
        .await
        .unwrap()
        .unwrap()
        .provider;
    let system = store.systems_of(&provider).await.unwrap()[0].id.to_string();
    let r = approver
        .post(
            "/engagements",
            &[
                ("system", system.as_str()),
                ("new_institution", "みなと眼科医院"),
                ("contract_form", "individual"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let second = record_of(&r);
    let engagement = store
        .engagement(&EngagementId::new(&second))
        .await
        .unwrap()
        .unwrap();
    if store.shares(&engagement.id).await.unwrap().is_empty() {
        let version = store.versions_of(&engagement.system).await.unwrap()[0]
            .id
            .to_string();
        let r = editor
            .post(
                &format!("/engagements/{second}/shares"),
                &[("version", version.as_str())],
            )
            .await;
        assert_eq!(r.status().as_u16(), 303);
    }
    let clinic = store
        .organization(&engagement.institution)
        .await
        .unwrap()
        .unwrap();
    let password = sansho_server::demo::generated_password();
    let (_, raw) = sansho_server::demo::create_user(
        &server.state,
        &clinic,
        "director@minato.test",
        "みなと院長",
        Role::InstitutionSignatory,
        &password,
        true,
    )
    .await
    .unwrap();
    let manager = DemoUser {
        role: Role::InstitutionSignatory,
        email: "director@minato.test".into(),
        password,
        totp_base32: sansho_server::auth::totp::base32(&raw.unwrap()),
        totp_url: String::new(),
    };
    (second, manager)
}
