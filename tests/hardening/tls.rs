//! TLS with a private CA (as behind a TLS-inspecting proxy or with an internal CA): trusted
//! through SSL_CERT_FILE or SSL_CERT_DIR the login works; untrusted it fails at once with exit
//! 7, naming the issuer and saying how to add a CA. HTTPS_PROXY and NO_PROXY keep working.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::no_panic;
use super::support::cli::{Agentview, Run};
use super::support::fixture::{approving, stored_tokens};
use super::support::server::{ServerConfig, TestServer};

const CA_NAME: &str = "Hardening Test Root CA";

/// A CA made for the test, and a certificate for `localhost` signed by it.
struct Pki {
    ca_pem: String,
    leaf: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    pki_for("localhost")
}

/// A CA made for the test, and a certificate for `host` signed by it.
fn pki_for(host: &str) -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, CA_NAME);
    ca.distinguished_name.push(DnType::OrganizationName, "Example Corp");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec![host.to_string()]).unwrap().signed_by(&leaf_key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        leaf: leaf.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

/// Background tasks on their own runtime: a TLS front for the plain test server and a proxy.
struct Net {
    runtime: tokio::runtime::Runtime,
    handshakes: Arc<AtomicUsize>,
    connects: Arc<AtomicUsize>,
}

impl Net {
    fn new() -> Net {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        Net { runtime, handshakes: Arc::default(), connects: Arc::default() }
    }

    /// Terminate TLS with `pki`'s certificate and pass the bytes on to `backend`; the port.
    fn tls_front(&self, pki: &Pki, backend: SocketAddr) -> u16 {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![pki.leaf.clone()], pki.key.clone_key())
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = self.runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let handshakes = self.handshakes.clone();
        self.runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                handshakes.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(socket).await else { return };
                    let Ok(mut plain) = TcpStream::connect(backend).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        port
    }

    /// A plain HTTP proxy that only speaks CONNECT (what HTTPS_PROXY is used for); the port.
    fn proxy(&self) -> u16 {
        self.proxy_to(None)
    }

    /// A CONNECT proxy that sends every tunnel to `backend` (whatever host was asked for), or
    /// to the host asked for with `localhost` read as 127.0.0.1; the port.
    fn proxy_to(&self, backend: Option<SocketAddr>) -> u16 {
        let listener = self.runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let connects = self.connects.clone();
        self.runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let connects = connects.clone();
                tokio::spawn(async move {
                    let mut client = BufReader::new(socket);
                    let mut request = String::new();
                    if client.read_line(&mut request).await.is_err() {
                        return;
                    }
                    let mut line = String::new();
                    while client.read_line(&mut line).await.is_ok_and(|n| n > 2) {
                        line.clear();
                    }
                    let mut parts = request.split_whitespace();
                    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else { return };
                    let target = match backend {
                        Some(backend) => backend.to_string(),
                        None => target.replace("localhost", "127.0.0.1"),
                    };
                    let Ok(mut upstream) = TcpStream::connect(&target).await else { return };
                    connects.fetch_add(1, Ordering::SeqCst);
                    let mut client = client.into_inner();
                    if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_err() {
                        return;
                    }
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
            }
        });
        port
    }
}

/// A server that approves logins, behind TLS at `https://localhost:<port>/mcp`.
fn https_server(net: &Net, pki: &Pki) -> (TestServer, String) {
    let server = TestServer::start(ServerConfig { login_host: Some("localhost".into()), ..approving() });
    let backend: SocketAddr = server.mcp_url().trim_start_matches("http://").trim_end_matches("/mcp").parse().unwrap();
    let port = net.tls_front(pki, backend);
    (server, format!("https://localhost:{port}/mcp"))
}

fn login(av: &Agentview) -> Run {
    let run = av.run(&["login", "--no-browser", "--force"]);
    no_panic("login over TLS", &run);
    run
}

#[test]
fn a_private_ca_named_by_ssl_cert_file_or_dir_is_trusted() {
    let (net, pki) = (Net::new(), pki());
    let (server, url) = https_server(&net, &pki);
    let mut av = Agentview::new(&url);
    let ca_file = av.dir.path().join("corp-ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    av.set("SSL_CERT_FILE", ca_file.to_str().unwrap());
    let run = login(&av).expect_code(0);
    assert_eq!(stored_tokens(&av).len(), 1, "{}", run.stderr);
    assert_eq!(server.calls().create, 1);

    let mut av = Agentview::new(&url);
    let ca_dir = av.dir.path().join("certs");
    std::fs::create_dir_all(&ca_dir).unwrap();
    std::fs::write(ca_dir.join("corp-ca.pem"), &pki.ca_pem).unwrap();
    std::fs::write(ca_dir.join("README"), "not a certificate").unwrap();
    av.set("SSL_CERT_DIR", ca_dir.to_str().unwrap());
    login(&av).expect_code(0);
}

#[test]
fn an_untrusted_certificate_fails_at_once_naming_the_issuer() {
    let (net, pki) = (Net::new(), pki());
    let (server, url) = https_server(&net, &pki);
    let av = Agentview::new(&url);
    let run = login(&av).expect_code(7);
    let error = run.stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default().to_string();
    assert!(error.contains("certificate is not trusted"), "{}", run.stderr);
    assert!(error.contains(CA_NAME), "names the issuer: {}", run.stderr);
    assert!(run.stderr.contains("SSL_CERT_FILE"), "says how to add a CA: {}", run.stderr);
    assert_eq!(net.handshakes.load(Ordering::SeqCst), 1, "no retry\n{}", run.stderr);
    assert_eq!(server.calls().initialize, 0);
    assert!(stored_tokens(&av).is_empty());
}

#[test]
fn without_any_system_certificate_the_bundled_roots_stand_in() {
    let (net, pki) = (Net::new(), pki());
    let (_server, url) = https_server(&net, &pki);
    let mut av = Agentview::new(&url);
    // SSL_CERT_FILE replaces the system bundle on Linux: a missing file leaves no roots at all.
    let missing = av.dir.path().join("no-such-bundle.pem");
    av.set("SSL_CERT_FILE", missing.to_str().unwrap()).set("SSL_CERT_DIR", missing.to_str().unwrap());
    let run = login(&av).expect_code(7);
    assert!(run.stderr.contains("certificate is not trusted"), "{}", run.stderr);
    assert_eq!(net.handshakes.load(Ordering::SeqCst), 1, "a TLS handshake was made\n{}", run.stderr);
}

#[test]
fn https_proxy_and_no_proxy_are_honoured() {
    let (net, pki) = (Net::new(), pki());
    let (_server, url) = https_server(&net, &pki);
    let proxy = format!("http://127.0.0.1:{}", net.proxy());
    let mut av = Agentview::new(&url);
    let ca_file = av.dir.path().join("corp-ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    av.set("SSL_CERT_FILE", ca_file.to_str().unwrap()).set("HTTPS_PROXY", &proxy);
    login(&av).expect_code(0);
    let through_proxy = net.connects.load(Ordering::SeqCst);
    assert!(through_proxy >= 1, "the login went through HTTPS_PROXY");

    av.set("NO_PROXY", "localhost");
    login(&av).expect_code(0);
    assert_eq!(net.connects.load(Ordering::SeqCst), through_proxy, "NO_PROXY bypassed the proxy");
}

/// A service on this machine that a remote server must never make agentview talk to: counts
/// the connections it gets.
fn local_service(net: &Net) -> (u16, Arc<AtomicUsize>) {
    let listener = net.runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    net.runtime.spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = socket.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").await;
        }
    });
    (port, hits)
}

#[test]
fn a_remote_https_server_cannot_send_agentview_to_plaintext_or_local_endpoints() {
    use super::support::server::{OAuthConfig, OAuthEndpoint, OAuthFault};
    let host = "mcp.evil.test";
    let (net, pki) = (Net::new(), pki_for(host));
    let server = TestServer::start(ServerConfig {
        oauth: Some(OAuthConfig { auto_approve: true, ..OAuthConfig::default() }),
        ..ServerConfig::default()
    });
    let backend: SocketAddr = server.base_url().trim_start_matches("http://").trim_end_matches('/').parse().unwrap();
    let front = net.tls_front(&pki, backend);
    let proxy = format!("http://127.0.0.1:{}", net.proxy_to(Some(SocketAddr::from(([127, 0, 0, 1], front)))));
    let (local, hits) = local_service(&net);
    let raw = |on, body: serde_json::Value| OAuthFault::Raw {
        on,
        status: 200,
        content_type: "application/json".into(),
        body: body.to_string(),
        count: 1,
    };
    let cases = [
        ("registration_endpoint", format!("http://127.0.0.1:{local}/register")),
        ("registration_endpoint", "http://reg.evil.localhost/register".to_string()),
        ("token_endpoint", format!("http://127.0.0.1:{local}/token")),
        ("registration_endpoint", format!("https://127.0.0.1:{local}/register")),
        ("token_endpoint", "https://169.254.169.254/token".to_string()),
        ("registration_endpoint", "https://10.1.2.3/register".to_string()),
        ("registration_endpoint", "https://[::1]/register".to_string()),
        ("authorization_endpoint", format!("http://127.0.0.1:{local}/authorize")),
    ];
    for (field, endpoint) in cases {
        let issuer = format!("https://{host}");
        let mut metadata = serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "registration_endpoint": format!("{issuer}/register"),
            "code_challenge_methods_supported": ["S256"],
            "response_types_supported": ["code"],
        });
        metadata[field] = serde_json::json!(endpoint);
        let prm = serde_json::json!({"resource": format!("https://{host}/mcp"), "authorization_servers": [issuer]});
        server.clear_faults();
        server.push_oauth_fault(raw(OAuthEndpoint::ProtectedResourceMetadata, prm));
        server.push_oauth_fault(raw(OAuthEndpoint::AuthorizationServerMetadata, metadata));
        let mut av = Agentview::new(&format!("https://{host}/mcp"));
        let ca_file = av.dir.path().join("ca.pem");
        std::fs::write(&ca_file, &pki.ca_pem).unwrap();
        av.set("SSL_CERT_FILE", ca_file.to_str().unwrap())
            .set("HTTPS_PROXY", &proxy)
            .set("BROWSER", &super::support::cli::curl_browser("-fsSL"));
        let run = av.run(&["login", "--method", "oauth"]);
        no_panic("login against hostile metadata", &run);
        let run = run.expect_code(7);
        let errors: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{field} {endpoint}: one error line\n{}", run.stderr);
        assert!(errors[0].contains(&endpoint), "{field} {endpoint}: the error names the endpoint\n{}", run.stderr);
        assert_eq!(
            hits.load(Ordering::SeqCst),
            0,
            "{field} {endpoint}: the local service was contacted\n{}",
            run.stderr
        );
        assert_eq!(server.registrations(), 0, "{field} {endpoint}");
        assert!(server.oauth_requests_to(OAuthEndpoint::Register).is_empty());
        assert!(stored_tokens(&av).is_empty());
    }
}
