//! `login --client-credentials`, `--idp` and `--workload-token-file`: the grants a login may run
//! instead of the browser's authorization code, resolved from their flags (and the client's
//! secret, key or assertion from the flags, stdin or the environment).

use crate::cli::LoginArgs;
use crate::env::Env;
use crate::error::Failure;
use crate::secret::{Secret, check_token_shape};
use crate::settings::client::{ClientProof, Workload, check_issuer_named, proof_from_env, secret_proof, workload};

/// A login whose token comes from a grant other than the browser's authorization code.
#[derive(Debug, Clone)]
pub enum GrantLogin {
    /// `--client-credentials`: the client itself, no person.
    ClientCredentials { client_id: String, proof: ClientProof },
    /// `--idp`: enterprise-managed authorization.
    Idp(IdpLogin),
    /// `--workload-token-file`: workload identity federation.
    Workload(Workload),
}

impl GrantLogin {
    /// Whether `credential` is what this login makes: the same grant, as the same client.
    pub fn made(&self, credential: &crate::store::Credential) -> bool {
        use crate::store::Flow;
        let Some(grant) = credential.oauth_grant() else { return false };
        match (self, &grant.flow) {
            (GrantLogin::ClientCredentials { client_id, .. }, Flow::ClientCredentials) => &grant.client_id == client_id,
            (GrantLogin::Idp(idp), Flow::IdJag { idp: issuer, .. }) => {
                grant.client_id == idp.client_id && issuer == &idp.issuer
            }
            (GrantLogin::Workload(workload), Flow::Workload { token_file }) => {
                std::path::absolute(&workload.token_file).is_ok_and(|given| &given == token_file)
                    && grant.client_id == workload.client_id.clone().unwrap_or_default()
            }
            _ => false,
        }
    }
}

/// `--idp ISSUER --idp-client-id ID`, and the client at the MCP server's authorization server.
#[derive(Debug, Clone)]
pub struct IdpLogin {
    pub issuer: String,
    pub idp_client_id: String,
    /// `AGENTVIEW_IDP_CLIENT_SECRET`, where the provider gave agentview's client one.
    pub idp_client_secret: Option<Secret>,
    /// `--id-token-file`: an ID token from elsewhere instead of a sign-in.
    pub id_token_file: Option<std::path::PathBuf>,
    /// `--client-id`: agentview's client at the MCP server's authorization server.
    pub client_id: String,
    /// Its secret, key or assertion file; none for a public client.
    pub proof: Option<ClientProof>,
}

/// The client's proof from `login`'s flags (a key, an assertion file, a secret on stdin), else
/// from the environment.
fn proof_of(
    args: &LoginArgs,
    env: &Env,
    stdin: &mut impl FnMut() -> Result<Secret, Failure>,
) -> Result<Option<ClientProof>, Failure> {
    if let Some(path) = &args.client_key {
        let key_id = args.client_key_id.clone().or_else(|| env.get("AGENTVIEW_CLIENT_KEY_ID").map(str::to_string));
        return Ok(Some(ClientProof::Key { path: path.clone(), key_id }));
    }
    if let Some(path) = &args.client_assertion_file {
        return Ok(Some(ClientProof::AssertionFile(path.clone())));
    }
    if args.client_secret_stdin {
        return secret_proof(stdin()?, "stdin").map(Some);
    }
    proof_from_env(env)
}

/// `login --client-credentials`, `--idp` or `--workload-token-file`, resolved; `None` for the other logins, which
/// take none of their flags.
pub fn resolve(
    args: &LoginArgs,
    env: &Env,
    stdin: &mut impl FnMut() -> Result<Secret, Failure>,
) -> Result<Option<GrantLogin>, Failure> {
    let client_id = || -> Option<String> {
        args.client_id.clone().or_else(|| env.get("AGENTVIEW_CLIENT_ID").map(|id| id.trim().to_string()))
    };
    if args.client_credentials {
        let client_id = client_id().filter(|id| !id.is_empty()).ok_or_else(|| {
            Failure::usage("--client-credentials needs the client's id: --client-id ID (or AGENTVIEW_CLIENT_ID)")
        })?;
        check_token_shape(&client_id).map_err(|e| Failure::usage(format!("--client-id: {e}")))?;
        let proof = proof_of(args, env, stdin)?.ok_or_else(|| {
            Failure::usage("--client-credentials needs the client's secret, key or assertion").with_hint(
                "set AGENTVIEW_CLIENT_SECRET (or pipe it in with --client-secret-stdin), or pass --client-key FILE \
                 or --client-assertion-file FILE",
            )
        })?;
        return Ok(Some(GrantLogin::ClientCredentials { client_id, proof }));
    }
    if let Some(token_file) = &args.workload_token_file {
        let client_id = client_id().filter(|id| !id.is_empty());
        if let Some(id) = &client_id {
            check_token_shape(id).map_err(|e| Failure::usage(format!("--client-id: {e}")))?;
        }
        let proof = proof_of(args, env, stdin)?;
        let workload = workload(token_file.clone(), client_id, proof, "--client-id")?;
        return Ok(Some(GrantLogin::Workload(workload)));
    }
    if let Some(issuer) = &args.idp {
        let issuer = issuer.trim().to_string();
        check_issuer(&issuer)?;
        let client_id = client_id().filter(|id| !id.is_empty()).ok_or_else(|| {
            Failure::usage("--idp needs --client-id: agentview's client at the MCP server's authorization server")
        })?;
        check_token_shape(&client_id).map_err(|e| Failure::usage(format!("--client-id: {e}")))?;
        let idp_client_id = args.idp_client_id.clone().unwrap_or_default();
        check_token_shape(&idp_client_id).map_err(|e| Failure::usage(format!("--idp-client-id: {e}")))?;
        let idp_client_secret = match env.get("AGENTVIEW_IDP_CLIENT_SECRET").map(str::trim).filter(|s| !s.is_empty()) {
            Some(secret) => {
                check_token_shape(secret).map_err(|e| Failure::usage(format!("AGENTVIEW_IDP_CLIENT_SECRET: {e}")))?;
                Some(Secret::new(secret))
            }
            None => None,
        };
        return Ok(Some(GrantLogin::Idp(IdpLogin {
            issuer,
            idp_client_id,
            idp_client_secret,
            id_token_file: args.id_token_file.clone(),
            client_id,
            proof: proof_of(args, env, stdin)?,
        })));
    }
    let stray = [
        (args.client_key.is_some(), "--client-key"),
        (args.client_key_id.is_some(), "--client-key-id"),
        (args.client_assertion_file.is_some(), "--client-assertion-file"),
    ];
    if let Some((_, flag)) = stray.iter().find(|(given, _)| *given) {
        return Err(Failure::usage(format!("{flag} belongs to --client-credentials, --idp or --workload-token-file")));
    }
    Ok(None)
}

/// An identity provider's issuer: an https URL (http only on this machine), no query or fragment.
fn check_issuer(issuer: &str) -> Result<(), Failure> {
    check_issuer_named(issuer, "--idp")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_urls() {
        assert!(check_issuer("https://login.example.com/tenant").is_ok());
        assert!(check_issuer("http://127.0.0.1:9000").is_ok());
        assert!(check_issuer("http://idp.example.com").is_err());
        assert!(check_issuer("https://idp.example.com/?x=1").is_err());
        assert!(check_issuer("idp.example.com").is_err());
    }
}
