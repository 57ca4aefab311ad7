// A model of Google's OAuth 2.0 for installed (desktop) apps on oidc-provider, with an MCP server
// that checks Google's opaque access tokens the way an API behind Google does: by asking the
// provider (tokeninfo).
//
//   node google.mjs --port MCP_PORT --as-port AS_PORT [--accept-clients ID,...] [--token-lifetime SECONDS]
//
// Issuer http://127.0.0.1:AS_PORT (at its root, as https://accounts.google.com). PEER_CLIENTS
// pre-registers the desktop clients, each with its client_secret, as a developer creates them in
// the Cloud console. The API accepts tokens issued to --accept-clients (default: every
// pre-registered client). Prints `READY <mcp url> <issuer>`.
//
// What it enforces, each rule beside the page that states it:
// - No dynamic registration, no client metadata documents: the discovery document has no
//   registration_endpoint (https://accounts.google.com/.well-known/openid-configuration); clients
//   come from the console (https://developers.google.com/identity/protocols/oauth2/native-app,
//   "Create authorization credentials").
// - A desktop client's secret must be sent, though it is "not treated as a secret" (native-app,
//   "Step 5: Exchange authorization code": client_secret "The client secret obtained from the API
//   Console"), by client_secret_post or client_secret_basic (the discovery document lists both).
// - Loopback redirects on any port and path: http://127.0.0.1:PORT, http://[::1]:PORT,
//   http://localhost:PORT (native-app, "Loopback IP address (macOS, Linux, Windows desktop)").
// - `offline_access` is an invalid scope: invalid_scope "Some requested scopes were invalid"
//   (scopes_supported lists openid, email, profile; Google asks for `access_type` instead:
//   https://developers.google.com/identity/openid-connect/openid-connect#access-type-param).
//   Unknown scopes are refused the same way.
// - A refresh token only with access_type=offline, and for a user who already granted this client
//   offline access only again with prompt=consent
//   (https://developers.google.com/identity/protocols/oauth2/native-app#offline and
//   https://developers.google.com/identity/protocols/oauth2/web-server#offline: "Google returns a
//   refresh token ... the first time your application exchanges an authorization code";
//   `prompt=consent` asks for consent again). access_type other than online/offline: invalid_request.
// - Refresh tokens do not rotate: a refresh answers without `refresh_token` (native-app,
//   "Refreshing an access token": the response holds access_token, expires_in, scope, token_type).
// - Revocation at /revoke with `token` as a form field (or query parameter), no client
//   authentication; an access token's revocation ends its refresh token too, and the whole grant
//   (native-app, "Revoking a token"). An unknown token: 400 invalid_token.
// - Access tokens are opaque; /tokeninfo describes one (azp, aud = the client, sub, scope with
//   email/profile as their userinfo.* URLs, exp, expires_in, email), 400 invalid_token otherwise
//   (https://developers.google.com/identity/sign-in/web/backend-auth for the endpoint's shape).
// - No `resource` (RFC 8707): the parameter is ignored. PKCE is checked when sent (native-app,
//   code_challenge "Recommended"). No `iss` in the redirect, none advertised.

import Provider from 'oidc-provider';

import { event, exitWithParent, options, ports, preregisteredClients } from '../common.mjs';
import { InvalidTokenError, createResourceServer } from '../resource_server.mjs';
import { createProvider, derivedId, directory } from './model.mjs';
import {
    bodyOf,
    mounted,
    parseBodies,
    refuse,
    refuseAuthorization,
    scopesOf,
    secretByBasicOrForm,
    serve,
    withoutIssInRedirects
} from './front.mjs';

const opts = options();
const { mcpPort, asPort } = ports(opts, 'google.mjs --port MCP_PORT --as-port AS_PORT [--accept-clients ID,...] [--token-lifetime SECONDS]');
exitWithParent();

const issuer = `http://127.0.0.1:${asPort}`;
const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
const EMAIL = 'https://www.googleapis.com/auth/userinfo.email';
const PROFILE = 'https://www.googleapis.com/auth/userinfo.profile';
const ALIASES = { email: EMAIL, profile: PROFILE };
const SCOPES = ['openid', 'email', 'profile', EMAIL, PROFILE];
const clients = preregisteredClients().map((c) => ({
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    ...c
}));
const accepted = typeof opts['accept-clients'] === 'string' ? opts['accept-clients'].split(',') : clients.map((c) => c.client_id);

const accounts = directory((user) => `1${derivedId(user, 'google-sub', 20, '0123456789')}`, 'gmail.example');

// Offline access a user granted a client: the first offline authorization gets a refresh token,
// a later one only with prompt=consent.
const offlineGranted = new Set();
const refreshDecisions = new Map();
function decideRefreshToken(code) {
    const params = Provider.ctx?.oidc?.params ?? {};
    const key = `${code.clientId} ${code.accountId}`;
    let issue = false;
    let reason;
    if (params.access_type !== 'offline') reason = 'access_type is not offline';
    else if (scopesOf(params.prompt).includes('consent')) [issue, reason] = [true, 'prompt=consent'];
    else if (!offlineGranted.has(key)) [issue, reason] = [true, 'the first offline consent'];
    else reason = 'offline access was granted before and prompt is not consent';
    if (issue) offlineGranted.add(key);
    refreshDecisions.set(code.jti, { issue, reason });
}

const provider = await createProvider(issuer, accounts, {
    tokenLifetime: Number(opts['token-lifetime'] ?? 3600),
    clients,
    clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
    scopes: SCOPES,
    extraParams: ['access_type', 'include_granted_scopes'],
    rotateRefreshToken: false,
    issueRefreshToken: async (_ctx, client, code) => {
        const decision = refreshDecisions.get(code.jti) ?? { issue: false, reason: 'no authorization request' };
        event('as', 'refresh-token', { client_id: client.clientId, issued: decision.issue, reason: decision.reason });
        return decision.issue && client.grantTypeAllowed('refresh_token');
    },
    expiresWithSession: () => false,
    routes: {
        authorization: '/o/oauth2/v2/auth',
        token: '/token',
        jwks: '/oauth2/v3/certs',
        userinfo: '/v1/userinfo'
    },
    features: {
        registration: { enabled: false },
        revocation: { enabled: false },
        introspection: { enabled: false },
        resourceIndicators: { enabled: false }
    }
});
provider.on('authorization_code.saved', decideRefreshToken);

// Desktop clients redirect to any loopback address, port and path.
provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    try {
        const url = new URL(value);
        return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname) && !url.hash;
    } catch {
        return false;
    }
};

/** invalid_scope for offline_access or any scope Google does not know, in Google's words. */
function unknownScopes(scope) {
    const scopes = scopesOf(scope);
    const invalid = scopes.filter((s) => !SCOPES.includes(s));
    if (invalid.length === 0) return undefined;
    const valid = scopes.filter((s) => SCOPES.includes(s));
    return {
        error: 'invalid_scope',
        error_description: `Some requested scopes were invalid. {valid=[${valid.join(', ')}], invalid=[${invalid.join(', ')}]}`
    };
}

/** The grant of an access or refresh token, ended with all its tokens. */
async function revokeGrant(token) {
    await Promise.all([
        provider.AccessToken.revokeByGrantId(token.grantId),
        provider.RefreshToken.revokeByGrantId(token.grantId),
        provider.AuthorizationCode.revokeByGrantId(token.grantId),
        provider.Grant.adapter.destroy(token.grantId)
    ]);
}

async function findToken(value) {
    if (typeof value !== 'string' || !value) return undefined;
    return (await provider.AccessToken.find(value)) ?? (await provider.RefreshToken.find(value));
}

parseBodies(provider);
secretByBasicOrForm(provider, ['/token']);
withoutIssInRedirects(provider);
provider.use(async (ctx, next) => {
    if (ctx.path === '/o/oauth2/v2/auth' && ctx.method === 'GET') {
        const accessType = ctx.query.access_type;
        const error =
            unknownScopes(ctx.query.scope) ??
            (accessType !== undefined && !['online', 'offline'].includes(accessType)
                ? { error: 'invalid_request', error_description: `Invalid access_type: ${accessType}` }
                : undefined);
        if (error && (await refuseAuthorization(provider, ctx, error))) return;
    }
    if (ctx.path === '/token' && ctx.method === 'POST') {
        const error = unknownScopes(bodyOf(ctx).scope);
        if (error) return refuse(ctx, 400, error);
    }
    if (ctx.path === '/revoke' && ['POST', 'GET'].includes(ctx.method)) {
        const token = await findToken(bodyOf(ctx).token ?? ctx.query.token);
        if (!token) return refuse(ctx, 400, { error: 'invalid_token', error_description: 'Token expired or revoked' });
        await revokeGrant(token);
        event('as', 'grant-revoked', { client_id: token.clientId, reason: 'revocation' });
        ctx.status = 200;
        ctx.type = 'json';
        ctx.body = {};
        return;
    }
    if (ctx.path === '/tokeninfo' && ['POST', 'GET'].includes(ctx.method)) {
        const value = bodyOf(ctx).access_token ?? ctx.query.access_token;
        const token = typeof value === 'string' && value ? await provider.AccessToken.find(value) : undefined;
        if (!token) return refuse(ctx, 400, { error: 'invalid_token', error_description: 'Invalid Value' });
        const claims = accounts.claims(token.accountId);
        ctx.type = 'json';
        ctx.body = {
            azp: token.clientId,
            aud: token.clientId,
            sub: token.accountId,
            scope: scopesOf(token.scope).map((s) => ALIASES[s] ?? s).join(' '),
            exp: String(token.exp),
            expires_in: String(Math.max(0, token.exp - Math.floor(Date.now() / 1000))),
            email: claims.email,
            email_verified: 'true'
        };
        return;
    }
    await next();
    if (ctx.path === '/token' && bodyOf(ctx).grant_type === 'refresh_token' && ctx.status === 200 && ctx.body) {
        delete ctx.body.refresh_token;
    }
    // Google's discovery document.
    if (ctx.path === '/.well-known/openid-configuration' && ctx.body && typeof ctx.body === 'object') {
        const doc = ctx.body;
        ctx.body = {
            issuer,
            authorization_endpoint: doc.authorization_endpoint,
            token_endpoint: doc.token_endpoint,
            userinfo_endpoint: doc.userinfo_endpoint,
            revocation_endpoint: `${issuer}/revoke`,
            jwks_uri: doc.jwks_uri,
            response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token', 'none'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
            scopes_supported: ['openid', 'email', 'profile'],
            token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
            claims_supported: ['aud', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'picture', 'sub'],
            code_challenge_methods_supported: ['plain', 'S256'],
            grant_types_supported: ['authorization_code', 'refresh_token']
        };
    }
});

const api = createResourceServer({
    resource: mcpUrl,
    issuer,
    scope: EMAIL,
    scopesSupported: ['openid', EMAIL],
    name: 'MCP server behind Google',
    // An API behind Google: the token described by tokeninfo, issued to a client it trusts.
    verifyAccessToken: async (token) => {
        const answer = await fetch(`${issuer}/tokeninfo`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ access_token: token })
        });
        const info = await answer.json().catch(() => ({}));
        if (!answer.ok) throw new InvalidTokenError(`tokeninfo: ${info.error_description ?? answer.status}`);
        if (!accepted.includes(info.aud)) throw new InvalidTokenError(`the access token was issued to another client (${info.aud})`);
        return { clientId: info.aud, scopes: scopesOf(info.scope), expiresAt: Number(info.exp), sub: info.sub };
    }
});

serve({
    provider,
    accounts,
    route: mounted([''], { '/.well-known/openid-configuration': '/.well-known/openid-configuration' }),
    asPort,
    api,
    mcpPort,
    issuer
});
