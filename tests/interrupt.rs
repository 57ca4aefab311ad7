//! Ctrl-C (a real SIGINT) at each stage of a login: exit 130, the MCP session is ended, and the
//! credentials file holds either what it held before or a complete new entry, never half of one.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::cli::{Agentview, Run};
use support::fixture::{Live, OLD_TOKEN, OTHER_SERVER, OTHER_TOKEN, approving, assert_untouched, seed, stored_tokens};
use support::server::{Fault, Match, ServerConfig, TestServer};

/// `done` turned true (a bool check for the shared poller).
fn wait_until(what: &str, limit: Duration, done: impl Fn() -> bool) {
    support::cli::wait_until(what, limit, || done().then_some(()));
}

fn ended_session(server: &TestServer, run: &Run) {
    assert_eq!(run.code, 130, "exit code\n--- stderr\n{}", run.stderr);
    assert!(
        server.requests().iter().any(|r| r.http_method == "DELETE" && r.session_id.is_some()),
        "the MCP session was ended with DELETE\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn interrupt_during_create() {
    let server = TestServer::start(ServerConfig::default());
    server.push_fault(Fault::Slow {
        on: Match::Tool("create_auth_session".into()),
        delay: Duration::from_secs(20),
        count: 1,
    });
    let av = Agentview::new(&server.mcp_url());
    let before = seed(&av, &server.mcp_url());
    let live = Live::start(&av, &["login", "--no-browser", "--force"]);
    // The request reached the server, which holds its answer back: agentview waits for it.
    wait_until("create_auth_session", Duration::from_secs(20), || {
        server.requests().iter().any(|r| r.tool.as_deref() == Some("create_auth_session"))
    });
    live.interrupt();
    let run = live.finish(Duration::from_secs(10));
    ended_session(&server, &run);
    assert!(run.stderr.contains("interrupted; nothing was stored"), "{}", run.stderr);
    assert_untouched(&av, &before, &run);
}

/// Start a login, let it poll, stop it with `stop`; it must end like Ctrl-C.
fn stopped_while_polling(stop: impl FnOnce(&Live)) {
    let server = TestServer::start(ServerConfig::default());
    let av = Agentview::new(&server.mcp_url());
    let before = seed(&av, &server.mcp_url());
    let live = Live::start(&av, &["login", "--no-browser", "--force"]);
    live.wait_for("/login/", Duration::from_secs(20));
    wait_until("a few polls", Duration::from_secs(20), || server.calls().get >= 3);
    stop(&live);
    let run = live.finish(Duration::from_secs(10));
    ended_session(&server, &run);
    assert!(run.stderr.contains("interrupted; nothing was stored"), "{}", run.stderr);
    assert_untouched(&av, &before, &run);
    assert_eq!(server.sessions().len(), 1);
}

#[test]
fn interrupt_while_polling() {
    stopped_while_polling(Live::interrupt);
}

#[test]
fn sigterm_while_polling_cleans_up_like_ctrl_c() {
    stopped_while_polling(Live::terminate);
}

#[test]
fn interrupt_while_waiting_for_the_store_lock() {
    let server = TestServer::start(approving());
    let av = Agentview::new(&server.mcp_url());
    seed(&av, &server.mcp_url());
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(av.config_dir().join("credentials.json.lock"))
        .expect("lock file");
    lock.lock().expect("hold the store lock");
    let live = Live::start(&av, &["login", "--no-browser", "--force"]);
    wait_until("approval", Duration::from_secs(20), || {
        server.sessions().first().is_some_and(|s| s.status == "active" && s.polls >= 2)
    });
    reach_the_lock_and_interrupt(&live, &av.config_dir().join("credentials.json.lock"));
    lock.unlock().expect("release the store lock");
    let run = live.finish(Duration::from_secs(20));
    ended_session(&server, &run);
    // The save had begun: it completes, and the user is told so.
    assert!(run.stderr.contains("the credential had already been stored completely"), "{}", run.stderr);
    let token = server.token_for(&server.sessions()[0].id).expect("token");
    let mut tokens = stored_tokens(&av);
    tokens.sort();
    let mut want = vec![(OTHER_SERVER.to_string(), OTHER_TOKEN.to_string()), (server.mcp_url(), token.clone())];
    want.sort();
    assert_eq!(tokens, want, "a complete new entry, the other one untouched");
    assert_ne!(token, OLD_TOKEN);
    assert_eq!(av.token(), token, "the stored entry is usable");
}

/// Wait until the approved login waits for the store's lock at `lock` (its save has begun), then
/// interrupt it, and return once it has taken the signal. Linux: the save holds the lock file
/// open while it tries to take the lock (a reader never opens it), and /proc shows the signal
/// taken (`Live::interrupt_and_wait_until_taken`).
#[cfg(target_os = "linux")]
fn reach_the_lock_and_interrupt(live: &Live, lock: &std::path::Path) {
    wait_until("the save waiting for the lock", Duration::from_secs(20), || live.holds_open(lock));
    live.interrupt_and_wait_until_taken(Duration::from_secs(10));
}

/// Elsewhere agentview shows neither state yet (no /proc; a `-v` line for each would do): the
/// save is given time to reach the lock, and the signal time to be taken.
#[cfg(not(target_os = "linux"))]
fn reach_the_lock_and_interrupt(live: &Live, _lock: &std::path::Path) {
    std::thread::sleep(Duration::from_millis(400));
    live.interrupt();
    std::thread::sleep(Duration::from_millis(300));
}

/// A keyring that takes the connection and never answers (a locked Secret Service waiting on an
/// unlock prompt looks the same): Ctrl-C ends the login at once, not after the keyring's timeout,
/// and nothing reaches the server.
#[test]
fn interrupt_while_the_keyring_does_not_answer() {
    let server = TestServer::start(ServerConfig::default());
    let mut av = Agentview::new(&server.mcp_url());
    let bus = av.dir.path().join("silent-bus");
    let listener = std::os::unix::net::UnixListener::bind(&bus).expect("a socket");
    let (asked, asking) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for connection in listener.incoming().flatten() {
            held.push(connection);
            let _ = asked.send(());
        }
    });
    av.set("AGENTVIEW_STORE", "keyring")
        .set("AGENTVIEW_KEYRING_BACKEND", "secret-service")
        .set("DBUS_SESSION_BUS_ADDRESS", &format!("unix:path={}", bus.display()))
        .set("AGENTVIEW_KEYRING_TIMEOUT", "120");
    // Without --force the keyring is read first (is there a credential already?), with --force
    // it is only probed for the save.
    for args in [&["login", "--no-browser"][..], &["login", "--no-browser", "--force"]] {
        let live = Live::start(&av, args);
        asking.recv_timeout(Duration::from_secs(20)).expect("agentview asks the keyring");
        live.interrupt();
        let run = live.finish(Duration::from_secs(20));
        assert_eq!(run.code, 130, "{args:?}: exit code\n--- stderr\n{}", run.stderr);
        assert!(run.stderr.contains("interrupted; nothing was stored"), "{args:?}: {}", run.stderr);
        assert!(server.requests().is_empty(), "{args:?}: nothing was sent to the server");
    }
}
