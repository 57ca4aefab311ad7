//! Arguments + environment → settings, resolved once. Commands see only these types.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::cli::{ColorArg, GlobalArgs, StoreArg};
use crate::env::Env;
use crate::error::Failure;
use crate::secret::Secret;
use crate::server_url::ServerUrl;
use crate::store::accounts::Accounts;
use crate::store::{AccountName, KeyringBackend, StoreChoice, StoreConfig};

pub(crate) mod client;
pub(crate) mod file;
pub(crate) mod invocation;
pub(crate) mod provider;
pub(crate) mod resource;
pub(crate) mod sources;

pub const DEFAULT_SERVER: &str = "https://agentview.de/mcp";

/// Everything a command needs to know, from flags and environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The server, normalized.
    pub server: ServerUrl,
    /// Where the server came from: `--server`, `AGENTVIEW_SERVER`, the one `switch --server`
    /// remembered, or the built-in default.
    pub server_from: ServerFrom,
    /// The server's account (`--account`, `AGENTVIEW_ACCOUNT`, else its active one): with the
    /// server, the key its credential is stored under.
    pub account: AccountName,
    /// Whether `--account` or `AGENTVIEW_ACCOUNT` named it.
    pub account_given: bool,
    pub store: StoreConfig,
    /// `--header` values, `{env:VAR}` expanded.
    pub headers: HeaderMap,
    pub pacing: Pacing,
    pub request_timeout: Duration,
    /// The first wait before retrying a failed setup request (it doubles after that).
    pub retry_wait: Duration,
    /// `AGENTVIEW_TOKEN`, when set.
    pub env_token: Option<Secret>,
    /// `AGENTVIEW_CLIENT_ID` with its secret, key or assertion file, when set: client
    /// credentials without a `login` (CI).
    pub env_client: Option<client::EnvClient>,
    /// `AGENTVIEW_AUTH_SERVER`, else config.toml's `auth_server`: the authorization server
    /// (issuer) every login is pinned to; another one the server names is refused before
    /// anything secret is sent.
    pub auth_server: Option<String>,
    /// The server's table in config.toml, when it has one: the login settings it keeps.
    pub file: Option<file::ServerFile>,
    pub browser: BrowserSettings,
    pub ui: UiSettings,
    /// `--server`, `--store` and `--config-dir` as the user gave them on the command line:
    /// every command a hint shows repeats them (see [`Settings::command`]).
    pub given_flags: Vec<String>,
    /// The same three, pinned to what is in effect (flags or environment), for a
    /// configuration that runs agentview later from another program's environment.
    pub pinned_flags: Vec<std::ffi::OsString>,
}

/// Where the server of a run came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerFrom {
    Flag,
    Env,
    /// `switch --server` remembered it.
    Remembered,
    Default,
}

impl ServerFrom {
    /// As `status --json` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerFrom::Flag => "flag",
            ServerFrom::Env => "env",
            ServerFrom::Remembered => "remembered",
            ServerFrom::Default => "default",
        }
    }
}

/// RFC 8628 section 3.5: what each `slow_down` adds to a device login's interval.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// Pacing of the session login's poll loop (`AGENTVIEW_POLL_INTERVAL`, `AGENTVIEW_POLICY_WAIT`),
/// and what a device login's `slow_down` adds (`AGENTVIEW_SLOW_DOWN_STEP`; the device login
/// otherwise polls at the authorization server's interval).
#[derive(Debug, Clone)]
pub struct Pacing {
    /// The shortest gap between two polls (2 s: at most 30 a minute).
    pub interval: Duration,
    /// The longest back-off after failures.
    pub max_backoff: Duration,
    /// Wait after a policy denial of a poll; `None` = until the next UTC minute.
    pub policy_wait: Option<Duration>,
    /// What each `slow_down` adds to a device login's interval (RFC 8628: 5 s).
    pub slow_down_step: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            interval: Duration::from_secs(2),
            max_backoff: Duration::from_secs(30),
            policy_wait: None,
            slow_down_step: SLOW_DOWN_STEP,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BrowserSettings {
    /// `AGENTVIEW_BROWSER`, else `BROWSER`: a command line; the URL is appended.
    pub launcher: Option<String>,
    /// Whether the platform opener may be used (false on Linux with no display, not WSL).
    pub has_display: bool,
    /// A shell over SSH (`SSH_CONNECTION` or `SSH_TTY` set): a browser opened here, if any, is
    /// not the one in front of the person, unless a launcher is named.
    pub ssh: bool,
    /// Variables the browser must not inherit: agentview's own (`AGENTVIEW_TOKEN`, client
    /// secrets, …) and those `--header` values name with `{env:VAR}`.
    pub hidden_env: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct UiSettings {
    pub quiet: bool,
    pub verbose: bool,
    pub color: bool,
    pub stderr_tty: bool,
    pub stdin_tty: bool,
}

impl UiSettings {
    /// A person is at the terminal (prompts may appear, waits can be longer).
    pub fn interactive(&self) -> bool {
        self.stderr_tty && self.stdin_tty
    }
}

/// How messages look: decided on its own so that errors in the other settings are shown
/// the way the user asked (`--color always`).
pub fn resolve_ui(args: &GlobalArgs, env: &Env) -> UiSettings {
    let stderr_tty = std::io::stderr().is_terminal();
    UiSettings {
        quiet: args.quiet,
        verbose: args.verbose,
        color: match args.color.unwrap_or(ColorArg::Auto) {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => stderr_tty && !env.is_set("NO_COLOR") && env.get("TERM") != Some("dumb"),
        },
        stderr_tty,
        stdin_tty: std::io::stdin().is_terminal(),
    }
}

/// Resolve global settings from arguments and environment.
pub fn resolve(args: &GlobalArgs, env: &Env) -> Result<Settings, Failure> {
    let ui = resolve_ui(args, env);
    let choice = match args.store {
        Some(arg) => arg,
        None => match env.get("AGENTVIEW_STORE") {
            None => StoreArg::Auto,
            Some(v) => <StoreArg as clap::ValueEnum>::from_str(v, true)
                .map_err(|_| Failure::usage(format!("AGENTVIEW_STORE=\"{v}\" is not one of auto, keyring, file")))?,
        },
    };
    let backend = match env.get("AGENTVIEW_KEYRING_BACKEND") {
        None => KeyringBackend::Default,
        Some("secret-service") => KeyringBackend::SecretService,
        Some("keyutils") => KeyringBackend::Keyutils,
        Some(other) => {
            return Err(Failure::usage(format!(
                "AGENTVIEW_KEYRING_BACKEND=\"{other}\" is not one of secret-service, keyutils"
            )));
        }
    };
    let config_dir = match args.config_dir.clone().or_else(|| env.get("AGENTVIEW_CONFIG_DIR").map(PathBuf::from)) {
        Some(dir) => dir,
        None => default_config_dir(env).ok_or_else(|| {
            Failure::usage("cannot find a config directory; pass --config-dir or set AGENTVIEW_CONFIG_DIR")
        })?,
    };
    let keyring_timeout = seconds(env, "AGENTVIEW_KEYRING_TIMEOUT")?.unwrap_or(if ui.interactive() {
        Duration::from_secs(120)
    } else {
        Duration::from_secs(10)
    });
    let lock_wait = seconds(env, "AGENTVIEW_LOCK_TIMEOUT")?.unwrap_or(crate::store::file::LOCK_WAIT);
    let given_account = match args.account.as_deref().or_else(|| env.get("AGENTVIEW_ACCOUNT")) {
        Some(raw) => Some(AccountName::parse(raw).map_err(|e| {
            let from = if args.account.is_some() { "--account" } else { "AGENTVIEW_ACCOUNT" };
            Failure::usage(format!("{from}: {e}"))
        })?),
        None => None,
    };
    let (raw_server, server_from) = match (&args.server, env.get("AGENTVIEW_SERVER")) {
        (Some(flag), _) => (Some(flag.clone()), ServerFrom::Flag),
        (None, Some(var)) => (Some(var.to_string()), ServerFrom::Env),
        (None, None) => (None, ServerFrom::Default),
    };
    // The index of accounts is read only when it decides something: the account, or the server.
    let index = if given_account.is_none() || raw_server.is_none() {
        Some(Accounts::new(&config_dir, lock_wait).read().map_err(|e| {
            Failure::new(crate::error::Exit::Store, format!("cannot read the index of accounts: {e}"))
                .with_hint("fix what is named above, or remove the file (the credentials stay; `switch` rebuilds it)")
        })?)
    } else {
        None
    };
    let remembered = index.as_ref().and_then(|i| i.default_server.clone());
    let (server, server_from) = match (raw_server, remembered) {
        (Some(raw), _) => (ServerUrl::parse(&raw)?, server_from),
        (None, Some(kept)) => (
            ServerUrl::parse(&kept).map_err(|e| {
                Failure::usage(format!("the server `switch --server` remembered is not usable: {}", e.message))
            })?,
            ServerFrom::Remembered,
        ),
        (None, None) => (ServerUrl::parse(DEFAULT_SERVER)?, ServerFrom::Default),
    };
    let file = file::read(&config_dir, &server)?;
    let account_given = given_account.is_some();
    let account = match (given_account, file.as_ref().and_then(|f| f.account.as_ref())) {
        (Some(account), _) => account,
        (None, Some(pinned)) => pinned.value.clone(),
        (None, None) => index.as_ref().map(|i| i.active(server.as_str())).unwrap_or_default(),
    };
    let auth_server = match (client::pinned_auth_server(env)?, file.as_ref().and_then(|f| f.auth_server.as_ref())) {
        (Some(pin), _) => Some(pin),
        (None, Some(kept)) => {
            let name = format!("auth_server ({})", file.as_ref().map(|f| f.at(kept.line)).unwrap_or_default());
            client::check_issuer_named(&kept.value, &name)?;
            Some(kept.value.clone())
        }
        (None, None) => None,
    };
    let store_dir = config_dir.clone();
    let given = crate::settings::invocation::given_flags(args, server.as_str());
    let pinned = crate::settings::invocation::pinned_flags(
        server.as_str(),
        server.as_str() == DEFAULT_SERVER,
        choice,
        args.config_dir.is_some() || env.is_set("AGENTVIEW_CONFIG_DIR"),
        &store_dir,
        account_given.then_some(&account),
    );
    let store = StoreConfig {
        choice: match choice {
            StoreArg::Auto => StoreChoice::Auto,
            StoreArg::Keyring => StoreChoice::Keyring,
            StoreArg::File => StoreChoice::File,
        },
        backend,
        config_dir,
        keyring_timeout,
        lock_wait,
    };
    let pacing = Pacing {
        interval: seconds(env, "AGENTVIEW_POLL_INTERVAL")?.unwrap_or(Duration::from_secs(2)),
        max_backoff: Duration::from_secs(30),
        policy_wait: seconds(env, "AGENTVIEW_POLICY_WAIT")?,
        slow_down_step: seconds(env, "AGENTVIEW_SLOW_DOWN_STEP")?.unwrap_or(SLOW_DOWN_STEP),
    };
    let launcher = env.get("AGENTVIEW_BROWSER").or_else(|| env.get("BROWSER")).map(str::to_string);
    let wsl = env.is_set("WSL_DISTRO_NAME") || env.is_set("WSL_INTEROP");
    let has_display = !cfg!(target_os = "linux") || env.is_set("DISPLAY") || env.is_set("WAYLAND_DISPLAY") || wsl;
    Ok(Settings {
        server,
        server_from,
        account,
        account_given,
        store,
        headers: parse_headers(&args.headers, env)?,
        pacing,
        request_timeout: seconds(env, "AGENTVIEW_REQUEST_TIMEOUT")?.unwrap_or(Duration::from_secs(30)),
        retry_wait: seconds(env, "AGENTVIEW_RETRY_WAIT")?.unwrap_or(Duration::from_secs(1)),
        env_token: env_token(env)?,
        env_client: client::env_client(env)?,
        auth_server,
        file,
        browser: BrowserSettings {
            launcher,
            has_display,
            ssh: env.is_set("SSH_CONNECTION") || env.is_set("SSH_TTY"),
            hidden_env: hidden_env(env, &args.headers),
        },
        ui,
        given_flags: given,
        pinned_flags: pinned,
    })
}

/// The variables a browser started for a login must not see: every `AGENTVIEW_*` one, and
/// every one a `--header` takes its value from.
fn hidden_env(env: &Env, headers: &[String]) -> Vec<String> {
    let mut names: Vec<String> = env.names().filter(|n| n.starts_with("AGENTVIEW_")).map(str::to_string).collect();
    for header in headers {
        let mut rest = header.as_str();
        while let Some(start) = rest.find("{env:") {
            let after = &rest[start + 5..];
            let Some(end) = after.find('}') else { break };
            names.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    names.sort();
    names.dedup();
    names
}

/// `AGENTVIEW_TOKEN`, held to the rules of `--with-token`: it goes into headers and
/// `token`'s output, so a newline in it would inject a header line. Never echoed.
fn env_token(env: &Env) -> Result<Option<Secret>, Failure> {
    let Some(raw) = env.get("AGENTVIEW_TOKEN") else { return Ok(None) };
    let token = raw.trim();
    crate::secret::check_token_shape(token).map_err(|e| {
        let what = if token.is_empty() { "is only whitespace".to_owned() } else { format!("is not usable: {e}") };
        Failure::usage(format!("AGENTVIEW_TOKEN {what}"))
            .with_hint("set it to the token alone, or unset it to use the stored credential")
    })?;
    Ok(Some(Secret::new(token)))
}

/// A tuning variable in (fractional) seconds.
pub(crate) fn seconds(env: &Env, name: &str) -> Result<Option<Duration>, Failure> {
    let Some(raw) = env.get(name) else { return Ok(None) };
    match raw.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => Ok(Some(Duration::from_secs_f64(secs))),
        _ => Err(Failure::usage(format!("{name}=\"{raw}\" is not a number of seconds between 0 and 86400"))),
    }
}

fn parse_headers(raw: &[String], env: &Env) -> Result<HeaderMap, Failure> {
    let mut headers = HeaderMap::new();
    for item in raw {
        let Some((name, value)) = item.split_once(':') else {
            // Without a colon there is no telling name from value, and the value is often a
            // secret: none of it is shown.
            return Err(Failure::usage(format!(
                "--header number {} is not \"Name: value\" (its text is not shown: it may be a secret)",
                raw.iter().position(|r| r == item).map_or(1, |i| i + 1)
            )));
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| Failure::usage(format!("--header: \"{}\" is not a valid header name", name.trim())))?;
        let value = expand_env(value.trim(), env)?;
        let mut value = HeaderValue::from_str(&value)
            .map_err(|_| Failure::usage(format!("--header {name}: the value has characters a header cannot carry")))?;
        value.set_sensitive(true);
        headers.append(name, value);
    }
    Ok(headers)
}

/// Replace `{env:VAR}` with the variable's value, so secrets need not be in argv.
fn expand_env(value: &str, env: &Env) -> Result<String, Failure> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("{env:") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 5..];
        let end = after.find('}').ok_or_else(|| Failure::usage("--header: \"{env:\" without a closing \"}\""))?;
        let name = &after[..end];
        let found = env
            .get(name)
            .ok_or_else(|| Failure::usage(format!("--header refers to {{env:{name}}}, which is not set")))?;
        out.push_str(found);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The platform config directory + `agentview`.
fn default_config_dir(env: &Env) -> Option<PathBuf> {
    let base = if cfg!(windows) {
        env.get("APPDATA").map(PathBuf::from)
    } else if cfg!(target_os = "macos") {
        env.get("HOME").map(|h| PathBuf::from(h).join("Library/Application Support"))
    } else {
        env.get("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| env.get("HOME").map(|h| PathBuf::from(h).join(".config")))
    };
    base.map(|b| b.join("agentview"))
}

impl Settings {
    /// " (account NAME)" for messages about the account, unless it is `default`.
    pub fn account_note(&self) -> String {
        if self.account.is_default() { String::new() } else { format!(" (account {})", self.account) }
    }

    /// The key the credential of this server's account is stored under.
    pub fn key(&self) -> String {
        self.account.key(self.server.as_str())
    }

    /// The command line for `agentview <sub>` that acts on the same server, store and
    /// config dir as this run: hints print it so copying it does the right thing.
    pub fn command(&self, sub: &str) -> String {
        let mut words = vec!["agentview".to_string()];
        words.extend(self.given_flags.iter().map(|w| crate::settings::invocation::shell_quote(w)));
        words.push(sub.to_string());
        words.join(" ")
    }

    /// Like [`Settings::command`], without `--account` (for a command that names the account
    /// itself, such as `switch NAME`).
    pub fn command_without_account(&self, sub: &str) -> String {
        let mut words = vec!["agentview".to_string()];
        let mut flags = self.given_flags.iter();
        while let Some(flag) = flags.next() {
            let value = flags.next().map(String::as_str).unwrap_or_default();
            if flag != "--account" {
                words.extend([flag.clone(), crate::settings::invocation::shell_quote(value)]);
            }
        }
        words.push(sub.to_string());
        words.join(" ")
    }

    /// Like [`Settings::command`], with `--store store` instead of the user's store.
    pub fn command_in_store(&self, store: &str, sub: &str) -> String {
        let mut words = vec!["agentview".to_string()];
        let mut flags = self.given_flags.iter();
        while let Some(flag) = flags.next() {
            let value = flags.next().map(String::as_str).unwrap_or_default();
            if flag != "--store" {
                words.extend([flag.clone(), crate::settings::invocation::shell_quote(value)]);
            }
        }
        words.extend(["--store".to_string(), store.to_string(), sub.to_string()]);
        words.join(" ")
    }

    /// Like [`Settings::command`], for another server (the store and config dir stay).
    pub fn command_for(&self, server: &str, sub: &str) -> String {
        let mut words =
            vec!["agentview".to_string(), "--server".to_string(), crate::settings::invocation::shell_quote(server)];
        let mut flags = self.given_flags.iter();
        while let Some(flag) = flags.next() {
            let value = flags.next().map(String::as_str).unwrap_or_default();
            if flag != "--server" && flag != "--account" {
                words.extend([flag.clone(), crate::settings::invocation::shell_quote(value)]);
            }
        }
        words.push(sub.to_string());
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_expand_env_and_validate() {
        let env = Env::from_pairs([("GRANT", "g-123")]);
        let h = parse_headers(&["Authorization: Bearer {env:GRANT}".into(), "X-A: b".into()], &env).expect("ok");
        assert_eq!(h.get("authorization").map(|v| v.as_bytes()), Some(&b"Bearer g-123"[..]));
        assert!(h.get("authorization").is_some_and(HeaderValue::is_sensitive));
        assert!(parse_headers(&["NoColon".into()], &env).is_err());
        assert!(parse_headers(&["Bad Name: x".into()], &env).is_err());
        assert!(parse_headers(&["X: {env:MISSING}".into()], &env).is_err());
        assert!(parse_headers(&["X: a\u{7}b".into()], &env).is_err());
    }

    #[test]
    fn config_dir_follows_xdg() {
        if cfg!(target_os = "linux") {
            let env = Env::from_pairs([("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")]);
            assert_eq!(default_config_dir(&env), Some(PathBuf::from("/x/agentview")));
            let env = Env::from_pairs([("HOME", "/h")]);
            assert_eq!(default_config_dir(&env), Some(PathBuf::from("/h/.config/agentview")));
        }
    }
}
