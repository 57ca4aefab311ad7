//! One wait for every login method: the URL shown, the browser opened, progress on the
//! terminal, and a deadline on the injected clock with what set it ([`Limit`]), so a wait that
//! runs out says whose limit it was.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::Url;

use super::context::{LoginContext, interrupted};
use crate::browser::{self, Launch};
use crate::clock::{countdown, utc_time_of_day};
use crate::error::{Exit, Failure};
use crate::output::Progress;

/// How long an OAuth login waits for the browser to come back, unless `--timeout` says otherwise.
pub const OAUTH_WINDOW: Duration = Duration::from_secs(300);
/// The login window agentview assumes for the session tools when the server names none (or
/// nonsense), and for a resumed login, whose window it cannot know.
pub const SESSION_WINDOW: Duration = Duration::from_secs(600);

/// What set the end of a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The user's `--timeout`.
    UserTimeout(Duration),
    /// The login window the server named.
    ServerWindow(Duration),
    /// agentview's own default: nobody named a limit.
    OwnWindow(Duration),
}

/// What the wait is for, as a running-out message says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaiting {
    /// A person approving a session login.
    Approval,
    /// The browser coming back from the authorization server.
    Browser,
}

impl Limit {
    /// The user's `--timeout` when it ends the wait before `other` does, else `other`.
    pub fn sooner(timeout: Option<Duration>, other: Limit) -> Limit {
        match timeout {
            Some(t) if t < other.duration() => Limit::UserTimeout(t),
            _ => other,
        }
    }

    /// The user's `--timeout`, else agentview's own `default` (which a longer `--timeout` extends).
    pub fn own_unless(timeout: Option<Duration>, default: Duration) -> Limit {
        timeout.map_or(Limit::OwnWindow(default), Limit::UserTimeout)
    }

    pub fn duration(self) -> Duration {
        match self {
            Limit::UserTimeout(d) | Limit::ServerWindow(d) | Limit::OwnWindow(d) => d,
        }
    }

    /// The failure when this limit ran out while `awaiting`; hints repeat `login_command`.
    pub fn ran_out(self, awaiting: Awaiting, login_command: &str) -> Failure {
        let before = match awaiting {
            Awaiting::Approval => "the login was approved",
            Awaiting::Browser => "the browser came back",
        };
        match (self, awaiting) {
            (Limit::UserTimeout(d), _) => Failure::new(
                Exit::Expired,
                format!("--timeout reached: your limit of {} s ran out before {before}", d.as_secs()),
            ),
            (Limit::ServerWindow(d), _) => Failure::new(
                Exit::Expired,
                format!("the server's login window ({}) ran out before {before}", countdown(d)),
            )
            .with_hint(format!("run `{login_command}` again and approve within the window")),
            (Limit::OwnWindow(d), Awaiting::Browser) => Failure::new(
                Exit::Expired,
                format!("no answer from the browser within {}; the login was abandoned", countdown(d)),
            )
            .with_hint(format!("run `{login_command}` again, or give more time with --timeout")),
            (Limit::OwnWindow(d), Awaiting::Approval) => Failure::new(
                Exit::Expired,
                format!(
                    "the login was not approved within {}, agentview's own limit for a resumed login (how long \
                     the server keeps the login open is not known here)",
                    countdown(d)
                ),
            )
            .with_hint(format!(
                "if the login can still be approved, resume it again (--timeout waits longer); \
                 else run `{login_command}` again"
            )),
        }
    }
}

/// A person said no to the login (the session tools' `denied`, the device grant's
/// `access_denied`): the same message and exit for every method.
pub fn denied(login_command: &str) -> Failure {
    Failure::new(Exit::Denied, "the login was denied")
        .with_hint(format!("nothing was stored; if that was a mistake, run `{login_command}` again and approve"))
}

/// "90 s", "5 min", "1 h 30 min": how agentview says a duration back.
pub fn describe(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

/// Which limit ends a wait, in words that keep "your --timeout" apart from "the server's login
/// window": `timeout` is the user's `--timeout`, `window` the server's window, both from now.
pub fn limit_note(timeout: Option<Duration>, window: Duration, now_unix: u64) -> String {
    let at = |d: Duration| crate::clock::utc_time_of_day(now_unix + d.as_secs());
    match timeout {
        Some(t) if t < window => format!(
            "your --timeout ({}) ends the wait at {}; the server's login window stays open until {} ({})",
            describe(t),
            at(t),
            at(window),
            describe(window)
        ),
        _ => format!("the server's login window closes at {} (in {})", at(window), describe(window)),
    }
}

/// A wait in progress: its limit, and when it ends on the monotonic and the wall clock.
#[derive(Debug)]
pub struct Wait<'a> {
    ctx: LoginContext<'a>,
    pub limit: Limit,
    pub deadline: Instant,
    /// Unix seconds when the wait ends.
    pub closes_at: u64,
}

impl<'a> Wait<'a> {
    /// A wait that ends when `limit` runs out, from now on the context's clock.
    pub fn new(ctx: &LoginContext<'a>, limit: Limit) -> Wait<'a> {
        let window = limit.duration();
        Wait {
            ctx: *ctx,
            limit,
            deadline: ctx.clock.now() + window,
            closes_at: ctx.clock.unix_now().saturating_add(window.as_secs()),
        }
    }

    /// "14:05:09 UTC": when the wait ends.
    pub fn closes_at_text(&self) -> String {
        utc_time_of_day(self.closes_at)
    }

    /// The URL on its own line, where a person can copy it (always shown, `-q` or not).
    pub fn show_url(&self, lead: &str, url: &Url) {
        self.ctx.output.always(&format!("{lead}\n\n    {url}\n"));
    }

    /// Open `url` in the browser the settings name; `true` when one took it.
    pub async fn open_browser(&self, url: &Url) -> bool {
        let output = self.ctx.output;
        match browser::open(url, &self.ctx.settings.browser, self.ctx.clock.as_ref()).await {
            Launch::Opened(how) => {
                output.info(&format!("Opened the login page with {how}."));
                true
            }
            Launch::Skipped(why) => {
                output.info(&format!("Not opening a browser: {why}. Open the URL above."));
                false
            }
            Launch::Failed(why) => {
                output.warn(&format!("{why}; open the URL above yourself"));
                false
            }
        }
    }

    /// Run `work` with the progress display on, until it is done; Ctrl-C ends it with
    /// "interrupted; nothing was stored".
    pub async fn watch<T>(&self, work: impl Future<Output = T>) -> anyhow::Result<T> {
        let mut progress = Progress::start(&self.ctx.output, self.deadline, &self.closes_at_text());
        tokio::pin!(work);
        let clock = &self.ctx.clock;
        loop {
            tokio::select! {
                done = &mut work => return Ok(done),
                () = clock.sleep(Duration::from_millis(250)) => progress.tick(),
                () = self.ctx.interrupt.wait() => return Err(interrupted()),
            }
        }
    }

    /// Resolves when the limit has run out.
    pub async fn expired(&self) {
        let clock = &self.ctx.clock;
        let left = self.deadline.saturating_duration_since(clock.now());
        clock.sleep(left).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sooner_limit_wins_and_is_named() {
        let window = Limit::ServerWindow(Duration::from_secs(600));
        assert_eq!(Limit::sooner(Some(Duration::from_secs(5)), window), Limit::UserTimeout(Duration::from_secs(5)));
        assert_eq!(Limit::sooner(Some(Duration::from_secs(900)), window), window);
        assert_eq!(Limit::sooner(None, window), window);
    }

    #[test]
    fn running_out_says_whose_limit_it_was() {
        let d = Duration::from_secs(300);
        let text = |limit: Limit, awaiting| limit.ran_out(awaiting, "agentview login").message;
        assert!(text(Limit::UserTimeout(d), Awaiting::Browser).starts_with("--timeout reached"));
        assert!(text(Limit::ServerWindow(d), Awaiting::Approval).starts_with("the server's login window (5m00s)"));
        assert!(text(Limit::OwnWindow(d), Awaiting::Browser).starts_with("no answer from the browser within 5m00s"));
        assert!(!text(Limit::OwnWindow(d), Awaiting::Approval).contains("login window"));
        for limit in [Limit::UserTimeout(d), Limit::ServerWindow(d), Limit::OwnWindow(d)] {
            assert_eq!(limit.ran_out(Awaiting::Approval, "x").exit, Exit::Expired);
        }
    }

    #[test]
    fn the_limit_that_ends_the_wait_is_named() {
        let ten_min = Duration::from_secs(600);
        let text = limit_note(Some(Duration::from_secs(3)), ten_min, 0);
        assert_eq!(
            text,
            "your --timeout (3 s) ends the wait at 00:00:03 UTC; the server's login window stays open until \
             00:10:00 UTC (10 min)"
        );
        let text = limit_note(None, ten_min, 0);
        assert_eq!(text, "the server's login window closes at 00:10:00 UTC (in 10 min)");
        assert!(limit_note(Some(Duration::from_secs(3600)), ten_min, 0).starts_with("the server's"));
    }

    #[test]
    fn says_durations_back() {
        assert_eq!(describe(Duration::from_secs(90)), "1 min 30 s");
        assert_eq!(describe(Duration::from_secs(3)), "3 s");
        assert_eq!(describe(Duration::from_secs(600)), "10 min");
        assert_eq!(describe(Duration::from_secs(5400)), "1 h 30 min");
    }
}
