//! The directory `sansho report` writes into, treated as one set of files.
//!
//! All files of a run are written beside their targets first and put in place only when every
//! one of them succeeded, so a failure (a full disk, say) leaves the previous set as it was.
//! A small manifest (`.sansho-report`) lists the files sansho wrote there: those may be replaced
//! on the next run; any other file in the way, and any symbolic link, is refused unless the
//! user says `--force`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::fs::{self, Overwrite, Staged};

/// The manifest's file name in the output directory.
pub const MANIFEST: &str = ".sansho-report";
/// A manifest larger than this is not sansho's.
const MAX_MANIFEST_BYTES: usize = 1 << 20;

#[derive(Default, Serialize, Deserialize)]
struct Manifest {
    /// Files sansho wrote in this directory.
    files: BTreeSet<String>,
}

/// An output directory checked and ready to receive a run's files.
pub struct ReportSet {
    dir: PathBuf,
    /// Files of earlier runs (from the manifest).
    earlier: BTreeSet<String>,
    /// Files of this run.
    names: Vec<String>,
    overwrite: Overwrite,
}

/// Checks `dir` (creating it when missing) and that each of `names` may be written there.
pub fn prepare(dir: &Path, names: &[String], overwrite: Overwrite) -> anyhow::Result<ReportSet> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() && overwrite == Overwrite::Safe => bail!(
            "{} is a symbolic link; name the directory itself (or use --force to write into the link's target)",
            dir.display()
        ),
        Ok(_) if !dir.is_dir() => bail!("{} exists and is not a directory", dir.display()),
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!("cannot create {}: {}", dir.display(), fs::describe_io(&e))
        })?,
    }
    let earlier = read_manifest(dir).files;
    for name in names.iter().map(String::as_str).chain([MANIFEST]) {
        let target = dir.join(name);
        fs::check_output_file(&target, overwrite)?;
        let foreign = name != MANIFEST && !earlier.contains(name);
        if overwrite == Overwrite::Safe && foreign && std::fs::symlink_metadata(&target).is_ok() {
            bail!(
                "{} exists and was not written by sansho; move it away or use --force to replace it",
                target.display()
            );
        }
    }
    Ok(ReportSet {
        dir: dir.to_path_buf(),
        earlier,
        names: names.to_vec(),
        overwrite,
    })
}

/// Puts the staged files in place, then the manifest; says which files of earlier runs are left
/// as they were.
pub fn commit(set: ReportSet, staged: Vec<Staged>) -> anyhow::Result<()> {
    fs::commit(staged)?;
    let this_run: BTreeSet<String> = set.names.iter().cloned().collect();
    let kept: Vec<&String> = set
        .earlier
        .iter()
        .filter(|name| !this_run.contains(*name) && set.dir.join(name).exists())
        .collect();
    for name in &kept {
        eprintln!(
            "note: {} is from an earlier run (not written this time)",
            set.dir.join(name).display()
        );
    }
    let manifest = Manifest {
        files: this_run.iter().chain(kept).cloned().collect(),
    };
    let json = serde_json::to_vec_pretty(&manifest).context("cannot write the manifest")?;
    fs::write_file(&set.dir.join(MANIFEST), set.overwrite, |w| {
        w.write_all(&json)
    })
}

/// The manifest of `dir`; entries that are not plain file names are ignored.
fn read_manifest(dir: &Path) -> Manifest {
    let mut manifest: Manifest = fs::read_regular_file(&dir.join(MANIFEST), MAX_MANIFEST_BYTES)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    manifest.files.retain(|name| {
        let mut parts = Path::new(name).components();
        matches!(parts.next(), Some(std::path::Component::Normal(_)))
            && parts.next().is_none()
            && !name.chars().any(char::is_control)
    });
    manifest
}
