// An MCP server (Streamable HTTP, built on @modelcontextprotocol/sdk, one tool) that is only a
// resource server. By default it accepts JWT access tokens (RFC 9068) from one authorization
// server, checked against that server's JWKS, with `iss` = the issuer, `aud` = this server's URL,
// `exp`, and the scope mcp:tools; a launcher may instead give the check an API behind a company
// identity provider would make (`verifyAccessToken`: the provider's own token format, audience and
// scope claims). A missing or bad token gets 401 with `WWW-Authenticate: Bearer
// error="invalid_token", ..., resource_metadata="..."` (the SDK's requireBearerAuth), a token
// without the scope 403 insufficient_scope; the protected-resource metadata (RFC 9728) names the
// authorization server and the scopes. Nothing else is served: no authorization-server metadata
// on this origin.

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export { InvalidTokenError };

/** The default check: an RFC 9068 JWT for `resource` from `issuer`, keys at `jwksUri`. */
function jwtAccessTokens({ resource, issuer, jwksUri }) {
    const jwks = createRemoteJWKSet(new URL(jwksUri));
    return async (token) => {
        let payload;
        try {
            // Date.now, not jose's own new Date(): the clock a test moves (common.mjs).
            ({ payload } = await jwtVerify(token, jwks, { issuer, audience: resource, typ: 'at+jwt', currentDate: new Date(Date.now()) }));
        } catch (err) {
            throw new InvalidTokenError(`the access token is not valid here: ${err.code ?? err.message}`);
        }
        return {
            clientId: String(payload.client_id ?? ''),
            scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [],
            expiresAt: payload.exp,
            sub: payload.sub
        };
    };
}

/**
 * An express app serving the MCP endpoint `resource` (a URL) for tokens of `issuer`.
 * `verifyAccessToken(token)` (optional) returns `{ clientId, scopes, expiresAt, sub }` or throws
 * InvalidTokenError; `scope` is the scope a token must carry, `scopesSupported` what the metadata
 * lists (default: `scope` alone), `name` the metadata's resource_name. `toolScopes` (optional,
 * `{ tool: scope }`) adds tools that each need one more scope: a call with a token without it gets
 * 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="<that scope>"` (RFC 6750
 * section 3.1; MCP's scope challenge), before the MCP server sees it.
 */
export function createResourceServer({ resource, issuer, jwksUri, scope, verifyAccessToken, scopesSupported, name, toolScopes = {} }) {
    const resourceUrl = new URL(resource);
    const metadataUrl = getOAuthProtectedResourceMetadataUrl(resourceUrl);
    const check = verifyAccessToken ?? jwtAccessTokens({ resource, issuer, jwksUri });

    const verifier = {
        async verifyAccessToken(token) {
            const info = await check(token);
            return {
                token,
                clientId: info.clientId,
                scopes: info.scopes,
                expiresAt: info.expiresAt,
                resource: resourceUrl,
                extra: { sub: info.sub }
            };
        }
    };

    const app = createMcpExpressApp({ host: '127.0.0.1' });
    app.get(new URL(metadataUrl).pathname, (_req, res) => {
        res.json({
            resource,
            authorization_servers: [issuer],
            scopes_supported: scopesSupported ?? [scope],
            bearer_methods_supported: ['header'],
            resource_name: name ?? 'MCP resource server for the OpenID provider'
        });
    });

    const auth = requireBearerAuth({ verifier, requiredScopes: [scope], resourceMetadataUrl: metadataUrl });
    // Stateless: a new server and transport per request, as the SDK's stateless example does.
    const scopeCheck = (req, res, next) => {
        const tool = req.body?.method === 'tools/call' ? req.body?.params?.name : undefined;
        const needed = tool === undefined ? undefined : toolScopes[tool];
        if (needed && !(req.auth?.scopes ?? []).includes(needed)) {
            const challenge = `Bearer error="insufficient_scope", error_description="the tool ${tool} needs the scope ${needed}", scope="${needed}", resource_metadata="${metadataUrl}"`;
            res.status(403).set('WWW-Authenticate', challenge).json({ error: 'insufficient_scope' });
            return;
        }
        next();
    };
    app.post(resourceUrl.pathname, auth, scopeCheck, async (req, res) => {
        const server = new McpServer({ name: 'oidc-resource-server', version: '1.0.0' });
        server.registerTool('whoami', { description: 'The subject and client of the access token' }, async (extra) => ({
            content: [{ type: 'text', text: `${extra.authInfo?.extra?.sub ?? ''} via ${extra.authInfo?.clientId ?? ''}` }]
        }));
        for (const [tool, needed] of Object.entries(toolScopes)) {
            server.registerTool(tool, { description: `Needs the scope ${needed}` }, async (extra) => ({
                content: [{ type: 'text', text: `scopes: ${(extra.authInfo?.scopes ?? []).join(' ')}` }]
            }));
        }
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        res.on('close', () => {
            transport.close();
            server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, req.body);
    });
    const notAllowed = (_req, res) => {
        res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
    };
    app.get(resourceUrl.pathname, auth, notAllowed);
    app.delete(resourceUrl.pathname, auth, notAllowed);
    return app;
}
