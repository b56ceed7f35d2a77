//! What a store call can fail with. Backends map their database errors onto these, so the server
//! never sees a database type.

/// A failed store call.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value is taken (an e-mail address, a system key) or a record already exists.
    #[error("already exists: {0}")]
    Conflict(String),
    /// A record the change refers to does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The change no longer applies: the record moved on since it was read (for example a
    /// review on a version that is no longer the one under review).
    #[error("stale: {0}")]
    Stale(String),
    /// A stored value could not be read back (a corrupt or hand-edited row).
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// The database failed (connection, disk, lock timeout).
    #[error("database: {0}")]
    Backend(String),
}
