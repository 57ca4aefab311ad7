//! `agentview bridge`: the server on stdio for MCP clients that start commands (see `crate::bridge`).

use crate::cli::{BridgeArgs, GlobalArgs, LoginArgs};
use crate::env::Env;
use crate::error::{Exit, Failure};
use crate::login::{LoginRequest, LoginSettings};
use crate::run::Run;
use crate::settings::file::ServerFile;

/// The keys that end input on a terminal.
const END_OF_INPUT: &str = if cfg!(windows) { "Ctrl-Z and Enter" } else { "Ctrl-D" };

/// The login the bridge runs when the server asks for one: `agentview login` as the user would
/// type it with the same global flags and environment, except that stdin is the client's and is
/// never read. None with `--no-login`.
pub fn resolve(
    args: &BridgeArgs,
    global: &GlobalArgs,
    env: &Env,
    file: Option<&ServerFile>,
) -> Result<Option<Box<LoginSettings>>, Failure> {
    if args.no_login {
        return Ok(None);
    }
    let never = |_, _| Err(Failure::usage("the bridge's stdin carries the client's messages"));
    match LoginRequest::resolve(LoginArgs::default(), global, env, file, never)? {
        LoginRequest::Login(mut login) => {
            login.stdin_taken = true;
            // Asked for only when no stored credential is usable: no "already logged in" check.
            login.force = true;
            Ok(Some(login))
        }
        LoginRequest::WithToken { .. } => Ok(None),
    }
}

pub async fn run(login: Option<Box<LoginSettings>>, run: &Run) -> anyhow::Result<Exit> {
    let (settings, output) = (&run.settings, &run.output);
    // Someone typed `agentview bridge` in a terminal: say what is waiting there. Clients start
    // the bridge with pipes and never see this; stdout stays JSON-RPC only either way.
    if settings.ui.stdin_tty {
        output.info(&format!(
            "agentview bridge is an MCP server on stdio: MCP clients start it themselves (`agentview mcp-config \
             <client>` prints the configuration that does). It now reads JSON-RPC messages from this terminal, \
             one a line, and answers on stdout; {END_OF_INPUT} ends it."
        ));
    }
    // A credential from the environment is the whole story in CI: no login starts behind it.
    let login = login.filter(|_| settings.env_token.is_none() && settings.env_client.is_none());
    crate::bridge::run(run, login.map(|l| *l)).await
}
