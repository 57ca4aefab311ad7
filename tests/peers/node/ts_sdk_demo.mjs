// The TypeScript MCP SDK's example server `simpleStreamableHttp` with `--oauth --oauth-strict`, as
// the installed package ships it (dist/esm/examples/server/), with its demo authorization server
// (demoInMemoryOAuthProvider): DCR, /authorize that approves at once, /token, /introspect. It
// issues no refresh token and has no revocation endpoint. In strict mode the MCP endpoint accepts
// only tokens whose resource is this server's URL. The demo provider compares redirect URIs
// exactly (after the SDK's handler let a loopback port vary), and its MCP endpoint answers an
// unknown or expired token with HTTP 500 (its verifier throws a plain Error), not 401.
//
//   node ts_sdk_demo.mjs --port MCP_PORT --as-port AUTH_PORT [--token-lifetime SECONDS]
//
// The example takes its ports from MCP_PORT and MCP_AUTH_PORT and names both servers
// `http://localhost:PORT`; agentview must be pointed at http://localhost:MCP_PORT/mcp. What this
// launcher adds around the unchanged example: both servers listen on 127.0.0.1 only (the example
// listens on every interface); its console.log output is dropped (it prints tokens); a `peer-log`
// line per request; `READY <mcp url> <issuer>` on stdout; clients pre-registered from PEER_CLIENTS
// (the demo's store has no such option); optionally a shorter access-token lifetime (the demo's
// is one hour).

import net from 'node:net';
import process from 'node:process';

import { DemoInMemoryAuthProvider, DemoInMemoryClientsStore } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';

import { exitWithParent, logRequests, options, preregisteredClients, readyWhen } from './common.mjs';

const opts = options();
const mcpPort = Number(opts.port);
const authPort = Number(opts['as-port']);
if (!mcpPort || !authPort) {
    process.stderr.write('usage: ts_sdk_demo.mjs --port MCP_PORT --as-port AUTH_PORT [--token-lifetime SECONDS]\n');
    process.exit(2);
}
exitWithParent();

process.env.MCP_PORT = String(mcpPort);
process.env.MCP_AUTH_PORT = String(authPort);
process.argv.push('--oauth', '--oauth-strict');
// The example logs every request body and the authenticated token's details with console.log:
// drop that (stdout is for READY, and tokens stay out of logs); its errors still reach stderr.
console.log = () => {};
console.info = () => {};

const ready = readyWhen(2, `http://localhost:${mcpPort}/mcp http://localhost:${authPort}/`);
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
    // The example passes the port as a number (MCP) or a string (the authorization server).
    const port = Number(args[0]);
    if (Number.isInteger(port) && (args.length === 1 || typeof args[1] === 'function')) args.splice(1, 0, '127.0.0.1');
    const name = port === authPort ? 'as' : 'mcp';
    if (this.listeners('request').length) logRequests(this, name);
    this.once('listening', ready);
    return listen.apply(this, args);
};

const seeded = new Map(
    preregisteredClients().map((c) => [
        c.client_id,
        {
            token_endpoint_auth_method: c.client_secret ? 'client_secret_post' : 'none',
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            ...c
        }
    ])
);
const getClient = DemoInMemoryClientsStore.prototype.getClient;
DemoInMemoryClientsStore.prototype.getClient = async function (clientId) {
    return seeded.get(clientId) ?? getClient.call(this, clientId);
};

if (opts['token-lifetime']) {
    const seconds = Number(opts['token-lifetime']);
    const exchange = DemoInMemoryAuthProvider.prototype.exchangeAuthorizationCode;
    DemoInMemoryAuthProvider.prototype.exchangeAuthorizationCode = async function (...args) {
        const tokens = await exchange.apply(this, args);
        const data = this.tokens.get(tokens.access_token);
        if (data) data.expiresAt = Date.now() + seconds * 1000;
        return { ...tokens, expires_in: seconds };
    };
}

await import('@modelcontextprotocol/sdk/examples/server/simpleStreamableHttp.js');
