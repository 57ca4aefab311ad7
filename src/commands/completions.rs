//! `agentview completions SHELL`: the completion script on stdout.

use crate::error::Exit;

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "agentview", &mut out);
    crate::output::write_data(&String::from_utf8_lossy(&out))?;
    Ok(Exit::Ok)
}
