//! Loading, validation, assessment and comparison of generated regional networks
//! (`sansho generate`) at 1,000 and 10,000 flows. Whole runs up to 100,000 flows, with peak
//! memory and the side-by-side with pytm, are timed by `bench/compare.sh`.
//! Run: `cargo bench -p sansho-core --bench scale`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sansho_core::load::{self, Limits, MemoryProvider};

fn bench(c: &mut Criterion) {
    let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
    let limits = Limits::default();
    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    for flows in [1_000, 10_000] {
        let provider = MemoryProvider::new().with("model.yaml", sansho_gen::hospital(flows));
        group.bench_with_input(BenchmarkId::new("load+validate", flows), &flows, |b, _| {
            b.iter(|| load::load("model.yaml", &provider, kb, &limits));
        });
        let loaded = load::load("model.yaml", &provider, kb, &limits);
        let model = loaded.model.as_ref().unwrap();
        group.bench_with_input(BenchmarkId::new("assess", flows), &flows, |b, _| {
            b.iter(|| sansho_core::engine::assess(model, kb, &loaded.sources));
        });
        let assessment = sansho_core::engine::assess(model, kb, &loaded.sources);
        group.bench_with_input(BenchmarkId::new("compare", flows), &flows, |b, _| {
            b.iter(|| sansho_core::diff::compare(&assessment, &assessment));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
