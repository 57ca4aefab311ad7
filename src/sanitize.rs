//! Make text that came from the network safe to show on a terminal.

/// Characters that reorder or hide text: bidi embeddings, overrides and isolates,
/// directional marks, zero-width characters, and Unicode tag characters (invisible text).
fn is_invisible_or_bidi(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}'
        | '\u{061C}'
        | '\u{E0000}'..='\u{E007F}')
}

/// One line of server text for a terminal: control characters (ESC and so
/// every ANSI / OSC 8 sequence, C1 controls, DEL) and bidi overrides are
/// removed, newlines and tabs become spaces, and the result is cut at `max`
/// characters with an ellipsis.
pub fn line(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max + 4));
    let mut count = 0;
    let mut last_space = false;
    for c in text.chars() {
        let c = match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() || is_invisible_or_bidi(c) => continue,
            c => c,
        };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        if count == max {
            out.push('…');
            break;
        }
        out.push(c);
        count += 1;
    }
    out.trim().to_string()
}

/// Server text of unknown length for a one-line message.
pub fn message(text: &str) -> String {
    line(text, 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escape_sequences_and_controls() {
        assert_eq!(line("a\u{1b}[31mred\u{1b}[0m", 100), "a[31mred[0m");
        let osc8 = "\u{1b}]8;;https://evil\u{7}click\u{1b}]8;;\u{7}";
        let cleaned = line(osc8, 100);
        assert!(!cleaned.contains('\u{1b}') && !cleaned.contains('\u{7}'));
        assert_eq!(line("x\u{9b}y\u{7f}z", 100), "xyz");
    }

    #[test]
    fn strips_bidi_and_folds_lines() {
        assert_eq!(line("abc\u{202E}fed", 100), "abcfed");
        assert_eq!(line("ok\u{E0041}\u{E0042}", 100), "ok");
        assert_eq!(line("one\ntwo\r\n\tthree", 100), "one two three");
    }

    #[test]
    fn cuts_long_text() {
        let long = "x".repeat(1000);
        let cut = line(&long, 10);
        assert_eq!(cut, format!("{}…", "x".repeat(10)));
    }
}
