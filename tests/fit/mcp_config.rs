//! `mcp-config <client>`: each snippet parses as its client reads it, points at the server,
//! runs agentview with the same store and config dir, and holds no token.

#[cfg(unix)]
use std::process::Command;

use serde_json::Value;

use super::support::cli::{Agentview, binary};
use super::{FAR, store};

const SERVER: &str = "https://agentview.example/mcp";
const TOKEN: &str = "avt_config_token";
#[cfg(unix)]
const BRIDGE_HEADER: &str = "Authorization:${AGENTVIEW_AUTHORIZATION}";

fn configured() -> Agentview {
    let av = Agentview::new(SERVER);
    store(&av, &[(SERVER, TOKEN, FAR)]);
    av
}

fn snippet(av: &Agentview, client: &str) -> String {
    let run = av.run(&["mcp-config", client]).expect_code(0);
    run.assert_no_leak(TOKEN);
    run.stdout
}

/// Run a program with an environment that has none of agentview's variables: the flags in the
/// configuration alone must lead it to the credential.
#[cfg(unix)]
fn run_bare(program: &str, args: &[String]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .output()
        .expect("runs")
}

/// `agentview [flags] bridge`, with the flags that lead it to the credential.
fn assert_bridge(command: &str, args: &[String]) {
    assert_eq!(command, binary().display().to_string(), "agentview, by a path the client can start");
    assert_eq!(args.last().map(String::as_str), Some("bridge"), "{args:?}");
    assert_flags(&args[..args.len() - 1]);
}

/// `agentview [flags] exec -- npx -y mcp-remote URL --header …` (`--via mcp-remote`).
#[cfg(unix)]
fn assert_mcp_remote(command: &str, args: &[String]) {
    assert_eq!(command, binary().display().to_string(), "agentview, by a path the client can start");
    let exec = args.iter().position(|a| a == "exec").expect("runs agentview exec");
    assert_eq!(&args[exec + 1..], ["--", "npx", "-y", "mcp-remote", SERVER, "--header", BRIDGE_HEADER]);
    assert_flags(&args[..exec]);
}

fn assert_flags(flags: &[String]) {
    assert!(flags.windows(2).any(|w| w == ["--store", "file"]), "{flags:?}");
    assert!(flags.iter().any(|f| f == "--config-dir"), "{flags:?}");
    assert!(flags.windows(2).any(|w| w == ["--server", SERVER]), "{flags:?}");
}

#[cfg(unix)]
#[test]
fn mcp_remote_runs_with_the_credential_in_its_environment() {
    let av = configured();
    let run = av.run(&["mcp-config", "mcp-servers", "--via", "mcp-remote"]).expect_code(0);
    run.assert_no_leak(TOKEN);
    assert!(run.stderr.contains("restart the client"), "says the token is fixed at start: {}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let entry = &doc["mcpServers"]["agentview"];
    let args: Vec<String> = serde_json::from_value(entry["args"].clone()).expect("args");
    assert_mcp_remote(entry["command"].as_str().expect("command"), &args);
    // A stand-in for npx: it shows what mcp-remote would get.
    let bin = av.dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    super::support::cli::script(
        &bin,
        "npx",
        "printf '%s|' \"$AGENTVIEW_TOKEN\" \"$AGENTVIEW_AUTHORIZATION\" \"$AGENTVIEW_SERVER\" \"$@\"",
    );
    let out = Command::new(entry["command"].as_str().expect("command"))
        .args(&args)
        .env_clear()
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout, format!("{TOKEN}|Bearer {TOKEN}|{SERVER}|-y|mcp-remote|{SERVER}|--header|{BRIDGE_HEADER}|"));
}

#[test]
fn claude_gets_a_headers_helper_that_works_on_its_own() {
    let av = configured();
    let doc: Value = serde_json::from_str(&snippet(&av, "claude")).expect("JSON");
    let server = &doc["mcpServers"]["agentview"];
    assert_eq!(server["type"], "http");
    assert_eq!(server["url"], SERVER);
    let helper = server["headersHelper"].as_str().expect("headersHelper");
    assert!(helper.ends_with(" token --format headers"), "{helper}");
    // The headersHelper is a POSIX shell line.
    #[cfg(unix)]
    {
        let out = run_bare("sh", &["-c".to_string(), helper.to_string()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let headers: Value = serde_json::from_slice(&out.stdout).expect("the helper prints JSON");
        assert_eq!(headers, serde_json::json!({"Authorization": format!("Bearer {TOKEN}")}));
    }
}

#[test]
fn vscode_gets_a_stdio_bridge() {
    let av = configured();
    let doc: Value = serde_json::from_str(&snippet(&av, "vscode")).expect("JSON");
    let server = &doc["servers"]["agentview"];
    assert_eq!(server["type"], "stdio");
    let args: Vec<String> = serde_json::from_value(server["args"].clone()).expect("args");
    assert_bridge(server["command"].as_str().expect("command"), &args);
}

#[test]
fn cursor_claude_desktop_and_any_mcp_servers_client_get_an_entry_that_starts_the_bridge() {
    let av = configured();
    for client in ["cursor", "claude-desktop", "mcp-servers"] {
        let doc: Value = serde_json::from_str(&snippet(&av, client)).expect("JSON");
        let server = &doc["mcpServers"]["agentview"];
        let args: Vec<String> = serde_json::from_value(server["args"].clone()).expect("args");
        assert_bridge(server["command"].as_str().expect("command"), &args);
    }
}

#[test]
fn every_command_client_can_have_mcp_remote_instead() {
    let av = configured();
    for client in ["vscode", "cursor", "claude-desktop", "mcp-servers", "goose"] {
        let run = av.run(&["mcp-config", client, "--via", "mcp-remote"]).expect_code(0);
        run.assert_no_leak(TOKEN);
        assert!(run.stdout.contains("mcp-remote") && !run.stdout.contains("\"bridge\""), "{}", run.stdout);
    }
    let run = av.run(&["mcp-config", "vscode"]).expect_code(0);
    assert!(!run.stdout.contains("npx") && run.stderr.contains("fresh token"), "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn codex_gets_a_bearer_token_env_var() {
    let av = configured();
    let text = snippet(&av, "codex");
    let doc: toml::Table = toml::from_str(&text).expect("TOML");
    let server = doc["mcp_servers"]["agentview"].as_table().expect("a table");
    assert_eq!(server["url"].as_str(), Some(SERVER));
    assert_eq!(server["bearer_token_env_var"].as_str(), Some("AGENTVIEW_TOKEN"));
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with("# Start Codex with: ") && first.ends_with(" exec -- codex"), "{first}");
    // Codex refuses server names other than letters, digits, '-' and '_': so does mcp-config.
    let run = av.run(&["mcp-config", "codex", "--name", "agent view.prod"]).expect_code(2);
    assert!(run.stdout.is_empty() && run.stderr.contains("Codex accepts server names"), "{}", run.stderr);
    let run = av.run(&["mcp-config", "codex", "--name", "agent-view_prod"]).expect_code(0);
    let doc: toml::Table = toml::from_str(&run.stdout).expect("TOML");
    assert!(doc["mcp_servers"].get("agent-view_prod").is_some(), "{}", run.stdout);
}

#[test]
fn goose_gets_a_stdio_extension() {
    let av = configured();
    let doc: serde_norway::Value = serde_norway::from_str(&snippet(&av, "goose")).expect("YAML");
    let ext = &doc["extensions"]["agentview"];
    assert_eq!(ext["type"].as_str(), Some("stdio"));
    assert_eq!(ext["enabled"].as_bool(), Some(true));
    let args: Vec<String> = serde_norway::from_value(ext["args"].clone()).expect("args");
    assert_bridge(ext["cmd"].as_str().expect("cmd"), &args);
}

/// A line break in the config dir (here from `AGENTVIEW_CONFIG_DIR`) ends the comment line of
/// the Codex snippet: whatever follows would be TOML of the attacker's choosing, such as a
/// second server that runs any command. Refused, before anything is printed.
#[test]
fn a_line_break_in_the_config_dir_cannot_add_a_codex_server() {
    let mut av = configured();
    let dir =
        format!("{}\n[mcp_servers.evil]\ncommand = \"/bin/sh\"\nargs = [\"-c\", \"id\"]\n#", av.config_dir().display());
    av.set("AGENTVIEW_CONFIG_DIR", &dir);
    let run = av.run(&["mcp-config", "codex"]);
    if run.code == 0 {
        let doc: toml::Table = toml::from_str(&run.stdout).expect("TOML");
        let servers: Vec<&String> = doc["mcp_servers"].as_table().expect("a table").keys().collect();
        assert_eq!(servers, ["agentview"], "the config dir added a server:\n{}", run.stdout);
    }
    let run = run.expect_code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("config dir") && run.stderr.contains("control character"), "{}", run.stderr);
}

/// The command and the arguments of the entry for agentview in `snippet`, the configuration
/// `mcp-config CLIENT` printed for one of the clients that start a command (vscode, cursor,
/// claude-desktop, mcp-servers: JSON; goose: YAML).
pub fn command_entry(client: &str, snippet: &str) -> (Option<String>, Vec<String>) {
    let doc: Value = if client == "goose" {
        serde_norway::from_str(snippet).expect("YAML")
    } else {
        serde_json::from_str(snippet).expect("JSON")
    };
    let entry = match client {
        "vscode" => &doc["servers"]["agentview"],
        "goose" => &doc["extensions"]["agentview"],
        _ => &doc["mcpServers"]["agentview"],
    };
    let command = entry.get("command").or_else(|| entry.get("cmd")).and_then(Value::as_str).map(str::to_string);
    (command, serde_json::from_value(entry["args"].clone()).expect("args"))
}

/// `--launcher npx|uvx` on every platform (the Unix tests also run the configurations).
#[test]
fn npx_and_uvx_launchers_name_the_package_at_this_version() {
    let av = configured();
    let package = concat!("agentview@", env!("CARGO_PKG_VERSION"));
    for (launcher, lead) in [("npx", vec!["-y", package]), ("uvx", vec![package])] {
        for client in ["vscode", "cursor", "claude-desktop", "mcp-servers", "goose"] {
            let run = av.run(&["mcp-config", client, "--launcher", launcher]).expect_code(0);
            run.assert_no_leak(TOKEN);
            let (command, args) = command_entry(client, &run.stdout);
            assert_eq!(command.as_deref(), Some(launcher), "{}", run.stdout);
            assert_eq!(args[..lead.len()], lead[..], "{}", run.stdout);
            assert_eq!(args.last().map(String::as_str), Some("bridge"), "{args:?}");
            assert_flags(&args[lead.len()..args.len() - 1]);
        }
        let start = format!("{launcher} {} ", lead.join(" "));
        let run = av.run(&["mcp-config", "claude", "--launcher", launcher]).expect_code(0);
        let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
        let helper = doc["mcpServers"]["agentview"]["headersHelper"].as_str().expect("headersHelper");
        assert!(helper.starts_with(&start) && helper.ends_with(" token --format headers"), "{helper}");
        let run = av.run(&["mcp-config", "codex", "--launcher", launcher]).expect_code(0);
        let first = run.stdout.lines().next().unwrap_or_default();
        assert!(first.starts_with(&format!("# Start Codex with: {start}")), "{first}");
        assert!(first.ends_with(" exec -- codex"), "{first}");
    }
}

/// Claude Desktop reads `claude_desktop_config.json`: an `mcpServers` entry that starts the
/// bridge. It starts commands with a PATH of its own (not the login shell's), so agentview is
/// named by its full path even where `agentview` on the PATH here would find it.
#[test]
fn claude_desktop_starts_the_bridge_by_its_full_path() {
    let mut av = configured();
    let dir = binary().parent().expect("a directory").to_path_buf();
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let path = std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&inherited))).expect("PATH");
    av.set("PATH", path.to_str().expect("a PATH in UTF-8"));
    let run = av.run(&["mcp-config", "claude-desktop"]).expect_code(0);
    run.assert_no_leak(TOKEN);
    let doc: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let entry = &doc["mcpServers"]["agentview"];
    assert_eq!(entry.as_object().map(|o| o.len()), Some(2), "command and args only: {}", run.stdout);
    let args: Vec<String> = serde_json::from_value(entry["args"].clone()).expect("args");
    assert_bridge(entry["command"].as_str().expect("command"), &args);
    assert!(run.stderr.contains("claude_desktop_config.json"), "says where it goes: {}", run.stderr);
    assert!(run.stderr.contains("restart Claude Desktop"), "{}", run.stderr);
    // Where the PATH finds this agentview, the clients that share the shell's PATH get the name.
    let vscode: Value = serde_json::from_str(&snippet(&av, "vscode")).expect("JSON");
    assert_eq!(vscode["servers"]["agentview"]["command"], "agentview");
}

/// Claude Code and Claude Desktop are told apart, in both directions.
#[test]
fn claude_code_and_claude_desktop_are_different_targets() {
    let av = configured();
    let code: Value = serde_json::from_str(&snippet(&av, "claude-code")).expect("JSON");
    assert_eq!(code["mcpServers"]["agentview"]["type"], "http", "claude-code is Claude Code's headersHelper form");
    let desktop: Value = serde_json::from_str(&snippet(&av, "claude-desktop")).expect("JSON");
    assert!(desktop["mcpServers"]["agentview"].get("headersHelper").is_none(), "{desktop}");
    let help = av.run(&["mcp-config", "--help"]).expect_code(0).stdout;
    assert!(help.contains("claude-desktop") && help.contains("Claude Desktop"), "{help}");
}

/// `mcp-remote` names a program, not a client: the generic `mcpServers` form is `mcp-servers`
/// (through the bridge), and mcp-remote comes only with `--via mcp-remote`.
#[test]
fn mcp_remote_is_not_a_client_and_the_error_says_what_to_type() {
    let av = configured();
    let run = av.run(&["mcp-config", "mcp-remote"]).expect_code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    for needle in ["mcp-config mcp-servers", "--via mcp-remote"] {
        assert!(run.stderr.contains(needle), "names {needle:?}: {}", run.stderr);
    }
    let help = av.run(&["mcp-config", "--help"]).expect_code(0).stdout;
    let clients = help.split("Options:").next().unwrap_or_default();
    assert!(clients.contains("- mcp-servers:"), "{help}");
    assert!(!clients.contains("mcp-remote"), "not offered as a client: {help}");
}
