//! One module per subcommand; `dispatch` runs the chosen one.

use crate::cli::{Command, GlobalArgs};
use crate::env::Env;
use crate::error::Exit;
use crate::run::Run;

pub mod bridge;
pub mod completions;
pub mod exec;
pub mod login;
pub mod logout;
pub mod mcp_config;
pub mod status;
pub mod token;

/// Run a command that needs settings. Expected outcomes come back as `Exit`;
/// failures as errors for `lib::finish` to print.
pub async fn dispatch(command: Command, global: &GlobalArgs, run: &Run, env: &Env) -> anyhow::Result<Exit> {
    match command {
        Command::Login(args) => login::run(*args, global, run, env).await,
        Command::Exec(args) => exec::run(&args.command, run).await,
        Command::Token(args) => token::run(args.format, run).await,
        Command::Status(args) => status::run(&args, run).await,
        Command::McpConfig(args) => mcp_config::run(&args, run),
        Command::Bridge(_) => bridge::run(run).await,
        Command::Logout(args) => logout::run(args.local, run).await,
        Command::Completions(args) => completions::run(args.shell),
    }
}
