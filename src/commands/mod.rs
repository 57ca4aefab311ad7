//! One module per subcommand; `dispatch` runs the chosen one.

use crate::cli::{Command, GlobalArgs};
use crate::env::Env;
use crate::error::Exit;
use crate::interrupt::Interrupt;
use crate::login::LoginRequest;
use crate::login::oauth::refresh;
use crate::output::Output;
use crate::settings::Settings;

pub mod bridge;
pub mod exec;
pub mod logout;
pub mod mcp_config;
pub mod status;
mod status_check;
mod status_list;
pub mod token;
pub mod with_token;

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
        Command::Login(args) => {
            let request = LoginRequest::resolve(args, global, env, |wait| {
                with_token::read_stdin_token(wait).map(|s| s.expose().to_string())
            })?;
            match request {
                LoginRequest::WithToken { report, stdin_wait } => with_token::run(report, stdin_wait, settings, output),
                LoginRequest::Login(login) => {
                    let interrupt = Interrupt::install();
                    crate::login::run(login, settings, output, &interrupt).await
                }
            }
        }
        // Every reader of a credential gets it through the same door, renewed when due.
        Command::Exec(args) => {
            exec::run(&args.command, refresh::effective(settings, output).await?, settings, output).await
        }
        Command::Token(args) => token::run(args.format, refresh::effective(settings, output).await?, settings, output),
        Command::Status(args) => status::run(&args, settings, output).await,
        Command::McpConfig(args) => mcp_config::run(args.client, args.via, &args.name, settings, output),
        Command::Bridge(_) => bridge::run(settings, output).await,
        Command::Logout(args) => logout::run(args.local, settings, output).await,
        Command::Completions(args) => completions(args.shell),
    }
}

/// `agentview completions SHELL`: the completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "agentview", &mut out);
    crate::output::write_data(&String::from_utf8_lossy(&out))?;
    Ok(Exit::Ok)
}

/// Store read failures: shown with `-v`; fatal unless the store is merely
/// unavailable under `--store auto` (a headless machine without a keyring).
pub fn report_read_errors(lookup: &crate::lookup::Lookup, settings: &Settings, output: &Output) -> anyhow::Result<()> {
    for note in &lookup.notes {
        output.warn(note);
    }
    for (store, error) in &lookup.errors {
        let skippable = settings.store.choice == crate::store::StoreChoice::Auto
            && matches!(error, crate::store::StoreError::Unavailable { .. });
        if skippable {
            output.verbose(&format!("skipped {store}: {error}"));
        } else if lookup.found.is_none() {
            let hint = if settings.store.choice == crate::store::StoreChoice::File {
                "fix what is named above, or remove the credentials file and log in again"
            } else {
                "if the credential is in the file store, pass --store file (or --store auto)"
            };
            return Err(crate::error::Failure::new(Exit::Store, error.to_string()).with_hint(hint).into());
        } else {
            output.warn(&format!("could not read {store}: {error}"));
        }
    }
    Ok(())
}
