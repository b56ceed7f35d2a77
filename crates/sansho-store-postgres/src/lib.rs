//! sansho-store-postgres: the sansho server's records in PostgreSQL.
//!
//! For deployments that outgrow one machine: several server processes, replicas, a managed
//! database. The queries are shared with the SQLite backend (`sansho-store-sql`); what is
//! PostgreSQL's own is here: connecting, the migrations, and the write lock, a transaction-level
//! advisory lock that serialises audit appends across every server process. Backups are
//! `pg_dump` archives (see `sansho serve backup`): the schema is plain tables, so a dump restored
//! into an empty database is the same store and verifies.

use std::time::Duration;

use sansho_store::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};

sansho_store_sql::sql_store!(PgStore, Postgres);

/// The advisory lock key that serialises appends to the audit chain ("sansho" in ASCII).
const AUDIT_LOCK: i64 = 0x7361_6e73_686f;

/// The store on a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) and migrates the database.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e| StoreError::Backend(format!("invalid database URL: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Backend(format!("cannot connect to the database: {e}")))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("cannot migrate the database: {e}")))?;
        Ok(PgStore { pool })
    }

    /// A writing transaction holding the audit lock until it ends.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'_, Postgres>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(sql_store_impl::db_error)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(AUDIT_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(sql_store_impl::db_error)?;
        Ok(tx)
    }

    /// Runs raw SQL (tests use it to tamper with rows as an attacker with database access would).
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&self.pool)
            .await
            .map_err(sql_store_impl::db_error)?;
        Ok(done.rows_affected())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Whether the database at `url` holds no table yet (a restore goes only into such a one).
pub async fn is_empty_database(url: &str) -> Result<bool, StoreError> {
    use sqlx::Connection as _;
    let mut connection = sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| StoreError::Backend(format!("cannot connect to the database: {e}")))?;
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_one(&mut connection)
    .await
    .map_err(sql_store_impl::db_error)?;
    Ok(tables == 0)
}

/// Scratch databases for tests of this crate and of the server.
#[cfg(feature = "testing")]
pub mod testing {
    use sqlx::Connection;

    /// Creates an empty database on the server named by `SANSHO_TEST_POSTGRES` and returns its
    /// URL. Panics without that variable: a suite that skips PostgreSQL proves nothing
    /// (`scripts/test.sh` starts a server on loopback and sets it).
    #[allow(clippy::panic, clippy::expect_used)] // Test support fails loudly.
    pub async fn scratch_database(name: &str) -> String {
        let server = std::env::var("SANSHO_TEST_POSTGRES").unwrap_or_else(|_| {
            panic!(
                "SANSHO_TEST_POSTGRES is not set: run scripts/test.sh, which starts PostgreSQL on \
                 loopback, or set it to a server URL such as postgres://postgres@127.0.0.1:54329"
            )
        });
        let server = server.trim_end_matches('/');
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .expect("cannot connect to SANSHO_TEST_POSTGRES");
        let db = format!("sansho_{name}_{}", std::process::id());
        for sql in [
            format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
            format!("CREATE DATABASE {db}"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
                .expect("cannot create a scratch database");
        }
        format!("{server}/{db}")
    }
}
