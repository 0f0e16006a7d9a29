"""A misbehaving stdio MCP peer for fault tests (stdlib only, any Python 3.11+, no SDK).

    python3 Tests/Fixtures/servers/bad_stdio.py MODE [--once MARKER] [--size-mb N] [--tag ANY]

A real server never crashes mid-line, writes garbage or a 100 MB line on purpose, so these faults need a fake.
Apart from its fault it is a minimal 2026-07-28 stdio server: `server/discover`, `tools/list` (one tool `echo`),
`tools/call echo` -> a text block = arguments.text; other requests -> -32601; notifications are ignored.
The fault hits `tools/call` only, so a client connects and lists first.

MODE:
  ok              well behaved (a baseline)
  crash-mid-reply writes the first half of the tools/call answer (no newline), `crashing` on stderr, exits 7
  garbage         before the tools/call answer writes: bytes that are not UTF-8, a line of NULs, a line that is
                  not JSON, a JSON array of numbers, a JSON string, an answer for an id never asked, a bare `\\r`,
                  then the real answer
  huge-line       answers tools/call with one line of --size-mb (100) MiB: a valid JSON-RPC answer whose text is
                  that long; then keeps running
--stubborn: SIGTERM is ignored and after its fault the server never exits by itself (not on stdin EOF either):
only SIGKILL ends it.
--once MARKER: the fault happens only when the file MARKER does not exist yet (the faulting process creates it), so a
client that starts the server again meets a well-behaved one. Extra arguments (--tag) are ignored: a test puts a tag
there to find its processes in /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time

SERVER_INFO = {"io.modelcontextprotocol/serverInfo": {"name": "bad-stdio", "version": "0"}}
ECHO_TOOL = {
    "name": "echo",
    "description": "Return the given text unchanged.",
    "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
}
MODES = ["ok", "crash-mid-reply", "garbage", "huge-line"]


def answer(rid, method: str, params: dict) -> dict:
    if method == "server/discover":
        result = {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}}, "resultType": "complete",
                  "ttlMs": 0, "cacheScope": "private", "_meta": SERVER_INFO}  # fmt: skip
    elif method == "tools/list":
        result = {"tools": [ECHO_TOOL], "resultType": "complete", "ttlMs": 0, "cacheScope": "private", "_meta": SERVER_INFO}
    elif method == "tools/call" and params.get("name") == "echo":
        text = str((params.get("arguments") or {}).get("text", ""))
        result = {"content": [{"type": "text", "text": text}], "isError": False, "resultType": "complete", "_meta": SERVER_INFO}
    else:
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "Method not found"}}
    return {"jsonrpc": "2.0", "id": rid, "result": result}


def write(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def faulting(args: argparse.Namespace) -> bool:
    if args.mode == "ok":
        return False
    if args.once is None:
        return True
    try:
        os.close(os.open(args.once, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return True
    except FileExistsError:
        return False


def fault(args: argparse.Namespace, rid, reply: bytes) -> None:
    if args.mode == "crash-mid-reply":
        write(reply[: len(reply) // 2])
        sys.stderr.write("crashing\n")
        sys.stderr.flush()
        os._exit(7)
    if args.mode == "garbage":
        stray = {"jsonrpc": "2.0", "id": 987654321, "result": {}}
        write(b"\xff\xfe\xc3\x28 not utf-8\n" + b"\0" * 64 + b"\n" + b"this is not json\n" + b"[1,2,3]\n"
              + b'"just a string"\n' + json.dumps(stray).encode() + b"\n\r\n")  # fmt: skip
        write(reply + b"\n")
        return
    # huge-line: a valid answer, only far too long
    size = args.size_mb * 1024 * 1024
    head = json.dumps({"jsonrpc": "2.0", "id": rid}).encode()[:-1] + b',"result":{"content":[{"type":"text","text":"'
    write(head)
    block = b"x" * (1 << 20)
    try:
        for offset in range(0, size, len(block)):
            write(block[: min(len(block), size - offset)])
        write(b'"}],"isError":false,"resultType":"complete"}}\n')
    except BrokenPipeError:
        if not args.stubborn:
            os._exit(0)  # the client stopped reading: that is the expected outcome
    while args.stubborn:
        time.sleep(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--once")
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--stubborn", action="store_true")
    args, _unknown = parser.parse_known_args()
    if args.stubborn:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for line in sys.stdin.buffer:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict) or "id" not in message or "method" not in message:
            continue
        rid, method = message["id"], message["method"]
        reply = json.dumps(answer(rid, method, message.get("params") or {})).encode()
        if method == "tools/call" and faulting(args):
            fault(args, rid, reply)
            continue
        write(reply + b"\n")


if __name__ == "__main__":
    main()
