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
//! trusting a workload platform, gets the workload logins. Better Auth's OAuth provider plugin
//! gets the login, renewal, per-token revocation, a restart that forgets the client, and a
//! mistyped client id and redirect URI. The device authorization grants of
//! oidc-provider and Authlib, and the models of company identity providers (Entra ID, Google,
//! Auth0, Okta, on oidc-provider), get smoke tests at the HTTP level: each rule they enforce is
//! shown refusing what the provider refuses (tests/peers/README.md cites where each rule comes
//! from); both device grants also get `agentview login --device` end to end. oidc-provider's
//! resource server with a tool that needs one more scope shows the bridge asking for it.
#![allow(clippy::unwrap_used)]

use crate::support;

mod auth0;
mod better_auth;
mod client_credentials;
mod device;
mod device_login;
mod entra;
mod google;
mod login;
mod okta;
mod person;
mod preregistered;
mod profiles;
mod reference;
mod refresh;
mod restart;
mod revoke;
mod step_up;
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
            super::reference::a_reference_client_completes_the_flow => the_peer_works_with_a_reference_client,
            super::login::login_stores_a_token_the_server_accepts => login_stores_a_token_the_server_accepts,
            super::refresh::a_due_token_is_renewed_after_it_expired => a_due_token_is_renewed_after_it_expired,
            super::revoke::logout_revokes_at_the_server => logout_revokes_at_the_server,
            super::preregistered::a_preregistered_client_logs_in_with_its_redirect_uri
                => a_preregistered_client_logs_in_with_its_redirect_uri,
            super::restart::a_restarted_server_that_forgot_its_clients => a_restarted_server_that_forgot_its_clients,
        );
    };
}

mod fastmcp_4_1 {
    use crate::support::peers::PeerKind;
    common!(PeerKind::FastMcpPinned);
    scenarios!(PeerKind::FastMcpPinned;
        super::refresh::eight_concurrent_callers_refresh_once => eight_concurrent_callers_refresh_once);
}

mod fastmcp_4_2 {
    use crate::support::peers::PeerKind;
    common!(PeerKind::FastMcpNewest);
    scenarios!(PeerKind::FastMcpNewest;
        super::refresh::eight_concurrent_callers_refresh_once => eight_concurrent_callers_refresh_once);
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
        super::refresh::eight_concurrent_callers_refresh_once => eight_concurrent_callers_refresh_once,
        super::login::registration_leaves_out_scopes_the_provider_does_not_list
            => registration_leaves_out_scopes_the_provider_does_not_list);
    // Logins without a person: the client credentials grant for pre-registered clients.
    scenarios!(PeerKind::OidcProvider;
        super::client_credentials::a_reference_client_gets_a_token
            => client_credentials_work_with_a_reference_client,
        super::client_credentials::a_secret_by_basic_gets_a_token_the_server_accepts
            => client_credentials_with_a_secret_by_basic,
        super::client_credentials::a_secret_in_the_form_where_the_provider_prefers_it
            => client_credentials_with_a_secret_in_the_form,
        super::client_credentials::an_rsa_key_signs_each_request => client_credentials_with_an_rsa_key,
        super::client_credentials::an_ec_key_signs_es256_with_its_kid => client_credentials_with_an_ec_key,
        super::client_credentials::a_key_whose_algorithm_the_provider_does_not_take_sends_nothing
            => client_credentials_with_a_key_the_provider_cannot_check_send_nothing,
        super::client_credentials::the_client_in_the_environment_needs_no_login_and_renews
            => client_credentials_in_the_environment_need_no_login_and_renew,
        super::client_credentials::a_wrong_secret_exits_4_and_stores_nothing
            => client_credentials_with_a_wrong_secret_exit_4_and_store_nothing,
        super::client_credentials::logout_with_a_key_authenticates_at_the_revocation_endpoint
            => client_credentials_logout_with_a_key_authenticates_at_revocation,
        super::client_credentials::an_assertion_file_is_read_again_at_every_renewal
            => client_credentials_with_an_assertion_file_read_again_at_renewal);
}

/// Better Auth answers refusals in shapes of its own (a redirect to its error page, or JSON naming
/// it with HTTP 200) and logs requests without their form fields: scenarios of its own.
mod better_auth_provider {
    use crate::support::peers::PeerKind;
    scenarios!(PeerKind::BetterAuth;
        super::better_auth::login_renewal_and_logout => login_renewal_and_logout,
        super::better_auth::a_restart_forgets_the_client => a_restart_forgets_the_client,
        super::better_auth::a_mistyped_client_id_is_refused_at_once => a_mistyped_client_id_is_refused_at_once,
        super::better_auth::a_mistyped_redirect_uri_is_refused_at_once => a_mistyped_redirect_uri_is_refused_at_once);
}

mod authlib_workload {
    use crate::support::peers::PeerKind;
    scenarios!(PeerKind::AuthlibWorkload;
        super::workload::the_token_alone_logs_in_and_renews => workload_token_alone_logs_in_and_renews,
        super::workload::the_token_endpoint_as_audience_in_the_environment
            => workload_token_endpoint_as_audience_in_the_environment,
        super::workload::a_forged_token_is_refused_once => workload_forged_token_is_refused_once);
}

/// The device authorization grant (RFC 8628), the same scenarios for both servers.
macro_rules! device {
    ($kind:expr) => {
        scenarios!($kind;
            super::device::registration_decides_who_may_use_the_device_endpoint
                => registration_decides_who_may_use_the_device_endpoint,
            super::device::a_person_approves_and_the_token_works => a_person_approves_and_the_token_works,
            super::device::slow_down_lengthens_the_interval => slow_down_lengthens_the_interval,
            super::device::a_person_denies => a_person_denies,
            super::device::an_unapproved_code_expires => an_unapproved_code_expires);
        // agentview's device login, end to end.
        scenarios!($kind;
            super::device_login::a_person_approves_and_the_token_works_renews_and_is_revoked
                => login_device_approved_token_works_renews_and_is_revoked,
            super::device_login::a_person_denies => login_device_denied,
            super::device_login::slow_down_lengthens_the_interval => login_device_slow_down,
            super::device_login::an_unapproved_code_expires => login_device_expires,
            super::device_login::a_client_registered_without_the_grant_says_what_to_ask_for
                => login_device_client_without_the_grant,
            super::device_login::a_kept_registration_without_the_grant_is_registered_again
                => login_device_kept_registration_without_the_grant,
            super::device_login::no_wait_then_resume => login_device_no_wait_then_resume,
            super::device_login::auto_picks_the_device_grant_without_a_browser => login_auto_picks_the_device_grant);
        #[cfg(unix)]
        scenarios!($kind; super::device_login::ctrl_c_during_the_wait => login_device_ctrl_c);
    };
}

mod oidc_device {
    use crate::support::peers::PeerKind;
    device!(PeerKind::OidcDevice);
    // Authlib's has no authorization endpoint: no browser login to register for.
    scenarios!(PeerKind::OidcDevice;
        super::device_login::a_browser_login_registers_for_the_device_grant_too
            => login_in_the_browser_registers_for_the_device_grant_too);
}

mod authlib_device {
    use crate::support::peers::PeerKind;
    device!(PeerKind::AuthlibDevice);
}
