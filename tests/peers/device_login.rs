//! `agentview login --device` end to end against the device grants of oidc-provider and Authlib
//! (strict: codes live a few seconds, polled every second), with the scripted person at the
//! verification page: approval (the token works at the MCP endpoint, renews, and is revoked at
//! logout), denial, slow_down, expiry, a client registered without the grant, a kept
//! registration without it, Ctrl-C during the wait, the two-step form for agents, and
//! `--method auto` on a machine without a browser. No scenario waits more than a few seconds.

use std::time::Duration;

use serde_json::{Value, json};

use super::person::{Browser, enter_user_code, whoami};
use super::*;
use support::cli::wait_until;
use support::fixture::Live;
use support::peers::{PeerKind, PeerOptions, get_json, post_json, stored};

const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Only a guard against a hang: every login here ends within a few seconds.
const LIMIT: Duration = Duration::from_secs(30);

/// The peer with codes living `expires_in` seconds, polled every second, slow_down adding a
/// second; `extra` launcher options.
fn start(kind: PeerKind, expires_in: u64, extra: &[&str], token_lifetime: Option<u64>) -> Option<Peer> {
    let mut args: Vec<String> =
        ["--device-expires-in", &expires_in.to_string(), "--device-interval", "1", "--slow-down-step", "1"]
            .iter()
            .map(|a| a.to_string())
            .collect();
    args.extend(extra.iter().map(|a| a.to_string()));
    Peer::start_with(kind, PeerOptions { args, token_lifetime, ..PeerOptions::default() })
}

/// agentview for the peer with no browser (the person uses another device) and a slow_down step
/// as short as the peer's.
fn agentview(peer: &Peer) -> Agentview {
    let mut av = peer.agentview();
    av.unset("AGENTVIEW_BROWSER").set("AGENTVIEW_SLOW_DOWN_STEP", "1");
    av
}

/// What the login showed the person.
#[derive(Debug)]
struct Shown {
    uri: String,
    code: String,
    complete: Option<String>,
}

/// The line after the first one that contains `lead`, skipping blank ones.
fn after<'a>(text: &'a str, lead: &str) -> Option<&'a str> {
    let mut lines = text.lines().skip_while(|l| !l.contains(lead));
    lines.next()?;
    lines.map(str::trim).find(|l| !l.is_empty())
}

fn shown(stderr: &str) -> Shown {
    let uri = after(stderr, "open this address on any device").unwrap_or_else(|| panic!("no address:\n{stderr}"));
    let code = after(stderr, "and enter the code:").unwrap_or_else(|| panic!("no code:\n{stderr}"));
    let complete = after(stderr, "which carries the code:").map(str::to_string);
    Shown { uri: uri.to_string(), code: code.to_string(), complete }
}

/// Start `login --device` (plus `extra`) and wait until the code is shown.
fn started(av: &Agentview, extra: &[&str]) -> (Live, Shown) {
    let mut args = vec!["login", "--device", "--timeout", "20"];
    args.extend_from_slice(extra);
    let live = Live::start(av, &args);
    live.wait_for("Approve only a login you started yourself", LIMIT);
    let shown = shown(&live.stderr());
    (live, shown)
}

/// The person, at the address shown, types the code and approves or aborts.
fn person(av: &Agentview, shown: &Shown, user: &str, approve: bool) {
    let page = enter_user_code(&Browser::new(av.dir.path(), user), &shown.uri, &shown.code, approve);
    assert_eq!(page.status, 200, "{}", page.text);
}

/// The QR code drawn on stderr, read back by a decoder written apart from the encoder.
fn scanned(stderr: &str) -> Vec<String> {
    let rows: Vec<Vec<char>> = stderr
        .lines()
        .skip_while(|l| !l.contains("scan it with a phone"))
        .skip(1)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty() && l.chars().all(|c| matches!(c, '█' | '▀' | '▄' | ' ')))
        .map(|l| l.chars().collect())
        .collect();
    assert!(!rows.is_empty(), "no QR code:\n{stderr}");
    let (w, h, scale) = (rows[0].len(), rows.len() * 2, 4);
    let light = |x: usize, y: usize| match rows[y / 2].get(x) {
        Some('█') => true,
        Some('▀') => y.is_multiple_of(2),
        Some('▄') => !y.is_multiple_of(2),
        _ => false,
    };
    let mut image = rqrr::PreparedImage::prepare_from_bitmap(w * scale, h * scale, |x, y| !light(x / scale, y / scale));
    image.detect_grids().iter().filter_map(|g| g.decode().ok()).map(|(_, text)| text).collect()
}

/// The authorization server's metadata.
fn metadata(peer: &Peer) -> Value {
    ["oauth-authorization-server", "openid-configuration"]
        .iter()
        .map(|doc| get_json(&format!("{}/.well-known/{doc}", peer.issuer())))
        .find(|(status, _)| *status == 200)
        .map(|(_, meta)| meta)
        .unwrap_or_else(|| panic!("no metadata\n{}", peer.log_text()))
}

/// A client registered at the peer for another grant than the device code's; its id.
fn client_without_the_grant(peer: &Peer) -> String {
    let meta = metadata(peer);
    let registration = if peer.kind == PeerKind::AuthlibDevice {
        json!({"client_name": "no device", "grant_types": ["refresh_token"], "response_types": [], "redirect_uris": [],
            "token_endpoint_auth_method": "none"})
    } else {
        json!({"client_name": "browser only", "grant_types": ["authorization_code"], "response_types": ["code"],
            "redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none",
            "application_type": "native"})
    };
    let (status, client) = post_json(meta["registration_endpoint"].as_str().unwrap(), &registration);
    assert_eq!(status, 201, "{client}");
    client["client_id"].as_str().unwrap().to_string()
}

/// The person approves: a token the MCP server takes as theirs, stored as a device login's,
/// renewed with its refresh token when due, and revoked at logout. The QR code drawn is the
/// address with the code in it.
pub fn a_person_approves_and_the_token_works_renews_and_is_revoked(kind: PeerKind) {
    let Some(peer) = start(kind, 30, &[], Some(2)) else { return };
    let av = agentview(&peer);
    let (live, shown) = started(&av, &["--qr"]);
    let complete = shown.complete.clone().expect("both servers give the address with the code");
    assert!(complete.contains(&shown.code) || complete.contains(&shown.code.replace('-', "")), "{complete}");
    assert_eq!(scanned(&live.stderr()), [complete], "the QR code is the address with the code");
    person(&av, &shown, "alice", true);
    let run = live.finish(LIMIT);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    assert!(run.stderr.contains("Logged in to"), "{}", run.stderr);
    let entry = stored(&av);
    let token = entry["token"].as_str().unwrap().to_string();
    run.assert_no_leak(&token);
    assert_eq!(entry["kind"], "oauth");
    assert_eq!(entry["oauth"]["device"], true, "{entry}");
    assert!(whoami(&peer, &token).starts_with("alice"), "{}", whoami(&peer, &token));
    let polls = peer.token_requests(DEVICE_CODE);
    assert!(polls.iter().all(|p| p["resource"] == peer.mcp_url()), "the resource in every poll: {polls:?}");
    let status = av.run(&["status", "--json"]).expect_code(0);
    let report: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!((report["grant"].as_str(), report["renews"].as_bool()), (Some("device_code"), Some(true)), "{report}");
    assert!(av.run(&["status"]).stdout.contains("grant:   device_code"));

    // Due after half its two seconds: `token` renews it with the refresh token.
    let created = entry["created_at"].as_u64().unwrap();
    wait_until("the token to be due", LIMIT, || {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        (now > created).then_some(()).or_else(|| {
            std::thread::sleep(Duration::from_millis(100));
            None
        })
    });
    let renewed = av.run(&["token"]);
    assert_eq!(renewed.code, 0, "{}", explain(&renewed, &peer));
    let new = renewed.stdout.trim_end().to_string();
    assert_ne!(new, token);
    assert!(accepted(&peer, &new), "the renewed token is refused\n{}", peer.log_text());
    assert_eq!(peer.token_requests("refresh_token").len(), 1, "{}", peer.log_text());
    assert_eq!(stored(&av)["oauth"]["device"], true, "still a device login's after renewal");

    let grant = stored(&av)["oauth"].clone();
    let logout = av.run(&["logout"]);
    assert_eq!(logout.code, 0, "{}", explain(&logout, &peer));
    let refresh = grant["refresh_token"].as_str().expect("a refresh token");
    let (status, answer) = peer.try_refresh(&grant, refresh);
    assert_eq!((status, answer["error"].as_str()), (400, Some("invalid_grant")), "revoked at logout: {answer}");
}

/// The person aborts: exit 5 with the session login's message, nothing stored.
pub fn a_person_denies(kind: PeerKind) {
    let Some(peer) = start(kind, 30, &[], None) else { return };
    let av = agentview(&peer);
    let (live, shown) = started(&av, &[]);
    person(&av, &shown, "bob", false);
    let run = live.finish(LIMIT);
    assert_eq!(run.code, 5, "{}", explain(&run, &peer));
    assert!(run.stderr.contains("error: the login was denied"), "{}", run.stderr);
    assert!(!av.credentials_file().exists(), "nothing stored");
}

/// A busy server answers the first poll slow_down: agentview adds the step to the interval for
/// good, so the peer, which enforces the longer interval, never has to say it again (about four
/// seconds: two polls after the slow_down, the second one second later).
pub fn slow_down_lengthens_the_interval(kind: PeerKind) {
    let Some(peer) = start(kind, 30, &["--busy-polls", "1"], None) else { return };
    let av = agentview(&peer);
    let (live, shown) = started(&av, &[]);
    // The poll after it comes while the login is still pending (Authlib checks the interval only
    // then): the person approves after it.
    wait_until("a poll after the slow_down", LIMIT, || (peer.token_requests(DEVICE_CODE).len() >= 2).then_some(()));
    person(&av, &shown, "alice", true);
    let run = live.finish(LIMIT);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    assert_eq!(peer.events("slow-down").len(), 1, "polled sooner than the longer interval\n{}", peer.log_text());
    assert!(peer.token_requests(DEVICE_CODE).len() >= 2);
}

/// Nobody approves within the code's two seconds: exit 3, the server's window named.
pub fn an_unapproved_code_expires(kind: PeerKind) {
    let Some(peer) = start(kind, 2, &[], None) else { return };
    let av = agentview(&peer);
    let run = av.run(&["login", "--device", "--timeout", "20"]);
    assert_eq!(run.code, 3, "{}", explain(&run, &peer));
    assert!(
        run.stderr.contains("the server's login window (2s) ran out before the login was approved"),
        "{}",
        run.stderr
    );
    assert!(!av.credentials_file().exists());
}

/// A client its operator registered without the grant: one line saying so and what to ask for.
pub fn a_client_registered_without_the_grant_says_what_to_ask_for(kind: PeerKind) {
    let Some(peer) = start(kind, 30, &[], None) else { return };
    let client = client_without_the_grant(&peer);
    let av = agentview(&peer);
    // `--client-id=…`: the library's client ids may start with `-`, which a separate argument
    // would offer clap as an option.
    let run = av.run(&["login", "--device", &format!("--client-id={client}")]);
    assert_eq!(run.code, 4, "{}", explain(&run, &peer));
    let error = run.stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    assert!(
        error.contains(&format!("does not let the client \"{client}\" use the device authorization grant")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&format!("allow the grant type {DEVICE_CODE}")), "{}", run.stderr);
    assert!(peer.token_requests(DEVICE_CODE).is_empty(), "no poll for a refused code");
}

/// A registration kept from a browser login (or an older agentview), without the device grant:
/// a device login registers again, for the grant, and keeps that.
pub fn a_kept_registration_without_the_grant_is_registered_again(kind: PeerKind) {
    let Some(peer) = start(kind, 30, &[], None) else { return };
    let kept = client_without_the_grant(&peer);
    let av = agentview(&peer);
    std::fs::create_dir_all(av.config_dir()).unwrap();
    let cache = json!({"clients": {peer.issuer(): {"client_id": kept, "client_auth": "none",
        "redirect_uri": "http://127.0.0.1:9/callback/x"}}});
    let path = av.config_dir().join("oauth-clients.json");
    std::fs::write(&path, cache.to_string()).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let (live, shown) = started(&av, &[]);
    person(&av, &shown, "alice", true);
    let run = live.finish(LIMIT);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    let registrations: Vec<Value> =
        peer.requests().into_iter().filter(|r| r["registration"].is_object() && r["status"] == 201).collect();
    assert_eq!(registrations.len(), 2, "the test's and agentview's own: {registrations:?}");
    let client_id = stored(&av)["oauth"]["client_id"].as_str().unwrap().to_string();
    assert_ne!(client_id, kept);
    let cache: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let entry = &cache["clients"][peer.issuer()];
    assert_eq!(entry["client_id"], client_id.as_str());
    assert!(entry["grant_types"].as_array().unwrap().iter().any(|g| g == DEVICE_CODE), "{cache}");
}

/// Ctrl-C while the code is shown: exit 130, nothing stored.
#[cfg(unix)]
pub fn ctrl_c_during_the_wait(kind: PeerKind) {
    let Some(peer) = start(kind, 30, &[], None) else { return };
    let av = agentview(&peer);
    let (live, _) = started(&av, &[]);
    wait_until("a poll", LIMIT, || (!peer.token_requests(DEVICE_CODE).is_empty()).then_some(()));
    live.interrupt();
    let run = live.finish(LIMIT);
    assert_eq!(run.code, 130, "{}", explain(&run, &peer));
    assert!(run.stderr.contains("interrupted; nothing was stored"), "{}", run.stderr);
    assert!(!av.credentials_file().exists());
}

/// For agents: `--no-wait --json` prints the code, the addresses and a handle at once (never the
/// device code); `--resume HANDLE`, without --device, polls to the end after the person approved.
pub fn no_wait_then_resume(kind: PeerKind) {
    let Some(peer) = start(kind, 30, &[], None) else { return };
    let av = agentview(&peer);
    let run = av.run(&["login", "--device", "--no-wait", "--json"]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    let doc: Value = serde_json::from_str(run.stdout.trim()).unwrap_or_else(|_| panic!("{}", run.stdout));
    let handle = doc["resume_handle"].as_str().unwrap().to_string();
    assert_eq!(doc["method"], "device");
    assert!(doc["resume_command"].as_str().unwrap().ends_with(&format!("login --device --resume {handle}")), "{doc}");
    let kept: Value =
        serde_json::from_slice(&std::fs::read(av.config_dir().join("device-logins.json")).unwrap()).unwrap();
    let device_code = kept["logins"][&handle]["device_code"].as_str().unwrap().to_string();
    assert!(!run.stdout.contains(&device_code) && !run.stderr.contains(&device_code), "the device code stays private");
    assert!(peer.token_requests(DEVICE_CODE).is_empty(), "no poll yet");
    let shown = Shown {
        uri: doc["verification_uri"].as_str().unwrap().to_string(),
        code: doc["user_code"].as_str().unwrap().to_string(),
        complete: None,
    };
    person(&av, &shown, "alice", true);
    let run = av.run(&["login", "--resume", &handle, "--timeout", "20"]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    let token = stored(&av)["token"].as_str().unwrap().to_string();
    assert!(accepted(&peer, &token));
    assert!(!av.config_dir().join("device-logins.json").exists(), "the finished login is forgotten");
    let again = av.run(&["login", "--device", "--resume", &handle]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains(&format!("no device login {handle} is waiting here")), "{}", again.stderr);
}

/// `--method auto` with no browser here (no display, no BROWSER) picks the device grant and says
/// why; over SSH it does so even with a display.
pub fn auto_picks_the_device_grant_without_a_browser(kind: PeerKind) {
    let Some(peer) = start(kind, 30, &[], None) else { return };
    let mut av = agentview(&peer);
    av.set("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22").set("DISPLAY", ":0");
    let live = Live::start(&av, &["login", "--timeout", "20"]);
    live.wait_for("Approve only a login you started yourself", LIMIT);
    let stderr = live.stderr();
    assert!(stderr.contains("Logging in with a code on another device"), "{stderr}");
    let shown = shown(&stderr);
    person(&av, &shown, "alice", true);
    let run = live.finish(LIMIT);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    assert_eq!(stored(&av)["oauth"]["device"], true);
}

/// One registration serves both logins: the browser's asks for the device grant beside its own
/// where the server offers it, and a device login after it reuses that registration.
pub fn a_browser_login_registers_for_the_device_grant_too(kind: PeerKind) {
    let Some(peer) = start(kind, 30, &[], None) else { return };
    let browser = peer.agentview();
    let run = browser.run(&["login", "--method", "oauth", "--timeout", "15"]);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    let registrations = || -> Vec<Value> {
        peer.requests().into_iter().filter(|r| r["registration"].is_object() && r["status"] == 201).collect()
    };
    let first = registrations();
    assert_eq!(first.len(), 1, "{first:?}");
    let grants = &first[0]["registration"]["grant_types"];
    assert!(grants.as_array().is_some_and(|g| g.iter().any(|g| g == DEVICE_CODE)), "{grants}");
    let client_id = stored(&browser)["oauth"]["client_id"].as_str().unwrap().to_string();
    let mut av = agentview(&peer);
    av.set("AGENTVIEW_CONFIG_DIR", &browser.config_dir().display().to_string());
    let (live, shown) = started(&av, &["--force"]);
    person(&av, &shown, "alice", true);
    let run = live.finish(LIMIT);
    assert_eq!(run.code, 0, "{}", explain(&run, &peer));
    assert_eq!(registrations().len(), 1, "the device login reused the browser's registration");
    assert_eq!(stored(&browser)["oauth"]["client_id"], client_id.as_str());
    assert_eq!(stored(&browser)["oauth"]["device"], true);
}
