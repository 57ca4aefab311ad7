//! `agentview mcp-config <client>`: a ready-to-paste MCP client configuration for the server.
//!
//! No token is ever written into a configuration: each client gets the credential from
//! agentview when it connects (Claude Code's headersHelper), from the environment of a client
//! started under `agentview exec` (Codex), or, for clients that start a command, through
//! `agentview bridge`, which renews it while the client runs (or, with `--via mcp-remote`, the
//! mcp-remote bridge under `agentview exec`, given `AGENTVIEW_AUTHORIZATION` as its header).
//!
//! Every value that came from the environment or argv is checked in `carry` and then written
//! with its format's own quoting: serde_json for JSON, `quote` for TOML and YAML, and
//! `shell_quote` for the command lines in the headersHelper and the Codex comment.

use std::path::Path;

use serde_json::{Value, json};

use crate::cli::{LauncherArg, McpClientArg, McpConfigArgs, ViaArg};
use crate::error::Exit;
use crate::run::Run;
use crate::settings::Settings;
use crate::settings::invocation::shell_quote;

mod carry;
mod quote;

use carry::Values;

/// What mcp-remote puts in front of the server: mcp-remote replaces `${VAR}` in a header value
/// with that variable, and the value has no space, which some clients would split.
pub const BRIDGE_HEADER: &str = "Authorization:${AGENTVIEW_AUTHORIZATION}";

/// `mcp-config`; `agentview`: how another program starts agentview (see
/// `settings::invocation::program`).
pub fn run(args: &McpConfigArgs, agentview: &Path, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    let snippet = render(args, settings, agentview)?;
    crate::output::write_data(&snippet.text)?;
    output.info(&snippet.note);
    Ok(Exit::Ok)
}

/// A configuration and where it goes.
#[derive(Debug)]
pub struct Snippet {
    pub text: String,
    /// Where to paste it and what else to do, for the person reading stderr.
    pub note: String,
}

/// The configuration for the client, or a usage error naming a value it cannot carry.
pub fn render(args: &McpConfigArgs, settings: &Settings, agentview: &Path) -> Result<Snippet, crate::error::Failure> {
    let McpConfigArgs { client, via, launcher, .. } = *args;
    if client == McpClientArg::McpRemote {
        return Err(not_a_client());
    }
    let values = carry::check(client, launcher, &args.name, settings, agentview)?;
    let name = values.name.as_str();
    let url = values.server.as_str();
    let command = values.program.as_str();
    let bridge_args = || bridge_args(via, &values);
    let bridge_note = || bridge_note(via);
    let mut snippet = match client {
        McpClientArg::Claude => {
            let helper = command_line(&values, &["token", "--format", "headers"]);
            let doc = json!({"mcpServers": {name: {"type": "http", "url": url, "headersHelper": helper}}});
            Snippet {
                text: pretty(&doc),
                note: "Put this in .mcp.json (project) or merge it into ~/.claude.json; Claude Code runs the \
                       headersHelper at each connection, so a renewed login is picked up."
                    .into(),
            }
        }
        McpClientArg::Vscode => {
            let doc = json!({"servers": {name: {"type": "stdio", "command": command, "args": bridge_args()}}});
            Snippet { text: pretty(&doc), note: format!("Put this in .vscode/mcp.json. {}", bridge_note()) }
        }
        McpClientArg::ClaudeDesktop => {
            let doc = json!({"mcpServers": {name: {"command": command, "args": bridge_args()}}});
            Snippet {
                text: pretty(&doc),
                note: format!(
                    "Merge this into Claude Desktop's claude_desktop_config.json (Settings > Developer > Edit \
                     Config; on macOS in ~/Library/Application Support/Claude, on Windows in %APPDATA%\\Claude), \
                     then restart Claude Desktop. {}",
                    bridge_note()
                ),
            }
        }
        McpClientArg::Cursor => {
            let doc = json!({"mcpServers": {name: {"command": command, "args": bridge_args()}}});
            Snippet { text: pretty(&doc), note: format!("Put this in ~/.cursor/mcp.json. {}", bridge_note()) }
        }
        McpClientArg::McpServers => {
            let doc = json!({"mcpServers": {name: {"command": command, "args": bridge_args()}}});
            Snippet {
                text: pretty(&doc),
                note: format!("Merge this into your client's stdio server list (mcpServers). {}", bridge_note()),
            }
        }
        McpClientArg::McpRemote => return Err(not_a_client()),
        McpClientArg::Codex => {
            // The comment holds a shell line: `carry` let no value with a line break through.
            let exec = command_line(&values, &["exec", "--", "codex"]);
            let text = format!(
                "# Start Codex with: {exec}\n[mcp_servers.{name}]\nurl = {}\nbearer_token_env_var = \"AGENTVIEW_TOKEN\"\n",
                quote::toml(url)
            );
            Snippet {
                text,
                note: format!(
                    "Append this to ~/.codex/config.toml and start Codex with `{exec}`: Codex reads the token \
                     from AGENTVIEW_TOKEN, which agentview exec sets."
                ),
            }
        }
        McpClientArg::Goose => {
            let args: Vec<String> = bridge_args().iter().map(|a| quote::yaml(a)).collect();
            let text = format!(
                "extensions:\n  {key}:\n    enabled: true\n    type: stdio\n    name: {key}\n    cmd: {cmd}\n    args: [{args}]\n    envs: {{}}\n    timeout: 300\n",
                key = quote::yaml(name),
                cmd = quote::yaml(command),
                args = args.join(", ")
            );
            Snippet {
                text,
                note: format!("Merge this into ~/.config/goose/config.yaml (under extensions). {}", bridge_note()),
            }
        }
    };
    if let Some(note) = launcher_note(launcher) {
        snippet.note = format!("{} {note}", snippet.note);
    }
    Ok(snippet)
}

/// `mcp-config mcp-remote`: mcp-remote is a program a client may start, not a client. The
/// `mcpServers` form it once stood for starts the bridge now; mcp-remote is `--via mcp-remote`.
fn not_a_client() -> crate::error::Failure {
    crate::error::Failure::usage(
        "mcp-remote is not an MCP client: `agentview mcp-config mcp-servers` prints the mcpServers form for \
         any client that starts stdio servers (it starts agentview bridge)",
    )
    .with_hint("to have the client start mcp-remote instead: agentview mcp-config mcp-servers --via mcp-remote")
}

/// What the client needs for `--launcher npx|uvx`.
fn launcher_note(launcher: LauncherArg) -> Option<&'static str> {
    match launcher {
        LauncherArg::Path => None,
        LauncherArg::Npx => Some(concat!(
            "The client runs agentview ",
            env!("CARGO_PKG_VERSION"),
            " through npx, which fetches it from npm the first time (Node.js is needed)."
        )),
        LauncherArg::Uvx => Some(concat!(
            "The client runs agentview ",
            env!("CARGO_PKG_VERSION"),
            " through uvx, which fetches it from PyPI the first time (uv is needed)."
        )),
    }
}

/// `agentview [flags] <sub>` as one shell line (the headersHelper, the Codex start command).
fn command_line(values: &Values, sub: &[&str]) -> String {
    let mut words = vec![shell_quote(&values.program)];
    words.extend(args(values, sub).iter().map(|w| shell_quote(w)));
    words.join(" ")
}

/// The arguments of the program that runs `agentview [flags] <sub>`.
fn args(values: &Values, sub: &[&str]) -> Vec<String> {
    let mut args = values.launcher_args.clone();
    args.extend(values.flags.iter().cloned());
    args.extend(sub.iter().map(|w| w.to_string()));
    args
}

/// `[flags] bridge`, or `[flags] exec -- npx -y mcp-remote <url> --header Authorization:${AGENTVIEW_AUTHORIZATION}`.
fn bridge_args(via: ViaArg, values: &Values) -> Vec<String> {
    match via {
        ViaArg::Bridge => args(values, &["bridge"]),
        ViaArg::McpRemote => {
            args(values, &["exec", "--", "npx", "-y", "mcp-remote", &values.server, "--header", BRIDGE_HEADER])
        }
    }
}

fn bridge_note(via: ViaArg) -> &'static str {
    match via {
        ViaArg::Bridge => {
            "The client starts `agentview bridge`, which speaks MCP on stdio and sends each request to the \
             server with a fresh token, renewed while the client runs; nothing secret is written to the file."
        }
        ViaArg::McpRemote => {
            "The client starts agentview, which starts mcp-remote (Node.js's npx) with the credential in its \
             environment; nothing secret is written to the file. The token is the one of the moment the \
             client started: after it expires, restart the client (or use the default, agentview bridge)."
        }
    }
}

fn pretty(doc: &Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(doc).unwrap_or_default())
}
