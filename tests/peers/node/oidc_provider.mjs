// The OpenID provider (oidc_as.mjs) and the MCP resource server in front of it
// (resource_server.mjs), each on its own port of 127.0.0.1, in one process.
//
//   node oidc_provider.mjs --port MCP_PORT --as-port AS_PORT [--token-lifetime SECONDS]
//                          [--auth-methods METHOD,METHOD,...]
//                          [--device-flow [--device-expires-in SECONDS] [--device-interval SECONDS]
//                           [--slow-down-step SECONDS] [--busy-polls N]]
//                          [--tool-scope TOOL=SCOPE]
//
// Issuer http://127.0.0.1:AS_PORT, MCP endpoint http://127.0.0.1:MCP_PORT/mcp. PEER_CLIENTS
// (JSON list of client metadata) pre-registers clients, e.g. [{"client_id": "cli",
// "redirect_uris": ["http://127.0.0.1/callback"]}]: native, public, code + refresh_token unless
// the entry says otherwise; a client for the client credentials grant says so, e.g.
// {"client_id": "ci", "client_secret": "...", "grant_types": ["client_credentials"],
// "response_types": [], "redirect_uris": []}, or with "token_endpoint_auth_method":
// "private_key_jwt" and its public keys in "jwks". --auth-methods: the client authentication
// methods the provider takes, in the order its metadata lists them. --device-flow adds the device
// authorization grant (RFC 8628, device_flow.mjs): codes living --device-expires-in seconds
// (default 600), polled every --device-interval seconds (default 5), the interval growing by
// --slow-down-step seconds (default 5) at each slow_down; --busy-polls N answers the first N
// polls of each code slow_down however late they come (a busy server may, RFC 8628 §3.5).
// --tool-scope adds a tool TOOL that needs SCOPE besides mcp:tools (the metadata lists only
// mcp:tools; a call without SCOPE gets 403 insufficient_scope naming it). Prints `READY <mcp url> <issuer>` when both listen; a `peer-log` line
// per request on stderr; exits on SIGTERM, SIGINT or stdin EOF.

import http from 'node:http';

import { RESOURCE_SCOPE, createAuthorizationServer, interact } from './oidc_as.mjs';
import { enforcePolling } from './device_flow.mjs';
import { createResourceServer } from './resource_server.mjs';
import { exitWithParent, listen, logRequests, options, ports, preregisteredClients, readyWhen, warn } from './common.mjs';

const opts = options();
const { mcpPort, asPort } = ports(opts, 'oidc_provider.mjs --port MCP_PORT --as-port AS_PORT [--token-lifetime SECONDS]');
exitWithParent();
const tokenLifetime = Number(opts['token-lifetime'] ?? 3600);
const authMethods = typeof opts['auth-methods'] === 'string' ? opts['auth-methods'].split(',') : undefined;
const device = opts['device-flow']
    ? {
          expiresIn: Number(opts['device-expires-in'] ?? 600),
          interval: Number(opts['device-interval'] ?? 5),
          slowDownStep: Number(opts['slow-down-step'] ?? 5),
          busyPolls: Number(opts['busy-polls'] ?? 0)
      }
    : undefined;

const toolScopes = {};
if (typeof opts['tool-scope'] === 'string') {
    const [tool, scope] = opts['tool-scope'].split('=');
    toolScopes[tool] = scope;
}

const issuer = `http://127.0.0.1:${asPort}`;
const resource = `http://127.0.0.1:${mcpPort}/mcp`;

const provider = await createAuthorizationServer({
    issuer,
    resource,
    tokenLifetime,
    clients: preregisteredClients(),
    authMethods,
    device,
    extraScopes: Object.values(toolScopes)
});
if (device) enforcePolling(provider, { devicePath: '/device/auth', tokenPath: '/token', ...device });
const handleProvider = provider.callback();
const asServer = http.createServer((req, res) => {
    // An OpenID provider that publishes OpenID discovery only (oidc-provider also answers the RFC
    // 8414 path; this deployment does not expose it).
    if (new URL(req.url, issuer).pathname === '/.well-known/oauth-authorization-server') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'not_found' }));
        return;
    }
    if (req.url.startsWith('/interaction/')) {
        interact(provider, req, res).catch((err) => {
            warn(`interaction failed: ${err.message}`);
            if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: 'interaction_failed', error_description: err.message }));
        });
        return;
    }
    handleProvider(req, res);
});
// Koa keeps the parsed body on ctx.oidc, not on the request: log what the client sent from there.
provider.use(async (ctx, next) => {
    await next();
    const body = ctx.oidc?.body;
    if (body) ctx.req.body = body;
    else if (ctx.oidc?.params && ctx.method === 'GET') ctx.req.body = undefined;
});
logRequests(asServer, 'as');

const rsApp = createResourceServer({ resource, issuer, jwksUri: `${issuer}/jwks`, scope: RESOURCE_SCOPE, toolScopes });
const rsServer = http.createServer(rsApp);
logRequests(rsServer, 'mcp');

const ready = readyWhen(2, `${resource} ${issuer}`);
listen(asServer, asPort, ready);
listen(rsServer, mcpPort, ready);
