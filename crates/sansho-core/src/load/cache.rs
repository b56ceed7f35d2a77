//! Parses of model text kept by the text itself, so that loading a model again parses only what
//! changed: `sansho watch` after a save, the server when a new version shares most files with
//! the last.
//!
//! What is kept is a piece of a file as [`super::split`] cuts it (or a whole small file), parsed
//! with positions relative to the piece. A piece found again is copied and moved to where it now
//! lies ([`crate::model::rebase`]): an edit above it only moves it. Only pieces that parsed
//! without a problem are kept; anything else is parsed again, so diagnostics are always made
//! fresh, with the file they belong to.
//!
//! The key is the whole text (compared in full, not by a hash that could collide) together with
//! the limits it was parsed under, so text that one caller's limits refused is never handed to a
//! caller with stricter ones.

use std::sync::Arc;

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::model::raw::RawFile;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    text: String,
    max_depth: usize,
    max_aliases: usize,
}

/// Memory a kept parse is counted at: its text, and about three times the text for the values.
#[derive(Clone)]
struct ByText;

impl Weighter<Key, Arc<RawFile>> for ByText {
    fn weight(&self, key: &Key, _: &Arc<RawFile>) -> u64 {
        u64::try_from(key.text.len())
            .unwrap_or(u64::MAX)
            .saturating_mul(4)
            + 256
    }
}

/// Parses kept by their text, bounded in memory; safe to share between threads.
pub struct ParseCache {
    kept: Cache<Key, Arc<RawFile>, ByText>,
}

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParseCache")
            .field("pieces", &self.kept.len())
            .field("weight", &self.kept.weight())
            .finish()
    }
}

impl ParseCache {
    /// A cache that keeps about `max_bytes` of parsed model (counted as four times the text).
    pub fn new(max_bytes: u64) -> Self {
        // Pieces average about 70 KiB of text (`split`); the estimate only sizes the table.
        let estimated_items = usize::try_from(max_bytes / (280 << 10)).unwrap_or(1024);
        ParseCache {
            kept: Cache::with_weighter(estimated_items.max(16), max_bytes, ByText),
        }
    }

    /// The kept parse of `text` under `limits`, parsing and keeping it if there is none.
    /// `parse` must record positions relative to `text` itself.
    pub(crate) fn get_or_parse(
        &self,
        text: &str,
        max_depth: usize,
        max_aliases: usize,
        parse: impl FnOnce() -> Option<RawFile>,
    ) -> Option<Arc<RawFile>> {
        let key = Key {
            text: text.to_owned(),
            max_depth,
            max_aliases,
        };
        if let Some(kept) = self.kept.get(&key) {
            return Some(kept);
        }
        let parsed = Arc::new(parse()?);
        self.kept.insert(key, Arc::clone(&parsed));
        Some(parsed)
    }

    /// How many pieces are kept (for tests and diagnostics of the cache itself).
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }
}
