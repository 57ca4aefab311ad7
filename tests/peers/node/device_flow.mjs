// The device authorization grant (RFC 8628) for oidc-provider, as a strict deployment runs it:
// the library's device flow (features.deviceFlow: the device authorization endpoint, the user
// code pages, the device_code grant, refresh tokens for it), plus what the library leaves to the
// deployment:
// - `interval` in the device authorization response (the library sends none; RFC 8628 §3.2 makes
//   5 seconds the default), here configurable;
// - slow_down (§3.5): a poll sooner than the interval after the previous poll of the same device
//   code is answered slow_down, and the interval grows by `slowDownStep` seconds (5 in the RFC;
//   configurable so a test need not wait) for that code from then on; the first poll is never too
//   early, and an expired code is left to the library (expired_token); with `busyPolls` N, the
//   first N polls of each code are answered slow_down however late they come, as a busy server
//   may (§3.5), the interval growing the same way;
// - unauthorized_client (RFC 6749 §5.2) at the device endpoint for a client registered without
//   the device_code grant (the library answers invalid_request "... is not allowed for this
//   client").
// The pages are plain forms for the scripted person (a user code form, then a confirmation with
// Continue and Abort); the sign-in between them is the launcher's interaction route.

import { event } from './common.mjs';
import { bodyOf, parseBodies, refuse } from './providers/front.mjs';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

function page(title, body) {
    return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
}

/** features.deviceFlow: enabled, with plain pages. */
export function deviceFlowFeature() {
    return {
        enabled: true,
        charset: 'base-20',
        mask: '****-****',
        userCodeInputSource: (ctx, form, _out, err) => {
            ctx.body = page('Connect a device', `${err ? `<p class="error">${err.name === 'NoCodeError' || err.userCode ? 'The code is not valid.' : 'The sign-in did not complete.'}</p>` : ''}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`);
        },
        userCodeConfirmSource: (ctx, form, client, _deviceInfo, userCode) => {
            ctx.body = page(
                'Confirm the device',
                `<p>${client.clientName ?? client.clientId} asks for access with the code <code>${userCode}</code>.</p>${form}` +
                    '<button type="submit" form="op.deviceConfirmForm">Continue</button>' +
                    '<button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">Abort</button>'
            );
        },
        successSource: (ctx) => {
            ctx.body = page('Device connected', '<p>You can return to your device.</p>');
        }
    };
}

/**
 * What the library leaves to a deployment (see the header): `interval` seconds in the answer of
 * the device endpoint at `devicePath`, slow_down at `tokenPath`, unauthorized_client.
 */
export function enforcePolling(provider, { devicePath, tokenPath, interval, slowDownStep, busyPolls = 0 }) {
    // device_code → { last: ms of the last poll, interval: seconds, expiresAt: ms, polls: count }
    const polls = new Map();
    parseBodies(provider);
    provider.use(async (ctx, next) => {
        if (ctx.path === tokenPath && ctx.method === 'POST' && bodyOf(ctx).grant_type === DEVICE_CODE_GRANT) {
            const code = bodyOf(ctx).device_code;
            const state = typeof code === 'string' ? polls.get(code) : undefined;
            const now = Date.now();
            if (state && now < state.expiresAt) {
                state.polls += 1;
                const early = state.last !== undefined && now - state.last < state.interval * 1000;
                if (early || state.polls <= busyPolls) {
                    state.interval += slowDownStep;
                    state.last = now;
                    event('as', 'slow-down', { interval: state.interval });
                    return refuse(ctx, 400, {
                        error: 'slow_down',
                        error_description: `polled sooner than the interval; poll every ${state.interval} seconds from now on`
                    });
                }
                state.last = now;
            }
        }
        await next();
        if (ctx.path === devicePath && ctx.method === 'POST' && ctx.body && typeof ctx.body === 'object') {
            if (ctx.body.device_code) {
                ctx.body.interval = interval;
                polls.set(ctx.body.device_code, { last: undefined, interval, expiresAt: Date.now() + ctx.body.expires_in * 1000, polls: 0 });
            } else if (ctx.body.error === 'invalid_request' && /is not allowed for this client/.test(ctx.body.error_description ?? '')) {
                ctx.body = { error: 'unauthorized_client', error_description: 'the client is not registered for the device_code grant' };
            }
        }
    });
}
