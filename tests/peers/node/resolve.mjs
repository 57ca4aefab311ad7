// Lets our launchers, which live in the repository, import the packages .ci/peers installed into
// the cache: a bare specifier (`oidc-provider`, `@modelcontextprotocol/sdk/...`) is resolved as if
// imported from AGENTVIEW_PEERS_NODE_DIR (the directory holding package.json and node_modules).
//   node --import ./resolve.mjs launcher.mjs
import { isMainThread } from 'node:worker_threads';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import process from 'node:process';

let parentURL;

if (isMainThread) {
    const dir = process.env.AGENTVIEW_PEERS_NODE_DIR;
    if (!dir) throw new Error('AGENTVIEW_PEERS_NODE_DIR is not set (the directory .ci/peers installed the npm packages into)');
    register(import.meta.url, { data: { parent: pathToFileURL(`${dir}/package.json`).href } });
}

export function initialize(data) {
    parentURL = data.parent;
}

export async function resolve(specifier, context, next) {
    const bare = !/^(node:|file:|data:|\.{0,2}\/)/.test(specifier) && !specifier.startsWith('#');
    if (bare && parentURL && !context.parentURL?.includes('/node_modules/')) {
        return next(specifier, { ...context, parentURL });
    }
    return next(specifier, context);
}
