//! The serialized form of a credential, shared by the keyring and the file store.
//!
//! `Credential` holds a `Secret`, which deliberately has no `Serialize`; this is
//! the one place that turns it into text and back.

use serde::{Deserialize, Serialize};

use super::{
    ClientAuth, ClientJwt, Credential, CredentialKind, OAuthGrant, SigningAlg, Unattended, UnattendedGrant, UserInfo,
};
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
    /// OAuth credentials only; records written before OAuth existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<OAuthRecord>,
}

/// The stored form of an [`OAuthGrant`]. No `Debug`: it holds secrets in the clear.
#[derive(Serialize, Deserialize)]
pub(crate) struct OAuthRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub issuer: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub client_auth: ClientAuth,
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// Always written by logins before `--resource omit`: a record without one is a grant
    /// that sends none (an older agentview refuses it as incomplete rather than sending another).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Grants without a person; records written before them have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unattended: Option<Unattended>,
    /// Got with the device grant; records written before it have none.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub device: bool,
}

impl OAuthRecord {
    fn from_grant(grant: &OAuthGrant) -> Result<OAuthRecord, String> {
        let secret = |s: &Option<Secret>, what: &str| -> Result<Option<String>, String> {
            s.as_ref()
                .map(|s| {
                    check_token_shape(s.expose()).map_err(|e| format!("refusing to store the {what}: {e}"))?;
                    Ok(s.expose().to_owned())
                })
                .transpose()
        };
        Ok(OAuthRecord {
            refresh_token: secret(&grant.refresh_token, "refresh token")?,
            issuer: grant.issuer.clone(),
            client_id: grant.client_id.clone(),
            client_secret: secret(&grant.client_secret, "client secret")?,
            client_auth: grant.client_auth,
            token_endpoint: grant.token_endpoint.to_string(),
            revocation_endpoint: grant.revocation_endpoint.as_ref().map(ToString::to_string),
            resource: grant.resource.clone(),
            scope: grant.scope.clone(),
            unattended: grant.unattended.clone(),
            device: grant.device,
        })
    }

    fn into_grant(self) -> Result<OAuthGrant, String> {
        let secret = |s: Option<String>, what: &str| -> Result<Option<Secret>, String> {
            s.map(|s| {
                check_token_shape(&s).map_err(|e| format!("the stored {what} is unusable: {e}"))?;
                Ok(Secret::new(s))
            })
            .transpose()
        };
        let endpoint = |url: &str, what: &str| -> Result<reqwest::Url, String> {
            let parsed = reqwest::Url::parse(url).map_err(|_| format!("the stored {what} is not a URL"))?;
            if !matches!(parsed.scheme(), "https" | "http") {
                return Err(format!("the stored {what} is not an http(s) URL"));
            }
            Ok(parsed)
        };
        check_unattended(self.client_auth, self.unattended.as_ref())?;
        let token_endpoint = endpoint(&self.token_endpoint, "token endpoint")?;
        let revocation_endpoint =
            self.revocation_endpoint.as_deref().map(|url| endpoint(url, "revocation endpoint")).transpose()?;
        Ok(OAuthGrant {
            refresh_token: secret(self.refresh_token, "refresh token")?,
            issuer: self.issuer,
            client_id: self.client_id,
            client_secret: secret(self.client_secret, "client secret")?,
            client_auth: self.client_auth,
            token_endpoint,
            revocation_endpoint,
            resource: self.resource,
            scope: self.scope,
            unattended: self.unattended,
            device: self.device,
        })
    }
}

/// A client that signs its requests needs to know with what; the files it names are absolute
/// (a renewal runs from any directory), the algorithm one agentview signs with.
fn check_unattended(auth: ClientAuth, unattended: Option<&Unattended>) -> Result<(), String> {
    if let Some(Unattended { grant: UnattendedGrant::Workload { token_file }, .. }) = unattended
        && !token_file.is_absolute()
    {
        return Err("the stored workload token path is not absolute".into());
    }
    let jwt = unattended.and_then(|u| u.client_jwt.as_ref());
    match (auth, jwt) {
        (ClientAuth::PrivateKeyJwt, None) => Err("the stored client signs with a key, but names none".into()),
        (ClientAuth::PrivateKeyJwt, Some(ClientJwt::Key { path, alg, .. })) => {
            if !path.is_absolute() {
                return Err("the stored client key path is not absolute".into());
            }
            if SigningAlg::parse(alg).is_none() {
                return Err("the stored client key's algorithm is not one agentview signs with".into());
            }
            Ok(())
        }
        (ClientAuth::PrivateKeyJwt, Some(ClientJwt::AssertionFile { path, .. })) if !path.is_absolute() => {
            Err("the stored client assertion path is not absolute".into())
        }
        (ClientAuth::PrivateKeyJwt, Some(_)) => Ok(()),
        (_, Some(_)) => Err("the stored client names a key but does not sign with it".into()),
        (_, None) => Ok(()),
    }
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
            oauth: credential.oauth.as_ref().map(OAuthRecord::from_grant).transpose()?,
        })
    }

    /// The same check on the way out: a tampered store cannot inject headers.
    pub fn into_credential(self, server: &str) -> Result<Credential, String> {
        check_token_shape(&self.token).map_err(|e| format!("the stored token is unusable: {e}"))?;
        let oauth = self.oauth.map(OAuthRecord::into_grant).transpose()?;
        if (self.kind == CredentialKind::OAuth) != oauth.is_some() {
            return Err("the stored entry's kind does not match its OAuth fields".into());
        }
        Ok(Credential {
            server: server.to_owned(),
            kind: self.kind,
            secret: Secret::new(self.token),
            expires_at: self.expires_at,
            user: self.user,
            created_at: self.created_at,
            oauth,
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
            oauth: None,
        }
    }

    #[test]
    fn round_trip() {
        let c = credential("tok-123");
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential("https://a.example/mcp").unwrap(), c);
    }

    fn oauth_credential() -> Credential {
        Credential {
            kind: CredentialKind::OAuth,
            oauth: Some(OAuthGrant {
                refresh_token: Some(Secret::new("rt-1")),
                issuer: "https://as.example".into(),
                client_id: "client-1".into(),
                client_secret: None,
                client_auth: ClientAuth::None,
                token_endpoint: reqwest::Url::parse("https://as.example/token").unwrap(),
                revocation_endpoint: Some(reqwest::Url::parse("https://as.example/revoke").unwrap()),
                resource: Some("https://a.example/mcp".into()),
                scope: Some("mcp:read".into()),
                unattended: None,
                device: false,
            }),
            ..credential("at-1")
        }
    }

    #[test]
    fn oauth_round_trip() {
        let c = oauth_credential();
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        assert!(json.contains(r#""kind":"oauth""#), "{json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential("https://a.example/mcp").unwrap(), c);
    }

    #[test]
    fn a_grant_that_sends_no_resource_round_trips() {
        let mut c = oauth_credential();
        c.oauth.as_mut().unwrap().resource = None;
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        assert!(!json.contains("\"resource\""), "none written: {json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential("https://a.example/mcp").unwrap(), c);
    }

    #[test]
    fn records_of_the_first_release_still_read() {
        let json = r#"{"kind":"bearer","token":"tok","expires_at":20,"created_at":10}"#;
        let rec: Record = serde_json::from_str(json).unwrap();
        let c = rec.into_credential("https://a.example/mcp").unwrap();
        assert_eq!(c.kind, CredentialKind::Bearer);
        assert!(c.oauth.is_none());
        let json = serde_json::to_string(&Record::from_credential(&credential("tok")).unwrap()).unwrap();
        assert!(!json.contains("oauth"), "no OAuth fields for other kinds: {json}");
    }

    #[test]
    fn oauth_records_are_checked() {
        let mut c = oauth_credential();
        c.oauth.as_mut().unwrap().refresh_token = Some(Secret::new("r\nt"));
        assert!(Record::from_credential(&c).is_err());
        let json = r#"{"kind":"oauth","token":"t","created_at":1}"#;
        let rec: Record = serde_json::from_str(json).unwrap();
        assert!(rec.into_credential("s").is_err(), "kind oauth without its fields");
        let json = r#"{"kind":"oauth","token":"t","created_at":1,"oauth":{"issuer":"i","client_id":"c",
            "client_auth":"none","token_endpoint":"file:///etc/passwd","resource":"r"}}"#;
        let rec: Record = serde_json::from_str(json).unwrap();
        assert!(rec.into_credential("s").is_err(), "a token endpoint that is not http(s)");
    }

    #[test]
    fn grants_without_a_person_round_trip_and_are_checked() {
        use crate::store::{Unattended, UnattendedGrant};
        let mut c = oauth_credential();
        let grant = c.oauth.as_mut().unwrap();
        grant.refresh_token = None;
        grant.client_auth = ClientAuth::PrivateKeyJwt;
        grant.unattended = Some(Unattended::new(
            UnattendedGrant::IdJag { idp: "https://idp.example".into(), id_token_file: None },
            Some(ClientJwt::Key { path: "/keys/ci.pem".into(), alg: "ES256".into(), key_id: None }),
        ));
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        assert!(json.contains(r#""grant":"id_jag","idp":"https://idp.example""#), "{json}");
        assert!(json.contains(r#""kind":"key","path":"/keys/ci.pem","alg":"ES256""#), "{json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential("https://a.example/mcp").unwrap(), c);
        let stored = |unattended: &str, auth: &str| {
            let json = format!(
                r#"{{"kind":"oauth","token":"t","created_at":1,"oauth":{{"issuer":"i","client_id":"c",
                "client_auth":"{auth}","token_endpoint":"https://as.example/token","resource":"r"{unattended}}}}}"#
            );
            serde_json::from_str::<Record>(&json).unwrap().into_credential("s")
        };
        assert!(stored(r#","unattended":{"grant":"client_credentials"}"#, "client_secret_basic").is_ok());
        assert!(stored(r#","unattended":{"grant":"client_credentials"}"#, "private_key_jwt").is_err(), "no key named");
        let relative =
            r#","unattended":{"grant":"client_credentials","client_jwt":{"kind":"key","path":"k.pem","alg":"ES256"}}"#;
        assert!(stored(relative, "private_key_jwt").is_err(), "a relative path");
        let unknown_alg =
            r#","unattended":{"grant":"client_credentials","client_jwt":{"kind":"key","path":"/k.pem","alg":"HS256"}}"#;
        assert!(stored(unknown_alg, "private_key_jwt").is_err(), "an algorithm agentview does not sign with");
        let file = r#","unattended":{"grant":"client_credentials","client_jwt":{"kind":"assertion_file","path":"/run/token"}}"#;
        assert!(stored(file, "private_key_jwt").is_ok());
        assert!(stored(file, "client_secret_post").is_err(), "a file for a client that does not sign");
        let workload = r#","unattended":{"grant":"workload","token_file":"/run/workload/token"}"#;
        assert!(stored(workload, "none").is_ok());
        let relative = r#","unattended":{"grant":"workload","token_file":"token"}"#;
        assert!(stored(relative, "none").is_err(), "a relative workload token path");
    }

    #[test]
    fn the_environments_cache_and_a_presented_assertion_round_trip_and_older_records_still_read() {
        use crate::store::{Unattended, UnattendedGrant};
        let mut c = oauth_credential();
        let grant = c.oauth.as_mut().unwrap();
        grant.client_auth = ClientAuth::PrivateKeyJwt;
        let file = ClientJwt::AssertionFile { path: "/run/ci.jwt".into(), presented: Some("a1b2".into()) };
        grant.unattended = Some(Unattended {
            from_environment: true,
            ..Unattended::new(UnattendedGrant::ClientCredentials, Some(file))
        });
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        assert!(json.contains(r#""from_environment":true"#) && json.contains(r#""presented":"a1b2""#), "{json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential("https://a.example/mcp").unwrap(), c);
        // Written before either existed: neither is assumed.
        let older = r#"{"kind":"oauth","token":"t","created_at":1,"oauth":{"issuer":"https://as.example",
            "client_id":"c","client_auth":"private_key_jwt","token_endpoint":"https://as.example/token",
            "resource":"r","unattended":{"grant":"client_credentials",
            "client_jwt":{"kind":"assertion_file","path":"/run/ci.jwt"}}}}"#;
        let read = serde_json::from_str::<Record>(older).unwrap().into_credential("s").unwrap();
        let unattended = read.oauth.and_then(|g| g.unattended).unwrap();
        assert!(!unattended.from_environment);
        assert_eq!(
            unattended.client_jwt,
            Some(ClientJwt::AssertionFile { path: "/run/ci.jwt".into(), presented: None })
        );
        // Neither is written when it says nothing: a login's record reads as before.
        let json = serde_json::to_string(&Record::from_credential(&oauth_credential()).unwrap()).unwrap();
        assert!(!json.contains("from_environment") && !json.contains("presented"), "{json}");
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
