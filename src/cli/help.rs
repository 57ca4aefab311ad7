//! The help that is more than option lists: examples, exit codes, environment, files. One
//! source for `--help` (rendered here) and the man pages (rendered by `gen-docs`).

/// One example: the command line and what it does.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    pub command: &'static str,
    pub what: &'static str,
}

const fn ex(command: &'static str, what: &'static str) -> Example {
    Example { command, what }
}

const ROOT: &[Example] = &[
    ex("agentview login", "Log in; keep the token in the keyring"),
    ex("agentview login --no-browser", "Print the URL, open no browser (SSH)"),
    ex("agentview login --device", "A code to enter on your phone or laptop"),
    ex("agentview token | some-tool", "The token alone on stdout"),
    ex("agentview token --format header", "Authorization: Bearer <token>"),
    ex("agentview status --check", "Does the server still accept it?"),
    ex("agentview mcp-config claude", "Config for an MCP client"),
    ex("agentview exec -- my-tool --serve", "my-tool gets AGENTVIEW_TOKEN"),
    ex("agentview login --no-wait --json", "Agents: start, finish with --resume"),
    ex("agentview login --with-token < file", "CI: store a token read from stdin"),
    ex("agentview --account work login", "A second account at the server"),
    ex("agentview switch work", "Make it the one commands use"),
    ex("agentview logout", "Forget the credential"),
];

const LOGIN: &[Example] = &[
    ex("agentview login", "OAuth in the browser, or the login tools"),
    ex("agentview login https://example.org/mcp", "Another server (as --server)"),
    ex("agentview login --no-browser --timeout 5m", "Print the URL; wait at most 5 minutes"),
    ex("agentview login --device --qr", "A code for another device, and a QR code"),
    ex("agentview login --method oauth --callback-port 8765", "Over ssh -L 8765:127.0.0.1:8765"),
    ex("agentview login --client-id my-app", "A pre-registered OAuth client"),
    ex("agentview login --client-id ID --resource omit", "No resource parameter (Entra ID)"),
    ex("agentview login --authorize-param audience=API", "Name the API (Auth0's audience)"),
    ex("agentview login --json --print-token | jq .", "A JSON summary, the token included"),
    ex("agentview login --no-wait --json", "Two steps (agents, CI): start, exit"),
    ex("agentview login --resume <SESSION_ID>", "…then wait for approval and store"),
    ex("echo \"$SESSION_ID\" | agentview login --resume -", "…the same, the id kept out of ps"),
    ex("agentview login --device --no-wait --json", "Two steps with a device code: start, exit"),
    ex("printf '%s' \"$AGENTVIEW_CI_TOKEN\" | agentview login --with-token", "Store a token you have (never in argv)"),
];

const TOKEN: &[Example] = &[
    ex("agentview token | some-tool", "The token and a newline"),
    ex("curl -H \"$(agentview token --format header)\" https://agentview.de/api", "A header for curl"),
    ex("agentview token --format headers", "JSON for an MCP headers helper"),
];

const STATUS: &[Example] = &[
    ex("agentview status", "Offline: source and expiry"),
    ex("agentview status --check", "Ask the server (4 refused, 7 no answer)"),
    ex("agentview status --all", "Every stored credential, every server"),
    ex("agentview status --json | jq .expires_at_unix", "Machine-readable"),
];

const LOGOUT: &[Example] = &[
    ex("agentview logout", "Revoke (OAuth) and forget the credential"),
    ex("agentview logout --local", "Forget it here only; no revocation"),
    ex("agentview --server https://example.org/mcp logout", "…for another server"),
];

const EXEC: &[Example] = &[
    ex("agentview exec -- my-agent --serve", "Gets AGENTVIEW_TOKEN, AGENTVIEW_SERVER"),
    ex("agentview exec -- codex", "Codex reads AGENTVIEW_TOKEN"),
];

const BRIDGE: &[Example] = &[
    ex("agentview mcp-config vscode", "A configuration that starts the bridge"),
    ex("agentview bridge", "What VS Code, Cursor, Claude Desktop start"),
    ex("agentview --server https://example.org/mcp bridge", "…for another server"),
    ex("agentview -v bridge 2> bridge.log", "Methods and statuses to a log"),
    ex("npx @modelcontextprotocol/inspector agentview bridge", "Try it by hand in the MCP Inspector"),
];

const MCP_CONFIG: &[Example] = &[
    ex("agentview mcp-config claude > .mcp.json", "Claude Code (headersHelper)"),
    ex("agentview mcp-config vscode", "VS Code, through agentview bridge"),
    ex("agentview mcp-config codex >> ~/.codex/config.toml", "Codex; start it with agentview exec"),
    ex("agentview mcp-config cursor --launcher npx", "Cursor starts npx -y agentview@VERSION"),
    ex("agentview --server https://example.org/mcp mcp-config vscode", "Another server"),
];

const SWITCH: &[Example] = &[
    ex("agentview switch", "The server's accounts, the active one marked"),
    ex("agentview switch work", "Commands without --account use work"),
    ex("agentview --account work login", "Log in to another account first"),
    ex("agentview --server https://example.org/mcp switch", "Remember this server for later commands"),
];

const CONFIG: &[Example] = &[
    ex("agentview config show", "What a login would use, and from where"),
    ex("agentview --server https://example.org/mcp config show --json", "…for another server, as JSON"),
];

const COMPLETIONS: &[Example] = &[
    ex("agentview completions bash > /etc/bash_completion.d/agentview", "bash"),
    ex("agentview completions zsh > \"${fpath[1]}/_agentview\"", "zsh"),
];

/// Examples for `sub` ("" for agentview itself).
pub fn examples(sub: &str) -> &'static [Example] {
    match sub {
        "" => ROOT,
        "login" => LOGIN,
        "token" => TOKEN,
        "status" => STATUS,
        "logout" => LOGOUT,
        "exec" => EXEC,
        "mcp-config" => MCP_CONFIG,
        "bridge" => BRIDGE,
        "switch" => SWITCH,
        "config" => CONFIG,
        "completions" => COMPLETIONS,
        _ => &[],
    }
}

/// A paragraph after the examples, when a command needs one.
pub fn note(sub: &str) -> Option<&'static str> {
    match sub {
        "exec" => Some("The command's exit code becomes agentview's (4 if not logged in)."),
        "bridge" => Some(
            "An MCP client starts the bridge, it is not typed: `agentview mcp-config <client>` prints the \
             configuration that does (typed in a terminal, it says so and waits for messages). JSON-RPC on stdin \
             and stdout, one message a line; stderr only for warnings (-v: each request's method and status, \
             never a body or a token). When the server asks for a login and no credential can be had, it logs in \
             as agentview login would (the method and the URL on stderr; the client's requests wait), once across \
             bridges; --no-login, AGENTVIEW_TOKEN and a client in the environment never start one. Ends with 0 \
             when stdin closes or on SIGTERM (within a second), with 4 under --no-login when the login is gone for \
             good (the client gets an error naming agentview login first).",
        ),
        "switch" => Some(
            "A server's first account is named default (a credential stored by an earlier release is it). \
             --account NAME (or AGENTVIEW_ACCOUNT) picks another for one command; config.toml's account line \
             pins one and wins over switch. logout removes one account; the others stay.",
        ),
        "config" => Some(
            "config.toml in the config dir keeps settings per server: [servers.\"URL\"] with client_id, \
             redirect_uri, scope, resource, auth_server, authorize_params, provider, account, method. A flag wins \
             over an environment variable, which wins over the file. No secret belongs in it.",
        ),
        "mcp-config" => Some(
            "The configuration repeats --server, --store and --config-dir (from flags or the environment), so \
             the client runs agentview against the same credential. No token is written into it. A value it \
             cannot carry safely (a control character, `${`) is refused with exit 2.",
        ),
        _ => None,
    }
}

/// The documented exit codes (listed beside the failure kinds that make them).
pub use crate::error::EXIT_CODES;

/// Environment variables agentview reads.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("AGENTVIEW_SERVER", "the server, as --server"),
    ("AGENTVIEW_ACCOUNT", "the server's account, as --account"),
    ("AGENTVIEW_STORE", "the store, as --store"),
    ("AGENTVIEW_CONFIG_DIR", "the config dir, as --config-dir"),
    ("AGENTVIEW_TOKEN", "overrides the stored credential"),
    ("AGENTVIEW_BROWSER, BROWSER", "opens the login URL (given as last argument)"),
    ("AGENTVIEW_KEYRING_BACKEND", "secret-service | keyutils: only that keyring"),
    ("AGENTVIEW_LOGIN_METHOD", "auto | oauth | device | session, as login --method"),
    ("AGENTVIEW_CLIENT_SECRET", "the secret of a confidential login --client-id"),
    ("AGENTVIEW_CLIENT_ID", "+ _SECRET, _KEY or _ASSERTION_FILE: no login"),
    ("AGENTVIEW_WORKLOAD_TOKEN_FILE", "a workload's token file: no login needed"),
    ("AGENTVIEW_AUTH_SERVER", "the one authorization server logins may use"),
    ("AGENTVIEW_PROVIDER", "entra | google | auth0 | okta | generic: its login profile"),
    ("NO_COLOR", "no colours in messages"),
];

/// Files agentview reads and writes.
pub const FILES: &[(&str, &str)] = &[
    (
        "$XDG_CONFIG_HOME/agentview/credentials.json",
        "The credential file (mode 0600), used with --store file or when the keyring is not usable; \
         ~/.config/agentview on Linux when XDG_CONFIG_HOME is unset, ~/Library/Application Support/agentview \
         on macOS, %APPDATA%\\agentview on Windows.",
    ),
    ("credentials.json.lock", "Beside it: serializes writers; safe to leave in place."),
    ("oauth-clients.json", "Beside it: OAuth client registrations per issuer, reused by the next login (mode 0600)."),
    (
        "device-logins.json",
        "Beside it: device logins started with --no-wait until --resume ends them (mode 0600; holds their codes).",
    ),
    ("refresh.lock", "Beside it: lets one process at a time renew an OAuth token."),
    ("config.toml", "Beside it: settings kept per server (see agentview config show); written by you, never a secret."),
    (
        "accounts.json",
        "Beside it: each server's accounts and the active one, and the server switch --server remembered.",
    ),
    (
        "refresh-state.json",
        "Beside it: what the process renewing a token is doing, for those waiting for it (no secrets).",
    ),
];

/// How many examples `-h` shows; `--help` shows them all.
const SHORT_EXAMPLES: usize = 5;

/// The text after the options in `-h`: the first examples, and where the rest is.
pub fn short_after_help(sub: &str) -> String {
    let all = examples(sub).len();
    let mut out = examples_text(sub, SHORT_EXAMPLES);
    if all > SHORT_EXAMPLES {
        out.push_str(&format!("  (more with `agentview {sub} --help`)\n"));
    }
    if let Some(note) = note(sub) {
        out.push_str(&format!("\n{note}\n"));
    }
    out.trim_end().to_string()
}

fn examples_text(sub: &str, limit: usize) -> String {
    let mut out = String::from("Examples:\n");
    for e in examples(sub).iter().take(limit) {
        // Two columns that fit 80; a long command gets a line of its own.
        if e.command.chars().count() <= 36 {
            out.push_str(&format!("  {:<36}  {}\n", e.command, e.what));
        } else {
            out.push_str(&format!("  {}\n  {:<36}  {}\n", e.command, "", e.what));
        }
    }
    out
}

/// The text after the options in `--help`.
pub fn after_help(sub: &str) -> String {
    let mut out = examples_text(sub, usize::MAX);
    if let Some(note) = note(sub) {
        out.push_str(&format!("\n{note}\n"));
    }
    if sub.is_empty() {
        out.push_str("\nExit codes:\n");
        for (code, meaning) in EXIT_CODES {
            out.push_str(&format!("  {code} {meaning}\n"));
        }
        out.push_str("\nEnvironment:\n");
        let width = ENVIRONMENT.iter().map(|(name, _)| name.len()).max().unwrap_or_default();
        for (name, meaning) in ENVIRONMENT {
            out.push_str(&format!("  {name:<width$}  {meaning}\n"));
        }
    }
    out.trim_end().to_string()
}
