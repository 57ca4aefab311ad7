//! `agentview bridge`: an MCP server on stdio for a client that starts commands, and a
//! Streamable HTTP client of the real server, with a fresh credential on every request.
//!
//! Every message is passed on both ways. Each request from the client is its own task (many
//! may be in flight); messages the server sends (answers, notifications, its own requests)
//! reach the client through the one stdout writer. Nothing is read, sent or printed before the
//! client's first message.

mod batch;
mod credential;
mod exchange;
mod login;
mod message;
mod params;
mod relay;
mod session;
mod signals;
mod stdio;
mod stream;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::AbortHandle;

use crate::error::{Exit, Failure};
use crate::run::Run;
use exchange::Message;
use message::{INVALID_REQUEST, Kind, LOGIN_REQUIRED, PARSE_ERROR, UPSTREAM_ERROR};
use relay::{Deliver, Refusal, Relay};
use signals::Signals;
use stdio::{Input, Stdout};

/// Requests in flight at once; the client waits (stdin is not read) beyond that.
const IN_FLIGHT: usize = 64;
/// After stdin ends, how long the requests in flight may still be answered, and then how long
/// telling the server (cancellations, the session's end) may take: the bridge ends within a second.
const GRACE: Duration = Duration::from_millis(400);
const CLOSING: Duration = Duration::from_millis(300);

/// Requests in flight, by the text of their id: to cancel them, or answer them when the bridge ends.
type Pending = Arc<Mutex<HashMap<String, (Value, AbortHandle)>>>;

/// Run the bridge until stdin ends or a signal arrives (exit 0), or the credential is gone (4).
pub async fn run(run: &Run, login: Option<crate::login::LoginSettings>) -> anyhow::Result<Exit> {
    let run = Arc::new(run.clone());
    let settings = &run.settings;
    let (closed_tx, mut closed) = mpsc::channel(1);
    let stdout = Stdout::start(closed_tx);
    let mut input = stdio::read_stdin();
    let (fatal_tx, mut fatal) = mpsc::channel::<Failure>(4);
    let relay = Relay::new(run.clone(), login, stdout.clone(), fatal_tx)?;
    let mut bridge = Bridge { relay, pending: Pending::default(), slots: Arc::new(Semaphore::new(IN_FLIGHT)) };
    let mut signals = Signals::listen();
    let outcome = loop {
        tokio::select! {
            event = input.recv() => match event {
                Some(Input::Line(line)) => bridge.line(line).await,
                Some(Input::TooLong(id)) => bridge.too_long(id).await,
                Some(Input::NotText) => {
                    bridge.relay.to_client(message::error(&Value::Null, PARSE_ERROR, "the message is not UTF-8")).await;
                }
                Some(Input::End) | None => {
                    // The answers to what was asked last still reach a client that reads on,
                    // if they come at once: a client that closes stdin is leaving.
                    bridge.finish_in_flight(GRACE.min(settings.request_timeout)).await;
                    break Ok(());
                }
            },
            _ = closed.recv() => break Ok(()),
            () = signals.recv() => break Ok(()),
            Some(failure) = fatal.recv() => break Err(failure),
        }
    };
    match outcome {
        Ok(()) => {
            let ids = bridge.abort_all();
            for id in &ids {
                let error = message::error(id, UPSTREAM_ERROR, "the bridge is ending: the request was cancelled");
                bridge.relay.to_client(error).await;
            }
            bridge.relay.close(&ids, CLOSING).await;
            stdout.finish().await;
            Ok(Exit::Ok)
        }
        Err(failure) => {
            let hint = failure.hint.clone().unwrap_or_default();
            let text = format!("{}; {hint}", failure.message);
            for id in bridge.abort_all() {
                bridge.relay.to_client(message::error(&id, LOGIN_REQUIRED, &text)).await;
            }
            stdout.finish().await;
            Err(failure.into())
        }
    }
}

struct Bridge {
    relay: Relay,
    pending: Pending,
    slots: Arc<Semaphore>,
}

impl Bridge {
    async fn line(&mut self, line: String) {
        let value: Value = match serde_json::from_str(&line) {
            Ok(value) => value,
            Err(_) => {
                self.relay.to_client(message::error(&Value::Null, PARSE_ERROR, "the message is not JSON")).await;
                return;
            }
        };
        match value {
            Value::Array(batch) if batch.is_empty() => {
                self.relay.to_client(message::error(&Value::Null, INVALID_REQUEST, "an empty batch")).await;
            }
            Value::Array(batch) => self.batch(batch).await,
            value => self.one(Message { value, text: line }).await,
        }
    }

    async fn one(&mut self, message: Message) {
        match message::kind(&message.value) {
            Kind::Request { id, method } if method == "initialize" => {
                let session = self.relay.inner.session.clone().write_owned().await;
                let (relay, task_id) = (self.relay.clone(), id.clone());
                self.spawn(id, async move { relay.initialize(session, &message, &task_id).await }).await;
            }
            Kind::Request { id, .. } => {
                let (relay, task_id) = (self.relay.clone(), id.clone());
                self.spawn(id, async move { relay.request(&message, &task_id, Deliver::Client).await }).await;
            }
            Kind::Notification { method } if method == "notifications/initialized" => {
                let session = self.relay.inner.session.clone().write_owned().await;
                let relay = self.relay.clone();
                tokio::spawn(async move { relay.initialized(session, &message).await });
            }
            Kind::Notification { method } => {
                if method == "notifications/cancelled" {
                    self.cancel(&message.value);
                    // Revisions without sessions cancel by closing the stream, which aborting did.
                    if self.relay.inner.session.read().await.initialize.is_none() {
                        return;
                    }
                }
                let relay = self.relay.clone();
                tokio::spawn(async move { relay.deliver(&message).await });
            }
            Kind::Response { .. } => {
                let relay = self.relay.clone();
                tokio::spawn(async move { relay.deliver(&message).await });
            }
            Kind::Invalid => {
                let id = message.value.get("id").filter(|id| id.is_string() || id.is_number()).cloned();
                let id = id.unwrap_or(Value::Null);
                self.relay.to_client(message::error(&id, INVALID_REQUEST, "not a JSON-RPC 2.0 message")).await;
            }
        }
    }

    /// A request's task: its answer or error goes to the client; it is tracked until done.
    async fn spawn(&mut self, id: Value, work: impl Future<Output = Result<Value, Refusal>> + Send + 'static) {
        // Past the limit, stdin waits: memory stays bounded however fast the client writes.
        let slot = self.slots.clone().acquire_owned().await;
        let relay = self.relay.clone();
        let pending = self.pending.clone();
        let key = id.to_string();
        let task_key = key.clone();
        let task_id = id.clone();
        // Registered before the task can finish, so it never outlives its entry.
        let mut map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let task = tokio::spawn(async move {
            let _slot = slot;
            match work.await {
                Ok(_) => {}
                Err(Refusal::Error { code, message }) => {
                    relay.to_client(message::error(&task_id, code, &message)).await;
                }
                // The bridge is ending; it answers every pending request itself.
                Err(Refusal::Fatal) => std::future::pending::<()>().await,
            }
            pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&task_key);
        });
        map.insert(key, (id, task.abort_handle()));
    }

    async fn too_long(&mut self, id: Option<Value>) {
        match id {
            Some(id) => {
                self.relay.to_client(message::error(&id, INVALID_REQUEST, "the message is larger than 1 MiB")).await;
            }
            None => self.relay.inner.output.warn("dropped a message larger than 1 MiB from the client"),
        }
    }

    /// `notifications/cancelled`: stop waiting for that request's answer.
    fn cancel(&mut self, notification: &Value) {
        let Some(id) = notification.pointer("/params/requestId") else { return };
        if let Some((_, task)) = self.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&id.to_string()) {
            task.abort();
        }
    }

    /// Wait (at most `limit`) for the requests in flight to be answered: each holds a slot until
    /// it is done, so all slots free means none is left.
    async fn finish_in_flight(&mut self, limit: Duration) {
        let all_done = self.slots.acquire_many(IN_FLIGHT as u32);
        tokio::select! {
            _ = all_done => {}
            () = self.relay.inner.clock.sleep(limit) => {}
        }
    }

    /// Stop every request in flight; returns their ids.
    fn abort_all(&mut self) -> Vec<Value> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending
            .drain()
            .map(|(key, (id, task))| {
                task.abort();
                if id.is_null() { serde_json::from_str(&key).unwrap_or(Value::Null) } else { id }
            })
            .collect()
    }
}
