//! Source files handed to the core by its caller, and spans pointing into them.
//!
//! The core never reads files itself: the caller passes bytes in, and every diagnostic points
//! back with a [`Span`] made of a [`FileId`] plus line, column and byte range.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Index of a file in [`Sources`]; stable for one load.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct FileId(pub u32);

/// A place in a source file. Lines and columns are 1-based; columns count characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Span {
    pub file: FileId,
    pub line: u32,
    pub column: u32,
    /// Byte offset of the start in the file, when known.
    pub offset: u32,
    /// Length in bytes (0 when only a point is known).
    pub len: u32,
}

impl Span {
    pub fn point(file: FileId, line: u32, column: u32, offset: u32) -> Self {
        Span {
            file,
            line,
            column,
            offset,
            len: 0,
        }
    }
}

/// One loaded file: its display path and text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as the user should see it (relative to the working directory when possible).
    pub path: String,
    pub text: String,
}

/// All files that took part in a load, addressed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    /// Replaces the text of a file added before its text was decoded.
    pub fn set_text(&mut self, id: FileId, text: String) {
        if let Some(file) = self.files.get_mut(id.0 as usize) {
            file.text = text;
        }
    }

    /// Puts `prefix` before every path: the loader names files relative to the model's
    /// directory, and a caller shows them relative to where its user is.
    pub fn prefix_paths(&mut self, prefix: &str) {
        if prefix.is_empty() {
            return;
        }
        for file in &mut self.files {
            file.path.insert_str(0, prefix);
        }
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn path(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| f.path.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Converts a byte offset into a 1-based (line, column-in-characters) pair.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "a: 1\n名前: 患者\n";
        let offset = text.find("患者").unwrap_or(0);
        assert_eq!(line_col(text, offset), (2, 5));
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, text.len() + 10), (3, 1));
    }
}
