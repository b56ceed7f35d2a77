//! sansho-server: `sansho serve`, where a provider and the medical institutions it serves meet.
//!
//! The provider publishes assessed versions of a system; each institution reviews what it is
//! asked to accept (above all, what it must do itself), asks questions, records minutes and
//! agrees; the provider countersigns; a changed system brings back only what changed. Every
//! step is kept as tamper-evident evidence (PGL 5.1.6, DOMAIN.md §10).
//!
//! Layout: [`routes`] is the one table of every route with who may call it; handlers in `web`
//! (HTML, askama) and `api` (JSON) are thin — they extract, make one call into `service`, and
//! map the result. Authentication, role and tenant scope are extractors (`access`), so a handler
//! without them does not compile. Storage is a [`sansho_store::Store`]; the core assesses
//! uploaded models from memory, under the same limits as the command line.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod access;
mod api;
pub mod auth;
pub mod background;
pub mod config;
pub mod demo;
pub mod error;
pub mod i18n;
pub mod keys;
pub mod maintenance;
pub mod openapi;
pub mod routes;
pub mod service;
pub mod state;
pub mod tls;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use sansho_store::Store;

pub use config::{Config, Database};
pub use state::AppState;

/// Opens the configured database (creating and migrating it when needed).
pub async fn open_store(database: &Database) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match database {
        Database::Sqlite(path) => Arc::new(
            sansho_store_sqlite::SqliteStore::open(path)
                .await
                .with_context(|| format!("cannot open {}", path.display()))?,
        ),
        Database::Postgres(url) => Arc::new(sansho_store_postgres::PgStore::connect(url).await?),
    })
}

/// The application: every route of [`routes::table`] with the layers around them.
pub fn app(state: AppState) -> axum::Router {
    routes::router(state)
}

/// Serves `app` on `listener` until the process ends: plain HTTP, or TLS when configured.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let tls = state.config.tls.clone();
    let header_read = state.config.limits.header_read;
    let router = app(state);
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let listener = listener.into_std()?;
    match tls {
        None => {
            let mut server = axum_server::from_tcp(listener)?;
            slow_clients_time_out(server.http_builder(), header_read);
            server.serve(service).await?;
        }
        Some(files) => {
            let mut server = axum_server::from_tcp_rustls(listener, tls::rustls_config(&files)?)?;
            slow_clients_time_out(server.http_builder(), header_read);
            server.serve(service).await?;
        }
    }
    Ok(())
}

/// A client must send a request's headers within `header_read`, and an HTTP/2 connection that
/// stops answering pings is closed: otherwise each slow or silent client holds a connection and
/// its task for as long as it likes.
fn slow_clients_time_out(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
    header_read: std::time::Duration,
) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_read);
    builder
        .http2()
        .timer(hyper_util::rt::TokioTimer::new())
        .keep_alive_interval(header_read)
        .keep_alive_timeout(header_read);
}
