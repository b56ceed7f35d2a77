//! Time to write each deliverable for the bundled example, and for a generated regional network
//! of 1,000 flows (`sansho generate`).
//! Run: `cargo bench -p sansho-report --bench writers`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use sansho_core::Lang;
use sansho_core::load::{Limits, ReadError, SourceProvider};
use sansho_report::Format;

struct Disk;

impl SourceProvider for Disk {
    fn read(&self, path: &str, _max: usize) -> Result<Vec<u8>, ReadError> {
        std::fs::read(path).map_err(|_| ReadError::NotFound)
    }
}

fn bench(c: &mut Criterion) {
    let kb = sansho_core::kb::load::builtin().as_ref().unwrap();
    let entry = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ehr-saas/sansho.yaml");
    let (_, a, _) = sansho_core::assess(&entry.to_string_lossy(), &Disk, kb, &Limits::default());
    let a = a.unwrap();
    for format in Format::DEFAULT {
        c.bench_function(&format!("write {} (example)", format.name()), |b| {
            b.iter(|| {
                let mut out = Vec::new();
                sansho_report::write(format, &a, &sansho_report::Options::new(Lang::Ja), &mut out)
                    .unwrap();
                out
            });
        });
    }
    c.bench_function("render all formats (example)", |b| {
        b.iter(|| {
            sansho_report::render(&Format::DEFAULT, &a, &sansho_report::Options::new(Lang::Ja))
                .unwrap()
        })
    });

    let provider =
        sansho_core::load::MemoryProvider::new().with("model.yaml", sansho_gen::hospital(1_000));
    let (_, large, _) = sansho_core::assess("model.yaml", &provider, kb, &Limits::default());
    let large = large.unwrap();
    let mut group = c.benchmark_group("1,000 flows");
    group.sample_size(10);
    for format in Format::DEFAULT {
        group.bench_function(format!("write {}", format.name()), |b| {
            b.iter(|| {
                let mut out = Vec::new();
                sansho_report::write(
                    format,
                    &large,
                    &sansho_report::Options::new(Lang::Ja),
                    &mut out,
                )
                .unwrap();
                out
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
