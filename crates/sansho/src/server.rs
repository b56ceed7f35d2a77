//! `sansho serve`, `sansho publish` and `sansho audit verify`: flags and wiring for the server,
//! its maintenance, and the client side of publishing. The work is in `sansho-server`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use sansho_core::{KnowledgeBase, Lang, Severity};
use sansho_server::config::{Config, Database, TlsFiles};
use sansho_server::keys::ServerKeys;

use crate::Common;

#[derive(clap::Args)]
pub struct Where {
    /// Directory of the server's keys and, by default, its SQLite database [default: sansho-data;
    /// with --demo, a new temporary directory removed when the server stops].
    #[arg(long = "data", value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// The directory in use (set once, from `data_dir` or its default).
    #[arg(skip)]
    pub data: PathBuf,
    /// The database: a SQLite file path, or a PostgreSQL URL (postgres://…). Default: DATA/sansho.db.
    #[arg(long, value_name = "URL|FILE", env = "SANSHO_DATABASE", global = true)]
    pub database: Option<String>,
}

impl Where {
    fn database(&self) -> Database {
        match &self.database {
            Some(text) => Database::parse(text),
            None => Database::Sqlite(self.data.join("sansho.db")),
        }
    }

    fn keys(&self) -> anyhow::Result<ServerKeys> {
        ServerKeys::load_or_create(&self.data.join("keys"))
    }
}

#[derive(clap::Args)]
pub struct Serve {
    #[command(subcommand)]
    pub action: Option<ServeAction>,
    #[command(flatten)]
    pub run: Run,
    #[command(flatten)]
    pub place: Where,
}

#[derive(clap::Args)]
pub struct Run {
    /// Start on a fresh database with the bundled example published to a demo clinic and a demo
    /// user for every role (their passwords and MFA secrets are printed once).
    #[arg(long)]
    pub demo: bool,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The address people use, e.g. https://sansho.example.jp (links, and `Secure` cookies
    /// behind a TLS-terminating reverse proxy).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Serve TLS directly with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// A reverse proxy whose X-Forwarded-For is believed. Repeatable.
    #[arg(long, value_name = "IP")]
    pub trusted_proxy: Vec<std::net::IpAddr>,
    /// SMTP relay for the daily e-mail of what is due: smtp://host:25,
    /// smtp://host:587?tls=required (STARTTLS) or smtps://user:password@host. Best given in the
    /// environment, as it may hold a password. Without it no e-mail is sent.
    #[arg(
        long,
        value_name = "URL",
        env = "SANSHO_SMTP_URL",
        hide_env_values = true,
        requires = "mail_from"
    )]
    pub smtp_url: Option<String>,
    /// The sender of notifications, e.g. "sansho <sansho@example.jp>".
    #[arg(long, value_name = "ADDRESS", env = "SANSHO_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// The hour (Japan time, 0–23) from which the day's notifications go out.
    #[arg(long, value_name = "HOUR", default_value_t = 8, value_parser = clap::value_parser!(u8).range(0..24))]
    pub notify_hour: u8,
}

#[derive(clap::Subcommand)]
pub enum ServeAction {
    /// Register the provider and its responsible manager (approver) on a new server; prints the
    /// manager's first password (MFA is enrolled at the first login).
    Init {
        /// The provider's name.
        #[arg(long)]
        provider: String,
        /// The manager's e-mail address (the login name).
        #[arg(long)]
        email: String,
        /// The manager's name.
        #[arg(long)]
        name: String,
    },
    /// Write a consistent copy of the database into a new directory (the server may be running).
    Backup {
        /// The directory to create.
        out: PathBuf,
    },
    /// Restore a backup into a new database (a SQLite file that does not exist, or an empty
    /// PostgreSQL database), then verify the audit chain and every record.
    Restore {
        /// The backup directory.
        backup: PathBuf,
    },
    /// Print the current one-time code for a TOTP secret (base32), as an authenticator app
    /// would: for trying the demo without a phone.
    Code { secret: String },
    /// Export the audit log with every record, for `sansho audit verify`.
    AuditExport {
        /// The JSON file to write.
        out: PathBuf,
        #[arg(long)]
        force: bool,
    },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn install_crypto() {
    // One provider for the whole process: the CRYPTREC allow-list, for the server and the client.
    let _ = rustls::crypto::CryptoProvider::install_default(sansho_server::tls::provider());
}

pub fn serve(mut args: Serve) -> anyhow::Result<ExitCode> {
    install_crypto();
    // A demo without --data runs in a directory of its own, so it always starts empty.
    let demo_dir = if args.run.demo && args.place.data_dir.is_none() && args.action.is_none() {
        Some(tempfile::Builder::new().prefix("sansho-demo-").tempdir()?)
    } else {
        None
    };
    args.place.data = match (&demo_dir, &args.place.data_dir) {
        (Some(dir), _) => dir.path().to_owned(),
        (None, Some(dir)) => dir.clone(),
        (None, None) => PathBuf::from("sansho-data"),
    };
    let rt = runtime()?;
    rt.block_on(async move {
        match args.action {
            None => run_server(args.run, args.place).await,
            Some(ServeAction::Init {
                provider,
                email,
                name,
            }) => {
                let state = open(&args.place, None).await?;
                let password = sansho_server::demo::init(&state, &provider, &email, &name)
                    .await
                    .map_err(app_error)?;
                println!("{provider}: {name} <{email}> を登録しました / registered");
                println!("初回パスワード / first password: {password}");
                println!(
                    "最初のログインで多要素認証を登録し、パスワードを変更してください / enrol MFA and change the password at the first login"
                );
                Ok(ExitCode::SUCCESS)
            }
            Some(ServeAction::Code { secret }) => {
                let Some(code) = sansho_server::auth::totp::code_now_base32(&secret) else {
                    bail!("{secret} is not a base32 TOTP secret");
                };
                println!("{code}");
                Ok(ExitCode::SUCCESS)
            }
            Some(ServeAction::Backup { out }) => {
                let keys = args.place.keys()?;
                let manifest = sansho_server::maintenance::backup(
                    &args.place.database(),
                    &keys.public_key_hex(),
                    &out,
                )
                .await?;
                println!(
                    "{}: {} ({} bytes, SHA-256 {}), audit head {}",
                    out.display(),
                    manifest.file,
                    manifest.bytes,
                    manifest.sha256,
                    manifest
                        .audit_head
                        .as_ref()
                        .map_or("none".to_owned(), |(seq, hash)| format!("#{seq} {hash}"))
                );
                Ok(ExitCode::SUCCESS)
            }
            Some(ServeAction::Restore { backup }) => {
                // The key files of this data directory, if it has them, are what the restored
                // chain must be signed with.
                let trusted = if args.place.data.join("keys").join("audit-signing.key").is_file() {
                    Some(args.place.keys()?.public_key_hex())
                } else {
                    None
                };
                let restored = sansho_server::maintenance::restore(
                    &backup,
                    &args.place.database(),
                    trusted.as_deref(),
                )
                .await?;
                if trusted.is_none() {
                    println!(
                        "no key files in {}: the chain was checked against the key the backup names ({})",
                        args.place.data.join("keys").display(),
                        restored.manifest.public_key
                    );
                }
                let v = &restored.verification;
                if v.is_intact() {
                    println!(
                        "restored and verified: {} audit entries, {} checkpoints, {} records",
                        v.entries, v.checkpoints, v.records
                    );
                    Ok(ExitCode::SUCCESS)
                } else {
                    for p in &v.problems {
                        eprintln!("{} / {}", p.ja, p.en);
                    }
                    Ok(ExitCode::from(1))
                }
            }
            Some(ServeAction::AuditExport { out, force }) => {
                crate::fs::check_output_file(&out, crate::overwrite(force))?;
                let state = open(&args.place, None).await?;
                let export = sansho_server::service::export::audit(&state)
                    .await
                    .map_err(app_error)?;
                let bytes = serde_json::to_vec_pretty(&export)?;
                crate::fs::write_file(&out, crate::overwrite(force), |w| w.write_all(&bytes))?;
                println!(
                    "{}: {} entries, {} checkpoints",
                    out.display(),
                    export.entries.len(),
                    export.checkpoints.len()
                );
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

async fn open(place: &Where, run: Option<&Run>) -> anyhow::Result<sansho_server::AppState> {
    let listen = run.map_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)), |r| r.listen);
    let mut config = Config::new(listen, place.data.clone());
    config.database = place.database();
    if let Some(run) = run {
        if let Some(url) = &run.public_url {
            config.public_url = url.trim_end_matches('/').to_owned();
        } else if listen.ip().is_loopback() {
            // On this machine, `localhost` is a name security keys accept (an address is not).
            config.public_url = format!("http://localhost:{}", listen.port());
        }
        if let (Some(certificate), Some(key)) = (&run.tls_cert, &run.tls_key) {
            config.tls = Some(TlsFiles {
                certificate: certificate.clone(),
                key: key.clone(),
            });
            if run.public_url.is_none() {
                config.public_url = format!("https://{listen}");
            }
        }
        config.trusted_proxies = run.trusted_proxy.clone();
        if let (Some(smtp_url), Some(from)) = (&run.smtp_url, &run.mail_from) {
            let mail = sansho_server::service::notify::MailConfig {
                smtp_url: smtp_url.clone(),
                from: from.clone(),
            };
            sansho_server::service::notify::check(&mail)?;
            config.mail = Some(mail);
        }
    }
    let keys = place.keys()?;
    let store = sansho_server::open_store(&config.database).await?;
    sansho_server::AppState::new(store, keys, config)
}

async fn run_server(run: Run, place: Where) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "sansho_server=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // Publications are assessed and rendered below the priority of the threads answering pages.
    if sansho_server::background::lower_model_work_priority().is_err() {
        eprintln!("sansho: model work runs at the normal priority (rayon's pool existed already)");
    }
    let listener = tokio::net::TcpListener::bind(run.listen)
        .await
        .with_context(|| format!("cannot listen on {}", run.listen))?;
    // The address actually bound (port 0 picks a free one).
    let mut run = run;
    run.listen = listener.local_addr()?;
    let state = open(&place, Some(&run)).await?;
    let url = state.config.public_url.clone();
    if run.demo {
        let demo = sansho_server::demo::demo(&state).await.map_err(app_error)?;
        println!(
            "sansho デモ / demo — {url}/ (data: {})",
            place.data.display()
        );
        println!("ログインと多要素認証 (TOTP) の情報は一度だけ表示されます / shown once:");
        for user in &demo.users {
            println!(
                "  {:<24} {:<26} password {}  TOTP secret {}",
                sansho_server::i18n::role(sansho_server::i18n::Tr::new(Lang::Ja), user.role),
                user.email,
                user.password,
                user.totp_base32
            );
        }
        println!(
            "TOTP secret を認証アプリに登録するか、`sansho serve code SECRET` で今のコードを表示してください / add the secret to an authenticator app, or print the current code with `sansho serve code SECRET`"
        );
    } else {
        println!(
            "sansho — {url}/ (database: {})",
            describe(&state.config.database)
        );
    }
    if state.config.mail.is_some() {
        println!(
            "通知メールは毎日 {} 時 (日本時間) 以降に送ります / notifications are e-mailed daily from {}:00 JST",
            run.notify_hour, run.notify_hour
        );
        tokio::spawn(sansho_server::service::notify::run(
            state.clone(),
            run.notify_hour,
        ));
    }
    // Ctrl-C or SIGTERM ends the server with its destructors run (the demo's directory is
    // removed); a request cut short rolls back, as every change is one transaction.
    tokio::select! {
        served = sansho_server::serve(state, listener) => served?,
        () = stop_signal() => eprintln!("sansho: stopped"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
}

fn describe(database: &Database) -> String {
    match database {
        Database::Sqlite(path) => path.display().to_string(),
        Database::Postgres(_) => "PostgreSQL".to_owned(),
    }
}

/// `sansho publish MODEL --server URL`: checks the model here, then uploads its files.
pub fn publish(
    model: &Path,
    server: &str,
    token: Option<String>,
    kb: &KnowledgeBase,
    common: &Common,
) -> anyhow::Result<ExitCode> {
    let lang: Lang = common.lang.into();
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        bail!(
            "an API token is needed: create one on the server's account page and pass --token or set SANSHO_TOKEN"
        );
    };
    let (location, limits) = crate::locate(model, common)?;
    let loaded = sansho_core::load::load(&location.entry, &location.files, kb, &limits);
    if loaded
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error)
    {
        let mut sources = loaded.sources.clone();
        sources.prefix_paths(&location.display_prefix);
        crate::print_diagnostics(&loaded.diagnostics, &sources, lang);
        bail!("the model has errors; nothing was published");
    }
    let mut files = std::collections::BTreeMap::new();
    for (_, file) in loaded.sources.iter() {
        if file.path.starts_with("../") {
            bail!(
                "{} is outside the model's directory: publish takes the files under {} only",
                file.path,
                location.files.root().display()
            );
        }
        files.insert(file.path.clone(), file.text.clone());
    }
    let bundle = sansho_server::service::publish::Bundle {
        entry: location.entry.clone(),
        files,
    };
    install_crypto();
    let rt = runtime()?;
    let url = format!("{}/api/v1/versions", server.trim_end_matches('/'));
    let (status, body) = rt.block_on(async {
        let client = reqwest::Client::builder()
            .user_agent(concat!("sansho/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let response = client
            .post(&url)
            .bearer_auth(&token)
            .json(&bundle)
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        let status = response.status();
        let body: serde_json::Value = response
            .json()
            .await
            .with_context(|| format!("{url} did not answer with JSON"))?;
        anyhow::Ok((status, body))
    })?;
    if !status.is_success() {
        let error = &body["error"];
        let message = match lang {
            Lang::Ja => error["message_ja"].as_str(),
            Lang::En => error["message_en"].as_str(),
        }
        .unwrap_or("(no message)");
        eprintln!("sansho: {url}: {status}: {message}");
        if let Some(problems) = error["problems"].as_array() {
            for p in problems {
                eprintln!(
                    "  {}:{}:{}: {} {}",
                    p["file"].as_str().unwrap_or("?"),
                    p["line"],
                    p["column"],
                    p["code"].as_str().unwrap_or(""),
                    p[if lang == Lang::Ja {
                        "message_ja"
                    } else {
                        "message_en"
                    }]
                    .as_str()
                    .unwrap_or("")
                );
            }
        }
        return Ok(ExitCode::from(crate::EXIT_INVALID));
    }
    let number = &body["number"];
    let version = body["version"].as_str().unwrap_or("");
    match lang {
        Lang::Ja => println!(
            "版 {number} を公開しました ({version}){}",
            if body["existing"] == true {
                " — 同じ内容の版がすでにあります"
            } else {
                ""
            }
        ),
        Lang::En => println!(
            "published version {number} ({version}){}",
            if body["existing"] == true {
                " — this exact bundle was published before"
            } else {
                ""
            }
        ),
    }
    for e in body["engagements"].as_array().into_iter().flatten() {
        let institution = e["institution"].as_str().unwrap_or("");
        let again = e["needs_agreement"] == true;
        match lang {
            Lang::Ja => println!(
                "  {institution}: {}",
                if again {
                    "再合意待ち (変更点の確認が必要)"
                } else {
                    "合意を引き継ぎ (影響なし)"
                }
            ),
            Lang::En => println!(
                "  {institution}: {}",
                if again {
                    "needs agreement again"
                } else {
                    "earlier agreement carried over"
                }
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `sansho audit verify EXPORT`: checks an exported log offline.
pub fn audit_verify(export: &Path, key: Option<&str>, lang: Lang) -> anyhow::Result<ExitCode> {
    let bytes = crate::fs::read_input(export, "the audit export", 4 << 30)?;
    let not_an_export = || {
        format!(
            "{} is not an audit export (sansho serve audit-export) or an engagement's record (its JSON export)",
            export.display()
        )
    };
    // The whole server's log, or one engagement's record as an institution downloads it.
    #[derive(serde::Deserialize)]
    struct Format {
        format: String,
    }
    let format: Format = serde_json::from_slice(&bytes).with_context(not_an_export)?;
    let verification = if format.format.starts_with("sansho-engagement-export/") {
        let record: sansho_store::audit::EngagementExport =
            serde_json::from_slice(&bytes).with_context(not_an_export)?;
        sansho_store::audit::verify_engagement(&record, key)
    } else {
        let export: sansho_store::audit::Export =
            serde_json::from_slice(&bytes).with_context(not_an_export)?;
        sansho_store::audit::verify(&export, key)
    };
    let head = verification
        .head
        .as_ref()
        .map_or("-".to_owned(), |(seq, hash)| format!("#{seq} {hash}"));
    if verification.is_intact() {
        match lang {
            Lang::Ja => println!(
                "検証できました: 記録 {} 件、署名 {} 件、レコード {} 件。先頭 {head}{}",
                verification.entries,
                verification.checkpoints,
                verification.records,
                if key.is_none() {
                    " (鍵の指定なし: 出所ではなく完全性のみを確認)"
                } else {
                    ""
                }
            ),
            Lang::En => println!(
                "intact: {} entries, {} checkpoints, {} records; head {head}{}",
                verification.entries,
                verification.checkpoints,
                verification.records,
                if key.is_none() {
                    " (no --key: integrity checked, not origin)"
                } else {
                    ""
                }
            ),
        }
        return Ok(ExitCode::SUCCESS);
    }
    for p in &verification.problems {
        let text = match lang {
            Lang::Ja => &p.ja,
            Lang::En => &p.en,
        };
        eprintln!("{text}");
    }
    if let Some(first) = verification.problems.iter().find_map(|p| p.seq) {
        match lang {
            Lang::Ja => eprintln!("最初に壊れている記録: {first}"),
            Lang::En => eprintln!("first broken entry: {first}"),
        }
    }
    Ok(ExitCode::from(1))
}

/// A server error as the command line shows it: the message and, for a model, every problem.
fn app_error(error: sansho_server::error::AppError) -> anyhow::Error {
    let (_, en) = error.message();
    let mut text = en;
    if let sansho_server::error::AppError::InvalidModel(problems) = &error {
        for p in problems {
            text.push_str(&format!(
                "\n  {}:{}:{}: {} {}",
                p.file.as_deref().unwrap_or("?"),
                p.line.unwrap_or(0),
                p.column.unwrap_or(0),
                p.code,
                p.message_en
            ));
        }
    }
    anyhow::anyhow!(text)
}
