//! What the server sends back: a JSON answer, or an event stream whose messages go to the
//! client as they arrive, resumed with GET + `Last-Event-ID` when it ends before the answer
//! (SEP-1699); and the optional standalone GET stream of a session.

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;

use super::message::{self, Kind, UPSTREAM_ERROR};
use super::relay::{Answered, Deliver, Refusal, Relay, content_type};
use super::session::Session;
use super::stdio::MAX_LINE;
use crate::mcp::sse::Decoder;

/// Longest wait between resumptions, whatever the server's `retry:` says.
const MAX_RETRY: Duration = Duration::from_secs(30);
/// Resumptions in a row that bring no message before giving up on a stream.
const RESUME_ATTEMPTS: u32 = 5;
/// Resumptions of one request's stream in all, however much each brings.
const RESUME_LIMIT: u32 = 100;
/// The longest a request's stream is resumed for.
const RESUME_TIME: Duration = Duration::from_secs(15 * 60);

/// Where the answer to a request may turn up besides its own stream (the session's GET stream,
/// another request's stream): the other end of its entry in `waiting`.
pub type Elsewhere = oneshot::Receiver<(Value, String)>;

/// A request waiting for its answer; unregistered when dropped, so a later answer with its id
/// is dropped too.
pub struct Waiting<'a> {
    relay: &'a Relay,
    key: String,
}

impl<'a> Waiting<'a> {
    pub fn register(relay: &'a Relay, id: &Value) -> (Waiting<'a>, Elsewhere) {
        let (tx, rx) = oneshot::channel();
        let key = id.to_string();
        relay.inner.waiting.lock().unwrap_or_else(|e| e.into_inner()).insert(key.clone(), tx);
        (Waiting { relay, key }, rx)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.relay.inner.waiting.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.key);
    }
}

/// How an event stream ended.
#[derive(Debug)]
enum End {
    Answered(Value),
    /// `progress`: a message was passed on.
    Closed {
        last_event_id: Option<String>,
        retry: Option<Duration>,
        progress: bool,
    },
}

/// The wait before resumption `fruitless + 1` of a stream: the server's `retry:` but never
/// under the floor, doubled for every resumption in a row that brought nothing, capped.
fn resume_wait(floor: Duration, retry: Option<Duration>, fruitless: u32) -> Duration {
    let base = retry.unwrap_or(floor).max(floor);
    base.saturating_mul(1 << fruitless.saturating_sub(1).min(16)).min(MAX_RETRY.max(floor))
}

impl Relay {
    /// Read the answer to request `id` from a 2xx response, passing on everything else the
    /// server sends meanwhile; an answer that turns up on another stream (`elsewhere`) counts.
    pub async fn answer(
        &self,
        response: Response,
        id: &Value,
        deliver: Deliver,
        session: &Session,
        elsewhere: &mut Elsewhere,
    ) -> Result<Value, Refusal> {
        match content_type(&response).as_str() {
            "application/json" => {
                let body = self
                    .read_capped(response)
                    .await
                    .ok_or_else(|| Refusal::upstream("the server's answer is larger than 1 MiB or broke off"))?;
                let answer: Value =
                    serde_json::from_slice(&body).map_err(|_| Refusal::upstream("the server's answer is not JSON"))?;
                match message::from_server(&answer) {
                    Kind::Response { id: got } if &got == id => {}
                    _ => return Err(Refusal::upstream("the server's answer is not a valid response to this request")),
                }
                if deliver == Deliver::Client {
                    self.to_client(message::one_line(&String::from_utf8_lossy(&body))).await;
                }
                Ok(answer)
            }
            "text/event-stream" => {
                let follow = self.follow(response, id, deliver, session);
                tokio::select! {
                    answer = follow => answer,
                    Ok((answer, line)) = elsewhere => {
                        if deliver == Deliver::Client {
                            self.to_client(line).await;
                        }
                        Ok(answer)
                    }
                }
            }
            _ => Err(Refusal::upstream("the server answered with neither JSON nor an event stream")),
        }
    }

    /// An event stream up to the answer, resumed as the server allows, within bounds: a floor
    /// under the server's `retry:`, longer waits while resuming brings nothing, a limit on
    /// attempts and on time.
    async fn follow(
        &self,
        response: Response,
        id: &Value,
        deliver: Deliver,
        session: &Session,
    ) -> Result<Value, Refusal> {
        let floor = self.inner.retry_floor;
        let started = self.inner.clock.now();
        let mut end = self.events(response, Some((id, deliver)), session).await?;
        let (mut fruitless, mut attempts) = (0, 0);
        loop {
            let (last_event_id, retry) = match end {
                End::Answered(answer) => return Ok(answer),
                End::Closed { last_event_id: Some(last), retry, progress } => {
                    fruitless = if progress { 0 } else { fruitless + 1 };
                    (last, retry)
                }
                End::Closed { last_event_id: None, .. } => {
                    return Err(Refusal::upstream("the server closed the event stream before it answered"));
                }
            };
            if fruitless >= RESUME_ATTEMPTS {
                return Err(Refusal::upstream("the server's event stream keeps closing before it answers"));
            }
            let wait = resume_wait(floor, retry, fruitless);
            attempts += 1;
            if attempts > RESUME_LIMIT || self.inner.clock.now() + wait - started > RESUME_TIME {
                return Err(Refusal::upstream(format!(
                    "the server's event stream closed {} times before it answered; gave up",
                    attempts - 1
                )));
            }
            self.trace(|| format!("the event stream closed before the answer; resuming in {} ms", wait.as_millis()));
            self.inner.clock.sleep(wait).await;
            let resumed = self.get(session, Some(&last_event_id)).await?;
            if !resumed.status().is_success() || content_type(&resumed) != "text/event-stream" {
                return Err(Refusal::upstream(format!(
                    "the event stream closed before the answer and resuming it failed (HTTP {})",
                    resumed.status().as_u16()
                )));
            }
            end = match self.events(resumed, Some((id, deliver)), session).await? {
                End::Closed { last_event_id: later, retry: wait, progress } => {
                    End::Closed { last_event_id: later.or(Some(last_event_id)), retry: wait.or(retry), progress }
                }
                answered => answered,
            };
        }
    }

    /// Pass a stream's valid messages on until `want`'s answer arrives or the stream ends.
    async fn events(
        &self,
        mut response: Response,
        want: Option<(&Value, Deliver)>,
        session: &Session,
    ) -> Result<End, Refusal> {
        let mut decoder = Decoder::new(MAX_LINE);
        let mut progress = false;
        // Batches exist only in protocol revision 2025-03-26.
        let batches = session.version.as_deref() == Some("2025-03-26");
        loop {
            let chunk = match self.inner.http.chunk(&mut response).await {
                Ok(Some(chunk)) => chunk,
                Ok(None) | Err(_) => break,
            };
            let events =
                decoder.feed(&chunk).map_err(|e| Refusal::upstream(format!("the server's event stream: {e}")))?;
            for event in events {
                if event.data.trim().is_empty() {
                    continue;
                }
                let Ok(value) = serde_json::from_str::<Value>(&event.data) else {
                    self.trace(|| "dropped an event that is not JSON".into());
                    continue;
                };
                let messages = match value {
                    Value::Array(batch) if batches && !batch.is_empty() => {
                        batch.into_iter().map(|m| (message::one_line(&m.to_string()), m)).collect()
                    }
                    value => vec![(message::one_line(&event.data), value)],
                };
                for (line, message) in messages {
                    match self.pass_on(message, line, want).await? {
                        Passed::Answer(answer) => return Ok(End::Answered(answer)),
                        Passed::On => progress = true,
                        Passed::Dropped => {}
                    }
                }
            }
        }
        decoder.finish();
        let last_event_id = decoder.last_event_id.filter(|id| reqwest::header::HeaderValue::from_str(id).is_ok());
        Ok(End::Closed { last_event_id, retry: decoder.retry_ms.map(Duration::from_millis), progress })
    }

    /// One message of a stream: `want`'s answer, a message for the client, an answer for
    /// another request waiting, or dropped (not valid JSON-RPC, or an answer no one waits for).
    async fn pass_on(&self, message: Value, line: String, want: Option<(&Value, Deliver)>) -> Result<Passed, Refusal> {
        let wanted = |id: &Value| want.is_some_and(|(want, _)| want == id);
        match message::from_server(&message) {
            Kind::Response { id } if wanted(&id) => {
                if let Some((_, Deliver::Client)) = want {
                    self.to_client(line).await;
                }
                Ok(Passed::Answer(message))
            }
            Kind::Response { id } => match self.waiting(&id) {
                Some(waiter) => {
                    let _ = waiter.send((message, line));
                    Ok(Passed::On)
                }
                None => {
                    self.trace(|| format!("dropped an answer for id {id}, which no request is waiting for"));
                    Ok(Passed::Dropped)
                }
            },
            Kind::Request { .. } | Kind::Notification { .. } => {
                self.to_client(line).await;
                Ok(Passed::On)
            }
            Kind::Invalid => {
                self.trace(|| "dropped a message that is not valid JSON-RPC".into());
                let why = "the server's answer is not a valid JSON-RPC response";
                match message::stray_id(&message) {
                    Some(id) if wanted(&id) => Err(Refusal::upstream(why)),
                    Some(id) => {
                        if let Some(waiter) = self.waiting(&id) {
                            let error = message::error(&id, UPSTREAM_ERROR, why);
                            let value = serde_json::from_str(&error).unwrap_or_default();
                            let _ = waiter.send((value, error));
                        }
                        Ok(Passed::Dropped)
                    }
                    None => Ok(Passed::Dropped),
                }
            }
        }
    }

    /// The request waiting for answer `id`, if any (taken: it is answered once).
    fn waiting(&self, id: &Value) -> Option<Answered> {
        self.inner.waiting.lock().unwrap_or_else(|e| e.into_inner()).remove(&id.to_string())
    }

    /// Open the session's standalone GET stream (when the server offers one) in the background,
    /// first for `session` (the caller may hold the session's lock). The receiver hears when the
    /// first GET has been answered, whatever the answer.
    pub fn listen(&self, session: Session) -> tokio::sync::oneshot::Receiver<()> {
        let relay = self.clone();
        let (answered, heard) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move { relay.listening(session, answered).await });
        let previous = self.inner.listener.lock().unwrap_or_else(|e| e.into_inner()).replace(task.abort_handle());
        if let Some(previous) = previous {
            previous.abort();
        }
        heard
    }

    async fn listening(&self, first: Session, answered: tokio::sync::oneshot::Sender<()>) {
        let mut last_event_id: Option<String> = None;
        let mut retry = None;
        let mut failures = 0u32;
        let (mut first, mut answered) = (Some(first), Some(answered));
        while failures < RESUME_ATTEMPTS {
            let session = match first.take() {
                Some(session) => session,
                None => self.inner.session.read().await.clone(),
            };
            let response = self.get(&session, last_event_id.as_deref()).await;
            if let Some(answered) = answered.take() {
                let _ = answered.send(());
            }
            let response = match response {
                Ok(response) => response,
                Err(_) => return,
            };
            match response.status() {
                // 405: the server offers no such stream; 404: the session is gone (a request will set up another).
                StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_FOUND => return,
                s if s.is_success() && content_type(&response) == "text/event-stream" => {}
                _ => return,
            }
            match self.events(response, None, &session).await {
                Ok(End::Closed { last_event_id: last, retry: wait, progress }) => {
                    last_event_id = last.or(last_event_id);
                    retry = wait.or(retry);
                    failures = if progress { 0 } else { failures + 1 };
                }
                Ok(End::Answered(_)) | Err(_) => failures += 1,
            }
            self.inner.clock.sleep(resume_wait(self.inner.retry_floor, retry, failures)).await;
        }
    }
}

/// What became of one message on a stream.
enum Passed {
    /// The answer the stream was read for.
    Answer(Value),
    /// Passed on to the client or to the request it answers.
    On,
    Dropped,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resumption_waits_have_a_floor_grow_and_are_capped() {
        let floor = Duration::from_millis(50);
        assert_eq!(resume_wait(floor, Some(Duration::ZERO), 1), floor);
        assert_eq!(resume_wait(floor, None, 1), floor);
        assert_eq!(resume_wait(floor, Some(Duration::from_millis(200)), 1), Duration::from_millis(200));
        assert_eq!(resume_wait(floor, Some(Duration::ZERO), 3), floor * 4);
        assert_eq!(resume_wait(floor, None, 40), MAX_RETRY);
        assert_eq!(resume_wait(floor, Some(Duration::from_secs(3600)), 0), MAX_RETRY);
    }
}
