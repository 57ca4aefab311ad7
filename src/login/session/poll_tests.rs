//! Tests of the poll loop on a fake clock: pacing, back-off, deadlines, outcomes.

use super::*;
use std::cell::RefCell;

use crate::clock::fake::FakeClock;
use std::collections::VecDeque;

/// Answers from a script; records when each poll happened.
struct Script<'c> {
    clock: &'c FakeClock,
    answers: VecDeque<Result<Polled, PollError>>,
    times: RefCell<Vec<Duration>>,
}

impl Poller for Script<'_> {
    async fn poll(&mut self) -> Result<Polled, PollError> {
        self.times.borrow_mut().push(self.clock.elapsed());
        self.answers.pop_front().unwrap_or(Ok(Polled::Pending { interval: None }))
    }
}

fn active() -> Polled {
    Polled::Active(Activated { token: None, expires_at: None, expires_in: None, user: None, warnings: vec![] })
}

fn pending() -> Result<Polled, PollError> {
    Ok(Polled::Pending { interval: None })
}

fn run(clock: &FakeClock, answers: Vec<Result<Polled, PollError>>, window: Duration) -> (Outcome, Vec<Duration>) {
    let mut script = Script { clock, answers: answers.into(), times: RefCell::new(vec![]) };
    let deadline = clock.now() + window;
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let outcome = rt.block_on(wait_for_approval(clock, &mut script, deadline, &Pacing::default()));
    (outcome, script.times.into_inner())
}

#[test]
fn polls_every_two_seconds_until_active() {
    let clock = FakeClock::new(1_000_000);
    let (outcome, times) = run(&clock, vec![pending(), pending(), Ok(active())], Duration::from_secs(600));
    assert!(matches!(outcome, Outcome::Active(_)));
    assert_eq!(times, vec![Duration::from_secs(2), Duration::from_secs(4), Duration::from_secs(6)]);
}

#[test]
fn times_out_at_the_deadline_with_at_most_thirty_polls_a_minute() {
    let clock = FakeClock::new(1_000_000);
    let (outcome, times) = run(&clock, vec![], Duration::from_secs(60));
    assert!(matches!(outcome, Outcome::TimedOut));
    assert_eq!(times.len(), 30);
    assert_eq!(clock.elapsed(), Duration::from_secs(60));
}

#[test]
fn server_hint_slows_but_never_speeds_polling() {
    let clock = FakeClock::new(1_000_000);
    let answers = vec![
        Ok(Polled::Pending { interval: Some(Duration::from_secs(5)) }),
        Ok(Polled::Pending { interval: Some(Duration::from_millis(100)) }),
        Ok(active()),
    ];
    let (_, times) = run(&clock, answers, Duration::from_secs(600));
    assert_eq!(times, vec![Duration::from_secs(2), Duration::from_secs(7), Duration::from_secs(9)]);
}

#[test]
fn transient_failures_back_off_and_recover() {
    let clock = FakeClock::new(1_000_000);
    let answers = vec![
        Err(PollError::Mcp(McpError::Status { status: 503, retry_after: None })),
        Err(PollError::Mcp(McpError::Network(crate::http::NetworkError::new(
            crate::http::NetworkKind::Broken,
            "reset",
            None,
        )))),
        Err(PollError::Mcp(McpError::Status { status: 429, retry_after: Some(Duration::from_secs(7)) })),
        Ok(active()),
    ];
    let (outcome, times) = run(&clock, answers, Duration::from_secs(600));
    assert!(matches!(outcome, Outcome::Active(_)));
    // 2 s, then back-off 4 s, then 8 s, then the server's 7 s.
    assert_eq!(
        times,
        vec![Duration::from_secs(2), Duration::from_secs(6), Duration::from_secs(14), Duration::from_secs(21)]
    );
}

#[test]
fn a_server_that_stays_down_is_reported_as_failing() {
    let clock = FakeClock::new(1_000_000);
    let answers = (0..100).map(|_| Err(PollError::Mcp(McpError::Status { status: 503, retry_after: None }))).collect();
    let (outcome, times) = run(&clock, answers, Duration::from_secs(120));
    assert!(matches!(outcome, Outcome::ServerKeptFailing(McpError::Status { status: 503, .. })), "{outcome:?}");
    assert!(times.windows(2).all(|w| w[1] - w[0] >= Duration::from_secs(2)));
    assert!(times.windows(2).all(|w| w[1] - w[0] <= Duration::from_secs(30)));
}

#[test]
fn policy_denial_waits_for_the_next_minute() {
    let clock = FakeClock::new(1_000_040); // 20 s into a minute
    let answers = vec![Err(PollError::Tool(ToolFailure::Policy("rate limit".into()))), Ok(active())];
    let (outcome, times) = run(&clock, answers, Duration::from_secs(600));
    assert!(matches!(outcome, Outcome::Active(_)));
    // First poll at :22, next minute starts at :60, plus a second of margin.
    assert_eq!(times, vec![Duration::from_secs(2), Duration::from_secs(41)]);
}

#[test]
fn after_a_policy_denial_the_interval_is_normal_again() {
    let clock = FakeClock::new(1_000_040);
    let pending = || Ok(Polled::Pending { interval: None });
    let answers =
        vec![Err(PollError::Tool(ToolFailure::Policy("rate limit".into()))), pending(), pending(), Ok(active())];
    let (outcome, times) = run(&clock, answers, Duration::from_secs(600));
    assert!(matches!(outcome, Outcome::Active(_)));
    assert_eq!(
        times,
        vec![Duration::from_secs(2), Duration::from_secs(41), Duration::from_secs(43), Duration::from_secs(45)]
    );
}

#[test]
fn policy_denial_until_the_end_is_its_own_outcome() {
    let clock = FakeClock::new(1_000_000);
    let answers = (0..100).map(|_| Err(PollError::Tool(ToolFailure::Policy("denied by policy".into())))).collect();
    let (outcome, _) = run(&clock, answers, Duration::from_secs(200));
    assert!(matches!(outcome, Outcome::PolicyKeptDenying(m) if m == "denied by policy"));
}

#[test]
fn terminal_statuses_and_fatal_errors_stop_at_once() {
    let clock = FakeClock::new(1_000_000);
    let (outcome, times) = run(&clock, vec![Ok(Polled::Ended(Terminal::Denied))], Duration::from_secs(600));
    assert!(matches!(outcome, Outcome::Ended(Terminal::Denied)));
    assert_eq!(times.len(), 1);
    let (outcome, _) =
        run(&clock, vec![Err(PollError::Tool(ToolFailure::Malformed("status".into())))], Duration::from_secs(600));
    assert!(matches!(outcome, Outcome::Fatal(_)));
}
