//! The extension scenarios of logins without a person, on the grant code `agentview login`
//! runs (`agentview::oauth::unattended`): the token is obtained first, as
//! `agentview login --client-credentials`, `--idp` or `--workload-token-file` would, and the
//! scenario's requests are then made with it.
//!
//! - `auth/client-credentials-basic`: `client_id` and `client_secret` from the context, as
//!   `--client-id` and `AGENTVIEW_CLIENT_SECRET` give them.
//! - `auth/client-credentials-jwt`: `client_id` and `private_key_pem`, as `--client-key FILE`
//!   gives it: the key goes into a private file that lives as long as the run; agentview picks
//!   the algorithm from the key and the server's metadata, and the run fails if that is not the
//!   context's `signing_algorithm`.
//! - `auth/enterprise-managed-authorization`: `client_id` and `client_secret` (agentview's client
//!   at the MCP server's authorization server), `idp_issuer`, `idp_client_id` and
//!   `idp_id_token`, as `--idp`, `--idp-client-id` and `--id-token-file FILE` give them: the ID
//!   token is read from a private file and checked as that option checks it, then exchanged at
//!   the provider for an ID-JAG and traded with the JWT-bearer grant.
//! - `auth/wif-jwt-bearer`: `client_id` and `valid_jwt`, as `--workload-token-file FILE` and
//!   `--client-id` give them: the workload token is the JWT-bearer grant itself. The context's
//!   `expired_jwt` and `wrong_audience_jwt` are tried first, as the same option would take them:
//!   each must be refused here, before it is sent (the suite would count a request with either as
//!   a failure).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use agentview::http::{Http, Trace};
use agentview::oauth::unattended::{self, Destination, Provider};
use agentview::oauth::{ClientJwt, ClientProof, OAuthError, Workload};
use agentview::{Secret, ServerUrl};
use reqwest::Url;
use serde_json::Value;

use crate::{Stop, session};

/// The scenarios this module runs.
pub const SCENARIOS: &[&str] = &[
    "auth/client-credentials-basic",
    "auth/client-credentials-jwt",
    "auth/enterprise-managed-authorization",
    "auth/wif-jwt-bearer",
];

/// Get the token the scenario's grant gives, then make the scenario's requests with it.
pub async fn run(scenario: &str, endpoint: &Url) -> Result<(), String> {
    let context = Context::from_environment()?;
    let http = http()?;
    let server = ServerUrl::parse(endpoint.as_str()).map_err(|e| e.to_string())?;
    // Private files (the key, the ID token) live in here, and go with it at the end of the run.
    let files = tempfile::tempdir().map_err(|e| format!("no private directory: {e}"))?;
    let token = match scenario {
        "auth/client-credentials-basic" => {
            let secret = Secret::new(context.string("client_secret")?);
            client_credentials_token(&http, &server, &context, &ClientProof::Secret(secret), None).await?
        }
        "auth/client-credentials-jwt" => {
            let path = private_file(files.path(), "client-key.pem", &context.string("private_key_pem")?)?;
            let alg = context.string("signing_algorithm")?;
            let proof = ClientProof::Key { path, key_id: None };
            client_credentials_token(&http, &server, &context, &proof, Some(&alg)).await?
        }
        "auth/enterprise-managed-authorization" => enterprise_token(&http, &server, &context, files.path()).await?,
        "auth/wif-jwt-bearer" => workload_token(&http, &server, &context, files.path()).await?,
        other => return Err(format!("unknown scenario {other:?}")),
    };
    match session::authorized(endpoint, Some(&token)).await {
        Ok(()) => Ok(()),
        Err(Stop::Failed(why)) => Err(why),
        Err(Stop::Auth { status, challenge }) => Err(format!(
            "the server refused the token (HTTP {status}, challenge {})",
            challenge.as_deref().unwrap_or("(none)")
        )),
    }
}

/// `agentview login --client-credentials`: discovery, the client's proof settled against the
/// authorization server, the grant. `alg`: the algorithm the scenario expects a key to sign with.
async fn client_credentials_token(
    http: &Http,
    server: &ServerUrl,
    context: &Context,
    proof: &ClientProof,
    alg: Option<&str>,
) -> Result<Secret, String> {
    let client_id = context.string("client_id")?;
    let obtained = unattended::client_credentials(http, Destination::unpinned(server), &client_id, proof, None, now())
        .await
        .map_err(|e| format!("the client credentials grant failed: {e}"))?;
    eprintln!("client credentials: authenticated with {}", obtained.how);
    if let Some(note) = &obtained.note {
        eprintln!("warning: {note}");
    }
    if let Some(wanted) = alg {
        // What the stored grant keeps for its renewals: the algorithm agentview chose.
        match obtained.credential.oauth_grant().and_then(|g| g.client_auth.jwt()) {
            Some(ClientJwt::Key { alg, .. }) if alg.as_str() == wanted => {}
            chosen => return Err(format!("the assertions are not signed with {wanted}: {chosen:?}")),
        }
    }
    Ok(obtained.credential.secret)
}

/// `agentview login --idp ISSUER --idp-client-id ID --client-id ID --id-token-file FILE`, with
/// the client secret from the environment: both authorization servers found and checked, the ID
/// token read from its file and checked as that option checks it, then both steps.
async fn enterprise_token(http: &Http, server: &ServerUrl, context: &Context, files: &Path) -> Result<Secret, String> {
    let failed = |e: OAuthError| format!("the login through the identity provider failed: {e}");
    let secret = ClientProof::Secret(Secret::new(context.string("client_secret")?));
    let (issuer, idp_client_id) = (context.string("idp_issuer")?, context.string("idp_client_id")?);
    let provider = Provider { issuer: &issuer, client_id: &idp_client_id, client_secret: None };
    let client_id = context.string("client_id")?;
    let to = Destination::unpinned(server);
    let prepared = unattended::prepare(http, to, &client_id, Some(&secret), provider, now()).await.map_err(failed)?;
    let id_token_file = private_file(files, "id-token", &context.string("idp_id_token")?)?;
    let (id_token, _) = unattended::read_id_token(&id_token_file, &prepared.idp, now()).map_err(failed)?;
    eprintln!(
        "token exchange at {} for {}, then the JWT-bearer grant at {}",
        prepared.idp.token_endpoint, prepared.target.resource.resource, prepared.target.server.token_endpoint
    );
    let credential =
        unattended::exchange(http, &prepared, &id_token, None, server, None, now()).await.map_err(failed)?;
    Ok(credential.secret)
}

/// `agentview login --workload-token-file FILE --client-id ID`: the workload's token from a private
/// file as the JWT-bearer grant, after an expired one was refused without a request.
async fn workload_token(http: &Http, server: &ServerUrl, context: &Context, files: &Path) -> Result<Secret, String> {
    let client_id = Some(context.string("client_id")?);
    for (field, why) in [("expired_jwt", "expired"), ("wrong_audience_jwt", "not sent")] {
        let refused = Workload {
            token_file: private_file(files, field, &context.string(field)?)?,
            client_id: client_id.clone(),
            proof: None,
        };
        match unattended::workload(http, Destination::unpinned(server), &refused, None, now()).await {
            Err(OAuthError::Proof(said)) if said.contains(why) => eprintln!("refused before sending: {said}"),
            other => return Err(format!("the {field} workload token was not refused before it was sent: {other:?}")),
        }
    }
    let workload = Workload {
        token_file: private_file(files, "workload-token", &context.string("valid_jwt")?)?,
        client_id,
        proof: None,
    };
    let obtained = unattended::workload(http, Destination::unpinned(server), &workload, None, now())
        .await
        .map_err(|e| format!("the workload login failed: {e}"))?;
    eprintln!("workload identity: authenticated with {}", obtained.how);
    Ok(obtained.credential.secret)
}

/// `MCP_CONFORMANCE_CONTEXT`, the scenario's credentials.
struct Context(serde_json::Map<String, Value>);

impl Context {
    fn from_environment() -> Result<Context, String> {
        let raw = std::env::var("MCP_CONFORMANCE_CONTEXT").map_err(|_| "MCP_CONFORMANCE_CONTEXT is not set")?;
        match serde_json::from_str(&raw) {
            Ok(Value::Object(map)) => Ok(Context(map)),
            Ok(_) => Err("MCP_CONFORMANCE_CONTEXT is not a JSON object".into()),
            Err(e) => Err(format!("MCP_CONFORMANCE_CONTEXT is not JSON: {e}")),
        }
    }

    /// A string the scenario must give; the error names the field, never a value.
    fn string(&self, name: &str) -> Result<String, String> {
        self.0
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("MCP_CONFORMANCE_CONTEXT has no string \"{name}\""))
    }
}

/// A file only this user can read (0600 where that exists), holding `contents`.
fn private_file(dir: &Path, name: &str, contents: &str) -> Result<PathBuf, String> {
    let path = dir.join(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(contents.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

fn http() -> Result<Http, String> {
    let user_agent = format!("agentview-conformance/{}", env!("CARGO_PKG_VERSION"));
    let trace: Trace = Arc::new(|line: &str| eprintln!("{line}"));
    Http::new(&user_agent, Duration::from_secs(10), Some(trace)).map_err(|e| e.to_string())
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
