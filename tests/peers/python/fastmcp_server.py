"""An MCP server on FastMCP whose authorization server is FastMCP's InMemoryOAuthProvider.

The provider builds on the MCP Python SDK's `mcp.server.auth`: protected-resource metadata,
authorization-server metadata, /register, /authorize (approves at once), /token and /revoke, and
the Bearer check on /mcp. Everything lives in memory: a restart forgets every client and token.

    python fastmcp_server.py --port PORT [--token-lifetime SECONDS]

PEER_CLIENTS (environment, JSON list) registers clients before the first request, the way an
operator pre-registers them: [{"client_id": "...", "client_secret": "..." (optional),
"redirect_uris": ["http://127.0.0.1:8765/callback"], "token_endpoint_auth_method": "..."}].

Prints `READY <mcp url> <issuer>` on stdout once listening; one `peer-log {json}` line per request
on stderr (method, path, status, the form's field names, grant_type and client_id, and the error
body of a refused request; never a token or a secret). Exits on SIGTERM, SIGINT or stdin EOF.
A line `clock SECONDS` on stdin moves the clock the libraries read (time.time) that far ahead, so
what the peer issued expires without a test waiting for it; a `clock` event says it is done.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
from urllib.parse import parse_qsl

import uvicorn
from fastmcp import FastMCP
from fastmcp.server.auth.providers import in_memory
from fastmcp.server.auth.providers.in_memory import InMemoryOAuthProvider
from fastmcp.server.dependencies import get_access_token
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.shared.auth import OAuthClientInformationFull

SCOPE = "mcp:tools"
# Form fields whose values may be logged: everything else is logged by name only.
LOGGED_VALUES = {"grant_type", "client_id", "token_type_hint", "resource", "scope", "redirect_uri"}


def log(record: dict) -> None:
    sys.stderr.write("peer-log " + json.dumps(record, sort_keys=True) + "\n")
    sys.stderr.flush()


_real_time = time.time
_clock_offset = 0.0


def _shifted_time() -> float:
    return _real_time() + _clock_offset


def advance_clock(seconds: float) -> None:
    """Move time.time `seconds` ahead for everything in this process: the libraries look the
    function up at each call (`time.time()`), expiry checks included."""
    global _clock_offset
    _clock_offset += seconds
    time.time = _shifted_time
    log({"event": "clock", "offset": _clock_offset})


class RequestLog:
    """ASGI middleware: one peer-log line per HTTP request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body = b""
        more = True
        messages = []
        while more:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            more = message.get("more_body", False) and message["type"] == "http.request"

        async def replay():
            if messages:
                return messages.pop(0)
            return await receive()

        record = {"method": scope["method"], "path": scope["path"]}
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        auth = headers.get("authorization", "")
        record["auth"] = auth.split(" ", 1)[0].lower() if auth else "none"
        content_type = headers.get("content-type", "")
        if body and content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            record["fields"] = sorted({k for k, _ in form})
            record.update({k: v for k, v in form if k in LOGGED_VALUES})
        elif body and scope["path"] == "/register":
            try:
                record["registration"] = json.loads(body)
            except ValueError:
                record["registration"] = "(not JSON)"
        if scope["method"] == "GET" and scope["path"] == "/authorize":
            query = dict(parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace")))
            record.update({k: v for k, v in query.items() if k in LOGGED_VALUES})
        state = {"status": 0, "error": b""}

        async def capture(message):
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                for key, value in message.get("headers", []):
                    if key.decode("latin-1").lower() == "www-authenticate":
                        record["www_authenticate"] = value.decode("latin-1")
            elif message["type"] == "http.response.body" and state["status"] >= 400:
                if len(state["error"]) < 2048:
                    state["error"] += message.get("body", b"")[:2048]
            await send(message)

        try:
            await self.app(scope, replay, capture)
        finally:
            record["status"] = state["status"]
            if state["error"] and scope["path"] != "/mcp":
                try:
                    record["error"] = json.loads(state["error"])
                except ValueError:
                    record["error"] = state["error"].decode("utf-8", "replace")[:300]
            log(record)


def preregister(provider: InMemoryOAuthProvider) -> None:
    for entry in json.loads(os.environ.get("PEER_CLIENTS") or "[]"):
        entry = dict(entry)
        entry.setdefault("token_endpoint_auth_method", "client_secret_post" if entry.get("client_secret") else "none")
        entry.setdefault("grant_types", ["authorization_code", "refresh_token"])
        entry.setdefault("response_types", ["code"])
        # The Python SDK lets a client ask only for the scopes it was registered with.
        entry.setdefault("scope", SCOPE)
        client = OAuthClientInformationFull(**entry)
        provider.clients[client.client_id] = client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-lifetime", type=int, default=3600, help="access-token lifetime in seconds")
    args = parser.parse_args()

    # The provider reads its access-token lifetime from this module constant at each grant.
    in_memory.DEFAULT_ACCESS_TOKEN_EXPIRY_SECONDS = args.token_lifetime

    base = f"http://127.0.0.1:{args.port}"
    provider = InMemoryOAuthProvider(
        base_url=base,
        client_registration_options=ClientRegistrationOptions(enabled=True, valid_scopes=[SCOPE]),
        revocation_options=RevocationOptions(enabled=True),
        required_scopes=[SCOPE],
    )
    preregister(provider)
    mcp = FastMCP("fastmcp-peer", auth=provider)

    @mcp.tool
    def whoami() -> str:
        """The client the access token was issued to."""
        token = get_access_token()
        return token.client_id if token else "anonymous"

    serve(RequestLog(mcp.http_app(path="/mcp")), args.port, f"READY {base}/mcp {provider.issuer_url}")


def serve(app, port: int, ready: str) -> None:
    """Serve `app` on 127.0.0.1:`port`; print `ready` once listening; stop at stdin EOF."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)

    def watch_stdin(loop: asyncio.AbstractEventLoop) -> None:
        for line in sys.stdin.buffer:
            words = line.split()
            if len(words) == 2 and words[0] == b"clock":
                loop.call_soon_threadsafe(advance_clock, float(words[1]))
        loop.call_soon_threadsafe(setattr, server, "should_exit", True)

    async def run() -> None:
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                await serving
                sys.exit(1)
            await asyncio.sleep(0.01)
        print(ready, flush=True)
        threading.Thread(target=watch_stdin, args=(asyncio.get_running_loop(),), daemon=True).start()
        await serving

    asyncio.run(run())


if __name__ == "__main__":
    main()
