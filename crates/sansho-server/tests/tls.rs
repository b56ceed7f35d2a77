//! TLS served directly takes TLS 1.3 and, for TLS 1.2, only the allow-listed ECDHE + AES-GCM
//! suites: a client offering only a suite outside the list (ChaCha20 under TLS 1.2) gets no
//! connection. A certificate that does not fit its key is refused at start with a clear error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use rustls::crypto::ring::{cipher_suite, default_provider};
use rustls::pki_types::CertificateDer;
use sansho_server::AppState;
use sansho_server::config::{Config, TlsFiles};
use sansho_server::keys::ServerKeys;

fn client(
    root: &CertificateDer<'static>,
    suites: Vec<rustls::SupportedCipherSuite>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> reqwest::Client {
    let mut provider = default_provider();
    provider.cipher_suites = suites;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_tls13_and_the_allow_listed_tls12_suites_connect() {
    let _ = rustls::crypto::CryptoProvider::install_default(sansho_server::tls::provider());
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let certificate = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&certificate, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let root = certified.cert.der().clone();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config = Config::new(listener.local_addr().unwrap(), dir.path().to_owned());
    config.tls = Some(TlsFiles {
        certificate: certificate.clone(),
        key: key.clone(),
    });
    config.public_url = format!("https://localhost:{port}");
    let store = sansho_server::open_store(&config.database).await.unwrap();
    let state = AppState::new(
        store,
        ServerKeys::load_or_create(&dir.path().join("keys")).unwrap(),
        config,
    )
    .unwrap();
    let task = tokio::spawn(async move { sansho_server::serve(state, listener).await });
    let url = format!("https://localhost:{port}/healthz");

    let tls13 = client(
        &root,
        vec![cipher_suite::TLS13_AES_128_GCM_SHA256],
        &[&rustls::version::TLS13],
    );
    let r = tls13.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let tls12_gcm = client(
        &root,
        vec![cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
        &[&rustls::version::TLS12],
    );
    assert_eq!(
        tls12_gcm.get(&url).send().await.unwrap().status().as_u16(),
        200
    );
    let tls12_chacha = client(
        &root,
        vec![cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256],
        &[&rustls::version::TLS12],
    );
    assert!(
        tls12_chacha.get(&url).send().await.is_err(),
        "a suite outside the allow-list gets no connection"
    );
    // Cookies are Secure and __Host- prefixed over HTTPS.
    let login = tls13
        .get(format!("https://localhost:{port}/login"))
        .send()
        .await
        .unwrap();
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(cookie.contains("Secure"), "{cookie}");
    task.abort();

    // A key that does not belong to the certificate is refused with the reason.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    std::fs::write(&key, other.signing_key.serialize_pem()).unwrap();
    let error = sansho_server::tls::config(&TlsFiles { certificate, key })
        .expect_err("a mismatched key is refused");
    assert!(format!("{error:#}").contains("do not fit"), "{error:#}");
}
