// What the models of company identity providers share: an oidc-provider (panva's, OpenID
// Certified) with a key made at start, an in-memory store (a restart forgets every grant and
// token), the code flow only, and our sign-in routes in place of the provider's pages. Each model
// (entra.mjs, google.mjs, auth0.mjs, okta.mjs) adds its provider's endpoints, scopes, token
// formats and the rules its documentation states.
//
// The scripted person: a sign-in is approved without a page by a browser that follows redirects
// and keeps cookies. The account is the one the browser names in an `X-Peer-User` header, else the
// authorization request's `login_hint` (a user name or an e-mail address), else the model's first
// account; `X-Peer-Decision: deny` declines (the client gets access_denied). Two accounts exist,
// alice and bob, each with a subject in the provider's own format.

import crypto from 'node:crypto';

import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

import { event, warn } from '../common.mjs';

export const USERS = ['alice', 'bob'];

/** A stable identifier derived from `user`: `length` characters of `alphabet`. */
export function derivedId(user, salt, length, alphabet = '0123456789abcdef') {
    const digest = crypto.createHash('sha256').update(`${salt}:${user}`).digest();
    let out = '';
    for (let i = 0; out.length < length; i++) out += alphabet[digest[i % digest.length] % alphabet.length];
    return out;
}

/** The accounts of a model: user name ↔ subject (`subjectOf(user)`), and the claims of each. */
export function directory(subjectOf, domain) {
    const bySubject = new Map(USERS.map((user) => [subjectOf(user), user]));
    return {
        subjectOf,
        userOf: (subject) => bySubject.get(subject),
        claims(subject) {
            const user = bySubject.get(subject);
            return { sub: subject, email: `${user}@${domain}`, email_verified: true, name: user, preferred_username: `${user}@${domain}` };
        }
    };
}

/**
 * oidc-provider for `issuer` with the model's `configuration` over these shared parts: our
 * sign-in routes, the accounts of `accounts`, a fresh RS256 key, errors as JSON, and lifetimes
 * (`tokenLifetime` seconds for access tokens, an hour unless a test asks for less).
 */
export async function createProvider(issuer, accounts, { tokenLifetime = 3600, ...configuration }) {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
    const provider = new Provider(issuer, {
        responseTypes: ['code'],
        jwks: { keys: [jwk] },
        cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        findAccount: (_ctx, sub) => (accounts.userOf(sub) ? { accountId: sub, claims: () => accounts.claims(sub) } : undefined),
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
        renderError: (ctx, out) => {
            ctx.type = 'json';
            ctx.body = out;
        },
        ...configuration,
        features: { devInteractions: { enabled: false }, ...configuration.features },
        ttl: {
            AccessToken: tokenLifetime,
            AuthorizationCode: 60,
            Grant: 24 * 3600,
            IdToken: 3600,
            Interaction: 600,
            RefreshToken: 24 * 3600,
            Session: 24 * 3600,
            ...configuration.ttl
        }
    });
    provider.on('server_error', (_ctx, err) => warn(`oidc-provider server_error: ${err.stack}`));
    return provider;
}

/** The account the browser signs in as (see the header of this file). */
function chosenUser(req, params) {
    const header = req.headers['x-peer-user'];
    if (typeof header === 'string' && header) return header;
    const hint = typeof params.login_hint === 'string' ? params.login_hint.split('@')[0] : '';
    return hint || USERS[0];
}

/**
 * Our interaction route: the chosen account signs in, and consents to every scope and resource
 * the client asked for, or declines. Logs `sign-in` and `consent` events with the user and client.
 */
export async function signIn(provider, accounts, req, res) {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params, session, grantId } = details;
    const user = chosenUser(req, params);
    const declined = String(req.headers['x-peer-decision'] ?? '').toLowerCase() === 'deny';
    let result;
    if (declined) {
        result = { error: 'access_denied', error_description: 'The user declined.' };
    } else if (!USERS.includes(user)) {
        result = { error: 'access_denied', error_description: `There is no account ${user}.` };
    } else if (prompt.name === 'login') {
        result = { login: { accountId: accounts.subjectOf(user) } };
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
    event('as', prompt.name === 'login' ? 'sign-in' : prompt.name, {
        user: prompt.name === 'login' ? user : accounts.userOf(session?.accountId) ?? user,
        client_id: params.client_id,
        decision: result.error ? 'deny' : 'approve'
    });
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}
