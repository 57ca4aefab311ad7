//! The serialized form of a credential, shared by the keyring and the file store.
//!
//! `Credential` holds a `Secret`, which deliberately has no `Serialize`; this is
//! the one place that turns it into text and back.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{
    ClientAuth, ClientJwt, Credential, CredentialKind, Flow, Grant, GrantAuth, OAuthGrant, SigningAlg, UserInfo,
};
use crate::secret::{Secret, check_token_shape};
use crate::server_url::ServerUrl;

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
    pub unattended: Option<UnattendedRecord>,
    /// Got with the device grant; records written before it have none.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub device: bool,
}

/// How a grant without a person is obtained again, and with what.
#[derive(Serialize, Deserialize)]
pub(crate) struct UnattendedRecord {
    #[serde(flatten)]
    grant: GrantRecord,
    /// With `private_key_jwt`: where the client's JWT comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_jwt: Option<ClientJwtRecord>,
    /// Got for the client in the environment with no login; records of an older agentview have
    /// none.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    from_environment: bool,
}

/// The grants agentview runs again instead of refreshing, by their stored names.
#[derive(Serialize, Deserialize)]
#[serde(tag = "grant", rename_all = "snake_case")]
enum GrantRecord {
    ClientCredentials,
    IdJag {
        idp: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id_token_file: Option<PathBuf>,
    },
    IdpSignIn,
    Workload {
        token_file: PathBuf,
    },
}

/// A [`ClientJwt`] as stored. Records of an older agentview have no `presented`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ClientJwtRecord {
    Key {
        path: PathBuf,
        alg: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_id: Option<String>,
    },
    AssertionFile {
        path: PathBuf,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        presented: Option<String>,
    },
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
        let client_jwt = grant.client_auth.jwt().map(|jwt| match jwt {
            ClientJwt::Key { path, alg, key_id } => {
                ClientJwtRecord::Key { path: path.clone(), alg: alg.as_str().to_owned(), key_id: key_id.clone() }
            }
            ClientJwt::AssertionFile { path, presented } => {
                ClientJwtRecord::AssertionFile { path: path.clone(), presented: presented.clone() }
            }
        });
        let grant_record = match &grant.flow {
            Flow::AuthorizationCode | Flow::Device => None,
            Flow::ClientCredentials => Some(GrantRecord::ClientCredentials),
            Flow::IdJag { idp, id_token_file } => {
                Some(GrantRecord::IdJag { idp: idp.clone(), id_token_file: id_token_file.clone() })
            }
            Flow::IdpSignIn => Some(GrantRecord::IdpSignIn),
            Flow::Workload { token_file } => Some(GrantRecord::Workload { token_file: token_file.clone() }),
        };
        let unattended = match grant_record {
            Some(grant_record) => {
                Some(UnattendedRecord { grant: grant_record, client_jwt, from_environment: grant.from_environment })
            }
            // A person's login neither signs with a key nor comes from the environment.
            None if client_jwt.is_some() || grant.from_environment => {
                return Err(
                    "refusing to store a person's login grant that names a client key or the environment".into()
                );
            }
            None => None,
        };
        Ok(OAuthRecord {
            refresh_token: secret(&grant.refresh_token, "refresh token")?,
            issuer: grant.issuer.clone(),
            client_id: grant.client_id.clone(),
            client_secret: secret(&grant.client_secret, "client secret")?,
            client_auth: grant.client_auth.method(),
            token_endpoint: grant.token_endpoint.to_string(),
            revocation_endpoint: grant.revocation_endpoint.as_ref().map(ToString::to_string),
            resource: grant.resource.clone(),
            scope: grant.scope.clone(),
            unattended,
            device: grant.flow == Flow::Device,
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
        // A grant without a person is run again whatever else the record says (as agentview
        // always read it); a person's grant came from the browser or another device.
        let (flow, client_jwt, from_environment) = match self.unattended {
            None if self.device => (Flow::Device, None, false),
            None => (Flow::AuthorizationCode, None, false),
            Some(UnattendedRecord { grant, client_jwt, from_environment }) => {
                let flow = match grant {
                    GrantRecord::ClientCredentials => Flow::ClientCredentials,
                    GrantRecord::IdJag { idp, id_token_file } => Flow::IdJag { idp, id_token_file },
                    GrantRecord::IdpSignIn => Flow::IdpSignIn,
                    GrantRecord::Workload { token_file } if !token_file.is_absolute() => {
                        return Err("the stored workload token path is not absolute".into());
                    }
                    GrantRecord::Workload { token_file } => Flow::Workload { token_file },
                };
                (flow, client_jwt, from_environment)
            }
        };
        let client_auth = client_auth(self.client_auth, client_jwt)?;
        let token_endpoint = endpoint(&self.token_endpoint, "token endpoint")?;
        let revocation_endpoint =
            self.revocation_endpoint.as_deref().map(|url| endpoint(url, "revocation endpoint")).transpose()?;
        Ok(OAuthGrant {
            refresh_token: secret(self.refresh_token, "refresh token")?,
            issuer: self.issuer,
            client_id: self.client_id,
            client_secret: secret(self.client_secret, "client secret")?,
            client_auth,
            token_endpoint,
            revocation_endpoint,
            resource: self.resource,
            scope: self.scope,
            flow,
            from_environment,
        })
    }
}

/// A client that signs its requests needs to know with what; the files it names are absolute
/// (a renewal runs from any directory), the algorithm one agentview signs with. A client that
/// does not sign names no key.
fn client_auth(method: ClientAuth, jwt: Option<ClientJwtRecord>) -> Result<GrantAuth, String> {
    match (method, jwt) {
        (ClientAuth::PrivateKeyJwt, None) => Err("the stored client signs with a key, but names none".into()),
        (ClientAuth::PrivateKeyJwt, Some(ClientJwtRecord::Key { path, alg, key_id })) => {
            if !path.is_absolute() {
                return Err("the stored client key path is not absolute".into());
            }
            let alg = SigningAlg::parse(&alg)
                .ok_or_else(|| "the stored client key's algorithm is not one agentview signs with".to_string())?;
            Ok(GrantAuth::PrivateKeyJwt(ClientJwt::Key { path, alg, key_id }))
        }
        (ClientAuth::PrivateKeyJwt, Some(ClientJwtRecord::AssertionFile { path, .. })) if !path.is_absolute() => {
            Err("the stored client assertion path is not absolute".into())
        }
        (ClientAuth::PrivateKeyJwt, Some(ClientJwtRecord::AssertionFile { path, presented })) => {
            Ok(GrantAuth::PrivateKeyJwt(ClientJwt::AssertionFile { path, presented }))
        }
        (_, Some(_)) => Err("the stored client names a key but does not sign with it".into()),
        (ClientAuth::None, None) => Ok(GrantAuth::None),
        (ClientAuth::ClientSecretBasic, None) => Ok(GrantAuth::ClientSecretBasic),
        (ClientAuth::ClientSecretPost, None) => Ok(GrantAuth::ClientSecretPost),
    }
}

impl Record {
    /// Refuses a token that could never be sent as a header (newlines, control
    /// characters): such a value must not reach a store.
    pub fn from_credential(credential: &Credential) -> Result<Record, String> {
        check_token_shape(credential.secret.expose()).map_err(|e| format!("refusing to store the credential: {e}"))?;
        Ok(Record {
            kind: credential.kind(),
            token: credential.secret.expose().to_owned(),
            expires_at: credential.expires_at,
            user: credential.user.clone(),
            created_at: credential.created_at,
            oauth: credential.oauth_grant().map(OAuthRecord::from_grant).transpose()?,
        })
    }

    /// The same check on the way out: a tampered store cannot inject headers. `server` is the key
    /// the record was stored under.
    pub fn into_credential(self, server: &str) -> Result<Credential, String> {
        check_token_shape(&self.token).map_err(|e| format!("the stored token is unusable: {e}"))?;
        let oauth = self.oauth.map(OAuthRecord::into_grant).transpose()?;
        let grant = match (self.kind, oauth) {
            (CredentialKind::Bearer, None) => Grant::Bearer,
            (CredentialKind::Session, None) => Grant::Session,
            (CredentialKind::OAuth, Some(grant)) => Grant::OAuth(Box::new(grant)),
            _ => return Err("the stored entry's kind does not match its OAuth fields".into()),
        };
        let server = ServerUrl::parse(server).map_err(|e| format!("its key is not a server URL ({})", e.message))?;
        Ok(Credential {
            server,
            account: super::account::AccountName::default(),
            secret: Secret::new(self.token),
            expires_at: self.expires_at,
            user: self.user,
            created_at: self.created_at,
            grant,
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

    const SERVER: &str = "https://a.example/mcp";

    fn credential(token: &str) -> Credential {
        Credential {
            expires_at: Some(20),
            user: Some(UserInfo { name: Some("Ann".into()), ..UserInfo::default() }),
            ..Credential::bearer(ServerUrl::parse(SERVER).unwrap(), Secret::new(token), 10)
        }
    }

    #[test]
    fn round_trip() {
        let c = credential("tok-123");
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential(SERVER).unwrap(), c);
    }

    fn oauth_credential() -> Credential {
        Credential {
            grant: Grant::OAuth(Box::new(OAuthGrant {
                refresh_token: Some(Secret::new("rt-1")),
                issuer: "https://as.example".into(),
                client_id: "client-1".into(),
                client_secret: None,
                client_auth: GrantAuth::None,
                token_endpoint: reqwest::Url::parse("https://as.example/token").unwrap(),
                revocation_endpoint: Some(reqwest::Url::parse("https://as.example/revoke").unwrap()),
                resource: Some("https://a.example/mcp".into()),
                scope: Some("mcp:read".into()),
                flow: Flow::AuthorizationCode,
                from_environment: false,
            })),
            ..credential("at-1")
        }
    }

    fn grant_of(c: &mut Credential) -> &mut OAuthGrant {
        c.oauth_grant_mut().unwrap()
    }

    #[test]
    fn oauth_round_trip() {
        let c = oauth_credential();
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        assert!(json.contains(r#""kind":"oauth""#), "{json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential(SERVER).unwrap(), c);
    }

    #[test]
    fn a_grant_that_sends_no_resource_round_trips() {
        let mut c = oauth_credential();
        c.oauth_grant_mut().unwrap().resource = None;
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        assert!(!json.contains("\"resource\""), "none written: {json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential(SERVER).unwrap(), c);
    }

    #[test]
    fn a_device_login_is_stored_as_device_and_reads_back() {
        let mut c = oauth_credential();
        c.oauth_grant_mut().unwrap().flow = Flow::Device;
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        assert!(json.contains(r#""device":true"#), "{json}");
        assert!(!json.contains("unattended"), "{json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential(SERVER).unwrap(), c);
        let browser = serde_json::to_string(&Record::from_credential(&oauth_credential()).unwrap()).unwrap();
        assert!(!browser.contains("device"), "a browser login writes no device field: {browser}");
    }

    #[test]
    fn records_of_the_first_release_still_read() {
        let json = r#"{"kind":"bearer","token":"tok","expires_at":20,"created_at":10}"#;
        let rec: Record = serde_json::from_str(json).unwrap();
        let c = rec.into_credential(SERVER).unwrap();
        assert_eq!(c.kind(), CredentialKind::Bearer);
        assert!(c.oauth_grant().is_none());
        let json = serde_json::to_string(&Record::from_credential(&credential("tok")).unwrap()).unwrap();
        assert!(!json.contains("oauth"), "no OAuth fields for other kinds: {json}");
    }

    #[test]
    fn oauth_records_are_checked() {
        let mut c = oauth_credential();
        grant_of(&mut c).refresh_token = Some(Secret::new("r\nt"));
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
        let mut c = oauth_credential();
        let grant = grant_of(&mut c);
        grant.refresh_token = None;
        grant.client_auth = GrantAuth::PrivateKeyJwt(ClientJwt::Key {
            path: "/keys/ci.pem".into(),
            alg: SigningAlg::Es256,
            key_id: None,
        });
        grant.flow = Flow::IdJag { idp: "https://idp.example".into(), id_token_file: None };
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        assert!(json.contains(r#""grant":"id_jag","idp":"https://idp.example""#), "{json}");
        assert!(json.contains(r#""kind":"key","path":"/keys/ci.pem","alg":"ES256""#), "{json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential(SERVER).unwrap(), c);
        let stored = |unattended: &str, auth: &str| {
            let json = format!(
                r#"{{"kind":"oauth","token":"t","created_at":1,"oauth":{{"issuer":"i","client_id":"c",
                "client_auth":"{auth}","token_endpoint":"https://as.example/token","resource":"r"{unattended}}}}}"#
            );
            serde_json::from_str::<Record>(&json).unwrap().into_credential(SERVER)
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
        let mut c = oauth_credential();
        let grant = grant_of(&mut c);
        let file = ClientJwt::AssertionFile { path: "/run/ci.jwt".into(), presented: Some("a1b2".into()) };
        grant.client_auth = GrantAuth::PrivateKeyJwt(file);
        grant.flow = Flow::ClientCredentials;
        grant.from_environment = true;
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        assert!(json.contains(r#""from_environment":true"#) && json.contains(r#""presented":"a1b2""#), "{json}");
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_credential(SERVER).unwrap(), c);
        // Written before either existed: neither is assumed.
        let older = r#"{"kind":"oauth","token":"t","created_at":1,"oauth":{"issuer":"https://as.example",
            "client_id":"c","client_auth":"private_key_jwt","token_endpoint":"https://as.example/token",
            "resource":"r","unattended":{"grant":"client_credentials",
            "client_jwt":{"kind":"assertion_file","path":"/run/ci.jwt"}}}}"#;
        let read = serde_json::from_str::<Record>(older).unwrap().into_credential(SERVER).unwrap();
        let grant = read.oauth_grant().unwrap();
        assert!(!grant.from_environment);
        assert_eq!(
            grant.client_auth.jwt(),
            Some(&ClientJwt::AssertionFile { path: "/run/ci.jwt".into(), presented: None })
        );
        // Neither is written when it says nothing: a login's record reads as before.
        let json = serde_json::to_string(&Record::from_credential(&oauth_credential()).unwrap()).unwrap();
        assert!(!json.contains("from_environment") && !json.contains("presented"), "{json}");
    }

    #[test]
    fn the_stored_form_is_byte_for_byte_what_it_always_was() {
        let mut c = oauth_credential();
        let grant = grant_of(&mut c);
        grant.client_auth = GrantAuth::PrivateKeyJwt(ClientJwt::Key {
            path: "/k.pem".into(),
            alg: SigningAlg::Es384,
            key_id: Some("k1".into()),
        });
        grant.flow = Flow::Workload { token_file: "/run/t".into() };
        grant.from_environment = true;
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"oauth","token":"at-1","expires_at":20,"user":{"name":"Ann"},"created_at":10,"oauth":{"refresh_token":"rt-1","issuer":"https://as.example","client_id":"client-1","client_auth":"private_key_jwt","token_endpoint":"https://as.example/token","revocation_endpoint":"https://as.example/revoke","resource":"https://a.example/mcp","scope":"mcp:read","unattended":{"grant":"workload","token_file":"/run/t","client_jwt":{"kind":"key","path":"/k.pem","alg":"ES384","key_id":"k1"},"from_environment":true}}}"#
        );
        let json = serde_json::to_string(&Record::from_credential(&credential("t")).unwrap()).unwrap();
        assert_eq!(json, r#"{"kind":"bearer","token":"t","expires_at":20,"user":{"name":"Ann"},"created_at":10}"#);
        let grant = grant_of(&mut c);
        grant.client_auth =
            GrantAuth::PrivateKeyJwt(ClientJwt::AssertionFile { path: "/a".into(), presented: Some("p".into()) });
        grant.flow = Flow::IdJag { idp: "https://idp".into(), id_token_file: Some("/f".into()) };
        grant.from_environment = false;
        let json = serde_json::to_string(&Record::from_credential(&c).unwrap()).unwrap();
        let unattended = r#""unattended":{"grant":"id_jag","idp":"https://idp","id_token_file":"/f","client_jwt":{"kind":"assertion_file","path":"/a","presented":"p"}}}}"#;
        assert!(json.ends_with(unattended), "{json}");
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
