//! `login --no-wait`: the handshake that tells a person or program how to finish the login, and
//! the resume command every two-step login prints.

use std::time::Duration;

use serde_json::json;

use crate::clock::{iso8601, utc_time_of_day};
use crate::error::Exit;
use crate::login::settings::LoginSettings;
use crate::output::Output;
use crate::settings::Settings;
use crate::settings::invocation::shell_quote;

/// `--no-wait`: tell the caller how to finish, and stop.
pub fn print(
    login: &LoginSettings,
    settings: &Settings,
    output: &Output,
    id: &str,
    url: &str,
    closes_at: u64,
    window: Duration,
) -> anyhow::Result<Exit> {
    let resume = resume_command(login, settings, &["login", "--resume", id]);
    if login.report.json {
        let doc = json!({
            "server": settings.server,
            "session_request_id": id,
            "login_url": url,
            "expires_at": iso8601(closes_at),
            "expires_at_unix": closes_at,
            "expires_in": window.as_secs(),
            "resume_command": resume,
            "resume_needs_headers": login.literal_headers,
        });
        crate::output::write_data(&format!("{doc}\n"))?;
    } else {
        output.always(&format!("To approve this login, open:\n\n    {url}\n"));
        output.always(&format!(
            "The login window closes at {}. Then finish with:\n\n    {resume}\n",
            utc_time_of_day(closes_at)
        ));
    }
    warn_of_headers(login, output);
    Ok(Exit::Ok)
}

/// The command that finishes a login later: `login` (its words in `login_words`), with the
/// server and the global flags the login was given that may be printed.
pub fn resume_command(login: &LoginSettings, settings: &Settings, login_words: &[&str]) -> String {
    let mut words = vec!["agentview".to_string(), "--server".to_string(), settings.server.to_string()];
    words.extend(login.resume_flags.iter().cloned());
    words.extend(login_words.iter().map(|w| w.to_string()));
    words.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ")
}

/// `--header`s with literal values are left out of a printed resume command: say so.
pub fn warn_of_headers(login: &LoginSettings, output: &Output) {
    if !login.literal_headers.is_empty() {
        output.warn(&format!(
            "add your --header {} option(s) to the resume command: they are not printed because they may hold secrets \
             (use {{env:VAR}} in header values to have them repeated)",
            login.literal_headers.join(", ")
        ));
    }
}
