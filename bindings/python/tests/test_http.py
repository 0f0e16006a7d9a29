"""Streamable HTTP against the real SDK servers under uvicorn: mcp 2.3.0 (2026-07-28, JSON and SSE replies)
and mcp 1.27 with stateful sessions (Mcp-Session-Id). Same fixture tools as the stdio tests."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time

import pytest
from helpers import LEGACY_PYTHON, MODERN_PYTHON, FIXTURES_DIR, is_outcome, require_venv, text_of, wait_for_event

import mcpclient

SERVE = FIXTURES_DIR / "serve_http.py"
SERVERS = [("modern", "json"), ("modern", "sse"), ("legacy", "stateful")]


class HTTPServer:
    """serve_http.py on 127.0.0.1, until the test ends."""

    def __init__(self, era: str, mode: str, *extra: str):
        python = MODERN_PYTHON if era == "modern" else LEGACY_PYTHON
        require_venv(python.parent.parent)
        self.process = subprocess.Popen(
            [str(python), str(SERVE), "--era", era, "--mode", mode, *extra], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        line = self.process.stdout.readline().split()
        assert line and line[0] == "READY", f"serve_http.py did not start: {line}"
        self.url = line[1]
        self.mode = mode

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture(params=SERVERS, ids=[f"{era}-{mode}" for era, mode in SERVERS])
def http(request):
    era, mode = request.param
    server = HTTPServer(era, mode)
    with mcpclient.Manager({"capabilities": {"elicitation": {}, "roots": {}}}) as mgr:
        mgr.add_server("h", {"url": server.url, "timeout": 30000})
        yield mgr, era, server
    server.stop()


def test_connect_list_and_call(http):
    mgr, era, _ = http
    info = mgr.connect("h")
    assert info["era"] == era
    assert info["protocolVersion"] == ("2026-07-28" if era == "modern" else "2025-11-25")
    names = {tool["name"] for tool in mgr.list_tools("h")}
    assert {"echo", "add", "slow", "ask_name"} <= names
    assert text_of(mgr.call_tool("h", "echo", {"text": "over http"})) == "over http"
    assert mgr.read_resource("h", "fixture://greeting")["contents"][0]["text"].startswith("Hello")
    with pytest.raises(mcpclient.McpProtocolError):
        mgr.call_tool("h", "no_such_tool")


def test_elicitation_over_http(http):
    mgr, _, _ = http
    call_id = mgr.submit({"op": "call_tool", "server": "h", "tool": "ask_name"})
    request, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "request" or is_outcome(call_id)(ev))
    assert request["kind"] == "request" and request["method"] == "elicitation/create"
    mgr.respond(request["request_id"], {"result": {"action": "accept", "content": {"name": "Ada"}}})
    outcome, _ = wait_for_event(mgr, is_outcome(call_id))
    assert text_of(outcome["result"]["result"]) == "hello Ada"


def test_progress_and_cancel_over_http(http):
    mgr, _, server = http
    streams = server.mode != "json"  # a JSON reply is one body: progress needs an SSE reply
    call_id = mgr.submit({"op": "call_tool", "server": "h", "tool": "slow", "arguments": {"steps": 3, "delay_ms": 50}})
    outcome, seen = wait_for_event(mgr, is_outcome(call_id))
    assert text_of(outcome["result"]["result"]) == "done after 3 steps"
    assert [ev["progress"] for ev in seen if ev["kind"] == "progress"] == ([1, 2, 3] if streams else [])

    call_id = mgr.submit({"op": "call_tool", "server": "h", "tool": "slow", "arguments": {"steps": 100, "delay_ms": 100}})
    if streams:
        wait_for_event(mgr, lambda ev: ev["kind"] == "progress" and ev["request_id"] == call_id)
    else:
        time.sleep(0.3)
    mgr.cancel(call_id)
    outcome, _ = wait_for_event(mgr, is_outcome(call_id))
    assert outcome["error"]["name"] == "MCP_ERR_CANCELLED"
    assert text_of(mgr.call_tool("h", "echo", {"text": "still fine"})) == "still fine"


def test_concurrent_calls_over_one_connection_pool(http):
    mgr, _, _ = http
    ids = [mgr.submit({"op": "call_tool", "server": "h", "tool": "add", "arguments": {"a": i, "b": 1}}) for i in range(20)]
    results = {}
    deadline = time.monotonic() + 30
    while len(results) < len(ids) and time.monotonic() < deadline:
        event = mgr.next_event(1000)
        if event and event["kind"] == "result":
            results[event["request_id"]] = text_of(event["result"]["result"])
    assert [results.get(i) for i in ids] == [str(i + 1) for i in range(20)]


def test_list_changes_over_http(http):
    mgr, _, _ = http
    mgr.connect("h")
    mgr.call_tool("h", "add_tool", {"name": "added_over_http"})
    event, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "list_changed")
    assert event["list"] == "tools"
    assert "added_over_http" in {tool["name"] for tool in mgr.list_tools("h")}


def test_a_server_that_goes_away_fails_calls_clearly():
    server = HTTPServer("modern", "json")
    with mcpclient.Manager() as mgr:
        mgr.add_server("h", {"url": server.url, "initTimeout": 5000})
        mgr.connect("h")
        server.stop()
        with pytest.raises(mcpclient.McpTransportError):
            mgr.call_tool("h", "echo", {"text": "x"}, timeout_ms=5000)


def test_remote_config_is_validated():
    with mcpclient.Manager() as mgr:
        with pytest.raises(mcpclient.McpConfigError) as caught:
            mgr.add_server("bad", {"url": "ftp://example.com/mcp"})
        assert caught.value.details["path"] == "url"
        with pytest.raises(mcpclient.McpConfigError):
            mgr.add_server("bad2", {"url": "http://127.0.0.1:1/mcp", "headers": {"X-A": "line\nbreak"}})


def make_certificates(folder):
    out = subprocess.run([sys.executable, str(FIXTURES_DIR / "make_cert.py"), str(folder)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return dict(line.split(" ", 1) for line in out.stdout.strip().splitlines())


def test_tls_with_a_custom_ca(tmp_path):
    paths = make_certificates(tmp_path)
    require_venv(MODERN_PYTHON.parent.parent)
    process = subprocess.Popen(
        [str(MODERN_PYTHON), str(SERVE), "--era", "modern", "--mode", "json", "--tls", paths["CERT"], paths["KEY"]],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        url = process.stdout.readline().split()[1]
        assert url.startswith("https://")
        with mcpclient.Manager() as mgr:
            mgr.add_server("trusted-ca", {"url": url, "caFile": paths["CA"]})
            assert text_of(mgr.call_tool("trusted-ca", "echo", {"text": "over tls"})) == "over tls"
            mgr.add_server("system-ca", {"url": url, "initTimeout": 5000})
            with pytest.raises(mcpclient.McpTransportError) as caught:
                mgr.connect("system-ca")  # a throwaway CA is not in the system store
            assert "certificate" in str(caught.value).lower() or "ssl" in str(caught.value).lower()
    finally:
        process.kill()
        process.wait(timeout=10)


def exercise_legacy_server(mgr, name, server):
    """Calls, progress, an elicitation round trip, then the server going away: the same on every legacy transport."""
    assert mgr.connect(name)["era"] == "legacy"
    assert text_of(mgr.call_tool(name, "echo", {"text": "hello"})) == "hello"
    big = "x" * 200_000  # several reads' worth
    assert text_of(mgr.call_tool(name, "echo", {"text": big})) == big
    call_id = mgr.submit({"op": "call_tool", "server": name, "tool": "slow", "arguments": {"steps": 2, "delay_ms": 20}})
    outcome, seen = wait_for_event(mgr, is_outcome(call_id))
    assert text_of(outcome["result"]["result"]) == "done after 2 steps"
    assert [ev["progress"] for ev in seen if ev["kind"] == "progress"] == [1, 2]
    call_id = mgr.submit({"op": "call_tool", "server": name, "tool": "ask_name"})
    request, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "request")
    mgr.respond(request["request_id"], {"result": {"action": "accept", "content": {"name": "Ada"}}})
    outcome, _ = wait_for_event(mgr, is_outcome(call_id))
    assert text_of(outcome["result"]["result"]) == "hello Ada"
    server.stop()
    wait_for_event(mgr, lambda ev: ev["kind"] == "status" and ev["status"] == "error")


@pytest.mark.parametrize("mode, kind", [("sse", "sse"), ("websocket", "websocket")])
def test_legacy_http_plus_sse_and_websocket_transports(mode, kind):
    server = HTTPServer("legacy", mode)
    try:
        with mcpclient.Manager({"capabilities": {"elicitation": {}}}) as mgr:
            mgr.add_server("s", {"type": kind, "url": server.url})
            exercise_legacy_server(mgr, "s", server)
    finally:
        server.stop()


def test_an_oversize_message_on_the_legacy_sse_stream_fails_clearly_and_the_next_call_reconnects():
    """HTTP+SSE answers every request on the one long-lived GET stream: a reply over maxResponseBytes fails with a
    clear transport error (the stream cannot be read past it), and the next call opens a new stream."""
    server = HTTPServer("legacy", "sse")
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("s", {"type": "sse", "url": server.url, "maxResponseBytes": 65536})
            assert text_of(mgr.call_tool("s", "echo", {"text": "small"})) == "small"
            with pytest.raises(mcpclient.McpTransportError) as caught:
                mgr.call_tool("s", "echo", {"text": "x" * 100_000})
            assert caught.value.details["reason"] in ("sse_line_too_large", "sse_event_too_large")
            assert caught.value.details["limit"] >= 65536
            assert text_of(mgr.call_tool("s", "echo", {"text": "again"})) == "again"
            assert mgr.server_status("s")["status"] == "connected"
    finally:
        server.stop()


def test_an_expired_session_is_reinitialized_transparently():
    first = HTTPServer("legacy", "stateful")
    port = first.url.split(":")[2].split("/")[0]
    second = None
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("s", {"url": first.url})
            assert text_of(mgr.call_tool("s", "echo", {"text": "one"})) == "one"
            first.stop()
            # A new server on the same port knows nothing of the old session: 404, then initialize again.
            second = HTTPServer("legacy", "stateful", "--port", port)
            assert text_of(mgr.call_tool("s", "echo", {"text": "two"})) == "two"
            assert mgr.server_status("s")["status"] == "connected"
    finally:
        first.stop()
        if second:
            second.stop()


@pytest.mark.parametrize("era, mode", SERVERS)
def test_a_server_without_oauth_does_not_read_as_requiring_it(era, mode):
    """Every remote connection is ready for a 401 (it has an authorizer); that alone must not make its status say
    the server uses OAuth (it said requiresOAuth: true, authorizationState: authorized)."""
    server = HTTPServer(era, mode)
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("open", {"url": server.url})
            assert text_of(mgr.call_tool("open", "echo", {"text": "x"})) == "x"
            status = mgr.server_status("open")
            assert (status["status"], status["requiresOAuth"], status["authorizationState"]) == ("connected", False, "not_required")
    finally:
        server.stop()


def test_x_mcp_header_arguments_are_mirrored_into_headers():
    server = HTTPServer("modern", "json")
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("h", {"url": server.url})
            tool = next(t for t in mgr.list_tools("h") if t["name"] == "region")
            assert tool["inputSchema"]["properties"]["region"]["x-mcp-header"] == "Region"
            # mcp 2.3.0 answers -32020 when Mcp-Param-Region is missing or differs from the argument.
            assert text_of(mgr.call_tool("h", "region", {"region": "eu-west"})) == "region eu-west"
            assert text_of(mgr.call_tool("h", "region", {"region": "zürich süd "})) == "region zürich süd "  # base64 sentinel
    finally:
        server.stop()


def test_a_bare_url_falls_back_to_http_plus_sse():
    server = HTTPServer("legacy", "sse")
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("auto", {"url": server.url})  # no type: streamable HTTP first, HTTP+SSE on refusal
            assert mgr.connect("auto")["era"] == "legacy"
            assert text_of(mgr.call_tool("auto", "echo", {"text": "fell back"})) == "fell back"
            mgr.add_server("strict", {"type": "streamable-http", "url": server.url, "initTimeout": 5000})
            with pytest.raises(mcpclient.McpError):
                mgr.connect("strict")  # an explicit type is honoured: no fallback
    finally:
        server.stop()


@pytest.mark.parametrize("era, mode, kind", [("modern", "json", None), ("legacy", "stateful", None), ("legacy", "sse", "sse"),
                                             ("legacy", "websocket", "websocket")])
def test_a_server_that_requires_a_token_is_an_auth_error(era, mode, kind):
    server = HTTPServer(era, mode, "--require-bearer", "py-secret-token")
    try:
        with mcpclient.Manager() as mgr:
            config = {"url": server.url, "initTimeout": 10000, **({"type": kind} if kind else {})}
            mgr.add_server("locked", config)  # no type: a 401 must not read as "fall back to HTTP+SSE"
            for attempt in (lambda: mgr.connect("locked"), lambda: mgr.call_tool("locked", "echo", {"text": "x"})):
                with pytest.raises(mcpclient.McpAuthError) as caught:
                    attempt()
                details = caught.value.details
                assert details["reason"] == "authorization_required" and details["http_status"] == 401
                assert "resource_metadata=" in details["www_authenticate"][0]
            mgr.add_server("keyed", {**config, "headers": {"Authorization": "Bearer py-secret-token"}})
            assert text_of(mgr.call_tool("keyed", "echo", {"text": "let in"})) == "let in"
    finally:
        server.stop()


def test_websocket_over_tls(tmp_path):
    paths = make_certificates(tmp_path)
    server = HTTPServer("legacy", "websocket", "--tls", paths["CERT"], paths["KEY"])
    try:
        assert server.url.startswith("wss://")
        with mcpclient.Manager() as mgr:
            mgr.add_server("w", {"type": "websocket", "url": server.url, "caFile": paths["CA"]})
            assert text_of(mgr.call_tool("w", "echo", {"text": "over wss"})) == "over wss"
            mgr.add_server("untrusted-ca", {"type": "websocket", "url": server.url, "initTimeout": 5000})
            with pytest.raises(mcpclient.McpTransportError):
                mgr.connect("untrusted-ca")
    finally:
        server.stop()


PROXY = r"""
import http.server, json, os, socket, socketserver, sys, threading, urllib.request
seen = []
class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        request = urllib.request.Request(self.path, data=body, method="POST")
        for name in ("Content-Type", "Accept", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name", "Mcp-Session-Id"):
            if self.headers.get(name): request.add_header(name, self.headers[name])
        method = json.loads(body or b"{}").get("method", "") if body.startswith(b"{") else ""
        with open(os.environ["PROXY_LOG"], "a") as log: log.write(self.path + (" " + method if method else "") + "\n")
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                data, status, headers = reply.read(), reply.status, reply.headers
        except urllib.error.HTTPError as error:
            data, status, headers = error.read(), error.code, error.headers
        self.send_response(status); self.send_header("Content-Type", headers.get("Content-Type", "application/json"))
        if headers.get("Mcp-Session-Id"): self.send_header("Mcp-Session-Id", headers["Mcp-Session-Id"])
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self):  # no server-to-client stream through this proxy
        self.send_response(405); self.send_header("Content-Length", "0"); self.end_headers()
    def do_DELETE(self):
        self.send_response(405); self.send_header("Content-Length", "0"); self.end_headers()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print("READY", server.server_address[1], flush=True)
server.serve_forever()
"""


class LoggingProxy:
    """The PROXY script on 127.0.0.1: `url` to configure, `lines()` what it carried (`<url> [<JSON-RPC method>]`)."""

    def __init__(self, log):
        self.log = log
        self.process = subprocess.Popen([sys.executable, "-c", PROXY], stdout=subprocess.PIPE, text=True,
                                        env={"PROXY_LOG": str(log), "PATH": "/usr/bin:/bin"})
        self.url = f"http://127.0.0.1:{self.process.stdout.readline().split()[1]}"

    def lines(self):
        return self.log.read_text().splitlines() if self.log.exists() else []

    def methods(self, url):
        return [line.split(" ", 1)[1] for line in self.lines() if " " in line and line.split(" ", 1)[0] == url]


@pytest.fixture
def proxy(tmp_path):
    running = LoggingProxy(tmp_path / "proxy.log")
    yield running
    running.process.kill()
    running.process.wait(timeout=10)


@pytest.fixture
def serve():
    """Starts serve_http.py servers (`serve(era, mode, *options)`) and stops them after the test."""
    started = []

    def start(era, mode, *extra):
        started.append(HTTPServer(era, mode, *extra))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def test_a_per_server_proxy_carries_the_requests(serve, proxy):
    server = serve("modern", "json")
    with mcpclient.Manager() as mgr:
        mgr.add_server("p", {"url": server.url, "proxy": proxy.url})
        assert text_of(mgr.call_tool("p", "echo", {"text": "via proxy"})) == "via proxy"
    assert "tools/call" in proxy.methods(server.url)  # absolute-form requests for the server

def test_blocking_calls_over_http_keep_their_deadline_and_share_the_manager_across_threads():
    import threading

    server = HTTPServer("modern", "sse")
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("h", {"url": server.url, "resetTimeoutOnProgress": False})
            mgr.connect("h")
            # A blocking call runs its exchange on the calling thread; its timeout still ends it.
            started = time.monotonic()
            with pytest.raises(mcpclient.McpTimeoutError):
                mgr.call_tool("h", "slow", {"steps": 50, "delay_ms": 100}, timeout_ms=500)
            assert time.monotonic() - started < 3
            assert text_of(mgr.call_tool("h", "echo", {"text": "after timeout"})) == "after timeout"

            failures = []

            def worker(index):
                for call in range(10):
                    text = f"{index}-{call}"
                    try:
                        if text_of(mgr.call_tool("h", "echo", {"text": text})) != text:
                            failures.append(text)
                    except mcpclient.McpError as error:  # pragma: no cover - reported below
                        failures.append(f"{text}: {error}")

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not failures, failures
    finally:
        server.stop()


def test_client_certificates_for_mutual_tls(tmp_path):
    paths = make_certificates(tmp_path)
    client_key, client_cert = tmp_path / "client.key", tmp_path / "client.pem"
    for command in (
        ["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(client_key), "-subj", "/CN=mcpclient-test",
         "-out", str(tmp_path / "client.csr")],
        ["openssl", "x509", "-req", "-in", str(tmp_path / "client.csr"), "-CA", paths["CA"], "-CAkey", paths["CA_KEY"],
         "-CAcreateserial", "-out", str(client_cert), "-days", "1"],
    ):
        assert subprocess.run(command, capture_output=True, timeout=60).returncode == 0
    server = HTTPServer("modern", "json", "--tls", paths["CERT"], paths["KEY"], "--client-ca", paths["CA"])
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("mtls", {"url": server.url, "caFile": paths["CA"], "clientCert": str(client_cert), "clientKey": str(client_key)})
            assert text_of(mgr.call_tool("mtls", "echo", {"text": "mutual"})) == "mutual"
            mgr.add_server("no-cert", {"url": server.url, "caFile": paths["CA"], "initTimeout": 5000})
            with pytest.raises(mcpclient.McpTransportError):
                mgr.connect("no-cert")  # the server requires a client certificate
    finally:
        server.stop()


def test_the_http_proxy_environment_variable_is_honoured(serve, proxy, monkeypatch):
    server = serve("modern", "json")
    monkeypatch.setenv("http_proxy", proxy.url)  # set before the manager's HTTP engine starts
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with mcpclient.Manager() as mgr:
        mgr.add_server("env", {"url": server.url})
        assert text_of(mgr.call_tool("env", "echo", {"text": "via env proxy"})) == "via env proxy"
    assert "tools/call" in proxy.methods(server.url)

def test_untrusted_servers_bypass_an_environment_proxy(serve, proxy, monkeypatch):
    """A proxy resolves names itself, where the address check cannot see: a user-created server connects directly
    (its own address checked, here exempted with allowedAddresses) and the proxy carries nothing."""
    server = serve("modern", "json")
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with mcpclient.Manager({"allowedAddresses": [server.url.split("/")[2]]}) as mgr:
        mgr.add_server("user", {"url": server.url, "trusted": False})
        assert text_of(mgr.call_tool("user", "echo", {"text": "direct"})) == "direct"
        mgr.add_server("operator", {"url": server.url})
        assert text_of(mgr.call_tool("operator", "echo", {"text": "proxied"})) == "proxied"
    assert proxy.methods(server.url).count("tools/call") == 1  # only the operator's call

def test_a_stream_the_server_closes_is_resumed_with_last_event_id():
    """mcp 1.27 with an event store closes the tool's POST stream mid-call (SEP-1699): the client comes back on a GET
    with Last-Event-ID after the server's retry (100 ms), gets the replayed progress and the answer there."""
    server = HTTPServer("legacy", "stateful", "--resumable")
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("r", {"url": server.url, "timeout": 10000})
            mgr.connect("r")
            call_id = mgr.submit({"op": "call_tool", "server": "r", "tool": "reconnect", "arguments": {}})
            outcome, seen = wait_for_event(mgr, is_outcome(call_id))
            assert "result" in outcome, outcome
            assert text_of(outcome["result"]["result"]) == "resumed"
            assert [ev["progress"] for ev in seen if ev["kind"] == "progress"] == [1, 2, 3]
            # The session goes on: the resumed stream did not disturb it.
            assert text_of(mgr.call_tool("r", "echo", {"text": "after"})) == "after"
    finally:
        server.stop()


def test_the_era_is_cached_per_origin(serve, proxy):
    """A second server on the same origin (another path of one gateway) skips the probe once the first found the
    handshake era: its first POST is initialize, not server/discover (seen by a logging proxy)."""
    server = serve("legacy", "stateful-json")
    first, second = server.url, server.url + "?tenant=2"
    with mcpclient.Manager() as mgr:
        mgr.add_server("a", {"url": first, "proxy": proxy.url})
        mgr.add_server("b", {"url": second, "proxy": proxy.url})
        assert mgr.connect("a")["era"] == "legacy"
        assert mgr.connect("b")["era"] == "legacy"
    assert proxy.methods(first)[:2] == ["server/discover", "initialize"]
    assert proxy.methods(second)[0] == "initialize"

def test_a_websocket_upgrade_without_an_answer_times_out():
    """A server that accepts the TCP connection and never answers the upgrade ends the connect at initTimeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("w", {"type": "websocket", "url": f"ws://127.0.0.1:{listener.getsockname()[1]}/ws", "initTimeout": 600})
            started = time.monotonic()
            with pytest.raises(mcpclient.McpTimeoutError) as failure:
                mgr.connect("w")
            assert failure.value.details.get("reason") == "websocket_upgrade_timeout"
            assert time.monotonic() - started < 5
    finally:
        listener.close()


def test_a_websocket_peer_that_stops_answering_is_noticed():
    """The real WebSocket server frozen (SIGSTOP): the TCP connection stays open but no pong comes back, so the
    connection ends after sseReadTimeout instead of hanging; once the server runs again a call reconnects."""
    server = HTTPServer("legacy", "websocket")
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("w", {"type": "websocket", "url": server.url, "sseReadTimeout": 1000, "timeout": 20000})
            assert text_of(mgr.call_tool("w", "echo", {"text": "before"})) == "before"
            server.process.send_signal(signal.SIGSTOP)
            try:
                event, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "status" and ev.get("status") in ("disconnected", "error"), timeout_s=10)
                assert "websocket_idle" in json.dumps(event), event
            finally:
                server.process.send_signal(signal.SIGCONT)
            assert text_of(mgr.call_tool("w", "echo", {"text": "after"})) == "after"
    finally:
        server.stop()


def test_a_blocking_call_that_times_out_tells_a_session_server(serve, proxy):
    """A lone blocking call waits on the host's own thread; when its time runs out, a handshake-era (session) server
    is sent notifications/cancelled, as it would be for any other request (seen by a logging proxy)."""
    server = serve("legacy", "stateful-json")
    with mcpclient.Manager() as mgr:
        mgr.add_server("s", {"url": server.url, "proxy": proxy.url, "timeout": 600})
        mgr.connect("s")
        started = time.monotonic()
        with pytest.raises(mcpclient.McpTimeoutError):
            mgr.call_tool("s", "slow", {"steps": 50, "delay_ms": 100})
        assert time.monotonic() - started < 5  # not the tool's 5 s
        for _ in range(50):
            if "notifications/cancelled" in proxy.methods(server.url):
                break
            time.sleep(0.1)
        assert "notifications/cancelled" in proxy.methods(server.url)


def test_closing_a_websocket_sends_a_normal_close_frame(serve, tmp_path):
    """The closing handshake: the server sees close code 1000 from the client (1006 would mean the TCP connection
    was dropped without a close frame)."""
    log = tmp_path / "close.log"
    server = serve("legacy", "websocket", "--close-log", str(log))
    with mcpclient.Manager() as mgr:
        mgr.add_server("w", {"type": "websocket", "url": server.url})
        assert text_of(mgr.call_tool("w", "echo", {"text": "bye"})) == "bye"
        mgr.disconnect("w")
    for _ in range(50):
        if log.exists() and log.read_text().strip():
            break
        time.sleep(0.1)
    assert log.read_text().split() == ["1000"]
