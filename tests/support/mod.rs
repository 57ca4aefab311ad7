pub mod cli;
pub mod fixture;
pub mod server;
