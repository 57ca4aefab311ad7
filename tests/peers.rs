//! End to end against servers nobody here wrote (installed by .ci/peers; skipped where they are
//! not, failed instead with AGENTVIEW_REQUIRE_PEERS=1): FastMCP 4.1.7 and 4.2.3 (the MCP Python
//! SDK's authorization server), the TypeScript SDK's example server with --oauth-strict, and
//! oidc-provider configured strictly behind an MCP resource server. Each peer gets the same
//! scenarios: the login, refresh when due (once for eight callers), revocation at logout, a
//! pre-registered client with its exact redirect URI, and a restart that forgets every client.
//! A reference client (curl, by the specifications) first shows each peer works, so a failure of
//! agentview's scenario is agentview's. oidc-provider also gets the logins without a person: the
//! client credentials grant with a secret (HTTP Basic, the form), a private key (RSA, EC), an
//! assertion file, the client in the environment, a wrong secret. Authlib's JWT-bearer grant,
//! trusting a workload platform, gets the workload logins. The device authorization grants of
//! oidc-provider and Authlib, and the models of company identity providers (Entra ID, Google,
//! Auth0, Okta, on oidc-provider), get smoke tests at the HTTP level: each rule they enforce is
//! shown refusing what the provider refuses (tests/peers/README.md cites where each rule comes
//! from); both device grants also get `agentview login --device` end to end.
#![allow(clippy::unwrap_used)]

pub mod support;

#[path = "peers/auth0.rs"]
mod auth0;
#[path = "peers/client_credentials.rs"]
mod client_credentials;
#[path = "peers/device.rs"]
mod device;
#[path = "peers/device_login.rs"]
mod device_login;
#[path = "peers/entra.rs"]
mod entra;
#[path = "peers/google.rs"]
mod google;
#[path = "peers/login.rs"]
mod login;
#[path = "peers/okta.rs"]
mod okta;
#[path = "peers/person.rs"]
mod person;
#[path = "peers/preregistered.rs"]
mod preregistered;
#[path = "peers/profiles/mod.rs"]
mod profiles;
#[path = "peers/reference.rs"]
mod reference;
#[path = "peers/refresh.rs"]
mod refresh;
#[path = "peers/restart.rs"]
mod restart;
#[path = "peers/revoke.rs"]
mod revoke;
#[path = "peers/workload.rs"]
mod workload;

use support::cli::{Agentview, Run};
use support::peers::{Peer, explain};

/// The login's own limit: a login that cannot finish ends well within a test's time.
const LOGIN_TIMEOUT: &str = "15";

/// `agentview login --method oauth` (plus `extra`); panics with both sides' logs unless exit 0.
fn login(av: &Agentview, peer: &Peer, extra: &[&str]) -> Run {
    let mut args = vec!["login", "--method", "oauth", "--timeout", LOGIN_TIMEOUT];
    args.extend_from_slice(extra);
    let run = av.run(&args);
    assert_eq!(run.code, 0, "the login failed\n{}", explain(&run, peer));
    assert!(run.stderr.contains("Logged in to"), "{}", explain(&run, peer));
    run
}

/// A file only its owner may read (a key, an assertion, a workload token), in the test's directory.
fn private_file(av: &Agentview, name: &str, contents: &str) -> String {
    let path = av.dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path.display().to_string()
}

/// Whether the MCP endpoint took the token (any 2xx to an authenticated `initialize`).
fn accepted(peer: &Peer, token: &str) -> bool {
    (200..300).contains(&peer.mcp_status(token))
}

/// One module per peer, each with the scenarios that peer supports.
macro_rules! scenarios {
    ($kind:expr; $($scenario:path => $name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $scenario($kind)
            }
        )*
    };
}

/// The scenarios every peer gets.
macro_rules! common {
    ($kind:expr) => {
        scenarios!($kind;
            crate::reference::a_reference_client_completes_the_flow => the_peer_works_with_a_reference_client,
            crate::login::login_stores_a_token_the_server_accepts => login_stores_a_token_the_server_accepts,
            crate::refresh::a_due_token_is_renewed_after_it_expired => a_due_token_is_renewed_after_it_expired,
            crate::revoke::logout_revokes_at_the_server => logout_revokes_at_the_server,
            crate::preregistered::a_preregistered_client_logs_in_with_its_redirect_uri
                => a_preregistered_client_logs_in_with_its_redirect_uri,
            crate::restart::a_restarted_server_that_forgot_its_clients => a_restarted_server_that_forgot_its_clients,
        );
    };
}

mod fastmcp_4_1 {
    use crate::support::peers::PeerKind;
    common!(PeerKind::FastMcpPinned);
    scenarios!(PeerKind::FastMcpPinned;
        crate::refresh::eight_concurrent_callers_refresh_once => eight_concurrent_callers_refresh_once);
}

mod fastmcp_4_2 {
    use crate::support::peers::PeerKind;
    common!(PeerKind::FastMcpNewest);
    scenarios!(PeerKind::FastMcpNewest;
        crate::refresh::eight_concurrent_callers_refresh_once => eight_concurrent_callers_refresh_once);
}

mod ts_sdk_strict {
    use crate::support::peers::PeerKind;
    // Its demo authorization server issues no refresh token: nothing to renew, so no single-flight case.
    common!(PeerKind::TsSdkStrict);
}

mod oidc_provider {
    use crate::support::peers::PeerKind;
    common!(PeerKind::OidcProvider);
    scenarios!(PeerKind::OidcProvider;
        crate::refresh::eight_concurrent_callers_refresh_once => eight_concurrent_callers_refresh_once,
        crate::login::registration_leaves_out_scopes_the_provider_does_not_list
            => registration_leaves_out_scopes_the_provider_does_not_list);
    // Logins without a person: the client credentials grant for pre-registered clients.
    scenarios!(PeerKind::OidcProvider;
        crate::client_credentials::a_reference_client_gets_a_token
            => client_credentials_work_with_a_reference_client,
        crate::client_credentials::a_secret_by_basic_gets_a_token_the_server_accepts
            => client_credentials_with_a_secret_by_basic,
        crate::client_credentials::a_secret_in_the_form_where_the_provider_prefers_it
            => client_credentials_with_a_secret_in_the_form,
        crate::client_credentials::an_rsa_key_signs_each_request => client_credentials_with_an_rsa_key,
        crate::client_credentials::an_ec_key_signs_es256_with_its_kid => client_credentials_with_an_ec_key,
        crate::client_credentials::a_key_whose_algorithm_the_provider_does_not_take_sends_nothing
            => client_credentials_with_a_key_the_provider_cannot_check_send_nothing,
        crate::client_credentials::the_client_in_the_environment_needs_no_login_and_renews
            => client_credentials_in_the_environment_need_no_login_and_renew,
        crate::client_credentials::a_wrong_secret_exits_4_and_stores_nothing
            => client_credentials_with_a_wrong_secret_exit_4_and_store_nothing,
        crate::client_credentials::logout_with_a_key_authenticates_at_the_revocation_endpoint
            => client_credentials_logout_with_a_key_authenticates_at_revocation,
        crate::client_credentials::an_assertion_file_is_read_again_at_every_renewal
            => client_credentials_with_an_assertion_file_read_again_at_renewal);
}

mod authlib_workload {
    use crate::support::peers::PeerKind;
    scenarios!(PeerKind::AuthlibWorkload;
        crate::workload::the_token_alone_logs_in_and_renews => workload_token_alone_logs_in_and_renews,
        crate::workload::the_token_endpoint_as_audience_in_the_environment
            => workload_token_endpoint_as_audience_in_the_environment,
        crate::workload::a_forged_token_is_refused_once => workload_forged_token_is_refused_once);
}

/// The device authorization grant (RFC 8628), the same scenarios for both servers.
macro_rules! device {
    ($kind:expr) => {
        scenarios!($kind;
            crate::device::registration_decides_who_may_use_the_device_endpoint
                => registration_decides_who_may_use_the_device_endpoint,
            crate::device::a_person_approves_and_the_token_works => a_person_approves_and_the_token_works,
            crate::device::slow_down_lengthens_the_interval => slow_down_lengthens_the_interval,
            crate::device::a_person_denies => a_person_denies,
            crate::device::an_unapproved_code_expires => an_unapproved_code_expires);
        // agentview's device login, end to end.
        scenarios!($kind;
            crate::device_login::a_person_approves_and_the_token_works_renews_and_is_revoked
                => login_device_approved_token_works_renews_and_is_revoked,
            crate::device_login::a_person_denies => login_device_denied,
            crate::device_login::slow_down_lengthens_the_interval => login_device_slow_down,
            crate::device_login::an_unapproved_code_expires => login_device_expires,
            crate::device_login::a_client_registered_without_the_grant_says_what_to_ask_for
                => login_device_client_without_the_grant,
            crate::device_login::a_kept_registration_without_the_grant_is_registered_again
                => login_device_kept_registration_without_the_grant,
            crate::device_login::no_wait_then_resume => login_device_no_wait_then_resume,
            crate::device_login::auto_picks_the_device_grant_without_a_browser => login_auto_picks_the_device_grant);
        #[cfg(unix)]
        scenarios!($kind; crate::device_login::ctrl_c_during_the_wait => login_device_ctrl_c);
    };
}

mod oidc_device {
    use crate::support::peers::PeerKind;
    device!(PeerKind::OidcDevice);
    // Authlib's has no authorization endpoint: no browser login to register for.
    scenarios!(PeerKind::OidcDevice;
        crate::device_login::a_browser_login_registers_for_the_device_grant_too
            => login_in_the_browser_registers_for_the_device_grant_too);
}

mod authlib_device {
    use crate::support::peers::PeerKind;
    device!(PeerKind::AuthlibDevice);
}
