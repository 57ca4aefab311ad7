// Better Auth (the `better-auth` package) with its OAuth 2.1 provider plugin
// (`@better-auth/oauth-provider`) and the JWT plugin, on a memory adapter, behind our MCP resource
// server (resource_server.mjs), each on its own port of 127.0.0.1, in one process.
//
//   node better_auth.mjs --port MCP_PORT --as-port AS_PORT [--token-lifetime SECONDS]
//
// Issuer http://127.0.0.1:AS_PORT/api/auth (Better Auth's base path), MCP endpoint
// http://127.0.0.1:MCP_PORT/mcp. Configured as strictly as the plugin allows: dynamic registration
// of public clients (RFC 7591), PKCE required, exact redirect URIs, refresh tokens only with
// offline_access, access tokens as JWTs only for the one audience (the MCP URL), `iss` in the
// authorization response (RFC 9207). Everything lives in memory: a restart forgets every client,
// grant and key. Clients register themselves (the plugin makes up their ids, so PEER_CLIENTS is
// not read).
//
// What the person does is scripted by two pages of the application (the plugin's loginPage and
// consentPage): /sign-in signs in Ada with her password and hands the signed authorization
// query back to Better Auth; /consent approves it. A browser that follows redirects and keeps
// cookies (curl -L with a cookie jar) thus completes a login.
//
// Better Auth answers a request it refuses before any sign-in (an unknown client, a redirect URI
// not registered) with a redirect to its own error page, `/api/auth/error?error=invalid_client…`;
// asked with `Accept: application/json`, it sends the same as `200 {"redirect":true,"url":…}`.
// Prints `READY <mcp url> <issuer>` when both listen; a `peer-log` line per request on stderr;
// exits on SIGTERM, SIGINT or stdin EOF.

import http from 'node:http';
import { randomBytes } from 'node:crypto';

import { betterAuth } from 'better-auth';
import { memoryAdapter } from 'better-auth/adapters/memory';
import { toNodeHandler } from 'better-auth/node';
import { jwt } from 'better-auth/plugins';
import { oauthProvider } from '@better-auth/oauth-provider';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { event, exitWithParent, listen, logRequests, options, ports, readyWhen, warn } from './common.mjs';
import { InvalidTokenError, createResourceServer } from './resource_server.mjs';

const opts = options();
const { mcpPort, asPort } = ports(opts, 'better_auth.mjs --port MCP_PORT --as-port AS_PORT [--token-lifetime SECONDS]');
exitWithParent();
const tokenLifetime = Number(opts['token-lifetime'] ?? 3600);

const origin = `http://127.0.0.1:${asPort}`;
const issuer = `${origin}/api/auth`;
const resource = `http://127.0.0.1:${mcpPort}/mcp`;
const SCOPE = 'mcp:tools';
const USER = { email: 'ada@example.com', name: 'Ada' };
// A new password and secret at every start: nothing survives a restart.
const password = randomBytes(18).toString('base64url');

const tables = [
    'user',
    'session',
    'account',
    'verification',
    'jwks',
    'oauthClient',
    'oauthRefreshToken',
    'oauthAccessToken',
    'oauthConsent',
    'oauthResource',
    'oauthClientResource',
    'oauthClientAssertion'
];
const auth = betterAuth({
    baseURL: origin,
    secret: randomBytes(32).toString('base64url'),
    database: memoryAdapter(Object.fromEntries(tables.map((t) => [t, []]))),
    emailAndPassword: { enabled: true },
    telemetry: { enabled: false },
    logger: { disabled: true },
    plugins: [
        jwt(),
        oauthProvider({
            loginPage: '/sign-in',
            consentPage: '/consent',
            allowDynamicClientRegistration: true,
            allowUnauthenticatedClientRegistration: true,
            resources: [{ identifier: resource, name: 'MCP server', accessTokenTtl: tokenLifetime }],
            // Kept strict (RFC 8707 section 3: a client gets tokens only for the resources it is
            // linked to); a registered client is linked to the one MCP server.
            enforcePerClientResources: true,
            clientRegistrationDefaultResources: [resource],
            scopes: ['openid', 'profile', 'email', 'offline_access', SCOPE],
        })
    ]
});
await auth.api.signUpEmail({ body: { ...USER, password } });
const handleAuth = toNodeHandler(auth);

/** POST JSON to Better Auth's own API as the person's page would, with the browser's cookies. */
async function callAuth(path, body, cookie) {
    const headers = { 'content-type': 'application/json', origin };
    if (cookie) headers.cookie = cookie;
    const res = await fetch(`${origin}/api/auth${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const answer = await res.json().catch(() => ({}));
    return { res, answer };
}

const asServer = http.createServer((req, res) => {
    const url = new URL(req.url, origin);
    const page = async () => {
        // The signed authorization query Better Auth put on the page's address.
        const oauthQuery = url.search.slice(1);
        if (url.pathname === '/sign-in') {
            const { res: r, answer } = await callAuth('/sign-in/email', {
                email: USER.email,
                password,
                oauth_query: oauthQuery
            });
            event('as', 'sign-in', { status: r.status });
            if (!answer.url) throw new Error(`sign-in answered ${r.status} without a URL`);
            res.writeHead(302, { location: answer.url, 'set-cookie': r.headers.getSetCookie() });
            res.end();
            return;
        }
        const { res: r, answer } = await callAuth(
            '/oauth2/consent',
            { accept: true, oauth_query: oauthQuery },
            req.headers.cookie
        );
        event('as', 'consent', { status: r.status });
        if (!answer.url) throw new Error(`consent answered ${r.status} without a URL`);
        res.writeHead(302, { location: answer.url });
        res.end();
    };
    if (url.pathname === '/sign-in' || url.pathname === '/consent') {
        page().catch((err) => {
            warn(`${url.pathname} failed: ${err.message}`);
            if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: 'page_failed', error_description: err.message }));
        });
        return;
    }
    handleAuth(req, res);
});
logRequests(asServer, 'as');

// Better Auth's access tokens for a resource are JWTs signed with the JWT plugin's keys.
const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
async function verifyAccessToken(token) {
    let payload;
    try {
        ({ payload } = await jwtVerify(token, jwks, { issuer, audience: resource }));
    } catch (err) {
        throw new InvalidTokenError(`the access token is not valid here: ${err.code ?? err.message}`);
    }
    return {
        clientId: String(payload.azp ?? payload.client_id ?? ''),
        scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [],
        expiresAt: payload.exp,
        sub: payload.sub
    };
}
const rsApp = createResourceServer({
    resource,
    issuer,
    scope: SCOPE,
    scopesSupported: [SCOPE, 'offline_access'],
    verifyAccessToken,
    name: 'MCP resource server for Better Auth'
});
const rsServer = http.createServer(rsApp);
logRequests(rsServer, 'mcp');

const ready = readyWhen(2, `${resource} ${issuer}`);
listen(asServer, asPort, ready);
listen(rsServer, mcpPort, ready);
