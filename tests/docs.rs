//! The committed completions and man pages match what the clap definitions generate.

#[path = "support/docs.rs"]
mod docs;

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
fn man_pages_cover_every_subcommand_and_carry_no_date() {
    let files = docs::generate();
    let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    for sub in ["login", "token", "status", "logout", "exec", "completions"] {
        assert!(names.contains(&format!("man/agentview-{sub}.1")), "{names:?}");
    }
    let main = files.iter().find(|f| f.path == std::path::Path::new("man/agentview.1")).expect("agentview.1");
    let text = String::from_utf8_lossy(&main.contents);
    assert!(text.contains("Exit codes"), "the exit-code table is in the man page");
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
