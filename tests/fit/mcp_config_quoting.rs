//! `mcp-config` with hostile values in everything it carries from the environment and argv:
//! the config dir, the server URL, `--name` and agentview's own path. Each snippet must parse
//! (serde_json, toml, serde_norway, and a real `sh` for the command lines) to exactly the
//! intended structure with exactly the intended values, and the command lines must work; a value
//! no configuration can carry is refused (exit 2, nothing on stdout, the value named).
//! Unix only: the values are Unix paths, and the command lines are POSIX shell.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use super::support::cli::{Agentview, Run, binary, script};
use super::{FAR, store_in};

pub(super) const SERVER: &str = "https://agentview.example/mcp";
pub(super) const TOKEN: &str = "avt_quoting_token";
pub(super) const CLIENTS: [&str; 7] = ["claude", "claude-desktop", "vscode", "cursor", "mcp-servers", "codex", "goose"];

/// Printable values every format must quote: the syntax of shells, JSON, TOML and YAML, the
/// expansions of shells and clients, and the Unicode line and paragraph separators.
pub(super) const CARRIED: &[&str] = &[
    "it's",
    "'",
    "say \"hi\"",
    "back\\slash\\",
    "$(touch pwned)",
    "`touch pwned`",
    "$HOME",
    "%PATH%",
    "#not a comment",
    "]]",
    "[mcp_servers.evil]",
    "line \u{2028} separator",
    "paragraph \u{2029} separator",
    "; touch pwned &",
    "a|b>c<d",
    "*?",
    "~root",
    "=ls",
    "-dash",
    "key: value",
    "- item",
    "!!binary &anchor *alias",
    "{}",
    "é ☃ 😀",
    "\u{FEFF}bom",
];

/// Values no configuration can carry safely.
const REFUSED: &[&str] = &[
    "new\nline",
    "cr\rx",
    "tab\tx",
    "esc\u{1b}[31m",
    "del\u{7f}",
    "nel\u{85}",
    "csi\u{9b}",
    "${HOME}",
    "${env:HOME}",
    "x${AGENTVIEW_TOKEN}",
];

/// What a snippet must say.
#[derive(Debug)]
pub(super) struct Expected {
    pub name: String,
    pub url: String,
    /// The program the client starts, and its arguments before agentview's own.
    pub program: String,
    pub launcher_args: Vec<String>,
    pub flags: Vec<String>,
}

impl Expected {
    pub fn new(config_dir: &Path) -> Expected {
        Expected {
            name: "agentview".into(),
            url: SERVER.into(),
            program: binary().display().to_string(),
            launcher_args: Vec::new(),
            flags: ["--server", SERVER, "--store", "file", "--config-dir"]
                .iter()
                .map(|s| s.to_string())
                .chain([config_dir.display().to_string()])
                .collect(),
        }
    }

    /// The program's arguments for `agentview [flags] <sub>`.
    pub fn args(&self, sub: &[&str]) -> Vec<String> {
        let words = self.launcher_args.iter().chain(&self.flags).cloned();
        words.chain(sub.iter().map(|s| s.to_string())).collect()
    }

    /// The whole command line for `sub`, word by word.
    fn words(&self, sub: &[&str]) -> Vec<String> {
        [self.program.clone()].into_iter().chain(self.args(sub)).collect()
    }
}

/// A private place for hostile directories, and agentview set up to find the credential in
/// `config_dir` under it.
pub(super) struct Setup {
    pub av: Agentview,
    pub config_dir: PathBuf,
}

pub(super) fn setup(config_dir_under_tmp: &str) -> Setup {
    let av = Agentview::new(SERVER);
    let config_dir = av.dir.path().join(config_dir_under_tmp);
    store_in(&config_dir, &[(SERVER, TOKEN, FAR)]);
    Setup { av, config_dir }
}

/// The words `sh` makes of `line`, printed by `printf` instead of run.
fn shell_words(line: &str, cwd: &Path) -> Vec<String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("printf '%s\\0' {line}"))
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{line}\n{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let mut words: Vec<String> = text.split('\0').map(str::to_string).collect();
    assert_eq!(words.pop().as_deref(), Some(""), "{text:?}");
    words
}

/// Check that `stdout` of `mcp-config <client>` is exactly the configuration `want` describes,
/// and that it works: the command lines run under `sh`, and the command clients' program and
/// arguments (with `token` in place of `bridge`) print the token. The programs run with
/// `cwd/bin` first on PATH, where stand-ins for Codex, npx and uvx are.
pub(super) fn assert_snippet(client: &str, stdout: &str, want: &Expected, cwd: &Path) {
    let bridge = want.args(&["bridge"]);
    let name = want.name.as_str();
    let line = match client {
        "claude" => {
            let doc: Value = serde_json::from_str(stdout).expect("JSON");
            let helper = doc["mcpServers"][name]["headersHelper"].as_str().unwrap_or_default().to_string();
            let expected = json!({"mcpServers": {name: {"type": "http", "url": want.url, "headersHelper": helper}}});
            assert_eq!(doc, expected, "{stdout}");
            assert_eq!(shell_words(&helper, cwd), want.words(&["token", "--format", "headers"]), "{helper}");
            Some((helper, format!("{{\"Authorization\":\"Bearer {TOKEN}\"}}")))
        }
        "vscode" => {
            let doc: Value = serde_json::from_str(stdout).expect("JSON");
            let expected = json!({"servers": {name: {"type": "stdio", "command": want.program, "args": bridge}}});
            assert_eq!(doc, expected, "{stdout}");
            None
        }
        "claude-desktop" | "cursor" | "mcp-servers" => {
            let doc: Value = serde_json::from_str(stdout).expect("JSON");
            assert_eq!(doc, json!({"mcpServers": {name: {"command": want.program, "args": bridge}}}), "{stdout}");
            None
        }
        "goose" => {
            let doc: Value = serde_norway::from_str(stdout).expect("YAML");
            let expected = json!({"extensions": {name: {"enabled": true, "type": "stdio", "name": name,
                "cmd": want.program, "args": bridge, "envs": {}, "timeout": 300}}});
            assert_eq!(doc, expected, "{stdout}");
            None
        }
        "codex" => {
            let doc: Value = toml::from_str(stdout).expect("TOML");
            let expected = json!({"mcp_servers": {name: {"url": want.url, "bearer_token_env_var": "AGENTVIEW_TOKEN"}}});
            assert_eq!(doc, expected, "{stdout}");
            let comments: Vec<&str> = stdout.lines().filter(|l| l.trim_start().starts_with('#')).collect();
            assert_eq!(comments.len(), 1, "one comment line: {stdout}");
            let start = comments[0].strip_prefix("# Start Codex with: ").expect("the start command");
            assert_eq!(shell_words(start, cwd), want.words(&["exec", "--", "codex"]), "{start}");
            Some((start.to_string(), TOKEN.to_string()))
        }
        other => panic!("no client {other}"),
    };
    let bin = stand_ins(cwd);
    let (program, args, expected) = match line {
        Some((line, expected)) => ("sh".to_string(), vec!["-c".to_string(), line], expected),
        None => (want.program.clone(), want.args(&["token"]), TOKEN.to_string()),
    };
    let out = Command::new(&program)
        .args(&args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
        .env("HOME", "/nonexistent")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.trim_end(), expected, "{args:?}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(!cwd.join("pwned").exists(), "a shell ran part of a value as a command");
}

/// `dir/bin` with stand-ins: a Codex that shows the token it is started with, and an npx and a
/// uvx that do what they do for `npx -y agentview@<version> ARGS` and `uvx agentview@<version>
/// ARGS` (run agentview with ARGS), and fail on anything else.
pub(super) fn stand_ins(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    if bin.exists() {
        return bin;
    }
    std::fs::create_dir_all(&bin).expect("bin");
    script(&bin, "codex", "printf '%s' \"$AGENTVIEW_TOKEN\"");
    let agentview = binary().display().to_string().replace('\'', "'\\''");
    let package = concat!("agentview@", env!("CARGO_PKG_VERSION"));
    let fail = "{ echo \"unexpected: $*\" >&2; exit 97; }";
    let npx = format!("[ \"$1\" = -y ] && [ \"$2\" = {package} ] || {fail}\nshift 2\nexec '{agentview}' \"$@\"");
    script(&bin, "npx", &npx);
    let uvx = format!("[ \"$1\" = {package} ] || {fail}\nshift\nexec '{agentview}' \"$@\"");
    script(&bin, "uvx", &uvx);
    bin
}

pub(super) fn mcp_config(av: &Agentview, args: &[&str]) -> Run {
    let run = av.run(&[&["mcp-config"], args].concat());
    run.assert_no_leak(TOKEN);
    run
}

/// A refusal: usage error, nothing on stdout, the value named without its control characters.
fn assert_refused(run: Run, what: &str, value: Option<&str>) {
    let run = run.expect_code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains(what), "names {what}: {}", run.stderr);
    assert!(!run.stderr.chars().any(|c| c.is_control() && c != '\n'), "{:?}", run.stderr);
    if let Some(value) = value.filter(|v| v.chars().any(char::is_control)) {
        assert!(!run.stderr.contains(value), "shows the value escaped: {}", run.stderr);
    }
}

#[test]
fn hostile_config_dirs_are_carried_exactly() {
    for (i, piece) in CARRIED.iter().enumerate() {
        let s = setup(&format!("config {piece}"));
        let mut av = s.av;
        av.set("AGENTVIEW_CONFIG_DIR", &s.config_dir.display().to_string());
        let want = Expected::new(&s.config_dir);
        for client in CLIENTS {
            let run = mcp_config(&av, &[client]).expect_code(0);
            assert_snippet(client, &run.stdout, &want, av.dir.path());
        }
        // One in ten through the flag instead of the environment.
        if i % 10 == 0 {
            av.unset("AGENTVIEW_CONFIG_DIR");
            let dir = s.config_dir.display().to_string();
            let run = mcp_config(&av, &["codex", "--config-dir", &dir]).expect_code(0);
            assert_snippet("codex", &run.stdout, &want, av.dir.path());
        }
    }
}

#[test]
fn a_config_dir_with_every_hostile_piece_at_once_is_carried_exactly() {
    let s = setup(&CARRIED.join("/"));
    let dir = s.config_dir.display().to_string();
    let want = Expected::new(&s.config_dir);
    for client in CLIENTS {
        let run = mcp_config(&s.av, &["--config-dir", &dir, client]).expect_code(0);
        assert_snippet(client, &run.stdout, &want, s.av.dir.path());
    }
}

#[test]
fn a_relative_config_dir_is_carried_as_the_absolute_one() {
    let s = setup("config");
    let mut av = s.av;
    av.set("AGENTVIEW_CONFIG_DIR", "config");
    let want = Expected::new(&s.config_dir);
    for client in CLIENTS {
        let run = av.command(&["mcp-config", client]).current_dir(av.dir.path()).output().expect("runs");
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        // The client starts in a directory of its own.
        let elsewhere = tempfile::tempdir().expect("temp dir");
        assert_snippet(client, &String::from_utf8_lossy(&run.stdout), &want, elsewhere.path());
    }
}

#[test]
fn hostile_server_names_are_carried_exactly() {
    let s = setup("config");
    let mut want = Expected::new(&s.config_dir);
    for piece in CARRIED {
        want.name = format!("n {piece}");
        for client in CLIENTS {
            let run = mcp_config(&s.av, &[client, "--name", &want.name]);
            if client == "codex" {
                // Codex accepts letters, digits, '-' and '_' only.
                assert_refused(run, "Codex accepts server names", None);
                continue;
            }
            let run = run.expect_code(0);
            assert_snippet(client, &run.stdout, &want, s.av.dir.path());
        }
    }
    want.name = "agent-view_2".into();
    let run = mcp_config(&s.av, &["codex", "--name", &want.name]).expect_code(0);
    assert_snippet("codex", &run.stdout, &want, s.av.dir.path());
    let long = "n".repeat(129);
    for name in ["", long.as_str()] {
        assert_refused(mcp_config(&s.av, &["vscode", "--name", name]), "--name must be 1 to 128", None);
    }
}

#[test]
fn hostile_server_urls_are_carried_exactly() {
    // (given, normal form): the URL parser encodes some characters and leaves others.
    let urls = [
        (
            "https://agentview.example/mcp/$(touch pwned)/`id`/it's/]]?a=$(touch pwned)&b=`id`&c='q'&d=\"x\"&e=]]#frag",
            "https://agentview.example/mcp/$(touch%20pwned)/%60id%60/it's/]]?a=$(touch%20pwned)&b=`id`&c=%27q%27&d=%22x%22&e=]]",
        ),
        ("https://agentview.example/a;b&c|d*e?x=1;2", "https://agentview.example/a;b&c|d*e?x=1;2"),
        ("https://agentview.example/\u{2028}/é", "https://agentview.example/%E2%80%A8/%C3%A9"),
    ];
    for (given, normal) in urls {
        let s = setup("config");
        let mut av = s.av;
        av.set("AGENTVIEW_SERVER", given);
        store_in(&s.config_dir, &[(normal, TOKEN, FAR)]);
        let mut want = Expected::new(&s.config_dir);
        want.url = normal.to_string();
        want.flags[1] = normal.to_string();
        for client in CLIENTS {
            let run = mcp_config(&av, &[client]).expect_code(0);
            assert_snippet(client, &run.stdout, &want, av.dir.path());
        }
        let run = mcp_config(&av, &["vscode", "--via", "mcp-remote"]).expect_code(0);
        let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
        let args: Vec<String> = serde_json::from_value(doc["servers"]["agentview"]["args"].clone()).expect("args");
        let expected = want.args(&["exec", "--", "npx", "-y", "mcp-remote", normal, "--header"]);
        assert_eq!(args[..args.len() - 1], expected[..], "{}", run.stdout);
    }
}

/// agentview started from a directory whose path is hostile: the configuration names it by that
/// path, exactly.
#[test]
fn a_hostile_path_to_agentview_is_carried_exactly() {
    let s = setup("config");
    let dir = s.av.dir.path().join("bin it's \"q\" $(touch pwned) `x` #]] \\ \u{2028} =x");
    let program = install_copy(&dir);
    let mut want = Expected::new(&s.config_dir);
    want.program = program.display().to_string();
    for client in CLIENTS {
        let out = Command::new(&program)
            .args(["mcp-config", client])
            .env_clear()
            .envs(s.av.env_pairs().iter().map(|(k, v)| (k, v)))
            .env("AGENTVIEW_CONFIG_DIR", &s.config_dir)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_snippet(client, &String::from_utf8_lossy(&out.stdout), &want, s.av.dir.path());
    }
}

/// agentview at `dir/agentview`: a hard link where the file system allows one, else a copy.
fn install_copy(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    let program = dir.join("agentview");
    if std::fs::hard_link(binary(), &program).is_err() {
        std::fs::copy(binary(), &program).expect("copy agentview");
    }
    program
}

#[test]
fn values_no_configuration_can_carry_are_refused() {
    let s = setup("config");
    let mut av = s.av;
    for bad in REFUSED {
        let dir = format!("{}/{bad}", av.dir.path().display());
        for client in CLIENTS {
            av.set("AGENTVIEW_CONFIG_DIR", &dir);
            assert_refused(mcp_config(&av, &[client]), "config dir", Some(bad));
            av.set("AGENTVIEW_CONFIG_DIR", &s.config_dir.display().to_string());
            assert_refused(mcp_config(&av, &["--config-dir", &dir, client]), "config dir", Some(bad));
            assert_refused(mcp_config(&av, &[client, "--name", bad]), "--name", Some(bad));
        }
    }
    // The URL parser drops line breaks and tabs and encodes other control characters; `${`
    // it leaves in a query.
    for client in CLIENTS {
        let url = "https://agentview.example/mcp?q=${HOME}";
        assert_refused(mcp_config(&av, &["--server", url, client]), "server URL", None);
    }
    // NUL cannot reach agentview at all: neither argv nor the environment can hold it.
    assert!(av.command(&["mcp-config", "vscode", "--name", "a\0b"]).output().is_err());
    assert!(av.command(&["mcp-config", "vscode"]).env("AGENTVIEW_CONFIG_DIR", "/a\0b").output().is_err());
}

#[test]
fn a_path_to_agentview_with_a_line_break_is_refused() {
    let s = setup("config");
    let program = install_copy(&s.av.dir.path().join("bin\n[mcp_servers.evil]"));
    for client in CLIENTS {
        let out = Command::new(&program)
            .args(["mcp-config", client])
            .env_clear()
            .envs(s.av.env_pairs().iter().map(|(k, v)| (k, v)))
            .output()
            .expect("runs");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert_refused(run, "agentview's own path", Some("bin\n["));
    }
}

/// `--header` values are never written into a configuration (they are often secrets): hostile
/// ones leave the snippet as it is without them.
#[test]
fn header_values_stay_out_of_every_snippet() {
    let s = setup("config");
    let want = Expected::new(&s.config_dir);
    for client in CLIENTS {
        let run = mcp_config(&s.av, &["-H", "X-Grant: $(touch pwned) ]] \"' {env:HOME}", client]).expect_code(0);
        assert!(!run.stdout.contains("X-Grant"), "{}", run.stdout);
        assert_snippet(client, &run.stdout, &want, s.av.dir.path());
    }
}
