// Lets our launchers, which live in the repository, import the packages .ci/peers installed into
// the cache: a bare specifier (`oidc-provider`, `@modelcontextprotocol/sdk/...`) is resolved as if
// imported from AGENTVIEW_PEERS_NODE_DIR (the directory holding package.json and node_modules).
//   node --import ./resolve.mjs launcher.mjs
// The hook runs on the main thread (module.registerHooks, Node.js >= 22.15): the asynchronous
// module.register runs hooks on a thread of their own and messages it for every import, which
// cost a launcher half its start (0.9 s of CPU to READY for oidc-provider, 0.5 s here).
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import process from 'node:process';

const dir = process.env.AGENTVIEW_PEERS_NODE_DIR;
if (!dir) throw new Error('AGENTVIEW_PEERS_NODE_DIR is not set (the directory .ci/peers installed the npm packages into)');
const parentURL = pathToFileURL(`${dir}/package.json`).href;

registerHooks({
    resolve(specifier, context, next) {
        const bare = !/^(node:|file:|data:|\.{0,2}\/)/.test(specifier) && !specifier.startsWith('#');
        if (bare && !context.parentURL?.includes('/node_modules/')) {
            return next(specifier, { ...context, parentURL });
        }
        return next(specifier, context);
    }
});
