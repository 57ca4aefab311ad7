// How a model is served: its authorization server and its API (an MCP resource server) on two
// ports of 127.0.0.1, in one process. The provider's paths are mapped onto oidc-provider's routes
// (a provider publishes endpoints outside its issuer's path: Entra's /<tenant>/oauth2/v2.0/...,
// Okta's /oauth2/v1/clients), request bodies are read once so a model's rules can see them, and
// refusals take the form OAuth gives them: a redirect to the client for an authorization request
// (RFC 6749 §4.1.2.1), a JSON error for the token endpoint (§5.2).

import http from 'node:http';
import querystring from 'node:querystring';

import { listen, logRequests, readyWhen, warn } from '../common.mjs';
import { signIn } from './model.mjs';

const BODY_LIMIT = 64 * 1024;

/**
 * A router for `prefixes` (mount points): a path under one is handed to the provider with that
 * prefix as its mount path. `published` maps the discovery documents the provider publishes
 * (their paths as the provider publishes them) onto oidc-provider's; any other /.well-known/ path
 * is not found, as at the provider.
 */
export function mounted(prefixes, published) {
    const sorted = [...prefixes].sort((a, b) => b.length - a.length);
    return (pathname) => {
        const path = published[pathname] ?? pathname;
        if (!published[pathname] && pathname.includes('/.well-known/')) return undefined;
        for (const prefix of sorted) {
            if (prefix === '' || path === prefix || path.startsWith(`${prefix}/`)) {
                return { mount: prefix, path: path.slice(prefix.length) || '/' };
            }
        }
        return undefined;
    };
}

async function readBody(req) {
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
        size += chunk.length;
        if (size > BODY_LIMIT) throw new Error('request body too large');
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
}

/**
 * Read each POST body once and leave it parsed on the request (oidc-provider then uses it, and
 * the request log names its fields): the models' rules decide on what a token request carries.
 */
export function parseBodies(provider) {
    provider.use(async (ctx, next) => {
        if (ctx.method === 'POST' && ctx.req.readable) {
            const text = await readBody(ctx.req);
            try {
                ctx.req.body = ctx.is('application/json') ? JSON.parse(text || '{}') : { ...querystring.parse(text) };
            } catch {
                refuse(ctx, 400, { error: 'invalid_request', error_description: 'the request body is not JSON' });
                return;
            }
        }
        await next();
    });
}

/** The parsed body of the request (form or JSON), or an empty object. */
export function bodyOf(ctx) {
    return ctx.req.body && typeof ctx.req.body === 'object' ? ctx.req.body : {};
}

/** Answer with an OAuth error document. */
export function refuse(ctx, status, error, headers = {}) {
    ctx.status = status;
    ctx.type = 'json';
    ctx.set('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(headers)) ctx.set(name, value);
    ctx.body = error;
}

/**
 * Refuse an authorization request: to the client's redirect URI when both are valid (RFC 6749
 * §4.1.2.1), with `state`; otherwise the provider answers it (its own error for the client or
 * the redirect URI). Returns whether it answered.
 */
export async function refuseAuthorization(provider, ctx, error) {
    const { client_id: clientId, redirect_uri: redirectUri, state } = ctx.query;
    if (typeof clientId !== 'string' || typeof redirectUri !== 'string') return false;
    const client = await provider.Client.find(clientId).catch(() => undefined);
    if (!client || !client.redirectUriAllowed(redirectUri)) return false;
    const target = new URL(redirectUri);
    for (const [name, value] of Object.entries({ ...error, state })) {
        if (typeof value === 'string') target.searchParams.set(name, value);
    }
    ctx.status = 302;
    ctx.redirect(target.href);
    return true;
}

/** Change the query oidc-provider reads, keeping the mount path it derives from the URLs. */
export function setQuery(ctx, query) {
    const { originalUrl } = ctx.req;
    const mount = originalUrl.slice(0, originalUrl.length - ctx.url.length);
    ctx.query = query;
    ctx.req.originalUrl = `${mount}${ctx.url}`;
}

/**
 * oidc-provider keeps `offline_access` only with `prompt=consent` (OpenID Connect Core §11); the
 * modelled providers issue a refresh token for offline_access alone. An authorization request at
 * `path` that asks for offline_access is therefore handed on with `consent` added to `prompt`
 * (the request log keeps what the client sent; our sign-in consents again, as it always would).
 */
export function offlineAccessWithoutConsent(provider, path) {
    provider.use(async (ctx, next) => {
        if (ctx.path === path && ctx.method === 'GET' && scopesOf(ctx.query.scope).includes('offline_access')) {
            const prompts = scopesOf(ctx.query.prompt);
            if (!prompts.includes('consent')) setQuery(ctx, { ...ctx.query, prompt: [...prompts, 'consent'].join(' ') });
        }
        await next();
    });
}

/**
 * Providers that do not implement RFC 9207 send no `iss` with the authorization response (and do
 * not advertise it): take oidc-provider's out of the redirect.
 */
export function withoutIssInRedirects(provider) {
    provider.use(async (ctx, next) => {
        await next();
        const location = ctx.response.get('location');
        if (!location || !location.includes('iss=')) return;
        const url = new URL(location);
        if (url.searchParams.has('code') || url.searchParams.has('error')) {
            url.searchParams.delete('iss');
            ctx.set('location', url.href);
        }
    });
}

/**
 * Providers that take a client secret by HTTP Basic and in the form alike (oidc-provider takes
 * only the method the client registered): a Basic pair on a request to one of `paths` is moved
 * into the form (RFC 6749 §2.3.1: each part form-encoded).
 */
export function secretByBasicOrForm(provider, paths) {
    provider.use(async (ctx, next) => {
        const auth = ctx.get('authorization');
        if (ctx.method === 'POST' && paths.includes(ctx.path) && /^basic /i.test(auth)) {
            const pair = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
            const colon = pair.indexOf(':');
            const decode = (part) => decodeURIComponent(part.replace(/\+/g, ' '));
            if (colon > 0) {
                const body = bodyOf(ctx);
                body.client_id = decode(pair.slice(0, colon));
                body.client_secret = decode(pair.slice(colon + 1));
                ctx.req.body = body;
                delete ctx.req.headers.authorization;
            }
        }
        await next();
    });
}

/** The scopes of a request parameter, in order, without duplicates. */
export function scopesOf(value) {
    return typeof value === 'string' ? [...new Set(value.split(' ').filter(Boolean))] : [];
}

/**
 * Serve the model: `provider` behind `route` (see `mounted`) on `asPort`, our sign-in routes at
 * /interaction/, and `api` (an express app) on `mcpPort`. Prints `READY <mcp url> <issuer>` when
 * both listen; a `peer-log` line per request (`as`, `mcp`).
 */
export function serve({ provider, accounts, route, asPort, api, mcpPort, issuer }) {
    const handle = provider.callback();
    const asServer = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://127.0.0.1');
        if (url.pathname.startsWith('/interaction/')) {
            signIn(provider, accounts, req, res).catch((err) => {
                warn(`sign-in failed: ${err.message}`);
                if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
                res.end(JSON.stringify({ error: 'interaction_failed', error_description: err.message }));
            });
            return;
        }
        const target = route(url.pathname);
        if (!target) {
            res.writeHead(404, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: 'not_found' }));
            return;
        }
        // oidc-provider builds its URLs from the mount path: originalUrl minus the routed url.
        req.originalUrl = `${target.mount}${target.path}${url.search}`;
        req.url = `${target.path}${url.search}`;
        handle(req, res);
    });
    logRequests(asServer, 'as');
    const apiServer = http.createServer(api);
    logRequests(apiServer, 'mcp');
    const ready = readyWhen(2, `http://127.0.0.1:${mcpPort}/mcp ${issuer}`);
    listen(asServer, asPort, ready);
    listen(apiServer, mcpPort, ready);
}
