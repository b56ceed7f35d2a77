//! Notifications of what is due, over real SMTP: a server configured with a relay sends each
//! person who acts in an engagement one digest a day of what its operations dashboard shows,
//! records each in the audit log, and does not send it twice; a relay that refuses leaves no
//! record, so the next run tries again. On both backends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use sansho_server::service::notify::{self, MailConfig, Sent};
use sansho_store::records::Role;
use support::{Backend, Server, login, user};

/// Debian's aiosmtpd on a free loopback port, keeping every message in a Maildir; stopped when
/// dropped.
struct Sink {
    child: Child,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One message as the relay kept it.
struct Received {
    /// Who it was for (the envelope, as aiosmtpd records it).
    to: String,
    from: String,
    raw: String,
}

impl Sink {
    fn start() -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("/usr/bin/python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                "-l",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the notification tests need Debian's python3-aiosmtpd: run scripts/test.sh");
        let sink = Sink {
            child,
            port,
            maildir,
            _dir: dir,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return sink;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("aiosmtpd did not start on port {port}: is python3-aiosmtpd installed?");
    }

    fn received(&self) -> Vec<Received> {
        let new = self.maildir.join("new");
        let Ok(entries) = std::fs::read_dir(&new) else {
            return Vec::new();
        };
        entries
            .map(|e| {
                let raw = std::fs::read_to_string(e.unwrap().path()).unwrap();
                let header = |name: &str| {
                    raw.lines()
                        .find_map(|l| l.strip_prefix(name))
                        .unwrap_or_default()
                        .trim()
                        .to_owned()
                };
                Received {
                    to: header("X-RcptTo:"),
                    from: header("X-MailFrom:"),
                    raw: raw.clone(),
                }
            })
            .collect()
    }
}

fn smtp_url(port: u16) -> String {
    format!("smtp://127.0.0.1:{port}")
}

/// The Subject header with its RFC 2047 encoded words (`=?utf-8?b?…?=`) decoded.
fn subject_of(raw: &str) -> String {
    use base64::Engine as _;
    let raw = raw.replace("\r\n", "\n");
    let start = raw.find("\nSubject: ").unwrap() + "\nSubject: ".len();
    // The header goes on over lines that start with white space.
    let mut folded = String::new();
    for (i, line) in raw[start..].split('\n').enumerate() {
        if i > 0 && !line.starts_with([' ', '\t']) {
            break;
        }
        folded.push_str(line.trim_start());
        folded.push(' ');
    }
    folded
        .split_whitespace()
        .map(|word| {
            match word
                .strip_prefix("=?utf-8?b?")
                .and_then(|w| w.strip_suffix("?="))
            {
                Some(encoded) => String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(encoded)
                        .unwrap(),
                )
                .unwrap(),
                None => word.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The message's text (sent in base64).
fn text_of(message: &Received) -> String {
    use base64::Engine as _;
    let raw = message.raw.replace("\r\n", "\n");
    let (headers, body) = raw.split_once("\n\n").unwrap();
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("content-transfer-encoding: base64"),
        "{headers}"
    );
    let joined: String = body.split_whitespace().collect();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(joined)
            .unwrap(),
    )
    .unwrap()
}

async fn digests_of_what_is_due(backend: Backend) {
    let sink = Sink::start();
    let server = Server::start_with(backend, "notify", |config| {
        config.policy.login_burst = 10_000;
        config.mail = Some(MailConfig {
            smtp_url: smtp_url(sink.port),
            from: "sansho <sansho@provider.test>".to_owned(),
        });
    })
    .await;
    let demo = server.demo().await;
    let engagement = demo.engagement.clone();
    let ops = format!("/engagements/{engagement}/operations");
    let editor = login(&server.url, user(&demo, Role::ProviderEditor), 0).await;
    let today = sansho_store::Time::now().date_in_japan();

    // A report of a past period whose due day has passed.
    let r = editor
        .post(
            &format!("{ops}/reports"),
            &[
                ("kind", "operation"),
                ("period_from", "2026-01-01"),
                ("period_to", "2026-01-31"),
                ("due_on", "2026-02-10"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);

    let sent = notify::send_digests(&server.state, &today).await.unwrap();
    let acting = [
        Role::ProviderEditor,
        Role::ProviderApprover,
        Role::InstitutionSignatory,
        Role::InstitutionReviewer,
    ];
    assert_eq!(
        sent,
        Sent {
            mails: acting.len(),
            already: 0,
            failed: 0
        }
    );
    let messages = sink.received();
    assert_eq!(messages.len(), acting.len());
    for role in acting {
        let address = &user(&demo, role).email;
        let message = messages
            .iter()
            .find(|m| m.to.contains(address.as_str()))
            .unwrap_or_else(|| panic!("{role:?} ({address}) gets a digest"));
        assert_eq!(message.from, "sansho@provider.test");
        let raw = &message.raw;
        let subject = subject_of(raw);
        assert!(
            subject.starts_with("[sansho] 要対応・期限 ")
                && subject.contains("items need attention"),
            "{subject}"
        );
        let text = text_of(message);
        assert!(
            text.contains("運用状況報告") && text.contains("2026-02-10"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "{}/engagements/{engagement}/operations",
                server.url
            )),
            "{text}"
        );
        assert!(text.contains("ひので内科クリニック"), "{text}");
    }
    let auditor = &user(&demo, Role::Auditor).email;
    assert!(
        messages.iter().all(|m| !m.to.contains(auditor.as_str())),
        "the auditor only reads; it is not asked to act"
    );

    // The same day again: nothing more is sent, and the log says what was.
    let again = notify::send_digests(&server.state, &today).await.unwrap();
    assert_eq!((again.mails, again.already), (0, acting.len()));
    assert_eq!(sink.received().len(), acting.len());
    let export = sansho_server::service::export::audit(&server.state)
        .await
        .unwrap();
    let notified: Vec<_> = export
        .entries
        .iter()
        .filter(|e| e.action == "notification.sent")
        .collect();
    assert_eq!(notified.len(), acting.len());
    assert!(
        notified
            .iter()
            .all(|e| e.details["day"] == today.as_str() && e.details["items"].as_u64() >= Some(1))
    );
    let verification =
        sansho_store::audit::verify(&export, Some(&server.state.keys.public_key_hex()));
    assert!(verification.is_intact(), "{:?}", verification.problems);
}

/// A relay that cannot be reached: nothing is recorded as sent, so a later run sends it.
async fn a_relay_that_refuses(backend: Backend) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let server = Server::start_with(backend, "notifyrefused", |config| {
        config.mail = Some(MailConfig {
            smtp_url: smtp_url(port),
            from: "sansho@provider.test".to_owned(),
        });
    })
    .await;
    let demo = server.demo().await;
    let editor = login(&server.url, user(&demo, Role::ProviderEditor), 0).await;
    let r = editor
        .post(
            &format!("/engagements/{}/operations/reports", demo.engagement),
            &[
                ("kind", "supervision"),
                ("period_from", "2026-01-01"),
                ("period_to", "2026-01-31"),
                ("due_on", "2026-02-10"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let head = server.store().audit_head().await.unwrap().map(|e| e.seq);
    let today = sansho_store::Time::now().date_in_japan();
    let sent = notify::send_digests(&server.state, &today).await.unwrap();
    assert_eq!((sent.mails, sent.failed), (0, 4), "{sent:?}");
    assert_eq!(
        server.store().audit_head().await.unwrap().map(|e| e.seq),
        head
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digests_of_what_is_due_on_sqlite() {
    digests_of_what_is_due(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digests_of_what_is_due_on_postgres() {
    digests_of_what_is_due(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_refuses_on_sqlite() {
    a_relay_that_refuses(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_refuses_on_postgres() {
    a_relay_that_refuses(Backend::Postgres).await;
}
