//! Include resolution: the input becomes a set of files (`path\0text\0path\0text…`) and the
//! model `m/sansho.yaml` is loaded with `shared/` as an extra root. The loader may ask the
//! provider for files inside `m/` or `shared/` only, however the includes are written.
//! Run: `scripts/fuzz.sh` (all targets) or `cargo fuzz run -s none includes`.

#![no_main]

use std::cell::RefCell;
use std::path::{Component, Path};

use libfuzzer_sys::fuzz_target;
use sansho_core::load::{self, Limits, MemoryProvider, ReadError, SourceProvider};

struct Watched {
    inner: MemoryProvider,
    asked: RefCell<Vec<String>>,
}

impl SourceProvider for Watched {
    fn read(&self, path: &str, max: usize) -> Result<Vec<u8>, ReadError> {
        self.asked.borrow_mut().push(path.to_owned());
        self.inner.read(path, max)
    }
}

fn inside(path: &str, dir: &str) -> bool {
    let path = Path::new(path);
    path.starts_with(dir) && !path.components().any(|c| matches!(c, Component::ParentDir))
}

fuzz_target!(|data: &[u8]| {
    let Ok(kb) = sansho_core::kb::load::builtin() else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let mut provider = MemoryProvider::new();
    let entry_text = parts.next().unwrap_or("");
    provider = provider.with("m/sansho.yaml", format!("include: [{entry_text}]\n"));
    while let (Some(path), Some(body)) = (parts.next(), parts.next()) {
        provider = provider.with(path, body.as_bytes().to_vec());
    }
    let watched = Watched {
        inner: provider,
        asked: RefCell::new(Vec::new()),
    };
    let limits = Limits {
        include_roots: vec!["shared".into()],
        max_files: 50,
        ..Limits::default()
    };
    let _ = load::load("m/sansho.yaml", &watched, kb, &limits);
    for path in watched.asked.borrow().iter() {
        assert!(
            inside(path, "m") || inside(path, "shared"),
            "the loader asked for {path:?}, outside m/ and shared/"
        );
    }
});
