//! README's Quick start and Install, as a newcomer meets them: every command there is one this
//! repository can run. `agentview` lines parse with the real CLI (its flags, subcommands and
//! targets exist); examples, scripts and cargo profiles exist; the Quick start's own session runs,
//! line by line, against the bundled server started as it says; the lines that install the
//! completions and man pages install them from this clone. Lines about release artifacts name what
//! `.ci/package` builds (it runs them).

use std::path::Path;

use clap::Parser;

use crate::support::cli::Agentview;
use crate::support::docs;
use crate::support::readme::{self, Line};
use crate::support::server::{OAuthConfig, ServerConfig, TestServer};

const SECTIONS: [&str; 2] = ["Quick start", "Install"];

fn lines() -> Vec<Line> {
    let text = readme::text(&docs::root());
    SECTIONS.iter().flat_map(|section| readme::section(&text, section)).collect()
}

/// Why `line` is not a command this repository can run, if it is not.
fn problem(line: &Line, root: &Path) -> Option<String> {
    let (_, words) = line.command();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] => None,
        ["export", assignment] if assignment.contains('=') => None,
        ["agentview", ..] => match agentview::cli::Cli::try_parse_from(&words) {
            Ok(_) => None,
            Err(e)
                if matches!(e.kind(), clap::error::ErrorKind::DisplayVersion | clap::error::ErrorKind::DisplayHelp) =>
            {
                None
            }
            Err(e) => Some(format!("agentview refuses it: {}", e.render())),
        },
        ["cargo", "run", "--example", name, rest @ ..] => example(root, name, rest),
        ["cargo", "install", "--locked", "--path", "."] => {
            let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
            (!manifest.contains("name = \"agentview\"")).then(|| "Cargo.toml builds no agentview".into())
        }
        ["cargo", "build", "--profile", profile] => {
            let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
            (!manifest.contains(&format!("[profile.{profile}]")))
                .then(|| format!("Cargo.toml has no profile {profile}"))
        }
        ["cargo", "test", ..] => None,
        [script, ..] if script.starts_with(".ci/") => executable(&root.join(script)),
        // The release artifacts `.ci/package` builds: it runs these lines itself.
        [program, rest @ ..] if rest.iter().any(|w| w.contains("target/distrib")) || *program == "cd" => {
            let package = std::fs::read_to_string(root.join(".ci/package")).unwrap_or_default();
            let runs_them = package.contains("### The release artifacts, built here");
            let known = ["sh", "pipx", "npm", "cd", "tar"].contains(program);
            (!(runs_them && known)).then(|| "a release-artifact line .ci/package does not run".into())
        }
        ["install", "-Dm644", ..] => None,
        _ => Some("a command this test does not know how to check: teach it".into()),
    }
}

/// `cargo run --example NAME [-- ARGS]`: the example exists and knows every flag given.
fn example(root: &Path, name: &str, rest: &[&str]) -> Option<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let file = if manifest.contains(&format!("name = \"{name}\"")) {
        root.join("examples").join(format!("{}.rs", name.replace('-', "_")))
    } else {
        root.join("examples").join(format!("{name}.rs"))
    };
    let Ok(source) = std::fs::read_to_string(&file) else {
        return Some(format!("no example {name} ({} is missing)", file.display()));
    };
    let args = match rest {
        [] => return None,
        ["--", args @ ..] => args,
        other => return Some(format!("cargo run takes {other:?} itself")),
    };
    for flag in args.iter().filter_map(|a| a.strip_prefix("--")) {
        // clap derives `--auto-approve-after` from a field `auto_approve_after`; the demo reads argv.
        let field = format!("{}:", flag.replace('-', "_"));
        if !source.contains(&field) && !source.contains(&format!("\"--{flag}\"")) {
            return Some(format!("example {name} has no --{flag}"));
        }
    }
    None
}

fn executable(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(path) {
            Ok(m) if m.permissions().mode() & 0o111 != 0 => None,
            Ok(_) => Some(format!("{} is not executable", path.display())),
            Err(e) => Some(format!("{}: {e}", path.display())),
        }
    }
    #[cfg(not(unix))]
    {
        (!path.is_file()).then(|| format!("{} is missing", path.display()))
    }
}

#[test]
fn every_quick_start_and_install_command_is_one_this_repository_runs() {
    let root = docs::root();
    let lines = lines();
    assert!(lines.len() >= 15, "the sections hold commands: {lines:#?}");
    let problems: Vec<String> = lines
        .iter()
        .filter_map(|line| problem(line, &root).map(|why| format!("[{}] {}\n    {why}", line.heading, line.text)))
        .collect();
    assert!(problems.is_empty(), "README commands that would fail:\n{}", problems.join("\n"));
}

/// Nothing in Install fetches from a place that holds nothing until the first release.
#[test]
fn install_offers_nothing_that_does_not_exist_yet() {
    let text = readme::text(&docs::root());
    for line in readme::section(&text, "Install") {
        let (_, words) = line.command();
        let offered = words.join(" ");
        for unreleased in ["releases/latest", "releases/download", "brew install", "binstall", "uvx", "npx agentview"] {
            assert!(!offered.contains(unreleased), "[{}] {offered}: not released yet", line.heading);
        }
        let registry = ["pipx install agentview", "npm install -g agentview", "cargo install --locked agentview"];
        assert!(!registry.iter().any(|r| offered == *r), "[{}] {offered}: not published yet", line.heading);
    }
}

/// The Quick start's session, line by line: the bundled server started with the README's flags
/// (on a free port; the person approving is the server's poll counter instead of a clock), then
/// every `agentview` line of the block that sets AGENTVIEW_SERVER, in order, each exiting 0.
#[test]
fn the_quick_start_session_runs_against_the_bundled_server() {
    let text = readme::text(&docs::root());
    let lines = readme::section(&text, "Quick start");
    let serve = lines
        .iter()
        .find_map(|l| match l.command().1 {
            [cargo, run, example, name, rest @ ..] if cargo == "cargo" && run == "run" && example == "--example" => {
                (name == "local_server").then(|| rest.to_vec())
            }
            _ => None,
        })
        .expect("the Quick start starts the bundled server");
    let flag = |name: &str| serve.iter().position(|w| w == name);
    let port = flag("--port").and_then(|i| serve.get(i + 1)).map_or("8931", String::as_str);
    let config = ServerConfig {
        oauth: flag("--oauth").map(|_| OAuthConfig::default()),
        auto_approve_after_polls: flag("--auto-approve-after").map(|_| 2),
        ..ServerConfig::default()
    };
    let server = TestServer::start(config);
    let readme_url = format!("http://127.0.0.1:{port}/mcp");

    let session: Vec<&Line> = lines.iter().skip_while(|l| !l.text.starts_with("export AGENTVIEW_SERVER=")).collect();
    assert!(!session.is_empty(), "the Quick start exports AGENTVIEW_SERVER");
    let exported = session[0].text.trim_start_matches("export AGENTVIEW_SERVER=");
    assert_eq!(exported, readme_url, "the URL the bundled server prints");
    let mut av = Agentview::new(&server.mcp_url());
    // README's own variable, with this test's port.
    av.set("AGENTVIEW_SERVER", &server.mcp_url());
    let mut ran = Vec::new();
    for line in session.iter().skip(1).take_while(|l| l.words.first().is_some_and(|w| w == "agentview")) {
        let args: Vec<&str> = line.words[1..].iter().map(String::as_str).collect();
        let run = av.run(&args);
        assert_eq!(run.code, 0, "`{}` failed:\n{}\n{}", line.text, run.stdout, run.stderr);
        ran.push(args.first().copied().unwrap_or_default());
    }
    for command in ["login", "status", "logout"] {
        assert!(ran.contains(&command), "the Quick start runs agentview {command}: {ran:?}");
    }
    assert_eq!(av.run(&["token"]).code, 4, "logged out at the end");
}

/// The lines under "Shell completions and man pages" install every file from a clone.
#[cfg(target_os = "linux")]
#[test]
fn the_completion_and_man_page_lines_install_from_a_clone() {
    let root = docs::root();
    let text = readme::text(&root);
    let lines: Vec<Line> = readme::section(&text, "Install")
        .into_iter()
        .filter(|l| l.heading == "Shell completions and man pages" && l.words.first().is_some_and(|w| w == "install"))
        .collect();
    assert!(lines.len() >= 4, "{lines:#?}");
    let home = tempfile::tempdir().expect("home");
    for line in &lines {
        let out = std::process::Command::new("sh")
            .args(["-c", &line.text])
            .current_dir(&root)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .output()
            .expect("sh runs");
        assert!(out.status.success(), "`{}`: {}", line.text, String::from_utf8_lossy(&out.stderr));
    }
    let installed = |path: &str| std::fs::read(home.path().join(path)).unwrap_or_default();
    let committed = |path: &str| std::fs::read(root.join(path)).expect("committed");
    assert_eq!(
        installed(".local/share/bash-completion/completions/agentview"),
        committed("completions/agentview.bash")
    );
    assert_eq!(installed(".zfunc/_agentview"), committed("completions/_agentview"));
    assert_eq!(installed(".config/fish/completions/agentview.fish"), committed("completions/agentview.fish"));
    for page in docs::generate().iter().filter(|f| f.path.starts_with("man")) {
        let name = page.path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert_eq!(installed(&format!(".local/share/man/man1/{name}")), page.contents, "{name}");
    }
}
