"""Serve the everything fixture over a network transport on 127.0.0.1 (OS-assigned port).

    .venv-modern/bin/python Tests/Fixtures/servers/serve_http.py --era modern --mode json|sse
    .venv-legacy/bin/python Tests/Fixtures/servers/serve_http.py --era legacy --mode stateful|stateful-json|sse|websocket

Options: --tls CERT KEY (HTTPS/WSS), --client-ca CA (with --tls: mutual TLS), --path P (default /mcp, /sse for legacy sse, /ws for
websocket), --port N (default 0 = OS-assigned), --stateless (modern only: handshake-era requests,
i.e. without a 2026-07-28 MCP-Protocol-Version header, are served statelessly instead of with
Mcp-Session-Id sessions), --require-bearer TOKEN (every HTTP request and WebSocket upgrade needs
`Authorization: Bearer TOKEN`, else 401 with `WWW-Authenticate: Bearer resource_metadata="…"`),
--limited-bearer TOKEN (with --require-bearer: that token gets 403 `Bearer error="insufficient_scope"`),
--max-subscriptions N (modern only: concurrent `subscriptions/listen` streams the server accepts; the SDK's default
is 1024, and the scale benchmark holds one per user connection).
Unknown arguments (e.g. --mcpclient-test-tag=<uuid>) are ignored.

Prints exactly one line `READY <url>` on stdout once the socket accepts connections, and nothing
else on stdout (anything the SDK or uvicorn logs goes to stderr, WARNING and above only). Runs
until SIGTERM/SIGINT or until stdin reaches EOF (stdin that is /dev/null is not watched).

The server is the very same object the stdio fixture builds: the fixture file is executed as
`__main__` with its `run()` call captured, so state keys such as the modern `roots` resolver key
(`__main__:ask_for_roots`) are identical to the stdio fixture's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import runpy
import ssl
import sys

from fixture_common import on_stdin_eof  # the script's folder is on sys.path

HERE = os.path.dirname(os.path.abspath(__file__))
HOST = "127.0.0.1"

MODES = {"modern": ("json", "sse"), "legacy": ("stateful", "stateful-json", "sse", "websocket")}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--era", choices=sorted(MODES), required=True)
    parser.add_argument("--mode", required=True)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--client-ca", help="with --tls: require a client certificate signed by this CA (mutual TLS)")
    parser.add_argument("--path")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--stateless", action="store_true")
    parser.add_argument("--close-log", help="legacy websocket: append the close code of every client disconnect to this file")
    parser.add_argument("--resumable", action="store_true",
                        help="legacy stateful: keep SSE events in memory and suggest retry: 100, so streams can be resumed with Last-Event-ID")
    parser.add_argument("--require-bearer", metavar="TOKEN", help="refuse requests without Authorization: Bearer TOKEN (401)")
    parser.add_argument("--limited-bearer", metavar="TOKEN", help="with --require-bearer: this token gets 403 insufficient_scope")
    parser.add_argument("--max-subscriptions", type=int, metavar="N", help="modern: concurrent listen streams accepted (SDK default 1024)")
    args, _unknown = parser.parse_known_args()
    if args.mode not in MODES[args.era]:
        parser.error(f"--era {args.era} takes --mode {'|'.join(MODES[args.era])}")
    if args.path is None:
        args.path = {"sse": "/sse", "websocket": "/ws"}.get(args.mode, "/mcp") if args.era == "legacy" else "/mcp"
    if not args.path.startswith("/"):
        parser.error("--path must start with /")
    return args


def load_fixture(era: str, max_subscriptions: int | None = None):
    """Execute everything_<era>.py as __main__, capturing the server its `server.run("stdio")` starts."""
    if max_subscriptions is not None and era == "modern":
        # MCPServer builds its ListenHandler with the default limit; the fixture module gives no way to pass one.
        from mcp.server.subscriptions import ListenHandler

        ListenHandler.__init__.__kwdefaults__["max_subscriptions"] = max_subscriptions
    if era == "modern":
        from mcp.server.mcpserver import MCPServer as server_class
    else:
        from mcp.server.fastmcp import FastMCP as server_class
    captured = []
    original_run = server_class.run
    server_class.run = lambda self, *a, **k: captured.append(self)
    try:
        sys.path.insert(0, HERE)
        runpy.run_path(os.path.join(HERE, f"everything_{era}.py"), run_name="__main__")
    finally:
        server_class.run = original_run
    if len(captured) != 1:
        raise SystemExit(f"everything_{era}.py did not call server.run exactly once")
    return captured[0]


def security_settings():
    """DNS-rebinding protection as the SDK enables it for 127.0.0.1, plus https:// origins for --tls."""
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = ["127.0.0.1", "localhost", "[::1]"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{h}:*" for h in hosts],
        allowed_origins=[f"{scheme}://{h}:*" for scheme in ("http", "https") for h in hosts],
    )


def build_app(args: argparse.Namespace, server):
    security = security_settings()
    if args.era == "modern":
        return server.streamable_http_app(
            streamable_http_path=args.path,
            json_response=args.mode == "json",
            stateless_http=args.stateless,
            transport_security=security,
            host=HOST,
        )
    settings = server.settings
    settings.host = HOST
    settings.transport_security = security
    if args.mode in ("stateful", "stateful-json"):
        settings.streamable_http_path = args.path
        settings.json_response = args.mode == "stateful-json"
        settings.stateless_http = False
        if args.resumable:
            # FastMCP 1.x takes these only in its constructor; the fixture module built the server already.
            server._event_store = MemoryEventStore()
            server._retry_interval = 100
        return server.streamable_http_app()
    if args.mode == "sse":
        settings.sse_path = args.path
        settings.message_path = "/messages/"
        return server.sse_app()
    return websocket_app(server, args.path, args.close_log)


class MemoryEventStore:
    """The SDK's EventStore interface kept in memory: every event of every stream, replayable after any id."""

    def __new__(cls):
        from mcp.server.streamable_http import EventMessage, EventStore

        class Store(EventStore):
            def __init__(self):
                self.events = []  # (event id, stream id, message or None for a priming event)

            async def store_event(self, stream_id, message):
                event_id = str(len(self.events) + 1)
                self.events.append((event_id, stream_id, message))
                return event_id

            async def replay_events_after(self, last_event_id, send_callback):
                stream = next((s for e, s, _ in self.events if e == last_event_id), None)
                if stream is None:
                    return None
                after = False
                for event_id, stream_id, message in list(self.events):
                    if after and stream_id == stream and message is not None:
                        await send_callback(EventMessage(message, event_id))
                    after = after or event_id == last_event_id
                return stream

        return Store()


def require_bearer(app, token: str, limited: str | None):
    """A resource server's bearer check in front of the whole app (HTTP requests and WebSocket upgrades alike)."""

    async def guarded(scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        sent = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"authorization"), None)
        if sent == f"Bearer {token}":
            await app(scope, receive, send)
            return
        host, port = scope.get("server") or (HOST, 0)
        metadata = f"http://{host}:{port}/.well-known/oauth-protected-resource"
        status, challenge = 401, f'Bearer resource_metadata="{metadata}"'
        if limited and sent == f"Bearer {limited}":
            status, challenge = 403, f'Bearer error="insufficient_scope", scope="mcp:admin", resource_metadata="{metadata}"'
        elif sent:
            challenge += ', error="invalid_token"'
        headers = [(b"www-authenticate", challenge.encode()), (b"content-type", b"application/json"), (b"content-length", b"2")]
        prefix = "websocket.http.response" if scope["type"] == "websocket" else "http.response"
        await send({"type": f"{prefix}.start", "status": status, "headers": headers})
        await send({"type": f"{prefix}.body", "body": b"{}"})

    return guarded


def websocket_app(server, path: str, close_log: str | None = None):
    """mcp 1.27's websocket_server transport (subprotocol "mcp", one JSON-RPC message per text frame)."""
    from mcp.server.websocket import websocket_server
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    lowlevel = server._mcp_server

    async def endpoint(websocket) -> None:
        async def receive():
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect" and close_log:
                with open(close_log, "a") as log:  # the close code the client sent (1005: none; 1006: no close frame)
                    log.write(f"{message.get('code')}\n")
            return message

        async with websocket_server(websocket.scope, receive, websocket.send) as (read, write):
            await lowlevel.run(read, write, lowlevel.create_initialization_options())

    return Starlette(routes=[WebSocketRoute(path, endpoint)])


async def serve(args: argparse.Namespace, app, ready_out) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        host=HOST,
        port=args.port,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="on",
        ws="websockets-sansio" if args.era == "legacy" and args.mode == "websocket" else "none",
        ssl_certfile=args.tls[0] if args.tls else None,
        ssl_keyfile=args.tls[1] if args.tls else None,
        ssl_ca_certs=args.client_ca,
        ssl_cert_reqs=ssl.CERT_REQUIRED if args.client_ca else ssl.CERT_NONE,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task  # raises the startup failure, if any
            raise SystemExit("uvicorn exited during startup")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    if args.era == "legacy" and args.mode == "websocket":
        scheme = "wss" if args.tls else "ws"
    else:
        scheme = "https" if args.tls else "http"
    ready_out.write(f"READY {scheme}://{HOST}:{port}{args.path}\n")
    ready_out.flush()

    def stop() -> None:
        server.should_exit = True

    on_stdin_eof(lambda: loop.call_soon_threadsafe(stop))
    await task


def _drop_standalone_writer_teardown(record) -> bool:
    """mcp 1.27 logs an ERROR with a ClosedResourceError traceback whenever a stateful session ends
    (DELETE, shutdown) while its GET stream is open; the stream is closed correctly all the same.
    Keep that teardown noise off stderr so tests can treat any stderr output as a failure."""
    import anyio

    exc = record.exc_info[1] if record.exc_info else None
    return not (record.getMessage() == "Error in standalone SSE writer" and isinstance(exc, anyio.ClosedResourceError))


def main() -> None:
    args = parse_args()
    ready_out = sys.stdout
    sys.stdout = sys.stderr  # nothing but the READY line may reach the real stdout
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("mcp.server.streamable_http").addFilter(_drop_standalone_writer_teardown)
    server = load_fixture(args.era, args.max_subscriptions)
    app = build_app(args, server)
    if args.require_bearer:
        app = require_bearer(app, args.require_bearer, args.limited_bearer)
        # uvicorn reports a WebSocket upgrade answered with a plain HTTP response (the 401) as an unfinished handshake.
        logging.getLogger("uvicorn.error").addFilter(
            lambda record: record.getMessage() != "ASGI callable returned without completing handshake.")
    try:
        asyncio.run(serve(args, app, ready_out))
    except KeyboardInterrupt:
        pass
    # Long-lived streams (GET/SSE/WebSocket) can outlive the graceful-shutdown window; don't linger.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
