//! An account's name, and the store key of a server's account.
//!
//! A server's first account is `default`, and its key is the server URL alone: exactly the key
//! the previous release kept its one credential under, so that credential is the `default`
//! account with nothing migrated. Another account's key is `<server URL>#account=<name>`: a
//! server URL never has a fragment, so no key of one account is ever another's, and a release
//! that knows no accounts never reads, overwrites or deletes them (it asks for the URL alone).

use std::fmt;

/// The account a server's first login gets when no name is given.
pub const DEFAULT: &str = "default";

/// Between the server URL and the account's name in a store key.
const SEPARATOR: &str = "#account=";

const MAX_LEN: usize = 64;

/// An account's name: 1-64 of `A-Z a-z 0-9 . _ @ + -`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountName(String);

impl AccountName {
    /// The name, or why it is none (the text is the user's: it is not echoed past its length).
    pub fn parse(raw: &str) -> Result<AccountName, String> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '+' | '-');
        if raw.is_empty() || raw.len() > MAX_LEN || !raw.chars().all(allowed) {
            return Err(format!(
                "\"{}\" is not an account name: use 1 to {MAX_LEN} of the letters A-Z a-z, digits and . _ @ + -",
                crate::sanitize::line(raw, 80)
            ));
        }
        Ok(AccountName(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_default(&self) -> bool {
        self.0 == DEFAULT
    }

    /// The key this account of `server` is stored under.
    pub fn key(&self, server: &str) -> String {
        if self.is_default() { server.to_owned() } else { format!("{server}{SEPARATOR}{}", self.0) }
    }
}

impl Default for AccountName {
    fn default() -> Self {
        AccountName(DEFAULT.to_owned())
    }
}

impl fmt::Display for AccountName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for AccountName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A store key split into the server it is for and the account: a key without an account part
/// is the server's `default` account (every key the previous release wrote).
pub fn split_key(key: &str) -> Result<(&str, AccountName), String> {
    match key.split_once(SEPARATOR) {
        None => Ok((key, AccountName::default())),
        Some((server, name)) => {
            let name = AccountName::parse(name).map_err(|e| format!("its key names no account: {e}"))?;
            if name.is_default() {
                return Err("its key names the default account, which is kept under the server URL alone".into());
            }
            Ok((server, name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for good in ["default", "work", "ada@example.org", "bot+ci", "a.b_c-d", &"x".repeat(64)] {
            assert_eq!(AccountName::parse(good).expect("a name").as_str(), good);
        }
        for bad in ["", "two words", "a/b", "a#b", "é", "x\n", &"x".repeat(65)] {
            assert!(AccountName::parse(bad).is_err(), "{bad:?} was taken");
        }
    }

    #[test]
    fn the_default_account_is_kept_under_the_server_url_alone() {
        let server = "https://mcp.example.com/mcp";
        assert_eq!(AccountName::default().key(server), server);
        let work = AccountName::parse("work").expect("a name");
        assert_eq!(work.key(server), "https://mcp.example.com/mcp#account=work");
        assert_eq!(split_key(server).expect("a key"), (server, AccountName::default()));
        assert_eq!(split_key(&work.key(server)).expect("a key"), (server, work));
        assert!(split_key("https://mcp.example.com/mcp#account=default").is_err());
        assert!(split_key("https://mcp.example.com/mcp#account=a/b").is_err());
    }
}
