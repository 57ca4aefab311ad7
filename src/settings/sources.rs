//! Where each setting of a run came from (a flag, an environment variable, a line of
//! config.toml, the account `switch` made active, the built-in default), for `config show`.
//! Resolved with the other settings: the command only prints it.

use serde::Serialize;

use super::file::Kept;
use super::{ServerFrom, Settings};
use crate::cli::GlobalArgs;
use crate::env::Env;
use crate::settings::resource::ResourceChoice;

/// One setting in effect, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub key: &'static str,
    /// `None`: not set (the default is a behaviour, said in `from`).
    pub value: Option<String>,
    pub from: String,
}

/// The settings a login to the run's server would use, and where each came from. Login's own
/// flags (`--client-id`, `--scope`, `--redirect-uri`, `--method`) win over all of these, for
/// that one login.
pub fn resolve(settings: &Settings, global: &GlobalArgs, env: &Env) -> Vec<Source> {
    let file = settings.file.as_ref();
    let set = |key, value: String, from: String| Source { key, value: Some(value), from };
    let unset = |key, from: &str| Source { key, value: None, from: from.to_owned() };
    let env_or_file =
        |key: &'static str, var: &str, kept: Option<&Kept<String>>, default: &str| match (env.get(var), kept, file) {
            (Some(v), _, _) => set(key, v.to_owned(), format!("env {var}")),
            (None, Some(k), Some(f)) => set(key, k.value.clone(), f.at(k.line)),
            _ => unset(key, default),
        };
    let server_from = match settings.server_from {
        ServerFrom::Flag => "flag --server".to_owned(),
        ServerFrom::Env => "env AGENTVIEW_SERVER".to_owned(),
        ServerFrom::Remembered => "remembered by `switch --server`".to_owned(),
        ServerFrom::Default => "default".to_owned(),
    };
    let account_from = match (global.account.is_some(), settings.account_given, file.and_then(|f| f.account.as_ref())) {
        (true, _, _) => "flag --account".to_owned(),
        (false, true, _) => "env AGENTVIEW_ACCOUNT".to_owned(),
        (false, false, Some(k)) => file.map(|f| f.at(k.line)).unwrap_or_default(),
        _ if settings.account.is_default() => "default".to_owned(),
        _ => "the server's active account (`switch`)".to_owned(),
    };
    let store_from = match (global.store.is_some(), env.get("AGENTVIEW_STORE")) {
        (true, _) => "flag --store",
        (false, Some(_)) => "env AGENTVIEW_STORE",
        _ => "default",
    };
    let store = match settings.store.choice {
        crate::store::StoreChoice::Auto => "auto",
        crate::store::StoreChoice::Keyring => "keyring",
        crate::store::StoreChoice::File => "file",
    };
    let in_file = |key: &'static str, kept: Option<(String, usize)>, default: &str| match (kept, file) {
        (Some((value, line)), Some(f)) => set(key, value, f.at(line)),
        _ => unset(key, default),
    };
    let text = |k: &Option<Kept<String>>| k.as_ref().map(|k| (k.value.clone(), k.line));
    vec![
        set("server", settings.server.to_string(), server_from),
        set("account", settings.account.to_string(), account_from),
        set("store", store.to_owned(), store_from.to_owned()),
        in_file(
            "client_id",
            file.and_then(|f| text(&f.client_id)),
            "none: a client is registered (or its metadata document used)",
        ),
        env_or_file(
            "redirect_uri",
            "AGENTVIEW_REDIRECT_URI",
            file.and_then(|f| f.redirect_uri.as_ref()),
            "none: a loopback address on a free port",
        ),
        in_file(
            "scope",
            file.and_then(|f| text(&f.scope)),
            "default: what the server and its authorization server name",
        ),
        in_file(
            "resource",
            file.and_then(|f| f.resource.as_ref()).map(|k| match &k.value {
                ResourceChoice::Omit | ResourceChoice::Published => ("omit".to_owned(), k.line),
                ResourceChoice::Uri(uri) => (uri.clone(), k.line),
            }),
            "default: the protected resource as the server publishes it",
        ),
        match (
            settings.auth_server.as_ref(),
            env.is_set("AGENTVIEW_AUTH_SERVER"),
            file.and_then(|f| f.auth_server.as_ref()),
        ) {
            (Some(pin), true, _) => set("auth_server", pin.clone(), "env AGENTVIEW_AUTH_SERVER".to_owned()),
            (Some(pin), false, Some(k)) => {
                set("auth_server", pin.clone(), file.map(|f| f.at(k.line)).unwrap_or_default())
            }
            _ => unset("auth_server", "none: the authorization server the server names"),
        },
        in_file(
            "authorize_params",
            file.and_then(|f| f.authorize_params.as_ref()).map(|k| {
                (k.value.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join(" "), k.line)
            }),
            "none",
        ),
        match (env.get("AGENTVIEW_PROVIDER"), file.and_then(|f| f.provider.as_ref())) {
            (Some(v), _) => set("provider", v.to_owned(), "env AGENTVIEW_PROVIDER".to_owned()),
            (None, Some(k)) => {
                set("provider", k.value.as_str().to_owned(), file.map(|f| f.at(k.line)).unwrap_or_default())
            }
            _ => unset("provider", "default: picked from the authorization server's host"),
        },
        env_or_file("method", "AGENTVIEW_LOGIN_METHOD", file.and_then(|f| f.method.as_ref()), "default: auto"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(pairs: &[(&str, &str)], args: &[&str], text: Option<&str>) -> Vec<Source> {
        let dir = tempfile::tempdir().expect("ok");
        if let Some(text) = text {
            std::fs::write(dir.path().join("config.toml"), text).expect("ok");
        }
        let mut pairs: Vec<(&str, &str)> = pairs.to_vec();
        let config = dir.path().display().to_string();
        pairs.extend([("AGENTVIEW_CONFIG_DIR", config.as_str()), ("HOME", "/h")]);
        let env = Env::from_pairs(pairs);
        let mut argv = vec!["agentview"];
        argv.extend_from_slice(args);
        argv.push("status");
        let cli = crate::cli::Cli::parse_from_args(argv).expect("ok");
        let settings = crate::settings::resolve(&cli.global, &env).expect("settings");
        resolve(&settings, &cli.global, &env)
    }

    fn of<'a>(sources: &'a [Source], key: &str) -> (Option<&'a str>, &'a str) {
        let s = sources.iter().find(|s| s.key == key).expect("listed");
        (s.value.as_deref(), s.from.as_str())
    }

    const FILE: &str = "[servers.\"https://mcp.example.com/mcp\"]\nmethod = \"session\"\naccount = \"work\"\nredirect_uri = \"http://127.0.0.1:9/cb\"\nauth_server = \"https://as.example.com\"\n";

    #[test]
    fn the_flag_wins_over_the_environment_which_wins_over_the_file() {
        let server = [("AGENTVIEW_SERVER", "https://mcp.example.com/mcp")];
        let from_file = shown(&server, &[], Some(FILE));
        assert!(of(&from_file, "method").1.ends_with("config.toml line 2"), "{from_file:?}");
        assert_eq!(of(&from_file, "account").0, Some("work"));
        assert!(of(&from_file, "account").1.ends_with("config.toml line 3"));
        assert!(of(&from_file, "auth_server").1.ends_with("config.toml line 5"));
        assert_eq!(of(&from_file, "server").1, "env AGENTVIEW_SERVER");

        let with_env = [
            server[0],
            ("AGENTVIEW_ACCOUNT", "home"),
            ("AGENTVIEW_LOGIN_METHOD", "oauth"),
            ("AGENTVIEW_AUTH_SERVER", "https://pinned.example.com"),
        ];
        let from_env = shown(&with_env, &[], Some(FILE));
        assert_eq!(of(&from_env, "method"), (Some("oauth"), "env AGENTVIEW_LOGIN_METHOD"));
        assert_eq!(of(&from_env, "account"), (Some("home"), "env AGENTVIEW_ACCOUNT"));
        assert_eq!(of(&from_env, "auth_server"), (Some("https://pinned.example.com"), "env AGENTVIEW_AUTH_SERVER"));

        let from_flag = shown(&with_env, &["--account", "bot"], Some(FILE));
        assert_eq!(of(&from_flag, "account"), (Some("bot"), "flag --account"));

        let none = shown(&server, &[], None);
        assert_eq!(of(&none, "method"), (None, "default: auto"));
        assert_eq!(of(&none, "account"), (Some("default"), "default"));
    }
}
