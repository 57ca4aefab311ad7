//! Randomness for one authorization: the PKCE verifier and challenge (RFC 7636), `state`, paths.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::secret::Secret;

/// `n` bytes from the operating system's generator, base64url without padding.
pub fn random_token(n: usize) -> Result<String, getrandom::Error> {
    let mut bytes = vec![0u8; n];
    getrandom::getrandom(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A PKCE pair: the verifier stays here, the challenge goes to the authorization server.
#[derive(Debug)]
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
}

impl Pkce {
    /// 32 random bytes make a 43-character verifier, the shortest RFC 7636 allows and plenty.
    pub fn new() -> Result<Pkce, getrandom::Error> {
        let verifier = random_token(32)?;
        let challenge = s256(&verifier);
        Ok(Pkce { verifier: Secret::new(verifier), challenge })
    }
}

/// `BASE64URL(SHA256(verifier))`.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn verifiers_are_random_and_well_formed() {
        let a = Pkce::new().expect("random");
        let b = Pkce::new().expect("random");
        assert_ne!(a.verifier, b.verifier);
        let v = a.verifier.expose();
        assert_eq!(v.len(), 43);
        assert!(v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(a.challenge, s256(v));
    }
}
