//! Real networks and shared machines against the real binary: no panic on any time or number a
//! server or a stored record holds, `exec` and signals, planted credential files, and a checked
//! `AGENTVIEW_TOKEN`.
#![allow(clippy::unwrap_used)]

use crate::support;

mod env_token;
mod exec_signals;
mod full_disk;
mod headers;
mod logout;
mod planted;
mod times;
mod tls;

use support::cli::Run;

/// No panic: exit 101 is not one of agentview's exit codes.
pub fn no_panic(what: &str, run: &Run) {
    assert_ne!(run.code, 101, "{what} panicked\n--- stderr\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{what} panicked\n--- stderr\n{}", run.stderr);
}
