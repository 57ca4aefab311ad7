//! The plaintext credential file: `<config-dir>/credentials.json`, mode 0600.
