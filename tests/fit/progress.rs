//! Ctrl-C on a real terminal during the wait leaves no frame of the progress bar behind.
#![cfg(unix)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::support::cli::{Agentview, binary};
use super::support::fixture::Live;
use super::support::server::{ServerConfig, TestServer};

#[test]
fn ctrl_c_on_a_terminal_clears_the_bar() {
    let server = TestServer::start(ServerConfig::default());
    let mut av = Agentview::new(&server.mcp_url());
    av.set("TERM", "xterm");
    let line = format!("stty cols {COLUMNS} rows 30; exec '{}' login --no-browser", binary().display());
    let Ok(mut child) = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_clear()
        .envs(av.env_pairs().iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        return super::support::cli::skip("AGENTVIEW_REQUIRE_TERMINAL", "util-linux `script` is not installed");
    };
    let terminal = child.stdout.take().expect("stdout");
    let mut live = Live::reading(child, terminal);
    // The bar has been drawn, and redrawn: Ctrl-C now lands on a line the bar has been on.
    live.wait_for_count(" left", 3, Duration::from_secs(20));
    let mut stdin = live.child.stdin.take().expect("stdin");
    stdin.write_all(b"\x03").expect("Ctrl-C");
    stdin.flush().expect("flush");
    let run = live.finish(Duration::from_secs(20));
    drop(stdin);
    let raw = run.stderr;
    assert_eq!(run.code, 130, "{raw:?}");
    let screen = Screen::replay(&raw, COLUMNS);
    assert!(screen.iter().any(|l| l.contains("error: interrupted")), "{screen:#?}");
    assert!(!screen.iter().any(|l| l.contains("Waiting for approval")), "a bar frame is left:\n{screen:#?}");
}

const COLUMNS: usize = 100;

/// Just enough of a terminal to see what stays on screen: autowrap at the last column (xterm's
/// deferred wrap), CR, LF, erase in line, and cursor moves.
struct Screen {
    lines: Vec<Vec<char>>,
    row: usize,
    col: usize,
    wrap_pending: bool,
    width: usize,
}

impl Screen {
    fn replay(raw: &str, width: usize) -> Vec<String> {
        let mut s = Screen { lines: vec![Vec::new()], row: 0, col: 0, wrap_pending: false, width };
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\u{1b}' if chars.peek() == Some(&'[') => {
                    chars.next();
                    let mut params = String::new();
                    let mut last = ' ';
                    for p in chars.by_ref() {
                        if p.is_ascii_alphabetic() || p == '~' {
                            last = p;
                            break;
                        }
                        params.push(p);
                    }
                    let n: usize = params.trim_start_matches('?').parse().unwrap_or(0);
                    s.csi(last, n, params.starts_with('?'));
                }
                '\u{1b}' => {
                    chars.next();
                }
                '\r' => {
                    s.col = 0;
                    s.wrap_pending = false;
                }
                '\n' => s.down(1),
                c if c.is_control() => {}
                c => s.put(c),
            }
        }
        s.lines.iter().map(|l| l.iter().collect::<String>().trim_end().to_string()).collect()
    }

    fn line(&mut self) -> &mut Vec<char> {
        while self.lines.len() <= self.row {
            self.lines.push(Vec::new());
        }
        &mut self.lines[self.row]
    }

    fn down(&mut self, n: usize) {
        self.row += n;
        self.wrap_pending = false;
        self.line();
    }

    fn put(&mut self, c: char) {
        if self.wrap_pending {
            self.down(1);
            self.col = 0;
        }
        let col = self.col;
        let line = self.line();
        if line.len() <= col {
            line.resize(col + 1, ' ');
        }
        line[col] = c;
        if self.col + 1 == self.width {
            self.wrap_pending = true;
        } else {
            self.col += 1;
        }
    }

    fn csi(&mut self, command: char, n: usize, private: bool) {
        if private {
            return;
        }
        let col = self.col;
        match command {
            'K' if n == 2 => self.line().clear(),
            'K' => self.line().truncate(col),
            'A' => {
                self.row = self.row.saturating_sub(n.max(1));
                self.wrap_pending = false;
            }
            'B' => self.down(n.max(1)),
            'C' => self.col = (self.col + n.max(1)).min(self.width - 1),
            'D' => self.col = self.col.saturating_sub(n.max(1)),
            'G' => self.col = n.saturating_sub(1),
            _ => {}
        }
    }
}
