//! What the user says about the OAuth authorization request itself: the `resource` it carries
//! (`--resource`), extra parameters (`--authorize-param`), the account to sign in as
//! (`--login-hint`), and the provider whose profile applies (`AGENTVIEW_PROVIDER`; the
//! config file's `provider`).

use crate::env::Env;
use crate::error::Failure;
use crate::login::oauth::shared::provider::{NAMES, Provider};

pub use crate::settings::resource::ResourceChoice;

/// Parameters agentview sets itself, and the setting that changes those a user may change.
const OWN: [(&str, Option<&str>); 8] = [
    ("response_type", None),
    ("client_id", Some("--client-id")),
    ("redirect_uri", Some("--redirect-uri")),
    ("state", None),
    ("code_challenge", None),
    ("code_challenge_method", None),
    ("scope", Some("--scope")),
    ("resource", Some("--resource")),
];

/// One `--authorize-param KEY=VALUE`: a parameter name of letters, digits, `_`, `-` and `.`; a
/// value without control characters. An empty value leaves the parameter out, also one a
/// provider's profile would add (`prompt=`).
pub fn authorize_param(raw: &str) -> Result<(String, String), Failure> {
    let usage = |why: String| Failure::usage(format!("--authorize-param {}: {why}", crate::sanitize::line(raw, 100)));
    let (key, value) = raw.split_once('=').ok_or_else(|| usage("give it as KEY=VALUE".into()))?;
    let key = key.trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
        return Err(usage(format!("\"{}\" is not a parameter name", crate::sanitize::line(key, 60))));
    }
    if let Some((_, setting)) = OWN.iter().find(|(own, _)| *own == key) {
        return Err(match setting {
            Some(setting) => usage(format!("agentview sets {key} itself; use {setting} to change it")),
            None => usage(format!("agentview sets {key} itself (it protects the login)")),
        });
    }
    if key == "login_hint" {
        return Err(usage("use --login-hint".into()));
    }
    if value.len() > 2000 || value.chars().any(char::is_control) {
        return Err(usage("the value is too long or holds control characters".into()));
    }
    Ok((key.to_string(), value.to_string()))
}

/// `AGENTVIEW_PROVIDER`: the provider whose profile applies, whatever the issuer's host.
pub fn provider(env: &Env) -> Result<Option<Provider>, Failure> {
    let Some(raw) = env.get("AGENTVIEW_PROVIDER") else { return Ok(None) };
    Provider::parse(raw).map(Some).ok_or_else(|| {
        let names = NAMES.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
        Failure::usage(format!("AGENTVIEW_PROVIDER=\"{}\" is not one of {names}", crate::sanitize::line(raw, 60)))
    })
}

/// `--login-hint`: the account the sign-in page should offer.
pub fn login_hint(raw: Option<String>) -> Result<Option<String>, Failure> {
    match raw {
        Some(hint) if hint.trim().is_empty() || hint.len() > 320 || hint.chars().any(char::is_control) => {
            Err(Failure::usage("--login-hint: give an e-mail address or user name (no control characters)"))
        }
        hint => Ok(hint.map(|h| h.trim().to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_omit_or_absolute_uris() {
        assert_eq!(ResourceChoice::parse("omit"), Ok(ResourceChoice::Omit));
        assert_eq!(ResourceChoice::parse("OMIT"), Ok(ResourceChoice::Omit));
        assert_eq!(ResourceChoice::parse("api://9d8c7b6a/"), Ok(ResourceChoice::Uri("api://9d8c7b6a/".into())));
        assert!(ResourceChoice::parse("https://a.example/mcp#x").is_err(), "a fragment");
        assert!(ResourceChoice::parse("mcp").is_err(), "not absolute");
    }

    #[test]
    fn authorize_params_are_checked() {
        assert_eq!(
            authorize_param("audience=https://api.example").expect("ok"),
            ("audience".into(), "https://api.example".into())
        );
        assert_eq!(authorize_param("prompt=").expect("ok"), ("prompt".into(), String::new()), "empty: left out");
        assert_eq!(authorize_param("a=b=c").expect("ok").1, "b=c");
        for (raw, says) in [
            ("audience", "KEY=VALUE"),
            ("=x", "not a parameter name"),
            ("a b=x", "not a parameter name"),
            ("state=x", "protects the login"),
            ("scope=x", "--scope"),
            ("resource=x", "--resource"),
            ("redirect_uri=x", "--redirect-uri"),
            ("login_hint=a", "--login-hint"),
            ("x=a\nb", "control characters"),
        ] {
            let err = authorize_param(raw).expect_err(raw);
            assert!(err.message.contains(says), "{raw}: {}", err.message);
            assert_eq!(err.exit, crate::error::Exit::Usage);
        }
    }

    #[test]
    fn the_provider_variable_names_a_known_provider() {
        let env = |v: &str| Env::from_pairs([("AGENTVIEW_PROVIDER", v)]);
        assert_eq!(provider(&env("entra")).expect("ok"), Some(Provider::Entra));
        assert_eq!(provider(&Env::default()).expect("ok"), None);
        let err = provider(&env("azure")).expect_err("unknown");
        assert!(err.message.contains("entra, google, auth0, okta, generic"), "{}", err.message);
    }
}
