"""A protected resource whose authorization server misbehaves, for test_faults_oauth.py (stdlib, in-process).

`/mcp` answers every request 401 with a Bearer challenge naming its protected resource metadata, which lists one
authorization server chosen per test: a closed port (down), a listener that never answers (slow), or this server's
own `/as/<variant>` whose RFC 8414 metadata is malformed in the way the variant names. No real authorization server
serves broken metadata on purpose, so this one is a fake.
"""

from __future__ import annotations

import http.server
import json
import threading
from typing import Optional

MALFORMED = {
    "not-json": (b"<html>this is not metadata</html>", "text/html"),
    "array": (b"[1, 2, 3]", "application/json"),
    "wrong-issuer": None,  # filled in per port below
    "no-endpoints": None,
    "bad-scheme": None,
    "huge": (b'{"issuer": "' + b"x" * (2 << 20) + b'"}', "application/json"),
    "deep": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
}


class FakeAuthorization:
    def __init__(self, authorization_server: Optional[str] = None):
        self.authorization_server = authorization_server
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self.do_GET()

            def do_GET(self):
                owner.route(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return self.origin + "/mcp"

    def metadata(self, variant: str) -> tuple:
        issuer = f"{self.origin}/as/{variant}"
        good = {"issuer": issuer, "authorization_endpoint": issuer + "/authorize", "token_endpoint": issuer + "/token",
                "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"]}  # fmt: skip
        if variant == "wrong-issuer":
            return json.dumps({**good, "issuer": "http://127.0.0.1:1/elsewhere"}).encode(), "application/json"
        if variant == "no-endpoints":
            return json.dumps({"issuer": issuer}).encode(), "application/json"
        if variant == "bad-scheme":
            return json.dumps({**good, "authorization_endpoint": "javascript:alert(1)"}).encode(), "application/json"
        return MALFORMED[variant]

    def route(self, handler) -> None:
        path = handler.path.split("?", 1)[0]
        if path == "/mcp":
            challenge = f'Bearer resource_metadata="{self.origin}/.well-known/oauth-protected-resource/mcp"'
            return self.send(handler, 401, b"", "text/plain", {"WWW-Authenticate": challenge})
        if path == "/.well-known/oauth-protected-resource/mcp":
            prm = {"resource": self.url, "authorization_servers": [self.authorization_server]}
            return self.send(handler, 200, json.dumps(prm).encode(), "application/json")
        prefix = "/.well-known/oauth-authorization-server/as/"
        if path.startswith(prefix) and path[len(prefix):] in MALFORMED:
            body, kind = self.metadata(path[len(prefix):])
            return self.send(handler, 200, body, kind)
        self.send(handler, 404, b"", "text/plain")

    @staticmethod
    def send(handler, status: int, body: bytes, kind: str, headers: Optional[dict] = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except OSError:
            pass

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
