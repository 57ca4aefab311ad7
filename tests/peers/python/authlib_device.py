"""An authorization server whose device authorization grant (RFC 8628) is Authlib's
(authlib.oauth2.rfc8628: DeviceAuthorizationEndpoint, DeviceCodeGrant), run strictly, beside a small
MCP resource server (mcp_resource.py) that takes the tokens it issues.

- RFC 8414 metadata listing device_authorization_endpoint, registration_endpoint and
  revocation_endpoint; grants: the device code and refresh tokens, nothing else.
- Dynamic registration (RFC 7591, Authlib's ClientRegistrationEndpoint, which validates a
  registration against the metadata): `grant_types` only from the device code and
  refresh_token (a registration that omits them asks for authorization_code, which this server
  has not: invalid_client_metadata), no response types, a client authentication the metadata
  lists; `scope` only mcp:tools.
- The device endpoint answers unauthorized_client for a client registered without the device
  code grant (Authlib checks the grant only at the token endpoint; RFC 6749 section 5.2).
- Codes live --device-expires-in seconds (expired_token after), the interval is --device-interval
  seconds; a poll sooner than the interval after the previous poll of the same code gets
  slow_down and the interval grows by --slow-down-step seconds (RFC 8628 section 3.5 says 5;
  Authlib leaves should_slow_down to the server). The first poll is never too early. With
  --busy-polls N the first N polls of each code get slow_down however late they come (a busy server
  may, section 3.5), the interval growing the same way. A code gives one token answer.
- Refresh tokens for clients registered with refresh_token (Authlib's rule), rotated at every use;
  a refresh token used twice revokes its whole family. Revocation (RFC 7009, Authlib's
  RevocationEndpoint) of a refresh token ends its family.
- The scripted person: GET /device (the verification URI; ?user_code= fills the form), POST
  /device with the user code, then POST /device/confirm with `confirm=yes` to approve or
  `abort=yes` to deny. The user is the browser's `X-Peer-User` header (default test-user);
  `X-Peer-Decision: deny` denies too.

    python authlib_device.py --port PORT [--token-lifetime SECONDS] [--device-expires-in SECONDS]
                             [--device-interval SECONDS] [--slow-down-step SECONDS] [--busy-polls N]

Runs in the FastMCP 4.2.3 environment of .ci/peers (Authlib 1.9.10, Starlette). Prints
`READY <mcp url> <issuer>` once listening; one `peer-log {json}` line per request on stderr
(fastmcp_server.RequestLog: never a token), and `peer-log` events (approve, deny, slow-down,
refresh-token-reused). Exits on SIGTERM, SIGINT or stdin EOF.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import secrets
import sys
import time

# Authlib refuses http URLs unless told otherwise; this server listens on 127.0.0.1 only.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request  # noqa: E402
from authlib.oauth2.rfc6749.errors import OAuth2Error, UnauthorizedClientError  # noqa: E402
from authlib.oauth2.rfc6749.grants import RefreshTokenGrant  # noqa: E402
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload, JsonPayload, JsonRequest  # noqa: E402
from authlib.oauth2.rfc6750 import BearerTokenGenerator  # noqa: E402
from authlib.oauth2.rfc7009 import RevocationEndpoint  # noqa: E402
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint  # noqa: E402
from authlib.oauth2.rfc7591.errors import InvalidClientMetadataError  # noqa: E402
from authlib.oauth2.rfc8628 import DEVICE_CODE_GRANT_TYPE, DeviceAuthorizationEndpoint, DeviceCodeGrant  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse, JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fastmcp_server import RequestLog, log, serve  # noqa: E402
from mcp_resource import resource_routes  # noqa: E402

SCOPE = "mcp:tools"
GRANT_TYPES = [DEVICE_CODE_GRANT_TYPE, "refresh_token"]
AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]
DEFAULT_USER = "test-user"


def event(name: str, **details) -> None:
    log({"server": "as", "event": name, **details})


class Client(ClientMixin):
    def __init__(self, metadata: dict):
        self.metadata = metadata

    def get_client_id(self):
        return self.metadata["client_id"]

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        allowed = (self.metadata.get("scope") or SCOPE).split()
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        secret = self.metadata.get("client_secret")
        return bool(secret) and secrets.compare_digest(secret, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.metadata.get("token_endpoint_auth_method", "client_secret_basic")

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type in self.metadata.get("grant_types", [])


class User:
    def __init__(self, subject: str):
        self.subject = subject

    def get_user_id(self):
        return self.subject


class DeviceCredential(dict):
    def get_client_id(self):
        return self["client_id"]

    def get_scope(self):
        return self["scope"]

    def get_user_code(self):
        return self["user_code"]

    def is_expired(self):
        return time.time() >= self["expires_at"]


class RefreshToken(dict):
    def check_client(self, client):
        return self["client_id"] == client.get_client_id()

    def get_scope(self):
        return self["scope"]

    def get_expires_in(self):
        return 0

    def is_expired(self):
        return False

    def is_revoked(self):
        return False


class FormRequest(OAuth2Request):
    """A request as Authlib reads it: the form already parsed."""

    def __init__(self, method: str, uri: str, headers, form: dict, args: dict):
        super().__init__(method=method, uri=uri, headers=headers)
        self._form = form
        self._args = args
        self.payload = BasicOAuth2Payload(form)

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


class Json(JsonPayload):
    def __init__(self, data: dict):
        self._data = data

    @property
    def data(self):
        return self._data


def build(base: str, args) -> Starlette:
    clients: dict[str, Client] = {}
    devices: dict[str, DeviceCredential] = {}
    by_user_code: dict[str, str] = {}
    decisions: dict[str, tuple[User, bool]] = {}
    access_tokens: dict[str, dict] = {}
    refresh_tokens: dict[str, RefreshToken] = {}
    dead_families: set[str] = set()

    metadata = {
        "issuer": base,
        "token_endpoint": f"{base}/token",
        "device_authorization_endpoint": f"{base}/device_authorization",
        "registration_endpoint": f"{base}/register",
        "revocation_endpoint": f"{base}/revoke",
        "grant_types_supported": GRANT_TYPES,
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "scopes_supported": [SCOPE],
        "response_types_supported": [],
    }

    class Server(AuthorizationServer):
        def query_client(self, client_id):
            return clients.get(client_id)

        def save_token(self, token, request):
            credential = request.refresh_token
            family = credential["family"] if credential else secrets.token_hex(8)
            subject = request.user.get_user_id()
            client_id = request.client.get_client_id()
            access_tokens[token["access_token"]] = {
                "sub": subject,
                "via": client_id,
                "scopes": token.get("scope", "").split(),
                "expires": time.time() + token["expires_in"],
                "family": family,
            }
            if "refresh_token" in token:
                refresh_tokens[token["refresh_token"]] = RefreshToken(
                    sub=subject, client_id=client_id, scope=token.get("scope", ""), family=family, used=False
                )

        def send_signal(self, name, *args, **kwargs):
            pass

        def create_oauth2_request(self, request):
            return request

        def create_json_request(self, request):
            return request

        def handle_response(self, status, body, headers):
            return status, body, headers

    class DeviceEndpoint(DeviceAuthorizationEndpoint):
        EXPIRES_IN = args.device_expires_in
        INTERVAL = args.device_interval

        def authenticate_client(self, request):
            client = super().authenticate_client(request)
            if not client.check_grant_type(DEVICE_CODE_GRANT_TYPE):
                raise UnauthorizedClientError("the client is not registered for the device_code grant")
            return client

        def get_verification_uri(self):
            return f"{base}/device"

        def save_device_credential(self, client_id, scope, data):
            devices[data["device_code"]] = DeviceCredential(
                client_id=client_id,
                scope=scope or "",
                user_code=data["user_code"],
                expires_at=time.time() + data["expires_in"],
                interval=data["interval"],
                last_poll=None,
                polls=0,
            )
            by_user_code[data["user_code"]] = data["device_code"]

    class DeviceGrant(DeviceCodeGrant):
        def query_device_credential(self, device_code):
            return devices.get(device_code)

        def query_user_grant(self, user_code):
            return decisions.get(user_code)

        def should_slow_down(self, credential):
            now = time.time()
            last = credential["last_poll"]
            credential["last_poll"] = now
            credential["polls"] += 1
            early = last is not None and now - last < credential["interval"]
            if early or credential["polls"] <= args.busy_polls:
                credential["interval"] += args.slow_down_step
                event("slow-down", interval=credential["interval"])
                return True
            return False

        def create_token_response(self):
            answer = super().create_token_response()
            # A device code gives one token answer.
            credential = devices.pop(self.request.payload.data.get("device_code"), None)
            if credential:
                by_user_code.pop(credential["user_code"], None)
            return answer

    class RefreshGrant(RefreshTokenGrant):
        INCLUDE_NEW_REFRESH_TOKEN = True
        TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

        def authenticate_refresh_token(self, refresh_token):
            credential = refresh_tokens.get(refresh_token)
            if credential is None or credential["family"] in dead_families:
                return None
            if credential["used"]:
                dead_families.add(credential["family"])
                event("refresh-token-reused", client_id=credential["client_id"])
                return None
            return credential

        def authenticate_user(self, refresh_token):
            return User(refresh_token["sub"])

        def revoke_old_credential(self, refresh_token):
            refresh_token["used"] = True

    class Revocation(RevocationEndpoint):
        CLIENT_AUTH_METHODS = AUTH_METHODS

        def query_token(self, token_string, token_type_hint):
            if token_string in refresh_tokens:
                return refresh_tokens[token_string]
            access = access_tokens.get(token_string)
            if access is None:
                return None
            return RefreshToken(client_id=access["via"], family=access["family"], access=token_string)

        def revoke_token(self, token, request):
            if "access" in token:
                access_tokens.pop(token["access"], None)
            else:
                dead_families.add(token["family"])

    class Registration(ClientRegistrationEndpoint):
        def authenticate_token(self, request):
            return True  # open registration

        def get_server_metadata(self):
            # Authlib reads an empty response_types as "code"; response types are checked below.
            return {k: v for k, v in metadata.items() if k != "response_types_supported"}

        def generate_client_secret(self, request):
            if request.payload.data.get("token_endpoint_auth_method") == "none":
                return None
            return secrets.token_urlsafe(32)

        def save_client(self, client_info, client_metadata, request):
            if client_metadata.get("response_types"):
                raise InvalidClientMetadataError("response_types: this server has no authorization endpoint")
            client = Client({**client_metadata, **{k: v for k, v in client_info.items() if v is not None}})
            clients[client.get_client_id()] = client
            return client

    server = Server(scopes_supported=[SCOPE])
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=lambda **_: secrets.token_urlsafe(32),
            refresh_token_generator=lambda **_: secrets.token_urlsafe(32),
            expires_generator=lambda client, grant_type: args.token_lifetime,
        ),
    )
    server.register_grant(DeviceGrant)
    server.register_grant(RefreshGrant)
    server.register_endpoint(DeviceEndpoint)
    server.register_endpoint(Revocation)
    server.register_endpoint(Registration)

    async def form_request(request: Request) -> FormRequest:
        form = dict(await request.form())
        return FormRequest(request.method, str(request.url), dict(request.headers), form, dict(request.query_params))

    def answer(result) -> JSONResponse:
        status, body, headers = result
        body = {k: v for k, v in dict(body).items() if v is not None}
        return JSONResponse(body, status_code=status, headers=dict(headers or []))

    async def token(request: Request):
        oauth_request = await form_request(request)
        try:
            return answer(server.create_token_response(oauth_request))
        except OAuth2Error as error:
            return answer((error.status_code, dict(error.get_body()), error.get_headers()))

    def endpoint(name: str):
        async def handle(request: Request):
            if name == "client_registration":
                try:
                    data = await request.json()
                except ValueError:
                    data = None
                oauth_request = JsonRequest(request.method, str(request.url), dict(request.headers))
                oauth_request.payload = Json(data if isinstance(data, dict) else {})
            else:
                oauth_request = await form_request(request)
            return answer(server.create_endpoint_response(name, oauth_request))

        return handle

    def server_metadata(_request: Request):
        return JSONResponse(metadata)

    def page(title: str, body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1>{body}</body></html>",
            status_code=status,
        )

    def input_page(code: str = "", error: str = "") -> HTMLResponse:
        message = f'<p class="error">{html.escape(error)}</p>' if error else ""
        return page(
            "Connect a device",
            f'{message}<form id="device" method="post" action="{base}/device">'
            f'<input type="text" name="user_code" value="{html.escape(code)}"/></form>'
            '<button type="submit" form="device">Continue</button>',
            400 if error else 200,
        )

    def pending_code(user_code: str) -> str | None:
        """The normalized user code of a live, undecided device code, or None."""
        code = re.sub(r"[^A-Z]", "", user_code.upper())
        code = f"{code[:4]}-{code[4:]}" if len(code) == 8 else user_code
        device_code = by_user_code.get(code)
        credential = devices.get(device_code) if device_code else None
        if credential is None or credential.is_expired() or code in decisions:
            return None
        return code

    async def verification(request: Request):
        if request.method == "GET":
            return input_page(request.query_params.get("user_code", ""))
        form = await request.form()
        code = pending_code(str(form.get("user_code", "")))
        if code is None:
            return input_page(str(form.get("user_code", "")), "The code is not valid.")
        client_id = devices[by_user_code[code]]["client_id"]
        return page(
            "Confirm the device",
            f"<p>{html.escape(client_id)} asks for access with the code <code>{code}</code>.</p>"
            f'<form id="confirm" method="post" action="{base}/device/confirm">'
            f'<input type="hidden" name="user_code" value="{code}"/>'
            '<input type="hidden" name="confirm" value="yes"/></form>'
            '<button type="submit" form="confirm">Continue</button>'
            '<button type="submit" form="confirm" value="yes" name="abort">Abort</button>',
        )

    async def confirm(request: Request):
        form = await request.form()
        code = pending_code(str(form.get("user_code", "")))
        if code is None:
            return input_page("", "The code is not valid.")
        user = request.headers.get("x-peer-user", "")
        user = user if re.fullmatch(r"[A-Za-z0-9._@-]{1,64}", user) else DEFAULT_USER
        approved = form.get("abort") != "yes" and request.headers.get("x-peer-decision", "").lower() != "deny"
        decisions[code] = (User(user), approved)
        client_id = devices[by_user_code[code]]["client_id"]
        event("approve" if approved else "deny", user=user, client_id=client_id)
        if approved:
            return page("Device connected", "<p>You can return to your device.</p>")
        return page("Access denied", "<p>The device was not connected.</p>")

    def lookup(value: str):
        return access_tokens.get(value)

    return Starlette(
        routes=[
            Route("/token", token, methods=["POST"]),
            Route("/device_authorization", endpoint("device_authorization"), methods=["POST"]),
            Route("/register", endpoint("client_registration"), methods=["POST"]),
            Route("/revoke", endpoint("revocation"), methods=["POST"]),
            Route("/device", verification, methods=["GET", "POST"]),
            Route("/device/confirm", confirm, methods=["POST"]),
            Route("/.well-known/oauth-authorization-server", server_metadata),
            *resource_routes(base, lookup, "authlib-device-peer", SCOPE, require_scope=True),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-lifetime", type=int, default=3600, help="access-token lifetime in seconds")
    parser.add_argument("--device-expires-in", type=int, default=600, help="device code lifetime in seconds")
    parser.add_argument("--device-interval", type=int, default=5, help="polling interval in seconds")
    parser.add_argument("--slow-down-step", type=int, default=5, help="seconds slow_down adds to the interval")
    parser.add_argument("--busy-polls", type=int, default=0, help="polls of each code answered slow_down however late")
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    serve(RequestLog(build(base, args)), args.port, f"READY {base}/mcp {base}")


if __name__ == "__main__":
    main()
