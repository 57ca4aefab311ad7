//! agentview's own command line, said back: hints that repeat the user's flags, and the command
//! another program (an MCP client) runs to reach the same credential.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::cli::{GlobalArgs, StoreArg};
use crate::env::Env;

pub(crate) fn given_flags(args: &GlobalArgs, server: &str) -> Vec<String> {
    let mut flags = Vec::new();
    if args.server.is_some() {
        flags.extend(["--server".to_string(), server.to_string()]);
    }
    if let Some(account) = &args.account {
        flags.extend(["--account".to_string(), account.clone()]);
    }
    if let Some(store) = args.store.and_then(|s| clap::ValueEnum::to_possible_value(&s)) {
        flags.extend(["--store".to_string(), store.get_name().to_string()]);
    }
    if let Some(dir) = &args.config_dir {
        flags.extend(["--config-dir".to_string(), dir.display().to_string()]);
    }
    flags
}

/// The flags in effect, as the words of a command line. Values stay as the OS gave them (a
/// configuration checks that it can carry each one exactly), and a relative config dir is
/// made absolute: the client that runs the command starts in a directory of its own.
pub(crate) fn pinned_flags(
    server: &str,
    default_server: bool,
    store: StoreArg,
    explicit_dir: bool,
    dir: &Path,
    account: Option<&crate::store::AccountName>,
) -> Vec<OsString> {
    let mut flags: Vec<OsString> = Vec::new();
    if !default_server {
        flags.extend(["--server".into(), server.into()]);
    }
    if let Some(account) = account {
        flags.extend(["--account".into(), account.as_str().into()]);
    }
    if let Some(store) = (store != StoreArg::Auto).then(|| clap::ValueEnum::to_possible_value(&store)).flatten() {
        flags.extend(["--store".into(), store.get_name().into()]);
    }
    if explicit_dir {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        flags.extend(["--config-dir".into(), dir.into_os_string()]);
    }
    flags
}

/// `agentview` when the first `agentview` on PATH is this very binary, else the full path.
pub(crate) fn program(env: &Env) -> PathBuf {
    let Ok(me) = std::env::current_exe() else { return "agentview".into() };
    let me = me.canonicalize().unwrap_or(me);
    let name = if cfg!(windows) { "agentview.exe" } else { "agentview" };
    let on_path = env
        .get("PATH")
        .map(|path| std::env::split_paths(path).map(|dir| dir.join(name)).find(|p| p.is_file()))
        .unwrap_or_default();
    match on_path.and_then(|p| p.canonicalize().ok()) {
        Some(found) if found == me => "agentview".into(),
        _ => me,
    }
}

/// Quote a word for a POSIX shell when it needs it: single quotes, in which every character
/// but `'` stands for itself. A word that starts with `=` is quoted too (zsh expands `=cmd`).
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && !word.starts_with('=')
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b));
    if plain { word.to_string() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{GlobalArgs, StoreArg};

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("https://a.example/mcp"), "https://a.example/mcp");
        assert_eq!(shell_quote("/tmp/my dir"), "'/tmp/my dir'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("https://h/mcp?a=1&b=2"), "'https://h/mcp?a=1&b=2'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("=ls"), "'=ls'");
        assert_eq!(shell_quote("a=b"), "a=b");
    }

    #[test]
    fn hints_repeat_the_given_flags_and_swap_the_server() {
        let args = GlobalArgs {
            server: Some("https://a.example/mcp".into()),
            account: Some("work".into()),
            store: Some(StoreArg::File),
            config_dir: Some("/tmp/my dir".into()),
            headers: Vec::new(),
            quiet: false,
            verbose: false,
            color: Some(crate::cli::ColorArg::Never),
        };
        let settings = crate::settings::resolve(&args, &Env::from_pairs([("HOME", "/h")])).expect("settings");
        assert_eq!(
            settings.command("login"),
            "agentview --server https://a.example/mcp --account work --store file --config-dir '/tmp/my dir' login"
        );
        assert_eq!(
            settings.command_for("https://b.example/mcp", "status"),
            "agentview --server https://b.example/mcp --store file --config-dir '/tmp/my dir' status"
        );
        assert_eq!(
            settings.pinned_flags,
            [
                "--server",
                "https://a.example/mcp",
                "--account",
                "work",
                "--store",
                "file",
                "--config-dir",
                "/tmp/my dir"
            ]
        );
    }
}
