//! The store conformance suite on PostgreSQL. `SANSHO_TEST_POSTGRES` names a server to create
//! scratch databases on (`scripts/test.sh` starts one on loopback); without it the test fails,
//! because a suite that skips proves nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly on purpose.

use sansho_store_postgres::PgStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_store_conformance_suite() {
    let url = sansho_store_postgres::testing::scratch_database("conformance").await;
    let store = PgStore::connect(&url).await.unwrap();
    sansho_store::conformance::run(std::sync::Arc::new(store.clone())).await;
    store.close().await;
}
