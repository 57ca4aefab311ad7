//! A real browser approves the login: headless Chromium is the `BROWSER`, and the test clicks
//! Approve on the server's page through the DevTools Protocol, as a person would with a mouse.
//! Without Chromium it is skipped, unless AGENTVIEW_REQUIRE_BROWSER=1.
//! AGENTVIEW_SCREENSHOT=<file.png> saves a picture of the approval page.
//! Unix: the launcher is a shell script, and the browser is stopped with SIGTERM.
#![cfg(unix)]

use crate::support;
use crate::support::cdp;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use support::cli::{Agentview, script, wait_until};
use support::server::{AuthStatus, OAuthConfig, ServerConfig, TestServer};

/// Chromium on PATH, if any.
fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

#[allow(clippy::print_stderr)]
fn chromium_or_skip() -> Option<PathBuf> {
    let found = find_chromium();
    if found.is_none() {
        support::cli::skip("AGENTVIEW_REQUIRE_BROWSER", "chromium is not installed (.ci/setup installs it)");
    }
    found
}

/// Stops the browser the launcher started, whatever happens in the test.
struct Browser {
    pid_file: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let Some(pid) = std::fs::read_to_string(&self.pid_file).ok().map(|s| s.trim().to_string()) else { return };
        if let Ok(pid) = pid.parse() {
            support::cli::send_signal(pid, "TERM");
        }
        let stat = format!("/proc/{pid}/stat");
        // Its profile lives in the test's temp dir: let it exit before that is removed.
        let _ = support::cli::try_wait_until(Duration::from_secs(5), || {
            std::fs::read_to_string(&stat).map_or(true, |s| s.contains(") Z ")).then_some(())
        });
    }
}

/// The DevTools port Chromium wrote into its profile.
fn devtools_port(profile: &Path) -> u16 {
    wait_until("Chromium's DevToolsActivePort", Duration::from_secs(30), || {
        let text = std::fs::read_to_string(profile.join("DevToolsActivePort")).ok()?;
        text.lines().next()?.trim().parse().ok()
    })
}

/// What a login's approval page is and says, and what the browser shows after Approve.
struct Page<'a> {
    /// Part of the page's URL.
    url_part: &'a str,
    /// Texts the page must show.
    shows: &'a [&'a str],
    /// Text of the page the browser ends at.
    done: &'a str,
}

/// Find the login page, check what it shows, click Approve, wait for the answer page.
fn approve_in_browser(profile: &Path, expected: &Page<'_>) -> String {
    let port = devtools_port(profile);
    let ws = wait_until("the login page to open", Duration::from_secs(30), || {
        let targets = cdp::http_json(port, "/json/list").ok()?;
        let page = targets
            .as_array()?
            .iter()
            .find(|t| t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.contains(expected.url_part)))?;
        page["webSocketDebuggerUrl"].as_str().map(str::to_string)
    });
    let mut page = cdp::Cdp::connect(&ws).expect("DevTools connection to the page");
    let ready = "document.readyState === 'complete' && !!document.querySelector('#approve')";
    wait_until("the approval page to load", Duration::from_secs(30), || {
        page.evaluate(ready).ok().filter(|v| *v == json!(true))
    });
    let text = page.evaluate("document.body.innerText").expect("page text");
    let text = text.as_str().expect("text").to_string();
    for needle in expected.shows {
        assert!(text.contains(needle), "the approval page shows {needle:?}:\n{text}");
    }
    if let Ok(path) = std::env::var("AGENTVIEW_SCREENSHOT") {
        let shot = page.call("Page.captureScreenshot", json!({"format": "png"})).expect("screenshot");
        std::fs::write(&path, cdp::base64_decode(shot["data"].as_str().expect("data"))).expect("write screenshot");
    }
    let no_external = "[...document.querySelectorAll('[src],link[href]')].length === 0";
    assert_eq!(page.evaluate(no_external).expect("evaluate"), json!(true), "the page loads nothing external");

    // A real mouse click in the middle of the button: it must be visible and not covered.
    let rect = page
        .evaluate(
            "(() => { const r = document.querySelector('#approve').getBoundingClientRect(); \
                   return {x: r.x + r.width / 2, y: r.y + r.height / 2, w: r.width, h: r.height}; })()",
        )
        .expect("button position");
    assert!(rect["w"].as_f64() > Some(0.0) && rect["h"].as_f64() > Some(0.0), "Approve is visible: {rect}");
    let hit = format!("document.elementFromPoint({}, {})?.id", rect["x"], rect["y"]);
    assert_eq!(page.evaluate(&hit).expect("hit test"), json!("approve"), "nothing covers Approve");
    for kind in ["mousePressed", "mouseReleased"] {
        let event = json!({"type": kind, "x": rect["x"], "y": rect["y"], "button": "left", "clickCount": 1});
        page.call("Input.dispatchMouseEvent", event).expect("click");
    }
    let answer = wait_until("the page after approving", Duration::from_secs(30), || {
        let text = page.evaluate("document.readyState === 'complete' ? document.body.innerText : ''").ok()?;
        text.as_str().filter(|t| t.contains(expected.done)).map(str::to_string)
    });
    close(port);
    answer
}

/// Ask the browser to quit (the Drop guard kills it if this does not work).
fn close(port: u16) {
    let Ok(version) = cdp::http_json(port, "/json/version") else { return };
    if let Some(Ok(mut browser)) = version["webSocketDebuggerUrl"].as_str().map(cdp::Cdp::connect) {
        let _ = browser.call("Browser.close", Value::Null);
    }
}

/// agentview whose BROWSER is headless Chromium with DevTools, and the guard that stops it.
fn with_chromium(chromium: &Path, server: &TestServer) -> (Agentview, Browser, PathBuf, PathBuf) {
    let mut av = Agentview::new(&server.mcp_url());
    let profile = av.dir.path().join("chromium-profile");
    let pid_file = av.dir.path().join("chromium.pid");
    let log = av.dir.path().join("chromium.log");
    let launcher = script(
        av.dir.path(),
        "browser",
        &format!(
            "echo $$ > '{pid}'\nexec '{chromium}' --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
             --disable-background-networking --disable-component-update --disable-sync \
             --user-data-dir='{profile}' --remote-debugging-port=0 --window-size=900,700 \"$1\" > '{log}' 2>&1",
            pid = pid_file.display(),
            chromium = chromium.display(),
            profile = profile.display(),
            log = log.display(),
        ),
    );
    av.set("BROWSER", &launcher.display().to_string());
    (av, Browser { pid_file }, profile, log)
}

#[test]
fn chromium_approves_the_login() {
    let Some(chromium) = chromium_or_skip() else { return };
    let server = TestServer::start(ServerConfig::default());
    let (av, _browser, profile, log) = with_chromium(&chromium, &server);
    let agent = concat!("agentview/", env!("CARGO_PKG_VERSION"));
    let page = Page {
        url_part: "/login/",
        shows: &["Approve sign-in to agentView", agent, "Expires", "only if you started"],
        done: "approved",
    };

    let (run, answer) = std::thread::scope(|scope| {
        let login = scope.spawn(|| av.run(&["login", "--method", "session", "--timeout", "50"]));
        let clicked = std::panic::catch_unwind(|| approve_in_browser(&profile, &page));
        if clicked.is_err() {
            // End the waiting login at once instead of at its timeout, then report the failure.
            server.sessions().iter().for_each(|s| _ = server.deny(&s.id));
        }
        let run = login.join().expect("login thread");
        (run, clicked.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    let chromium_log = std::fs::read_to_string(&log).unwrap_or_default();
    let run = run.expect_code(0);
    assert!(answer.contains("return to the terminal"), "{answer}");
    assert!(run.stderr.contains("Opened the login page"), "{}\n--- chromium\n{chromium_log}", run.stderr);
    let session = &server.sessions()[0];
    assert_eq!(session.status, AuthStatus::Active);
    let token = server.token_for(&session.id).expect("token");
    run.assert_no_leak(&token);
    assert_eq!(av.token(), token);
}

/// The OAuth login in a real browser: the approval page's form posts, the authorization server
/// redirects, and Chromium follows the redirect to agentview's loopback listener.
#[test]
fn chromium_approves_an_oauth_login_and_lands_on_the_loopback_listener() {
    let Some(chromium) = chromium_or_skip() else { return };
    let server = TestServer::start(ServerConfig { oauth: Some(OAuthConfig::default()), ..ServerConfig::default() });
    let (av, _browser, profile, log) = with_chromium(&chromium, &server);
    let page =
        Page { url_part: "/authorize", shows: &["Allow access to agentView?", "agentview"], done: "close this tab" };

    let (run, answer) = std::thread::scope(|scope| {
        let login = scope.spawn(|| av.run(&["login", "--timeout", "50"]));
        let clicked = std::panic::catch_unwind(|| approve_in_browser(&profile, &page));
        if clicked.is_err() {
            let _ = server.deny_pending_authorization();
        }
        let run = login.join().expect("login thread");
        (run, clicked.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    let chromium_log = std::fs::read_to_string(&log).unwrap_or_default();
    let run = run.expect_code(0);
    assert!(answer.contains("Signed in"), "{answer}");
    assert!(run.stderr.contains("Logging in with OAuth"), "{}\n--- chromium\n{chromium_log}", run.stderr);
    let token = av.token();
    assert!(server.access_token_valid(&token));
    run.assert_no_leak(&token);
}
