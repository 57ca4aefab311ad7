//! agentview: log in to an agentView MCP server and keep the token safe.

pub mod cli;
pub mod clock;
pub mod env;
pub mod error;
pub mod login_url;
pub mod mcp;
pub mod sanitize;
pub mod secret;
pub mod session;
pub mod store;
pub mod tools;
