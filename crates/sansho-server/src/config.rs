//! What a server operator decides: where to listen, which database, TLS, and the security
//! policy. Defaults follow the MHLW checklists sansho enforces on others (passwords of 8+
//! mixed characters — sansho asks 12 of its own users —, no reuse, lockout after repeated
//! failures) and OWASP's session guidance.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Where the records live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// An embedded SQLite file (the default: zero set-up).
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://…`).
    Postgres(String),
}

impl Database {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; anything else is a SQLite file path
    /// (an optional `sqlite:` prefix is dropped).
    pub fn parse(text: &str) -> Database {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Database::Postgres(text.to_owned())
        } else {
            Database::Sqlite(PathBuf::from(text.strip_prefix("sqlite:").unwrap_or(text)))
        }
    }
}

/// Certificate and key files (PEM) for serving TLS directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub certificate: PathBuf,
    pub key: PathBuf,
}

/// Passwords, lockout and sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityPolicy {
    pub password_min_length: usize,
    /// Of upper case, lower case, digits and symbols (anything else counts as a symbol).
    pub password_min_classes: usize,
    /// A new password may not equal any of this many earlier ones.
    pub password_history: usize,
    /// Wrong passwords or codes in a row before the account locks.
    pub lockout_after: u32,
    pub lockout_seconds: i64,
    /// A session unused this long ends.
    pub session_idle_seconds: i64,
    /// A session ends this long after login, however busy.
    pub session_absolute_seconds: i64,
    /// Login attempts per client address: the burst, then one more every this many seconds.
    pub login_burst: u32,
    pub login_replenish_seconds: u64,
    /// How long an invitation link stays valid.
    pub invitation_seconds: i64,
    /// The longest life of an API token.
    pub token_max_days: i64,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        SecurityPolicy {
            password_min_length: 12,
            password_min_classes: 3,
            password_history: 5,
            lockout_after: 10,
            lockout_seconds: 15 * 60,
            session_idle_seconds: 30 * 60,
            session_absolute_seconds: 12 * 60 * 60,
            login_burst: 10,
            login_replenish_seconds: 6,
            invitation_seconds: 7 * 24 * 60 * 60,
            token_max_days: 365,
        }
    }
}

/// Sizes the server accepts.
#[derive(Clone, Debug)]
pub struct Limits {
    /// A published model bundle (all files, as uploaded).
    pub bundle_bytes: usize,
    /// One attachment.
    pub attachment_bytes: usize,
    /// Any text field (comments, questions, minutes).
    pub text_chars: usize,
    /// Loading an uploaded model: the command line's own limits.
    pub model: sansho_core::load::Limits,
    /// How long a client may take to send a request's headers, and how long an idle
    /// connection stays open: a client that sends slowly must not hold a connection forever.
    pub header_read: std::time::Duration,
    /// How long a whole request may take, its body and the answer included. Publishing a large
    /// model is the longest request.
    pub request: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            bundle_bytes: 64 << 20,
            attachment_bytes: 16 << 20,
            text_chars: 20_000,
            model: sansho_core::load::Limits::default(),
            header_read: std::time::Duration::from_secs(30),
            request: std::time::Duration::from_secs(300),
        }
    }
}

/// Everything `sansho serve` is started with.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    /// The address people use (`https://sansho.example.jp`), for links in invitations and to
    /// decide whether cookies are `Secure`. Defaults to `http://` + `listen`.
    pub public_url: String,
    /// Where the server keeps its keys (and, by default, its SQLite file).
    pub data_dir: PathBuf,
    pub database: Database,
    pub tls: Option<TlsFiles>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (for rate limits and audit).
    pub trusted_proxies: Vec<IpAddr>,
    pub policy: SecurityPolicy,
    pub limits: Limits,
    /// The SMTP relay for notifications; none sends no e-mail.
    pub mail: Option<crate::service::notify::MailConfig>,
}

impl Config {
    /// A configuration with the defaults, listening on `listen` with data in `data_dir`.
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> Config {
        Config {
            listen,
            public_url: format!("http://{listen}"),
            database: Database::Sqlite(data_dir.join("sansho.db")),
            data_dir,
            tls: None,
            trusted_proxies: Vec::new(),
            policy: SecurityPolicy::default(),
            limits: Limits::default(),
            mail: None,
        }
    }

    /// Whether people reach the server over HTTPS (cookies are then `Secure` and `__Host-`).
    pub fn is_https(&self) -> bool {
        self.tls.is_some() || self.public_url.starts_with("https://")
    }
}
