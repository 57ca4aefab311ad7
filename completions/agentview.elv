
use builtin;
use str;

set edit:completion:arg-completer[agentview] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'agentview'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'agentview'= {
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Log in: open the login page, wait for approval, store the credential'
            cand token 'Print the stored credential for the server on stdout'
            cand status 'Show whether you are logged in, where the credential comes from, and until when'
            cand logout 'Revoke the credential at the server (OAuth) and remove it from the stores'
            cand switch 'Make NAME the server''s active account; without NAME, list its accounts (and with --server, remember that server as the default for later commands)'
            cand config 'The settings kept per server in config.toml, as they apply'
            cand mcp-config 'Print a ready-to-paste MCP client configuration for the server'
            cand exec 'Run a command with the credential in its environment as AGENTVIEW_TOKEN'
            cand bridge 'Serve the MCP server on stdio for MCP clients that start a command (they run it; see mcp-config), with a fresh token on every request'
            cand completions 'Print shell completions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentview;login'= {
            cand --timeout 'Give up waiting after this long: 90, 90s, 5m, 1h (the server''s own login window still applies; the shorter one ends the wait)'
            cand --resume 'Finish a login started with --no-wait: wait for approval and store the credential (a session id, or a device login''s handle; "-" reads it from stdin, keeping it out of `ps`)'
            cand --agent 'Agent identifier sent to the server [default: agentview/<version>]'
            cand --scope 'Scope to request, when the server supports scopes'
            cand --method 'How to log in: OAuth 2.1 in the browser, the server''s login tools, or the best the server and this machine allow [env: AGENTVIEW_LOGIN_METHOD] [default: auto]'
            cand --client-id 'OAuth: a client id registered with the authorization server beforehand (a confidential client''s secret comes from AGENTVIEW_CLIENT_SECRET or --client-secret-stdin) [env: AGENTVIEW_CLIENT_ID, with --client-credentials]'
            cand --client-metadata-url 'OAuth: an https URL of agentview''s Client ID Metadata Document, used as the client id where the authorization server supports it'
            cand --callback-port 'OAuth: listen for the browser''s redirect on this port of 127.0.0.1 (e.g. for ssh -L) [default: any free port]'
            cand --redirect-uri 'OAuth: the exact redirect URI registered for your client, http://127.0.0.1[:PORT]/PATH or http://localhost[:PORT]/PATH; without a port, any free one [env: AGENTVIEW_REDIRECT_URI] [default: http://127.0.0.1/callback for --client-id and --client-metadata-url]'
            cand --resource 'OAuth: the `resource` the requests carry (RFC 8707): `omit` leaves it out (Microsoft Entra ID refuses it beside its scopes), a URI sends that one [default: the one the server''s metadata publishes; none at Microsoft Entra ID]'
            cand --authorize-param 'OAuth: an extra parameter of the authorization request, over those the provider''s profile adds (audience=API for Auth0, access_type=offline for Google, domain_hint=…); an empty VALUE leaves the parameter out; repeatable'
            cand --login-hint 'OAuth: the account to sign in as, offered by the sign-in page (login_hint: an e-mail address or user name)'
            cand --workload-token-file 'Log in as a workload with no person and no browser: the JWT its platform issued it (a CI provider''s OIDC token, a Kubernetes service account token) in FILE is the grant itself (workload identity federation, RFC 7523); read again at every renewal. --client-id only where the authorization server wants one (`token` and `exec` need no login with AGENTVIEW_WORKLOAD_TOKEN_FILE set)'
            cand --client-key 'Client credentials, --idp: the client''s PEM private key (RSA, EC P-256 or P-384), which signs a short-lived assertion for every request (private_key_jwt); read again at every renewal [env: AGENTVIEW_CLIENT_KEY]'
            cand --client-key-id 'The key id (kid) the client''s assertions name, where the server wants one [env: AGENTVIEW_CLIENT_KEY_ID]'
            cand --client-assertion-file 'Client credentials, --idp: a file holding a JWT someone else issued for the client (a CI provider''s OIDC token: workload identity), read again at every renewal [env: AGENTVIEW_CLIENT_ASSERTION_FILE]'
            cand --idp 'Enterprise-managed authorization: sign in once at your company''s identity provider ISSUER; each server''s token then comes from it without a browser (token exchange, then the JWT-bearer grant as --client-id)'
            cand --idp-client-id 'agentview''s client id at the identity provider (its secret, where it has one, from AGENTVIEW_IDP_CLIENT_SECRET)'
            cand --id-token-file '--idp: an ID token from the identity provider obtained elsewhere (an SSO agent) instead of signing in; read again at every renewal'
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand --no-browser 'Print the login URL but do not open a browser'
            cand --force 'Log in again even if a valid credential is stored'
            cand --print-token 'After storing, print the token (only) on stdout'
            cand --json 'Print a JSON summary on stdout (never the token unless --print-token)'
            cand --no-wait 'Start the login (the session tools'', or with --device a device login), print a handshake (with --json: a JSON document on stdout) and exit at once; finish later with --resume'
            cand --device 'Log in with a code entered on another device (a phone, a laptop): the OAuth device authorization grant, for machines no browser can reach (SSH, containers); the same as --method device'
            cand --qr 'Device login: also draw the address as a QR code in the terminal, for a phone''s camera'
            cand --with-token 'Read a token from stdin and store it (for CI secrets); no server call'
            cand --client-secret-stdin 'OAuth: read the --client-id''s secret from stdin (never from argv)'
            cand --fresh-client 'OAuth: forget the registration kept for the authorization server and register again (after the server was reset and no longer knows agentview)'
            cand --no-verify 'Do not check the new token at the server before saying "Logged in" (for a server that cannot be reached from where the login runs)'
            cand --client-credentials 'Log in as the client --client-id itself, with no person and no browser: the OAuth client credentials grant (CI, services); the secret from AGENTVIEW_CLIENT_SECRET or --client-secret-stdin, or --client-key, or --client-assertion-file'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentview;token'= {
            cand --format 'Output format'
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentview;status'= {
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand --json 'Print a JSON document on stdout'
            cand --check 'Ask the server whether it still accepts the credential (exit 4 if not, 7 if unreachable)'
            cand --all 'List every stored credential, for every server (never a token)'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentview;logout'= {
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand --local 'Only remove the local copy; do not revoke the tokens at the authorization server'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentview;switch'= {
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand --json 'Print the server''s accounts as a JSON document on stdout'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentview;config'= {
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand show 'Print the settings a login to the server would use, and where each came from (flag, environment variable, config.toml line, the active account, default)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentview;config;show'= {
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand --json 'Print a JSON document on stdout'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentview;config;help'= {
            cand show 'Print the settings a login to the server would use, and where each came from (flag, environment variable, config.toml line, the active account, default)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentview;config;help;show'= {
        }
        &'agentview;config;help;help'= {
        }
        &'agentview;mcp-config'= {
            cand --name 'The server''s name in the client''s configuration'
            cand --via 'For clients that start a command: what that command is'
            cand --launcher 'How the client starts agentview'
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentview;exec'= {
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentview;bridge'= {
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand --no-login 'Never start a login: without a usable credential, each request is answered with the command that logs in (a credential from the environment never starts one either)'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentview;completions'= {
            cand --server 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]'
            cand --account 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]'
            cand --store 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]'
            cand --config-dir 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]'
            cand -H 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --header 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv'
            cand --color 'When to use colours in messages [default: auto]'
            cand -q 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand --quiet 'Hide progress and success messages; errors, warnings and the login URL still show'
            cand -v 'Show each request and response status (secrets redacted)'
            cand --verbose 'Show each request and response status (secrets redacted)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'agentview;help'= {
            cand login 'Log in: open the login page, wait for approval, store the credential'
            cand token 'Print the stored credential for the server on stdout'
            cand status 'Show whether you are logged in, where the credential comes from, and until when'
            cand logout 'Revoke the credential at the server (OAuth) and remove it from the stores'
            cand switch 'Make NAME the server''s active account; without NAME, list its accounts (and with --server, remember that server as the default for later commands)'
            cand config 'The settings kept per server in config.toml, as they apply'
            cand mcp-config 'Print a ready-to-paste MCP client configuration for the server'
            cand exec 'Run a command with the credential in its environment as AGENTVIEW_TOKEN'
            cand bridge 'Serve the MCP server on stdio for MCP clients that start a command (they run it; see mcp-config), with a fresh token on every request'
            cand completions 'Print shell completions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'agentview;help;login'= {
        }
        &'agentview;help;token'= {
        }
        &'agentview;help;status'= {
        }
        &'agentview;help;logout'= {
        }
        &'agentview;help;switch'= {
        }
        &'agentview;help;config'= {
            cand show 'Print the settings a login to the server would use, and where each came from (flag, environment variable, config.toml line, the active account, default)'
        }
        &'agentview;help;config;show'= {
        }
        &'agentview;help;mcp-config'= {
        }
        &'agentview;help;exec'= {
        }
        &'agentview;help;bridge'= {
        }
        &'agentview;help;completions'= {
        }
        &'agentview;help;help'= {
        }
    ]
    $completions[$command]
}
