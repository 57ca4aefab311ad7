//! The wait for approval: poll get_auth_session until active, ended, or out of time.
//! Pure logic over an injected clock and poller, so tests never wait.

use std::time::{Duration, Instant};

use super::tools::{Activated, Polled, Terminal, ToolFailure};
use crate::clock::{Clock, until_next_minute};
use crate::mcp::McpError;
use crate::settings::Pacing;

/// One poll's failure.
#[derive(Debug)]
pub enum PollError {
    Tool(ToolFailure),
    Mcp(McpError),
}

/// Something that asks the server once.
pub trait Poller {
    fn poll(&mut self) -> impl Future<Output = Result<Polled, PollError>>;
}

/// How the wait ended.
#[derive(Debug)]
pub enum Outcome {
    Active(Activated),
    /// A terminal status other than active (expired, denied, …).
    Ended(Terminal),
    /// The deadline passed while the session was pending.
    TimedOut,
    /// The deadline passed while the server kept failing; the last failure.
    ServerKeptFailing(McpError),
    /// The deadline passed while a policy kept refusing the polls.
    PolicyKeptDenying(String),
    /// A failure that no retry can fix.
    Fatal(PollError),
}

enum Last {
    Fine,
    Failed(McpError),
    Denied(String),
}

/// Poll until the session is decided or `deadline` passes.
pub async fn wait_for_approval<C: Clock + ?Sized, P: Poller>(
    clock: &C,
    poller: &mut P,
    deadline: Instant,
    pacing: &Pacing,
) -> Outcome {
    let mut wait = pacing.interval;
    let mut failures = 0u32;
    let mut last = Last::Fine;
    loop {
        let now = clock.now();
        if now >= deadline {
            return match last {
                Last::Fine => Outcome::TimedOut,
                Last::Failed(e) => Outcome::ServerKeptFailing(e),
                Last::Denied(m) => Outcome::PolicyKeptDenying(m),
            };
        }
        clock.sleep(wait.min(deadline - now)).await;
        let result = poller.poll().await;
        wait = pacing.interval;
        match result {
            Ok(Polled::Pending { interval }) => {
                failures = 0;
                last = Last::Fine;
                if let Some(hint) = interval {
                    wait = hint.clamp(pacing.interval, Duration::from_secs(60));
                }
            }
            Ok(Polled::Active(activated)) => return Outcome::Active(activated),
            Ok(Polled::Ended(status)) => return Outcome::Ended(status),
            Err(PollError::Tool(ToolFailure::Policy(message))) => {
                failures += 1;
                wait = pacing.policy_wait.unwrap_or_else(|| until_next_minute(clock.unix_now())).max(pacing.interval);
                last = Last::Denied(message);
            }
            Err(PollError::Mcp(error)) if error.is_transient() => {
                failures += 1;
                let backoff = pacing.interval.saturating_mul(1 << failures.min(5)).min(pacing.max_backoff);
                wait = error.retry_after().unwrap_or(backoff).max(pacing.interval);
                last = Last::Failed(error);
            }
            Err(fatal) => return Outcome::Fatal(fatal),
        }
    }
}

#[cfg(test)]
#[path = "poll_tests.rs"]
mod tests;
