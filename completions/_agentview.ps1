
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'agentview' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'agentview'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'agentview' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in: open the login page, wait for approval, store the credential')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the stored credential for the server on stdout')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether you are logged in, where the credential comes from, and until when')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke the credential at the server (OAuth) and remove it from the stores')
            [CompletionResult]::new('switch', 'switch', [CompletionResultType]::ParameterValue, 'Make NAME the server''s active account; without NAME, list its accounts (and with --server, remember that server as the default for later commands)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'The settings kept per server in config.toml, as they apply')
            [CompletionResult]::new('mcp-config', 'mcp-config', [CompletionResultType]::ParameterValue, 'Print a ready-to-paste MCP client configuration for the server')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with the credential in its environment as AGENTVIEW_TOKEN')
            [CompletionResult]::new('bridge', 'bridge', [CompletionResultType]::ParameterValue, 'Serve the MCP server on stdio for MCP clients that start a command (they run it; see mcp-config), with a fresh token on every request')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentview;login' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up waiting after this long: 90, 90s, 5m, 1h (the server''s own login window still applies; the shorter one ends the wait)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Finish a login started with --no-wait: wait for approval and store the credential (a session id, or a device login''s handle; "-" reads it from stdin, keeping it out of `ps`)')
            [CompletionResult]::new('--agent', '--agent', [CompletionResultType]::ParameterName, 'Agent identifier sent to the server [default: agentview/<version>]')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope to request, when the server supports scopes')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'How to log in: OAuth 2.1 in the browser, the server''s login tools, or the best the server and this machine allow [env: AGENTVIEW_LOGIN_METHOD] [default: auto]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth: a client id registered with the authorization server beforehand (a confidential client''s secret comes from AGENTVIEW_CLIENT_SECRET or --client-secret-stdin) [env: AGENTVIEW_CLIENT_ID, with --client-credentials]')
            [CompletionResult]::new('--client-metadata-url', '--client-metadata-url', [CompletionResultType]::ParameterName, 'OAuth: an https URL of agentview''s Client ID Metadata Document, used as the client id where the authorization server supports it')
            [CompletionResult]::new('--callback-port', '--callback-port', [CompletionResultType]::ParameterName, 'OAuth: listen for the browser''s redirect on this port of 127.0.0.1 (e.g. for ssh -L) [default: any free port]')
            [CompletionResult]::new('--redirect-uri', '--redirect-uri', [CompletionResultType]::ParameterName, 'OAuth: the exact redirect URI registered for your client, http://127.0.0.1[:PORT]/PATH or http://localhost[:PORT]/PATH; without a port, any free one [env: AGENTVIEW_REDIRECT_URI] [default: http://127.0.0.1/callback for --client-id and --client-metadata-url]')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'OAuth: the `resource` the requests carry (RFC 8707): `omit` leaves it out (Microsoft Entra ID refuses it beside its scopes), a URI sends that one [default: the one the server''s metadata publishes; none at Microsoft Entra ID]')
            [CompletionResult]::new('--authorize-param', '--authorize-param', [CompletionResultType]::ParameterName, 'OAuth: an extra parameter of the authorization request, over those the provider''s profile adds (audience=API for Auth0, access_type=offline for Google, domain_hint=…); an empty VALUE leaves the parameter out; repeatable')
            [CompletionResult]::new('--login-hint', '--login-hint', [CompletionResultType]::ParameterName, 'OAuth: the account to sign in as, offered by the sign-in page (login_hint: an e-mail address or user name)')
            [CompletionResult]::new('--workload-token-file', '--workload-token-file', [CompletionResultType]::ParameterName, 'Log in as a workload with no person and no browser: the JWT its platform issued it (a CI provider''s OIDC token, a Kubernetes service account token) in FILE is the grant itself (workload identity federation, RFC 7523); read again at every renewal. --client-id only where the authorization server wants one (`token` and `exec` need no login with AGENTVIEW_WORKLOAD_TOKEN_FILE set)')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'Client credentials, --idp: the client''s PEM private key (RSA, EC P-256 or P-384), which signs a short-lived assertion for every request (private_key_jwt); read again at every renewal [env: AGENTVIEW_CLIENT_KEY]')
            [CompletionResult]::new('--client-key-id', '--client-key-id', [CompletionResultType]::ParameterName, 'The key id (kid) the client''s assertions name, where the server wants one [env: AGENTVIEW_CLIENT_KEY_ID]')
            [CompletionResult]::new('--client-assertion-file', '--client-assertion-file', [CompletionResultType]::ParameterName, 'Client credentials, --idp: a file holding a JWT someone else issued for the client (a CI provider''s OIDC token: workload identity), read again at every renewal [env: AGENTVIEW_CLIENT_ASSERTION_FILE]')
            [CompletionResult]::new('--idp', '--idp', [CompletionResultType]::ParameterName, 'Enterprise-managed authorization: sign in once at your company''s identity provider ISSUER; each server''s token then comes from it without a browser (token exchange, then the JWT-bearer grant as --client-id)')
            [CompletionResult]::new('--idp-client-id', '--idp-client-id', [CompletionResultType]::ParameterName, 'agentview''s client id at the identity provider (its secret, where it has one, from AGENTVIEW_IDP_CLIENT_SECRET)')
            [CompletionResult]::new('--id-token-file', '--id-token-file', [CompletionResultType]::ParameterName, '--idp: an ID token from the identity provider obtained elsewhere (an SSO agent) instead of signing in; read again at every renewal')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the login URL but do not open a browser')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Log in again even if a valid credential is stored')
            [CompletionResult]::new('--print-token', '--print-token', [CompletionResultType]::ParameterName, 'After storing, print the token (only) on stdout')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON summary on stdout (never the token unless --print-token)')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Start the login (the session tools'', or with --device a device login), print a handshake (with --json: a JSON document on stdout) and exit at once; finish later with --resume')
            [CompletionResult]::new('--device', '--device', [CompletionResultType]::ParameterName, 'Log in with a code entered on another device (a phone, a laptop): the OAuth device authorization grant, for machines no browser can reach (SSH, containers); the same as --method device')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Device login: also draw the address as a QR code in the terminal, for a phone''s camera')
            [CompletionResult]::new('--with-token', '--with-token', [CompletionResultType]::ParameterName, 'Read a token from stdin and store it (for CI secrets); no server call')
            [CompletionResult]::new('--client-secret-stdin', '--client-secret-stdin', [CompletionResultType]::ParameterName, 'OAuth: read the --client-id''s secret from stdin (never from argv)')
            [CompletionResult]::new('--fresh-client', '--fresh-client', [CompletionResultType]::ParameterName, 'OAuth: forget the registration kept for the authorization server and register again (after the server was reset and no longer knows agentview)')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Do not check the new token at the server before saying "Logged in" (for a server that cannot be reached from where the login runs)')
            [CompletionResult]::new('--client-credentials', '--client-credentials', [CompletionResultType]::ParameterName, 'Log in as the client --client-id itself, with no person and no browser: the OAuth client credentials grant (CI, services); the secret from AGENTVIEW_CLIENT_SECRET or --client-secret-stdin, or --client-key, or --client-assertion-file')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentview;token' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentview;status' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON document on stdout')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Ask the server whether it still accepts the credential (exit 4 if not, 7 if unreachable)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'List every stored credential, for every server (never a token)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentview;logout' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('--local', '--local', [CompletionResultType]::ParameterName, 'Only remove the local copy; do not revoke the tokens at the authorization server')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentview;switch' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the server''s accounts as a JSON document on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentview;config' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the settings a login to the server would use, and where each came from (flag, environment variable, config.toml line, the active account, default)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentview;config;show' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON document on stdout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentview;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the settings a login to the server would use, and where each came from (flag, environment variable, config.toml line, the active account, default)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentview;config;help;show' {
            break
        }
        'agentview;config;help;help' {
            break
        }
        'agentview;mcp-config' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The server''s name in the client''s configuration')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'For clients that start a command: what that command is')
            [CompletionResult]::new('--launcher', '--launcher', [CompletionResultType]::ParameterName, 'How the client starts agentview')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentview;exec' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentview;bridge' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('--no-login', '--no-login', [CompletionResultType]::ParameterName, 'Never start a login: without a usable credential, each request is answered with the command that logs in (a credential from the environment never starts one either)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentview;completions' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Which of the server''s accounts [env: AGENTVIEW_ACCOUNT] [default: the server''s active account, see `switch`]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]')
            [CompletionResult]::new('--config-dir', '--config-dir', [CompletionResultType]::ParameterName, 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours in messages [default: auto]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Hide progress and success messages; errors, warnings and the login URL still show')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show each request and response status (secrets redacted)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'agentview;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Log in: open the login page, wait for approval, store the credential')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print the stored credential for the server on stdout')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether you are logged in, where the credential comes from, and until when')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Revoke the credential at the server (OAuth) and remove it from the stores')
            [CompletionResult]::new('switch', 'switch', [CompletionResultType]::ParameterValue, 'Make NAME the server''s active account; without NAME, list its accounts (and with --server, remember that server as the default for later commands)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'The settings kept per server in config.toml, as they apply')
            [CompletionResult]::new('mcp-config', 'mcp-config', [CompletionResultType]::ParameterValue, 'Print a ready-to-paste MCP client configuration for the server')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with the credential in its environment as AGENTVIEW_TOKEN')
            [CompletionResult]::new('bridge', 'bridge', [CompletionResultType]::ParameterValue, 'Serve the MCP server on stdio for MCP clients that start a command (they run it; see mcp-config), with a fresh token on every request')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'agentview;help;login' {
            break
        }
        'agentview;help;token' {
            break
        }
        'agentview;help;status' {
            break
        }
        'agentview;help;logout' {
            break
        }
        'agentview;help;switch' {
            break
        }
        'agentview;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the settings a login to the server would use, and where each came from (flag, environment variable, config.toml line, the active account, default)')
            break
        }
        'agentview;help;config;show' {
            break
        }
        'agentview;help;mcp-config' {
            break
        }
        'agentview;help;exec' {
            break
        }
        'agentview;help;bridge' {
            break
        }
        'agentview;help;completions' {
            break
        }
        'agentview;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
