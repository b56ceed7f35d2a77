//! TLS served directly, configured as CRYPTREC's guideline for TLS (and the provider guideline)
//! ask: TLS 1.3 and TLS 1.2 only, and for 1.2 only ECDHE with AES-GCM; no CBC, no RSA key
//! exchange, no older protocol. Behind a reverse proxy that terminates TLS, leave it off.

use std::sync::Arc;

use anyhow::Context as _;
use rustls::ServerConfig;
use rustls::crypto::ring::{cipher_suite as cs, default_provider, kx_group};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::TlsFiles;

/// The allow-listed suites, strongest first.
pub fn provider() -> rustls::crypto::CryptoProvider {
    let mut p = default_provider();
    p.cipher_suites = vec![
        cs::TLS13_AES_256_GCM_SHA384,
        cs::TLS13_AES_128_GCM_SHA256,
        cs::TLS13_CHACHA20_POLY1305_SHA256,
        cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    p.kx_groups = vec![kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1];
    p
}

/// The server configuration from PEM files.
pub fn config(files: &TlsFiles) -> anyhow::Result<ServerConfig> {
    let certificates: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(&files.certificate)
            .with_context(|| {
                format!(
                    "cannot read the certificate {}",
                    files.certificate.display()
                )
            })?
            .collect::<Result<_, _>>()
            .with_context(|| {
                format!(
                    "{} is not a PEM certificate chain",
                    files.certificate.display()
                )
            })?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("cannot read the private key {}", files.key.display()))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .context("the TLS versions are not supported")?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .context("the certificate and key do not fit together")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The configuration `axum_server` serves TLS with.
pub fn rustls_config(files: &TlsFiles) -> anyhow::Result<axum_server::tls_rustls::RustlsConfig> {
    Ok(axum_server::tls_rustls::RustlsConfig::from_config(
        Arc::new(config(files)?),
    ))
}
