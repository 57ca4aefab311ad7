//! Real networks and shared machines against the real binary: no panic on any time or number a
//! server or a stored record holds, `exec` and signals, planted credential files, and a checked
//! `AGENTVIEW_TOKEN`.
#![allow(clippy::unwrap_used)]

pub mod support;

#[path = "hardening/env_token.rs"]
mod env_token;
#[path = "hardening/exec_signals.rs"]
mod exec_signals;
#[path = "hardening/full_disk.rs"]
mod full_disk;
#[path = "hardening/headers.rs"]
mod headers;
#[path = "hardening/logout.rs"]
mod logout;
#[path = "hardening/planted.rs"]
mod planted;
#[path = "hardening/times.rs"]
mod times;
#[path = "hardening/tls.rs"]
mod tls;

use support::cli::Run;

/// No panic: exit 101 is not one of agentview's exit codes.
pub fn no_panic(what: &str, run: &Run) {
    assert_ne!(run.code, 101, "{what} panicked\n--- stderr\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{what} panicked\n--- stderr\n{}", run.stderr);
}
