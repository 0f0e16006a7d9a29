"""The gateway: one mcpclient.Manager, the users' views, and an HTTP server routing to the three seed APIs."""

from __future__ import annotations

import sys
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, Optional

import mcpclient

from . import aeontel, librechat, pandorakit
from .auth import Csrf, User, Users
from .errors import http_error
from .routing import MAX_BODY_BYTES, HttpError, Request, Response, Router


def declares_oauth(config: Dict[str, Any]) -> bool:
    return isinstance(config.get("oauth"), dict) or config.get("requiresOAuth") is True


class Gateway:
    def __init__(self, public_url: str, users: Dict[str, User], store: Optional[Dict[str, Any]] = None,
                 options: Optional[Dict[str, Any]] = None):
        self.public_url = public_url.rstrip("/")
        oauth: Dict[str, Any] = {"redirectUri": self.public_url + "/api/mcp/oauth/callback"}
        if store:
            oauth["store"] = store
        self.manager = mcpclient.Manager({"clientInfo": {"name": "mcpclient-gateway", "version": "0.1.0"},
                                          "oauth": oauth, **(options or {})})
        self.users = Users(self.manager, users)
        self.csrf = Csrf()
        self.router = Router()
        librechat.register(self.router, self)
        pandorakit.register(self.router, self)
        aeontel.register(self.router, self)

    # -- servers ---------------------------------------------------------------

    def callback_url(self, server: str) -> str:
        return f"{self.public_url}/api/mcp/{urllib.parse.quote(server, safe='')}/oauth/callback"

    def load_config(self, text: str, file: Optional[str] = None) -> Dict[str, Any]:
        """Register the operator's servers (librechat.yaml or any format the library reads). Servers that sign in
        get LibreChat's per-server callback URL; the manager's redirectUri only covers OAuth found by a 401."""
        config = mcpclient.load_config(text, file=file)
        for name, server in config.servers.items():
            if declares_oauth(server) and "redirect_uri" not in (server.get("oauth") or {}):
                server["oauth"] = {**(server.get("oauth") or {}), "redirect_uri": self.callback_url(name)}
        return self.manager.load_config(config.export("json", include_secrets=True), format="normalized", file=file)

    def ensure_callback(self, view: mcpclient.Manager, entry: Dict[str, Any]) -> Dict[str, Any]:
        """A created or updated server that signs in gets the per-server callback URL (the gateway owns it)."""
        config = entry.get("config") or {}
        if declares_oauth(config) and (config.get("oauth") or {}).get("redirect_uri") != self.callback_url(entry["name"]):
            changed = view.update_server(entry["name"], {"oauth": {"redirect_uri": self.callback_url(entry["name"])}})
            return changed.get("server", entry)
        return entry

    @staticmethod
    def all_servers(view: mcpclient.Manager) -> Iterator[Dict[str, Any]]:
        """Every server the user may view, across the registry's pages."""
        after = None
        while True:
            page = view.list_servers(limit=100, after=after)
            yield from page["data"]
            if not page["has_more"]:
                return
            after = page["after"]

    # -- HTTP ------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        try:
            route = self.router.match(request)
            if not route.public:
                request.user = self.users.authenticate(request)
            return route.handler(request)
        except HttpError as error:
            return Response(error.status, error.body, error.headers)
        except mcpclient.McpError as error:  # a handler that did not name the server
            mapped = http_error(error)
            return Response(mapped.status, mapped.body, mapped.headers)
        except Exception:  # a bug: log it, answer 500 without internals
            traceback.print_exc()
            return Response(500, {"error": "Internal server error"})

    def view(self, request: Request) -> mcpclient.Manager:
        return self.users.view(request.user)

    def close(self) -> None:
        self.users.close()
        self.manager.close()


class Handler(BaseHTTPRequestHandler):
    """Reads the request, hands it to ``server.gateway``, writes the response."""

    def _dispatch(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._send(Response(400, {"error": "bad Content-Length"}))
            return
        if length > MAX_BODY_BYTES:
            self._send(Response(413, {"error": "Request body too large"}))
            return
        body = self.rfile.read(length) if length > 0 else b""
        self._send(self.server.gateway.handle(Request(self.command, self.path, self.headers, body)))  # type: ignore[attr-defined]

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        if response.raw:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.raw)))
        for key, value in response.headers:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(response.raw)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _dispatch

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # Path only: an OAuth callback's query holds the authorization code.
        sys.stderr.write(f"gateway: {self.command} {self.path.split('?', 1)[0]} {code}\n")


def make_server(host: str, port: int) -> ThreadingHTTPServer:
    """Bound (port 0 picks a free one) but not serving; set ``server.gateway`` before ``serve_forever``."""
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
