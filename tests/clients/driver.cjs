// A real MCP client for the bridge tests: the TypeScript SDK's Client over its StdioClientTransport,
// started on a command (agentview bridge) and driven by the test one step at a time.
//
//   node driver.cjs        (NODE_PATH: the node_modules of .ci/clients)
//   env: DRIVER_COMMAND (the server command), DRIVER_ARGS (a JSON array), DRIVER_ENV (a JSON object:
//        the whole environment of the server command)
//
// Steps arrive on stdin, one JSON object a line; each gets one JSON line on stdout:
//   {"op":"connect"}                                   -> {"ok":true,"pid":N,"server":{...},"protocol":"…"}
//   {"op":"list"}                                      -> {"ok":true,"result":{tools…}}
//   {"op":"call","name":"…","arguments":{},"progress":true}
//                                                      -> {"ok":true,"result":{…},"progress":[…]}
//   {"op":"request","method":"…","params":{}}          -> {"ok":true,"result":{…}}
//   {"op":"parallel","steps":[…]}                     -> {"ok":true,"results":[…]}: the steps at once
//   {"op":"seen"}                                      -> requests the server sent, notifications, errors
//   {"op":"close"}                                     -> stdin closed; {"ok":true,"exit":{"code":N,"signal":S}}
//   {"op":"signal","signal":"SIGTERM"}                 -> the same after that signal
//   {"op":"exit"}                                      -> waits for the server command to end by itself
// A failed step answers {"ok":false,"error":{"code":N,"message":"…"}}.
"use strict";

const readline = require("node:readline");
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = require("@modelcontextprotocol/sdk/client/stdio.js");
const types = require("@modelcontextprotocol/sdk/types.js");
const { z } = require("zod");

const command = process.env.DRIVER_COMMAND;
const args = JSON.parse(process.env.DRIVER_ARGS || "[]");
const env = JSON.parse(process.env.DRIVER_ENV || "{}");

const seen = { requests: [], notifications: [], errors: [], stderr: "" };
const client = new Client(
    { name: "agentview-bridge-test", version: "1.0.0" },
    { capabilities: { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } } },
);
client.setRequestHandler(types.ElicitRequestSchema, async (request) => {
    seen.requests.push({ method: request.method, message: request.params.message });
    return { action: "accept", content: { name: "Ada" } };
});
client.setRequestHandler(types.CreateMessageRequestSchema, async (request) => {
    seen.requests.push({ method: request.method });
    return { model: "test-model", role: "assistant", content: { type: "text", text: "forty-two" } };
});
client.setRequestHandler(types.ListRootsRequestSchema, async (request) => {
    seen.requests.push({ method: request.method });
    return { roots: [{ uri: "file:///projects/demo", name: "demo" }] };
});
client.fallbackNotificationHandler = async (notification) => {
    seen.notifications.push(notification.method);
};
client.onerror = (error) => seen.errors.push(String(error && error.message ? error.message : error));

const transport = new StdioClientTransport({ command, args, env, stderr: "pipe" });
transport.stderr.on("data", (chunk) => {
    seen.stderr += chunk.toString();
});

let exited = null;
const exit = new Promise((resolve) => {
    transport.onclose = () => {};
    const watch = () => {
        const child = transport._process;
        if (!child) return setTimeout(watch, 5);
        if (child.exitCode !== null || child.signalCode !== null) {
            exited = { code: child.exitCode, signal: child.signalCode };
            return resolve(exited);
        }
        child.once("exit", (code, signal) => {
            exited = { code, signal };
            resolve(exited);
        });
    };
    watch();
});

function failure(error) {
    return { ok: false, error: { code: error && error.code, message: String(error && error.message ? error.message : error) } };
}

async function step(request) {
    switch (request.op) {
        case "connect":
            await client.connect(transport);
            return {
                ok: true,
                pid: transport.pid,
                server: client.getServerVersion(),
                capabilities: client.getServerCapabilities(),
            };
        case "list":
            return { ok: true, result: await client.listTools() };
        case "call": {
            const progress = [];
            const options = { timeout: request.timeoutMs || 30000 };
            if (request.progress) options.onprogress = (p) => progress.push(p);
            const result = await client.callTool({ name: request.name, arguments: request.arguments || {} }, undefined, options);
            return { ok: true, result, progress };
        }
        case "request":
            return {
                ok: true,
                result: await client.request({ method: request.method, params: request.params || {} }, z.any(), { timeout: 30000 }),
            };
        case "parallel":
            return { ok: true, results: await Promise.all(request.steps.map((s) => step(s).catch(failure))) };
        case "seen":
            return { ok: true, ...seen, exited };
        case "close":
            transport._process.stdin.end();
            return { ok: true, exit: await bounded(exit) };
        case "signal":
            transport._process.kill(request.signal);
            return { ok: true, exit: await bounded(exit) };
        case "exit":
            return { ok: true, exit: await bounded(exit) };
        default:
            return { ok: false, error: { message: `unknown op ${request.op}` } };
    }
}

function bounded(promise) {
    return Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve({ timeout: true }), 20000))]);
}

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on("line", (line) => {
    if (!line.trim()) return;
    queue = queue.then(async () => {
        let answer;
        try {
            answer = await step(JSON.parse(line));
        } catch (error) {
            answer = failure(error);
        }
        process.stdout.write(JSON.stringify(answer) + "\n");
    });
});
lines.on("close", () => {
    queue.then(() => {
        try {
            transport._process && transport._process.kill("SIGKILL");
        } catch {}
        process.exit(0);
    });
});
