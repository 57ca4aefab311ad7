//! What a client proves itself with at the token endpoint when no person is there: a secret,
//! its private key (a fresh signed assertion for every request, RFC 7523 `private_key_jwt`), or
//! an assertion someone else issued (a CI provider's OIDC token: workload identity). Key and
//! assertion files are read again for every request, so a rotated key or a renewed token file
//! is what the next renewal uses. An assertion from a file is presented once (RFC 7523 lets an
//! authorization server refuse a replayed one): the grant keeps its fingerprint, and the same
//! assertion is not sent again; the file needs a fresh one.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::audience::{Audience, check_audience};
use super::jwt::{self, SigningKey};
use super::target::TokenServer;
use crate::clock::iso8601;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::registration::Client;
use crate::secret::{MAX_TOKEN_LEN, Secret, check_token_shape};
pub use crate::settings::client::ClientProof;
use crate::store::private::{PrivateError, read_user_file};
use crate::store::{ClientAuth, ClientJwt, GrantAuth, OAuthGrant};

/// Larger than any PEM private key agentview reads.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// A client settled against its authorization server: how it authenticates, and what a stored
/// grant keeps of it.
#[derive(Debug)]
pub struct Settled {
    /// Ready for the first request.
    pub client: Client,
    /// How it authenticates next time: with a secret the way the server prefers, or a JWT from
    /// its key or assertion file (`private_key_jwt`).
    pub auth: GrantAuth,
    /// Something the user should know (a key others can read).
    pub note: Option<String>,
}

/// Settle how `client_id` authenticates at `server` with `proof`, checking before anything is
/// sent that the server takes it: a secret goes the way the server prefers; a key needs
/// `private_key_jwt` (when the server lists its methods) and an algorithm both can do; an
/// assertion must not have expired, and must name the server as its audience (unless pinned).
/// `now`: unix seconds.
pub fn settle(client_id: &str, proof: &ClientProof, server: &TokenServer, now: u64) -> Result<Settled, OAuthError> {
    let (mut jwt, note) = match proof {
        ClientProof::Secret(secret) => {
            let client = Client::with_secret(client_id, secret.clone(), &server.auth_methods);
            let auth = GrantAuth::of_method(client.auth).unwrap_or(GrantAuth::ClientSecretBasic);
            return Ok(Settled { client, auth, note: None });
        }
        ClientProof::Key { path, key_id } => {
            takes_jwt(server)?;
            let path = absolute(path)?;
            let (key, note) = load_key(&path)?;
            let alg = key
                .choose_alg(&server.signing_algs)
                .map_err(|why| OAuthError::Refused(format!("{why}; nothing was sent")))?;
            (ClientJwt::Key { path, alg, key_id: key_id.clone() }, note)
        }
        ClientProof::AssertionFile(path) => {
            takes_jwt(server)?;
            (ClientJwt::AssertionFile { path: absolute(path)?, presented: None }, None)
        }
    };
    let client = jwt_client(client_id, &mut jwt, server.audience(), now)?;
    Ok(Settled { client, auth: GrantAuth::PrivateKeyJwt(jwt), note })
}

/// The client a stored grant authenticates as, for one request now: its kept secret, or a JWT
/// made (or read) afresh for `to`, its authorization server. An assertion read from a file is
/// marked presented in `auth`: the caller keeps that with the grant.
pub fn client_of(
    client_id: &str,
    auth: &mut GrantAuth,
    secret: Option<&Secret>,
    to: Audience<'_>,
    now: u64,
) -> Result<Client, OAuthError> {
    match auth {
        GrantAuth::PrivateKeyJwt(jwt) => jwt_client(client_id, jwt, to, now),
        other => Ok(Client {
            client_id: client_id.to_string(),
            client_secret: secret.cloned(),
            auth: other.method(),
            redirect_uri: None,
        }),
    }
}

/// [`client_of`] for a stored grant: its secret, or a fresh JWT for its authorization server
/// (`pinned`: the user pinned that server). An assertion from a file is marked presented in
/// `grant`.
pub fn client_of_grant(grant: &mut OAuthGrant, pinned: bool, now: u64) -> Result<Client, OAuthError> {
    let OAuthGrant { client_id, client_auth, client_secret, issuer, token_endpoint, .. } = grant;
    let to = Audience { issuer, token_endpoint, pinned };
    client_of(client_id, client_auth, client_secret.as_ref(), to, now)
}

/// The client with a JWT from `jwt`: signed now with its key, or read from its file, once.
fn jwt_client(client_id: &str, jwt: &mut ClientJwt, to: Audience<'_>, now: u64) -> Result<Client, OAuthError> {
    let assertion = match jwt {
        ClientJwt::Key { path, alg, key_id } => {
            let (key, _) = load_key(path)?;
            jwt::client_assertion(&key, *alg, key_id.as_deref(), client_id, to.issuer, now).map_err(|why| {
                OAuthError::Proof(format!("cannot sign with the client key {}: {why}", path.display()))
            })?
        }
        ClientJwt::AssertionFile { path, presented } => {
            let assertion = read_assertion(path, now)?;
            let print = fingerprint(&assertion);
            if presented.as_deref() == Some(print.as_str()) {
                return Err(OAuthError::Proof(format!(
                    "the client assertion of \"{}\" in {} was already presented, and agentview presents an \
                     assertion once (an authorization server may refuse it again as a replay); the file needs a \
                     fresh one",
                    crate::sanitize::line(client_id, 200),
                    path.display()
                )));
            }
            // Only to an authorization server the assertion is for (or the one the user pinned).
            check_audience(&assertion, "the client assertion", path, to)?;
            *presented = Some(print);
            assertion
        }
    };
    Ok(Client {
        client_id: client_id.to_string(),
        client_secret: Some(assertion),
        auth: ClientAuth::PrivateKeyJwt,
        redirect_uri: None,
    })
}

/// What a grant keeps of an assertion it presented: enough to know it again, nothing to use it.
fn fingerprint(assertion: &Secret) -> String {
    Sha256::digest(assertion.expose().as_bytes()).iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// A server that lists its authentication methods must list `private_key_jwt`.
fn takes_jwt(server: &TokenServer) -> Result<(), OAuthError> {
    if server.auth_methods.is_empty() || server.auth_methods.supports(ClientAuth::PrivateKeyJwt) {
        return Ok(());
    }
    Err(OAuthError::Refused(format!(
        "the authorization server {} does not take client assertions (private_key_jwt is not among its \
         token_endpoint_auth_methods_supported); nothing was sent",
        crate::sanitize::line(&server.issuer, 200)
    )))
}

/// The path as given, made absolute: a renewal may run from another directory.
fn absolute(path: &Path) -> Result<PathBuf, OAuthError> {
    std::path::absolute(path).map_err(|e| OAuthError::Proof(format!("cannot use the path {}: {e}", path.display())))
}

fn unusable(what: &str, path: &Path, e: PrivateError) -> OAuthError {
    match e {
        // The private-file check names the file itself.
        PrivateError::Refused(why) => OAuthError::Proof(format!("{what}: {why}")),
        e => OAuthError::Proof(format!("cannot read {what} {}: {e}", path.display())),
    }
}

/// The key in `path`, and a note when others can read it.
fn load_key(path: &Path) -> Result<(SigningKey, Option<String>), OAuthError> {
    let contents = read_user_file(path, MAX_KEY_FILE).map_err(|e| unusable("the client key", path, e))?;
    let key = SigningKey::from_pem(&contents.bytes)
        .map_err(|why| OAuthError::Proof(format!("the client key {}: {why}", path.display())))?;
    let note = contents.loose_mode.map(|mode| {
        format!("the client key {} can be read by other users (mode {mode:o}); chmod 600 it", path.display())
    });
    Ok((key, note))
}

/// The assertion in `path`: one JWT, not expired at `now`.
pub fn read_assertion(path: &Path, now: u64) -> Result<Secret, OAuthError> {
    read_jwt_file(path, "the client assertion", now)
}

/// A JWT someone else issued, from its file (`what` names it in messages): one token, its
/// claims readable, its `exp` (when it has one) still ahead of `now`.
pub fn read_jwt_file(path: &Path, what: &str, now: u64) -> Result<Secret, OAuthError> {
    let contents = read_user_file(path, MAX_TOKEN_LEN as u64 + 2).map_err(|e| unusable(what, path, e))?;
    let text = String::from_utf8(contents.bytes).unwrap_or_default();
    let token = text.trim();
    check_token_shape(token)
        .map_err(|e| OAuthError::Proof(format!("{what} in {} is not one token: {e}", path.display())))?;
    let claims = jwt::claims(token).map_err(|why| OAuthError::Proof(format!("{what} in {}: {why}", path.display())))?;
    if let Some(exp) = jwt::date(&claims, "exp").filter(|exp| *exp <= now) {
        return Err(OAuthError::Proof(format!(
            "{what} in {} expired at {}; the file needs a fresh one",
            path.display(),
            iso8601(exp)
        )));
    }
    Ok(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login::oauth::shared::methods::AuthMethods;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn server(methods: &[&str], algs: &[&str]) -> TokenServer {
        TokenServer {
            issuer: "https://as.example".into(),
            token_endpoint: reqwest::Url::parse("https://as.example/token").expect("url"),
            revocation_endpoint: None,
            grant_types: None,
            auth_methods: AuthMethods::parse(methods),
            signing_algs: algs.iter().map(|a| a.to_string()).collect(),
            scopes_supported: Vec::new(),
            authorization_endpoint: None,
            iss_supported: false,
            s256: false,
            pinned: false,
        }
    }

    fn jwt_with_exp(exp: u64) -> String {
        jwt_for("https://as.example", exp)
    }

    fn jwt_for(aud: &str, exp: u64) -> String {
        let claims = format!(r#"{{"exp":{exp},"sub":"ci","aud":"{aud}"}}"#);
        format!("eyJhbGciOiJub25lIn0.{}.c2ln", URL_SAFE_NO_PAD.encode(claims))
    }

    fn private_file(dir: &Path, name: &str, contents: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, contents).expect("write");
        path
    }

    #[test]
    fn secrets_go_the_way_the_server_prefers() {
        let proof = ClientProof::Secret(Secret::new("s3cret"));
        let settled =
            settle("ci", &proof, &server(&["client_secret_post", "client_secret_basic"], &[]), 0).expect("ok");
        assert_eq!(settled.client.auth, ClientAuth::ClientSecretPost);
        assert!(settled.auth.jwt().is_none());
        let settled = settle("ci", &proof, &server(&[], &[]), 0).expect("ok");
        assert_eq!(settled.client.auth, ClientAuth::ClientSecretBasic, "RFC 8414's default");
    }

    #[test]
    fn an_assertion_file_is_read_each_time_and_must_be_fresh() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = private_file(dir.path(), "token", &format!("{}\n", jwt_with_exp(2_000)));
        let proof = ClientProof::AssertionFile(path.clone());
        let at = server(&["private_key_jwt"], &[]);
        let settled = settle("ci", &proof, &at, 1_000).expect("fresh");
        assert_eq!(settled.client.auth, ClientAuth::PrivateKeyJwt);
        assert_eq!(settled.client.client_secret.as_ref().map(Secret::expose), Some(jwt_with_exp(2_000).as_str()));
        let mut auth = settled.auth;
        assert!(auth.jwt().is_some(), "kept");
        std::fs::write(&path, jwt_with_exp(3_000)).expect("renewed by the CI");
        let client = client_of("ci", &mut auth, None, at.audience(), 2_500).expect("the new one");
        assert_eq!(client.client_secret.as_ref().map(Secret::expose), Some(jwt_with_exp(3_000).as_str()));
        let expired = client_of("ci", &mut auth, None, at.audience(), 3_000).expect_err("expired");
        assert!(matches!(expired, OAuthError::Proof(_)));
        let said = expired.to_string();
        assert!(said.contains(&path.display().to_string()) && said.contains("expired"), "{said}");
        std::fs::write(&path, "two words").expect("write");
        assert!(read_assertion(&path, 0).is_err());
    }

    #[test]
    fn an_assertion_is_presented_once() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = private_file(dir.path(), "token", &jwt_with_exp(2_000));
        let at = server(&["private_key_jwt"], &[]);
        let mut auth = settle("ci", &ClientProof::AssertionFile(path.clone()), &at, 1_000).expect("fresh").auth;
        let Some(ClientJwt::AssertionFile { presented, .. }) = auth.jwt() else {
            panic!("an assertion file: {auth:?}")
        };
        let print = presented.clone().expect("marked presented");
        assert!(!print.contains(&jwt_with_exp(2_000)) && print.len() == 32, "a fingerprint only: {print}");
        let again = client_of("ci", &mut auth, None, at.audience(), 1_100);
        let said = again.expect_err("the same one again").to_string();
        assert!(said.contains("already presented") && said.contains(&path.display().to_string()), "{said}");
        std::fs::write(&path, jwt_with_exp(2_100)).expect("a fresh one");
        client_of("ci", &mut auth, None, at.audience(), 1_100).expect("a new one");
        assert!(
            matches!(auth.jwt(), Some(ClientJwt::AssertionFile { presented: Some(p), .. }) if *p != print),
            "{auth:?}"
        );
    }

    #[test]
    fn an_assertion_goes_only_to_the_server_it_names_or_a_pinned_one() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut at = server(&["private_key_jwt"], &[]);
        for aud in ["https://as.example", "https://as.example/", "https://as.example/token"] {
            let path = private_file(dir.path(), "named", &jwt_for(aud, 2_000));
            settle("ci", &ClientProof::AssertionFile(path), &at, 1_000).expect(aud);
        }
        let path = private_file(dir.path(), "elsewhere", &jwt_for("api://AzureADTokenExchange", 2_000));
        let proof = ClientProof::AssertionFile(path);
        let refused = settle("ci", &proof, &at, 1_000).expect_err("another audience");
        let said = refused.to_string();
        assert!(said.contains("api://AzureADTokenExchange") && said.contains("AGENTVIEW_AUTH_SERVER"), "{said}");
        at.pinned = true;
        settle("ci", &proof, &at, 1_000).expect("the user vouches for a pinned server");
    }

    #[test]
    fn a_server_that_takes_no_assertions_is_refused_before_anything_is_sent() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = private_file(dir.path(), "token", &jwt_with_exp(2_000));
        let proof = ClientProof::AssertionFile(path);
        let refused = settle("ci", &proof, &server(&["client_secret_basic"], &[]), 0).expect_err("refused");
        assert!(matches!(refused, OAuthError::Refused(_)), "{refused}");
    }

    #[cfg(unix)]
    #[test]
    fn files_others_can_change_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tmp");
        let path = private_file(dir.path(), "token", &jwt_with_exp(2_000));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let refused = read_assertion(&path, 0).expect_err("writable by others");
        assert!(refused.to_string().contains("writable by other users"), "{refused}");
        let missing = read_assertion(&dir.path().join("nothing"), 0).expect_err("missing");
        assert!(missing.to_string().contains("nothing"), "{missing}");
    }
}
