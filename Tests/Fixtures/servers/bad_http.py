"""A misbehaving HTTP MCP peer for transport fault tests (stdlib only, any Python 3.11+, no SDK).

    python3 Tests/Fixtures/servers/bad_http.py MODE [options]

Listens on 127.0.0.1 (port 0 = OS-assigned, or --port), prints exactly one line `READY <url>`
(`http://127.0.0.1:<port>/mcp`) on stdout and runs until killed or stdin reaches EOF (stdin that is
/dev/null is not watched). Nothing else is written to stdout or stderr.

Apart from its fault it is a minimal 2026-07-28 server at POST /mcp (no header checks):
`server/discover`, `tools/list` (one tool `echo`), `tools/call echo` -> text block = arguments.text,
an unknown method -> HTTP 404 + -32601, a notification (no id) -> 202, GET/DELETE -> 405 Allow: POST.
Results carry `resultType: "complete"`; serverInfo is {"name": "bad-http", "version": "0"}.
A JSON-RPC response from the client (no method: the answer to a server request) -> 202.
`GET /_stats` answers {"requests": [[http_method, path, rpc_method_or_null, credential_headers], ...]} (every
request so far, /_stats itself excluded; credential_headers = which of Authorization, Cookie, Mcp-Session-Id,
X-Api-Key were present, lowercased) so a test can see what its client really sent.

MODE (the fault hits `tools/call` only, so a client gets through discover/list first):
  ok                plain well-behaved server (a baseline)
  trickle           the tools/call result (application/json, with Content-Length) is written one byte
                    every --interval-ms (50)
  drop-mid-stream   tools/call answers 200 text/event-stream (chunked), sends half an `event: message`
                    (the result cut in the middle of its JSON) and closes the socket: no final chunk
  oversize          tools/call answers a valid JSON-RPC result whose text is --size-mb (32) MiB,
                    application/json with Content-Length
  malformed-sse     tools/call answers 200 text/event-stream with an event whose data is not JSON
                    (`data: {"jsonrpc":"2.0","id":<id>,"result":` + garbage), then ends the stream cleanly
  status-5xx        the first --fail-count (1) tools/call get HTTP --status (503) with a JSON-RPC error
                    body, later ones succeed
  status-429        the same with 429 and `Retry-After: --retry-after` (1)
                    (--html: the error body is an HTML page, text/html, instead of JSON-RPC)
  reset             the first --fail-count (1) tools/call get no answer: the connection is reset (RST, linger 0)
  huge-retry        tools/call answers 200 text/event-stream: `retry: 99999999999999999999`, then the result
  id-collision      tools/call answers 200 text/event-stream: first a server request `ping` that carries the
                    same id as the client's own request, then (after the client's answer to it arrives) the result
  sse-then-oversize tools/call answers 200 text/event-stream (Content-Length) whose one write holds the result
                    event and then an event of --size-kb (4) KiB: a client with a smaller event limit must still
                    deliver the result it read before the oversize event
  session-streams   a handshake-era server with a session (server/discover -> -32601, initialize -> 2025-11-25 and
                    Mcp-Session-Id): every GET /mcp answers 200 text/event-stream `retry: 100` and ends at once
                    without an event; tools/call answers a stream holding one event (`id: e1`, a log notification)
                    and ends without the result. /_stats names a GET "stream" or, with Last-Event-ID, "resume"
  misroute          a tools/call and a resources/read in flight together get each other's answers (compact JSON):
                    the tools/call POST is answered with the resources/read's id and result, and the other way round
                    (each waits up to 10 s for the other; alone, it gets its own answer); the read's POST ends 1 s later
  ws-bad-frame      GET /mcp with `Upgrade: websocket` opens a WebSocket (subprotocol "mcp", one JSON-RPC message
                    per text frame; the same answers as over POST); tools/call's result frame is followed, in the
                    same write, by a text frame that is not UTF-8. The close code each connection ends with is
                    recorded in /_stats as ["WS", "/mcp", "close", code]
--tls CERT KEY serves https:// on the same port (READY prints an https URL); every mode works over it.
Redirects (every POST to /mcp is redirected; the targets serve normally, so /_stats shows whether the
client followed):
  redirect-307      307 to http://127.0.0.1:<port>/hop1, /hop2 ... /final (--hops, default 1) (same origin)
  redirect-308-cross  308 to http://127.0.0.1:<other port>/mcp (a second listener: cross-origin)
  redirect-302      302 to /final on the same origin (a POST client must not follow it)
  redirect-private  307 to http://10.0.0.1:<port>/mcp (--private-host); a client must refuse WITHOUT
                    connecting: this address is never to be contacted from a test
  redirect-loop     307 to /mcp itself, forever
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys

from fixture_common import on_stdin_eof  # the script's folder is on sys.path

HOST = "127.0.0.1"
MODES = [
    "ok", "trickle", "drop-mid-stream", "reset", "oversize", "malformed-sse", "status-5xx", "status-429", "huge-retry", "id-collision",
    "sse-then-oversize", "ws-bad-frame", "session-streams", "misroute",
    "redirect-307", "redirect-308-cross", "redirect-302", "redirect-private", "redirect-loop",
]  # fmt: skip
SERVER_INFO = {"io.modelcontextprotocol/serverInfo": {"name": "bad-http", "version": "0"}}
ECHO_TOOL = {
    "name": "echo",
    "description": "Return the given text unchanged.",
    "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
}
REASONS = {101: "Switching Protocols", 200: "OK", 202: "Accepted", 302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect",
           400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}  # fmt: skip


class Peer:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.port = 0
        self.other_port = 0
        self.stats: list[list] = []
        self.failures_left = args.fail_count
        self.answered = asyncio.Event()
        self.held: dict[str, tuple[object, asyncio.Future]] = {}  # misroute: rpc method -> (its reply, the other's)

    # --- HTTP plumbing -------------------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, plain: bool = False) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                if self.args.mode == "ws-bad-frame" and headers.get("upgrade", "").lower() == "websocket":
                    await self.websocket(reader, writer, headers)
                    break
                body = await self.read_body(reader, headers)
                keep = await self.route(method, target, headers, body, writer, plain)
                await writer.drain()
                if not keep or headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def read_body(reader: asyncio.StreamReader, headers: dict) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                body += await reader.readexactly(size)
                await reader.readexactly(2)
                if size == 0:
                    return body
        return await reader.readexactly(int(headers.get("content-length", "0")))

    @staticmethod
    def head(status: int, headers: dict) -> bytes:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"] + [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def respond(self, writer, status: int, body: bytes = b"", content_type: str | None = "application/json", **extra) -> bool:
        headers = {"Content-Length": str(len(body))}
        if content_type and body:
            headers["Content-Type"] = content_type
        headers.update({k.replace("_", "-"): v for k, v in extra.items()})
        writer.write(self.head(status, headers) + body)
        return True

    # --- routing -----------------------------------------------------------------------------

    async def route(self, method: str, target: str, headers: dict, body: bytes, writer, plain: bool) -> bool:
        path = target.split("?", 1)[0]
        if method == "GET" and path == "/_stats":
            return self.respond(writer, 200, json.dumps({"requests": self.stats}).encode())
        try:
            message = json.loads(body) if body else None
        except ValueError:
            message = None
        rpc_method = message.get("method") if isinstance(message, dict) else None
        credentials = sorted(name for name in ("authorization", "cookie", "mcp-session-id", "x-api-key") if name in headers)
        if method == "GET" and self.args.mode == "session-streams":
            rpc_method = "resume" if "last-event-id" in headers else "stream"
        self.stats.append([method, path if plain is False else f"[other]{path}", rpc_method, credentials])
        if method == "GET" and self.args.mode == "session-streams" and path == "/mcp":
            stream = b"retry: 100\r\n\r\n"
            writer.write(self.head(200, {"Content-Type": "text/event-stream", "Content-Length": str(len(stream))}) + stream)
            return True
        if method != "POST":
            return self.respond(writer, 405, Allow="POST")
        mode = "ok" if plain else self.args.mode
        if mode.startswith("redirect-") and (path == "/mcp" or (mode == "redirect-307" and path in self.hops()[:-1])):
            return self.redirect(writer, mode, path)
        if isinstance(message, dict) and rpc_method is None and ("result" in message or "error" in message):
            self.answered.set()  # the client's answer to our request (id-collision)
            return self.respond(writer, 202)
        if not isinstance(message, dict) or not isinstance(rpc_method, str):
            error = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Invalid Request"}}
            return self.respond(writer, 400, json.dumps(error).encode())
        if "id" not in message:
            return self.respond(writer, 202)
        rid = message["id"]
        if mode == "session-streams":
            return self.session_answer(writer, rid, rpc_method)
        reply = self.answer(rid, rpc_method, message.get("params") or {})
        if mode == "misroute" and rpc_method in ("tools/call", "resources/read"):
            return await self.misroute(writer, rpc_method, reply)
        if rpc_method == "tools/call" and mode != "ok" and not mode.startswith("redirect-"):
            return await self.fault(writer, mode, rid, reply)
        status = 404 if "error" in reply and reply["error"]["code"] == -32601 else 200
        return self.respond(writer, status, json.dumps(reply).encode())

    async def misroute(self, writer, method: str, reply: dict) -> bool:
        other = "resources/read" if method == "tools/call" else "tools/call"
        if other in self.held:
            other_reply, waiting = self.held.pop(other)
            waiting.set_result(reply)
            sent = other_reply
        else:
            waiting = asyncio.get_running_loop().create_future()
            self.held[method] = (reply, waiting)
            try:
                sent = await asyncio.wait_for(waiting, 10)
            except TimeoutError:
                self.held.pop(method, None)
                sent = reply
        if method == "resources/read":
            await asyncio.sleep(1)  # the tool call's POST (carrying the read's answer) ends first
        return self.respond(writer, 200, json.dumps(sent, separators=(",", ":"), ensure_ascii=False).encode())

    def session_answer(self, writer, rid, method: str) -> bool:
        session = {"Mcp-Session-Id": "s-1"}
        if method == "initialize":
            result = {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}}, "serverInfo": {"name": "bad-http", "version": "0"}}
        elif method == "tools/list":
            result = {"tools": [ECHO_TOOL]}
        elif method == "tools/call":
            note = {"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "working"}}
            stream = b"id: e1\r\nretry: 100\r\ndata: " + json.dumps(note).encode() + b"\r\n\r\n"
            writer.write(self.head(200, {"Content-Type": "text/event-stream", "Content-Length": str(len(stream)), **session}) + stream)
            return True
        else:
            error = {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "Method not found"}}
            return self.respond(writer, 404 if method == "server/discover" else 200, json.dumps(error).encode(), **session)
        return self.respond(writer, 200, json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}).encode(), **session)

    # --- WebSocket (ws-bad-frame) -------------------------------------------------------------

    async def websocket(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: dict) -> None:
        accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        head = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": accept.decode()}
        if "mcp" in headers.get("sec-websocket-protocol", ""):
            head["Sec-WebSocket-Protocol"] = "mcp"
        writer.write(self.head(101, head))
        code = None
        try:
            while True:
                opcode, payload = await self.read_frame(reader)
                if opcode == 0x8:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    writer.write(self.frame(0x8, payload[:2]))
                    break
                if opcode == 0x9:
                    writer.write(self.frame(0xA, payload))
                    continue
                if opcode != 0x1:
                    continue
                message = json.loads(payload)
                if not isinstance(message, dict) or "id" not in message or "method" not in message:
                    continue
                self.stats.append(["WS", "/mcp", message["method"], []])
                reply = self.frame(0x1, json.dumps(self.answer(message["id"], message["method"], message.get("params") or {})).encode())
                if message["method"] == "tools/call":
                    reply += self.frame(0x1, b"\xc3\x28")  # not UTF-8: the client must close with 1007
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        self.stats.append(["WS", "/mcp", "close", code])

    @staticmethod
    async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
        first, second = await reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", await reader.readexactly(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", await reader.readexactly(8))[0]
        mask = await reader.readexactly(4) if second & 0x80 else b"\0\0\0\0"
        data = await reader.readexactly(length)
        return first & 0x0F, bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))

    @staticmethod
    def frame(opcode: int, payload: bytes) -> bytes:
        size = len(payload)
        header = struct.pack("!BB", 0x80 | opcode, size) if size < 126 else struct.pack("!BBH", 0x80 | opcode, 126, size) if size < 65536 \
            else struct.pack("!BBQ", 0x80 | opcode, 127, size)
        return header + payload

    @staticmethod
    def answer(rid, method: str, params: dict) -> dict:
        if method == "server/discover":
            result = {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}, "resources": {}}, "resultType": "complete",
                      "ttlMs": 0, "cacheScope": "private", "_meta": SERVER_INFO}  # fmt: skip
        elif method == "tools/list":
            result = {"tools": [ECHO_TOOL], "resultType": "complete", "ttlMs": 0, "cacheScope": "private", "_meta": SERVER_INFO}
        elif method == "tools/call" and params.get("name") == "echo":
            text = str((params.get("arguments") or {}).get("text", ""))
            result = {"content": [{"type": "text", "text": text}], "isError": False, "resultType": "complete", "_meta": SERVER_INFO}
        elif method == "resources/read":
            result = {"contents": [{"uri": params.get("uri"), "mimeType": "text/plain", "text": "doc"}], "resultType": "complete"}
        elif method == "tools/call":
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": f"Unknown tool: {params.get('name')}"}}
        else:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "Method not found"}}
        return {"jsonrpc": "2.0", "id": rid, "result": result}

    def hops(self) -> list[str]:
        """redirect-307's chain: /mcp -> /hop1 -> ... -> /final (--hops redirects in all)."""
        return ["/mcp"] + [f"/hop{n}" for n in range(1, self.args.hops)] + ["/final"]

    def redirect(self, writer, mode: str, path: str) -> bool:
        origin = f"http://{HOST}:{self.port}"
        if mode == "redirect-307":
            chain = self.hops()
            return self.respond(writer, 307, Location=origin + chain[chain.index(path) + 1])
        if mode == "redirect-308-cross":
            return self.respond(writer, 308, Location=f"http://{HOST}:{self.other_port}/mcp")
        if mode == "redirect-302":
            return self.respond(writer, 302, Location=origin + "/final")
        if mode == "redirect-private":
            return self.respond(writer, 307, Location=f"http://{self.args.private_host}:{self.port}/mcp")
        return self.respond(writer, 307, Location=origin + "/mcp")  # redirect-loop

    async def fault(self, writer, mode: str, rid, reply: dict) -> bool:
        body = json.dumps(reply).encode()
        if mode == "trickle":
            writer.write(self.head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))}))
            for i in range(len(body)):
                if i:
                    await asyncio.sleep(self.args.interval_ms / 1000)
                writer.write(body[i : i + 1])
                await writer.drain()
            return True
        if mode == "drop-mid-stream":
            event = b"event: message\r\ndata: " + body + b"\r\n\r\n"
            half = event[: len(event) // 2]
            sse = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Transfer-Encoding": "chunked"}
            writer.write(self.head(200, sse) + f"{len(half):x}\r\n".encode() + half + b"\r\n")
            await writer.drain()
            await asyncio.sleep(0.1)
            writer.transport.abort()
            return False
        if mode == "oversize":
            size = self.args.size_mb * 1024 * 1024
            prefix = json.dumps({"jsonrpc": "2.0", "id": rid}).encode()[:-1] + b',"result":{"content":[{"type":"text","text":"'
            suffix = b'"}],"isError":false,"resultType":"complete"}}'
            writer.write(self.head(200, {"Content-Type": "application/json", "Content-Length": str(len(prefix) + size + len(suffix))}) + prefix)
            block = b"x" * 65536
            for offset in range(0, size, len(block)):
                writer.write(block[: min(len(block), size - offset)])
                await writer.drain()
            writer.write(suffix)
            return True
        if mode in ("huge-retry", "id-collision"):
            sse = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Transfer-Encoding": "chunked"}
            writer.write(self.head(200, sse))
            def chunk(data: bytes) -> bytes:
                return f"{len(data):x}\r\n".encode() + data + b"\r\n"
            if mode == "huge-retry":
                writer.write(chunk(b"retry: 99999999999999999999\r\n\r\n"))
            else:
                self.answered.clear()
                ping = {"jsonrpc": "2.0", "id": rid, "method": "ping"}
                writer.write(chunk(b"event: message\r\ndata: " + json.dumps(ping).encode() + b"\r\n\r\n"))
                await writer.drain()
                await asyncio.wait_for(self.answered.wait(), 5)
            writer.write(chunk(b"event: message\r\ndata: " + body + b"\r\n\r\n") + b"0\r\n\r\n")
            return True
        if mode == "sse-then-oversize":
            events = b"event: message\r\ndata: " + body + b"\r\n\r\n" + b"data: " + b"x" * (self.args.size_kb * 1024) + b"\r\n\r\n"
            sse = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Content-Length": str(len(events))}
            writer.write(self.head(200, sse) + events)  # one write: the client reads both events at once
            return True
        if mode == "malformed-sse":
            garbage = b'event: message\r\ndata: {"jsonrpc":"2.0","id":' + json.dumps(rid).encode() + b',"result":\x01not json}}\r\n\r\n'
            sse = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Content-Length": str(len(garbage))}
            writer.write(self.head(200, sse) + garbage)
            return True
        if mode == "reset":
            if self.failures_left > 0:
                self.failures_left -= 1
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return False
            return self.respond(writer, 200, body)
        # status-5xx / status-429
        if self.failures_left > 0:
            self.failures_left -= 1
            status = 429 if mode == "status-429" else self.args.status
            extra = {"Retry-After": self.args.retry_after} if status == 429 else {}
            if self.args.html:
                page = f"<html><body><h1>{status} {REASONS.get(status, '')}</h1></body></html>".encode()
                return self.respond(writer, status, page, content_type="text/html", **extra)
            error = {"jsonrpc": "2.0", "id": rid, "error": {"code": -32603, "message": f"HTTP {status} from bad_http"}}
            return self.respond(writer, status, json.dumps(error).encode(), **extra)
        return self.respond(writer, 200, body)


async def main_async(args: argparse.Namespace) -> None:
    peer = Peer(args)
    context = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls[0], args.tls[1])
    server = await asyncio.start_server(peer.handle, HOST, args.port, ssl=context)
    peer.port = server.sockets[0].getsockname()[1]
    other = None
    if args.mode == "redirect-308-cross":
        other = await asyncio.start_server(lambda r, w: peer.handle(r, w, plain=True), HOST, 0)
        peer.other_port = other.sockets[0].getsockname()[1]
    scheme = "https" if args.tls else "http"
    sys.stdout.write(f"READY {scheme}://{HOST}:{peer.port}/mcp\n")
    sys.stdout.flush()
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    on_stdin_eof(lambda: loop.call_soon_threadsafe(done.set))
    await done.wait()
    os._exit(0)  # no shutdown cancellation of handlers still writing (their tracebacks would hit stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--interval-ms", type=float, default=50)
    parser.add_argument("--size-mb", type=int, default=32)
    parser.add_argument("--size-kb", type=int, default=4)
    parser.add_argument("--status", type=int, default=503)
    parser.add_argument("--fail-count", type=int, default=1)
    parser.add_argument("--hops", type=int, default=1)
    parser.add_argument("--private-host", default="10.0.0.1")
    parser.add_argument("--retry-after", default="1")
    parser.add_argument("--html", action="store_true")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args, _unknown = parser.parse_known_args()
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
