// What every peer launcher shares: options, the request log, the readiness line, the exit on
// SIGTERM or stdin EOF, and a clock a test moves (a line `clock SECONDS` on stdin). Nothing here
// logs a token or a secret: form values are logged only for fields that carry none.
//
// A launcher runs as a process of its own (`node launcher.mjs ...`), or as one of several peers
// in the process of host.mjs, which imports the packages once. Everything a launcher reads from
// or writes to its process goes through here (its options, environment, stdout, stderr, clock
// and exit), so it does not matter which: a hosted peer's are its own, found through the
// asynchronous context its code runs in (every request its servers answer runs in the context
// they were started in).

import { AsyncLocalStorage } from 'node:async_hooks';
import process from 'node:process';

/**
 * A peer: `argv` (its options), `env`, `out` and `err` (write a text to its stdout, its stderr),
 * `offset` (milliseconds its clock is ahead), `servers` (those `listen` started), `exit(code)`.
 */
const standalone = {
    hosted: false,
    argv: process.argv.slice(2),
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    offset: 0,
    servers: [],
    exit: (code) => process.exit(code)
};
const hosted = new AsyncLocalStorage();

/** The peer the running code belongs to. */
function peer() {
    return hosted.getStore() ?? standalone;
}

/**
 * Start a peer in this process (host.mjs): `start()` runs as `instance` (see `standalone` for its
 * fields; `exit(code)` stops it), and so does everything it sets going. Returns the peer.
 */
export function runHosted(instance, start) {
    const self = { ...instance, hosted: true, offset: 0, servers: [] };
    hosted.run(self, () =>
        start().catch((err) => {
            if (!err?.reported) fail(self, `the peer failed to start: ${err?.stack ?? err}`);
        })
    );
    return self;
}

// Every Date.now of a peer (oidc-provider's expiry checks, the SDK's, ours) reads its own clock.
const realNow = Date.now;
Date.now = () => realNow() + peer().offset;

/** Move `instance`'s clock `seconds` ahead, and log a `clock` event when done. */
function moveClock(instance, seconds) {
    instance.offset += seconds * 1000;
    logTo(instance, { server: 'peer', event: 'clock', offset: instance.offset / 1000 });
}

// Form and query fields whose values may be logged; all others are logged by name only.
const LOGGED_VALUES = new Set([
    'grant_type',
    'client_id',
    'client_assertion_type',
    'token_type_hint',
    'resource',
    'scope',
    'redirect_uri',
    'prompt',
    'response_type',
    'code_challenge_method',
    // What company identity providers add to an authorization request.
    'audience',
    'access_type',
    'include_granted_scopes',
    'login_hint'
]);

/** `--name value` options into an object; `--flag` alone is true. */
export function options(argv = peer().argv) {
    const out = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith('--')) continue;
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) out[arg.slice(2)] = true;
        else out[arg.slice(2)] = argv[++i];
    }
    return out;
}

/** The clients to register at start (PEER_CLIENTS, a JSON list), as the operator would. */
export function preregisteredClients() {
    const text = env('PEER_CLIENTS');
    if (!text) return [];
    const list = JSON.parse(text);
    if (!Array.isArray(list)) throw new Error('PEER_CLIENTS must be a JSON list');
    return list;
}

/** A variable of the peer's environment. */
export function env(name) {
    return peer().env[name];
}

/** A line of `instance`'s request log. */
function logTo(instance, record) {
    instance.err(`peer-log ${JSON.stringify(record)}\n`);
}

export function log(record) {
    logTo(peer(), record);
}

/** A line on the peer's stderr (what went wrong inside it). */
export function warn(text) {
    peer().err(`${text}\n`);
}

/** End the peer with `message` on its stderr: exit `code`, or, hosted, stop it (host.mjs). */
function fail(instance, message, code = 1) {
    instance.err(`${message}\n`);
    instance.exit(code);
}

/** The usage line and exit 2 (a launcher's options are wrong). Throws where it cannot exit. */
export function usage(text) {
    const self = peer();
    fail(self, `usage: ${text}`, 2);
    throw Object.assign(new Error(`usage: ${text}`), { reported: true });
}

/** The launcher's ports (`--port`, `--as-port`), or the usage line and exit 2. */
export function ports(opts, usageLine) {
    const mcpPort = Number(opts.port);
    const asPort = Number(opts['as-port']);
    if (!mcpPort || !asPort) usage(usageLine);
    return { mcpPort, asPort };
}

/**
 * `server` listening on 127.0.0.1:`port`, then `ready()`; a port it cannot listen on ends the
 * peer. The peer's servers close when it stops.
 */
export function listen(server, port, ready) {
    const self = peer();
    self.servers.push(server);
    server.on('error', (err) => fail(self, `cannot listen on 127.0.0.1:${port}: ${err.message}`));
    server.listen(port, '127.0.0.1', ready);
}

function safeFields(record, fields) {
    if (!fields || typeof fields !== 'object') return;
    record.fields = Object.keys(fields).sort();
    for (const [key, value] of Object.entries(fields)) {
        if (LOGGED_VALUES.has(key) && typeof value === 'string') record[key] = value;
    }
}

/**
 * Log every request `server` (a node:http server) answers: method, path, status, the scheme of
 * the Authorization header, the parsed body's field names (express and koa parsers leave the body
 * on the request), a registration's metadata, the JSON body of a refused request, and whether a
 * redirect carried an authorization code or an error (with its description).
 * `bodyOf(req)` returns the parsed body where the framework keeps it elsewhere.
 */
export function logRequests(server, name, bodyOf = (req) => req.body) {
    const self = peer();
    server.prependListener('request', (req, res) => {
        // Routers rewrite req.url for mounted paths: keep what the client asked for.
        const url = new URL(req.url, 'http://peer');
        const chunks = [];
        const { write, end } = res;
        res.write = function (chunk, ...rest) {
            if (res.statusCode >= 400 && chunk && chunks.length < 8) chunks.push(Buffer.from(chunk));
            return write.call(this, chunk, ...rest);
        };
        res.end = function (chunk, ...rest) {
            if (res.statusCode >= 400 && chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
            return end.call(this, chunk, ...rest);
        };
        res.on('finish', () => {
            const record = { server: name, method: req.method, path: url.pathname, status: res.statusCode };
            const auth = req.headers.authorization;
            record.auth = auth ? auth.split(' ')[0].toLowerCase() : 'none';
            const body = bodyOf(req);
            if (req.method === 'GET') safeFields(record, Object.fromEntries(url.searchParams));
            else if (body && typeof body === 'object' && Array.isArray(body.redirect_uris)) record.registration = body;
            else if (body && typeof body === 'object' && !body.jsonrpc) safeFields(record, body);
            if (body && typeof body === 'object' && typeof body.method === 'string') record.rpc = body.method;
            const challenge = res.getHeader('www-authenticate');
            if (challenge) record.www_authenticate = String(challenge);
            // An authorization answer travels in the redirect: say whether it carried a code (never
            // the code itself) or an error.
            const location = res.statusCode >= 300 && res.statusCode < 400 ? res.getHeader('location') : undefined;
            if (location) {
                const answer = new URL(String(location), 'http://peer').searchParams;
                if (answer.has('error')) {
                    record.redirect_error = { error: answer.get('error'), error_description: answer.get('error_description') };
                }
                if (answer.has('code')) record.redirect_code = true;
            }
            if (chunks.length && url.pathname !== '/mcp') {
                const text = Buffer.concat(chunks).toString('utf8').slice(0, 2048);
                try {
                    record.error = JSON.parse(text);
                } catch {
                    record.error = text.slice(0, 300);
                }
            }
            logTo(self, record);
        });
    });
}

/**
 * Exit at once on SIGTERM, SIGINT, or when stdin closes (the harness died). A line `clock SECONDS`
 * on stdin moves the peer's clock that far ahead, so what it issued expires without a test
 * waiting for it; a `clock` event says it is done. A hosted peer's stdin is its connection to
 * host.mjs, which does the same.
 */
export function exitWithParent() {
    if (peer().hosted) return;
    for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
    eachLine(process.stdin, (line) => command(standalone, line));
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
}

/** Call `onLine` with each line `stream` brings, as it comes. */
export function eachLine(stream, onLine) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
        pending += chunk;
        let end;
        while ((end = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, end);
            pending = pending.slice(end + 1);
            onLine(line);
        }
    });
}

/** A line a test sent the peer: `clock SECONDS` moves its clock. */
export function command(instance, line) {
    const [name, seconds] = line.trim().split(/\s+/);
    if (name === 'clock' && Number.isFinite(Number(seconds))) moveClock(instance, Number(seconds));
}

/** A happening that is no request (a sign-in, a refresh token withheld, a grant revoked). */
export function event(server, name, details = {}) {
    log({ server, event: name, ...details });
}

/** Print the readiness line once `count` servers listen. */
export function readyWhen(count, line) {
    const self = peer();
    let listening = 0;
    return () => {
        listening += 1;
        if (listening === count) self.out(`READY ${line}\n`);
    };
}
