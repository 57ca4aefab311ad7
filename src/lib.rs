//! agentview: log in to an agentView MCP server and keep the token safe.

use std::ffi::OsString;
use std::process::ExitCode;

mod bridge;
mod browser;
pub mod cli;
mod clock;
mod commands;
mod credential;
mod env;
mod error;
pub mod fuzzing;
pub mod http;
mod interrupt;
mod login;
pub mod mcp;
pub mod oauth;
mod output;
mod retry;
mod run;
mod sanitize;
mod secret;
mod server_url;
mod settings;
pub mod store;

// The library is the binary's; what else is public is what the docs generator (`cli`), the
// benchmarks (`http`), the fuzz tests (`fuzzing`), the store tests (`store`) and the MCP
// conformance client (`mcp`, `oauth`) build on.
pub use env::Env;
pub use secret::Secret;
pub use server_url::ServerUrl;

use cli::{Cli, Command};
use error::{Exit, exit_of, hint_of};
use output::Output;

/// The binary's entry point.
pub fn main() -> ExitCode {
    run(std::env::args_os(), &Env::from_process())
}

/// Run agentview with these arguments and environment; returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>, env: &Env) -> ExitCode {
    let mut cli = match Cli::parse_from_args(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { Exit::Usage.code() } else { 0 });
        }
    };
    // Completions need no settings, so a bad environment cannot block them.
    if let Command::Completions(args) = &cli.command {
        let output = Output::new(settings::resolve_ui(&cli.global, env));
        return finish(commands::completions::run(args.shell), &output);
    }
    let server_arg = match cli::server_arg::fold(&mut cli) {
        Ok(taken) => taken,
        Err(failure) => return finish(Err(failure.into()), &Output::new(settings::resolve_ui(&cli.global, env))),
    };
    let settings = match settings::resolve(&cli.global, env) {
        Ok(settings) => settings,
        Err(failure) => return finish(Err(failure.into()), &Output::new(settings::resolve_ui(&cli.global, env))),
    };
    let output = Output::new(settings.ui);
    if server_arg.is_some() {
        output.info(&format!("Taking {} as the server (--server).", settings.server));
    }
    let request = match commands::resolve(cli.command, &cli.global, env, &settings) {
        Ok(request) => request,
        Err(failure) => return finish(Err(failure.into()), &output),
    };
    let run = run::Run::new(settings, output);
    // `token` with a credential that needs no renewal (and what needs no network at all) starts
    // no runtime: a script may call it before every request.
    let request = match commands::at_once(request, &run) {
        Ok(result) => return finish(result, &run.output),
        Err(request) => request,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return finish(Err(anyhow::anyhow!("cannot start the async runtime: {e}")), &run.output),
    };
    let result = runtime.block_on(commands::dispatch(request, &run));
    // Don't wait for a hung keyring thread or an open connection on the way out.
    runtime.shutdown_background();
    finish(result, &run.output)
}

/// The one place that prints errors and maps them to exit codes.
fn finish(result: anyhow::Result<Exit>, output: &Output) -> ExitCode {
    let exit = match result {
        Ok(exit) => exit,
        Err(error) => {
            let exit = exit_of(&error);
            output.error(&error.to_string());
            // The message already says what went wrong in words; `-v` adds the chain it came from.
            for cause in error.chain().skip(1) {
                output.verbose(&format!("  caused by: {cause}"));
            }
            if let Some(hint) = hint_of(&error) {
                output.always(&format!("  hint: {hint}"));
            }
            exit
        }
    };
    ExitCode::from(exit.code())
}
