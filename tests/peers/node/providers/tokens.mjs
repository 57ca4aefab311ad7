// How the APIs behind the modelled providers check access tokens: a JWT against the provider's
// keys (Entra, Auth0, Okta), or an opaque token the provider describes (Google's tokeninfo). A
// token that fails any check is an InvalidTokenError: 401 with error="invalid_token" and the
// resource_metadata challenge.

import { createRemoteJWKSet, jwtVerify } from 'jose';

import { InvalidTokenError } from '../resource_server.mjs';

/**
 * A JWT check: signature by a key at `jwksUri`, `iss` one of `issuers`, `exp`, an `aud` among
 * `audiences`; `scopes(payload)` and `client(payload)` read the provider's claims.
 */
export function jwtVerifier({ jwksUri, issuers, audiences, scopes, client }) {
    const jwks = createRemoteJWKSet(new URL(jwksUri));
    return async (token) => {
        let payload;
        try {
            // Date.now, not jose's own new Date(): the clock a test moves (common.mjs).
            ({ payload } = await jwtVerify(token, jwks, { issuer: issuers, algorithms: ['RS256'], currentDate: new Date(Date.now()) }));
        } catch (err) {
            throw new InvalidTokenError(`the access token is not valid here: ${err.code ?? err.message}`);
        }
        const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        if (!aud.some((a) => audiences.includes(a))) {
            throw new InvalidTokenError(`the access token is for another audience (${aud.join(' ')})`);
        }
        return { clientId: String(client(payload) ?? ''), scopes: scopes(payload), expiresAt: payload.exp, sub: payload.sub };
    };
}
