//! The server given as the argument (`agentview login https://host/mcp`, as `npx mcp-remote URL`
//! takes it): taken as `--server`, where a word cannot mean anything else. Something that is no
//! URL, or a second server beside `--server`, is a usage error that says to use `--server URL`.

use super::{Cli, Command};
use crate::error::Failure;
use crate::server_url::ServerUrl;

/// Move the argument of `login`, `token`, `status` or `logout` into `--server`; the URL taken,
/// for the line that says so.
pub fn fold(cli: &mut Cli) -> Result<Option<String>, Failure> {
    let given = match &mut cli.command {
        Command::Login(args) => args.server_url.take(),
        Command::Token(args) => args.server_url.take(),
        Command::Status(args) => args.server_url.take(),
        Command::Logout(args) => args.server_url.take(),
        _ => None,
    };
    let Some(given) = given else { return Ok(None) };
    let shown = crate::sanitize::line(&given, 200);
    if !looks_like_a_url(&given) {
        return Err(Failure::usage(format!("unexpected argument '{shown}'"))
            .with_hint("to name the server, use --server URL (for example --server https://host/mcp)"));
    }
    if let Some(flag) = &cli.global.server {
        let same = matches!((ServerUrl::parse(flag), ServerUrl::parse(&given)), (Ok(a), Ok(b)) if a == b);
        if !same {
            let flag = crate::sanitize::line(flag, 200);
            return Err(Failure::usage(format!("two servers given: --server {flag} and '{shown}'"))
                .with_hint("name one server, with --server URL"));
        }
    }
    cli.global.server = Some(given.clone());
    Ok(Some(given))
}

/// A URL, or what people type for one (`host:port/mcp`, `localhost`): never a word such as a
/// subcommand or a method name, which would be a mistake to take as a server.
fn looks_like_a_url(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && !text.chars().any(char::is_whitespace)
        && !text.starts_with('-')
        && (text.contains("://")
            || text.contains('.')
            || text.contains(':')
            || text.contains('/')
            || text == "localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(args: &[&str]) -> (Result<Option<String>, Failure>, Option<String>) {
        let mut cli = Cli::parse_from_args(args.iter().copied()).expect("parses");
        let taken = fold(&mut cli);
        (taken, cli.global.server)
    }

    #[test]
    fn a_url_as_the_argument_is_the_server() {
        for sub in ["login", "token", "status", "logout"] {
            let (taken, server) = folded(&["agentview", sub, "https://host.example/mcp"]);
            assert_eq!(taken.expect("taken").as_deref(), Some("https://host.example/mcp"), "{sub}");
            assert_eq!(server.as_deref(), Some("https://host.example/mcp"), "{sub}");
        }
        let (taken, _) =
            folded(&["agentview", "login", "--server", "https://host.example/mcp", "https://HOST.example/mcp"]);
        assert!(taken.is_ok(), "the same server twice is one server");
    }

    #[test]
    fn a_word_or_a_second_server_says_to_use_server() {
        let (taken, server) = folded(&["agentview", "login", "oauth"]);
        let failure = taken.expect_err("not a URL");
        assert_eq!(failure.exit, crate::error::Exit::Usage);
        assert!(failure.hint.as_deref().is_some_and(|h| h.contains("--server URL")), "{failure:?}");
        assert_eq!(server, None);
        let (taken, _) = folded(&["agentview", "status", "--server", "https://a.example/mcp", "https://b.example/mcp"]);
        let failure = taken.expect_err("two servers");
        assert!(failure.message.contains("two servers"), "{}", failure.message);
        let (taken, server) = folded(&["agentview", "token"]);
        assert_eq!((taken.expect("nothing to fold"), server), (None, None));
    }
}
