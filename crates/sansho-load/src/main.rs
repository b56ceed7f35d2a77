//! `sansho-load`: puts `sansho serve` under a realistic load and reports latency per route class.
//!
//! It prepares a record (tenants as `--demo` makes them, one user per session with a password
//! and TOTP), starts `sansho serve` on loopback as a process of its own, logs every session in
//! through the login pages (password, then the one-time code), and for a bounded time replays a
//! mix: institution reviewers reading the review and its items, marking items and asking;
//! operators reading the operation phase and recording ledger items; one provider editor
//! publishing new versions of a generated model through the API. Each session waits a think
//! time between requests (exponential, `--think-ms` on average), as people do.
//!
//! Sessions come from their own addresses (`X-Forwarded-For`, the server trusting loopback as
//! its proxy), as they would through a reverse proxy: the per-address login limit applies to
//! each person, not to the whole load.
//!
//! docs/server-proof.md has the figures and the commands.

mod setup;
mod stats;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use sansho_server::config::Database;

use setup::{Part, Person, Prepared};
use stats::{Class, Stats};

#[derive(Parser)]
#[command(about = "Load generator for sansho serve")]
struct Args {
    /// Concurrent sessions (people logged in at once).
    #[arg(long, default_value_t = 100)]
    sessions: usize,
    /// How long the mix runs, in seconds (after every session has logged in).
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Mean think time between a session's requests, in milliseconds (0: none).
    #[arg(long, default_value_t = 1000)]
    think_ms: u64,
    /// Flows of the model the publisher publishes (a new version each time); 0: no publishing.
    #[arg(long, default_value_t = 10_000)]
    publish_flows: usize,
    /// Seconds between publications.
    #[arg(long, default_value_t = 10)]
    publish_every: u64,
    /// An empty PostgreSQL database (postgres://…); default: SQLite in a temporary directory.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// The `sansho` binary to serve with [default: the one next to this program].
    #[arg(long, value_name = "FILE")]
    sansho: Option<PathBuf>,
    /// Also write the figures as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = rustls::crypto::CryptoProvider::install_default(sansho_server::tls::provider());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(args))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn run(args: Args) -> anyhow::Result<()> {
    let data = tempfile::Builder::new().prefix("sansho-load-").tempdir()?;
    let database = match &args.postgres {
        Some(url) => Database::Postgres(url.clone()),
        None => Database::Sqlite(data.path().join("sansho.db")),
    };
    let backend = match database {
        Database::Sqlite(_) => "SQLite",
        Database::Postgres(_) => "PostgreSQL",
    };
    let started = Instant::now();
    let prepared = setup::prepare(data.path(), &database, args.sessions).await?;
    eprintln!(
        "prepared {} engagements and {} people in {:.1} s",
        prepared.engagements.len(),
        prepared.people.len(),
        started.elapsed().as_secs_f64()
    );

    let sansho = match &args.sansho {
        Some(path) => path.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("the program's directory")?
            .join("sansho"),
    };
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut server = std::process::Command::new(&sansho)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--trusted-proxy", "127.0.0.1", "--data"])
        .arg(data.path())
        .arg("--database")
        .arg(match &database {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(url) => url.clone(),
        })
        .env("RUST_LOG", "sansho_server=warn")
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", sansho.display()))?;
    let result = match wait_healthy(&base).await {
        Ok(()) => drive(&args, &base, prepared).await,
        Err(e) => Err(e),
    };
    server.kill()?;
    server.wait()?;
    let (stats, seconds) = result?;
    let (table, json) = stats.table(seconds);
    println!(
        "sansho-load: {} sessions on {backend}, {seconds:.0} s, think time {} ms on average",
        args.sessions, args.think_ms
    );
    print!("{table}");
    for (class, series) in &stats.by_class {
        for e in &series.first_errors {
            println!("  {} error: {e}", class.name());
        }
    }
    if let Some(path) = &args.json {
        let out = serde_json::json!({
            "sessions": args.sessions, "backend": backend, "seconds": seconds,
            "think_ms": args.think_ms, "publish_flows": args.publish_flows, "classes": json,
        });
        std::fs::write(path, serde_json::to_vec_pretty(&out)?)?;
    }
    Ok(())
}

async fn wait_healthy(base: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("the server did not answer {base}/healthz within 30 s")
}

/// A logged-in person: a cookie jar, the page's CSRF token, the address they come from.
struct Session {
    client: reqwest::Client,
    base: String,
    csrf: String,
    address: String,
}

/// The value of the first `name="csrf"` field of a page.
fn csrf_of(page: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let at = page.find(marker)? + marker.len();
    page[at..].split('"').next().map(str::to_owned)
}

/// The text of the element with `id` (the API token shown once after it is made).
fn text_of(page: &str, id: &str) -> Option<String> {
    let at = page.find(&format!("id=\"{id}\""))?;
    let rest = &page[at..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')?;
    Some(rest[start..start + end].trim().to_owned())
}

impl Session {
    /// Opens a page and takes its CSRF token, as the next form on it will send.
    async fn csrf_of_page(&self, path: &str) -> anyhow::Result<String> {
        let page = self.get(path).send().await?.text().await?;
        csrf_of(&page).with_context(|| format!("{path} has no CSRF field"))
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(format!("{}{path}", self.base))
            .header("x-forwarded-for", &self.address)
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::RequestBuilder {
        let mut form: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        form.extend_from_slice(fields);
        self.client
            .post(format!("{}{path}", self.base))
            .header("x-forwarded-for", &self.address)
            .form(&form)
    }
}

/// Sends a request and records it: a failure is a transport error or a status other than
/// `ok` (2xx, or the 303 a form answers with).
async fn timed(stats: &mut Stats, class: Class, request: reqwest::RequestBuilder) {
    let (client, request) = request.build_split();
    let request = match request {
        Ok(r) => r,
        Err(e) => {
            stats.record(class, Duration::ZERO, Some(format!("not sent: {e}")));
            return;
        }
    };
    let path = request.url().path().to_owned();
    let start = Instant::now();
    let outcome = match client.execute(request).await {
        Ok(r) if r.status().is_success() || r.status().as_u16() == 303 => {
            // The body is part of the answer: read it before the clock stops.
            match r.bytes().await {
                Ok(_) => Ok(()),
                Err(e) => Err(format!("{path}: body: {e}")),
            }
        }
        Ok(r) => {
            let status = r.status();
            let body = r.text().await.unwrap_or_default();
            // An error page says what went wrong in its title; a JSON error in its message.
            let said = body
                .split("<title>")
                .nth(1)
                .and_then(|t| t.split('<').next())
                .unwrap_or(&body);
            Err(format!(
                "{path}: {status}: {}",
                said.chars().take(200).collect::<String>()
            ))
        }
        Err(e) => Err(format!("{path}: {e}")),
    };
    stats.record(class, start.elapsed(), outcome.err());
}

/// Logs a person in as the pages do: the login page, the password, the second-factor page, the
/// code, the home page (for its CSRF token).
async fn login(
    base: &str,
    person: &Person,
    address: String,
    stats: &mut Stats,
) -> anyhow::Result<Session> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        // The server closes connections idle for 30 s; a think time that long opens a new one.
        .pool_idle_timeout(Duration::from_secs(20))
        .build()?;
    let mut session = Session {
        client,
        base: base.to_owned(),
        csrf: String::new(),
        address,
    };
    session.csrf = session.csrf_of_page("/login").await?;
    let start = Instant::now();
    let r = session
        .post(
            "/login",
            &[
                ("next", "/"),
                ("email", &person.email),
                ("password", &person.password),
            ],
        )
        .send()
        .await?;
    stats.record(Class::Login, start.elapsed(), None);
    if r.status().as_u16() != 303 {
        bail!("{}: password step answered {}", person.email, r.status());
    }
    session.csrf = session.csrf_of_page("/login/mfa").await?;
    let code =
        sansho_server::auth::totp::code_now_base32(&person.totp_base32).context("a TOTP secret")?;
    let start = Instant::now();
    let r = session
        .post("/login/mfa", &[("next", "/"), ("code", &code)])
        .send()
        .await?;
    stats.record(Class::Login, start.elapsed(), None);
    if r.status().as_u16() != 303 {
        bail!("{}: second factor answered {}", person.email, r.status());
    }
    session.csrf = session.csrf_of_page("/").await?;
    Ok(session)
}

async fn drive(args: &Args, base: &str, prepared: Prepared) -> anyhow::Result<(Stats, f64)> {
    // Everyone logs in first (eight at a time, as a morning's logins spread out), so the mix
    // is measured with every session open.
    let mut stats = Stats::default();
    let people = Arc::new(prepared.people);
    let mut sessions = Vec::with_capacity(people.len());
    let started = Instant::now();
    for chunk in people.chunks(8) {
        let logins: Vec<_> = chunk
            .iter()
            .enumerate()
            .map(|(i, person)| {
                let n = sessions.len() + i;
                let address = format!("10.{}.{}.{}", n / 65536 % 256, n / 256 % 256, n % 256);
                let (base, person) = (base.to_owned(), person.clone());
                tokio::spawn(async move {
                    let mut stats = Stats::default();
                    let session = login(&base, &person, address, &mut stats).await;
                    (session, stats)
                })
            })
            .collect();
        for login in logins {
            let (session, s) = login.await?;
            stats.merge(s);
            sessions.push(session?);
        }
    }
    eprintln!(
        "{} sessions logged in in {:.1} s",
        sessions.len(),
        started.elapsed().as_secs_f64()
    );

    let model =
        (args.publish_flows > 0).then(|| Arc::new(sansho_gen::hospital(args.publish_flows)));
    let engagements = Arc::new(prepared.engagements);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (person, session) in people.iter().zip(sessions) {
        let engagements = engagements.clone();
        let model = model.clone();
        let person = person.clone();
        let (think, every) = (args.think_ms, args.publish_every);
        tasks.push(tokio::spawn(async move {
            let mut stats = Stats::default();
            let engagement = &engagements[person.engagement];
            match person.part {
                Part::Publisher => {
                    if let Some(model) = model {
                        publish_loop(&session, &model, every, deadline, &mut stats).await;
                    }
                }
                part => session_loop(&session, part, engagement, think, deadline, &mut stats).await,
            }
            stats
        }));
    }
    for task in tasks {
        stats.merge(task.await?);
    }
    Ok((stats, started.elapsed().as_secs_f64()))
}

/// A think time, exponential around `mean_ms`.
async fn think(mean_ms: u64) {
    if mean_ms == 0 {
        return;
    }
    let wait = -(1.0 - fastrand::f64()).ln() * mean_ms as f64;
    tokio::time::sleep(Duration::from_millis(wait.min(mean_ms as f64 * 10.0) as u64)).await;
}

async fn session_loop(
    session: &Session,
    part: Part,
    engagement: &setup::Engagement,
    think_ms: u64,
    deadline: Instant,
    stats: &mut Stats,
) {
    let (e, v) = (&engagement.id, &engagement.version);
    let mut n = 0u64;
    // Sessions start spread over one think time, not all at once.
    tokio::time::sleep(Duration::from_millis(fastrand::u64(0..think_ms.max(1)))).await;
    while Instant::now() < deadline {
        n += 1;
        let roll = fastrand::u32(0..100);
        match part {
            Part::Reviewer => {
                let (item, position) =
                    &engagement.items[fastrand::usize(0..engagement.items.len())];
                if roll < 15 {
                    let verdict = if roll < 12 { "agree" } else { "discuss" };
                    let fields = [
                        ("item", item.as_str()),
                        ("verdict", verdict),
                        ("comment", "負荷試験のコメント"),
                    ];
                    let request =
                        session.post(&format!("/engagements/{e}/versions/{v}/reviews"), &fields);
                    timed(stats, Class::Write, request).await;
                } else if roll < 18 {
                    let body = format!("負荷試験の質問 {n}");
                    let fields = [("item", item.as_str()), ("body", body.as_str())];
                    let request =
                        session.post(&format!("/engagements/{e}/versions/{v}/messages"), &fields);
                    timed(stats, Class::Write, request).await;
                } else {
                    let path = match roll % 4 {
                        0 => "/".to_owned(),
                        1 => format!("/engagements/{e}"),
                        2 => format!("/engagements/{e}/versions/{v}"),
                        _ => format!("/engagements/{e}/versions/{v}/items/{position}"),
                    };
                    timed(stats, Class::PageRead, session.get(&path)).await;
                }
            }
            Part::Operator => {
                if roll < 25 {
                    let name = format!("負荷試験 端末 {n}");
                    let fields = [
                        ("name", name.as_str()),
                        ("category", "ノート PC"),
                        ("location", "診療所 受付"),
                        ("custodian", "事務長"),
                        ("information", "患者情報"),
                        ("medical", "on"),
                    ];
                    let request =
                        session.post(&format!("/engagements/{e}/operations/ledger"), &fields);
                    timed(stats, Class::Write, request).await;
                } else {
                    let path = match roll % 3 {
                        0 => "/".to_owned(),
                        1 => format!("/engagements/{e}"),
                        _ => format!("/engagements/{e}/operations"),
                    };
                    timed(stats, Class::PageRead, session.get(&path)).await;
                }
            }
            Part::Publisher => return,
        }
        think(think_ms).await;
    }
}

/// Publishes a new version of the generated model every `every` seconds, through the API with a
/// token made on the account page, as `sansho publish` does.
async fn publish_loop(
    session: &Session,
    model: &str,
    every: u64,
    deadline: Instant,
    stats: &mut Stats,
) {
    let token = match session
        .post(
            "/account/tokens",
            &[("name", "load"), ("scope", "publish"), ("days", "1")],
        )
        .send()
        .await
    {
        Ok(r) => text_of(&r.text().await.unwrap_or_default(), "new-token"),
        Err(_) => None,
    };
    let Some(token) = token else {
        stats.record(Class::Publish, Duration::ZERO, Some("no API token".into()));
        return;
    };
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        // Each publication is a new version: the model changes by a comment.
        let bundle = serde_json::json!({
            "entry": "sansho.yaml",
            "files": {"sansho.yaml": format!("{model}\n# 改訂 {n}\n")},
        });
        let request = session
            .client
            .post(format!("{}/api/v1/versions", session.base))
            .header("x-forwarded-for", &session.address)
            .bearer_auth(&token)
            .json(&bundle);
        let start = Instant::now();
        timed(stats, Class::Publish, request).await;
        let next = start + Duration::from_secs(every);
        if next >= deadline {
            break;
        }
        tokio::time::sleep_until(next.into()).await;
    }
}
