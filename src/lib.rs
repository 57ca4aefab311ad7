//! agentview: log in to an agentView MCP server and keep the token safe.

pub mod secret;
pub mod store;
