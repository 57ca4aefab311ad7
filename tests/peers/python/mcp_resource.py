"""A small MCP resource server for the Python peers, on the origin of their authorization server:
protected-resource metadata (RFC 9728) naming that server, and /mcp answering initialize,
tools/list and a `whoami` tool ("<sub> via <client or issuer>") for the tokens it issued.

A request without a token gets 401 with `WWW-Authenticate: Bearer resource_metadata="..."`; an
unknown or expired token the same with error="invalid_token" (RFC 6750 section 3.1); a token
without the required scope 403 with error="insufficient_scope". Never logs a token.
"""

from __future__ import annotations

import time
from typing import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

METADATA_PATH = "/.well-known/oauth-protected-resource/mcp"


def resource_routes(
    base: str, lookup: Callable[[str], dict | None], name: str, scope: str, require_scope: bool
) -> list[Route]:
    """Routes for the MCP endpoint `base`/mcp. `lookup(token)` returns the token's grant
    ({"sub", "via", "scopes", "expires"}) or None; the metadata lists `scope`, which every token
    must carry when `require_scope` (the challenge names it then)."""

    def challenge(status: int, error: str | None) -> JSONResponse:
        params = [f'resource_metadata="{base}{METADATA_PATH}"']
        if require_scope:
            params.insert(0, f'scope="{scope}"')
        if error:
            params.insert(0, f'error="{error}"')
        return JSONResponse(
            {"error": error or "invalid_token"},
            status_code=status,
            headers={"WWW-Authenticate": "Bearer " + ", ".join(params)},
        )

    def resource_metadata(_request: Request):
        return JSONResponse(
            {
                "resource": f"{base}/mcp",
                "authorization_servers": [base],
                "scopes_supported": [scope],
                "bearer_methods_supported": ["header"],
                "resource_name": name,
            }
        )

    async def mcp(request: Request):
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not token:
            return challenge(401, None)
        grant = lookup(token)
        if grant is None or grant["expires"] <= time.time():
            return challenge(401, "invalid_token")
        if require_scope and scope not in grant["scopes"]:
            return challenge(403, "insufficient_scope")
        message = await request.json()
        if "id" not in message:
            return Response(status_code=202)
        method = message.get("method")
        if method == "initialize":
            result = {
                "protocolVersion": message.get("params", {}).get("protocolVersion", "2025-06-18"),
                "capabilities": {"tools": {}},
                "serverInfo": {"name": name, "version": "1"},
            }
        elif method == "tools/list":
            result = {"tools": [{"name": "whoami", "inputSchema": {"type": "object"}}]}
        elif method == "tools/call" and message.get("params", {}).get("name") == "whoami":
            result = {"content": [{"type": "text", "text": f"{grant['sub']} via {grant['via']}"}]}
        else:
            return JSONResponse({"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "no"}})
        return JSONResponse({"jsonrpc": "2.0", "id": message["id"], "result": result})

    return [
        Route(METADATA_PATH, resource_metadata),
        Route("/.well-known/oauth-protected-resource", resource_metadata),
        Route("/mcp", mcp, methods=["POST"]),
    ]
