//! The store conformance suite on SQLite (the same suite runs on PostgreSQL).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use sansho_store_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_store_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("sansho.db"))
        .await
        .unwrap();
    sansho_store::conformance::run(std::sync::Arc::new(store.clone())).await;
    // A restored copy holds every record and verifies.
    let copy = dir.path().join("copy.db");
    store.backup(&copy).await.unwrap();
    let restored = SqliteStore::open(&copy).await.unwrap();
    sansho_store::conformance::same_records(&store, &restored).await;
}
