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

/// Store read failures: shown with `-v`; fatal unless the store is merely
/// unavailable under `--store auto` (a headless machine without a keyring).
pub fn report_read_errors(
    lookup: &crate::credential::Lookup,
    settings: &Settings,
    output: &Output,
) -> anyhow::Result<()> {
    for note in &lookup.notes {
        output.warn(note);
    }
    for (store, error) in &lookup.errors {
        let skippable = settings.store.choice == crate::store::StoreChoice::Auto
            && matches!(error, crate::store::StoreError::Unavailable { .. });
        if skippable {
            output.verbose(&format!("skipped {store}: {error}"));
        } else if lookup.found.is_none() {
            // The file was read (it is the store, or `auto` reads it after the keyring): fix it;
            // a keyring that failed may not be where the credential is.
            let hint = if store.ends_with(crate::store::file::FILE_NAME) {
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
