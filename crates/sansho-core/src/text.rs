//! Japanese-first text: every user-facing string exists in Japanese and English.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Output language. Japanese is the default because sansho's users work in Japanese.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

/// A text in both languages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Localized {
    pub ja: String,
    pub en: String,
}

impl Localized {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Localized {
            ja: ja.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            // Fall back to the other language rather than print nothing.
            Lang::Ja if !self.ja.is_empty() => &self.ja,
            Lang::En if !self.en.is_empty() => &self.en,
            Lang::Ja => &self.en,
            Lang::En => &self.ja,
        }
    }
}

/// Builds a [`Localized`] from two `format!` templates sharing the same arguments.
#[macro_export]
macro_rules! loc {
    ($ja:expr, $en:expr $(,)?) => {
        $crate::text::Localized::new(format!($ja), format!($en))
    };
}
