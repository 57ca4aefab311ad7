//! One module per subcommand; `resolve` settles what the chosen one is asked to do (from its
//! arguments and the environment, once), `dispatch` runs it.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::cli::{Command, ConfigAction, ConfigArgs, GlobalArgs, McpConfigArgs, StatusArgs, SwitchArgs, TokenFormat};
use crate::credential::Later;
use crate::env::Env;
use crate::error::{Exit, Failure};
use crate::login::LoginRequest;
use crate::run::Run;
use crate::settings::Settings;

pub mod bridge;
pub mod completions;
pub mod config;
pub mod exec;
pub mod login;
pub mod logout;
pub mod mcp_config;
pub mod status;
pub mod switch;
pub mod token;

/// A command with its own settings resolved: no command reads the environment or stdin for them
/// after this.
#[derive(Debug)]
pub enum Request {
    Login(Box<LoginRequest>),
    Exec(Vec<OsString>),
    Token(TokenFormat),
    /// `token`, with what the door found before it needed the async runtime.
    TokenLater(TokenFormat, Later),
    Status(Box<StatusArgs>),
    /// `mcp-config`, and how another program starts agentview: `agentview` when that name on
    /// PATH is this binary, else this binary's full path.
    McpConfig(Box<McpConfigArgs>, PathBuf),
    /// `bridge`, with the login it runs when the server asks for one (None: `--no-login`).
    Bridge(Option<Box<crate::login::LoginSettings>>),
    Logout {
        local: bool,
    },
    Switch(Box<SwitchArgs>),
    /// `config show`, with where each setting came from.
    ConfigShow {
        json: bool,
        sources: Vec<crate::settings::sources::Source>,
    },
    Completions(clap_complete::Shell),
}

/// What `command` asks for, with `login`'s settings resolved from its flags, the environment and
/// stdin (a client secret or session id piped in).
pub fn resolve(command: Command, global: &GlobalArgs, env: &Env, settings: &Settings) -> Result<Request, Failure> {
    let file = settings.file.as_ref();
    Ok(match command {
        Command::Login(args) => {
            Request::Login(Box::new(LoginRequest::resolve(*args, global, env, file, login::read_stdin_token)?))
        }
        Command::Exec(args) => Request::Exec(args.command),
        Command::Token(args) => Request::Token(args.format),
        Command::Status(args) => Request::Status(Box::new(args)),
        Command::McpConfig(args) => Request::McpConfig(Box::new(args), crate::settings::invocation::program(env)),
        Command::Bridge(args) => Request::Bridge(bridge::resolve(&args, global, env, file)?),
        Command::Logout(args) => Request::Logout { local: args.local },
        Command::Switch(args) => Request::Switch(Box::new(args)),
        Command::Config(ConfigArgs { action: ConfigAction::Show(args), .. }) => {
            Request::ConfigShow { json: args.json, sources: crate::settings::sources::resolve(settings, global, env) }
        }
        Command::Completions(args) => Request::Completions(args.shell),
    })
}

/// Run what needs no async runtime at once: `token` with a credential that needs no renewal,
/// `mcp-config`, `completions`. Anything else comes back, to run on the runtime.
pub fn at_once(request: Request, run: &Run) -> Result<anyhow::Result<Exit>, Request> {
    match request {
        Request::Token(format) => token::at_once(format, run).map_err(|later| Request::TokenLater(format, later)),
        Request::McpConfig(args, agentview) => Ok(mcp_config::run(&args, &agentview, run)),
        Request::Completions(shell) => Ok(completions::run(shell)),
        Request::ConfigShow { json, sources } => Ok(config::show(json, &sources, run)),
        other => Err(other),
    }
}

/// Run a command that needs settings. Expected outcomes come back as `Exit`;
/// failures as errors for `lib::finish` to print.
pub async fn dispatch(request: Request, run: &Run) -> anyhow::Result<Exit> {
    match request {
        Request::Login(login) => login::run(*login, run).await,
        Request::Exec(command) => exec::run(&command, run).await,
        Request::Token(format) => token::run(format, run).await,
        Request::TokenLater(format, later) => token::later(format, run, later).await,
        Request::Status(args) => status::run(&args, run).await,
        Request::McpConfig(args, agentview) => mcp_config::run(&args, &agentview, run),
        Request::Bridge(login) => bridge::run(login, run).await,
        Request::Logout { local } => logout::run(local, run).await,
        Request::Switch(args) => switch::run(&args, run).await,
        Request::ConfigShow { json, sources } => config::show(json, &sources, run),
        Request::Completions(shell) => completions::run(shell),
    }
}
