//! More scope on demand (MCP authorization, scope challenge handling): a 403 whose
//! `WWW-Authenticate` says `error="insufficient_scope"` with a `scope` names what the credential
//! lacks; the login that follows asks for the union of the granted and the challenged scopes.

use reqwest::header::{HeaderMap, WWW_AUTHENTICATE};

use super::discovery::parse_challenge;
use super::error::ErrorCode;

/// Logins for more scope in a row, with no request answered in between (OAUTH.md §5).
pub const STEP_UPS_IN_A_ROW: u32 = 3;

/// The scopes a 403 `insufficient_scope` challenge asks for, when it names valid ones.
pub fn challenged(status: u16, headers: &HeaderMap) -> Option<String> {
    let values = headers.get_all(WWW_AUTHENTICATE).iter().filter_map(|v| v.to_str().ok());
    challenged_in(status, values)
}

/// The same, from the `WWW-Authenticate` values as text.
pub fn challenged_in<'a>(status: u16, values: impl IntoIterator<Item = &'a str>) -> Option<String> {
    if status != 403 {
        return None;
    }
    let challenge = values.into_iter().find_map(parse_challenge)?;
    if challenge.error != Some(ErrorCode::InsufficientScope) {
        return None;
    }
    challenge.scope.filter(|s| valid(s))
}

/// RFC 6749 section 3.3: scope tokens of visible ASCII but `"` and `\`, separated by spaces;
/// anything else is not put into a command line or a request.
fn valid(scope: &str) -> bool {
    !scope.trim().is_empty()
        && scope.len() <= 1024
        && scope.bytes().all(|b| b == b' ' || (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
}

/// The granted scopes, then the challenged ones not among them.
pub fn union(granted: Option<&str>, challenged: &str) -> String {
    let mut scopes: Vec<&str> = Vec::new();
    for scope in granted.unwrap_or_default().split_whitespace().chain(challenged.split_whitespace()) {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_union_keeps_the_granted_scopes_first_and_each_once() {
        assert_eq!(union(Some("mcp:read offline_access"), "mcp:write mcp:read"), "mcp:read offline_access mcp:write");
        assert_eq!(union(None, "admin"), "admin");
        assert_eq!(union(Some(""), " a  b "), "a b");
    }

    #[test]
    fn only_a_403_insufficient_scope_with_a_scope_asks_for_more() {
        let header = r#"Bearer error="insufficient_scope", scope="mcp:write""#;
        assert_eq!(challenged_in(403, [header]).as_deref(), Some("mcp:write"));
        assert_eq!(challenged_in(401, [header]), None);
        assert_eq!(challenged_in(403, [r#"Bearer error="invalid_token", scope="a""#]), None);
        assert_eq!(challenged_in(403, [r#"Bearer error="insufficient_scope""#]), None);
    }

    #[test]
    fn scopes_that_cannot_go_into_a_command_are_refused() {
        assert!(valid("mcp:write files:read"));
        assert!(!valid("a\"; rm -rf ~; \""));
        assert!(!valid("a\\b"));
        assert!(!valid("line\nbreak"));
        assert!(!valid("   "));
    }
}
