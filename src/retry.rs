//! One retry policy for requests that may fail for a while: how many attempts, how long to
//! wait between them (doubling, or the server's Retry-After, capped), on an injected clock.

use std::time::Duration;

use crate::clock::Clock;

/// How often and how patiently to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait after the first failure; it doubles after each further one.
    pub first_wait: Duration,
    /// No wait is longer, whatever the server asks for.
    pub max_wait: Duration,
}

impl Policy {
    /// The wait before attempt `attempt + 1`: the server's hint when it gave one, else
    /// `first_wait` doubled per failure so far; capped at `max_wait`.
    pub fn wait(&self, attempt: u32, hint: Option<Duration>) -> Duration {
        let doubled = self.first_wait.saturating_mul(1 << attempt.saturating_sub(1).min(16));
        hint.unwrap_or(doubled).min(self.max_wait)
    }
}

/// What to do with a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Try again, after the policy's wait (or the server's `Retry-After`).
    Retry { hint: Option<Duration> },
    /// Give up with this failure.
    Stop,
}

/// Run `attempt(n)` (n from 1) until it succeeds, `decide` says stop, or the policy's attempts
/// run out. `on_retry` hears about each failure that will be retried and the wait before it.
pub async fn retry<C, T, E>(
    clock: &C,
    policy: &Policy,
    mut attempt: impl AsyncFnMut(u32) -> Result<T, E>,
    mut decide: impl FnMut(&E, u32) -> Decision,
    mut on_retry: impl FnMut(&E, Duration),
) -> Result<T, E>
where
    C: Clock + ?Sized,
{
    let mut n = 0;
    loop {
        n += 1;
        let error = match attempt(n).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        match decide(&error, n) {
            Decision::Retry { hint } if n < policy.attempts => {
                let wait = policy.wait(n, hint);
                on_retry(&error, wait);
                clock.sleep(wait).await;
            }
            _ => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::fake::FakeClock;

    const POLICY: Policy =
        Policy { attempts: 4, first_wait: Duration::from_secs(1), max_wait: Duration::from_secs(30) };

    #[test]
    fn waits_double_and_hints_are_capped() {
        assert_eq!(POLICY.wait(1, None), Duration::from_secs(1));
        assert_eq!(POLICY.wait(2, None), Duration::from_secs(2));
        assert_eq!(POLICY.wait(3, None), Duration::from_secs(4));
        assert_eq!(POLICY.wait(9, None), Duration::from_secs(30), "capped");
        assert_eq!(POLICY.wait(u32::MAX, None), Duration::from_secs(30), "no overflow");
        assert_eq!(POLICY.wait(1, Some(Duration::from_secs(7))), Duration::from_secs(7));
        assert_eq!(POLICY.wait(1, Some(Duration::from_secs(600))), Duration::from_secs(30), "Retry-After capped");
    }

    #[tokio::test]
    async fn retries_until_success_on_the_fake_clock() {
        let clock = FakeClock::new(0);
        let mut heard = Vec::new();
        let result = retry(
            &clock,
            &POLICY,
            async |n| if n < 3 { Err(n) } else { Ok("done") },
            |_, _| Decision::Retry { hint: None },
            |e, wait| heard.push((*e, wait)),
        )
        .await;
        assert_eq!(result, Ok("done"));
        assert_eq!(heard, [(1, Duration::from_secs(1)), (2, Duration::from_secs(2))]);
        assert_eq!(clock.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test]
    async fn stops_when_told_or_out_of_attempts() {
        let clock = FakeClock::new(0);
        let stopped: Result<(), u32> = retry(
            &clock,
            &POLICY,
            async |n| Err(n),
            |e, _| if *e == 2 { Decision::Stop } else { Decision::Retry { hint: None } },
            |_, _| {},
        )
        .await;
        assert_eq!(stopped, Err(2));
        let clock = FakeClock::new(0);
        let mut calls = 0;
        let exhausted: Result<(), u32> = retry(
            &clock,
            &POLICY,
            async |n| {
                calls += 1;
                Err(n)
            },
            |_, _| Decision::Retry { hint: Some(Duration::from_secs(5)) },
            |_, _| {},
        )
        .await;
        assert_eq!(exhausted, Err(4));
        assert_eq!(calls, 4);
        assert_eq!(clock.elapsed(), Duration::from_secs(15), "three waits of the server's 5 s");
    }
}
