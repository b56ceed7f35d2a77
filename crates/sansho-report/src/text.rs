//! Text from the model made safe to show in every format: characters a reader cannot see but
//! that change what is shown — control characters, and the bidirectional and zero-width
//! formatting characters that can make a name read differently from what it is (U+202E turns
//! text around) — are written as visible `[U+XXXX]` marks. Each format's own escaping
//! (markup, table syntax) comes after this.

use std::borrow::Cow;

/// Whether `c` is invisible and changes how the text around it is shown.
fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// `text` with every hidden formatting or control character written as `[U+XXXX]`; tabs and
/// line breaks are kept (each format decides what to do with them).
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&format!("[U+{:04X}]", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn hidden_characters_become_visible_marks_and_the_rest_is_kept() {
        assert_eq!(visible("診察室"), "診察室");
        assert_eq!(visible("abc\u{202e}fdp.exe"), "abc[U+202E]fdp.exe");
        assert_eq!(
            visible("a\u{1b}[31mb\u{200b}c\u{feff}"),
            "a[U+001B][31mb[U+200B]c[U+FEFF]"
        );
        assert_eq!(visible("tab\tand\nline"), "tab\tand\nline");
    }
}
