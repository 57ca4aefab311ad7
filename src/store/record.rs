//! The serialized form of a credential, shared by the keyring and the file store.
//!
//! `Credential` holds a `Secret`, which deliberately has no `Serialize`; this is
//! the one place that turns it into text and back.

use serde::{Deserialize, Serialize};

use super::{Credential, CredentialKind, UserInfo};
use crate::secret::{Secret, check_token_shape};

/// One credential as stored: everything but the server, which is the key.
///
/// No `Debug`: it holds the token in the clear.
#[derive(Serialize, Deserialize)]
pub(crate) struct Record {
    pub kind: CredentialKind,
    pub token: String,
    #[serde(default)]
    pub expires_at: Option<u64>,
    #[serde(default)]
    pub user: Option<UserInfo>,
    pub created_at: u64,
}

impl Record {
    /// Refuses a token that could never be sent as a header (newlines, control
    /// characters): such a value must not reach a store.
    pub fn from_credential(credential: &Credential) -> Result<Record, String> {
        check_token_shape(credential.secret.expose()).map_err(|e| format!("refusing to store the credential: {e}"))?;
        Ok(Record {
            kind: credential.kind,
            token: credential.secret.expose().to_owned(),
            expires_at: credential.expires_at,
            user: credential.user.clone(),
            created_at: credential.created_at,
        })
    }

    /// The same check on the way out: a tampered store cannot inject headers.
    pub fn into_credential(self, server: &str) -> Result<Credential, String> {
        check_token_shape(&self.token).map_err(|e| format!("the stored token is unusable: {e}"))?;
        Ok(Credential {
            server: server.to_owned(),
            kind: self.kind,
            secret: Secret::new(self.token),
            expires_at: self.expires_at,
            user: self.user,
            created_at: self.created_at,
        })
    }
}

/// Describe a JSON error without echoing the input.
///
/// serde's data errors quote the offending value ("invalid type: string \"…\""),
/// and in a credential store that value may be the token.
pub(crate) fn describe_json_error(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("line {} column {}", err.line(), err.column());
    match err.classify() {
        Category::Io => format!("read error: {err}"),
        Category::Syntax => format!("not valid JSON ({at})"),
        Category::Eof => format!("JSON ends early ({at})"),
        Category::Data => {
            let text = err.to_string();
            if text.starts_with("missing field") {
                text
            } else {
                format!("a value has the wrong type or is unknown ({at})")
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn credential(token: &str) -> Credential {
        Credential {
            server: "https://a.example/mcp".into(),
            kind: CredentialKind::Bearer,
            secret: Secret::new(token),
            expires_at: Some(20),
            user: Some(UserInfo { name: Some("Ann".into()), ..UserInfo::default() }),
            created_at: 10,
        }
    }

    #[test]
    fn round_trip() {
        let c = credential("tok-123");
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential("https://a.example/mcp").unwrap(), c);
    }

    #[test]
    fn bad_tokens_are_refused_both_ways() {
        let err = Record::from_credential(&credential("a\nb")).err().unwrap();
        assert!(!err.contains("a\nb"));
        let json = r#"{"kind":"bearer","token":"x\r\ny","created_at":1}"#;
        let rec: Record = serde_json::from_str(json).unwrap();
        assert!(rec.into_credential("s").is_err());
    }

    #[test]
    fn json_errors_do_not_echo_values() {
        let json = r#"{"kind":"bearer","token":"s3cr3t-token","created_at":"s3cr3t-token"}"#;
        let err = serde_json::from_str::<Record>(json).err().unwrap();
        assert!(err.to_string().contains("s3cr3t"), "serde does echo it");
        assert!(!describe_json_error(&err).contains("s3cr3t"));
        let err = serde_json::from_str::<Record>(r#"{"kind":"bearer"}"#).err().unwrap();
        assert!(describe_json_error(&err).starts_with("missing field"));
    }
}
