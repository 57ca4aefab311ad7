//! `agentview bridge`: the server on stdio for MCP clients that start commands (see `crate::bridge`).

use crate::error::Exit;
use crate::run::Run;

/// The keys that end input on a terminal.
const END_OF_INPUT: &str = if cfg!(windows) { "Ctrl-Z and Enter" } else { "Ctrl-D" };

pub async fn run(run: &Run) -> anyhow::Result<Exit> {
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
    crate::bridge::run(run).await
}
