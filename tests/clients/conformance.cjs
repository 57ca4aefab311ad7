// The conformance suite's client, as an MCP client that starts `agentview bridge` on stdio: the
// suite's scenario server is the server behind the bridge, so the suite judges the bridge's HTTP
// side. The client is the TypeScript SDK's Client over its StdioClientTransport; for the
// 2026-07-28 scenarios (no initialize, `_meta` on every request) it writes the messages itself.
//
//   node conformance.cjs SERVER_URL      (NODE_PATH: the node_modules of .ci/clients)
//   env: AGENTVIEW_BIN (the agentview binary), MCP_CONFORMANCE_SCENARIO (set by the suite)
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = require("@modelcontextprotocol/sdk/client/stdio.js");
const types = require("@modelcontextprotocol/sdk/types.js");

const url = process.argv[process.argv.length - 1];
const scenario = process.env.MCP_CONFORMANCE_SCENARIO || "";
const config = fs.mkdtempSync(path.join(os.tmpdir(), "agentview-conformance-"));

function bridge() {
    return new StdioClientTransport({
        command: process.env.AGENTVIEW_BIN,
        args: ["--server", url, "--store", "file", "--config-dir", config, "bridge"],
        env: { PATH: process.env.PATH || "", HOME: config },
        stderr: "inherit",
    });
}

async function withClient(work) {
    const client = new Client(
        { name: "agentview-bridge-conformance", version: "1.0.0" },
        { capabilities: { elicitation: { form: { applyDefaults: true } } } },
    );
    // Accept with nothing filled in: the SDK fills in the schema's defaults (SEP-1034).
    client.setRequestHandler(types.ElicitRequestSchema, async () => ({ action: "accept", content: {} }));
    await client.connect(bridge());
    try {
        await work(client);
    } finally {
        await client.close();
    }
}

// 2026-07-28: every request is stateless and carries the protocol version in `_meta`.
async function stateless(work) {
    const transport = bridge();
    const waiting = new Map();
    transport.onmessage = (message) => {
        const done = waiting.get(message.id);
        if (done) done(message);
    };
    await transport.start();
    let next = 1;
    let version = "2026-07-28";
    const meta = () => ({
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientInfo": { name: "agentview-bridge-conformance", version: "1.0.0" },
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    const send = (method, params) =>
        new Promise((resolve) => {
            const id = next++;
            waiting.set(id, resolve);
            transport.send({ jsonrpc: "2.0", id, method, params: { ...params, _meta: meta() } });
        });
    const request = async (method, params = {}) => {
        let answer = await send(method, params);
        const supported = answer.error && answer.error.data && answer.error.data.supported;
        if (answer.error && answer.error.code === -32022 && Array.isArray(supported) && supported.length) {
            version = supported.includes(version) ? version : supported[0];
            answer = await send(method, params);
        }
        if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
        return answer.result;
    };
    try {
        await work(request);
    } finally {
        await transport.close();
    }
}

const scenarios = {
    initialize: () => withClient((c) => c.listTools()),
    tools_call: () =>
        withClient(async (c) => {
            await c.listTools();
            await c.callTool({ name: "add_numbers", arguments: { a: 5, b: 3 } });
        }),
    "sse-retry": () =>
        withClient(async (c) => {
            await c.listTools();
            await c.callTool({ name: "test_reconnection", arguments: {} });
        }),
    "elicitation-sep1034-client-defaults": () =>
        withClient(async (c) => {
            await c.listTools();
            await c.callTool({ name: "test_client_elicitation_defaults", arguments: {} });
        }),
    // Its server speaks 2026-07-28 only (which the SDK's Client does not).
    "http-standard-headers": () =>
        stateless(async (request) => {
            const { tools } = await request("tools/list");
            for (const tool of tools) await request("tools/call", { name: tool.name, arguments: {} });
            const { resources } = await request("resources/list");
            for (const resource of resources) await request("resources/read", { uri: resource.uri });
            const { prompts } = await request("prompts/list");
            for (const prompt of prompts) await request("prompts/get", { name: prompt.name });
        }),
    // The bridge mirrors `x-mcp-header` parameters into Mcp-Param-* headers; the calls come from the scenario.
    "http-custom-headers": () =>
        stateless(async (request) => {
            await request("tools/list");
            const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT || "{}");
            for (const call of context.toolCalls || []) await request("tools/call", call);
        }),
    // The bridge leaves tools with broken `x-mcp-header`s out of the list; the client calls what is left.
    "http-invalid-tool-headers": () =>
        stateless(async (request) => {
            const { tools } = await request("tools/list");
            for (const tool of tools) await request("tools/call", { name: tool.name, arguments: { region: "us-west1" } });
        }),
    // JSON Schema 2020-12 keywords survive the bridge: the focal tool's inputSchema, as the client
    // received it, goes back verbatim as the echo tool's argument, and the suite compares the two.
    "json-schema-2020-12-preservation": () =>
        withClient(async (c) => {
            const { tools } = await c.listTools();
            const focal = tools.find((tool) => tool.name === "json_schema_2020_12_tool");
            if (!focal) throw new Error("the server listed no json_schema_2020_12_tool");
            await c.callTool({ name: "json_schema_echo", arguments: { schema: focal.inputSchema } });
        }),
    // A network `$ref` in a tool's inputSchema is not fetched (by the bridge or the client).
    "json-schema-ref-no-deref": () => stateless((request) => request("tools/list")),
    "request-metadata": () =>
        stateless(async (request) => {
            const { tools } = await request("tools/list");
            for (const tool of tools || []) await request("tools/call", { name: tool.name, arguments: {} });
        }),
};

(async () => {
    const run = scenarios[scenario];
    if (!run) {
        console.error(`conformance.cjs: no steps for scenario ${scenario}`);
        process.exit(2);
    }
    try {
        await run();
        console.error(`scenario ${scenario}: done`);
        process.exitCode = 0;
    } catch (error) {
        console.error(`scenario ${scenario}: ${error && error.stack ? error.stack : error}`);
        process.exitCode = 1;
    } finally {
        fs.rmSync(config, { recursive: true, force: true });
    }
})();
