//! The ways people and programs use agentview, on the real binary against the local server:
//! the two-step login, `exec`, `login --with-token`, colours, `-v`, help, and the first steps.

use crate::support;

mod exec;
mod first_steps;
mod messages;
mod stores;
mod two_step;
mod with_token;

use support::cli::Agentview;
use support::server::TestServer;

/// A server that approves every login on its second poll.
fn approving_server() -> TestServer {
    TestServer::start(support::fixture::approving())
}

/// Log in through the server; returns the token it issued.
fn logged_in(server: &TestServer, av: &Agentview) -> String {
    av.run(&["login", "--no-browser"]).expect_code(0);
    let id = server.sessions().last().expect("a login session").id.clone();
    server.token_for(&id).expect("the server issued a token")
}

/// Make `av`'s keyring unusable: the Secret Service backend on a bus that does not exist.
fn broken_keyring(av: &mut Agentview) {
    av.set("AGENTVIEW_KEYRING_BACKEND", "secret-service").set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
}
