//! Helpers shared by the integration tests.

use sansho_core::load::{ReadError, SourceProvider};

/// Reads model files from disk, as the CLI does (the core itself never touches the disk).
pub struct DiskProvider;

impl SourceProvider for DiskProvider {
    fn read(&self, path: &str, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Other(e.to_string()),
        })?;
        if bytes.len() > max_bytes {
            return Err(ReadError::TooLarge {
                size: bytes.len() as u64,
            });
        }
        Ok(bytes)
    }
}
