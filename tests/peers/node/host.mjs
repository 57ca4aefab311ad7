// Runs several peers in one Node.js process that imports their packages once.
//
// Importing oidc-provider, the MCP SDK, express, koa and Better Auth costs a launcher about 0.7 s
// of CPU before it listens, and a test run starts some eighty of them on two cores. Here each
// peer is a launcher module evaluated anew (its URL made unique) while the packages it imports
// stay loaded; common.mjs gives each peer its own options, environment, output, clock and exit,
// as a process of its own would have.
//
//   node --import ./resolve.mjs host.mjs SOCKET
//
// Listens on the Unix socket SOCKET and prints `READY` on stdout. Each connection sends one JSON
// line, {"script": PATH, "args": [...], "env": {NAME: VALUE}}, and is then that peer's stdin,
// stdout and stderr: the launcher's output comes back on it, and a line `clock SECONDS` sent on
// it moves that peer's clock. When the connection ends (or the peer exits), the peer's servers
// close, their connections are cut, and then the connection is closed: its end says the ports
// are free. Exits on SIGTERM, SIGINT or stdin EOF.
//
// Only launchers written for it can be hosted (every read and write of their process through
// common.mjs); the TypeScript SDK's example, which patches the SDK's classes, runs as a process
// of its own.

import net from 'node:net';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

import { command, eachLine, runHosted, warn } from './common.mjs';

let started = 0;

/** Close the servers of `instance`, then its connection. */
async function stop(instance, conn) {
    if (instance.stopping) return;
    instance.stopping = true;
    await Promise.all(
        instance.servers.map(
            (server) =>
                new Promise((resolve) => {
                    if (!server.listening) {
                        // Not listening yet: close it as soon as it is.
                        server.once('listening', () => server.close(() => resolve()));
                        server.once('error', () => resolve());
                        return;
                    }
                    server.close(() => resolve());
                    server.closeAllConnections?.();
                })
        )
    );
    conn.end();
}

function serve(conn) {
    let instance;
    const write = (text) => {
        if (!conn.writableEnded && !conn.destroyed) conn.write(text);
    };
    // The first line asks for the peer; the others are commands to it.
    eachLine(conn, (line) => {
        if (instance) {
            command(instance, line);
            return;
        }
        let request;
        try {
            request = JSON.parse(line);
        } catch {
            conn.destroy();
            return;
        }
        const url = `${pathToFileURL(request.script).href}?peer=${++started}`;
        instance = runHosted(
            {
                argv: (request.args ?? []).map(String),
                env: { ...process.env, ...(request.env ?? {}) },
                out: write,
                err: write,
                exit: () => stop(instance, conn)
            },
            () => import(url)
        );
    });
    const end = () => {
        if (instance) stop(instance, conn);
        else conn.destroy();
    };
    conn.on('end', end);
    conn.on('error', end);
}

function main() {
    const socket = process.argv[2];
    if (!socket || process.argv.length !== 3) {
        process.stderr.write('usage: host.mjs SOCKET\n');
        process.exit(2);
    }
    // What the packages print (oidc-provider's warning about its memory adapter) goes to the
    // stderr of the peer it is printed for, as it would in a process of its own.
    for (const name of ['log', 'info', 'warn', 'error', 'debug']) console[name] = (...args) => warn(format(...args));
    // One peer's mistake must not end the others: say it, and keep serving.
    for (const event of ['uncaughtException', 'unhandledRejection']) {
        process.on(event, (err) => process.stderr.write(`peer host: ${event}: ${err?.stack ?? err}\n`));
    }
    for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
    // Half-open: the client's end stops the peer, ours says its ports are free.
    const server = net.createServer({ allowHalfOpen: true }, serve);
    server.on('error', (err) => {
        process.stderr.write(`peer host: cannot listen on ${socket}: ${err.message}\n`);
        process.exit(1);
    });
    server.listen(socket, () => process.stdout.write('READY\n'));
}

main();
