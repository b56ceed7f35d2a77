//! The command line's file access: reading model files under a confinement policy, reading
//! other inputs within budgets, and writing outputs so that a failure never destroys what was
//! there before.
//!
//! Models: a model is read from its directory (the *root*: the entry file's directory) and from
//! the extra roots the user allows with `--include-root`. The core has already refused include
//! paths that leave these directories lexically; here symbolic links are resolved and checked,
//! only regular files are opened (a FIFO or a device is never opened, so nothing can block), and
//! sizes are checked before and while reading.

use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use sansho_core::load::{ReadError, SourceProvider};

/// Reads a model's files, confined to its root and the extra roots.
pub struct ModelFiles {
    /// The root as resolved on disk (no symbolic links).
    root: PathBuf,
    /// Extra roots as resolved on disk.
    extra_roots: Vec<PathBuf>,
}

/// A model to load: where its files may be read from, and the names the core should use.
pub struct ModelLocation {
    pub files: ModelFiles,
    /// The entry file's name, relative to the root.
    pub entry: String,
    /// The extra roots, relative to the root (what the core's `Limits::include_roots` takes).
    pub include_roots: Vec<String>,
    /// The root as the user wrote it, with a trailing `/` (empty for the working directory),
    /// put before the root-relative paths the core reports.
    pub display_prefix: String,
}

impl ModelLocation {
    /// The model whose entry file is `entry`, with `include_roots` allowed besides its directory.
    pub fn new(entry: &Path, include_roots: &[PathBuf]) -> anyhow::Result<ModelLocation> {
        let Some(name) = entry.file_name() else {
            bail!("{} is not a file name", entry.display());
        };
        let parent = entry.parent().unwrap_or(Path::new(""));
        let dir = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let root = dir
            .canonicalize()
            .with_context(|| format!("cannot open the model's directory {}", dir.display()))?;
        let mut extra_roots = Vec::new();
        let mut relative = Vec::new();
        for extra in include_roots {
            let resolved = extra
                .canonicalize()
                .with_context(|| format!("cannot open the include root {}", extra.display()))?;
            if !resolved.is_dir() {
                bail!("the include root {} is not a directory", extra.display());
            }
            relative.push(relative_path(&root, &resolved));
            extra_roots.push(resolved);
        }
        let display_prefix = if parent.as_os_str().is_empty() {
            String::new()
        } else {
            format!("{}/", parent.display())
        };
        Ok(ModelLocation {
            files: ModelFiles { root, extra_roots },
            entry: name.to_string_lossy().into_owned(),
            include_roots: relative,
            display_prefix,
        })
    }
}

/// `to` written relative to `from` (both absolute and resolved): `../shared` and the like.
fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to[common..] {
        out.push(part.as_os_str());
    }
    out.to_string_lossy().into_owned()
}

impl ModelFiles {
    /// The model's directory, resolved.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// `root` joined with a root-relative path from the core, `..` folded lexically.
pub fn lexical_join(root: &Path, path: &str) -> PathBuf {
    PathBuf::from(sansho_core::load::normalize(&root.join(path)))
}

impl SourceProvider for ModelFiles {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        let resolved = resolve(&self.root.join(path))?;
        let inside = resolved.starts_with(&self.root)
            || self.extra_roots.iter().any(|r| resolved.starts_with(r));
        if !inside {
            return Err(ReadError::OutsideRoot);
        }
        read_regular_file(&resolved, max_bytes)
    }
}

/// The path with every symbolic link resolved.
fn resolve(path: &Path) -> Result<PathBuf, ReadError> {
    path.canonicalize().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound,
        // ELOOP: the kind is unstable in std, the raw code is not.
        _ if e.raw_os_error() == Some(40) => ReadError::SymlinkLoop,
        _ => ReadError::Other(describe_io(&e)),
    })
}

/// Reads a regular file of at most `max_bytes`. Anything else (a directory, a FIFO, a device, a
/// socket) is refused before it is opened, and again after (in case it was swapped meanwhile;
/// the file is opened non-blocking, so even then nothing waits).
pub fn read_regular_file(path: &Path, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound,
        _ => ReadError::Other(describe_io(&e)),
    })?;
    check_regular(&metadata)?;
    if metadata.len() > max_bytes as u64 {
        return Err(ReadError::TooLarge {
            size: metadata.len(),
        });
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| ReadError::Other(describe_io(&e)))?;
    let metadata = file
        .metadata()
        .map_err(|e| ReadError::Other(describe_io(&e)))?;
    check_regular(&metadata)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    // One byte past the limit, so a file that grew after `metadata` is still caught.
    file.take(max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Other(describe_io(&e)))?;
    if bytes.len() > max_bytes {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

fn check_regular(metadata: &std::fs::Metadata) -> Result<(), ReadError> {
    use std::os::unix::fs::FileTypeExt;
    let t = metadata.file_type();
    let kind = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "directory"
    } else if t.is_fifo() {
        "FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "device"
    } else if t.is_socket() {
        "socket"
    } else {
        "special file"
    };
    Err(ReadError::NotRegularFile { kind })
}

/// An I/O error in words a user can act on (the OS text, without Rust's debug form).
pub fn describe_io(error: &std::io::Error) -> String {
    match error.raw_os_error() {
        Some(libc::ENOSPC) => "no space left on the disk".to_owned(),
        Some(libc::EDQUOT) => "disk quota exceeded".to_owned(),
        Some(libc::EACCES) | Some(libc::EPERM) => "permission denied".to_owned(),
        Some(libc::EROFS) => "the file system is read-only".to_owned(),
        _ => {
            // std's Display ends with " (os error N)"; keep the words.
            let text = error.to_string();
            match text.rfind(" (os error") {
                Some(i) => text[..i].to_owned(),
                None => text,
            }
        }
    }
}

/// Reads an input named on the command line (a knowledge-base file, a JSON result) within
/// `max_bytes`, with a message that names the file and what is wrong.
pub fn read_input(path: &Path, what: &str, max_bytes: usize) -> anyhow::Result<Vec<u8>> {
    read_regular_file(path, max_bytes).map_err(|e| match e {
        ReadError::TooLarge { size } => anyhow::anyhow!(
            "{what} {} is too large ({size} bytes; the limit is {max_bytes})",
            path.display()
        ),
        ReadError::NotFound => anyhow::anyhow!("{what} {} not found", path.display()),
        other => anyhow::anyhow!("cannot read {what} {}: {other}", path.display()),
    })
}

/// Whether to replace what is at an output path that sansho would not replace on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overwrite {
    /// Refuse symbolic links and files sansho did not write.
    Safe,
    /// `--force`: replace them.
    Force,
}

/// Checks that `path` may be written as a file: not a directory, and not a symbolic link
/// unless forced (writing would follow it to its target, or replace the link).
pub fn check_output_file(path: &Path, overwrite: Overwrite) -> anyhow::Result<()> {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if metadata.is_dir() {
        bail!("{} is a directory, not a file", path.display());
    }
    if metadata.file_type().is_symlink() && overwrite == Overwrite::Safe {
        bail!(
            "{} is a symbolic link; sansho does not write through links (use --force to replace the link with the file)",
            path.display()
        );
    }
    Ok(())
}

/// Writes one file atomically: into a temporary file beside it, synced, then renamed over the
/// target. On any error the target is untouched and the temporary file removed.
pub fn write_file(
    path: &Path,
    overwrite: Overwrite,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    check_output_file(path, overwrite)?;
    if is_special_file(path) {
        return write_through(path, write);
    }
    let staged = stage(path, write)?;
    commit(vec![staged])
}

/// A device, FIFO or socket (`-o /dev/null`, a pipe): written into, never replaced. Renaming a
/// file over it would replace `/dev/null` itself for everyone.
fn is_special_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn write_through(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let fail =
        |e: std::io::Error| anyhow::anyhow!("cannot write {}: {}", path.display(), describe_io(&e));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(fail)?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
    write(&mut writer).map_err(fail)?;
    writer.flush().map_err(fail)
}

/// A file written in full beside its target, not yet in place.
pub struct Staged {
    temp: tempfile::NamedTempFile,
    target: PathBuf,
}

/// Writes a temporary file in `target`'s directory and syncs it to disk.
pub fn stage(
    target: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<Staged> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |e: std::io::Error| {
        anyhow::anyhow!("cannot write {}: {}", target.display(), describe_io(&e))
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".sansho-").suffix(".tmp");
    // A temporary file is private (0600); a report is an ordinary file, so it gets the mode
    // `File::create` would give it (0666 less the umask, applied by open(2)).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let temp = builder.tempfile_in(dir).map_err(fail)?;
    {
        let mut writer = std::io::BufWriter::with_capacity(1 << 20, temp.as_file());
        write(&mut writer).map_err(fail)?;
        writer.flush().map_err(fail)?;
    }
    temp.as_file().sync_all().map_err(fail)?;
    Ok(Staged {
        temp,
        target: target.to_path_buf(),
    })
}

/// Puts staged files in place, each by one rename, then syncs their directories so the renames
/// survive a crash.
pub fn commit(staged: Vec<Staged>) -> anyhow::Result<()> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for Staged { temp, target } in staged {
        temp.persist(&target).map_err(|e| {
            anyhow::anyhow!(
                "cannot put {} in place: {}",
                target.display(),
                describe_io(&e.error)
            )
        })?;
        if let Some(dir) = target.parent().filter(|d| !dirs.iter().any(|x| x == d)) {
            dirs.push(dir.to_path_buf());
        }
    }
    for dir in dirs {
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        if let Ok(handle) = std::fs::File::open(&dir) {
            // Not every file system can sync a directory; the data itself is already synced.
            let _ = handle.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_resolved_directories() {
        assert_eq!(
            relative_path(Path::new("/a/b/model"), Path::new("/a/b/shared")),
            "../shared"
        );
        assert_eq!(
            relative_path(Path::new("/a/b"), Path::new("/a/b/c/d")),
            "c/d"
        );
        assert_eq!(relative_path(Path::new("/a/b"), Path::new("/x")), "../../x");
    }
}
