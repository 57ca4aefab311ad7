//! Opening the login URL: a user-named launcher, else the platform opener, never without a display.

use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::Url;

use crate::clock::Clock;
use crate::settings::BrowserSettings;

/// What happened when we tried to open the page.
#[derive(Debug, PartialEq, Eq)]
pub enum Launch {
    /// Started; names what started it.
    Opened(String),
    /// Deliberately not opened; says why.
    Skipped(&'static str),
    /// Tried and failed; the reason (a warning, never fatal).
    Failed(String),
}

/// Open `url` as the settings say. The URL has passed `login_url::check`.
pub async fn open(url: &Url, settings: &BrowserSettings, clock: &dyn Clock) -> Launch {
    if let Some(launcher) = &settings.launcher {
        return run_launcher(launcher, url.as_str(), &settings.hidden_env, clock).await;
    }
    if !settings.has_display {
        return Launch::Skipped("no display (DISPLAY / WAYLAND_DISPLAY unset)");
    }
    let mut last_error = None;
    for mut command in open::commands(url.as_str()) {
        hide(&mut command, &settings.hidden_env);
        match command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
            Ok(mut child) => {
                std::thread::spawn(move || child.wait());
                return Launch::Opened("the default browser".into());
            }
            Err(e) => last_error = Some(e),
        }
    }
    let why = last_error.map_or_else(|| "no opener for this platform".to_string(), |e| e.to_string());
    Launch::Failed(format!("could not open the default browser: {why}"))
}

/// The browser runs without agentview's secrets in its environment.
fn hide(command: &mut Command, hidden: &[String]) {
    for name in hidden {
        command.env_remove(name);
    }
}

/// Run a `BROWSER`-style command line: words split on whitespace (quotes
/// group), `%s` replaced by the URL, else the URL appended as the last argument.
async fn run_launcher(launcher: &str, url: &str, hidden: &[String], clock: &dyn Clock) -> Launch {
    let mut words = split_words(launcher);
    if words.is_empty() {
        return Launch::Failed("the browser command is empty".into());
    }
    if words.iter().any(|w| w.contains("%s")) {
        words = words.into_iter().map(|w| w.replace("%s", url)).collect();
    } else {
        words.push(url.to_string());
    }
    let program = words.remove(0);
    let mut command = Command::new(&program);
    hide(&mut command, hidden);
    let spawned = command.args(&words).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return Launch::Failed(format!("could not run the browser command \"{program}\": {e}")),
    };
    // A launcher that fails at once (wrong profile, no such browser) is worth a
    // warning; one that keeps running is a browser doing its job.
    clock.sleep(Duration::from_millis(100)).await;
    match child.try_wait() {
        Ok(Some(status)) if !status.success() => {
            Launch::Failed(format!("the browser command \"{program}\" exited with {status}"))
        }
        Ok(Some(_)) => Launch::Opened(format!("\"{program}\"")),
        _ => {
            std::thread::spawn(move || child.wait());
            Launch::Opened(format!("\"{program}\""))
        }
    }
}

fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::RealClock;

    #[test]
    fn splits_command_lines() {
        assert_eq!(split_words("firefox -P work"), ["firefox", "-P", "work"]);
        assert_eq!(split_words("'/opt/my browser/run' --new-tab"), ["/opt/my browser/run", "--new-tab"]);
        assert!(split_words("   ").is_empty());
    }

    #[tokio::test]
    async fn no_display_skips_the_platform_opener() {
        let url = Url::parse("https://agentview.de/login/x").expect("valid");
        let settings = BrowserSettings { launcher: None, has_display: false, ssh: false, hidden_env: Vec::new() };
        assert!(matches!(open(&url, &settings, &RealClock).await, Launch::Skipped(_)));
    }

    #[tokio::test]
    async fn launcher_failures_are_reported() {
        let url = Url::parse("https://agentview.de/login/x").expect("valid");
        let missing = BrowserSettings {
            launcher: Some("/nonexistent/browser".into()),
            has_display: true,
            ssh: false,
            hidden_env: Vec::new(),
        };
        assert!(matches!(open(&url, &missing, &RealClock).await, Launch::Failed(_)));
        if cfg!(unix) {
            let failing = BrowserSettings {
                launcher: Some("false".into()),
                has_display: true,
                ssh: false,
                hidden_env: Vec::new(),
            };
            assert!(matches!(open(&url, &failing, &RealClock).await, Launch::Failed(m) if m.contains("exited")));
            let ok = BrowserSettings {
                launcher: Some("true".into()),
                has_display: false,
                ssh: false,
                hidden_env: Vec::new(),
            };
            assert!(matches!(open(&url, &ok, &RealClock).await, Launch::Opened(_)));
        }
    }
}
