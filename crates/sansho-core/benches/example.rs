//! Load and assess the bundled example: the "well under a second" promise, measured.
//! Run: `cargo bench -p sansho-core --bench example`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use sansho_core::load::{self, Limits, MemoryProvider};

fn example_provider() -> MemoryProvider {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ehr-saas");
    let mut provider = MemoryProvider::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        provider = provider.with(&format!("ehr-saas/{name}"), std::fs::read(&path).unwrap());
    }
    provider
}

fn bench(c: &mut Criterion) {
    let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
    let provider = example_provider();
    let limits = Limits::default();
    c.bench_function("load+validate example (63 flows)", |b| {
        b.iter(|| load::load("ehr-saas/sansho.yaml", &provider, kb, &limits));
    });
    let loaded = load::load("ehr-saas/sansho.yaml", &provider, kb, &limits);
    let model = loaded.model.as_ref().unwrap();
    c.bench_function("assess example (1,022 risks)", |b| {
        b.iter(|| sansho_core::engine::assess(model, kb, &loaded.sources));
    });
    c.bench_function("serialize result to JSON", |b| {
        let assessment = sansho_core::engine::assess(model, kb, &loaded.sources);
        b.iter(|| serde_json::to_vec(&assessment).unwrap());
    });
    c.bench_function("builtin knowledge base parse", |b| {
        b.iter(|| {
            let files: Vec<(sansho_core::FileId, &str)> = sansho_core::kb::load::BUILTIN_FILES
                .iter()
                .enumerate()
                .map(|(i, (_, t))| (sansho_core::FileId(i as u32), *t))
                .collect();
            sansho_core::kb::load::with_overrides(kb, &files).unwrap()
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
