//! Keys and JSON Web Tokens for the tests and the authorization server: EC keys made here (ring), the committed RSA test key
//! (`keys/`: ring cannot make RSA keys), their public JWKs, signing the tokens other parties
//! issue (ID tokens, ID-JAGs, a CI's OIDC token), and checking the signatures agentview makes.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair, UnparsedPublicKey};
use serde_json::{Value, json};

const RSA_PKCS8: &str = include_str!("../keys/rsa-2048.pkcs8.pem");
const RSA_PKCS1: &str = include_str!("../keys/rsa-2048.pkcs1.pem");

/// A private key, in the PEM forms agentview reads, with its public JWK.
pub struct TestKey {
    /// PKCS#8 PEM ("PRIVATE KEY").
    pub pkcs8_pem: String,
    /// PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") PEM: the key's own format.
    pub own_pem: String,
    /// The public key as a JWK (with `kid` and `alg`).
    pub jwk: Value,
    signer: Signer,
}

enum Signer {
    Ec(EcdsaKeyPair, &'static str),
    Rsa(RsaKeyPair),
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestKey({})", self.jwk["kid"])
    }
}

impl TestKey {
    /// A new EC P-256 key (ES256).
    pub fn ec_p256(kid: &str) -> TestKey {
        Self::ec(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, "P-256", "ES256", kid)
    }

    /// A new EC P-384 key (ES384).
    pub fn ec_p384(kid: &str) -> TestKey {
        Self::ec(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, "P-384", "ES384", kid)
    }

    fn ec(alg: &'static signature::EcdsaSigningAlgorithm, crv: &str, name: &'static str, kid: &str) -> TestKey {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("an EC key");
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("the EC key");
        let point = pair.public_key().as_ref();
        let half = (point.len() - 1) / 2;
        let jwk = json!({
            "kty": "EC", "crv": crv, "kid": kid, "alg": name, "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(&point[1..1 + half]),
            "y": URL_SAFE_NO_PAD.encode(&point[1 + half..]),
        });
        TestKey {
            pkcs8_pem: pem("PRIVATE KEY", pkcs8.as_ref()),
            own_pem: pem("EC PRIVATE KEY", &sec1_of(pkcs8.as_ref())),
            jwk,
            signer: Signer::Ec(pair, name),
        }
    }

    /// The committed RSA test key (RS256).
    pub fn rsa(kid: &str) -> TestKey {
        let der = pem_der(RSA_PKCS8);
        let pair = RsaKeyPair::from_pkcs8(&der).expect("the RSA test key");
        let public = signature::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
        let jwk = json!({
            "kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(&public.n), "e": URL_SAFE_NO_PAD.encode(&public.e),
        });
        TestKey { pkcs8_pem: RSA_PKCS8.to_string(), own_pem: RSA_PKCS1.to_string(), jwk, signer: Signer::Rsa(pair) }
    }

    pub fn kid(&self) -> &str {
        self.jwk["kid"].as_str().unwrap_or_default()
    }

    /// Sign `claims` (ES256/ES384 with an EC key, RS256 with RSA) with `typ` in the header.
    pub fn sign(&self, typ: &str, claims: &Value) -> String {
        let alg = match &self.signer {
            Signer::Ec(_, name) => *name,
            Signer::Rsa(_) => "RS256",
        };
        let header = json!({"alg": alg, "typ": typ, "kid": self.kid()});
        let input = format!("{}.{}", b64(&header.to_string()), b64(&claims.to_string()));
        let rng = SystemRandom::new();
        let signature = match &self.signer {
            Signer::Ec(pair, _) => pair.sign(&rng, input.as_bytes()).expect("signed").as_ref().to_vec(),
            Signer::Rsa(pair) => {
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut out).expect("signed");
                out
            }
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

fn b64(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text.as_bytes())
}

/// PEM with 64-character lines.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("ascii")).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("PEM base64")
}

/// The SEC1 `ECPrivateKey` inside a PKCS#8 document (its last element's contents).
fn sec1_of(pkcs8: &[u8]) -> Vec<u8> {
    let header = |der: &[u8]| if der[1] < 0x80 { 2 } else { 2 + (der[1] & 0x7f) as usize };
    let content = |der: &[u8]| {
        if der[1] < 0x80 { der[1] as usize } else { der[2..header(der)].iter().fold(0, |a, b| (a << 8) | *b as usize) }
    };
    let mut i = header(pkcs8);
    for _ in 0..2 {
        i += header(&pkcs8[i..]) + content(&pkcs8[i..]);
    }
    let start = i + header(&pkcs8[i..]);
    pkcs8[start..start + content(&pkcs8[i..])].to_vec()
}

/// The header and claims of a JWT, unchecked.
pub fn decode(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let part = |p: Option<&str>| -> Option<Value> { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p?).ok()?).ok() };
    let header = part(parts.next())?;
    let claims = part(parts.next())?;
    Some((header, claims))
}

/// Check `token`'s signature with one of `keys` (by `kid` when the header names one): RS256,
/// PS256, ES256 or ES384. Its header and claims.
pub fn verify(token: &str, keys: &[Value]) -> Result<(Value, Value), String> {
    let (header, claims) = decode(token).ok_or("not a JWT")?;
    let (input, sig) = token.rsplit_once('.').ok_or("not a JWT")?;
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| "the signature is not base64url")?;
    let alg = header["alg"].as_str().unwrap_or_default();
    let kid = header["kid"].as_str();
    let candidates = keys.iter().filter(|k| kid.is_none() || k["kid"].as_str() == kid);
    for key in candidates {
        let field = |name: &str| key[name].as_str().and_then(|v| URL_SAFE_NO_PAD.decode(v).ok()).unwrap_or_default();
        let ok = match (alg, key["kty"].as_str(), key["crv"].as_str()) {
            ("RS256" | "PS256", Some("RSA"), _) => {
                let check = if alg == "RS256" {
                    &signature::RSA_PKCS1_2048_8192_SHA256
                } else {
                    &signature::RSA_PSS_2048_8192_SHA256
                };
                signature::RsaPublicKeyComponents { n: field("n"), e: field("e") }
                    .verify(check, input.as_bytes(), &sig)
                    .is_ok()
            }
            ("ES256", Some("EC"), Some("P-256")) | ("ES384", Some("EC"), Some("P-384")) => {
                let check = if alg == "ES256" {
                    &signature::ECDSA_P256_SHA256_FIXED
                } else {
                    &signature::ECDSA_P384_SHA384_FIXED
                };
                let point = [vec![4u8], field("x"), field("y")].concat();
                UnparsedPublicKey::new(check, point).verify(input.as_bytes(), &sig).is_ok()
            }
            _ => false,
        };
        if ok {
            return Ok((header, claims));
        }
    }
    Err(format!("no key verifies the {alg} signature"))
}

/// Unix seconds now.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
