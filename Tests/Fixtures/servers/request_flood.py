"""A hostile handshake-era stdio server (stdlib only) that floods the client with server->client requests.

`tools/call flood {"count": N, "method": "roots/list"}` sends N requests at once (ids "f0".."f<N-1>"), then answers
the call once every one of them was answered, or after `wait_ms` (default 5000), with the text
`{"results": r, "errors": e, "unanswered": u}`. `server/discover` is refused (-32601), so clients use `initialize`.
"""

from __future__ import annotations

import json
import select
import sys
import time


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    flood = None  # (call id, count, deadline, results, errors)
    buffer = b""
    stdin = sys.stdin.buffer.raw if hasattr(sys.stdin.buffer, "raw") else sys.stdin.buffer
    while True:
        if flood and (flood["results"] + flood["errors"] >= flood["count"] or time.monotonic() > flood["deadline"]):
            unanswered = flood["count"] - flood["results"] - flood["errors"]
            text = json.dumps({"results": flood["results"], "errors": flood["errors"], "unanswered": unanswered})
            send({"jsonrpc": "2.0", "id": flood["id"], "result": {"content": [{"type": "text", "text": text}], "isError": False}})
            flood = None
        readable, _, _ = select.select([stdin], [], [], 0.05)
        if not readable:
            continue
        chunk = stdin.read1(65536) if hasattr(stdin, "read1") else stdin.read(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                message = json.loads(line)
            except ValueError:
                continue
            method, ident = message.get("method"), message.get("id")
            if method is None:
                if flood and isinstance(ident, str) and ident.startswith("f"):
                    flood["errors" if "error" in message else "results"] += 1
                continue
            if ident is None:
                continue  # a notification
            if method == "initialize":
                version = message.get("params", {}).get("protocolVersion", "2025-11-25")
                send({"jsonrpc": "2.0", "id": ident, "result": {
                    "protocolVersion": version, "capabilities": {"tools": {}}, "serverInfo": {"name": "request-flood", "version": "1"}}})
            elif method == "tools/list":
                send({"jsonrpc": "2.0", "id": ident, "result": {"tools": [
                    {"name": "flood", "inputSchema": {"type": "object"}}]}})
            elif method == "tools/call" and message.get("params", {}).get("name") == "flood":
                arguments = message["params"].get("arguments") or {}
                count, what = int(arguments.get("count", 1000)), arguments.get("method", "roots/list")
                flood = {"id": ident, "count": count, "results": 0, "errors": 0,
                         "deadline": time.monotonic() + arguments.get("wait_ms", 5000) / 1000}
                for n in range(count):
                    send({"jsonrpc": "2.0", "id": f"f{n}", "method": what, "params": {}})
            else:
                send({"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "Method not found"}})


if __name__ == "__main__":
    main()
