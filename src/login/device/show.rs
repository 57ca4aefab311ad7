//! What a device login shows: the address and the code, each on a line of its own where it is
//! easy to read and copy (shown with `-q` too), the address with the code in it, a QR code of it
//! with `--qr`; or, with `--no-wait`, the handshake that tells a person or a program how to
//! finish.

use std::time::Duration;

use serde_json::json;

use super::qr;
use crate::clock::{iso8601, utc_time_of_day};
use crate::login::context::LoginContext;
use crate::login::oauth::device::DeviceCode;
use crate::login::session::handshake::{resume_command, warn_of_headers};
use crate::login::wait::limit_note;

/// The codes for the person, while the wait runs; `window`: how long the codes live.
pub(super) fn codes(ctx: &LoginContext<'_>, window: Duration, code: &DeviceCode, issuer: &str) {
    let (login, output, clock) = (ctx.login, &ctx.output, &ctx.clock);
    output.always(&format!(
        "To log in, open this address on any device (a phone, a laptop):\n\n    {}\n\nand enter the code:\n\n    {}\n",
        code.verification_uri, code.user_code
    ));
    if let Some(complete) = &code.verification_uri_complete {
        output.always(&format!("Or open this address, which carries the code:\n\n    {complete}\n"));
    }
    if login.qr {
        let target = code.verification_uri_complete.as_ref().unwrap_or(&code.verification_uri);
        match qr::draw(target.as_str(), output.ui().color) {
            Some(drawing) => output.always(&format!("Or scan it with a phone:\n\n{drawing}")),
            None => output.warn("the address is too long for a QR code; open it as printed above"),
        }
    }
    output.info(&format!(
        "Approve only a login you started yourself. The authorization server is {}; {}.",
        crate::sanitize::line(issuer, 200),
        limit_note(login.timeout, window, clock.unix_now())
    ));
}

/// `--no-wait`: the codes and the resume handle at once, and stop.
pub(super) fn handshake(
    ctx: &LoginContext<'_>,
    code: &DeviceCode,
    handle: &str,
    closes_at: u64,
    window: Duration,
) -> anyhow::Result<()> {
    let (login, settings, output) = (ctx.login, &ctx.settings, &ctx.output);
    let resume = resume_command(login, settings, &["login", "--device", "--resume", handle]);
    let complete = code.verification_uri_complete.as_ref().map(|u| u.to_string());
    if login.report.json {
        let doc = json!({
            "server": settings.server,
            "method": "device",
            "user_code": code.user_code,
            "verification_uri": code.verification_uri.as_str(),
            "verification_uri_complete": complete,
            "login_url": complete.as_deref().unwrap_or(code.verification_uri.as_str()),
            "expires_at": iso8601(closes_at),
            "expires_at_unix": closes_at,
            "expires_in": window.as_secs(),
            "interval": code.interval.as_secs(),
            "resume_handle": handle,
            "resume_command": resume,
            "resume_needs_headers": login.literal_headers,
        });
        crate::output::write_data(&format!("{doc}\n"))?;
    } else {
        output.always(&format!(
            "To approve this login, open this address on any device:\n\n    {}\n\nand enter the code:\n\n    {}\n",
            code.verification_uri, code.user_code
        ));
        if let Some(complete) = &complete {
            output.always(&format!("Or open this address, which carries the code:\n\n    {complete}\n"));
        }
        output.always(&format!(
            "The code expires at {}. Then finish with:\n\n    {resume}\n",
            utc_time_of_day(closes_at)
        ));
    }
    warn_of_headers(login, output);
    Ok(())
}
