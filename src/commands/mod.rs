//! One module per subcommand; `dispatch` runs the chosen one.

use crate::cli::{Command, GlobalArgs};
use crate::env::Env;
use crate::error::Exit;
use crate::output::Output;
use crate::settings::Settings;

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
pub async fn dispatch(
    command: Command,
    global: &GlobalArgs,
    settings: &Settings,
    output: &Output,
    env: &Env,
) -> anyhow::Result<Exit> {
    match command {
        Command::Login(args) => login::run(*args, global, settings, output, env).await,
        Command::Exec(args) => exec::run(&args.command, settings, output).await,
        Command::Token(args) => token::run(args.format, settings, output).await,
        Command::Status(args) => status::run(&args, settings, output).await,
        Command::McpConfig(args) => mcp_config::run(&args, settings, output),
        Command::Bridge(_) => bridge::run(settings, output).await,
        Command::Logout(args) => logout::run(args.local, settings, output).await,
        Command::Completions(args) => completions::run(args.shell),
    }
}
