use super::*;
use ring::signature::{KeyPair, UnparsedPublicKey};

const RSA_PKCS8: &[u8] = include_bytes!("../../../../tests/support/keys/rsa-2048.pkcs8.pem");
const RSA_PKCS1: &[u8] = include_bytes!("../../../../tests/support/keys/rsa-2048.pkcs1.pem");
const EC_P384_SEC1: &[u8] = include_bytes!("../../../../tests/support/keys/ec-p384.sec1.pem");

fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("ascii")).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n")).into_bytes()
}

/// A new EC key as PKCS#8 DER, and its public point.
fn ec_key(alg: &'static signature::EcdsaSigningAlgorithm) -> (Vec<u8>, Vec<u8>) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("generate");
    let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("parse");
    (pkcs8.as_ref().to_vec(), pair.public_key().as_ref().to_vec())
}

/// The SEC1 `ECPrivateKey` inside a PKCS#8 document: its last element's contents.
fn sec1_of(pkcs8: &[u8]) -> Vec<u8> {
    // SEQUENCE { INTEGER, SEQUENCE, OCTET STRING { sec1 } }: skip to the octet string.
    let mut i = header_len(pkcs8);
    for _ in 0..2 {
        i += header_len(&pkcs8[i..]) + content_len(&pkcs8[i..]);
    }
    let start = i + header_len(&pkcs8[i..]);
    pkcs8[start..start + content_len(&pkcs8[i..])].to_vec()
}

fn header_len(der: &[u8]) -> usize {
    if der[1] < 0x80 { 2 } else { 2 + (der[1] & 0x7f) as usize }
}

fn content_len(der: &[u8]) -> usize {
    if der[1] < 0x80 {
        der[1] as usize
    } else {
        der[2..header_len(der)].iter().fold(0, |acc, b| (acc << 8) | *b as usize)
    }
}

fn split(token: &Secret) -> (String, Value, Value, Vec<u8>) {
    let parts: Vec<&str> = token.expose().split('.').collect();
    assert_eq!(parts.len(), 3);
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p).expect("base64url");
    let header = serde_json::from_slice(&decode(parts[0])).expect("header");
    let claims = serde_json::from_slice(&decode(parts[1])).expect("claims");
    (format!("{}.{}", parts[0], parts[1]), header, claims, decode(parts[2]))
}

#[test]
fn ec_keys_sign_assertions_the_server_can_check() {
    let (pkcs8, public) = ec_key(&signature::ECDSA_P256_SHA256_FIXED_SIGNING);
    let sec1 = pem("EC PRIVATE KEY", &sec1_of(&pkcs8));
    for pem in [pem("PRIVATE KEY", &pkcs8), sec1] {
        let key = SigningKey::from_pem(&pem).expect("an EC P-256 key");
        assert_eq!(key.algs(), [SigningAlg::Es256]);
        let token = client_assertion(&key, SigningAlg::Es256, Some("k1"), "ci-bot", "https://as.example", 1_000)
            .expect("signed");
        let (input, header, claims, signature) = split(&token);
        assert_eq!(header, json!({"alg": "ES256", "typ": "JWT", "kid": "k1"}));
        assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some("ci-bot"), Some("ci-bot")));
        assert_eq!(claims["aud"], "https://as.example");
        assert_eq!((claims["iat"].as_u64(), claims["exp"].as_u64()), (Some(1_000), Some(1_060)));
        assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 32));
        UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &public)
            .verify(input.as_bytes(), &signature)
            .expect("the signature verifies");
    }
    let (pkcs8, public) = ec_key(&signature::ECDSA_P384_SHA384_FIXED_SIGNING);
    let key = SigningKey::from_pem(&pem("PRIVATE KEY", &pkcs8)).expect("an EC P-384 key");
    let token = client_assertion(&key, SigningAlg::Es384, None, "c", "https://as.example", 5).expect("signed");
    let (input, header, _, signature) = split(&token);
    assert_eq!(header, json!({"alg": "ES384", "typ": "JWT"}));
    UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, &public)
        .verify(input.as_bytes(), &signature)
        .expect("the signature verifies");
}

#[test]
fn openssl_sec1_keys_with_curve_parameters_load() {
    let key = SigningKey::from_pem(EC_P384_SEC1).expect("SEC1 with parameters");
    assert_eq!(key.algs(), [SigningAlg::Es384]);
    client_assertion(&key, SigningAlg::Es384, None, "c", "https://as.example", 5).expect("signed");
}

#[test]
fn rsa_keys_sign_rs256_and_ps256() {
    let der = PrivateKeyDer::from_pem_slice(RSA_PKCS8).expect("pem");
    let pair = RsaKeyPair::from_pkcs8(der.secret_der()).expect("rsa");
    let public = signature::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
    for pem in [RSA_PKCS8, RSA_PKCS1] {
        let key = SigningKey::from_pem(pem).expect("an RSA key");
        for (alg, check) in [
            (SigningAlg::Rs256, &signature::RSA_PKCS1_2048_8192_SHA256),
            (SigningAlg::Ps256, &signature::RSA_PSS_2048_8192_SHA256),
        ] {
            let token = client_assertion(&key, alg, None, "c", "https://as.example", 5).expect("signed");
            let (input, header, _, signature) = split(&token);
            assert_eq!(header["alg"], alg.as_str());
            public.verify(check, input.as_bytes(), &signature).expect("the signature verifies");
        }
    }
}

#[test]
fn the_algorithm_follows_the_server_and_the_key() {
    let rsa = SigningKey::from_pem(RSA_PKCS8).expect("rsa");
    let (pkcs8, _) = ec_key(&signature::ECDSA_P256_SHA256_FIXED_SIGNING);
    let ec = SigningKey::from_pem(&pem("PRIVATE KEY", &pkcs8)).expect("ec");
    let listed = |algs: &[&str]| algs.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    assert_eq!(rsa.choose_alg(&[]), Ok(SigningAlg::Rs256));
    assert_eq!(rsa.choose_alg(&listed(&["PS256", "ES256"])), Ok(SigningAlg::Ps256));
    assert_eq!(ec.choose_alg(&listed(&["RS256", "ES256"])), Ok(SigningAlg::Es256));
    let refused = ec.choose_alg(&listed(&["RS256", "PS256"])).expect_err("no EC algorithm listed");
    assert!(refused.contains("RS256, PS256") && refused.contains("ES256"), "{refused}");
    assert!(
        client_assertion(&ec, SigningAlg::Rs256, None, "c", "a", 1).is_err(),
        "a key signs only its own algorithms"
    );
}

#[test]
fn what_is_not_a_usable_key_is_said_without_its_contents() {
    for junk in [&b"not a key"[..], b"-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n", b""] {
        let err = SigningKey::from_pem(junk).expect_err("refused");
        assert!(!err.contains("c2VjcmV0") && !err.contains("not a key"), "{err}");
    }
    let cert = b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
    assert!(SigningKey::from_pem(cert).is_err());
}

#[test]
fn claims_are_read_without_a_signature_check() {
    let payload = URL_SAFE_NO_PAD.encode(r#"{"iss":"https://idp","aud":["a","b"],"exp":1700000000.5,"sub":"u"}"#);
    let token = format!("eyJhbGciOiJFUzI1NiJ9.{payload}.c2ln");
    let c = claims(&token).expect("claims");
    assert_eq!(string(&c, "iss"), Some("https://idp"));
    assert_eq!(date(&c, "exp"), Some(1_700_000_000));
    assert!(has_audience(&c, "b") && !has_audience(&c, "c"));
    assert!(claims("a.b").is_err());
    assert!(claims("a.b.c.d.e").expect_err("JWE").contains("encrypted"));
    assert!(claims("a.!!!.c").is_err());
    assert!(claims(&format!("a.{}.c", URL_SAFE_NO_PAD.encode("[1]"))).is_err());
    assert_eq!(date(&serde_json::from_str(r#"{"exp":"soon"}"#).expect("json"), "exp"), None);
}
