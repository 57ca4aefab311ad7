// A model of Microsoft Entra ID's v2.0 endpoints (one tenant, one public client, one API) on
// oidc-provider, with an MCP server that checks tokens the way an API behind Entra does.
//
//   node entra.mjs --port MCP_PORT --as-port AS_PORT [--tenant ID] [--app-id ID]
//                  [--identifier-uri URI,...] [--access-token-version 1|2] [--token-lifetime SECONDS]
//
// Issuer http://127.0.0.1:AS_PORT/<tenant>/v2.0. PEER_CLIENTS pre-registers the app registrations
// (public clients unless they carry a secret), as a tenant admin registers them in the portal.
// The API is the app <app-id> exposing the delegated scope user_impersonation; its identifier URIs
// are --identifier-uri (default api://<app-id>). Prints `READY <mcp url> <issuer>`.
//
// What it enforces, each rule beside the page that states it:
// - Metadata at /<tenant>/v2.0/.well-known/openid-configuration, and for /common and /organizations
//   with the literal `{tenantid}` in `issuer`; endpoints /<tenant>/oauth2/v2.0/{authorize,token},
//   keys at /<tenant>/discovery/v2.0/keys
//   (https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc: "{tenant} can take
//   one of four values: common, organizations, consumers, tenant identifiers"; the common document's
//   issuer holds the placeholder "{tenantid}"). The document is Entra's: no registration_endpoint
//   (apps are registered in the portal: no dynamic registration), no revocation_endpoint, no
//   code_challenge_methods_supported although PKCE works (Entra publishes none: MCP clients that
//   require the field refuse Entra), no authorization_response_iss_parameter_supported and no `iss`
//   in the redirect.
// - `resource` beside v2 scopes: refused with invalid_target and "AADSTS9010010: The resource
//   parameter provided in the request doesn't match with the requested scopes." at /authorize (a
//   redirect to the client) and at /token, unless it is an identifier URI of the app whose scopes
//   are asked for (https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
//   for the AADSTS shape; the v2.0 protocol takes scopes, not `resource`:
//   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow).
// - `scope` is required (AADSTS900144) and every scope must exist: OpenID scopes, or
//   <identifier>/.default and <identifier>/user_impersonation of the API (AADSTS70011 invalid_scope)
//   (https://learn.microsoft.com/en-us/entra/identity-platform/scopes-oidc: "/.default" asks for
//   every permission the app registration lists).
// - Access tokens are JWTs for the API, not for the MCP URL: v1.0 tokens (Entra's default when the
//   API's manifest leaves requestedAccessTokenVersion unset) with aud = the identifier URI asked for
//   and iss https://sts.windows.net/<tenant>/; v2.0 tokens (--access-token-version 2) with aud = the
//   app id and iss = the v2.0 issuer; delegated scopes in `scp` by short name
//   (https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens).
// - Asked for OpenID scopes alone, the access token is for Microsoft Graph (aud
//   00000003-0000-0000-c000-000000000000, scp User.Read), which the API refuses as another audience
//   (v2-protocols-oidc: the access token that comes with OpenID scopes alone is for the UserInfo
//   endpoint, which is Microsoft Graph's).
// - Refresh tokens only with offline_access
//   (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow: "offline_access
//   ... to receive a refresh token").
// - Redirect URIs: the port of a registered http://localhost or http://127.0.0.1 URI may vary,
//   path and query may not (https://learn.microsoft.com/en-us/entra/identity-platform/reply-url,
//   "Localhost exceptions": "the port component is ignored").
// - PKCE is checked when sent, not required (v2-oauth2-auth-code-flow: code_challenge
//   "recommended"; required only for single-page apps).

import crypto from 'node:crypto';

import { errors } from 'oidc-provider';

import { exitWithParent, options, ports, preregisteredClients } from '../common.mjs';
import { createResourceServer } from '../resource_server.mjs';
import { createProvider, derivedId, directory } from './model.mjs';
import {
    bodyOf,
    mounted,
    offlineAccessWithoutConsent,
    parseBodies,
    refuse,
    refuseAuthorization,
    scopesOf,
    serve,
    withoutIssInRedirects
} from './front.mjs';
import { jwtVerifier } from './tokens.mjs';

const opts = options();
const { mcpPort, asPort } = ports(
    opts,
    'entra.mjs --port MCP_PORT --as-port AS_PORT [--tenant ID] [--app-id ID] [--identifier-uri URI,...] [--access-token-version 1|2] [--token-lifetime SECONDS]'
);
exitWithParent();

const base = `http://127.0.0.1:${asPort}`;
const tenant = opts.tenant ?? '4a3b9f1e-6c2d-4e8f-a1b0-7d5c3e2f1a90';
const appId = opts['app-id'] ?? 'b7e0c2d4-1f3a-4b5c-9d8e-6f7a8b9c0d1e';
const identifierUris = String(opts['identifier-uri'] ?? `api://${appId}`).split(',');
const tokenVersion = opts['access-token-version'] === '2' ? 2 : 1;
const issuer = `${base}/${tenant}/v2.0`;
const v1Issuer = `https://sts.windows.net/${tenant}/`;
const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;

const EXPOSED = ['user_impersonation'];
const GRAPH = 'https://graph.microsoft.com';
const GRAPH_APP = '00000003-0000-0000-c000-000000000000';
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
// The API's scopes under each name of the app: its identifier URIs and its app id.
const apiNames = [...identifierUris, appId];
const apiScopes = apiNames.flatMap((name) => ['.default', ...EXPOSED].map((s) => `${name}/${s}`));
/** The app name a scope of the API belongs to, or undefined for an OpenID scope. */
const apiOf = (scope) => apiNames.find((name) => scope.startsWith(`${name}/`));

const accounts = directory((user) => {
    const hex = derivedId(user, 'entra-oid', 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}, 'contoso.example');

/** An Entra error: the AADSTS code and message, with the trace lines Entra appends. */
function aadsts(error, code, message) {
    const trace = crypto.randomUUID();
    const correlation = crypto.randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return {
        error,
        error_description: `AADSTS${code}: ${message} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: trace,
        correlation_id: correlation,
        error_uri: `${base}/error?code=${code}`
    };
}

const RESOURCE_MISMATCH = () =>
    aadsts('invalid_target', 9010010, "The resource parameter provided in the request doesn't match with the requested scopes.");

/** The Entra rules for the parameters of an authorization or token request; an error or undefined. */
function check({ scope, resource }, { scopeRequired }) {
    const scopes = scopesOf(scope);
    if (scopeRequired && scopes.length === 0) {
        return aadsts('invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    }
    const unknown = scopes.find((s) => !OIDC_SCOPES.includes(s) && !apiScopes.includes(s));
    if (unknown) {
        return aadsts('invalid_scope', 70011, `The provided value for the input parameter 'scope' isn't valid. The scope ${unknown} isn't valid.`);
    }
    if (resource !== undefined) {
        const resources = Array.isArray(resource) ? resource : [resource];
        const asked = new Set(scopes.map(apiOf).filter(Boolean));
        const matches = resources.length === 1 && identifierUris.includes(resources[0]) && (scope === undefined || (asked.size > 0 && [...asked].every((name) => name === resources[0] || name === appId)));
        if (!matches) return RESOURCE_MISMATCH();
    }
    return undefined;
}

/** The delegated scopes of a token by short name (`.default` stands for every exposed scope). */
function shortScopes(scope) {
    const names = new Set();
    for (const s of scopesOf(scope)) {
        if (!apiOf(s)) continue;
        const name = s.slice(apiOf(s).length + 1);
        for (const n of name === '.default' ? EXPOSED : [name]) names.add(n);
    }
    return [...names];
}

const provider = await createProvider(issuer, accounts, {
    tokenLifetime: Number(opts['token-lifetime'] ?? 3600),
    clients: preregisteredClients().map((c) => ({
        application_type: 'native',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: c.client_secret ? 'client_secret_post' : 'none',
        ...c
    })),
    clientAuthMethods: ['none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt'],
    scopes: OIDC_SCOPES,
    pkce: { required: () => false },
    rotateRefreshToken: true,
    routes: {
        authorization: '/oauth2/v2.0/authorize',
        token: '/oauth2/v2.0/token',
        jwks: '/discovery/v2.0/keys',
        userinfo: '/openid/userinfo',
        end_session: '/oauth2/v2.0/logout'
    },
    features: {
        registration: { enabled: false },
        revocation: { enabled: false },
        introspection: { enabled: false },
        resourceIndicators: {
            enabled: true,
            // No `resource` (what Entra wants): the API whose scopes were asked for, else Graph.
            defaultResource: (ctx, _client, oneOf) => {
                if (oneOf) return oneOf;
                const name = scopesOf(ctx.oidc.params.scope).map(apiOf).find(Boolean);
                if (!name) return GRAPH;
                return name === appId ? identifierUris[0] : name;
            },
            useGrantedResource: () => true,
            getResourceServerInfo: (_ctx, indicator) => {
                if (indicator === GRAPH) {
                    return { scope: 'User.Read', audience: GRAPH_APP, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
                }
                if (!identifierUris.includes(indicator)) throw new errors.InvalidTarget(RESOURCE_MISMATCH().error_description);
                return {
                    scope: apiScopes.join(' '),
                    audience: tokenVersion === 1 ? indicator : appId,
                    accessTokenFormat: 'jwt',
                    jwt: { sign: { alg: 'RS256' } }
                };
            }
        }
    },
    formats: {
        customizers: {
            // Entra's access-token claims (access-tokens page): scp by short name, tid, oid, ver,
            // and the v1.0 or v2.0 issuer and client claim.
            jwt(_ctx, _token, jwt) {
                const p = jwt.payload;
                const client = p.client_id;
                const scp = p.aud === GRAPH_APP ? 'User.Read' : shortScopes(p.scope).join(' ');
                Object.assign(p, { scp, tid: tenant, oid: p.sub });
                if (tokenVersion === 1) Object.assign(p, { ver: '1.0', iss: v1Issuer, appid: client, appidacr: '0' });
                else Object.assign(p, { ver: '2.0', azp: client, azpacr: '0' });
                delete p.scope;
                delete p.client_id;
                jwt.header = { typ: 'JWT' };
            }
        }
    }
});

// Loopback redirect URIs: the port of a registered localhost or 127.0.0.1 URI may vary.
provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    const withoutPort = (uri) => {
        try {
            const url = new URL(uri);
            if (url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname)) url.port = '';
            return url.href;
        } catch {
            return undefined;
        }
    };
    const wanted = withoutPort(value);
    return wanted !== undefined && this.redirectUris.some((registered) => withoutPort(registered) === wanted);
};

parseBodies(provider);
withoutIssInRedirects(provider);
offlineAccessWithoutConsent(provider, '/oauth2/v2.0/authorize');
provider.use(async (ctx, next) => {
    if (ctx.path === '/oauth2/v2.0/authorize' && ctx.method === 'GET') {
        const error = check(ctx.query, { scopeRequired: true });
        if (error) {
            const { error: code, error_description: description, error_uri: uri } = error;
            if (await refuseAuthorization(provider, ctx, { error: code, error_description: description, error_uri: uri })) return;
        }
    }
    if (ctx.path === '/oauth2/v2.0/token' && ctx.method === 'POST') {
        const error = check(bodyOf(ctx), { scopeRequired: false });
        if (error) return refuse(ctx, 400, error);
    }
    await next();
    // Entra's discovery document, not oidc-provider's.
    if (ctx.path === '/.well-known/openid-configuration' && ctx.body && typeof ctx.body === 'object') {
        const doc = ctx.body;
        const mount = ctx.req.originalUrl.slice(0, ctx.req.originalUrl.indexOf('/.well-known/'));
        ctx.body = {
            token_endpoint: doc.token_endpoint,
            token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
            jwks_uri: doc.jwks_uri,
            response_modes_supported: ['query', 'fragment', 'form_post'],
            subject_types_supported: ['pairwise'],
            id_token_signing_alg_values_supported: ['RS256'],
            response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
            scopes_supported: OIDC_SCOPES,
            issuer: mount === `/${tenant}` ? issuer : `${base}/{tenantid}/v2.0`,
            request_uri_parameter_supported: false,
            userinfo_endpoint: doc.userinfo_endpoint,
            authorization_endpoint: doc.authorization_endpoint,
            http_logout_supported: true,
            frontchannel_logout_supported: true,
            end_session_endpoint: doc.end_session_endpoint,
            claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'email']
        };
    }
});

const api = createResourceServer({
    resource: mcpUrl,
    issuer,
    scope: `${identifierUris[0]}/user_impersonation`,
    scopesSupported: [`${identifierUris[0]}/user_impersonation`],
    name: 'MCP server behind Microsoft Entra ID',
    // An API behind Entra (Microsoft.Identity.Web's defaults): the tenant's keys, the tenant's v1.0
    // or v2.0 issuer, an audience of the app id or one of its identifier URIs, the scope in `scp`.
    verifyAccessToken: jwtVerifier({
        jwksUri: `${base}/${tenant}/discovery/v2.0/keys`,
        issuers: [issuer, v1Issuer],
        audiences: [appId, ...identifierUris],
        scopes: (payload) => (typeof payload.scp === 'string' ? payload.scp.split(' ').map((s) => `${identifierUris[0]}/${s}`) : []),
        client: (payload) => payload.azp ?? payload.appid
    })
});

serve({
    provider,
    accounts,
    route: mounted([`/${tenant}`, '/common', '/organizations'], {
        // Entra publishes OpenID discovery only, under the v2.0 issuer's path.
        [`/${tenant}/v2.0/.well-known/openid-configuration`]: `/${tenant}/.well-known/openid-configuration`,
        '/common/v2.0/.well-known/openid-configuration': '/common/.well-known/openid-configuration',
        '/organizations/v2.0/.well-known/openid-configuration': '/organizations/.well-known/openid-configuration'
    }),
    asPort,
    api,
    mcpPort,
    issuer
});

