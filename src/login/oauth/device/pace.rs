//! The wait of a device login: poll the token endpoint no sooner than the interval, five more
//! seconds (or the step the settings name) for good after every `slow_down`, on through
//! `authorization_pending` and passing failures of the server, until the person decides, the code
//! expires, or the deadline passes. Pure logic over an injected clock and poller, so tests never
//! wait.

use std::time::{Duration, Instant};

use super::Polled;
use crate::clock::Clock;
use crate::login::oauth::shared::error::OAuthError;
use crate::login::oauth::shared::tokens::Tokens;

/// Something that polls the token endpoint once.
pub trait DevicePoller {
    fn poll(&mut self) -> impl Future<Output = Polled>;
}

/// How the polls are spaced.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// The server's interval.
    pub interval: Duration,
    /// What a `slow_down` adds to it, for good.
    pub slow_down_step: Duration,
    /// The longest wait after failures of the server.
    pub max_backoff: Duration,
}

/// How the wait ended.
#[derive(Debug)]
pub enum Outcome {
    Approved(Tokens),
    Denied,
    /// The server said the code expired.
    Expired,
    /// The deadline passed while the login was pending.
    TimedOut,
    /// The deadline passed while the server kept failing; the last failure.
    ServerKeptFailing(OAuthError),
    /// A refusal no further poll can change.
    Failed(OAuthError),
}

/// Poll until the login is decided or `deadline` passes; `slowed` counts the `slow_down`s.
pub async fn wait_for_tokens<C: Clock + ?Sized, P: DevicePoller>(
    clock: &C,
    poller: &mut P,
    deadline: Instant,
    pace: Pace,
) -> Outcome {
    let mut interval = pace.interval;
    let mut wait = interval;
    let mut failures = 0u32;
    let mut last_failure = None;
    loop {
        let now = clock.now();
        // Never a poll sooner than the interval; one that could only come at the deadline or
        // after it (the code is gone by then) is not made.
        if now + wait >= deadline {
            clock.sleep(deadline.saturating_duration_since(now)).await;
            return match last_failure {
                None => Outcome::TimedOut,
                Some(e) => Outcome::ServerKeptFailing(e),
            };
        }
        clock.sleep(wait).await;
        wait = interval;
        match poller.poll().await {
            Polled::Tokens(tokens) => return Outcome::Approved(tokens),
            Polled::Pending => {
                failures = 0;
                last_failure = None;
            }
            Polled::SlowDown => {
                failures = 0;
                last_failure = None;
                interval += pace.slow_down_step;
                wait = interval;
            }
            Polled::Denied => return Outcome::Denied,
            Polled::Expired => return Outcome::Expired,
            Polled::Unavailable(e) => {
                failures += 1;
                let backoff = interval.saturating_mul(1 << failures.min(5)).min(pace.max_backoff);
                wait = backoff.max(interval);
                last_failure = Some(e);
            }
            Polled::Failed(e) => return Outcome::Failed(e),
        }
    }
}

#[cfg(test)]
#[path = "pace_tests.rs"]
mod tests;
