# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_agentview_global_optspecs
    string join \n server= account= store= config-dir= H/header= q/quiet v/verbose color= h/help V/version
end

function __fish_agentview_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_agentview_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_agentview_using_subcommand
    set -l cmd (__fish_agentview_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c agentview -n "__fish_agentview_needs_command" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_needs_command" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_needs_command" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_needs_command" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_needs_command" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_needs_command" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_needs_command" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_needs_command" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_needs_command" -s V -l version -d 'Print version'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "login" -d 'Log in: open the login page, wait for approval, store the credential'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "token" -d 'Print the stored credential for the server on stdout'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "status" -d 'Show whether you are logged in, where the credential comes from, and until when'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "logout" -d 'Revoke the credential at the server (OAuth) and remove it from the stores'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "switch" -d 'Make NAME the server\'s active account; without NAME, list its accounts (and with --server, remember that server as the default for later commands)'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "config" -d 'The settings kept per server in config.toml, as they apply'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "mcp-config" -d 'Print a ready-to-paste MCP client configuration for the server'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "exec" -d 'Run a command with the credential in its environment as AGENTVIEW_TOKEN'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "bridge" -d 'Serve the MCP server on stdio for MCP clients that start a command (they run it; see mcp-config), with a fresh token on every request'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c agentview -n "__fish_agentview_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l timeout -d 'Give up waiting after this long: 90, 90s, 5m, 1h (the server\'s own login window still applies; the shorter one ends the wait)' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l resume -d 'Finish a login started with --no-wait: wait for approval and store the credential (a session id, or a device login\'s handle; "-" reads it from stdin, keeping it out of `ps`)' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l agent -d 'Agent identifier sent to the server [default: agentview/<version>]' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l scope -d 'Scope to request, when the server supports scopes' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l method -d 'How to log in: OAuth 2.1 in the browser, the server\'s login tools, or the best the server and this machine allow [env: AGENTVIEW_LOGIN_METHOD] [default: auto]' -r -f -a "auto\t'OAuth in the browser when the server offers it and a browser can open here; else the device login where the server offers it; else the login tools'
oauth\t'MCP authorization: OAuth 2.1 with PKCE, a browser and a redirect to 127.0.0.1'
device\t'OAuth\'s device authorization grant: a code entered on another device'
session\t'agentView\'s login tools: create_auth_session, then wait for approval'"
complete -c agentview -n "__fish_agentview_using_subcommand login" -l client-id -d 'OAuth: a client id registered with the authorization server beforehand (a confidential client\'s secret comes from AGENTVIEW_CLIENT_SECRET or --client-secret-stdin) [env: AGENTVIEW_CLIENT_ID, with --client-credentials]' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l client-metadata-url -d 'OAuth: an https URL of agentview\'s Client ID Metadata Document, used as the client id where the authorization server supports it' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l callback-port -d 'OAuth: listen for the browser\'s redirect on this port of 127.0.0.1 (e.g. for ssh -L) [default: any free port]' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l redirect-uri -d 'OAuth: the exact redirect URI registered for your client, http://127.0.0.1[:PORT]/PATH or http://localhost[:PORT]/PATH; without a port, any free one [env: AGENTVIEW_REDIRECT_URI] [default: http://127.0.0.1/callback for --client-id and --client-metadata-url]' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l resource -d 'OAuth: the `resource` the requests carry (RFC 8707): `omit` leaves it out (Microsoft Entra ID refuses it beside its scopes), a URI sends that one [default: the one the server\'s metadata publishes; none at Microsoft Entra ID]' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l authorize-param -d 'OAuth: an extra parameter of the authorization request, over those the provider\'s profile adds (audience=API for Auth0, access_type=offline for Google, domain_hint=…); an empty VALUE leaves the parameter out; repeatable' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l login-hint -d 'OAuth: the account to sign in as, offered by the sign-in page (login_hint: an e-mail address or user name)' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l workload-token-file -d 'Log in as a workload with no person and no browser: the JWT its platform issued it (a CI provider\'s OIDC token, a Kubernetes service account token) in FILE is the grant itself (workload identity federation, RFC 7523); read again at every renewal. --client-id only where the authorization server wants one (`token` and `exec` need no login with AGENTVIEW_WORKLOAD_TOKEN_FILE set)' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand login" -l client-key -d 'Client credentials, --idp: the client\'s PEM private key (RSA, EC P-256 or P-384), which signs a short-lived assertion for every request (private_key_jwt); read again at every renewal [env: AGENTVIEW_CLIENT_KEY]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand login" -l client-key-id -d 'The key id (kid) the client\'s assertions name, where the server wants one [env: AGENTVIEW_CLIENT_KEY_ID]' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l client-assertion-file -d 'Client credentials, --idp: a file holding a JWT someone else issued for the client (a CI provider\'s OIDC token: workload identity), read again at every renewal [env: AGENTVIEW_CLIENT_ASSERTION_FILE]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand login" -l idp -d 'Enterprise-managed authorization: sign in once at your company\'s identity provider ISSUER; each server\'s token then comes from it without a browser (token exchange, then the JWT-bearer grant as --client-id)' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l idp-client-id -d 'agentview\'s client id at the identity provider (its secret, where it has one, from AGENTVIEW_IDP_CLIENT_SECRET)' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l id-token-file -d '--idp: an ID token from the identity provider obtained elsewhere (an SSO agent) instead of signing in; read again at every renewal' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand login" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand login" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand login" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand login" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand login" -l no-browser -d 'Print the login URL but do not open a browser'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l force -d 'Log in again even if a valid credential is stored'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l print-token -d 'After storing, print the token (only) on stdout'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l json -d 'Print a JSON summary on stdout (never the token unless --print-token)'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l no-wait -d 'Start the login (the session tools\', or with --device a device login), print a handshake (with --json: a JSON document on stdout) and exit at once; finish later with --resume'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l device -d 'Log in with a code entered on another device (a phone, a laptop): the OAuth device authorization grant, for machines no browser can reach (SSH, containers); the same as --method device'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l qr -d 'Device login: also draw the address as a QR code in the terminal, for a phone\'s camera'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l with-token -d 'Read a token from stdin and store it (for CI secrets); no server call'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l client-secret-stdin -d 'OAuth: read the --client-id\'s secret from stdin (never from argv)'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l fresh-client -d 'OAuth: forget the registration kept for the authorization server and register again (after the server was reset and no longer knows agentview)'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l no-verify -d 'Do not check the new token at the server before saying "Logged in" (for a server that cannot be reached from where the login runs)'
complete -c agentview -n "__fish_agentview_using_subcommand login" -l client-credentials -d 'Log in as the client --client-id itself, with no person and no browser: the OAuth client credentials grant (CI, services); the secret from AGENTVIEW_CLIENT_SECRET or --client-secret-stdin, or --client-key, or --client-assertion-file'
complete -c agentview -n "__fish_agentview_using_subcommand login" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand login" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand token" -l format -d 'Output format' -r -f -a "raw\t'The token and a newline'
header\t'`Authorization: Bearer <token>`'
headers\t'`{"Authorization":"Bearer <token>"}`: the JSON object an MCP client\'s headers helper reads'
json\t'A JSON object: token, kind, server, expiry'"
complete -c agentview -n "__fish_agentview_using_subcommand token" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand token" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand token" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand token" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand token" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand token" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand token" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand token" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand status" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand status" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand status" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand status" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand status" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand status" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand status" -l json -d 'Print a JSON document on stdout'
complete -c agentview -n "__fish_agentview_using_subcommand status" -l check -d 'Ask the server whether it still accepts the credential (exit 4 if not, 7 if unreachable)'
complete -c agentview -n "__fish_agentview_using_subcommand status" -l all -d 'List every stored credential, for every server (never a token)'
complete -c agentview -n "__fish_agentview_using_subcommand status" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand status" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand logout" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand logout" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand logout" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand logout" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand logout" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand logout" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand logout" -l local -d 'Only remove the local copy; do not revoke the tokens at the authorization server'
complete -c agentview -n "__fish_agentview_using_subcommand logout" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand logout" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand switch" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand switch" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand switch" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand switch" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand switch" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand switch" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand switch" -l json -d 'Print the server\'s accounts as a JSON document on stdout'
complete -c agentview -n "__fish_agentview_using_subcommand switch" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand switch" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand switch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Print the settings a login to the server would use, and where each came from (flag, environment variable, config.toml line, the active account, default)'
complete -c agentview -n "__fish_agentview_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from show" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from show" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from show" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from show" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from show" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print a JSON document on stdout'
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the settings a login to the server would use, and where each came from (flag, environment variable, config.toml line, the active account, default)'
complete -c agentview -n "__fish_agentview_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -l name -d 'The server\'s name in the client\'s configuration' -r
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -l via -d 'For clients that start a command: what that command is' -r -f -a "bridge\t'`agentview bridge`: renews the token while the client runs'
mcp-remote\t'`agentview exec -- npx -y mcp-remote …`: Node.js\'s mcp-remote with the token of the moment it started'"
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -l launcher -d 'How the client starts agentview' -r -f -a "path\t'This agentview by its full path (`agentview` when that is the one on PATH)'
npx\t'`npx -y agentview@<this version>`: the npm package (needs Node.js)'
uvx\t'`uvx agentview@<this version>`: the Python package (needs uv)'"
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand mcp-config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand exec" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand exec" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand exec" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand exec" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand exec" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand exec" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand exec" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand exec" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand bridge" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand bridge" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand bridge" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand bridge" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand bridge" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand bridge" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand bridge" -l no-login -d 'Never start a login: without a usable credential, each request is answered with the command that logs in (a credential from the environment never starts one either)'
complete -c agentview -n "__fish_agentview_using_subcommand bridge" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand bridge" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand bridge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand completions" -l server -d 'MCP endpoint of the agentView server [env: AGENTVIEW_SERVER] [default: https://agentview.de/mcp]' -r
complete -c agentview -n "__fish_agentview_using_subcommand completions" -l account -d 'Which of the server\'s accounts [env: AGENTVIEW_ACCOUNT] [default: the server\'s active account, see `switch`]' -r
complete -c agentview -n "__fish_agentview_using_subcommand completions" -l store -d 'Where credentials are kept [env: AGENTVIEW_STORE] [default: auto]' -r -f -a "auto\t'The OS keyring when usable, else the credential file (with a warning first)'
keyring\t'The OS keyring only; fail if it is not usable'
file\t'The credential file `credentials.json` (mode 0600) in the config dir'"
complete -c agentview -n "__fish_agentview_using_subcommand completions" -l config-dir -d 'Directory for the credential file [env: AGENTVIEW_CONFIG_DIR] [default: the platform config dir]' -r -F
complete -c agentview -n "__fish_agentview_using_subcommand completions" -s H -l header -d 'Extra request header "Name: value" (repeatable), e.g. a proxy grant; `{env:VAR}` in the value is replaced by that variable, so secrets stay out of argv' -r
complete -c agentview -n "__fish_agentview_using_subcommand completions" -l color -d 'When to use colours in messages [default: auto]' -r -f -a "auto\t''
always\t''
never\t''"
complete -c agentview -n "__fish_agentview_using_subcommand completions" -s q -l quiet -d 'Hide progress and success messages; errors, warnings and the login URL still show'
complete -c agentview -n "__fish_agentview_using_subcommand completions" -s v -l verbose -d 'Show each request and response status (secrets redacted)'
complete -c agentview -n "__fish_agentview_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "login" -d 'Log in: open the login page, wait for approval, store the credential'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "token" -d 'Print the stored credential for the server on stdout'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "status" -d 'Show whether you are logged in, where the credential comes from, and until when'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "logout" -d 'Revoke the credential at the server (OAuth) and remove it from the stores'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "switch" -d 'Make NAME the server\'s active account; without NAME, list its accounts (and with --server, remember that server as the default for later commands)'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "config" -d 'The settings kept per server in config.toml, as they apply'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "mcp-config" -d 'Print a ready-to-paste MCP client configuration for the server'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "exec" -d 'Run a command with the credential in its environment as AGENTVIEW_TOKEN'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "bridge" -d 'Serve the MCP server on stdio for MCP clients that start a command (they run it; see mcp-config), with a fresh token on every request'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "completions" -d 'Print shell completions'
complete -c agentview -n "__fish_agentview_using_subcommand help; and not __fish_seen_subcommand_from login token status logout switch config mcp-config exec bridge completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c agentview -n "__fish_agentview_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the settings a login to the server would use, and where each came from (flag, environment variable, config.toml line, the active account, default)'
