// A model of an Okta org's custom authorization server `default` on oidc-provider, with an MCP
// server that checks tokens the way an API behind Okta does.
//
//   node okta.mjs --port MCP_PORT --as-port AS_PORT [--token-lifetime SECONDS]
//
// Issuer http://127.0.0.1:AS_PORT/oauth2/default. PEER_CLIENTS pre-registers the org's app
// integrations (native, public unless they carry a secret); PEER_ADMIN_TOKEN (environment) is the
// org's API token that dynamic registration requires. The authorization server's audience is
// api://default, its custom scope mcp:tools. Prints `READY <mcp url> <issuer>`.
//
// What it enforces, each rule beside the page that states it:
// - A custom authorization server at /oauth2/default with its own metadata at
//   /oauth2/default/.well-known/oauth-authorization-server and .../openid-configuration, its
//   endpoints under /oauth2/default/v1/ (https://developer.okta.com/docs/concepts/auth-servers/;
//   https://developer.okta.com/docs/reference/api/oidc/#well-known-oauth-authorization-server).
// - Refresh tokens only with offline_access (https://developer.okta.com/docs/guides/refresh-tokens/main/:
//   "To get a refresh token, ... include the offline_access scope"); rotated at every use, reuse
//   revokes the grant (the strict end of the app's "Refresh token behavior"; Okta's default grace
//   period for a rotated token is not modelled).
// - Dynamic registration at /oauth2/v1/clients (the org's endpoint) only with the admin's token,
//   `Authorization: SSWS <token>`; without it 401 E0000011 "Invalid token provided"
//   (https://developer.okta.com/docs/reference/api/oauth-clients/: "Dynamic Client Registration ...
//   requires an API token"; https://developer.okta.com/docs/reference/error-codes/#E0000011).
// - Access tokens are JWTs for the authorization server's audience api://default (not for the MCP
//   URL; `resource` is not Okta's parameter and is ignored), scopes in `scp` (an array), the
//   client in `cid`, the user's id in `uid` and login in `sub`
//   (https://developer.okta.com/docs/reference/api/oidc/#access-token-payload).
// - Every requested scope must exist on the authorization server: invalid_scope "One or more
//   scopes are not configured for the authorization server resource."
//   (https://developer.okta.com/docs/reference/api/oidc/#possible-errors).
// - PKCE required of public clients (https://developer.okta.com/docs/guides/implement-grant-type/authcodepkce/main/).


import { env, event, exitWithParent, options, ports, preregisteredClients } from '../common.mjs';
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
    setQuery,
    serve
} from './front.mjs';
import { jwtVerifier } from './tokens.mjs';

const opts = options();
const { mcpPort, asPort } = ports(opts, 'okta.mjs --port MCP_PORT --as-port AS_PORT [--token-lifetime SECONDS]');
exitWithParent();

const base = `http://127.0.0.1:${asPort}`;
const issuer = `${base}/oauth2/default`;
const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
const AUDIENCE = 'api://default';
const CUSTOM = 'mcp:tools';
const SCOPES = ['openid', 'profile', 'email', 'offline_access', CUSTOM];
// Without a token from the environment nobody can register.
const adminToken = env('PEER_ADMIN_TOKEN') || undefined;

const accounts = directory((user) => `00u${derivedId(user, 'okta-uid', 17, 'abcdefghijklmnopqrstuvwxyz0123456789')}`, 'example.com');

const provider = await createProvider(issuer, accounts, {
    tokenLifetime: Number(opts['token-lifetime'] ?? 3600),
    clients: preregisteredClients().map((c) => ({
        application_type: 'native',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: c.client_secret ? 'client_secret_basic' : 'none',
        ...c
    })),
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    rotateRefreshToken: true,
    routes: {
        authorization: '/default/v1/authorize',
        token: '/default/v1/token',
        revocation: '/default/v1/revoke',
        introspection: '/default/v1/introspect',
        userinfo: '/default/v1/userinfo',
        jwks: '/default/v1/keys',
        end_session: '/default/v1/logout',
        registration: '/v1/clients'
    },
    features: {
        registration: { enabled: true, initialAccessToken: adminToken ?? true },
        revocation: { enabled: true },
        introspection: { enabled: true },
        resourceIndicators: {
            enabled: true,
            // Every access token is for the authorization server's audience.
            defaultResource: () => AUDIENCE,
            useGrantedResource: () => true,
            getResourceServerInfo: () => ({
                scope: CUSTOM,
                audience: AUDIENCE,
                accessTokenFormat: 'jwt',
                jwt: { sign: { alg: 'RS256' } }
            })
        }
    },
    formats: {
        customizers: {
            // Okta's access-token claims: ver, cid, uid, scp (an array), sub = the user's login.
            jwt(_ctx, _token, jwt) {
                const p = jwt.payload;
                Object.assign(p, {
                    ver: 1,
                    cid: p.client_id,
                    uid: p.sub,
                    sub: accounts.claims(p.sub).email,
                    scp: scopesOf(p.scope)
                });
                delete p.scope;
                delete p.client_id;
                jwt.header = { typ: undefined };
            }
        }
    }
});

function unknownScopes(scope) {
    if (scopesOf(scope).every((s) => SCOPES.includes(s))) return undefined;
    return { error: 'invalid_scope', error_description: 'One or more scopes are not configured for the authorization server resource.' };
}

parseBodies(provider);
offlineAccessWithoutConsent(provider, '/default/v1/authorize');
provider.use(async (ctx, next) => {
    if (ctx.path === '/default/v1/authorize' && ctx.method === 'GET') {
        const error = unknownScopes(ctx.query.scope);
        if (error && (await refuseAuthorization(provider, ctx, error))) return;
        if (ctx.query.resource !== undefined) {
            const { resource: _ignored, ...rest } = ctx.query;
            setQuery(ctx, rest);
        }
    }
    if (ctx.path === '/default/v1/token' && ctx.method === 'POST') {
        const error = unknownScopes(bodyOf(ctx).scope);
        if (error) return refuse(ctx, 400, error);
        delete bodyOf(ctx).resource;
    }
    if (ctx.path === '/v1/clients') {
        const [scheme, token] = ctx.get('authorization').split(' ');
        if (scheme !== 'SSWS' || !adminToken || token !== adminToken) {
            event('as', 'registration-refused', { reason: scheme === 'SSWS' ? 'wrong API token' : 'no API token' });
            return refuse(ctx, 401, {
                errorCode: 'E0000011',
                errorSummary: 'Invalid token provided',
                errorLink: 'E0000011',
                errorId: `oae${derivedId(String(Date.now()), 'okta-error', 19, 'abcdefghijklmnopqrstuvwxyz0123456789')}`,
                errorCauses: []
            });
        }
        // oidc-provider takes the initial access token as a Bearer token.
        ctx.req.headers.authorization = `Bearer ${token}`;
    }
    await next();
});

const api = createResourceServer({
    resource: mcpUrl,
    issuer,
    scope: CUSTOM,
    scopesSupported: [CUSTOM],
    name: 'MCP server behind Okta',
    verifyAccessToken: jwtVerifier({
        jwksUri: `${issuer}/v1/keys`,
        issuers: [issuer],
        audiences: [AUDIENCE],
        scopes: (payload) => (Array.isArray(payload.scp) ? payload.scp : []),
        client: (payload) => payload.cid
    })
});

serve({
    provider,
    accounts,
    route: mounted(['/oauth2'], {
        '/oauth2/default/.well-known/openid-configuration': '/oauth2/.well-known/openid-configuration',
        '/oauth2/default/.well-known/oauth-authorization-server': '/oauth2/.well-known/oauth-authorization-server'
    }),
    asPort,
    api,
    mcpPort,
    issuer
});
