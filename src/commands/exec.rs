//! `agentview exec -- CMD…`: run a command with the credential as AGENTVIEW_TOKEN,
//! so it never passes through a shell's history or argv.

use std::ffi::OsString;
use std::process::Command;

use crate::clock::unix_now;
use crate::error::{Exit, Failure};
use crate::lookup::Lookup;
use crate::output::Output;
use crate::settings::Settings;

/// The child's exit code, or agentview's own for failures before it ran.
pub fn run(command: &[OsString], lookup: Lookup, settings: &Settings, output: &Output) -> anyhow::Result<Exit> {
    let now = unix_now();
    super::report_read_errors(&lookup, settings, output)?;
    let Some(found) = lookup.found.filter(|f| f.credential.is_live(now)) else {
        output.error(&format!("not logged in to {} (or the credential expired)", settings.server));
        output.info(&format!("run `{}` first", settings.command("login")));
        return Ok(Exit::NotLoggedIn);
    };
    let (program, args) = command.split_first().ok_or_else(|| Failure::usage("exec needs a command"))?;
    output.verbose(&format!("running {} with AGENTVIEW_TOKEN from {}", program.to_string_lossy(), found.location));
    let status = Command::new(program)
        .args(args)
        .env("AGENTVIEW_TOKEN", found.credential.secret.expose())
        .env("AGENTVIEW_SERVER", &settings.server)
        .status();
    let status = match status {
        Ok(status) => status,
        Err(e) => {
            let code = if e.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
            output.error(&format!("cannot run {}: {e}", program.to_string_lossy()));
            return Ok(Exit::Child(code));
        }
    };
    Ok(Exit::Child(child_code(status)))
}

#[cfg(unix)]
fn child_code(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signal)) => 128u8.saturating_add(signal as u8),
        _ => 1,
    }
}

#[cfg(not(unix))]
fn child_code(status: std::process::ExitStatus) -> u8 {
    status.code().map_or(1, |c| c as u8)
}
