//! `Sp<T>`: a value with the place it was written, as read by serde-saphyr.

use std::borrow::Cow;
use std::cell::Cell;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};

/// Position of a value inside its file (file-relative; the loader adds the [`crate::FileId`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
    pub len: u32,
}

/// A deserialised value together with its [`Pos`]. Its JSON Schema is the schema of `T`, so the
/// published model schema shows plain values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sp<T> {
    pub value: T,
    pub pos: Pos,
}

impl<T> Sp<T> {
    pub fn new(value: T, pos: Pos) -> Self {
        Sp { value, pos }
    }
}

impl<T> std::ops::Deref for Sp<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

thread_local! {
    /// Where the text being parsed on this thread starts inside its file, as (lines before it,
    /// bytes before it minus any prefix the parser was given); see [`with_base`].
    static BASE: Cell<(i64, i64)> = const { Cell::new((0, 0)) };
}

/// Runs `parse` with positions shifted by `lines` and `bytes`, for a piece of a file parsed on its
/// own (`load::split`): every [`Sp`] then records its position in the whole file.
pub(crate) fn with_base<R>(lines: i64, bytes: i64, parse: impl FnOnce() -> R) -> R {
    struct Restore((i64, i64));
    impl Drop for Restore {
        fn drop(&mut self) {
            BASE.set(self.0);
        }
    }
    let _restore = Restore(BASE.replace((lines, bytes)));
    parse()
}

fn shifted(value: u64, base: i64) -> u32 {
    let value = i64::try_from(value).unwrap_or(i64::MAX);
    u32::try_from(value.saturating_add(base)).unwrap_or(u32::MAX)
}

/// The position in its file of a value at `line` (1-based; 0 for unknown), `column` (1-based),
/// `offset` and `len` (bytes) of the text being parsed on this thread; see [`with_base`].
fn in_file(line: u64, column: u64, offset: Option<u64>, len: Option<u64>) -> Pos {
    let (line_base, byte_base) = BASE.get();
    Pos {
        // Line 0 means "unknown" and stays so.
        line: match line {
            0 => 0,
            line => shifted(line, line_base),
        },
        column: u32::try_from(column).unwrap_or(u32::MAX),
        offset: offset.map_or(0, |o| shifted(o, byte_base)),
        len: len.and_then(|l| u32::try_from(l).ok()).unwrap_or(0),
    }
}

/// [`in_file`] for a value read without the YAML parser (`load::one_line`).
pub(crate) fn pos_in_text(line: usize, column: usize, offset: usize, len: usize) -> Pos {
    let wide = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    in_file(
        wide(line),
        wide(column),
        Some(wide(offset)),
        Some(wide(len)),
    )
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        let location = spanned.referenced;
        let span = location.span();
        Ok(Sp {
            value: spanned.value,
            pos: in_file(
                location.line(),
                location.column(),
                span.byte_offset(),
                span.byte_len(),
            ),
        })
    }
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }
}
