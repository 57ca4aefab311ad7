//! Strings in the formats a client configuration is written in, read back unchanged by the
//! clients' parsers whatever they hold. JSON is written by serde_json and shell words by
//! `invocation::shell_quote`; TOML and YAML are written here, one escaping function each.

use std::fmt::Write;

/// A TOML basic string (`"…"`). TOML forbids control characters other than tab in one, and
/// `"` and `\` end or start an escape: all are escaped, as is every other control character.
pub fn toml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || is_line_separator(c) => escape(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A YAML double-quoted scalar. Only printable characters may stand as themselves, and
/// libyaml (serde_yaml, goose) reads NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR as line
/// breaks, which a quoted scalar folds into a space: everything else is escaped.
pub fn yaml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if yaml_printable(c) => out.push(c),
            c => escape(&mut out, c),
        }
    }
    out.push('"');
    out
}

/// YAML's printable set (c-printable) without its line breaks.
fn yaml_printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !is_line_separator(c)
        && c != '\u{FEFF}'
}

/// U+2028 and U+2029: line breaks to YAML 1.1, JavaScript before ES2019 and some editors.
fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// `\uXXXX` or `\UXXXXXXXX`: the same in TOML and YAML.
fn escape(out: &mut String, c: char) {
    let code = u32::from(c);
    let _ = if code <= 0xFFFF { write!(out, "\\u{code:04X}") } else { write!(out, "\\U{code:08X}") };
}

#[cfg(test)]
#[path = "quote_tests.rs"]
mod tests;
