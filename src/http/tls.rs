//! TLS trust for every request: the platform verifier, extra CAs, and who issued a refused certificate.
//!
//! Trust is the operating system's (rustls with the platform verifier: the system bundle on
//! Linux, the keychain on macOS, the certificate store on Windows), plus the CA certificates
//! named by `SSL_CERT_FILE` / `SSL_CERT_DIR`, merged in on every platform as curl and git do,
//! so a TLS-inspecting proxy or an internal CA works once its certificate is installed or
//! named. Where the platform has no trusted certificates at all (a minimal container), the
//! bundled Mozilla roots stand in. The crypto provider is ring: smaller and quicker to build
//! than aws-lc-rs.
//!
//! A certificate that is not trusted is remembered with its issuer, so the error can say who
//! issued it and how to trust that CA.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// The issuer of the last server certificate that failed verification, if it could be read.
#[derive(Debug, Clone, Default)]
pub struct Rejected(Arc<Mutex<Option<String>>>);

impl Rejected {
    pub fn issuer(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn remember(&self, issuer: Option<String>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = issuer;
    }
}

/// A client builder with agentview's TLS trust, proxies from `HTTPS_PROXY` / `NO_PROXY` (and
/// the other usual variables), and redirects off: a redirect is reported, never followed.
pub fn client_builder(
    user_agent: &str,
    connect_timeout: Duration,
) -> Result<(reqwest::ClientBuilder, Rejected), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // reqwest asks for a process default when it builds TLS itself; ours is preconfigured,
    // this only keeps any other path from panicking.
    let _ = rustls::crypto::CryptoProvider::install_default(rustls::crypto::ring::default_provider());
    let rejected = Rejected::default();
    let verifier =
        Arc::new(Remembering { inner: OnceLock::new(), provider: provider.clone(), rejected: rejected.clone() });
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .user_agent(user_agent)
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none());
    Ok((builder, rejected))
}

/// CA certificates from `SSL_CERT_FILE` (a PEM bundle) and `SSL_CERT_DIR` (directories of
/// PEM files, separated like PATH). Unreadable or non-certificate files are skipped.
///
/// Read here rather than in settings: they configure the TLS stack of the whole process, as
/// for every other program on the machine, and are never agentview options.
fn extra_roots() -> Vec<CertificateDer<'static>> {
    let mut roots = Vec::new();
    if let Some(file) = std::env::var_os("SSL_CERT_FILE") {
        roots.extend(certificates_in(Path::new(&file)));
    }
    if let Some(dirs) = std::env::var_os("SSL_CERT_DIR") {
        for dir in std::env::split_paths(&dirs) {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.filter_map(Result::ok) {
                roots.extend(certificates_in(&entry.path()));
            }
        }
    }
    roots
}

/// The bundled Mozilla roots plus `extra`, for a platform that has no trust store.
fn bundled_roots(
    extra: Vec<CertificateDer<'static>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    roots.add_parsable_certificates(extra);
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| format!("cannot set up TLS certificate checks: {e}"))?;
    Ok(verifier)
}

fn certificates_in(path: &Path) -> Vec<CertificateDer<'static>> {
    match CertificateDer::pem_file_iter(path) {
        Ok(certs) => certs.filter_map(Result::ok).collect(),
        Err(_) => Vec::new(),
    }
}

/// The platform verifier (or the bundled roots), noting the issuer of a certificate it refuses.
/// The trust store is loaded at the first TLS handshake, not when a client is built: a request
/// to a loopback http server (or none at all) costs no certificate parsing.
#[derive(Debug)]
struct Remembering {
    inner: OnceLock<Arc<dyn ServerCertVerifier>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
    rejected: Rejected,
}

impl Remembering {
    fn inner(&self) -> &Arc<dyn ServerCertVerifier> {
        self.inner.get_or_init(|| {
            let extra = extra_roots();
            match rustls_platform_verifier::Verifier::new_with_extra_roots(extra.clone(), self.provider.clone()) {
                Ok(platform) => Arc::new(platform),
                Err(_) => match bundled_roots(extra, self.provider.clone()) {
                    Ok(bundled) => bundled,
                    Err(why) => Arc::new(Refusing { why, provider: self.provider.clone() }),
                },
            }
        })
    }
}

/// Trusts nothing: what is left when no trust store could be built at all.
#[derive(Debug)]
struct Refusing {
    why: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Refusing {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Err(rustls::Error::General(self.why.clone()))
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General(self.why.clone()))
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General(self.why.clone()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

impl ServerCertVerifier for Remembering {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.inner().verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        if verdict.is_err() {
            // The top of the chain the server sent names the CA that would have to be trusted.
            let top = intermediates.last().unwrap_or(end_entity);
            self.rejected.remember(issuer_name(top.as_ref()));
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner().verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner().verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner().supported_verify_schemes()
    }
}

/// Whether an error (or anything it wraps) is a certificate the verifier refused.
pub fn untrusted_certificate(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(rustls::Error::InvalidCertificate(why)) = e.downcast_ref::<rustls::Error>() {
            return Some(describe_certificate_error(why));
        }
        // An io::Error hides its payload from `source()` (and may wrap another io::Error).
        next = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

fn describe_certificate_error(why: &rustls::CertificateError) -> String {
    use rustls::CertificateError as E;
    match why {
        E::UnknownIssuer => "it was issued by a certificate authority this machine does not trust".into(),
        E::Expired | E::ExpiredContext { .. } => "it has expired".into(),
        E::NotValidYet | E::NotValidYetContext { .. } => "it is not valid yet (check the clock)".into(),
        E::NotValidForName | E::NotValidForNameContext { .. } => "it was issued for a different host name".into(),
        E::Revoked => "it has been revoked".into(),
        E::BadSignature => "its signature is invalid".into(),
        other => format!("{other:?}").chars().take(120).collect(),
    }
}

/// The issuer's common name (and organization) of a DER certificate, for messages only.
fn issuer_name(der: &[u8]) -> Option<String> {
    let (certificate, _) = der::element(der, 0x30)?;
    let (tbs, _) = der::element(certificate, 0x30)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = der::element(rest, 0xa0)?.1; // version
    }
    rest = der::element(rest, 0x02)?.1; // serial number
    rest = der::element(rest, 0x30)?.1; // signature algorithm
    let (issuer, _) = der::element(rest, 0x30)?;
    let (mut common_name, mut organization) = (None, None);
    let mut sets = issuer;
    while let Some((set, after)) = der::element(sets, 0x31) {
        sets = after;
        let Some((pair, _)) = der::element(set, 0x30) else { continue };
        let Some((oid, value)) = der::element(pair, 0x06) else { continue };
        let text = der::any_string(value);
        match oid {
            [0x55, 0x04, 0x03] => common_name = text,
            [0x55, 0x04, 0x0a] => organization = text,
            _ => {}
        }
    }
    let name = match (common_name, organization) {
        (Some(cn), Some(o)) if cn != o => format!("{cn} ({o})"),
        (Some(cn), _) => cn,
        (None, Some(o)) => o,
        (None, None) => return None,
    };
    Some(crate::sanitize::line(&name, 120))
}

/// Just enough DER to walk to a certificate's issuer.
mod der {
    /// The contents of the element at the start of `input` if its tag is `tag`, and what follows.
    pub fn element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&first, rest) = input.split_first()?;
        if first != tag {
            return None;
        }
        let (&len, mut rest) = rest.split_first()?;
        let len = if len < 0x80 {
            usize::from(len)
        } else {
            let bytes = usize::from(len & 0x7f);
            if bytes == 0 || bytes > 4 || rest.len() < bytes {
                return None;
            }
            let n = rest[..bytes].iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
            rest = &rest[bytes..];
            n
        };
        (rest.len() >= len).then(|| rest.split_at(len))
    }

    /// A directory string (UTF8String, PrintableString, IA5String, T61String) as text.
    pub fn any_string(input: &[u8]) -> Option<String> {
        let tag = *input.first()?;
        if !matches!(tag, 0x0c | 0x13 | 0x16 | 0x14) {
            return None;
        }
        let (bytes, _) = element(input, tag)?;
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_are_bounded() {
        assert_eq!(der::element(&[0x30, 0x02, 1, 2, 3], 0x30), Some((&[1u8, 2][..], &[3u8][..])));
        assert_eq!(der::element(&[0x30, 0x82, 0x00, 0x01, 9], 0x30), Some((&[9u8][..], &[][..])));
        assert_eq!(der::element(&[0x30, 0x85, 0, 0, 0, 0, 1], 0x30), None);
        assert_eq!(der::element(&[0x30, 0x05, 1], 0x30), None);
        assert_eq!(der::element(&[0x31, 0x00], 0x30), None);
        assert_eq!(issuer_name(&[]), None);
        assert_eq!(issuer_name(&[0x30, 0x80]), None);
    }
}
