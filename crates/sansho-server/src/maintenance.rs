//! Keeping the record (保存性・見読性): backups that restore into a working, verifying
//! instance, and the audit export an auditor checks offline.
//!
//! A backup is a directory: the database copy (SQLite's online `VACUUM INTO`, or `pg_dump`'s
//! custom format, which `pg_restore` reads), and `manifest.json` with the backend, the copy's
//! SHA-256, the audit chain's head at the time and the server's public key. Restoring checks the
//! copy against the manifest, restores it, and verifies the whole chain and every record against
//! the key before saying it is done. The server's keys are *not* in the backup: they are secrets
//! and are kept apart from the data (docs/server.md).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use sansho_store::Store;
use sansho_store::audit::{self, Verification};

use crate::config::Database;

const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "sansho.db";
const POSTGRES_FILE: &str = "sansho.pgdump";

/// What a backup holds, written next to the copy.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub backend: String,
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub created_at: String,
    pub sansho_version: String,
    /// The audit chain's last entry when the copy was taken (sequence, hash).
    pub audit_head: Option<(u64, String)>,
    /// The server's public key (hex), to verify the restored chain's checkpoints.
    pub public_key: String,
}

const MANIFEST_FORMAT: &str = "sansho-backup/1";

fn sha256_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok((hex::encode(hasher.finalize()), total))
}

fn pg_tool(name: &str) -> PathBuf {
    // Debian puts the client tools of every installed version under /usr/lib/postgresql/N/bin
    // and a wrapper in /usr/bin; the wrapper is what PATH finds.
    PathBuf::from(name)
}

fn run_tool(mut command: Command, what: &str) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("cannot run {what} (is PostgreSQL's client installed?)"))?;
    if !output.status.success() {
        bail!(
            "{what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Writes a consistent copy of the database into `out` (a new directory). The server may keep
/// running: SQLite copies inside a read transaction, `pg_dump` in one snapshot.
pub async fn backup(database: &Database, public_key: &str, out: &Path) -> anyhow::Result<Manifest> {
    if out.exists() {
        bail!(
            "{} exists already: name a new directory for the backup",
            out.display()
        );
    }
    if let Database::Sqlite(path) = database
        && !path.is_file()
    {
        bail!("there is no database at {}", path.display());
    }
    let store = crate::open_store(database).await?;
    // The head is read before the copy: the copy holds at least this much of the chain.
    let audit_head = store.audit_head().await?.map(|e| (e.seq, e.hash));
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (backend, file) = match database {
        Database::Sqlite(path) => {
            let target = out.join(SQLITE_FILE);
            let sqlite = sansho_store_sqlite::SqliteStore::open(path).await?;
            sqlite.backup(&target).await?;
            sqlite.close().await;
            ("sqlite", SQLITE_FILE)
        }
        Database::Postgres(url) => {
            let target = out.join(POSTGRES_FILE);
            let mut command = Command::new(pg_tool("pg_dump"));
            command
                .arg("--format=custom")
                .arg("--no-owner")
                .arg("--file")
                .arg(&target)
                .arg(url);
            run_tool(command, "pg_dump")?;
            ("postgres", POSTGRES_FILE)
        }
    };
    let (sha256, bytes) = sha256_file(&out.join(file))?;
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_owned(),
        backend: backend.to_owned(),
        file: file.to_owned(),
        sha256,
        bytes,
        created_at: jiff::Timestamp::now().to_string(),
        sansho_version: env!("CARGO_PKG_VERSION").to_owned(),
        audit_head,
        public_key: public_key.to_owned(),
    };
    std::fs::write(out.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    Ok(manifest)
}

/// Reads and checks a backup's manifest and copy.
pub fn read_backup(dir: &Path) -> anyhow::Result<Manifest> {
    let text = std::fs::read(dir.join(MANIFEST))
        .with_context(|| format!("{} is not a sansho backup (no {MANIFEST})", dir.display()))?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .with_context(|| format!("{MANIFEST} in {} is not readable", dir.display()))?;
    if manifest.format != MANIFEST_FORMAT {
        bail!("backup format {} is not {MANIFEST_FORMAT}", manifest.format);
    }
    if manifest.file.contains(['/', '\\']) || manifest.file.starts_with('.') {
        bail!("the manifest names an unexpected file {:?}", manifest.file);
    }
    let (sha256, bytes) = sha256_file(&dir.join(&manifest.file))?;
    if sha256 != manifest.sha256 || bytes != manifest.bytes {
        bail!(
            "{} does not match its manifest (SHA-256 {sha256}, expected {}): the backup is damaged",
            manifest.file,
            manifest.sha256
        );
    }
    Ok(manifest)
}

/// What a restore found.
pub struct Restored {
    pub manifest: Manifest,
    pub verification: Verification,
}

/// Restores the backup in `dir` into `database`, which must be new (a SQLite path that does not
/// exist, or an empty PostgreSQL database), then verifies the chain and every record. The
/// server must not be running on `database`.
///
/// `trusted_key` is the server's public key as the operator knows it (from its key files):
/// without it the chain is checked against the key the backup names, which proves that the copy
/// is whole but not whose it is.
pub async fn restore(
    dir: &Path,
    database: &Database,
    trusted_key: Option<&str>,
) -> anyhow::Result<Restored> {
    let manifest = read_backup(dir)?;
    if let Some(key) = trusted_key
        && key != manifest.public_key
    {
        bail!(
            "the backup names the server key {}, not this server's {key}: restore it with the keys of the server that made it",
            manifest.public_key
        );
    }
    let source = dir.join(&manifest.file);
    match (database, manifest.backend.as_str()) {
        (Database::Sqlite(path), "sqlite") => {
            if path.exists() {
                bail!(
                    "{} exists already: restore into a new file, then move it into place with the server stopped",
                    path.display()
                );
            }
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let staging = tempfile::NamedTempFile::new_in(parent)
                .with_context(|| format!("cannot write in {}", parent.display()))?;
            std::fs::copy(&source, staging.path())?;
            staging.as_file().sync_all()?;
            staging
                .persist_noclobber(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
        }
        (Database::Postgres(url), "postgres") => {
            if !sansho_store_postgres::is_empty_database(url).await? {
                bail!(
                    "the database at the URL is not empty: restore into a new database (createdb), then point the server at it"
                );
            }
            let mut command = Command::new(pg_tool("pg_restore"));
            command
                .arg("--no-owner")
                .arg("--exit-on-error")
                .arg("--single-transaction")
                .arg("--dbname")
                .arg(url)
                .arg(&source);
            run_tool(command, "pg_restore")?;
        }
        (_, backend) => bail!("this is a {backend} backup; restore it into a {backend} database"),
    }
    let store = crate::open_store(database).await?;
    let verification =
        verify_store(store.as_ref(), trusted_key.unwrap_or(&manifest.public_key)).await?;
    if let Some((seq, hash)) = &manifest.audit_head {
        let restored_head = store.audit_head().await?.map(|e| (e.seq, e.hash));
        let holds = store
            .audit_entries(*seq, *seq)
            .await?
            .first()
            .map(|e| (e.seq, e.hash.clone()));
        if holds.as_ref() != Some(&(*seq, hash.clone())) {
            bail!(
                "the restored log does not hold entry {seq} as the manifest records it (restored head {restored_head:?})"
            );
        }
    }
    Ok(Restored {
        manifest,
        verification,
    })
}

/// Exports the whole record and verifies it against `public_key`.
pub async fn verify_store(store: &dyn Store, public_key: &str) -> anyhow::Result<Verification> {
    let export = audit::export(store, public_key).await?;
    Ok(audit::verify(&export, Some(public_key)))
}
