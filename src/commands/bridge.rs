//! `agentview bridge`: the server on stdio for MCP clients that start commands (see `crate::bridge`).

use crate::error::Exit;
use crate::output::Output;
use crate::settings::Settings;

pub async fn run(settings: &Settings, output: &Output) -> anyhow::Result<Exit> {
    crate::bridge::run(settings, output).await
}
