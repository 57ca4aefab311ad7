//! Tests of `pace.rs`: the polls a device login makes, on a clock that does not wait.

use std::collections::VecDeque;
use std::time::Duration;

use super::*;
use crate::clock::fake::FakeClock;
use crate::login::oauth::shared::error::ErrorCode;
use crate::secret::Secret;

/// Answers in order (then `authorization_pending`), noting when each poll came.
struct Script<'a> {
    clock: &'a FakeClock,
    answers: VecDeque<Polled>,
    at: Vec<Duration>,
}

impl DevicePoller for Script<'_> {
    async fn poll(&mut self) -> Polled {
        self.at.push(self.clock.elapsed());
        self.answers.pop_front().unwrap_or(Polled::Pending)
    }
}

fn tokens() -> Tokens {
    Tokens {
        access_token: Secret::new("at"),
        refresh_token: None,
        expires_in: None,
        scope: None,
        id_token: None,
        warnings: Vec::new(),
    }
}

fn unavailable() -> Polled {
    Polled::Unavailable(OAuthError::Status { what: "the token endpoint".into(), status: 503 })
}

const PACE: Pace = Pace {
    interval: Duration::from_secs(5),
    slow_down_step: crate::settings::SLOW_DOWN_STEP,
    max_backoff: Duration::from_secs(30),
};

async fn run(answers: Vec<Polled>, window: u64, pace: Pace) -> (Outcome, Vec<u64>) {
    let clock = FakeClock::new(1_000);
    let mut script = Script { clock: &clock, answers: answers.into(), at: Vec::new() };
    let deadline = clock.now() + Duration::from_secs(window);
    let outcome = wait_for_tokens(&clock, &mut script, deadline, pace).await;
    (outcome, script.at.iter().map(Duration::as_secs).collect())
}

#[tokio::test]
async fn polls_at_the_interval_until_approved() {
    let (outcome, at) = run(vec![Polled::Pending, Polled::Pending, Polled::Tokens(tokens())], 600, PACE).await;
    assert!(matches!(outcome, Outcome::Approved(_)), "{outcome:?}");
    assert_eq!(at, [5, 10, 15], "the first poll after one interval, never sooner");
}

#[tokio::test]
async fn slow_down_adds_five_seconds_for_good() {
    let answers = vec![Polled::Pending, Polled::SlowDown, Polled::Pending, Polled::SlowDown, Polled::Pending];
    let (outcome, at) = run(answers, 60, PACE).await;
    assert!(matches!(outcome, Outcome::TimedOut), "{outcome:?}");
    // 5, 10 (slow_down: 10 s from now on), 20, 30 (slow_down: 15 s), 45; 60 would be the deadline.
    assert_eq!(at, [5, 10, 20, 30, 45]);
}

#[tokio::test]
async fn the_step_is_configurable_and_the_servers_interval_is_kept() {
    let pace = Pace { interval: Duration::from_secs(1), slow_down_step: Duration::from_secs(1), ..PACE };
    let (_, at) = run(vec![Polled::SlowDown, Polled::Tokens(tokens())], 60, pace).await;
    assert_eq!(at, [1, 3]);
}

#[tokio::test]
async fn denied_and_expired_end_the_wait_at_once() {
    let (outcome, at) = run(vec![Polled::Pending, Polled::Denied], 600, PACE).await;
    assert!(matches!(outcome, Outcome::Denied), "{outcome:?}");
    assert_eq!(at.len(), 2);
    let (outcome, _) = run(vec![Polled::Expired], 600, PACE).await;
    assert!(matches!(outcome, Outcome::Expired), "{outcome:?}");
    let refused = OAuthError::Rejected { error: ErrorCode::InvalidGrant, description: None };
    let (outcome, at) = run(vec![Polled::Failed(refused)], 600, PACE).await;
    assert!(matches!(outcome, Outcome::Failed(OAuthError::Rejected { error: ErrorCode::InvalidGrant, .. })));
    assert_eq!(at, [5]);
}

#[tokio::test]
async fn the_deadline_ends_the_wait_without_a_late_poll() {
    let (outcome, at) = run(Vec::new(), 12, PACE).await;
    assert!(matches!(outcome, Outcome::TimedOut), "{outcome:?}");
    assert_eq!(at, [5, 10], "no poll at 15 s, past the deadline");
}

#[tokio::test]
async fn a_failing_server_is_waited_out_with_backoff_and_named_at_the_end() {
    let answers = vec![unavailable(), unavailable(), Polled::Pending, Polled::Tokens(tokens())];
    let (outcome, at) = run(answers, 600, PACE).await;
    assert!(matches!(outcome, Outcome::Approved(_)), "{outcome:?}");
    // 5; failed: 10 s; failed: 20 s; then the interval again.
    assert_eq!(at, [5, 15, 35, 40]);
    let (outcome, _) = run((0..20).map(|_| unavailable()).collect(), 60, PACE).await;
    assert!(matches!(outcome, Outcome::ServerKeptFailing(OAuthError::Status { status: 503, .. })), "{outcome:?}");
}
