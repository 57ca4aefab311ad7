//! What `status` prints: the lines of its report, on stdout (the report is the answer).

use crate::clock::iso8601;
use crate::login::check::{AUTHENTICATE, Verdict};
use crate::store::UserInfo;

/// The lines of a report, written to stdout at once: the report is the command's answer, so it
/// goes where data goes; hints and errors stay on stderr.
#[derive(Debug, Default)]
pub(super) struct Report(String);

impl Report {
    pub(super) fn line(&mut self, text: &str) {
        self.0.push_str(text);
        self.0.push('\n');
    }

    pub(super) fn write(&self) -> anyhow::Result<()> {
        crate::output::write_data(&self.0)
    }
}

impl Report {
    /// Where the server came from, when `switch --server` chose it: a person who forgot it
    /// sees why this server, and how to pick another.
    pub(super) fn remembered(&mut self, settings: &crate::settings::Settings) {
        if settings.server_from == crate::settings::ServerFrom::Remembered {
            self.line("  server:  remembered by `switch --server` (--server or AGENTVIEW_SERVER picks another)");
        }
    }

    /// The account's line, after the first: its name, whether it is the active one, and the
    /// server's other accounts. Only when the server has an account other than `default`.
    pub(super) fn account(&mut self, account: &crate::store::AccountName, accounts: &super::accounts::Accounts) {
        let others: Vec<&str> = accounts.names.iter().filter(|n| *n != account).map(|n| n.as_str()).collect();
        if account.is_default() && others.is_empty() {
            return;
        }
        let active = if accounts.active == *account { " (active)" } else { "" };
        let others = if others.is_empty() { String::new() } else { format!("; also {}", others.join(", ")) };
        let line = format!("  login:   {account}{active}{others}\n");
        let at = self.0.find('\n').map_or(self.0.len(), |i| i + 1);
        self.0.insert_str(at, &line);
    }
}

/// The verdict's lines in the report.
pub(super) fn print_verdict(verdict: &Verdict, report: &mut Report) {
    match verdict {
        Verdict::Accepted(a) => {
            let how = if a.via == AUTHENTICATE { "its authenticate tool" } else { "an authenticated tools/list" };
            report.line(&format!("  check:   the server accepts the credential (asked through {how})"));
            if let Some(user) = a.user.as_ref().and_then(UserInfo::describe) {
                report.line(&format!("  server says account: {user}"));
            }
            if let Some(scope) = &a.scope {
                report.line(&format!("  server says scope:   {}", crate::sanitize::line(scope, 200)));
            }
            if let Some(at) = a.expires_at {
                report.line(&format!("  server says expires: {}", iso8601(at)));
            }
        }
        Verdict::Rejected { reason, .. } => {
            report.line(&format!("  check:   REJECTED by the server: {reason}"));
        }
        Verdict::Unreachable { reason } => {
            report.line(&format!("  check:   no answer from the server: {reason}"));
        }
    }
}
