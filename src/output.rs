//! Output discipline: data to stdout, messages / URL / progress to stderr.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle, TermLike};

use crate::clock::countdown;
use crate::settings::UiSettings;

/// Writes messages for people (stderr) and data for programs (stdout).
#[derive(Debug, Clone, Copy)]
pub struct Output {
    ui: UiSettings,
}

impl Output {
    pub fn new(ui: UiSettings) -> Output {
        Output { ui }
    }

    pub fn ui(&self) -> UiSettings {
        self.ui
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.ui.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }

    /// A progress message (hidden by -q).
    pub fn info(&self, message: &str) {
        if !self.ui.quiet {
            eprint_line(message);
        }
    }

    /// A success message (hidden by -q).
    pub fn success(&self, message: &str) {
        if !self.ui.quiet {
            eprint_line(&format!("{} {message}", self.paint("32", "✓")));
        }
    }

    /// Something the user should know even when it is not fatal (shown even with -q).
    pub fn warn(&self, message: &str) {
        eprint_line(&format!("{} {message}", self.paint("33", "warning:")));
    }

    pub fn error(&self, message: &str) {
        eprint_line(&format!("{} {message}", self.paint("31;1", "error:")));
    }

    /// A line that must always reach the user (the login URL).
    pub fn always(&self, message: &str) {
        eprint_line(message);
    }

    /// `-v` detail; callers pass only redacted text.
    pub fn verbose(&self, message: &str) {
        if self.ui.verbose {
            eprint_line(&self.paint("2", message));
        }
    }

    pub fn is_verbose(&self) -> bool {
        self.ui.verbose
    }

    /// Where the HTTP layer's `-v` lines go (URLs without queries, statuses; never bodies).
    pub fn trace(&self) -> Option<crate::http::Trace> {
        let output = *self;
        self.is_verbose().then(|| std::sync::Arc::new(move |line: &str| output.verbose(line)) as crate::http::Trace)
    }
}

fn eprint_line(text: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// Write data to stdout; a reader that went away (`token | head -c0`) is not an error.
pub fn write_data(text: &str) -> anyhow::Result<()> {
    match stdout(text) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Write data to stdout. A closed pipe is reported as `BrokenPipe` for the caller to end quietly.
pub fn stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// The wait display: a countdown bar on a terminal, sparse lines elsewhere.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    deadline: Instant,
    last_line: Instant,
    every: Duration,
    quiet: bool,
}

impl Progress {
    /// Start showing the wait for a login that ends at `deadline` (`expires_at` is its wall time).
    pub fn start(output: &Output, deadline: Instant, expires_at: &str) -> Progress {
        let ui = output.ui();
        let now = Instant::now();
        let total = deadline.saturating_duration_since(now);
        // A terminal that cannot redraw (TERM unset or dumb) hides the bar: use plain lines there.
        let drawable = ui.stderr_tty && !ui.quiet && !ProgressDrawTarget::stderr().is_hidden();
        let bar = drawable.then(|| {
            let target = ProgressDrawTarget::term_like_with_hz(Box::new(Margin(console::Term::stderr())), 20);
            let bar = ProgressBar::with_draw_target(Some(total.as_millis() as u64), target);
            let style = ProgressStyle::with_template("{spinner} Waiting for approval {bar:40} {left} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("left", move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&countdown(deadline.saturating_duration_since(Instant::now())));
                })
                .progress_chars("█▉▊▋▌▍▎▏ ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        });
        if bar.is_none() && !ui.quiet {
            eprint_line(&format!(
                "Waiting for approval (the login window closes at {expires_at}, {} left)…",
                countdown(total)
            ));
        }
        Progress { bar, deadline, last_line: now, every: Duration::from_secs(30), quiet: ui.quiet }
    }

    /// Refresh after a poll.
    pub fn tick(&mut self) {
        let now = Instant::now();
        let left = self.deadline.saturating_duration_since(now);
        match &self.bar {
            Some(bar) => bar.set_position(bar.length().unwrap_or(0).saturating_sub(left.as_millis() as u64)),
            None if !self.quiet && now.duration_since(self.last_line) >= self.every => {
                self.last_line = now;
                eprint_line(&format!("Still waiting for approval: {} left", countdown(left)));
            }
            None => {}
        }
    }
}

impl Drop for Progress {
    /// However the wait ends (an error returned early included), the bar goes.
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// stderr as indicatif sees it, a few columns narrower than it is.
///
/// indicatif pads the bar's line to the terminal's width, which leaves the cursor in the last
/// column. The `^C` a terminal echoes for Ctrl-C then wraps onto a new line, and clearing "the
/// bar's line" would clear that one instead, leaving the last frame on screen. With a margin
/// the echo lands on the bar's line and is cleared with it.
#[derive(Debug)]
struct Margin(console::Term);

/// Room for the `^C` echo, and one column to spare.
const ECHO_ROOM: u16 = 3;

impl TermLike for Margin {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(ECHO_ROOM).max(1)
    }
    fn height(&self) -> u16 {
        self.0.size().0
    }
    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_up(n)
    }
    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_down(n)
    }
    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_right(n)
    }
    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_left(n)
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        self.0.write_line(s)
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        self.0.write_str(s)
    }
    fn clear_line(&self) -> io::Result<()> {
        self.0.clear_line()
    }
    fn flush(&self) -> io::Result<()> {
        self.0.flush()
    }
}
