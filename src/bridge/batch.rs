//! Batches (JSON arrays, protocol revision 2025-03-26): each message is sent on its own and the
//! answers go back together, as one array.

use serde_json::Value;

use super::Bridge;
use super::exchange::Message;
use super::message::{self, INVALID_REQUEST, Kind};
use super::relay::Deliver;
use super::relay::Refusal;
use super::stdio;

impl Bridge {
    /// A batch (protocol revision 2025-03-26): each message is sent on its own; the answers go
    /// back together as one array (or one line each, if together they would pass 1 MiB).
    pub(super) async fn batch(&mut self, batch: Vec<Value>) {
        let relay = self.relay.clone();
        let ids: Vec<Value> = batch
            .iter()
            .filter_map(|m| match message::kind(m) {
                Kind::Request { id, .. } => Some(id),
                _ => None,
            })
            .collect();
        let pending = self.pending.clone();
        let keys: Vec<String> = ids.iter().map(Value::to_string).collect();
        let task_keys = keys.clone();
        let mut map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let task = tokio::spawn(async move {
            let mut answers = Vec::new();
            for value in batch {
                let message = Message { text: value.to_string(), value };
                match message::kind(&message.value) {
                    Kind::Request { id, .. } => match relay.request(&message, &id, Deliver::Keep).await {
                        Ok(answer) => answers.push(answer),
                        Err(Refusal::Error { code, message }) => {
                            answers
                                .push(serde_json::from_str(&message::error(&id, code, &message)).unwrap_or_default());
                        }
                        Err(Refusal::Fatal) => std::future::pending::<()>().await,
                    },
                    Kind::Notification { .. } | Kind::Response { .. } => relay.deliver(&message).await,
                    Kind::Invalid => answers.push(
                        serde_json::from_str(&message::error(
                            &Value::Null,
                            INVALID_REQUEST,
                            "not a JSON-RPC 2.0 message",
                        ))
                        .unwrap_or_default(),
                    ),
                }
            }
            if !answers.is_empty() {
                let together = Value::Array(answers).to_string();
                if together.len() <= stdio::MAX_LINE {
                    relay.to_client(together).await;
                } else if let Ok(Value::Array(answers)) = serde_json::from_str::<Value>(&together) {
                    for answer in answers {
                        relay.to_client(answer.to_string()).await;
                    }
                }
            }
            let mut pending = pending.lock().unwrap_or_else(|e| e.into_inner());
            for key in &task_keys {
                pending.remove(key);
            }
        });
        for (key, id) in keys.into_iter().zip(ids) {
            map.insert(key, (id, task.abort_handle()));
        }
    }
}
