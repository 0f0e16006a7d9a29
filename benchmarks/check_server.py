#!/usr/bin/env python3
"""Conformance check for benchmarks/echo_server (stdlib only).

usage: check_server.py [PATH_TO_ECHO_SERVER]   (default: benchmarks/build/echo_server)
"""
import json
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
server = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "build", "echo_server")


def run(payload: bytes, chunk: int = 0) -> list:
    p = subprocess.Popen([server], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    if chunk:  # fragmented writes; read concurrently so neither pipe can fill up
        got = []
        t = threading.Thread(target=lambda: got.append(p.stdout.read()))
        t.start()
        for i in range(0, len(payload), chunk):
            p.stdin.write(payload[i:i + chunk])
            p.stdin.flush()
        p.stdin.close()
        t.join()
        out = got[0]
    else:
        out, _ = p.communicate(payload)
    p.wait()
    return [json.loads(line) for line in out.decode().split("\n") if line]


def req(id_, method, params=None):
    m = {"jsonrpc": "2.0", "id": id_, "method": method}
    if params is not None:
        m["params"] = params
    return m


def enc(*msgs) -> bytes:
    return b"".join(json.dumps(m, ensure_ascii=False).encode() + b"\n" for m in msgs)


failures = 0


def expect(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


# versions
for offered, want in [("2025-11-25", "2025-11-25"), ("2025-06-18", "2025-06-18"), ("2025-03-26", "2025-03-26"),
                      ("2024-11-05", "2024-11-05"), ("2026-07-28", "2025-11-25"), ("bogus", "2025-11-25")]:
    r = run(enc(req(1, "initialize", {"protocolVersion": offered, "capabilities": {},
                                      "clientInfo": {"name": "t", "version": "1"}})))
    expect(r[0]["result"]["protocolVersion"] == want, f"initialize {offered} -> {r}")
    expect(r[0]["result"]["capabilities"] == {"tools": {}}, "capabilities")

weird = 'q"uote \\ back\nnl\ttab \u0001 é ü 😀 </script> \u2028'
msgs = [
    req("str-id", "ping"),
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    req(2, "tools/list"),
    req(3, "tools/call", {"name": "echo", "arguments": {"text": weird}}),
    req(4, "server/discover", {"_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}}),
    req(5, "tools/call", {"name": "missing", "arguments": {}}),
    req(6, "tools/call", {"_meta": {"progressToken": "t"}, "arguments": {"nested": {"text": "no"}, "text": "yes"},
                          "name": "echo"}),
    {"jsonrpc": "2.0", "id": 99, "result": {}},  # a response: ignored
    req(7, "resources/list"),
]
r = run(enc(*msgs))
expect([m.get("id") for m in r] == ["str-id", 2, 3, 4, 5, 6, 7], f"ids {[m.get('id') for m in r]}")
expect(r[0]["result"] == {}, "ping")
expect(r[1]["result"]["tools"][0]["name"] == "echo", "tools/list")
expect(r[1]["result"]["tools"][0]["inputSchema"] == {"type": "object", "properties": {"text": {"type": "string"}}},
       "inputSchema")
expect(r[2]["result"] == {"content": [{"type": "text", "text": weird}], "isError": False}, f"echo escapes {r[2]}")
expect(r[3]["error"]["code"] == -32601, "server/discover -> -32601")
expect(r[4]["error"]["code"] == -32602, "unknown tool -> -32602")
expect(r[5]["result"]["content"][0]["text"] == "yes", "nested text not confused")
expect(r[6]["error"]["code"] == -32601, "other method -> -32601")

# pipelined + fragmented + big
big = "x" * 300_000
many = [req(i, "tools/call", {"name": "echo", "arguments": {"text": f"m{i}"}}) for i in range(2000)]
many.append(req("big", "tools/call", {"name": "echo", "arguments": {"text": big}}))
payload = enc(*many)
for chunk in (0, 7, 4096):
    r = run(payload, chunk)
    expect(len(r) == 2001, f"pipelined count chunk={chunk}: {len(r)}")
    expect(all(r[i]["id"] == i and r[i]["result"]["content"][0]["text"] == f"m{i}" for i in range(2000)),
           f"pipelined order/content chunk={chunk}")
    expect(r[-1]["result"]["content"][0]["text"] == big, f"big text chunk={chunk}")

# malformed input -> parse error, server keeps going; last line without newline still answered
r = run(b'not json\n{"jsonrpc":"2.0","id":1,"method":"ping"}')
expect(r[0]["error"]["code"] == -32700 and r[0]["id"] is None, "parse error")
expect(r[1] == {"jsonrpc": "2.0", "id": 1, "result": {}}, "unterminated last line")

print("echo_server: all checks passed" if not failures else f"echo_server: {failures} check(s) failed")
sys.exit(1 if failures else 0)
