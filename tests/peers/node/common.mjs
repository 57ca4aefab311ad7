// What every peer launcher shares: options, the request log, the readiness line, the exit on
// SIGTERM or stdin EOF, and a clock a test moves (a line `clock SECONDS` on stdin). Nothing here
// logs a token or a secret: form values are logged only for fields that carry none.

import process from 'node:process';

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
export function options(argv = process.argv.slice(2)) {
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
    const text = process.env.PEER_CLIENTS;
    if (!text) return [];
    const list = JSON.parse(text);
    if (!Array.isArray(list)) throw new Error('PEER_CLIENTS must be a JSON list');
    return list;
}

export function log(record) {
    process.stderr.write(`peer-log ${JSON.stringify(record)}\n`);
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
            log(record);
        });
    });
}

/**
 * Exit at once on SIGTERM, SIGINT, or when stdin closes (the harness died). A line `clock SECONDS`
 * on stdin moves Date.now that far ahead for everything in this process (oidc-provider's expiry
 * checks, the SDK's, ours), so what the peer issued expires without a test waiting for it; a
 * `clock` event says it is done.
 */
export function exitWithParent() {
    for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
    const realNow = Date.now;
    let offset = 0;
    let pending = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => {
        pending += chunk;
        let end;
        while ((end = pending.indexOf('\n')) >= 0) {
            const [command, seconds] = pending.slice(0, end).trim().split(/\s+/);
            pending = pending.slice(end + 1);
            if (command === 'clock' && Number.isFinite(Number(seconds))) {
                offset += Number(seconds) * 1000;
                Date.now = () => realNow() + offset;
                event('peer', 'clock', { offset: offset / 1000 });
            }
        }
    });
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
}

/** A happening that is no request (a sign-in, a refresh token withheld, a grant revoked). */
export function event(server, name, details = {}) {
    log({ server, event: name, ...details });
}

/** Print the readiness line once `count` servers listen. */
export function readyWhen(count, line) {
    let listening = 0;
    return () => {
        listening += 1;
        if (listening === count) process.stdout.write(`READY ${line}\n`);
    };
}
