"""An OAuth 2.1 authorization server and a protected resource, built on the official SDK's auth pieces (mcp 2.x
`mcp.server.auth`), with an in-memory provider that approves every authorization request at once (no browser).

    .venv-modern/bin/python Tests/Fixtures/servers/oauth_server.py [--scopes "mcp:read mcp:write"] [--no-iss] [--mcp]
        [--auth-methods client_secret_post,...] [--register-all-scopes]

Routes on http://127.0.0.1:<port> (the issuer is the origin):
  SDK:  /.well-known/oauth-authorization-server, /authorize, /token, /register, /revoke (create_auth_routes),
        /.well-known/oauth-protected-resource/mcp (create_protected_resource_routes)
  /mcp               protected by the SDK's BearerAuthBackend + RequireAuthMiddleware; 200 JSON with the token's
                     client and scopes when authorized, else 401 with WWW-Authenticate: Bearer resource_metadata="…"
                     With --mcp: the everything_modern server's streamable HTTP endpoint instead (both eras: a
                     2026-07-28 MCP-Protocol-Version header is served statelessly, anything else gets handshake-era
                     Mcp-Session-Id sessions), behind the same middleware
  /scoped/mcp        (--mcp) step-up, as the conformance suite's auth/scope-step-up: a JSON-RPC request without a
                     token is 401 with scope="mcp:read"; tools/call needs mcp:write (403 insufficient_scope naming
                     only mcp:write), the rest mcp:read
  /denied/mcp        (--mcp) as auth/scope-retry-limit: 401 with scope="mcp:write" without a token; with one,
                     initialize, server/discover and notifications pass and anything else is 403
                     insufficient_scope (scope="mcp:write"), whatever the token's scopes
                     Both have their own PRM (/.well-known/oauth-protected-resource/<path>) naming the --scopes.
                     Unlike the suite's mocks they want a token for initialize too: the SDK binds a session to the
                     principal that created it, so a session opened without one would be refused (404) after
                     the sign-in
  /mismatch/mcp      401 whose resource_metadata points at a PRM naming another resource (/elsewhere)
  /hinted/mcp        401 whose resource_metadata is the request's X-Test-Hint header (SSRF tests)
  /moved?to=URL      302 to URL (default: the AS metadata), for redirect checks
  /legacy/...        nothing: a server without PRM (404s), for the 2025-03-26 fallback
  /_stats            {"refresh_requests": n (refresh_token grants received, replays included), "refreshes": n}
  /_expire_access    POST: forget every access token (as if all expired; refresh tokens stay), for refresh tests
  /_expire_refresh   POST: forget every refresh token (the next refresh is invalid_grant)
  /_requests         every request to an MCP endpoint: [{"method","path","bearer","session","status"}]

--auth-methods replaces the token endpoint auth methods the AS metadata advertises (the SDK's are
client_secret_post and client_secret_basic; the SDK registers and accepts none too), so a registering client must
pick the one left, as in the suite's auth/token-endpoint-auth-* scenarios (registering with another is refused). --register-all-scopes gives every registered
client all --scopes whatever it asked for (RFC 7591 §3.2.1 lets an AS replace requested metadata); without it the
SDK authorizes only the scopes a client registered with. --refresh-delay S holds every refresh_token grant S
seconds before answering (so concurrent refreshes would overlap). --lose-refresh-replies N: the first N refresh_token
grants are carried out (the refresh token rotates) but their answer is held 30 s, past any client's timeout: the
client never learns the new tokens. --refresh-grace S: a rotated-out refresh token is still honoured for S seconds
(the reuse interval some authorization servers offer), each use issuing new tokens. --access-ttl S: access tokens
live S seconds (default 3600; expires_in says so).

`/authorize` redirects to the redirect_uri with code, state and iss (RFC 9207; the SDK leaves the redirect URL to the
provider). Refresh tokens rotate: a used one is invalid afterwards (invalid_grant).

Prints exactly one line `READY <issuer>` on stdout once listening; runs until stdin reaches EOF or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import sys
import time

from fixture_common import on_stdin_eof  # the script's folder is on sys.path

HOST = "127.0.0.1"


def build_app(issuer: str, scopes: list[str], with_iss: bool, mcp_app=None, auth_methods: list[str] | None = None,
              register_all_scopes: bool = False, refresh_delay: float = 0.0, lose_refresh_replies: int = 0,
              refresh_grace: float = 0.0, access_ttl: int = 3600):
    from pydantic import AnyHttpUrl
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.authentication import AuthenticationMiddleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from mcp.server.auth.handlers.metadata import MetadataHandler
    from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
    from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
    from mcp.server.auth.provider import (
        AccessToken,
        AuthorizationCode,
        AuthorizationParams,
        ProviderTokenVerifier,
        RefreshToken,
        RegistrationError,
        TokenError,
        construct_redirect_uri,
    )
    from mcp.server.auth.routes import build_metadata, create_auth_routes, create_protected_resource_routes
    from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
    from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

    class MemoryProvider:
        """OAuthAuthorizationServerProvider kept in dictionaries; approves every request."""

        def __init__(self) -> None:
            self.clients: dict[str, OAuthClientInformationFull] = {}
            self.codes: dict[str, AuthorizationCode] = {}
            self.access: dict[str, AccessToken] = {}
            self.refresh: dict[str, RefreshToken] = {}
            self.retired: dict[str, tuple[RefreshToken, float]] = {}  # rotated out, with when (--refresh-grace)
            self.replies_to_lose = lose_refresh_replies
            self.stats = {"refresh_requests": 0, "refreshes": 0}

        async def get_client(self, client_id: str):
            return self.clients.get(client_id)

        async def register_client(self, client_info: OAuthClientInformationFull) -> None:
            if auth_methods and client_info.token_endpoint_auth_method not in auth_methods:
                # As the suite's mock: a client must pick an advertised method (the SDK would take any).
                raise RegistrationError(error="invalid_client_metadata",
                                        error_description=f"token_endpoint_auth_method must be one of {auth_methods}")
            if register_all_scopes and scopes:
                client_info.scope = " ".join(scopes)  # the response echoes this object
            self.clients[client_info.client_id] = client_info

        async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
            code = secrets.token_urlsafe(32)
            self.codes[code] = AuthorizationCode(
                code=code, scopes=params.scopes or [], expires_at=time.time() + 300, client_id=client.client_id,
                code_challenge=params.code_challenge, redirect_uri=params.redirect_uri,
                redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly, resource=params.resource)
            return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state,
                                          iss=str(issuer_url) if with_iss else None)

        async def load_authorization_code(self, client, authorization_code: str):
            code = self.codes.get(authorization_code)
            return code if code and code.client_id == client.client_id else None

        def _issue(self, client_id: str, scopes: list[str], resource: str | None) -> OAuthToken:
            access = "at_" + secrets.token_urlsafe(24)
            refresh = "rt_" + secrets.token_urlsafe(24)
            self.access[access] = AccessToken(token=access, client_id=client_id, scopes=scopes,
                                              expires_at=int(time.time()) + access_ttl, resource=resource)
            self.refresh[refresh] = RefreshToken(token=refresh, client_id=client_id, scopes=scopes, resource=resource)
            return OAuthToken(access_token=access, expires_in=access_ttl, scope=" ".join(scopes) or None, refresh_token=refresh)

        async def exchange_authorization_code(self, client, authorization_code: AuthorizationCode) -> OAuthToken:
            if self.codes.pop(authorization_code.code, None) is None:
                raise TokenError(error="invalid_grant", error_description="authorization code already used")
            return self._issue(client.client_id, authorization_code.scopes, authorization_code.resource)

        async def load_refresh_token(self, client, refresh_token: str):
            # Every refresh_token grant from a known client lands here, replays included.
            self.stats["refresh_requests"] += 1
            if refresh_delay:
                await asyncio.sleep(refresh_delay)  # widens the window in which a second refresh could race
            token = self.refresh.get(refresh_token)
            if token is None and refresh_token in self.retired:
                retired, since = self.retired[refresh_token]
                token = retired if time.time() - since < refresh_grace else None
            return token if token and token.client_id == client.client_id else None

        async def exchange_refresh_token(self, client, refresh_token: RefreshToken, scopes: list[str]) -> OAuthToken:
            if self.refresh.pop(refresh_token.token, None) is not None:  # rotation: a refresh token works once
                self.retired[refresh_token.token] = (refresh_token, time.time())
            self.stats["refreshes"] += 1
            issued = self._issue(client.client_id, scopes, refresh_token.resource)
            if self.replies_to_lose > 0:
                self.replies_to_lose -= 1
                await asyncio.sleep(30)  # rotated, but the answer never reaches a client that waits less
            return issued

        async def load_access_token(self, token: str):
            return self.access.get(token)

        async def revoke_token(self, token) -> None:
            self.access.pop(token.token, None)
            self.refresh.pop(token.token, None)

    provider = MemoryProvider()
    issuer_url = AnyHttpUrl(issuer)
    resource = issuer + "/mcp"
    prm_url = issuer + "/.well-known/oauth-protected-resource/mcp"

    registration = ClientRegistrationOptions(enabled=True, valid_scopes=scopes or None)
    revocation = RevocationOptions(enabled=True)
    routes = create_auth_routes(provider, issuer_url, client_registration_options=registration, revocation_options=revocation)
    if auth_methods:
        # Starlette takes the first matching route: this metadata shadows the SDK's own.
        metadata = build_metadata(issuer_url, None, registration, revocation)
        metadata.token_endpoint_auth_methods_supported = auth_methods
        routes.insert(0, Route("/.well-known/oauth-authorization-server", endpoint=MetadataHandler(metadata).handle, methods=["GET"]))
    routes += create_protected_resource_routes(AnyHttpUrl(resource), [issuer_url], scopes_supported=scopes or None)

    async def protected(scope, receive, send) -> None:
        user = scope["user"]
        body = {"ok": True, "client_id": user.access_token.client_id, "scopes": user.access_token.scopes}
        await JSONResponse(body)(scope, receive, send)

    if mcp_app is not None:
        protected = mcp_app

    def unauthorized(hint: str) -> Response:
        return Response(status_code=401, headers={"WWW-Authenticate": f'Bearer resource_metadata="{hint}"'})

    async def mismatch(request: Request) -> Response:
        return unauthorized(issuer + "/.well-known/oauth-protected-resource/mismatch/mcp")

    async def mismatch_prm(request: Request) -> Response:
        return JSONResponse({"resource": issuer + "/elsewhere", "authorization_servers": [str(issuer_url)]})

    async def hinted(request: Request) -> Response:
        return unauthorized(request.headers.get("x-test-hint", ""))

    # Every request to an MCP endpoint (…/mcp): method, whether it carried a bearer and a session id, the status.
    request_log: list[dict] = []

    class RequestLog:
        def __init__(self, app) -> None:
            self.app = app

        async def __call__(self, scope, receive, send) -> None:
            if scope["type"] != "http" or not scope["path"].endswith("/mcp"):
                return await self.app(scope, receive, send)
            headers = dict(scope["headers"])
            entry = {"method": scope["method"], "path": scope["path"],
                     "bearer": headers.get(b"authorization", b"").lower().startswith(b"bearer "),
                     "session": b"mcp-session-id" in headers, "status": None}
            if len(request_log) < 10_000:
                request_log.append(entry)

            async def logged(message):
                if message["type"] == "http.response.start":
                    entry["status"] = message["status"]
                await send(message)

            await self.app(scope, receive, logged)

    async def requests_seen(request: Request) -> Response:
        return JSONResponse(request_log)

    async def stats(request: Request) -> Response:
        return JSONResponse(provider.stats)

    async def expire_access(request: Request) -> Response:
        # As if every access token had expired at the resource server; refresh tokens stay valid.
        provider.access.clear()
        return JSONResponse({"ok": True})

    async def expire_refresh(request: Request) -> Response:
        # As if every refresh token had expired or been revoked at the AS: the next refresh is invalid_grant.
        provider.refresh.clear()
        provider.retired.clear()
        return JSONResponse({"ok": True})

    async def moved(request: Request) -> Response:
        target = request.query_params.get("to", "/.well-known/oauth-authorization-server")
        return Response(status_code=302, headers={"Location": target})

    class ScopeGate:
        """The suite's step-up and retry-limit middlewares in front of the MCP app: reads the JSON-RPC method from
        the body (then replays the body to the app) and answers 401 or 403 insufficient_scope by the token's
        scopes; bodiless GET and DELETE pass. A class, so Starlette mounts it as an ASGI app."""

        def __init__(self, path: str, challenge_scope: str, step_up_scope: str | None) -> None:
            self.prm = issuer + "/.well-known/oauth-protected-resource" + path
            self.challenge_scope = challenge_scope
            self.step_up_scope = step_up_scope  # None: every request with a token is refused (retry limit)

        def challenge(self, status: int, scope: str) -> Response:
            error = ', error="insufficient_scope"' if status == 403 else ""
            header = f'Bearer scope="{scope}", resource_metadata="{self.prm}"{error}'
            return JSONResponse({"error": "insufficient_scope" if status == 403 else "invalid_token"}, status_code=status,
                                headers={"WWW-Authenticate": header})

        async def __call__(self, scope, receive, send) -> None:
            body = b""
            if scope["method"] == "POST":
                while True:
                    message = await receive()
                    body += message.get("body", b"")
                    if not message.get("more_body"):
                        break
            try:
                request = json.loads(body) if body else None
            except ValueError:
                request = None
            method = request.get("method") if isinstance(request, dict) else None
            token = getattr(scope.get("user"), "access_token", None)
            if method and token is None:
                return await self.challenge(401, self.challenge_scope)(scope, receive, send)
            if method and self.step_up_scope is None:
                if method not in ("initialize", "server/discover") and not method.startswith("notifications/"):
                    return await self.challenge(403, self.challenge_scope)(scope, receive, send)
            elif method:
                needed = self.step_up_scope if method == "tools/call" else self.challenge_scope
                if needed not in token.scopes:
                    return await self.challenge(403, needed)(scope, receive, send)
            replayed = False

            async def replay():
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            await protected(scope, replay, send)

    def gated_prm(path: str):
        async def prm(request: Request) -> Response:
            document = {"resource": issuer + path, "authorization_servers": [str(issuer_url)]}
            if scopes:
                document["scopes_supported"] = scopes
            return JSONResponse(document)
        return prm

    if mcp_app is not None:
        for path, gate in (("/scoped/mcp", ScopeGate("/scoped/mcp", "mcp:read", "mcp:write")),
                           ("/denied/mcp", ScopeGate("/denied/mcp", "mcp:write", None))):
            routes += [Route(path, endpoint=gate, methods=["GET", "POST", "DELETE"]),
                       Route("/.well-known/oauth-protected-resource" + path, endpoint=gated_prm(path), methods=["GET"])]

    routes += [
        Route("/moved", endpoint=moved, methods=["GET", "POST"]),
        Route("/_stats", endpoint=stats, methods=["GET"]),
        Route("/_requests", endpoint=requests_seen, methods=["GET"]),
        Route("/_expire_access", endpoint=expire_access, methods=["POST"]),
        Route("/_expire_refresh", endpoint=expire_refresh, methods=["POST"]),
        Route("/mcp", endpoint=RequireAuthMiddleware(protected, [], AnyHttpUrl(prm_url)), methods=["GET", "POST", "DELETE"]),
        Route("/mismatch/mcp", endpoint=mismatch, methods=["GET", "POST"]),
        Route("/.well-known/oauth-protected-resource/mismatch/mcp", endpoint=mismatch_prm, methods=["GET"]),
        Route("/hinted/mcp", endpoint=hinted, methods=["GET", "POST"]),
    ]
    middleware = [
        Middleware(RequestLog),
        Middleware(AuthenticationMiddleware, backend=BearerAuthBackend(ProviderTokenVerifier(provider))),
        Middleware(AuthContextMiddleware),
    ]
    return Starlette(routes=routes, middleware=middleware)


async def serve(args, ready_out) -> None:
    import uvicorn

    # Bind first: the issuer (and every URL in the metadata) needs the port.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, args.port))
    issuer = f"http://{HOST}:{sock.getsockname()[1]}"
    manager = mcp_session_manager() if args.mcp else None
    mcp_app = None
    if manager is not None:
        from mcp.server.streamable_http_manager import StreamableHTTPASGIApp

        mcp_app = StreamableHTTPASGIApp(manager)
    app = build_app(issuer, args.scopes.split(), not args.no_iss, mcp_app,
                    args.auth_methods.split(",") if args.auth_methods else None, args.register_all_scopes, args.refresh_delay,
                    args.lose_refresh_replies, args.refresh_grace, args.access_ttl)
    config = uvicorn.Config(app, log_config=None, log_level="warning", access_log=False, lifespan="off",
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
    if manager is None:
        await task
        return
    async with manager.run():
        await task


def mcp_session_manager():
    """The everything_modern server (as serve_http.py loads it) behind a streamable HTTP session manager."""
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from serve_http import load_fixture, security_settings

    server = load_fixture("modern")
    return StreamableHTTPSessionManager(app=server._lowlevel_server, security_settings=security_settings())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--scopes", default="mcp:read mcp:write")
    parser.add_argument("--no-iss", action="store_true", help="leave iss out of authorization responses")
    parser.add_argument("--mcp", action="store_true", help="serve the everything_modern MCP server at /mcp (behind the bearer check)")
    parser.add_argument("--auth-methods", default="",
                        help="comma list replacing the token endpoint auth methods the AS metadata advertises")
    parser.add_argument("--register-all-scopes", action="store_true",
                        help="register every client for all --scopes, whatever it asked for")
    parser.add_argument("--refresh-delay", type=float, default=0.0,
                        help="seconds each refresh_token grant waits before it is answered (race tests)")
    parser.add_argument("--lose-refresh-replies", type=int, default=0,
                        help="carry out the first N refresh_token grants but hold their answers 30 s (lost replies)")
    parser.add_argument("--refresh-grace", type=float, default=0.0,
                        help="seconds a rotated-out refresh token is still honoured (an AS reuse interval)")
    parser.add_argument("--access-ttl", type=int, default=3600, help="seconds access tokens live")
    parser.add_argument("--max-seconds", type=float, default=0, help="exit after this long (a leak guard for tests)")
    args, _unknown = parser.parse_known_args()
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
