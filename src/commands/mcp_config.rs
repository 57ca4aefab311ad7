//! `agentview mcp-config <client>`: a ready-to-paste MCP client configuration for the server.
//!
//! No token is ever written into a configuration: each client gets the credential from
//! agentview when it connects (Claude Code's headersHelper), from the environment of a client
//! started under `agentview exec` (Codex), or, for clients that start a command, through
//! `agentview bridge`, which renews it while the client runs (or, with `--via mcp-remote`, the
//! mcp-remote bridge under `agentview exec`, given `AGENTVIEW_AUTHORIZATION` as its header).

use serde_json::{Value, json};

use crate::cli::{McpClientArg, ViaArg};
use crate::error::Exit;
use crate::output::Output;
use crate::settings::Settings;
use crate::settings::invocation::shell_quote;

/// What mcp-remote puts in front of the server: mcp-remote replaces `${VAR}` in a header value
/// with that variable, and the value has no space, which some clients would split.
pub const BRIDGE_HEADER: &str = "Authorization:${AGENTVIEW_AUTHORIZATION}";

pub fn run(
    client: McpClientArg,
    via: ViaArg,
    name: &str,
    settings: &Settings,
    output: &Output,
) -> anyhow::Result<Exit> {
    let snippet = render(client, via, name, settings);
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

pub fn render(client: McpClientArg, via: ViaArg, name: &str, settings: &Settings) -> Snippet {
    let url = settings.server.as_str();
    let bridge_args = |settings: &Settings| bridge_args(via, settings);
    let bridge_note = || bridge_note(via);
    match client {
        McpClientArg::Claude => {
            let helper = helper_command(settings);
            let doc = json!({"mcpServers": {name: {"type": "http", "url": url, "headersHelper": helper}}});
            Snippet {
                text: pretty(&doc),
                note: "Put this in .mcp.json (project) or merge it into ~/.claude.json; Claude Code runs the \
                       headersHelper at each connection, so a renewed login is picked up."
                    .into(),
            }
        }
        McpClientArg::Vscode => {
            let doc = json!({"servers": {name: {"type": "stdio", "command": settings.program, "args": bridge_args(settings)}}});
            Snippet { text: pretty(&doc), note: format!("Put this in .vscode/mcp.json. {}", bridge_note()) }
        }
        McpClientArg::Cursor => {
            let doc = json!({"mcpServers": {name: {"command": settings.program, "args": bridge_args(settings)}}});
            Snippet { text: pretty(&doc), note: format!("Put this in ~/.cursor/mcp.json. {}", bridge_note()) }
        }
        McpClientArg::McpRemote => {
            let doc = json!({"mcpServers": {name: {"command": settings.program, "args": bridge_args(settings)}}});
            Snippet {
                text: pretty(&doc),
                note: format!("Merge this into your client's stdio server list (mcpServers). {}", bridge_note()),
            }
        }
        McpClientArg::Codex => {
            let exec = command_line(settings, &["exec", "--", "codex"]);
            let text = format!(
                "# Start Codex with: {exec}\n[mcp_servers.{}]\nurl = {}\nbearer_token_env_var = \"AGENTVIEW_TOKEN\"\n",
                toml_key(name),
                quoted(url)
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
            let args: Vec<String> = bridge_args(settings).iter().map(|a| quoted(a)).collect();
            let text = format!(
                "extensions:\n  {key}:\n    enabled: true\n    type: stdio\n    name: {key}\n    cmd: {cmd}\n    args: [{args}]\n    envs: {{}}\n    timeout: 300\n",
                key = quoted(name),
                cmd = quoted(&settings.program),
                args = args.join(", ")
            );
            Snippet {
                text,
                note: format!("Merge this into ~/.config/goose/config.yaml (under extensions). {}", bridge_note()),
            }
        }
    }
}

/// `agentview [flags] token --format headers`, quoted for the shell Claude Code runs it with.
fn helper_command(settings: &Settings) -> String {
    command_line(settings, &["token", "--format", "headers"])
}

fn command_line(settings: &Settings, sub: &[&str]) -> String {
    let mut words = vec![shell_quote(&settings.program)];
    words.extend(settings.pinned_flags.iter().map(|w| shell_quote(w)));
    words.extend(sub.iter().map(|w| w.to_string()));
    words.join(" ")
}

/// `[flags] bridge`, or `[flags] exec -- npx -y mcp-remote <url> --header Authorization:${AGENTVIEW_AUTHORIZATION}`.
pub fn bridge_args(via: ViaArg, settings: &Settings) -> Vec<String> {
    let mut args = settings.pinned_flags.clone();
    let words: &[&str] = match via {
        ViaArg::Bridge => &["bridge"],
        ViaArg::McpRemote => {
            &["exec", "--", "npx", "-y", "mcp-remote", settings.server.as_str(), "--header", BRIDGE_HEADER]
        }
    };
    args.extend(words.iter().map(|w| w.to_string()));
    args
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

/// A double-quoted string that TOML and YAML both read back unchanged (JSON escapes are valid in both).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A TOML table key: bare when it can be, quoted otherwise.
fn toml_key(name: &str) -> String {
    let bare = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare { name.to_string() } else { quoted(name) }
}
