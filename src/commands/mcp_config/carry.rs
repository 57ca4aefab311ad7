//! What a configuration carries from the environment and argv: the server URL, the flags in
//! effect (`--server`, `--store`, `--config-dir`), the server's name and the command that starts
//! agentview. Each is checked once here to be one a client configuration can carry exactly; the
//! rest of `mcp-config` quotes what it gets and never sees a value that failed.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::cli::{LauncherArg, McpClientArg};
use crate::error::Failure;
use crate::settings::Settings;

/// The longest server name: libyaml reads a mapping key of over 1024 characters as an error,
/// and clients show the name in lists.
const NAME_MAX: usize = 128;

/// The checked values, as text.
#[derive(Debug)]
pub struct Values {
    /// The program the client starts to run agentview, and its words before agentview's own
    /// arguments (`npx -y agentview@0.1.0`).
    pub program: String,
    pub launcher_args: Vec<String>,
    /// The flags in effect, as words.
    pub flags: Vec<String>,
    pub server: String,
    pub name: String,
}

pub fn check(
    client: McpClientArg,
    launcher: LauncherArg,
    name: &str,
    settings: &Settings,
    agentview: &Path,
) -> Result<Values, Failure> {
    let mut flags = Vec::with_capacity(settings.pinned_flags.len());
    let mut words = settings.pinned_flags.iter();
    while let Some(flag) = words.next() {
        let flag = flag.to_string_lossy().into_owned();
        let value = words.next().map(|v| v.as_os_str()).unwrap_or_default();
        let value = match flag.as_str() {
            "--config-dir" => config_dir(value)?,
            "--server" => carried("the server URL", value, "")?,
            _ => carried(&flag, value, "")?,
        };
        flags.extend([flag, value]);
    }
    // The packages are published under the crate's name and version (packaging/).
    let package = concat!("agentview@", env!("CARGO_PKG_VERSION"));
    let (program, launcher_args) = match launcher {
        LauncherArg::Path => {
            let hint = "install agentview in a directory whose path has none, or use --launcher npx or uvx";
            let program = match client {
                McpClientArg::ClaudeDesktop => full_path(agentview),
                _ => agentview.to_path_buf(),
            };
            (carried("agentview's own path", program.as_os_str(), hint)?, Vec::new())
        }
        LauncherArg::Npx => ("npx".to_owned(), vec!["-y".to_owned(), package.to_owned()]),
        LauncherArg::Uvx => ("uvx".to_owned(), vec![package.to_owned()]),
    };
    Ok(Values {
        program,
        launcher_args,
        flags,
        server: carried("the server URL", OsStr::new(settings.server.as_str()), "")?,
        name: server_name(client, name)?,
    })
}

/// This agentview by its full path, even where `agentview` on the PATH is this one: Claude
/// Desktop starts servers with a PATH of its own (an app's, not the login shell's), which
/// rarely holds ~/.local/bin or ~/.cargo/bin.
fn full_path(program: &Path) -> PathBuf {
    if program.is_absolute() {
        return program.to_path_buf();
    }
    match std::env::current_exe() {
        Ok(me) => me.canonicalize().unwrap_or(me),
        Err(_) => program.to_path_buf(),
    }
}

fn config_dir(dir: &OsStr) -> Result<String, Failure> {
    let what = "the config dir (--config-dir or AGENTVIEW_CONFIG_DIR)";
    let dir = carried(what, dir, "choose a config dir whose path has none")?;
    if !std::path::Path::new(&dir).is_absolute() {
        return Err(Failure::usage(format!("{what} {dir:?} is not an absolute path")));
    }
    Ok(dir)
}

fn server_name(client: McpClientArg, name: &str) -> Result<String, Failure> {
    let name = carried("--name", OsStr::new(name), "")?;
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(Failure::usage(format!("--name must be 1 to {NAME_MAX} characters long")));
    }
    let codex_name = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if client == McpClientArg::Codex && !codex_name {
        return Err(Failure::usage(format!(
            "--name {name:?}: Codex accepts server names of ASCII letters, digits, '-' and '_' only"
        )));
    }
    Ok(name)
}

/// A value any client configuration can carry exactly: text (a configuration cannot name a
/// path that is not), without control characters (they end or hide a line: the comment of the
/// Codex snippet, the command lines on stderr, the line a person copies), and without `${`
/// (Claude Code, VS Code and Cursor replace `${…}` in their configurations with variables).
fn carried(what: &str, value: &OsStr, hint: &str) -> Result<String, Failure> {
    let refuse = |why: String| {
        let failure = Failure::usage(why);
        if hint.is_empty() { failure } else { failure.with_hint(hint) }
    };
    let Some(text) = value.to_str() else {
        return Err(refuse(format!("{what} {value:?} is not valid UTF-8: a client configuration cannot name it")));
    };
    if text.chars().any(char::is_control) {
        return Err(refuse(format!(
            "{what} {text:?} has a control character (a line break, tab or escape), which a client \
             configuration cannot carry safely"
        )));
    }
    if text.contains("${") {
        return Err(refuse(format!(
            "{what} {text:?} contains \"${{\", which MCP clients replace with an environment variable"
        )));
    }
    Ok(text.to_owned())
}
