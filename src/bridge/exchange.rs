//! One message from the client to the server: a request and its answer, a notification, or
//! the client's response to a server request. A 404 on a request that carried the session id
//! means the server forgot the session: it is set up again by replaying the client's own
//! initialize and `notifications/initialized`, and the message is sent once more.

use serde_json::{Value, json};
use tokio::sync::OwnedRwLockWriteGuard;

use super::message;
use super::relay::Deliver;
use super::relay::{Refusal, Relay};
use super::session::Session;
use super::stream::Waiting;

/// How long the client's next message waits for the standalone stream to open.
const LISTEN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// A message from the client: its parsed form and the text it came as (sent on unchanged).
#[derive(Debug, Clone)]
pub struct Message {
    pub value: Value,
    pub text: String,
}

impl Relay {
    /// Forward a request; the answer (or an error for it) goes to the client unless `deliver`
    /// keeps it.
    pub async fn request(&self, message: &Message, id: &Value, deliver: Deliver) -> Result<Value, Refusal> {
        if message.value.get("method").and_then(Value::as_str) != Some("tools/list") {
            return self.exchange(message, id, deliver).await;
        }
        // The tool list is read (and tools with broken `x-mcp-header`s taken out) before the client sees it.
        let mut answer = self.exchange(message, id, Deliver::Keep).await?;
        let refused = self.inner.params.lock().unwrap_or_else(|e| e.into_inner()).learn(&mut answer);
        for (name, why) in refused {
            self.inner.output.warn(&format!(
                "left out the server's tool \"{}\": {}",
                crate::sanitize::line(&name, 80),
                crate::sanitize::line(&why, 200)
            ));
        }
        if deliver == Deliver::Client {
            self.to_client(answer.to_string()).await;
        }
        Ok(answer)
    }

    async fn exchange(&self, message: &Message, id: &Value, deliver: Deliver) -> Result<Value, Refusal> {
        // From here on an answer with this id is taken from any stream, once.
        let (_waiting, mut elsewhere) = Waiting::register(self, id);
        let mut renewed_session = false;
        loop {
            let session = self.inner.session.read().await.clone();
            let response = self.post(&message.value, &message.text, &session).await?;
            let status = response.status();
            if status == reqwest::StatusCode::NOT_FOUND && renewed_session {
                return Err(Refusal::upstream(format!(
                    "{} still answers HTTP 404 after a new session was set up: the session could not be re-established",
                    self.inner.server
                )));
            }
            if status == reqwest::StatusCode::NOT_FOUND
                && let Some(expired) = session.id.as_deref()
            {
                renewed_session = true;
                self.renew_session(expired).await?;
                continue;
            }
            if !status.is_success() {
                return self.failed(response, id, deliver).await;
            }
            return self.answer(response, id, deliver, &session, &mut elsewhere).await;
        }
    }

    /// The client's initialize: sent without a session, and what the server answers (its session
    /// id, the protocol version) kept for every later request. The write guard keeps every other
    /// message waiting until it is done.
    pub async fn initialize(
        &self,
        mut session: OwnedRwLockWriteGuard<Session>,
        message: &Message,
        id: &Value,
    ) -> Result<Value, Refusal> {
        *session =
            Session { initialize: Some(message.value.clone()), renewals: session.renewals, ..Session::default() };
        let fresh = Session::default();
        let response = self.post(&message.value, &message.text, &fresh).await?;
        if !response.status().is_success() {
            return self.failed(response, id, Deliver::Client).await;
        }
        let session_id = session_header(&response);
        let (_waiting, mut elsewhere) = Waiting::register(self, id);
        let answer = self.answer(response, id, Deliver::Client, &fresh, &mut elsewhere).await?;
        session.established(session_id, &answer);
        Ok(answer)
    }

    /// `notifications/initialized`, sent before anything else may go (the guard), then the
    /// standalone stream is opened before the client's next message goes: a server may send
    /// its requests there as soon as a tool call reaches it, and one sent before the stream is
    /// open is lost. The wait is bounded (`LISTEN_WAIT`); a server without the stream answers
    /// at once.
    pub async fn initialized(&self, mut session: OwnedRwLockWriteGuard<Session>, message: &Message) {
        session.initialized = Some(message.value.clone());
        let snapshot = session.clone();
        self.notify(message, &snapshot).await;
        let opened = self.listen(snapshot);
        tokio::select! {
            _ = opened => {}
            () = self.inner.clock.sleep(LISTEN_WAIT) => {}
        }
        drop(session);
    }

    /// Forward a notification or a response: the server answers 202 and nothing else.
    pub async fn deliver(&self, message: &Message) {
        let session = self.inner.session.read().await.clone();
        let status = self.notify(message, &session).await;
        if status == Some(reqwest::StatusCode::NOT_FOUND)
            && let Some(expired) = session.id.as_deref()
            && self.renew_session(expired).await.is_ok()
        {
            let session = self.inner.session.read().await.clone();
            self.notify(message, &session).await;
        }
    }

    async fn notify(&self, message: &Message, session: &Session) -> Option<reqwest::StatusCode> {
        match self.post(&message.value, &message.text, session).await {
            Ok(response) => {
                let status = response.status();
                if !status.is_success() && status != reqwest::StatusCode::NOT_FOUND {
                    self.inner.output.warn(&format!(
                        "the server refused {} with HTTP {}",
                        message::describe(&message.value),
                        status.as_u16()
                    ));
                }
                Some(status)
            }
            Err(Refusal::Error { message: why, .. }) => {
                self.inner.output.warn(&format!("could not forward {}: {why}", message::describe(&message.value)));
                None
            }
            Err(Refusal::Fatal) => None,
        }
    }

    /// Set the session up again after the server forgot session `expired` (once, however many
    /// requests noticed).
    async fn renew_session(&self, expired: &str) -> Result<(), Refusal> {
        let mut session = self.inner.session.write().await;
        if session.id.as_deref() != Some(expired) {
            return Ok(());
        }
        let Some(initialize) = session.initialize.clone() else {
            return Err(Refusal::upstream("the server ended the session (HTTP 404)"));
        };
        self.trace(|| "the server forgot the session (HTTP 404); setting it up again".into());
        let id = initialize.get("id").cloned().unwrap_or(json!(0));
        let text = initialize.to_string();
        let fresh = Session::default();
        let response = self.post(&initialize, &text, &fresh).await?;
        let refused = |why: String| {
            Refusal::upstream(format!(
                "{} ended the session and refused a new one ({why}): the session could not be re-established",
                self.inner.server
            ))
        };
        if !response.status().is_success() {
            return Err(refused(format!("HTTP {}", response.status().as_u16())));
        }
        let session_id = session_header(&response);
        // The replayed initialize is the bridge's own: its answer goes to no one else.
        let (_unregistered, mut elsewhere) = tokio::sync::oneshot::channel();
        let answer = self.answer(response, &id, Deliver::Keep, &fresh, &mut elsewhere).await?;
        if let Some(error) = answer.pointer("/error/message").and_then(Value::as_str) {
            return Err(refused(crate::sanitize::line(error, 200)));
        }
        session.established(session_id, &answer);
        session.renewals += 1;
        let initialized =
            session.initialized.clone().unwrap_or(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        let snapshot = session.clone();
        let note = Message { text: initialized.to_string(), value: initialized };
        self.notify(&note, &snapshot).await;
        drop(session);
        // The request that set the session up again goes at once: nothing waits for the stream.
        drop(self.listen(snapshot));
        Ok(())
    }
}

fn session_header(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(crate::mcp::transport::SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 1024)
        .map(str::to_string)
}
