//! The stored-record reader (the credentials file) on arbitrary and mutated documents: no
//! panic, a refusal is a store error, and whatever loads is usable by `status` and `token`.

use agentview::fuzzing::{check_token_shape, iso8601};
use agentview::store::{CredentialStore, FileStore};
use serde_json::{Value, json};

use super::generate::Rng;
use super::text::assert_terminal_safe;

const SERVER: &str = "https://a.example/mcp";
const KEYS: &[&str] =
    &["version", "credentials", "kind", "token", "expires_at", "created_at", "user", "name", "email", "id", SERVER];

fn number(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 => json!(u64::MAX),
        1 => json!(4_070_908_800_000u64),
        2 => json!(-(rng.next() as i64).abs()),
        3 => json!(f64::from_bits(rng.next()).is_finite().then_some(1.5e300)),
        4 => json!(rng.string(12)),
        _ => json!(rng.next() >> rng.below(64)),
    }
}

fn document(rng: &mut Rng) -> Vec<u8> {
    let mut entry = json!({"kind": *rng.pick(&["bearer", "session", "oauth", "Bearer"]), "token": "tok_1",
        "expires_at": number(rng), "created_at": number(rng),
        "user": {"name": rng.string(10), "email": rng.string(10), "id": number(rng)}});
    for _ in 0..rng.below(3) {
        let key = (*rng.pick(KEYS)).to_string();
        if rng.chance(30) {
            entry.as_object_mut().map(|m| m.remove(&key));
        } else {
            entry[key] = rng.json(2, KEYS);
        }
    }
    let version = if rng.chance(90) { json!(1) } else { rng.json(0, KEYS) };
    let doc = json!({"version": version, "credentials": {SERVER: entry, "other": rng.json(2, KEYS)}});
    let mut bytes = match rng.below(10) {
        0 => rng.bytes(200),
        1 => rng.json(4, KEYS).to_string().into_bytes(),
        _ => doc.to_string().into_bytes(),
    };
    if rng.chance(10) && !bytes.is_empty() {
        let at = rng.below(bytes.len());
        bytes.truncate(at);
    }
    bytes
}

pub fn one_case(rng: &mut Rng) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(dir.path());
    std::fs::write(store.path(), document(rng)).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = *rng.pick(&[0o600, 0o644, 0o400]);
        std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    match store.load(SERVER) {
        Ok(Some(credential)) => {
            assert!(check_token_shape(credential.secret.expose()).is_ok());
            let now = agentview::fuzzing::unix_now();
            let _ = credential.is_live(now);
            assert!(!iso8601(credential.created_at).is_empty());
            if let Some(at) = credential.expires_at {
                assert!(!iso8601(at).is_empty());
                let _ = agentview::fuzzing::countdown(std::time::Duration::from_secs(at.saturating_sub(now)));
            }
        }
        Ok(None) => {}
        Err(error) => assert_terminal_safe(&error.to_string()),
    }
    store.notes().iter().for_each(|n| assert_terminal_safe(n));
}
