//! What the server sends back: a JSON answer, or an event stream whose messages go to the
//! client as they arrive, resumed with GET + `Last-Event-ID` when it ends before the answer
//! (SEP-1699); and the optional standalone GET stream of a session.

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;

use super::message::{self, Kind};
use super::relay::{Answered, Deliver, Refusal, Relay, content_type};
use super::session::Session;
use super::stdio::MAX_LINE;
use crate::mcp::sse::Decoder;

/// Wait before resuming when the server named no `retry:`.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);
/// Longest `retry:` honoured.
const MAX_RETRY: Duration = Duration::from_secs(30);
/// Resumptions in a row that bring no event before giving up on a stream.
const RESUME_ATTEMPTS: u32 = 5;

/// A request waiting for its answer while its stream is resumed; unregistered when dropped.
struct Waiting<'a> {
    relay: &'a Relay,
    key: String,
}

impl<'a> Waiting<'a> {
    fn register(relay: &'a Relay, id: &Value, tx: Answered) -> Waiting<'a> {
        let key = id.to_string();
        relay.inner.waiting.lock().unwrap_or_else(|e| e.into_inner()).insert(key.clone(), tx);
        Waiting { relay, key }
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
    Closed { last_event_id: Option<String>, retry: Option<Duration>, progress: bool },
}

impl Relay {
    /// Read the answer to request `id` from a 2xx response, passing on everything else the
    /// server sends meanwhile.
    pub async fn answer(
        &self,
        response: Response,
        id: &Value,
        deliver: Deliver,
        session: &Session,
    ) -> Result<Value, Refusal> {
        match content_type(&response).as_str() {
            "application/json" => {
                let body = self
                    .read_capped(response)
                    .await
                    .ok_or_else(|| Refusal::upstream("the server's answer is larger than 1 MiB or broke off"))?;
                let answer: Value =
                    serde_json::from_slice(&body).map_err(|_| Refusal::upstream("the server's answer is not JSON"))?;
                match message::kind(&answer) {
                    Kind::Response { id: got } if &got == id => {}
                    _ => return Err(Refusal::upstream("the server's answer is not a response to this request")),
                }
                if deliver == Deliver::Client {
                    self.to_client(message::one_line(&String::from_utf8_lossy(&body))).await;
                }
                Ok(answer)
            }
            "text/event-stream" => self.follow(response, id, deliver, session).await,
            _ => Err(Refusal::upstream("the server answered with neither JSON nor an event stream")),
        }
    }

    /// An event stream up to the answer, resumed as the server allows. While it is resumed, an
    /// answer that turns up on another stream (the session's GET stream) is taken from there.
    async fn follow(
        &self,
        response: Response,
        id: &Value,
        deliver: Deliver,
        session: &Session,
    ) -> Result<Value, Refusal> {
        let end = self.events(response, Some((id, deliver))).await?;
        if let End::Answered(answer) = end {
            return Ok(answer);
        }
        let (tx, mut elsewhere) = oneshot::channel();
        let _waiting = Waiting::register(self, id, tx);
        let mut end = end;
        let mut fruitless = 0;
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
            let resume = async {
                self.inner.clock.sleep(retry.unwrap_or(DEFAULT_RETRY).min(MAX_RETRY)).await;
                let resumed = self.get(session, Some(&last_event_id)).await?;
                if !resumed.status().is_success() || content_type(&resumed) != "text/event-stream" {
                    return Err(Refusal::upstream(format!(
                        "the event stream closed before the answer and resuming it failed (HTTP {})",
                        resumed.status().as_u16()
                    )));
                }
                self.events(resumed, Some((id, deliver))).await
            };
            let next = tokio::select! {
                next = resume => next?,
                Ok((answer, line)) = &mut elsewhere => {
                    if deliver == Deliver::Client {
                        self.to_client(line).await;
                    }
                    return Ok(answer);
                }
            };
            end = match next {
                End::Closed { last_event_id: later, retry: wait, progress } => {
                    End::Closed { last_event_id: later.or(Some(last_event_id)), retry: wait.or(retry), progress }
                }
                answered => answered,
            };
        }
    }

    /// Pass a stream's messages to the client until `want`'s answer arrives or the stream ends.
    async fn events(&self, mut response: Response, want: Option<(&Value, Deliver)>) -> Result<End, Refusal> {
        let mut decoder = Decoder::new(MAX_LINE);
        let mut progress = false;
        loop {
            let chunk = match self.inner.http.chunk(&mut response).await {
                Ok(Some(chunk)) => chunk,
                Ok(None) | Err(_) => break,
            };
            let events =
                decoder.feed(&chunk).map_err(|e| Refusal::upstream(format!("the server's event stream: {e}")))?;
            for event in events {
                progress = true;
                if event.data.trim().is_empty() {
                    continue;
                }
                let Ok(message) = serde_json::from_str::<Value>(&event.data) else {
                    self.trace(|| "an event that is not JSON was dropped".into());
                    continue;
                };
                if let Some((id, deliver)) = want
                    && matches!(message::kind(&message), Kind::Response { id: got } if &got == id)
                {
                    if deliver == Deliver::Client {
                        self.to_client(message::one_line(&event.data)).await;
                    }
                    return Ok(End::Answered(message));
                }
                let line = message::one_line(&event.data);
                let line = match message::kind(&message) {
                    Kind::Response { id } => match self.waiting(&id) {
                        Some(waiter) => {
                            let _ = waiter.send((message, line));
                            continue;
                        }
                        None => line,
                    },
                    _ => line,
                };
                self.to_client(line).await;
            }
        }
        decoder.finish();
        Ok(End::Closed {
            last_event_id: decoder.last_event_id,
            retry: decoder.retry_ms.map(Duration::from_millis),
            progress,
        })
    }

    /// The request waiting for answer `id` on a resumed stream, if any.
    fn waiting(&self, id: &Value) -> Option<Answered> {
        self.inner.waiting.lock().unwrap_or_else(|e| e.into_inner()).remove(&id.to_string())
    }

    /// Open the session's standalone GET stream (when the server offers one) in the background.
    pub fn listen(&self) {
        let relay = self.clone();
        let task = tokio::spawn(async move { relay.listening().await });
        let previous = self.inner.listener.lock().unwrap_or_else(|e| e.into_inner()).replace(task.abort_handle());
        if let Some(previous) = previous {
            previous.abort();
        }
    }

    async fn listening(&self) {
        let mut last_event_id: Option<String> = None;
        let mut retry = DEFAULT_RETRY;
        let mut failures = 0u32;
        while failures < RESUME_ATTEMPTS {
            let session = self.inner.session.read().await.clone();
            let response = match self.get(&session, last_event_id.as_deref()).await {
                Ok(response) => response,
                Err(_) => return,
            };
            match response.status() {
                // 405: the server offers no such stream; 404: the session is gone (a request will set up another).
                StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_FOUND => return,
                s if s.is_success() && content_type(&response) == "text/event-stream" => {}
                _ => return,
            }
            match self.events(response, None).await {
                Ok(End::Closed { last_event_id: last, retry: wait, progress }) => {
                    last_event_id = last.or(last_event_id);
                    retry = wait.unwrap_or(retry).min(MAX_RETRY);
                    failures = if progress { 0 } else { failures + 1 };
                }
                Ok(End::Answered(_)) | Err(_) => failures += 1,
            }
            self.inner.clock.sleep(retry).await;
        }
    }
}
