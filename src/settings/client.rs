//! The client a login without a browser runs as, as the user gave it: a client id and its
//! secret, private key or assertion file, or a workload's token file; the environment-only client
//! of CI (`AGENTVIEW_CLIENT_ID` and one of `AGENTVIEW_CLIENT_SECRET`, `AGENTVIEW_CLIENT_KEY`,
//! `AGENTVIEW_CLIENT_ASSERTION_FILE`; or `AGENTVIEW_WORKLOAD_TOKEN_FILE`), and the authorization
//! server logins are pinned to. `login`'s own flags for them are read in `login/settings/grant.rs`.

use std::path::PathBuf;

use reqwest::Url;

use crate::env::Env;
use crate::error::Failure;
use crate::secret::{Secret, check_token_shape};
use crate::server_url::Reach;

/// The client's own credential, as the user gave it (`AGENTVIEW_CLIENT_SECRET`, stdin,
/// `--client-key`, `--client-assertion-file` or their variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientProof {
    Secret(Secret),
    /// A PEM private key file, and the key id its assertions name (`kid`).
    Key {
        path: PathBuf,
        key_id: Option<String>,
    },
    /// A file holding a JWT issued by someone else.
    AssertionFile(PathBuf),
}

impl ClientProof {
    /// How the environment variables that gave it are named, for messages.
    pub fn variable(&self) -> &'static str {
        match self {
            ClientProof::Secret(_) => "AGENTVIEW_CLIENT_SECRET",
            ClientProof::Key { .. } => "AGENTVIEW_CLIENT_KEY",
            ClientProof::AssertionFile(_) => "AGENTVIEW_CLIENT_ASSERTION_FILE",
        }
    }
}

/// What a workload logs in with: the file its platform keeps its token in, and, where the
/// authorization server wants to know the client too, its id and that client's proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub token_file: PathBuf,
    pub client_id: Option<String>,
    /// Only with a client id.
    pub proof: Option<ClientProof>,
}

/// The variables that hold a client's secret: a child of `exec` does not inherit them (it gets
/// the token, not what makes tokens).
pub const SECRET_VARIABLES: [&str; 2] = ["AGENTVIEW_CLIENT_SECRET", "AGENTVIEW_IDP_CLIENT_SECRET"];

/// The client in the environment: with it, `token`, `exec`, `status` and `bridge` get a token
/// with no `login` first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvClient {
    /// Client credentials: the client id and its proof.
    Client { client_id: String, proof: ClientProof },
    /// Workload identity federation: the workload's token file.
    Workload(Workload),
}

impl EnvClient {
    /// What the token comes from, and the variables that said so, for messages.
    pub fn describe(&self) -> String {
        match self {
            EnvClient::Client { proof, .. } => {
                format!("client credentials in the environment (AGENTVIEW_CLIENT_ID and {})", proof.variable())
            }
            EnvClient::Workload(workload) => {
                let client = match (&workload.client_id, &workload.proof) {
                    (Some(_), Some(proof)) => format!(" with AGENTVIEW_CLIENT_ID and {}", proof.variable()),
                    (Some(_), None) => " with AGENTVIEW_CLIENT_ID".to_string(),
                    _ => String::new(),
                };
                format!("a workload token in the environment (AGENTVIEW_WORKLOAD_TOKEN_FILE{client})")
            }
        }
    }
}

/// `AGENTVIEW_WORKLOAD_TOKEN_FILE` (with `AGENTVIEW_CLIENT_ID` and a proof where the server wants
/// them), else `AGENTVIEW_CLIENT_ID` with exactly one of its proofs; `None` when neither is there.
pub fn env_client(env: &Env) -> Result<Option<EnvClient>, Failure> {
    let client_id = env.get("AGENTVIEW_CLIENT_ID").map(str::trim).filter(|id| !id.is_empty());
    let token_file = env.get("AGENTVIEW_WORKLOAD_TOKEN_FILE").map(str::trim).filter(|p| !p.is_empty());
    if client_id.is_none() && token_file.is_none() {
        return Ok(None);
    }
    if let Some(client_id) = client_id {
        check_token_shape(client_id).map_err(|e| Failure::usage(format!("AGENTVIEW_CLIENT_ID: {e}")))?;
    }
    let proof = proof_from_env(env)?;
    if let Some(path) = token_file {
        let workload = workload(PathBuf::from(path), client_id.map(str::to_string), proof, "AGENTVIEW_CLIENT_ID")?;
        return Ok(Some(EnvClient::Workload(workload)));
    }
    Ok(client_id.zip(proof).map(|(client_id, proof)| EnvClient::Client { client_id: client_id.to_string(), proof }))
}

/// A workload, checked: a proof is a client's, so it needs the client's id (`id_from` names where
/// the id would have come from).
pub(crate) fn workload(
    token_file: PathBuf,
    client_id: Option<String>,
    proof: Option<ClientProof>,
    id_from: &str,
) -> Result<Workload, Failure> {
    if let (None, Some(proof)) = (&client_id, &proof) {
        return Err(Failure::usage(format!(
            "{} proves a client, but the workload names no client: set {id_from}, or unset {}",
            proof.variable(),
            proof.variable()
        )));
    }
    Ok(Workload { token_file, client_id, proof })
}

/// The one of `AGENTVIEW_CLIENT_SECRET`, `AGENTVIEW_CLIENT_KEY` (with `AGENTVIEW_CLIENT_KEY_ID`)
/// and `AGENTVIEW_CLIENT_ASSERTION_FILE` that is set. Two are a usage error: which one was meant
/// cannot be told.
pub fn proof_from_env(env: &Env) -> Result<Option<ClientProof>, Failure> {
    let set = |name: &str| env.get(name).map(str::trim).filter(|v| !v.is_empty());
    let names = ["AGENTVIEW_CLIENT_SECRET", "AGENTVIEW_CLIENT_KEY", "AGENTVIEW_CLIENT_ASSERTION_FILE"];
    let given: Vec<&str> = names.into_iter().filter(|n| set(n).is_some()).collect();
    if given.len() > 1 {
        return Err(Failure::usage(format!("{} are all set: set one of them", given.join(" and ")))
            .with_hint("the client proves itself with a secret, a private key or an assertion file, not several"));
    }
    if let Some(secret) = set("AGENTVIEW_CLIENT_SECRET") {
        return secret_proof(Secret::new(secret), "AGENTVIEW_CLIENT_SECRET").map(Some);
    }
    if let Some(path) = set("AGENTVIEW_CLIENT_KEY") {
        let key_id = set("AGENTVIEW_CLIENT_KEY_ID").map(str::to_string);
        return Ok(Some(ClientProof::Key { path: PathBuf::from(path), key_id }));
    }
    Ok(set("AGENTVIEW_CLIENT_ASSERTION_FILE").map(|path| ClientProof::AssertionFile(PathBuf::from(path))))
}

/// A client secret, from `from`, checked: it goes into headers and forms.
pub(crate) fn secret_proof(secret: Secret, from: &str) -> Result<ClientProof, Failure> {
    check_token_shape(secret.expose())
        .map_err(|e| Failure::usage(format!("refusing the client secret ({from}): {}", e.about("client secret"))))?;
    Ok(ClientProof::Secret(secret))
}

/// `AGENTVIEW_AUTH_SERVER`: the one authorization server a login may send the client's secret,
/// assertion or workload token to (the issuer, as its metadata says it).
pub fn pinned_auth_server(env: &Env) -> Result<Option<String>, Failure> {
    let Some(issuer) = env.get("AGENTVIEW_AUTH_SERVER").map(str::trim).filter(|i| !i.is_empty()) else {
        return Ok(None);
    };
    check_issuer_named(issuer, "AGENTVIEW_AUTH_SERVER")?;
    Ok(Some(issuer.to_string()))
}

/// An issuer given as `name`: an https URL (http only on this machine), no query or fragment.
pub(crate) fn check_issuer_named(issuer: &str, name: &str) -> Result<(), Failure> {
    let refused = |why: &str| Failure::usage(format!("{name} \"{}\" {why}", crate::sanitize::line(issuer, 200)));
    let url = Url::parse(issuer).map_err(|_| refused("is not a URL"))?;
    let loopback = Reach::of(url.host_str().unwrap_or_default()) == Reach::Loopback;
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(refused("is not an https URL")),
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(refused("is not an issuer (no user, query or fragment)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_names_one_client() {
        let env = |pairs: &[(&str, &str)]| Env::from_pairs(pairs.iter().copied());
        assert!(env_client(&env(&[("AGENTVIEW_CLIENT_SECRET", "s")])).expect("ok").is_none(), "no client id");
        assert!(env_client(&env(&[("AGENTVIEW_CLIENT_ID", "ci")])).expect("ok").is_none(), "no proof");
        let client =
            env_client(&env(&[("AGENTVIEW_CLIENT_ID", " ci "), ("AGENTVIEW_CLIENT_SECRET", "s3cret\n")])).expect("ok");
        let want = EnvClient::Client { client_id: "ci".into(), proof: ClientProof::Secret(Secret::new("s3cret")) };
        assert_eq!(client, Some(want));
        let keyed = env_client(&env(&[
            ("AGENTVIEW_CLIENT_ID", "ci"),
            ("AGENTVIEW_CLIENT_KEY", "/k.pem"),
            ("AGENTVIEW_CLIENT_KEY_ID", "k1"),
        ]))
        .expect("ok")
        .expect("a client");
        let key = ClientProof::Key { path: "/k.pem".into(), key_id: Some("k1".into()) };
        assert_eq!(keyed, EnvClient::Client { client_id: "ci".into(), proof: key });
        let two = env_client(&env(&[
            ("AGENTVIEW_CLIENT_ID", "ci"),
            ("AGENTVIEW_CLIENT_SECRET", "not-shown-anywhere"),
            ("AGENTVIEW_CLIENT_ASSERTION_FILE", "/t"),
        ]))
        .expect_err("ambiguous");
        assert!(two.message.contains("AGENTVIEW_CLIENT_SECRET and AGENTVIEW_CLIENT_ASSERTION_FILE"), "{}", two.message);
        assert!(!two.message.contains("not-shown-anywhere"));
        let bad = env_client(&env(&[("AGENTVIEW_CLIENT_ID", "ci"), ("AGENTVIEW_CLIENT_SECRET", "a b")]));
        assert!(bad.is_err());
    }

    #[test]
    fn a_workload_token_file_needs_no_client() {
        let env = |pairs: &[(&str, &str)]| Env::from_pairs(pairs.iter().copied());
        let alone = env_client(&env(&[("AGENTVIEW_WORKLOAD_TOKEN_FILE", "/run/token")])).expect("ok");
        let want = Workload { token_file: "/run/token".into(), client_id: None, proof: None };
        assert_eq!(alone, Some(EnvClient::Workload(want)));
        let named = env_client(&env(&[
            ("AGENTVIEW_WORKLOAD_TOKEN_FILE", "/run/token"),
            ("AGENTVIEW_CLIENT_ID", "ci"),
            ("AGENTVIEW_CLIENT_SECRET", "s3cret"),
        ]))
        .expect("ok")
        .expect("a workload");
        let EnvClient::Workload(named) = &named else { panic!("a workload, not client credentials: {named:?}") };
        assert_eq!(named.client_id.as_deref(), Some("ci"));
        assert_eq!(named.proof, Some(ClientProof::Secret(Secret::new("s3cret"))));
        let nameless = env_client(&env(&[
            ("AGENTVIEW_WORKLOAD_TOKEN_FILE", "/run/token"),
            ("AGENTVIEW_CLIENT_SECRET", "not-shown-anywhere"),
        ]))
        .expect_err("a secret of no client");
        assert!(nameless.message.contains("AGENTVIEW_CLIENT_ID"), "{}", nameless.message);
        assert!(!nameless.message.contains("not-shown-anywhere"));
        let stray = env_client(&env(&[("AGENTVIEW_CLIENT_SECRET", "s"), ("AGENTVIEW_CLIENT_KEY", "/k")]));
        assert_eq!(stray.expect("no client, nothing read"), None);
    }
}
