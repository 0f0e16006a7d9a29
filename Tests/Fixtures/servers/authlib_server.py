"""An OAuth 2.1 / OpenID Connect authorization server built from authlib's server components, in front of a
bearer-protected MCP endpoint served by the python-sdk (mcp 2.x). The second, independent AS the OAuth engine is
tested against (the first is oauth_server.py, the SDK's own `mcp.server.auth`).

    .venv-modern/bin/python Tests/Fixtures/servers/authlib_server.py [--issuer-path /tenant1]
        [--metadata-at oidc-appended,oidc-inserted,rfc8414] [--client JSON]... [--clients FILE]
        [--scopes "mcp:read mcp:write"] [--no-iss] [--token-lifetime 3600] [--max-seconds N]
        [--auth-methods client_secret_post,...] [--cimd]

The issuer has a path (http://127.0.0.1:<port>/tenant1), so discovery needs the path-aware well-known URLs:
  --metadata-at picks where the metadata is served (comma list; default `oidc-appended`, authlib's own OIDC form):
    oidc-appended  /tenant1/.well-known/openid-configuration      (OIDC Discovery §4; the client's last candidate)
    oidc-inserted  /.well-known/openid-configuration/tenant1      (path-inserted OIDC)
    rfc8414        /.well-known/oauth-authorization-server/tenant1 (RFC 8414 §3.1)
Routes under the issuer: /authorize (auto-approves: 302 to redirect_uri with code, state and iss), /token
(authorization_code + PKCE S256 (required), refresh_token (rotating: a used one is invalid_grant), client_credentials),
/revoke (RFC 7009; revoking a refresh token revokes its access token too), /jwks (the id_token key).
Client authentication everywhere: client_secret_basic, client_secret_post, none, private_key_jwt (RS256/ES256 with the
client's public JWK; `aud` must be the token endpoint; a jti works once).
  /mcp                                       the SDK's streamable HTTP MCP server (stateless, JSON responses) behind
                                             its RequireAuthMiddleware, with a token verifier reading this AS's tokens
                                             (revoked or expired tokens, or tokens for another `resource`, get 401)
  /.well-known/oauth-protected-resource/mcp  PRM (SDK): resource <origin>/mcp, authorization_servers [issuer]
  /_stats                                    JSON counts: token requests by grant type (and their errors), revocations

--auth-methods narrows the token endpoint methods the metadata advertises (default: all four), so a client must pick
the one left, as in the conformance suite's token-endpoint-auth scenarios; --cimd advertises
client_id_metadata_document_supported (the AS never fetches the document: pre-register the URL as a client_id, as the
suite's mock accepts it as-is).

Clients are pre-registered (no DCR). Each --client is a JSON object: client_id, client_secret?,
token_endpoint_auth_method? (default client_secret_basic with a secret, none without, private_key_jwt with a jwk),
redirect_uris? (default ["http://127.0.0.1:9/callback"]), grant_types? (default authorization_code + refresh_token),
scope? (allowed scopes; default the MCP scopes + openid offline_access; without a requested scope the MCP
scopes are granted), jwk? (a public JWK, for private_key_jwt). --clients reads a JSON array of the same.
Without any, four defaults exist: basic-client/basic-secret, post-client/post-secret, public-client, and
service-client/service-secret (client_credentials only).

Prints exactly one line `READY <issuer>` on stdout once listening; stops on stdin EOF, SIGTERM or --max-seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import os
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fixture_common import on_stdin_eof  # the script's folder is on sys.path

HOST = "127.0.0.1"
DEFAULT_REDIRECT = "http://127.0.0.1:9/callback"
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none", "private_key_jwt"]
METADATA_FORMS = ("oidc-appended", "oidc-inserted", "rfc8414")
USER = "fixture-user"

# Loopback http only: authlib refuses http URLs unless told otherwise.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")


def default_clients() -> list[dict]:
    return [
        {"client_id": "basic-client", "client_secret": "basic-secret", "token_endpoint_auth_method": "client_secret_basic"},
        {"client_id": "post-client", "client_secret": "post-secret", "token_endpoint_auth_method": "client_secret_post"},
        {"client_id": "public-client", "token_endpoint_auth_method": "none"},
        {"client_id": "service-client", "client_secret": "service-secret", "grant_types": ["client_credentials"]},
    ]


def build_app(issuer: str, origin: str, args, clients_config: list[dict]):
    from authlib.common.security import generate_token
    from authlib.oauth2 import rfc6749
    from authlib.oauth2.rfc6749 import grants
    from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
    from authlib.oauth2.rfc6750 import BearerTokenGenerator
    from authlib.oauth2.rfc7009 import RevocationEndpoint
    from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
    from authlib.oauth2.rfc7636 import CodeChallenge
    from authlib.oauth2.rfc9207 import AuthorizationServerMetadata as IssMetadata
    from authlib.oauth2.rfc9207 import IssuerParameter
    from authlib.oidc.core import UserInfo
    from authlib.oidc.core.grants import OpenIDCode
    from authlib.oidc.discovery import OpenIDProviderMetadata
    from joserfc.jwk import KeySet, RSAKey
    from pydantic import AnyHttpUrl
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response

    from mcp.server.auth.middleware.auth_context import get_access_token
    from mcp.server.auth.provider import AccessToken
    from mcp.server.auth.settings import AuthSettings
    from mcp.server.mcpserver import MCPServer

    scopes: list[str] = args.scopes.split()
    token_endpoint = issuer + "/token"
    resource_url = origin + "/mcp"
    stats = {"token": Counter(), "token_errors": Counter(), "revocations": 0, "revoked": Counter()}
    id_token_key = RSAKey.generate_key(2048, parameters={"kid": "fixture-id-token", "use": "sig", "alg": "RS256"})

    # --- storage -------------------------------------------------------------------------------------------------

    class Client(rfc6749.ClientMixin):
        def __init__(self, config: dict) -> None:
            self.client_id = config["client_id"]
            self.client_secret = config.get("client_secret")
            self.jwk = config.get("jwk")
            default_method = "private_key_jwt" if self.jwk else ("client_secret_basic" if self.client_secret else "none")
            self.auth_method = config.get("token_endpoint_auth_method", default_method)
            if self.auth_method not in AUTH_METHODS:
                raise SystemExit(f"client {self.client_id}: unknown token_endpoint_auth_method {self.auth_method}")
            self.redirect_uris = config.get("redirect_uris", [DEFAULT_REDIRECT])
            self.grant_types = config.get("grant_types", ["authorization_code", "refresh_token"])
            self.scope = config.get("scope", " ".join(scopes + ["openid", "offline_access"]))
            self.default_scope = " ".join(s for s in scopes if s in self.scope.split())

        def get_client_id(self):
            return self.client_id

        def get_default_redirect_uri(self):
            return self.redirect_uris[0] if self.redirect_uris else None

        def get_allowed_scope(self, scope):
            allowed = self.scope.split()
            if not scope:
                return self.default_scope  # the MCP scopes; openid and offline_access only when asked for
            return " ".join(s for s in scope.split() if s in allowed)

        def check_redirect_uri(self, redirect_uri):
            return redirect_uri in self.redirect_uris

        def check_client_secret(self, client_secret):
            return self.client_secret is not None and hmac.compare_digest(self.client_secret, client_secret)

        def check_endpoint_auth_method(self, method, endpoint):
            # The same method at the token and the revocation endpoint, as RFC 7009 §2.1 suggests.
            return method == self.auth_method

        def check_response_type(self, response_type):
            return response_type == "code"

        def check_grant_type(self, grant_type):
            return grant_type in self.grant_types

    @dataclass
    class Code:
        code: str
        client_id: str
        redirect_uri: str | None
        scope: str
        code_challenge: str | None
        code_challenge_method: str | None
        resource: str | None
        nonce: str | None
        auth_time: int = field(default_factory=lambda: int(time.time()))
        expires_at: float = field(default_factory=lambda: time.time() + 300)

        def get_redirect_uri(self):
            return self.redirect_uri

        def get_scope(self):
            return self.scope

        def get_nonce(self):
            return self.nonce

        def get_auth_time(self):
            return self.auth_time

        def get_acr(self):
            return None

        def get_amr(self):
            return None

    @dataclass
    class Token(rfc6749.TokenMixin):
        client_id: str
        access_token: str
        refresh_token: str | None
        scope: str
        resource: str | None
        expires_in: int
        issued_at: int
        access_revoked: bool = False
        refresh_revoked: bool = False

        def check_client(self, client):
            return client.get_client_id() == self.client_id

        def get_scope(self):
            return self.scope

        def get_expires_in(self):
            return self.expires_in

        def is_expired(self):
            return time.time() >= self.issued_at + self.expires_in

        def is_revoked(self):
            return self.access_revoked

        def get_user(self):
            return USER

        def get_client(self):
            return clients[self.client_id]

    clients = {c["client_id"]: Client(c) for c in clients_config}
    codes: dict[str, Code] = {}
    by_access: dict[str, Token] = {}
    by_refresh: dict[str, Token] = {}
    used_jti: set[str] = set()

    # --- the authlib server on plain request objects ----------------------------------------------------------------

    class Payload(rfc6749.OAuth2Payload):
        def __init__(self, pairs: list[tuple[str, str]]) -> None:
            self._data: dict[str, str] = {}
            self._datalist: dict[str, list[str]] = {}
            for name, value in pairs:
                self._data.setdefault(name, value)
                self._datalist.setdefault(name, []).append(value)

        @property
        def data(self):
            return self._data

        @property
        def datalist(self):
            return self._datalist

    class Raw(rfc6749.OAuth2Request):
        """A request already read from Starlette (authlib's server calls are synchronous)."""

        def __init__(self, method: str, url: str, headers, query: list, form: list) -> None:
            super().__init__(method, url, headers=headers)
            self.payload = Payload(query + form)
            self._args = Payload(query).data
            self._form = Payload(form).data

        @property
        def args(self):
            return self._args

        @property
        def form(self):
            return self._form

    class Reply:
        """authlib's (status, body, headers) until it becomes a Starlette response; `location` for RFC 9207's hook."""

        def __init__(self, status: int, body, headers) -> None:
            self.status = status
            self.body = body
            self.headers = dict(headers or [])

        @property
        def location(self):
            return self.headers.get("Location")

        @location.setter
        def location(self, value):
            self.headers["Location"] = value

        def starlette(self) -> Response:
            body = json.dumps(self.body) if isinstance(self.body, dict) else (self.body or "")
            return Response(body, status_code=self.status, headers=self.headers)

    class Server(rfc6749.AuthorizationServer):
        def query_client(self, client_id):
            return clients.get(client_id)

        def save_token(self, token, request):
            if request.authorization_code is not None:
                resource = request.authorization_code.resource
            elif request.refresh_token is not None:
                resource = request.refresh_token.resource
            else:
                resource = request.payload.data.get("resource")
            record = Token(client_id=request.client.get_client_id(), access_token=token["access_token"],
                           refresh_token=token.get("refresh_token"), scope=token.get("scope", ""), resource=resource,
                           expires_in=token["expires_in"], issued_at=int(time.time()))
            by_access[record.access_token] = record
            if record.refresh_token:
                by_refresh[record.refresh_token] = record

        def create_oauth2_request(self, request):
            return request

        def handle_response(self, status, body, headers):
            return Reply(status, body, headers)

        def send_signal(self, name, *args, **kwargs):
            pass

    class InvalidTarget(OAuth2Error):
        error = "invalid_target"  # RFC 8707 §2

    def check_resource(request, granted: str | None) -> None:
        """RFC 8707: a `resource` at the token endpoint must be the one the grant was for."""
        requested = request.payload.data.get("resource")
        if requested is not None and granted is not None and requested != granted:
            raise InvalidTarget(description="the resource differs from the one authorized")

    class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

        def save_authorization_code(self, code, request):
            data = request.payload.data
            codes[code] = Code(code=code, client_id=request.client.get_client_id(), redirect_uri=data.get("redirect_uri"),
                               scope=request.scope or "", code_challenge=data.get("code_challenge"),
                               code_challenge_method=data.get("code_challenge_method"), resource=data.get("resource"),
                               nonce=data.get("nonce"))

        def query_authorization_code(self, code, client):
            record = codes.get(code)
            if record and record.client_id == client.get_client_id() and record.expires_at > time.time():
                return record
            return None

        def delete_authorization_code(self, authorization_code):
            codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return USER

        def validate_token_request(self):
            super().validate_token_request()
            check_resource(self.request, self.request.authorization_code.resource)

    class RefreshTokenGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
        INCLUDE_NEW_REFRESH_TOKEN = True  # rotation

        def authenticate_refresh_token(self, refresh_token):
            record = by_refresh.get(refresh_token)
            return record if record and not record.refresh_revoked else None

        def authenticate_user(self, refresh_token):
            return USER

        def revoke_old_credential(self, refresh_token):
            refresh_token.refresh_revoked = True

        def validate_token_request(self):
            super().validate_token_request()
            check_resource(self.request, self.request.refresh_token.resource)

    class ClientCredentialsGrant(grants.ClientCredentialsGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]

    class S256Only(CodeChallenge):
        """OAuth 2.1: PKCE on every code request, S256 only (authlib alone would accept plain, or none at all)."""

        SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

        def validate_code_challenge(self, grant, redirect_uri):
            data = grant.request.payload.data
            if not data.get("code_challenge"):
                raise InvalidRequestError("PKCE is required: missing 'code_challenge'")
            if data.get("code_challenge_method") != "S256":
                raise InvalidRequestError("code_challenge_method must be S256")
            super().validate_code_challenge(grant, redirect_uri)

    class IdTokens(OpenIDCode):
        def resolve_client_private_key(self, client):
            return id_token_key

        def get_client_algorithm(self, client):
            return "RS256"

        def get_client_claims(self, client):
            return {"iss": issuer, "aud": [client.get_client_id()]}

        def exists_nonce(self, nonce, request):
            return False

        def generate_user_info(self, user, scope):
            return UserInfo(sub=user)

    class PrivateKeyJWT(JWTBearerClientAssertion):
        CLIENT_AUTH_METHOD = "private_key_jwt"

        def get_audiences(self):
            return [token_endpoint]

        def validate_jti(self, claims, jti):
            key = f"{claims['sub']}:{jti}"
            if key in used_jti:
                return False
            used_jti.add(key)
            return True

        def resolve_client_public_key(self, client):
            return KeySet.import_key_set({"keys": [client.jwk]})

    class Revocation(RevocationEndpoint):
        CLIENT_AUTH_METHODS = AUTH_METHODS

        def query_token(self, token_string, token_type_hint):
            # RFC 7009 §2.1: the hint only orders the search.
            lookups = [("access_token", by_access), ("refresh_token", by_refresh)]
            if token_type_hint == "refresh_token":
                lookups.reverse()
            for kind, table in lookups:
                if token_string in table:
                    return table[token_string]
            return None

        def revoke_token(self, token, request):
            # A revoked refresh token takes its access token along (§2.1 SHOULD); an access token goes alone.
            if request.form.get("token") == token.refresh_token:
                token.refresh_revoked = True
                token.access_revoked = True
                stats["revoked"]["refresh_token"] += 1
            else:
                token.access_revoked = True
                stats["revoked"]["access_token"] += 1

    class Issuer(IssuerParameter):
        def get_issuer(self):
            return None if args.no_iss else issuer

    server = Server(scopes_supported=scopes + ["openid", "offline_access"])
    server.register_token_generator("default", BearerTokenGenerator(
        access_token_generator=lambda **_: "at_" + generate_token(32),
        refresh_token_generator=lambda **_: "rt_" + generate_token(32),
        expires_generator=args.token_lifetime))
    server.register_grant(AuthorizationCodeGrant, [S256Only(required=True), IdTokens(require_nonce=False)])
    server.register_grant(RefreshTokenGrant)
    server.register_grant(ClientCredentialsGrant)
    server.register_client_auth_method("private_key_jwt", PrivateKeyJWT())
    server.register_endpoint(Revocation)
    server.register_extension(Issuer())

    metadata = {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/authorize",
        "token_endpoint": token_endpoint,
        "revocation_endpoint": issuer + "/revoke",
        "jwks_uri": issuer + "/jwks",
        "scopes_supported": server.scopes_supported,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "token_endpoint_auth_methods_supported": args.auth_methods.split(","),
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": not args.no_iss,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    if args.cimd:
        metadata["client_id_metadata_document_supported"] = True
    OpenIDProviderMetadata(metadata).validate(metadata_classes=[IssMetadata])

    # --- HTTP --------------------------------------------------------------------------------------------------

    async def read(request: Request) -> Raw:
        form: list[tuple[str, str]] = []
        if request.method == "POST" and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        return Raw(request.method, str(request.url), request.headers, list(request.query_params.multi_items()), form)

    def oauth_error(raw: Raw, error: OAuth2Error) -> Response:
        return server.handle_error_response(raw, error).starlette()

    async def authorize(request: Request) -> Response:
        raw = await read(request)
        try:
            grant = server.get_consent_grant(raw, end_user=USER)
        except OAuth2Error as error:
            return oauth_error(raw, error)
        # Auto-approve: no login page, no consent screen.
        return server.create_authorization_response(raw, grant_user=USER, grant=grant).starlette()

    async def token(request: Request) -> Response:
        raw = await read(request)
        grant_type = raw.form.get("grant_type", "")
        stats["token"][grant_type] += 1
        reply = server.create_token_response(raw)
        if reply.status != 200:
            stats["token_errors"][grant_type] += 1
        return reply.starlette()

    async def revoke(request: Request) -> Response:
        raw = await read(request)
        stats["revocations"] += 1
        return server.create_endpoint_response("revocation", raw).starlette()

    async def discovery(request: Request) -> Response:
        return JSONResponse(metadata)

    async def jwks(request: Request) -> Response:
        return JSONResponse(KeySet([id_token_key]).as_dict(private=False))

    async def stats_route(request: Request) -> Response:
        return JSONResponse({"token": dict(stats["token"]), "token_errors": dict(stats["token_errors"]),
                             "revocations": stats["revocations"], "revoked": dict(stats["revoked"])})

    class Verifier:
        """The SDK's TokenVerifier over this AS's token table (an opaque token looked up, as introspection would)."""

        async def verify_token(self, token: str) -> AccessToken | None:
            record = by_access.get(token)
            if record is None or record.access_revoked or record.is_expired():
                return None
            return AccessToken(token=token, client_id=record.client_id, scopes=record.scope.split(),
                               expires_at=record.issued_at + record.expires_in, resource=record.resource,
                               subject=USER, claims={"iss": issuer})

    mcp = MCPServer(
        name="authlib-fixture", token_verifier=Verifier(), log_level="WARNING",
        auth=AuthSettings(issuer_url=AnyHttpUrl(issuer), resource_server_url=AnyHttpUrl(resource_url),
                          required_scopes=scopes, validate_token_resource=True))

    @mcp.tool()
    def whoami() -> dict:
        """The client and scopes of the bearer token this call came with."""
        access = get_access_token()
        return {"client_id": access.client_id if access else None, "scopes": access.scopes if access else []}

    path = issuer[len(origin):]
    wells = {
        "oidc-appended": path + "/.well-known/openid-configuration",
        "oidc-inserted": "/.well-known/openid-configuration" + path,
        "rfc8414": "/.well-known/oauth-authorization-server" + path,
    }
    for form in args.metadata_at.split(","):
        mcp.custom_route(wells[form], methods=["GET"])(discovery)
    mcp.custom_route(path + "/authorize", methods=["GET"])(authorize)
    mcp.custom_route(path + "/token", methods=["POST"])(token)
    mcp.custom_route(path + "/revoke", methods=["POST"])(revoke)
    mcp.custom_route(path + "/jwks", methods=["GET"])(jwks)
    mcp.custom_route("/_stats", methods=["GET"])(stats_route)
    return mcp.streamable_http_app(stateless_http=True, json_response=True)


def load_clients(args) -> list[dict]:
    clients: list[dict] = []
    if args.clients:
        with open(args.clients, encoding="utf-8") as handle:
            clients += json.load(handle)
    clients += [json.loads(text) for text in args.client]
    return clients or default_clients()


async def serve(args, ready_out) -> None:
    import uvicorn

    # Bind first: the issuer (and every URL in the metadata) needs the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, args.port))
    origin = f"http://{HOST}:{sock.getsockname()[1]}"
    issuer = origin + args.issuer_path.rstrip("/")
    app = build_app(issuer, origin, args, load_clients(args))
    config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task
            raise SystemExit("uvicorn exited during startup")
        await asyncio.sleep(0.01)
    ready_out.write(f"READY {issuer}\n")
    ready_out.flush()
    on_stdin_eof(lambda: loop.call_soon_threadsafe(lambda: setattr(server, "should_exit", True)))
    await task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--issuer-path", default="/tenant1")
    parser.add_argument("--metadata-at", default="oidc-appended",
                        help="comma list of " + ", ".join(METADATA_FORMS))
    parser.add_argument("--client", action="append", default=[], help="a client as a JSON object (repeatable)")
    parser.add_argument("--clients", help="a JSON file with an array of clients")
    parser.add_argument("--scopes", default="mcp:read mcp:write")
    parser.add_argument("--token-lifetime", type=int, default=3600)
    parser.add_argument("--no-iss", action="store_true", help="leave iss out of authorization responses")
    parser.add_argument("--auth-methods", default=",".join(AUTH_METHODS),
                        help="comma list: the token endpoint auth methods the metadata advertises")
    parser.add_argument("--cimd", action="store_true", help="advertise client_id_metadata_document_supported")
    parser.add_argument("--max-seconds", type=float, default=0, help="exit after this long (a leak guard for tests)")
    args, _unknown = parser.parse_known_args()
    for method in args.auth_methods.split(","):
        if method not in AUTH_METHODS:
            parser.error(f"--auth-methods: unknown method {method!r}")
    for form in args.metadata_at.split(","):
        if form not in METADATA_FORMS:
            parser.error(f"--metadata-at: unknown form {form!r}")
    if not args.issuer_path.startswith("/") or args.issuer_path.rstrip("/") == "":
        parser.error("--issuer-path must be a path such as /tenant1")
    ready_out = sys.stdout
    sys.stdout = sys.stderr  # nothing but the READY line may reach the real stdout
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.max_seconds > 0:
        import threading

        threading.Timer(args.max_seconds, lambda: os._exit(0)).start()
    try:
        asyncio.run(serve(args, ready_out))
    except KeyboardInterrupt:
        pass
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
