//! Which platform keyring to talk to, and connecting to it (once, then reused).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use keyring_core::{CredentialStore as PlatformStore, Entry, Error as KeyringError};

use super::KeyringBackend;

/// The keyring service name of every agentview entry.
pub const SERVICE: &str = "agentview";

/// A concrete platform store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Backend {
    SecretService,
    Keyutils,
    MacKeychain,
    WindowsCredentialManager,
}

impl Backend {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Backend::SecretService => "the Secret Service keyring",
            Backend::Keyutils => "the kernel keyutils keyring",
            Backend::MacKeychain => "the macOS Keychain",
            Backend::WindowsCredentialManager => "Windows Credential Manager",
        }
    }

    /// The most bytes one entry's secret may hold, where the platform caps it
    /// (Windows Credential Manager: CRED_MAX_CREDENTIAL_BLOB_SIZE, 5 * 512 bytes).
    pub(super) fn secret_limit(self) -> Option<usize> {
        match self {
            Backend::WindowsCredentialManager => Some(2560),
            _ => None,
        }
    }

    /// Whether the secret is kept as UTF-8 bytes rather than as a password: Windows stores
    /// passwords as UTF-16, which would halve what fits under its cap.
    pub(super) fn stores_bytes(self) -> bool {
        self == Backend::WindowsCredentialManager
    }

    /// The backends to try for a request, in order.
    pub(super) fn candidates(requested: KeyringBackend) -> Vec<Backend> {
        match requested {
            KeyringBackend::SecretService => vec![Backend::SecretService],
            KeyringBackend::Keyutils => vec![Backend::Keyutils],
            KeyringBackend::Default if cfg!(target_os = "linux") => {
                vec![Backend::SecretService, Backend::Keyutils]
            }
            KeyringBackend::Default if cfg!(target_os = "macos") => vec![Backend::MacKeychain],
            KeyringBackend::Default if cfg!(windows) => vec![Backend::WindowsCredentialManager],
            KeyringBackend::Default => Vec::new(),
        }
    }

    /// Connect to the platform store (for the Secret Service, this opens a
    /// D-Bus session with it, so a missing service fails here).
    pub(super) fn open(self) -> Result<Arc<PlatformStore>, KeyringError> {
        match self {
            #[cfg(target_os = "linux")]
            Backend::SecretService => Ok(dbus_secret_service_keyring_store::Store::new()?),
            #[cfg(target_os = "linux")]
            Backend::Keyutils => Ok(linux_keyutils_keyring_store::Store::new()?),
            #[cfg(target_os = "macos")]
            Backend::MacKeychain => Ok(apple_native_keyring_store::keychain::Store::new()?),
            #[cfg(windows)]
            Backend::WindowsCredentialManager => Ok(windows_native_keyring_store::Store::new()?),
            #[allow(unreachable_patterns)]
            other => {
                Err(KeyringError::NotSupportedByStore(format!("{} does not exist on this platform", other.describe())))
            }
        }
    }

    pub(super) fn entry(self, store: &PlatformStore, server: &str) -> Result<Entry, KeyringError> {
        let label = format!("agentview credential for {server}");
        let modifiers: HashMap<&str, &str> = match self {
            // Only the Secret Service shows a label; keyutils would take a
            // "description" as the key's name instead, which must stay stable.
            Backend::SecretService => HashMap::from([("label", label.as_str())]),
            _ => HashMap::new(),
        };
        store.build(SERVICE, server, (!modifiers.is_empty()).then_some(&modifiers))
    }
}

/// The backend in use once connected.
#[derive(Clone)]
pub(super) struct Opened {
    pub(super) backend: Backend,
    pub(super) store: Arc<PlatformStore>,
    /// Why an earlier candidate (the Secret Service) was passed over.
    pub(super) passed_over: Option<String>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened").field("backend", &self.backend).finish_non_exhaustive()
    }
}

/// The cached connection, or a new one. `Err` carries why no backend answered.
pub(super) fn connect(cache: &Mutex<Option<Opened>>, requested: KeyringBackend) -> Result<Opened, String> {
    if let Some(opened) = cache.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        return Ok(opened);
    }
    let candidates = Backend::candidates(requested);
    if candidates.is_empty() {
        return Err("agentview has no keyring support on this platform".to_owned());
    }
    // With one candidate the error already says which store it is about.
    let single = candidates.len() == 1;
    let mut failures: Vec<String> = Vec::new();
    for backend in candidates {
        match backend.open() {
            Ok(store) => {
                let passed_over = (!failures.is_empty()).then(|| failures.join("; "));
                let opened = Opened { backend, store, passed_over };
                *cache.lock().unwrap_or_else(|e| e.into_inner()) = Some(opened.clone());
                return Ok(opened);
            }
            Err(e) if single => failures.push(error_text(&e)),
            Err(e) => failures.push(format!("{}: {}", backend.describe(), error_text(&e))),
        }
    }
    Err(failures.join("; "))
}

/// A keyring error as text, with its cause when the display leaves it out.
pub(super) fn error_text(err: &KeyringError) -> String {
    use std::error::Error as _;
    let text = err.to_string();
    match err.source().map(|s| s.to_string()) {
        Some(cause) if !text.contains(&cause) => format!("{text}: {cause}"),
        _ => text,
    }
}
