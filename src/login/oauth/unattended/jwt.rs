//! JSON Web Tokens as agentview makes and reads them: client assertions signed with the client's
//! own key (RFC 7523 section 2.2, `private_key_jwt`), and the claims of tokens someone else
//! issued (an assertion file, an ID token, an ID-JAG), read without checking their signature:
//! agentview only holds those; the servers that take them check them.
//!
//! Keys are PEM files: RSA (PKCS#1 or PKCS#8) signs RS256 or PS256, EC P-256 ES256 and P-384
//! ES384 (PKCS#8 or SEC1). Signing is ring's, the TLS stack's own.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, RsaKeyPair};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;
use serde_json::{Map, Value, json};

use crate::login::oauth::browser::pkce::random_token;
use crate::secret::{MAX_TOKEN_LEN, Secret};
use crate::store::SigningAlg;

/// How long a client assertion is valid: long enough for one request, no longer.
pub const ASSERTION_LIFETIME_SECS: u64 = 60;

/// A private key that signs client assertions.
pub struct SigningKey {
    key: Key,
    rng: SystemRandom,
}

enum Key {
    Rsa(RsaKeyPair),
    P256(EcdsaKeyPair),
    P384(EcdsaKeyPair),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.describe())
    }
}

impl SigningKey {
    /// The key in a PEM file's contents. The error never quotes the contents.
    pub fn from_pem(pem: &[u8]) -> Result<SigningKey, String> {
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
            rustls_pki_types::pem::Error::NoItemsFound => {
                "it holds no PEM private key (an encrypted key must be decrypted first: \
                 openssl pkcs8 -topk8 -nocrypt)"
                    .to_string()
            }
            _ => "it is not a readable PEM private key".to_string(),
        })?;
        let rng = SystemRandom::new();
        let key = match &der {
            PrivateKeyDer::Pkcs1(key) => RsaKeyPair::from_der(key.secret_pkcs1_der()).map(Key::Rsa).map_err(rejected),
            PrivateKeyDer::Pkcs8(key) => {
                let der = key.secret_pkcs8_der();
                RsaKeyPair::from_pkcs8(der)
                    .map(Key::Rsa)
                    .or_else(|_| ec(der, &rng))
                    .map_err(|_| "it is neither an RSA key nor an EC key on P-256 or P-384".to_string())
            }
            PrivateKeyDer::Sec1(key) => {
                // ring reads EC keys as PKCS#8 only: wrap the SEC1 key for either curve.
                let sec1 = key.secret_sec1_der();
                ec(&pkcs8_of_sec1(sec1, P256_OID), &rng)
                    .or_else(|_| ec(&pkcs8_of_sec1(sec1, P384_OID), &rng))
                    .map_err(|_| "it is not an EC key on P-256 or P-384 (with its public key)".to_string())
            }
            _ => Err("it is not an RSA or EC private key".to_string()),
        }?;
        Ok(SigningKey { key, rng })
    }

    /// "an RSA key", "an EC P-256 key", …
    pub fn describe(&self) -> &'static str {
        match self.key {
            Key::Rsa(_) => "an RSA key",
            Key::P256(_) => "an EC P-256 key",
            Key::P384(_) => "an EC P-384 key",
        }
    }

    /// The algorithms this key can sign with, preferred first.
    pub fn algs(&self) -> &'static [SigningAlg] {
        match self.key {
            Key::Rsa(_) => &[SigningAlg::Rs256, SigningAlg::Ps256],
            Key::P256(_) => &[SigningAlg::Es256],
            Key::P384(_) => &[SigningAlg::Es384],
        }
    }

    /// The algorithm to sign with: the first the authorization server lists
    /// (`token_endpoint_auth_signing_alg_values_supported`) that this key can do; this key's
    /// first when the server lists none.
    pub fn choose_alg(&self, supported: &[String]) -> Result<SigningAlg, String> {
        if supported.is_empty() {
            return Ok(self.algs()[0]);
        }
        supported.iter().find_map(|s| self.algs().iter().find(|a| a.as_str() == s)).copied().ok_or_else(|| {
            format!(
                "the authorization server takes client assertions signed with {}, and {} signs {}",
                crate::sanitize::line(&supported.join(", "), 200),
                self.describe(),
                self.algs().iter().map(|a| a.as_str()).collect::<Vec<_>>().join(" or ")
            )
        })
    }

    fn sign(&self, alg: SigningAlg, message: &[u8]) -> Result<Vec<u8>, String> {
        let failed = |_| format!("signing with {alg} failed");
        match (&self.key, alg) {
            (Key::Rsa(key), SigningAlg::Rs256 | SigningAlg::Ps256) => {
                let padding: &'static dyn signature::RsaEncoding =
                    if alg == SigningAlg::Rs256 { &signature::RSA_PKCS1_SHA256 } else { &signature::RSA_PSS_SHA256 };
                let mut out = vec![0; key.public().modulus_len()];
                key.sign(padding, &self.rng, message, &mut out).map_err(failed)?;
                Ok(out)
            }
            (Key::P256(key), SigningAlg::Es256) | (Key::P384(key), SigningAlg::Es384) => {
                Ok(key.sign(&self.rng, message).map_err(failed)?.as_ref().to_vec())
            }
            _ => Err(format!("{} cannot sign {alg}", self.describe())),
        }
    }
}

fn rejected(e: ring::error::KeyRejected) -> String {
    format!("the key was refused ({e})")
}

fn ec(pkcs8: &[u8], rng: &SystemRandom) -> Result<Key, ring::error::KeyRejected> {
    EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, rng)
        .map(Key::P256)
        .or_else(|_| EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, pkcs8, rng).map(Key::P384))
}

/// id-ecPublicKey (1.2.840.10045.2.1), DER.
const EC_PUBLIC_KEY_OID: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// prime256v1 (1.2.840.10045.3.1.7), DER.
const P256_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp384r1 (1.3.132.0.34), DER.
const P384_OID: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];

/// A SEC1 `ECPrivateKey` as the PKCS#8 `PrivateKeyInfo` that holds it (RFC 5915 section 3):
/// version 0, the EC algorithm with `curve`, the key as an octet string.
fn pkcs8_of_sec1(sec1: &[u8], curve: &[u8]) -> Vec<u8> {
    let algorithm = der(0x30, &[EC_PUBLIC_KEY_OID, curve].concat());
    let body = [&[0x02, 0x01, 0x00][..], &algorithm, &der(0x04, sec1)].concat();
    der(0x30, &body)
}

/// One DER element: tag, definite length, contents.
fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

/// A client assertion (RFC 7523 section 3): `iss` = `sub` = the client id, `aud` = the
/// authorization server's issuer, valid for [`ASSERTION_LIFETIME_SECS`], with a unique `jti`.
pub fn client_assertion(
    key: &SigningKey,
    alg: SigningAlg,
    key_id: Option<&str>,
    client_id: &str,
    audience: &str,
    now: u64,
) -> Result<Secret, String> {
    let mut header = json!({"alg": alg.as_str(), "typ": "JWT"});
    if let Some(kid) = key_id {
        header["kid"] = json!(kid);
    }
    let jti = random_token(24).map_err(|e| format!("no randomness: {e}"))?;
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now.saturating_add(ASSERTION_LIFETIME_SECS),
        "jti": jti,
    });
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = key.sign(alg, signing_input.as_bytes())?;
    Ok(Secret::new(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))))
}

/// The claims of a signed JWT (JWS compact form), unchecked. The error never quotes the token.
pub fn claims(token: &str) -> Result<Map<String, Value>, String> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(format!("it is longer than {MAX_TOKEN_LEN} bytes"));
    }
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => {}
        5 => return Err("it is an encrypted JWT (JWE), whose claims cannot be read".into()),
        _ => return Err("it is not a JWT (three base64url parts separated by dots)".into()),
    }
    let payload = URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|_| "its claims are not base64url".to_string())?;
    match serde_json::from_slice::<Value>(&payload) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err("its claims are not a JSON object".into()),
    }
}

/// A numeric date claim (`exp`, `iat`) in unix seconds; `None` when missing or unusable.
pub fn date(claims: &Map<String, Value>, name: &str) -> Option<u64> {
    match claims.get(name)? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f as u64)),
        _ => None,
    }
}

/// A string claim.
pub fn string<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// Whether the `aud` claim (a string or a list) names `audience`.
pub fn has_audience(claims: &Map<String, Value>, audience: &str) -> bool {
    match claims.get("aud") {
        Some(Value::String(aud)) => aud == audience,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    }
}

#[cfg(test)]
#[path = "jwt_tests.rs"]
mod tests;
