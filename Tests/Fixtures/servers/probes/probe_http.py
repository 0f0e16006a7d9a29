"""Verify serve_http.py (every era/mode, plain and TLS) and bad_http.py (every fault mode).

    python3 Tests/Fixtures/servers/probes/probe_http.py        (PROBE_VERBOSE=1 prints more)

Any Python 3.11+ runs the orchestrator (stdlib only). It makes a throwaway CA with make_cert.py,
starts each server with the right venv (MCPCLIENT_VENV_ROOT, the repo, or /work/main), checks the
raw HTTP wire with http.client, and re-runs itself inside the matching venv (`--client ...`) to
drive the server with that SDK's own client: mcp 2.3.0 `Client` for the modern era, mcp 1.27's
streamablehttp_client / sse_client / websocket_client for the legacy era (discover or initialize,
tools/list, tools/call echo, slow with progress). Every server is killed at the end; any stderr
output of a server counts as a failure. Ends with `N passed, N failed` and exits non-zero on a failure.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = os.path.dirname(HERE)
REPO = os.path.abspath(os.path.join(SERVERS, "..", "..", ".."))
VERBOSE = bool(os.environ.get("PROBE_VERBOSE"))
MODERN = "2026-07-28"
ENVELOPE = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}


def venv_python(name: str) -> str:
    for root in (os.environ.get("MCPCLIENT_VENV_ROOT"), REPO, "/work/main"):
        if root and os.path.exists(os.path.join(root, name, "bin", "python")):
            return os.path.join(root, name, "bin", "python")
    raise SystemExit(f"no {name} venv found (set MCPCLIENT_VENV_ROOT)")


# ------------------------------------------------------------------------------------------------
# client mode: runs inside a venv, uses that SDK's client
# ------------------------------------------------------------------------------------------------


def client_main(era: str, mode: str, url: str, ca: str | None) -> None:
    import anyio

    progress: list[float] = []

    async def on_progress(value, total, message) -> None:
        progress.append(value)

    def ssl_context() -> ssl.SSLContext:
        return ssl.create_default_context(cafile=ca)

    async def modern() -> None:
        import httpx2
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        http = httpx2.AsyncClient(verify=ssl_context(), timeout=httpx2.Timeout(30, read=60)) if ca else None
        async with Client(streamable_http_client(url, http_client=http), mode="auto") as client:
            session = client.session
            print(f"protocol {session.protocol_version} server {session.server_info.name}")
            tools = await client.list_tools()
            print("tools " + ",".join(sorted(t.name for t in tools.tools)))
            result = await client.call_tool("echo", {"text": "hi"})
            print(f"echo {result.content[0].text}")
            if mode == "bad":
                return
            result = await client.call_tool("slow", {"steps": 2, "delay_ms": 10}, progress_callback=on_progress)
            print(f"slow {result.content[0].text} progress {len(progress)}")
            result = await client.call_tool("add", {"a": 2, "b": 3})
            print(f"add {result.content[0].text}")
        if http is not None:
            await http.aclose()

    async def legacy() -> None:
        import httpx
        from mcp import ClientSession
        from mcp.client.sse import sse_client
        from mcp.client.streamable_http import streamablehttp_client

        def factory(headers=None, timeout=None, auth=None):
            return httpx.AsyncClient(
                headers=headers, timeout=timeout or httpx.Timeout(30, read=60), auth=auth, verify=ssl_context() if ca else True
            )

        if mode.startswith("stateful"):
            transport = streamablehttp_client(url, httpx_client_factory=factory)
        elif mode == "sse":
            transport = sse_client(url, httpx_client_factory=factory)
        else:
            from mcp.client.websocket import websocket_client

            transport = websocket_client(url)  # TLS trust: SSL_CERT_FILE (set by the orchestrator)
        async with transport as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                print(f"protocol {init.protocolVersion} server {init.serverInfo.name}")
                if len(streams) > 2:
                    print(f"session-id {'yes' if streams[2]() else 'no'}")
                tools = await session.list_tools()
                print("tools " + ",".join(sorted(t.name for t in tools.tools)))
                result = await session.call_tool("echo", {"text": "hi"})
                print(f"echo {result.content[0].text}")
                result = await session.call_tool("slow", {"steps": 2, "delay_ms": 10}, progress_callback=on_progress)
                print(f"slow {result.content[0].text} progress {len(progress)}")
                result = await session.call_tool("add", {"a": 2, "b": 3})
                print(f"add {result.content[0].text}")

    async def bounded() -> None:
        with anyio.fail_after(60):
            await (modern() if era == "modern" else legacy())

    anyio.run(bounded)


# ------------------------------------------------------------------------------------------------
# orchestrator
# ------------------------------------------------------------------------------------------------

RESULTS = {"passed": 0, "failed": 0}


def check(condition: bool, what: str, detail=None) -> bool:
    if condition:
        RESULTS["passed"] += 1
        print(f"  ok    {what}")
    else:
        RESULTS["failed"] += 1
        print(f"  FAIL  {what}: {detail!r}"[:2000])
    return condition


class Server:
    """A server child: started with stdin a pipe, READY line read with a timeout, killed on close."""

    def __init__(self, argv: list[str], env: dict | None = None):
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO
        )
        self.stderr: list[bytes] = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(20)
        text = line[0].decode() if line else ""
        if not text.startswith("READY "):
            self.close()
            raise RuntimeError(f"no READY line from {argv}: {text!r} {b''.join(self.stderr)[-2000:]!r}")
        self.url = text.split()[1]
        self.extra_stdout: list[bytes] = []
        threading.Thread(target=lambda: self.extra_stdout.extend(self.proc.stdout), daemon=True).start()

    def close(self) -> tuple[int | None, str]:
        try:
            self.proc.stdin.close()  # stdin EOF is the polite stop
            rc = self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(5)
            rc = None if rc is not None else rc
        time.sleep(0.05)
        return rc, b"".join(self.stderr).decode(errors="replace")


class Wire:
    """One http.client connection to a server URL (TLS trusting `ca` for https)."""

    def __init__(self, url: str, ca: str | None = None, timeout: float = 10):
        self.parts = urllib.parse.urlsplit(url)
        if self.parts.scheme == "https":
            ctx = ssl.create_default_context(cafile=ca)
            self.conn = http.client.HTTPSConnection(self.parts.hostname, self.parts.port, timeout=timeout, context=ctx)
        else:
            self.conn = http.client.HTTPConnection(self.parts.hostname, self.parts.port, timeout=timeout)

    def request(self, method: str, body=None, headers: dict | None = None, path: str | None = None):
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        self.conn.request(method, path or self.parts.path or "/", body=data, headers=headers or {})
        response = self.conn.getresponse()
        return response

    def close(self) -> None:
        self.conn.close()


def modern_headers(method: str, name: str | None = None, accept: str = "application/json, text/event-stream") -> dict:
    headers = {"Content-Type": "application/json", "Accept": accept, "MCP-Protocol-Version": MODERN, "Mcp-Method": method}
    if name is not None:
        headers["Mcp-Name"] = name
    return headers


def modern_request(rid, method: str, params: dict | None = None, **meta) -> dict:
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": {**(params or {}), "_meta": {**ENVELOPE, **meta}}}


def sdk_client(era: str, mode: str, url: str, ca: str | None) -> dict[str, str]:
    python = venv_python(".venv-modern" if era == "modern" else ".venv-legacy")
    env = dict(os.environ)
    if ca:
        env["SSL_CERT_FILE"] = ca
    argv = [python, os.path.abspath(__file__), "--client", era, mode, url] + ([ca] if ca else [])
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=90, env=env)
    except subprocess.TimeoutExpired as exc:
        check(False, f"SDK client {era}/{mode} finished", str(exc))
        return {}
    if VERBOSE or done.returncode != 0:
        print(done.stdout + done.stderr[-3000:])
    check(done.returncode == 0, f"SDK client {era}/{mode} exit 0", done.stderr[-1500:])
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    return lines


def check_sdk(era: str, mode: str, url: str, ca: str | None, expect_progress: int | None) -> None:
    lines = sdk_client(era, mode, url, ca)
    expected_protocol = MODERN if era == "modern" else "2025-11-25"
    server = "everything-modern" if era == "modern" else "everything-legacy"
    check(lines.get("protocol") == f"{expected_protocol} server {server}", f"{era}/{mode}: negotiated {expected_protocol}", lines.get("protocol"))
    tools = (lines.get("tools") or "").split(",")
    check("echo" in tools and "slow" in tools and "roots" in tools, f"{era}/{mode}: tools/list", tools)
    check(lines.get("echo") == "hi", f"{era}/{mode}: tools/call echo", lines.get("echo"))
    check(lines.get("add") == "5", f"{era}/{mode}: tools/call add", lines.get("add"))
    slow = lines.get("slow", "")
    if expect_progress is None:
        check(slow.startswith("done after 2 steps"), f"{era}/{mode}: slow (progress {slow[-1:]})", slow)
    else:
        check(slow == f"done after 2 steps progress {expect_progress}", f"{era}/{mode}: slow with {expect_progress} progress", slow)
    if era == "legacy" and mode.startswith("stateful"):
        check(lines.get("session-id") == "yes", f"{era}/{mode}: Mcp-Session-Id issued", lines.get("session-id"))


def wire_modern(url: str, mode: str, ca: str | None) -> None:
    wire = Wire(url, ca)
    try:
        r = wire.request("POST", modern_request(1, "tools/list"), modern_headers("tools/list"))
        body = r.read()
        check(r.status == 200 and r.getheader("Content-Type") == "application/json" and b'"echo"' in body,
              f"modern/{mode} wire: tools/list -> 200 application/json", (r.status, r.getheader("Content-Type")))
        check(r.getheader("Mcp-Session-Id") is None, f"modern/{mode} wire: no Mcp-Session-Id", r.getheaders())
        r = wire.request("POST", modern_request(2, "tools/call", {"name": "slow", "arguments": {"steps": 2, "delay_ms": 10}}, progressToken="p"),
                         modern_headers("tools/call", "slow"))
        body = r.read().decode()
        if mode == "json":
            check(r.getheader("Content-Type") == "application/json" and "notifications/progress" not in body,
                  "modern/json wire: slow+progressToken -> plain JSON, progress dropped", (r.getheader("Content-Type"), body[:300]))
        else:
            check(r.getheader("Content-Type") == "text/event-stream" and body.count("event: message") == 3 and "notifications/progress" in body,
                  "modern/sse wire: slow+progressToken -> text/event-stream, 2 progress + result events", (r.getheader("Content-Type"), body[:600]))
        r = wire.request("POST", modern_request(3, "tools/call", {"name": "echo", "arguments": {"text": "x"}}), modern_headers("tools/call", "echo"))
        r.read()
        check(r.getheader("Content-Type") == "application/json", f"modern/{mode} wire: echo (no notification) -> application/json", r.getheader("Content-Type"))
        for method in ("GET", "DELETE"):
            r = wire.request(method, None, {"MCP-Protocol-Version": MODERN, "Accept": "text/event-stream"})
            r.read()
            check(r.status == 405 and r.getheader("Allow") == "POST", f"modern/{mode} wire: {method} -> 405 Allow: POST", r.status)
        r = wire.request("POST", modern_request(4, "tools/list"), {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": MODERN})
        body = r.read()
        check(r.status == 400 and b"-32020" in body, f"modern/{mode} wire: missing Mcp-Method -> 400 -32020", (r.status, body))
        r = wire.request("POST", modern_request(5, "tools/call", {"name": "echo", "arguments": {"text": "x"}}), modern_headers("tools/call"))
        body = r.read()
        check(r.status == 400 and b"-32020" in body, f"modern/{mode} wire: missing Mcp-Name -> 400 -32020", (r.status, body))
        r = wire.request("POST", modern_request(6, "tools/list"), modern_headers("tools/list", accept="application/json"))
        r.read()
        expect = 200 if mode == "json" else 406
        check(r.status == expect, f"modern/{mode} wire: Accept application/json only -> {expect}", r.status)
        r = wire.request("POST", {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}}, modern_headers("notifications/cancelled"))
        r.read()
        check(r.status == 202, f"modern/{mode} wire: notification -> 202", r.status)
        r = wire.request("POST", modern_request(7, "nope/nope"), modern_headers("nope/nope"))
        body = r.read()
        check(r.status == 404 and b"-32601" in body, f"modern/{mode} wire: unknown method -> 404 -32601", (r.status, body))
    finally:
        wire.close()


def legacy_initialize(rid=1) -> dict:
    return {"jsonrpc": "2.0", "id": rid, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "probe", "version": "0"}}}


def wire_legacy_stateful(url: str, mode: str, ca: str | None) -> None:
    wire = Wire(url, ca)
    base = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    ctype = "application/json" if mode == "stateful-json" else "text/event-stream"
    try:
        r = wire.request("POST", legacy_initialize(), base)
        body = r.read().decode()
        sid = r.getheader("Mcp-Session-Id")
        check(r.status == 200 and sid and r.getheader("Content-Type") == ctype and '"protocolVersion":"2025-11-25"' in body,
              f"legacy/{mode} wire: initialize -> 200 {ctype} + Mcp-Session-Id", (r.status, r.getheaders(), body[:300]))
        headers = {**base, "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"}
        r = wire.request("POST", {"jsonrpc": "2.0", "method": "notifications/initialized"}, headers)
        r.read()
        check(r.status == 202, f"legacy/{mode} wire: notifications/initialized -> 202", r.status)
        r = wire.request("POST", {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, {**base, "MCP-Protocol-Version": "2025-11-25"})
        body = r.read()
        check(r.status == 400, f"legacy/{mode} wire: request without Mcp-Session-Id -> 400", (r.status, body))
        r = wire.request("POST", {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, {**headers, "Mcp-Session-Id": "nope"})
        body = r.read()
        check(r.status == 404, f"legacy/{mode} wire: unknown Mcp-Session-Id -> 404", (r.status, body))
        r = wire.request("POST", {"jsonrpc": "2.0", "id": 4, "method": "tools/list"}, {**headers, "Accept": "application/json"})
        body = r.read()
        expect = 200 if mode == "stateful-json" else 406
        check(r.status == expect, f"legacy/{mode} wire: Accept application/json only -> {expect}", (r.status, body[:200]))
        r = wire.request("POST", {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "hi"}}}, headers)
        body = r.read().decode()
        check(r.status == 200 and r.getheader("Content-Type") == ctype and '"text":"hi"' in body,
              f"legacy/{mode} wire: tools/call echo -> {ctype}", (r.getheader("Content-Type"), body[:300]))
        if mode == "stateful":
            check(body.startswith("event: message\r\n") or body.startswith("event: message\n"), "legacy/stateful wire: SSE event name 'message'", body[:100])
        get = Wire(url, ca, timeout=3)
        r = get.request("GET", None, {"Accept": "text/event-stream", "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"})
        check(r.status == 200 and r.getheader("Content-Type") == "text/event-stream", f"legacy/{mode} wire: GET stream -> 200 text/event-stream", (r.status, r.getheaders()))
        get.close()
        r = wire.request("DELETE", None, {"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25"})
        r.read()
        check(r.status == 200, f"legacy/{mode} wire: DELETE -> 200", r.status)
        r = wire.request("POST", {"jsonrpc": "2.0", "id": 6, "method": "tools/list"}, headers)
        r.read()
        check(r.status == 404, f"legacy/{mode} wire: after DELETE -> 404", r.status)
    finally:
        wire.close()


def wire_legacy_sse(url: str, ca: str | None) -> None:
    wire = Wire(url, ca, timeout=5)
    try:
        r = wire.request("GET", None, {"Accept": "text/event-stream"})
        first = b""
        while not first.endswith(b"\r\n\r\n") and not first.endswith(b"\n\n") and len(first) < 1000:
            first += r.read1(1) if hasattr(r, "read1") else r.read(1)
        text = first.decode()
        check(r.status == 200 and r.getheader("Content-Type", "").startswith("text/event-stream") and text.startswith("event: endpoint"),
              "legacy/sse wire: GET /sse -> text/event-stream, first event 'endpoint'", (r.status, r.getheaders(), text))
        endpoint = next((line[6:].strip() for line in text.splitlines() if line.startswith("data: ")), "")
        check(endpoint.startswith("/messages/?session_id="), "legacy/sse wire: endpoint data /messages/?session_id=<hex>", endpoint)
        post = Wire(url, ca)
        r2 = post.request("POST", legacy_initialize(), {"Content-Type": "application/json"}, path=endpoint)
        r2.read()
        check(r2.status == 202, "legacy/sse wire: POST to the endpoint -> 202 (reply arrives on the GET stream)", r2.status)
        rest = b""
        while b'"protocolVersion"' not in rest and len(rest) < 5000:
            chunk = r.read1(4096)
            if not chunk:
                break
            rest += chunk
        check(b"event: message" in rest and b'"id":1' in rest, "legacy/sse wire: initialize result as 'event: message' on the stream", rest[:300])
        post.close()
    finally:
        wire.close()


def run_server_case(era: str, mode: str, ca: str | None, tls: tuple[str, str] | None, env: dict) -> None:
    python = venv_python(".venv-modern" if era == "modern" else ".venv-legacy")
    argv = [python, os.path.join(SERVERS, "serve_http.py"), "--era", era, "--mode", mode, "--probe-http-ignored=1"]
    if tls:
        argv += ["--tls", *tls]
    label = f"{era}/{mode}{' tls' if tls else ''}"
    print(f"== serve_http {label}")
    try:
        server = Server(argv, env)
    except RuntimeError as exc:
        check(False, f"{label}: READY", str(exc))
        return
    scheme = ("wss" if tls else "ws") if mode == "websocket" else ("https" if tls else "http")
    path = {"sse": "/sse", "websocket": "/ws"}.get(mode, "/mcp") if era == "legacy" else "/mcp"
    check(server.url.startswith(f"{scheme}://127.0.0.1:") and server.url.endswith(path), f"{label}: READY {server.url}", server.url)
    try:
        if era == "modern":
            wire_modern(server.url, mode, ca)
            check_sdk(era, mode, server.url, ca, expect_progress=0 if mode == "json" else 2)
        elif mode.startswith("stateful"):
            wire_legacy_stateful(server.url, mode, ca)
            check_sdk(era, mode, server.url, ca, expect_progress=2 if mode == "stateful" else None)
        elif mode == "sse":
            wire_legacy_sse(server.url, ca)
            check_sdk(era, mode, server.url, ca, expect_progress=2)
        else:
            check_sdk(era, mode, server.url, ca, expect_progress=2)
    except Exception as exc:  # a wire check blew up: report, keep going
        check(False, f"{label}: wire checks ran", repr(exc))
    rc, stderr = server.close()
    check(rc == 0, f"{label}: exits 0 on stdin EOF", rc)
    check(stderr.strip() == "", f"{label}: nothing on stderr", stderr[-1500:])
    check(not b"".join(server.extra_stdout), f"{label}: nothing on stdout but READY", b"".join(server.extra_stdout)[:300])


def main() -> None:
    started = time.monotonic()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        made = subprocess.run([sys.executable, os.path.join(SERVERS, "make_cert.py"), tmp], capture_output=True, text=True, check=True)
        paths = dict(line.split(" ", 1) for line in made.stdout.splitlines())
        check(set(paths) >= {"CA", "CERT", "KEY"}, "make_cert.py printed CA/CERT/KEY", paths)
        ca, tls = paths["CA"], (paths["CERT"], paths["KEY"])
        cases = [("modern", "json"), ("modern", "sse"), ("legacy", "stateful"), ("legacy", "stateful-json"), ("legacy", "sse"), ("legacy", "websocket")]
        for era, mode in cases:
            run_server_case(era, mode, None, None, env)
        for era, mode in [("modern", "json"), ("modern", "sse"), ("legacy", "stateful"), ("legacy", "sse"), ("legacy", "websocket")]:
            run_server_case(era, mode, ca, tls, env)
        bad_http_cases()
    print(f"({time.monotonic() - started:.1f} s)")
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    sys.exit(1 if RESULTS["failed"] else 0)


BAD = os.path.join(SERVERS, "bad_http.py")


def start_bad(mode: str, *options: str) -> Server | None:
    print(f"== bad_http {mode} {' '.join(options)}".rstrip())
    try:
        server = Server([sys.executable, BAD, mode, *options])
    except RuntimeError as exc:
        check(False, f"bad_http {mode}: READY", str(exc))
        return None
    check(server.url.startswith("http://127.0.0.1:") and server.url.endswith("/mcp"), f"bad_http {mode}: READY {server.url}", server.url)
    return server


def stop_bad(server: Server, mode: str) -> None:
    rc, stderr = server.close()
    check(rc == 0 and stderr == "" and not b"".join(server.extra_stdout), f"bad_http {mode}: clean exit, no stderr/stdout", (rc, stderr[-500:]))


def rpc(rid, method: str, params: dict | None = None) -> dict:
    return modern_request(rid, method, params)


def post(url: str, body: dict, path: str | None = None, timeout: float = 10):
    wire = Wire(url, timeout=timeout)
    r = wire.request("POST", body, modern_headers(body["method"], (body.get("params") or {}).get("name")), path=path)
    return wire, r


def stats(url: str) -> list:
    wire = Wire(url)
    r = wire.request("GET", None, {}, path="/_stats")
    data = json.loads(r.read())["requests"]
    wire.close()
    return data


ECHO = lambda rid=3: rpc(rid, "tools/call", {"name": "echo", "arguments": {"text": "hi"}})  # noqa: E731


def bad_http_cases() -> None:
    server = start_bad("ok")
    if server:
        for body, expect in ((rpc(1, "server/discover"), b"supportedVersions"), (rpc(2, "tools/list"), b'"echo"'), (ECHO(), b'"text": "hi"')):
            wire, r = post(server.url, body)
            data = r.read()
            check(r.status == 200 and expect in data, f"bad_http ok: {body['method']}", (r.status, data[:200]))
            wire.close()
        lines = sdk_client("modern", "bad", server.url, None)
        check(lines.get("protocol") == f"{MODERN} server bad-http" and lines.get("echo") == "hi", "bad_http ok: mcp 2.3.0 Client discover/list/echo", lines)
        stop_bad(server, "ok")

    server = start_bad("trickle", "--interval-ms", "10")
    if server:
        started = time.monotonic()
        wire, r = post(server.url, rpc(1, "tools/list"))
        r.read()
        check(time.monotonic() - started < 0.5, "bad_http trickle: tools/list not trickled", time.monotonic() - started)
        wire.close()
        started = time.monotonic()
        wire, r = post(server.url, ECHO())
        first = r.read(1)
        first_at = time.monotonic() - started
        data = first + r.read()
        elapsed = time.monotonic() - started
        check(json.loads(data)["result"]["content"][0]["text"] == "hi" and first_at < 0.5 and elapsed > len(data) * 0.01 * 0.8,
              f"bad_http trickle: {len(data)} bytes, first after {first_at:.2f}s, all after {elapsed:.2f}s", data[:100])
        wire.close()
        stop_bad(server, "trickle")

    server = start_bad("drop-mid-stream")
    if server:
        wire, r = post(server.url, ECHO())
        got, error = b"", None
        try:
            while chunk := r.read1(4096):
                got += chunk
        except Exception as exc:  # IncompleteRead / connection reset
            error = exc
        check(r.status == 200 and r.getheader("Content-Type") == "text/event-stream" and got.startswith(b"event: message") and b"\n\n" not in got.replace(b"\r", b""),
              "bad_http drop-mid-stream: text/event-stream, half an event, then the socket closes", (r.status, got, repr(error)))
        wire.close()
        stop_bad(server, "drop-mid-stream")

    server = start_bad("oversize", "--size-mb", "2")
    if server:
        wire, r = post(server.url, ECHO(), timeout=30)
        data = r.read()
        parsed = json.loads(data)
        check(int(r.getheader("Content-Length")) == len(data) > 2 * 1024 * 1024 and len(parsed["result"]["content"][0]["text"]) == 2 * 1024 * 1024,
              f"bad_http oversize: {len(data)} byte valid JSON-RPC result", r.getheaders())
        wire.close()
        stop_bad(server, "oversize")

    server = start_bad("malformed-sse")
    if server:
        wire, r = post(server.url, ECHO())
        data = r.read().decode(errors="replace")
        payload = next((line[6:] for line in data.splitlines() if line.startswith("data: ")), "")
        try:
            json.loads(payload)
            parsed = True
        except ValueError:
            parsed = False
        check(r.getheader("Content-Type") == "text/event-stream" and payload and not parsed, "bad_http malformed-sse: event data is not JSON", data[:200])
        wire.close()
        stop_bad(server, "malformed-sse")

    for mode, status in (("status-5xx", 503), ("status-429", 429)):
        server = start_bad(mode)
        if server:
            wire, r = post(server.url, ECHO())
            body = r.read()
            retry = r.getheader("Retry-After")
            check(r.status == status and (retry == "1" if status == 429 else retry is None) and b"-32603" in body,
                  f"bad_http {mode}: first tools/call -> {status}{' Retry-After: 1' if status == 429 else ''}", (r.status, r.getheaders(), body))
            wire.close()
            wire, r = post(server.url, ECHO(4))
            r.read()
            check(r.status == 200, f"bad_http {mode}: second tools/call -> 200", r.status)
            wire.close()
            stop_bad(server, mode)

    server = start_bad("redirect-307", "--hops", "2")
    if server:
        origin = server.url[: -len("/mcp")]
        locations, path = [], None
        for _ in range(4):
            wire, r = post(server.url, ECHO(), path=path)
            r.read()
            wire.close()
            if r.status != 307:
                break
            locations.append(r.getheader("Location"))
            path = urllib.parse.urlsplit(locations[-1]).path
        check(locations == [origin + "/hop1", origin + "/final"] and r.status == 200, "bad_http redirect-307 --hops 2: /mcp -> /hop1 -> /final -> 200", (locations, r.status))
        check([entry[1] for entry in stats(server.url)] == ["/mcp", "/hop1", "/final"], "bad_http redirect-307: /_stats lists the hops", stats(server.url))
        lines = sdk_client("modern", "bad", server.url, None)
        check(lines.get("echo") == "hi", "bad_http redirect-307: mcp 2.3.0 Client follows the same-origin 307", lines)
        stop_bad(server, "redirect-307")

    server = start_bad("redirect-308-cross")
    if server:
        wire, r = post(server.url, ECHO())
        r.read()
        location = r.getheader("Location", "")
        wire.close()
        target = urllib.parse.urlsplit(location)
        check(r.status == 308 and target.hostname == "127.0.0.1" and target.port != urllib.parse.urlsplit(server.url).port,
              "bad_http redirect-308-cross: 308 to another 127.0.0.1 port", (r.status, location))
        wire, r = post(location, ECHO())
        data = r.read()
        check(r.status == 200 and b'"hi"' in data, "bad_http redirect-308-cross: the other port serves", (r.status, data[:100]))
        wire.close()
        check(stats(server.url)[-1] == ["POST", "[other]/mcp", "tools/call"], "bad_http redirect-308-cross: /_stats marks the other port", stats(server.url))
        stop_bad(server, "redirect-308-cross")

    for mode, status, expect in (("redirect-302", 302, "{origin}/final"), ("redirect-private", 307, "http://10.0.0.1:{port}/mcp"), ("redirect-loop", 307, "{origin}/mcp")):
        server = start_bad(mode)
        if server:
            origin = server.url[: -len("/mcp")]
            wire, r = post(server.url, ECHO())  # never followed here: 10.0.0.1 is not to be contacted
            r.read()
            wire.close()
            want = expect.format(origin=origin, port=urllib.parse.urlsplit(server.url).port)
            check(r.status == status and r.getheader("Location") == want, f"bad_http {mode}: {status} Location {want}", (r.status, r.getheader("Location")))
            stop_bad(server, mode)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) > 5 else None)
    else:
        main()
