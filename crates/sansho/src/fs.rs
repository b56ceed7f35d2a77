//! Reading model files from disk for the core, which does no I/O itself.

use std::io::Read;

use sansho_core::load::{ReadError, SourceProvider};

/// Reads files relative to the working directory, refusing anything over the size limit before
/// reading it.
pub struct FsProvider;

impl SourceProvider for FsProvider {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        let file = std::fs::File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Other(e.to_string()),
        })?;
        let metadata = file
            .metadata()
            .map_err(|e| ReadError::Other(e.to_string()))?;
        if metadata.is_dir() {
            return Err(ReadError::Other("is a directory".into()));
        }
        if metadata.len() > max_bytes as u64 {
            return Err(ReadError::TooLarge {
                size: metadata.len(),
            });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
        // Read one byte past the limit so a file that grew after `metadata` is still caught.
        file.take(max_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ReadError::Other(e.to_string()))?;
        if bytes.len() > max_bytes {
            return Err(ReadError::TooLarge {
                size: bytes.len() as u64,
            });
        }
        Ok(bytes)
    }
}
