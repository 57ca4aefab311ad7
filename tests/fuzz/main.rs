//! Time-budgeted fuzzing of everything that reads server bytes or stored records: the SSE
//! decoder, the tool-result reader, the server's time fields, the loginUrl guard, the terminal
//! sanitizer, the credentials-file reader, and the OAuth answers (challenges, token responses,
//! callbacks, pasted redirects).
//!
//! `AGENTVIEW_FUZZ_SECS` is the total budget (default 3 s), split evenly across the targets;
//! `AGENTVIEW_FUZZ_SEED` replays a run. Each target prints
//! `fuzz: <target> <n> executions, <k> crashes (seed <s>)`; a crash fails the test with the seed
//! of the failing case.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod generate;
mod oauth;
mod records;
mod sse;
mod text;
mod times;
mod tools;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use generate::Rng;

const TARGETS: u32 = 7;

fn budget() -> Duration {
    let total = std::env::var("AGENTVIEW_FUZZ_SECS").ok().and_then(|v| v.parse::<f64>().ok()).unwrap_or(3.0);
    Duration::from_secs_f64(total.max(0.0) / f64::from(TARGETS))
}

fn first_seed() -> u64 {
    std::env::var("AGENTVIEW_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1) | 1)
}

/// Run `case` on fresh seeds until the budget is spent (at least once); stop at the first crash.
pub fn fuzz(name: &str, mut case: impl FnMut(&mut Rng)) {
    let seed = first_seed();
    let mut seeds = Rng::new(seed);
    let deadline = Instant::now() + budget();
    let mut executions = 0u64;
    let mut crash = None;
    loop {
        let case_seed = seeds.next();
        executions += 1;
        let mut rng = Rng::new(case_seed);
        if catch_unwind(AssertUnwindSafe(|| case(&mut rng))).is_err() {
            crash = Some(case_seed);
            break;
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    let crashes = u32::from(crash.is_some());
    eprintln!("fuzz: {name} {executions} executions, {crashes} crashes (seed {seed})");
    if let Some(case_seed) = crash {
        panic!("{name}: case with seed {case_seed} failed (replay the run with AGENTVIEW_FUZZ_SEED={seed})");
    }
}

#[test]
fn sse_decoder() {
    fuzz("sse_decoder", sse::one_case);
}

#[test]
fn tool_results() {
    fuzz("tool_results", tools::one_case);
}

#[test]
fn login_url_check() {
    fuzz("login_url_check", text::login_url_case);
}

#[test]
fn sanitize_line() {
    fuzz("sanitize_line", text::sanitize_case);
}

#[test]
fn time_fields() {
    fuzz("time_fields", times::one_case);
}

#[test]
fn stored_records() {
    fuzz("stored_records", records::one_case);
}

#[test]
fn oauth_answers() {
    fuzz("oauth_answers", oauth::one_case);
}
