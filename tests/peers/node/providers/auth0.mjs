// A model of an Auth0 tenant on oidc-provider: one API (its identifier the `audience`), the
// tenant's applications, and an MCP server that checks tokens the way an API behind Auth0 does.
//
//   node auth0.mjs --port MCP_PORT --as-port AS_PORT [--api-identifier ID] [--dcr]
//                  [--token-lifetime SECONDS]
//
// Issuer http://127.0.0.1:AS_PORT/ (with the trailing slash Auth0 publishes). PEER_CLIENTS
// pre-registers applications (native, public unless they carry a secret). The API's identifier is
// --api-identifier (default: the MCP server's URL), its permission `read:tools`. --dcr turns on the
// tenant's "OIDC Dynamic Application Registration" setting. Prints `READY <mcp url> <issuer>`.
//
// What it enforces, each rule beside the page that states it:
// - An access token for the API only when the authorization request names it in `audience`: a JWT
//   with aud = the API identifier, `scope` the granted permissions; without `audience` an opaque
//   token good only for /userinfo, which the API refuses
//   (https://auth0.com/docs/secure/tokens/access-tokens/get-access-tokens: "If you do not specify an
//   audience, ... an opaque Access Token"; https://auth0.com/docs/secure/tokens/access-tokens/validate-access-tokens:
//   the API checks that aud holds its identifier and that `scope` holds the permission). An
//   audience no API has is refused with access_denied "Service not found: <audience>". `resource`
//   (RFC 8707) is not Auth0's parameter: ignored.
// - Refresh tokens only with offline_access (https://auth0.com/docs/secure/tokens/refresh-tokens/get-refresh-tokens:
//   "include the offline_access scope"), rotated at every use; a refresh token used twice revokes
//   its whole family (https://auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation,
//   "Automatic reuse detection"; reuse interval 0).
// - Dynamic registration at /oidc/register only when the tenant enables it
//   (https://auth0.com/docs/get-started/applications/dynamic-client-registration: "By default,
//   dynamic client registration is disabled for all tenants"); open when enabled. Without it the
//   discovery document has no registration_endpoint and /oidc/register answers 403.
// - Endpoints /authorize, /oauth/token, /oauth/revoke (refresh tokens), /userinfo,
//   /.well-known/jwks.json; discovery at /.well-known/openid-configuration and
//   /.well-known/oauth-authorization-server
//   (https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery).
// - PKCE (S256) required of public clients, checked when sent by others (oidc-provider's rule;
//   https://auth0.com/docs/get-started/authentication-and-authorization-flow/authorization-code-flow-with-pkce).

import { event, exitWithParent, options, ports, preregisteredClients } from '../common.mjs';
import { createResourceServer } from '../resource_server.mjs';
import { createProvider, derivedId, directory } from './model.mjs';
import {
    bodyOf,
    mounted,
    offlineAccessWithoutConsent,
    parseBodies,
    refuse,
    refuseAuthorization,
    setQuery,
    serve,
    withoutIssInRedirects
} from './front.mjs';
import { jwtVerifier } from './tokens.mjs';

const opts = options();
const { mcpPort, asPort } = ports(
    opts,
    'auth0.mjs --port MCP_PORT --as-port AS_PORT [--api-identifier ID] [--dcr] [--token-lifetime SECONDS]'
);
exitWithParent();

const issuer = `http://127.0.0.1:${asPort}/`;
const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
const apiIdentifier = typeof opts['api-identifier'] === 'string' ? opts['api-identifier'] : mcpUrl;
const dcr = opts.dcr === true;
const PERMISSION = 'read:tools';

const accounts = directory((user) => `auth0|${derivedId(user, 'auth0-user', 24)}`, 'example.com');

const provider = await createProvider(issuer, accounts, {
    tokenLifetime: Number(opts['token-lifetime'] ?? 3600),
    clients: preregisteredClients().map((c) => ({
        application_type: 'native',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: c.client_secret ? 'client_secret_post' : 'none',
        ...c
    })),
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    extraParams: ['audience'],
    rotateRefreshToken: true,
    routes: {
        authorization: '/authorize',
        token: '/oauth/token',
        revocation: '/oauth/revoke',
        userinfo: '/userinfo',
        jwks: '/.well-known/jwks.json',
        registration: '/oidc/register',
        end_session: '/oidc/logout'
    },
    features: {
        registration: { enabled: dcr },
        revocation: { enabled: true },
        introspection: { enabled: false },
        resourceIndicators: {
            enabled: true,
            // The `audience` of the authorization request, handed over as the resource; none:
            // no API, an opaque token for /userinfo.
            defaultResource: (_ctx, _client, oneOf) => oneOf,
            useGrantedResource: () => true,
            getResourceServerInfo: () => ({
                scope: PERMISSION,
                audience: apiIdentifier,
                accessTokenFormat: 'jwt',
                jwt: { sign: { alg: 'RS256' } }
            })
        }
    },
    formats: {
        customizers: {
            // Auth0's access-token claims: azp, and the client's id only there.
            jwt(_ctx, _token, jwt) {
                jwt.payload.azp = jwt.payload.client_id;
                delete jwt.payload.client_id;
                jwt.header = { typ: 'JWT' };
            }
        }
    }
});

provider.on('grant.revoked', (ctx, grantId) => {
    if (ctx?.oidc?.route === 'token') event('as', 'grant-revoked', { grant: grantId.slice(0, 6), reason: 'refresh token reused' });
});

parseBodies(provider);
// Auth0 sends no `iss` with the authorization response.
withoutIssInRedirects(provider);
offlineAccessWithoutConsent(provider, '/authorize');
provider.use(async (ctx, next) => {
    if (ctx.path === '/authorize' && ctx.method === 'GET') {
        const { audience, resource, ...rest } = ctx.query;
        if (audience !== undefined && audience !== apiIdentifier) {
            const error = { error: 'access_denied', error_description: `Service not found: ${audience}` };
            if (await refuseAuthorization(provider, ctx, error)) return;
        }
        // Auth0 knows no `resource`; its `audience` names the API.
        if (resource !== undefined || audience !== undefined) {
            setQuery(ctx, audience === undefined ? rest : { ...rest, audience, resource: audience });
        }
    }
    if (ctx.path === '/oauth/token' && ctx.method === 'POST' && bodyOf(ctx).resource !== undefined) {
        delete ctx.req.body.resource;
    }
    if (ctx.path === '/oidc/register' && !dcr) {
        return refuse(ctx, 403, { error: 'access_denied', error_description: 'Dynamic client registration is disabled for this tenant.' });
    }
    await next();
    if (ctx.path === '/.well-known/openid-configuration' || ctx.path === '/.well-known/oauth-authorization-server') {
        if (ctx.body && typeof ctx.body === 'object') {
            // Auth0 publishes no RFC 9207 support and no introspection.
            delete ctx.body.authorization_response_iss_parameter_supported;
        }
    }
});
const api = createResourceServer({
    resource: mcpUrl,
    issuer,
    scope: PERMISSION,
    scopesSupported: [PERMISSION],
    name: 'MCP server behind Auth0',
    verifyAccessToken: jwtVerifier({
        jwksUri: `${issuer}.well-known/jwks.json`,
        issuers: [issuer],
        audiences: [apiIdentifier],
        scopes: (payload) => (typeof payload.scope === 'string' ? payload.scope.split(' ') : []),
        client: (payload) => payload.azp
    })
});

serve({
    provider,
    accounts,
    route: mounted([''], {
        '/.well-known/openid-configuration': '/.well-known/openid-configuration',
        '/.well-known/oauth-authorization-server': '/.well-known/oauth-authorization-server',
        '/.well-known/jwks.json': '/.well-known/jwks.json'
    }),
    asPort,
    api,
    mcpPort,
    issuer
});
