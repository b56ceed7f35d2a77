//! Shared helpers: assess a model from disk or from text, as the CLI does.

#![allow(dead_code)]

use std::path::Path;

use sansho_core::Assessment;
use sansho_core::load::{Limits, MemoryProvider, ReadError, SourceProvider};

/// Reads files relative to the model's directory, as the CLI names them: documents show
/// `sites.yaml:130`, never a path of the machine they were made on.
pub struct DiskProvider {
    root: std::path::PathBuf,
}

impl SourceProvider for DiskProvider {
    fn read(&self, path: &str, _max: usize) -> Result<Vec<u8>, ReadError> {
        std::fs::read(self.root.join(path)).map_err(|_| ReadError::NotFound)
    }
}

pub fn kb() -> &'static sansho_core::KnowledgeBase {
    sansho_core::kb::load::builtin().as_ref().unwrap()
}

pub fn example() -> Assessment {
    bundled("ehr-saas")
}

/// A bundled example of `examples/`, assessed.
pub fn bundled(name: &str) -> Assessment {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let (_, a, d) = sansho_core::assess(
        "sansho.yaml",
        &DiskProvider { root },
        kb(),
        &Limits::default(),
    );
    a.unwrap_or_else(|| panic!("{d:#?}"))
}

pub fn from_text(text: &str) -> Assessment {
    let provider = MemoryProvider::new().with("model.yaml", text);
    let (_, a, d) = sansho_core::assess("model.yaml", &provider, kb(), &Limits::default());
    a.unwrap_or_else(|| panic!("{d:#?}"))
}

/// A small model whose strings try to escape every output format.
pub const HOSTILE: &str = r#"sansho: 1
system:
  id: hostile
  name: "<script>alert('sansho')</script> 検証用システム"
  provider: acme
  editions: [PGL-1.1]
  as_of: 2026-11-01
organizations:
  - {id: acme, name: "=HYPERLINK(\"http://example.invalid\",\"click\")", role: provider, certifications: [{scheme: isms, valid_until: 2027-01-01, covers_data_lifecycle: true}]}
  - {id: clinic, name: "クリニック | pipe & <b>bold</b>", role: institution}
locations:
  - {id: room, name: "+診察室", kind: room, country: JP}
  - {id: dc, name: "-DC\"quoted\"", kind: data_center, country: JP, physical_safeguards: [entry_control]}
assets:
  - {id: terminal, name: "@端末", kind: terminal, location: room, exposure: internal, authentication: [password]}
  - {id: db, name: "DB</svg><script>x()</script>", kind: database, location: dc, exposure: internal, holds: [record]}
connections:
  - {id: vpn, name: "VPN ]]> & --> end", kind: ipsec_vpn, ike: true}
actors:
  - {id: doctor, name: "医師 *強調* _下線_ `code` [link](http://example.invalid) ~~消~~ <img src=x onerror=alert(1)>", organization: clinic, kind: staff}
information:
  - {id: record, name: "=1+1", classification: medical, retention_years: 5, legal_record: true}
flows:
  - id: OP-01
    phase: operation
    layer: application
    who: doctor
    where: room
    which: terminal
    what: [record]
    how: [view, update]
    path: [terminal, vpn, db]
    description: "=cmd|' /C calc'!A0"
"#;
