//! The readers of what servers, browsers and files send, for the fuzz tests (`tests/fuzz`):
//! session-tool answers, OAuth answers and callbacks, login URLs, event streams, stored records,
//! times, and the sanitizer everything shown passes through.

pub use crate::clock::{MAX_UNIX, countdown, iso8601, parse_rfc3339, unix_now};
pub use crate::login::oauth::browser::grant::Authorization;
pub use crate::login::oauth::browser::loopback::{parse_query, pasted_params};
pub use crate::login::oauth::browser::profile::Request;
pub use crate::login::oauth::shared::discovery::{AuthServer, parse_challenge};
pub use crate::login::oauth::shared::registration::Client;
pub use crate::login::oauth::shared::tokens::parse_tokens;
pub use crate::login::session::fields::{parse_created, parse_polled, parse_polled_at};
pub use crate::login::session::tools::{MAX_LIFETIME_SECS, MAX_WINDOW, Polled, Terminal, ToolFailure};
pub use crate::mcp::sse::{Decoder, Event, SseError};
pub use crate::secret::check_token_shape;

/// The login URL guard.
pub mod login_url {
    pub use crate::login::session::login_url::{check, is_loopback, registrable_domain};
}

/// What everything shown on a terminal passes through.
pub mod sanitize {
    pub use crate::sanitize::{line, message};
}
