//! The OS keyring through keyring-core and its per-platform stores.
