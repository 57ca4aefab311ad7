//! The committed completions and man pages match what the clap definitions generate, and
//! README's Quick start and Install hold only commands that work (`docs/readme_commands.rs`).

mod readme_commands;

use crate::support::{cli, docs};

use std::collections::BTreeSet;
use std::path::PathBuf;

#[test]
fn generated_files_are_up_to_date() {
    let root = docs::root();
    let mut problems = Vec::new();
    for file in docs::generate() {
        match std::fs::read(root.join(&file.path)) {
            Ok(committed) if committed == file.contents => {}
            Ok(_) => problems.push(format!("{} is out of date", file.path.display())),
            Err(e) => problems.push(format!("{} is missing ({e})", file.path.display())),
        }
    }
    assert!(problems.is_empty(), "{}\nrun {} and commit the result", problems.join("\n"), docs::REGENERATE);
}

#[test]
fn no_stale_generated_files() {
    let root = docs::root();
    let expected: BTreeSet<PathBuf> = docs::generate().into_iter().map(|f| f.path).collect();
    let mut stale = Vec::new();
    for dir in ["completions", "man"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for entry in entries {
            let path = PathBuf::from(dir).join(entry.expect("directory entry").file_name());
            if !expected.contains(&path) {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(stale.is_empty(), "no longer generated: {}\ndelete them and run {}", stale.join(", "), docs::REGENERATE);
}

#[test]
fn man_pages_carry_no_markdown() {
    for file in docs::generate().iter().filter(|f| f.path.starts_with("man")) {
        let text = String::from_utf8_lossy(&file.contents);
        let marked: Vec<&str> = text.lines().filter(|l| l.contains('`')).collect();
        assert!(marked.is_empty(), "{}: literal backticks in\n{}", file.path.display(), marked.join("\n"));
    }
    let login = docs::generate().into_iter().find(|f| f.path.ends_with("agentview-login.1")).expect("login page");
    let text = String::from_utf8_lossy(&login.contents).into_owned();
    assert!(text.contains("\\fBcredentials.json\\fR"), "a code span is set in bold");
}

#[test]
fn man_pages_cover_every_subcommand_and_carry_no_date() {
    let files = docs::generate();
    let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    for sub in ["login", "token", "status", "logout", "exec", "bridge", "mcp-config", "completions"] {
        assert!(names.contains(&format!("man/agentview-{sub}.1")), "{names:?}");
    }
    let main = files.iter().find(|f| f.path == std::path::Path::new("man/agentview.1")).expect("agentview.1");
    let text = String::from_utf8_lossy(&main.contents);
    assert!(text.contains(".SH \"EXIT STATUS\""), "the exit-code table is in the man page");
    for file in files.iter().filter(|f| f.path.starts_with("man")) {
        let text = String::from_utf8_lossy(&file.contents);
        let title = text.lines().find(|l| l.starts_with(".TH")).expect("a .TH line");
        assert!(!has_date(title), "{}: no date in {title:?}", file.path.display());
    }
    assert!(!names.iter().any(|n| n.contains("agentview-help")), "no page for the help subcommand");
}

#[test]
fn generation_is_deterministic() {
    let first: Vec<Vec<u8>> = docs::generate().into_iter().map(|f| f.contents).collect();
    let second: Vec<Vec<u8>> = docs::generate().into_iter().map(|f| f.contents).collect();
    assert!(first == second, "two generations differ");
}

/// Whether `text` holds something shaped like YYYY-MM-DD.
fn has_date(text: &str) -> bool {
    text.as_bytes()
        .windows(10)
        .any(|w| w.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() }))
}

#[test]
fn completions_match_the_completions_command() {
    let bin = env!("CARGO_BIN_EXE_agentview");
    for shell in docs::SHELLS {
        let out = std::process::Command::new(bin)
            .args(["completions", &shell.to_string()])
            .env_clear()
            .output()
            .expect("agentview runs");
        assert!(out.status.success(), "completions {shell}");
        let path = docs::completion_path(shell);
        let file = docs::generate().into_iter().find(|f| f.path == path).expect("generated");
        assert_eq!(out.stdout, file.contents, "`agentview completions {shell}` prints the committed file");
    }
}

/// The man pages as `man` shows them at 80 columns (groff when man is missing); None without either.
fn rendered(path: &std::path::Path) -> Option<String> {
    use std::process::Command;
    let man = Command::new("man").arg("-l").arg(path).env("MANWIDTH", "80").env("MAN_KEEP_FORMATTING", "").output();
    let out = match man {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => out,
        _ => Command::new("groff").args(["-man", "-Tutf8", "-P-cbou", "-rLL=80n"]).arg(path).output().ok()?,
    };
    // Typographic hyphens and minus signs read as "-" here.
    Some(String::from_utf8_lossy(&out.stdout).replace(['\u{2010}', '\u{2212}'], "-"))
}

#[test]
#[allow(clippy::print_stderr)]
fn man_pages_render_cleanly_at_80_columns() {
    let root = docs::root();
    let pages: Vec<docs::Generated> = docs::generate().into_iter().filter(|f| f.path.starts_with("man")).collect();
    for page in &pages {
        let Some(text) = rendered(&root.join(&page.path)) else {
            return cli::skip("AGENTVIEW_REQUIRE_MAN", "neither man nor groff is installed (.ci/setup installs them)");
        };
        let name = page.path.display();
        let lines: Vec<&str> = text.lines().collect();
        for line in &lines {
            assert!(line.chars().count() <= 80, "{name}: a line wider than 80 columns:\n{line}\n\n{text}");
        }
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "EXAMPLES",
            "EXIT STATUS",
            "ENVIRONMENT",
            "FILES",
            "SEE ALSO",
        ] {
            assert!(lines.contains(&section), "{name}: no {section} section\n{text}");
        }
        assert!(!lines.contains(&"EXTRA"), "{name}: an EXTRA section\n{text}");
        // Each example command is a line of its own, as typed.
        let sub = page
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .trim_start_matches("agentview")
            .trim_start_matches('-');
        for example in agentview::cli::help::examples(sub) {
            assert!(
                lines.iter().any(|l| l.trim() == example.command),
                "{name}: example {:?} is not a line\n{text}",
                example.command
            );
        }
        // Each exit code starts its own line, with its meaning beside it.
        for (code, meaning) in agentview::cli::help::EXIT_CODES {
            let found = lines.iter().any(|l| {
                l.trim_start()
                    .strip_prefix(&code.to_string())
                    .is_some_and(|rest| rest.trim_start().starts_with(meaning))
            });
            assert!(found, "{name}: exit code {code} is not a line of its own\n{text}");
        }
        let synopsis: String = lines
            .iter()
            .skip_while(|l| **l != "SYNOPSIS")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            synopsis.contains("[--server URL]") && synopsis.contains("[--store STORE]"),
            "{name}: placeholders in SYNOPSIS: {synopsis}"
        );
    }
    let login = pages.iter().find(|p| p.path.ends_with("agentview-login.1")).expect("login page");
    let text = rendered(&root.join(&login.path)).unwrap_or_default();
    assert!(text.contains("[--timeout DURATION]"), "{text}");
}
