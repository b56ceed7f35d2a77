//! sansho-store-sqlite: the sansho server's records in one SQLite file, the default backend.
//!
//! Zero set-up: the file is created and migrated on first open. The queries are shared with the
//! PostgreSQL backend (`sansho-store-sql`); what is SQLite's own is here: the connection options
//! (WAL, foreign keys, a busy timeout), the write lock (`BEGIN IMMEDIATE`, so the audit chain's
//! read-then-append never races another writer) and the online backup (`VACUUM INTO`, a
//! consistent copy of a live database).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sansho_store::StoreError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

sansho_store_sql::sql_store!(SqliteStore, Sqlite);

/// The store on one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating and migrating when needed) the database at `path`.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true);
        Self::connect(options).await
    }

    /// Opens a database from a `sqlite:` URL (`sqlite::memory:` for tests).
    pub async fn open_url(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Backend(e.to_string()))?
            .create_if_missing(true);
        Self::connect(options).await
    }

    async fn connect(options: SqliteConnectOptions) -> Result<SqliteStore, StoreError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            // Every commit reaches the disk: the records are evidence.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Backend(format!("cannot open the database: {e}")))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("cannot migrate the database: {e}")))?;
        Ok(SqliteStore { pool })
    }

    /// A writing transaction that holds SQLite's write lock from its start.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'_, Sqlite>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(sql_store_impl::db_error)
    }

    /// Writes a consistent copy of the live database to `target` (which must not exist).
    pub async fn backup(&self, target: &Path) -> Result<(), StoreError> {
        let target = target
            .to_str()
            .ok_or_else(|| StoreError::Backend("the backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await
            .map_err(sql_store_impl::db_error)?;
        Ok(())
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
