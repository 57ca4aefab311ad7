//! README.md's commands, as a person would copy them: the shell lines of the code blocks under a
//! heading (and its subheadings), comments and prompts removed, continuations joined, split into
//! words the way a POSIX shell splits them (quotes and backslashes; no expansion).

use std::path::Path;

/// One command line of a code block.
#[derive(Debug, Clone)]
pub struct Line {
    /// The `##` or `###` heading it stands under.
    pub heading: String,
    /// The language of its code block (`sh`, `console`, `powershell`, …).
    pub language: String,
    /// The line without its comment.
    pub text: String,
    /// Its words.
    pub words: Vec<String>,
}

impl Line {
    /// The words after any leading `NAME=value` assignments, and the assignments.
    pub fn command(&self) -> (Vec<(String, String)>, &[String]) {
        let mut assignments = Vec::new();
        for (i, word) in self.words.iter().enumerate() {
            match word.split_once('=') {
                Some((name, value)) if is_name(name) => assignments.push((name.to_string(), value.to_string())),
                _ => return (assignments, &self.words[i..]),
            }
        }
        (assignments, &[])
    }
}

fn is_name(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// README.md at the repository root.
pub fn text(root: &Path) -> String {
    std::fs::read_to_string(root.join("README.md")).expect("README.md")
}

/// The command lines of the code blocks under the `## {section}` heading, its `###`
/// subsections included, in order. Panics when there is no such section.
pub fn section(readme: &str, section: &str) -> Vec<Line> {
    let start = format!("## {section}");
    let mut inside = false;
    let mut found = false;
    let mut heading = String::new();
    let mut block: Option<String> = None;
    let mut pending = String::new();
    let mut lines = Vec::new();
    for raw in readme.lines() {
        if block.is_none() {
            if let Some(title) = raw.strip_prefix("## ") {
                inside = raw == start;
                found |= inside;
                heading = title.to_string();
                continue;
            }
            if let Some(title) = raw.strip_prefix("### ") {
                heading = title.to_string();
                continue;
            }
        }
        if !inside {
            continue;
        }
        if let Some(fence) = raw.strip_prefix("```") {
            block = match block {
                Some(_) => None,
                None => Some(fence.trim().to_string()),
            };
            continue;
        }
        let Some(language) = &block else { continue };
        if !matches!(language.as_str(), "sh" | "console" | "powershell" | "") {
            continue;
        }
        let mut line = raw;
        if language == "console" {
            // Only the prompts are commands; the rest is what they print.
            match line.strip_prefix("$ ") {
                Some(command) => line = command,
                None if pending.is_empty() => continue,
                None => {}
            }
        }
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head);
            continue;
        }
        pending.push_str(line);
        let words = words(&pending);
        if !words.is_empty() {
            lines.push(Line {
                heading: heading.clone(),
                language: language.clone(),
                text: uncommented(&pending),
                words,
            });
        }
        pending.clear();
    }
    assert!(found, "README.md has no section {start:?}");
    lines
}

/// The line up to its comment.
fn uncommented(line: &str) -> String {
    let words = words(line);
    if words.is_empty() {
        return String::new();
    }
    // The comment starts at a `#` that begins a word outside quotes: find where splitting stopped.
    let mut end = line.len();
    let mut quote = None;
    let mut escaped = false;
    let mut at_word_start = true;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            at_word_start = false;
            continue;
        }
        match (quote, c) {
            (None, '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if at_word_start => {
                end = i;
                break;
            }
            _ => {}
        }
        at_word_start = quote.is_none() && c.is_whitespace();
    }
    line[..end].trim_end().to_string()
}

/// Split `line` into words as a POSIX shell does before expansion: whitespace separates words,
/// single quotes keep everything, double quotes keep all but `\"` and `\\`, a backslash
/// outside quotes keeps the next character, and a `#` that begins a word starts a comment.
pub fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '#' if word.is_none() => break,
            '\\' => {
                if let Some(next) = chars.next() {
                    word.get_or_insert_with(String::new).push(next);
                }
            }
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    current.push(q);
                }
            }
            '"' => {
                let current = word.get_or_insert_with(String::new);
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"' | '\\' | '$' | '`')) => {
                            current.push(chars.next().unwrap_or_default());
                        }
                        _ => current.push(q),
                    }
                }
            }
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(done) = word {
        words.push(done);
    }
    words
}

#[test]
fn words_split_as_a_shell_splits_them() {
    assert_eq!(words("agentview login   # opens the page"), ["agentview", "login"]);
    assert_eq!(words("A=\"file://$PWD/x\" sh 'a b' c\\ d"), ["A=file://$PWD/x", "sh", "a b", "c d"]);
    assert_eq!(words("echo a#b \"#not\" # comment"), ["echo", "a#b", "#not"]);
    assert_eq!(words("# only a comment"), Vec::<String>::new());
    assert_eq!(
        uncommented("agentview token --format header  # Authorization: Bearer <token>"),
        "agentview token --format header"
    );
    assert_eq!(uncommented("echo '# kept' # gone"), "echo '# kept'");
}
