"""An authorization server whose JWT-bearer grant is Authlib's (RFC 7523 section 2.1:
authlib.oauth2.rfc7523.JWTBearerGrant, which checks the assertion's signature, `iss`, `aud` and
`exp`), set up for workload identity federation: it trusts one workload platform (its issuer and
public keys), so a token that platform issued a workload is the grant itself, with no client
registration. Beside it, on the same origin, a small MCP resource server (mcp_resource.py):
protected-resource metadata naming the authorization server, and /mcp answering initialize,
tools/list and a `whoami` tool ("<sub> via <issuer>") for the tokens Authlib issued, 401 with a
challenge otherwise.

    python authlib_workload.py --port PORT [--token-lifetime SECONDS]

PEER_WORKLOAD (environment, JSON): {"issuer": "https://platform.example", "jwks": {"keys": [...]}}.
Runs in the FastMCP 4.2.3 environment of .ci/peers, which carries Authlib. Prints
`READY <mcp url> <issuer>` once listening; one `peer-log {json}` line per request on stderr (as
fastmcp_server.py logs them: never a token). Exits on SIGTERM, SIGINT or stdin EOF.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time

# Authlib refuses http URLs unless told otherwise; this server listens on 127.0.0.1 only.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request  # noqa: E402
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload  # noqa: E402
from authlib.oauth2.rfc6749.errors import OAuth2Error  # noqa: E402
from authlib.oauth2.rfc6750 import BearerTokenGenerator  # noqa: E402
from authlib.oauth2.rfc7523 import JWTBearerGrant  # noqa: E402
from joserfc.jwk import KeySet  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fastmcp_server import RequestLog, serve  # noqa: E402
from mcp_resource import resource_routes  # noqa: E402

SCOPE = "mcp:tools"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class Platform(ClientMixin):
    """The trusted workload platform, as Authlib's grant sees the issuer of an assertion."""

    def __init__(self, issuer: str):
        self.issuer = issuer

    def get_client_id(self):
        return self.issuer

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s == SCOPE)

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return False

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "none"

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type == JWT_BEARER


class Workload:
    def __init__(self, subject: str):
        self.subject = subject

    def get_user_id(self):
        return self.subject


class FormRequest(OAuth2Request):
    """A token request as Authlib reads it: the form already parsed."""

    def __init__(self, method: str, uri: str, headers, form: dict):
        super().__init__(method=method, uri=uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def args(self):
        return {}

    @property
    def form(self):
        return self._form


def build(base: str, platform: dict, lifetime: int):
    tokens: dict[str, dict] = {}
    trusted = Platform(platform["issuer"])
    keys = KeySet.import_key_set(platform["jwks"])

    class WorkloadGrant(JWTBearerGrant):
        def resolve_issuer_client(self, issuer):
            return trusted if issuer == trusted.issuer else None

        def resolve_client_public_key(self, client):
            return keys

        def authenticate_user(self, subject):
            return Workload(subject)

        def has_granted_permission(self, client, user):
            return True

        def get_audiences(self):
            return [base, f"{base}/token"]

    class Server(AuthorizationServer):
        def query_client(self, client_id):
            return None

        def save_token(self, token, request):
            tokens[token["access_token"]] = {
                "sub": request.user.subject,
                "iss": request.client.issuer,
                "scope": token.get("scope", ""),
                "expires": time.time() + token["expires_in"],
            }

        def send_signal(self, name, *args, **kwargs):
            pass

        def create_oauth2_request(self, request):
            return request

        def create_json_request(self, request):
            raise NotImplementedError()

        def handle_response(self, status, body, headers):
            return status, body, headers

    server = Server(scopes_supported=[SCOPE])
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=lambda **_: secrets.token_urlsafe(32),
            expires_generator=lambda client, grant_type: lifetime,
        ),
    )
    server.register_grant(WorkloadGrant)

    async def token(request: Request):
        form = dict(await request.form())
        oauth_request = FormRequest(request.method, str(request.url), dict(request.headers), form)
        try:
            status, body, headers = server.create_token_response(oauth_request)
        except OAuth2Error as error:
            status, body, headers = error.status_code, dict(error.get_body()), error.get_headers()
        return JSONResponse(body, status_code=status, headers=dict(headers or []))

    def server_metadata(_request: Request):
        return JSONResponse(
            {
                "issuer": base,
                "token_endpoint": f"{base}/token",
                "grant_types_supported": [JWT_BEARER],
                "token_endpoint_auth_methods_supported": ["none"],
                "scopes_supported": [SCOPE],
                "response_types_supported": [],
            }
        )

    def lookup(value: str):
        grant = tokens.get(value)
        return grant and {**grant, "via": grant["iss"], "scopes": grant["scope"].split()}

    return Starlette(
        routes=[
            Route("/token", token, methods=["POST"]),
            Route("/.well-known/oauth-authorization-server", server_metadata),
            # Any token it issued is good: a workload may ask for no scope.
            *resource_routes(base, lookup, "authlib-workload-peer", SCOPE, require_scope=False),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-lifetime", type=int, default=3600, help="access-token lifetime in seconds")
    args = parser.parse_args()
    platform = json.loads(os.environ["PEER_WORKLOAD"])
    base = f"http://127.0.0.1:{args.port}"
    serve(RequestLog(build(base, platform, args.token_lifetime)), args.port, f"READY {base}/mcp {base}")


if __name__ == "__main__":
    main()
