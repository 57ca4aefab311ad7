// A standards-strict OpenID provider: panva's oidc-provider (OpenID Certified), configured the way a
// careful deployment would be:
// - OpenID discovery only (/.well-known/openid-configuration; no RFC 8414 document),
// - open dynamic registration (RFC 7591) with the library's validation: a registration's `scope`
//   may name only the provider's own scopes (openid, offline_access), redirect URIs match exactly
//   (a native client's loopback port may vary, RFC 8252 §7.3),
// - only the authorization code flow, PKCE required (S256),
// - resource indicators (RFC 8707): the MCP server is the one resource, with scope mcp:tools, and
//   gets JWT access tokens (RFC 9068) signed with a key made at start,
// - refresh tokens only with offline_access, rotated at every use; reusing a used refresh token
//   revokes the whole grant,
// - revocation (RFC 7009), introspection (RFC 7662), client credentials; client authentication
//   none, client_secret_basic, client_secret_post, private_key_jwt,
// - an in-memory store: a restart forgets every client, grant and token.
// - optionally (`device`) the device authorization grant (RFC 8628, device_flow.mjs), its codes
//   living `device.expiresIn` seconds.
// Logins are approved by our interaction routes: a test user logs in and consents to what the
// client asked for, without a page (a browser that follows redirects and keeps cookies). The user
// is `test-user` unless the browser names another in an `X-Peer-User` header; `X-Peer-Decision:
// deny` declines.

import crypto from 'node:crypto';

import Provider, { errors } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

import { warn } from './common.mjs';
import { deviceFlowFeature } from './device_flow.mjs';

export const RESOURCE_SCOPE = 'mcp:tools';
export const TEST_USER = 'test-user';

/** The client authentication methods, in the order the metadata lists them (preferred first). */
export const CLIENT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/**
 * The provider for `issuer`, protecting `resource` (the MCP server's URL). `tokenLifetime` is the
 * access-token lifetime in seconds (for client credentials too); `clients` are pre-registered
 * client metadata; `authMethods` the client authentication methods, preferred first.
 */
export async function createAuthorizationServer({ issuer, resource, tokenLifetime, clients, authMethods = CLIENT_AUTH_METHODS, device, extraScopes = [] }) {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };

    const configuration = {
        clients: clients.map((c) => ({
            application_type: 'native',
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            token_endpoint_auth_method: c.client_secret ? 'client_secret_basic' : 'none',
            ...c
        })),
        // A client authenticates only the way it was registered (token_endpoint_auth_method);
        // private_key_jwt assertions are signed with one of RS256, PS256, ES256, Ed25519, EdDSA
        // (the library's default list), their `aud` the issuer or the token endpoint, each `jti`
        // used once.
        clientAuthMethods: authMethods,
        responseTypes: ['code'],
        scopes: ['openid', 'offline_access'],
        pkce: { required: () => true },
        rotateRefreshToken: true,
        jwks: { keys: [jwk] },
        cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
        features: {
            devInteractions: { enabled: false },
            registration: { enabled: true },
            revocation: { enabled: true },
            introspection: { enabled: true },
            clientCredentials: { enabled: true },
            deviceFlow: device ? deviceFlowFeature() : { enabled: false },
            resourceIndicators: {
                enabled: true,
                defaultResource: (_ctx, _client, oneOf) => oneOf,
                useGrantedResource: () => false,
                getResourceServerInfo: (_ctx, indicator) => {
                    if (indicator !== resource) throw new errors.InvalidTarget();
                    return {
                        scope: [RESOURCE_SCOPE, ...extraScopes].join(' '),
                        audience: resource,
                        accessTokenTTL: tokenLifetime,
                        accessTokenFormat: 'jwt',
                        jwt: { sign: { alg: 'RS256' } }
                    };
                }
            }
        },
        ttl: {
            AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? tokenLifetime,
            AuthorizationCode: 60,
            ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? tokenLifetime,
            Grant: 24 * 3600,
            IdToken: 3600,
            Interaction: 600,
            RefreshToken: 24 * 3600,
            Session: 24 * 3600,
            ...(device ? { DeviceCode: device.expiresIn } : {})
        },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
        renderError: (ctx, out) => {
            ctx.type = 'json';
            ctx.body = out;
        }
    };

    const provider = new Provider(issuer, configuration);
    // oidc-provider logs every error through these events; the request log has the answers.
    provider.on('server_error', (_ctx, err) => warn(`oidc-provider server_error: ${err.stack}`));
    return provider;
}

/** The account the browser signs in as: its X-Peer-User header, else the test user. */
function chosenUser(req) {
    const header = req.headers['x-peer-user'];
    return typeof header === 'string' && /^[A-Za-z0-9._@-]{1,64}$/.test(header) ? header : TEST_USER;
}

/**
 * The interaction routes that stand in for the login and consent pages: the chosen user logs in,
 * and consents to every scope and resource the client asked for, or declines.
 */
export async function interact(provider, req, res) {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params, session, grantId } = details;
    let result;
    if (String(req.headers['x-peer-decision'] ?? '').toLowerCase() === 'deny') {
        result = { error: 'access_denied', error_description: 'The user declined.' };
    } else if (prompt.name === 'login') {
        result = { login: { accountId: chosenUser(req) } };
    } else if (prompt.name === 'consent') {
        const grant = grantId
            ? await provider.Grant.find(grantId)
            : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        const missing = prompt.details;
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
            grant.addResourceScope(indicator, scopes.join(' '));
        }
        result = { consent: { grantId: await grant.save() } };
    } else {
        result = { error: 'access_denied', error_description: `prompt ${prompt.name} is not automated` };
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}
