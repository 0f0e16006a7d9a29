"""Fault injection on remote servers: resets, trickles, 5xx/429, expired sessions and broken TLS end in a clear error
or a recovery, without leaking descriptors. Faults no real server shows on purpose come from bad_http.py or a raw
listener; certificate problems use the real SDK server (serve_http.py) with make_cert.py's throwaway certificates."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from fault_helpers import BAD_HTTP, LeakCheck, SilentListener
from helpers import FIXTURES_DIR, MODERN_PYTHON, require_venv, text_of

import mcpclient

SERVE = FIXTURES_DIR / "serve_http.py"


class Peer:
    """A server process printing `READY <url>`; killed when the test ends."""

    def __init__(self, argv):
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        assert line and line[0] == "READY", line
        self.url = line[1]

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self.process.stdin.close()
        self.process.stdout.close()


@pytest.fixture
def peers():
    started = []

    def start(*argv):
        peer = Peer(list(argv))
        started.append(peer)
        return peer

    yield start
    for peer in started:
        peer.stop()


def bad(peers, mode, *args):
    return peers(sys.executable, str(BAD_HTTP), mode, *args)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("certs")
    out = subprocess.run([sys.executable, str(FIXTURES_DIR / "make_cert.py"), str(folder)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return dict(line.split(" ", 1) for line in out.stdout.strip().splitlines())


def test_a_connection_reset_fails_the_call_and_the_next_call_succeeds(peers):
    server = bad(peers, "reset")
    with LeakCheck():
        with mcpclient.Manager() as mgr:
            mgr.add_server("b", {"url": server.url, "timeout": 10000})
            mgr.connect("b")
            started = time.monotonic()
            with pytest.raises(mcpclient.McpTransportError) as caught:
                mgr.call_tool("b", "echo", {"text": "x"})
            assert time.monotonic() - started < 5
            assert caught.value.name == "MCP_ERR_TRANSPORT"
            assert caught.value.message.startswith("HTTP request failed")
            assert caught.value.details["curl_code"] in (52, 55, 56)  # empty reply / send / receive failure
            assert text_of(mgr.call_tool("b", "echo", {"text": "after"})) == "after"


def test_a_listener_that_resets_every_connection_fails_the_connect_clearly():
    with LeakCheck():
        listener = SilentListener("reset")
        try:
            with mcpclient.Manager() as mgr:
                mgr.add_server("r", {"url": f"http://127.0.0.1:{listener.port}/mcp", "initTimeout": 5000})
                started = time.monotonic()
                with pytest.raises(mcpclient.McpTransportError):
                    mgr.connect("r")
                assert time.monotonic() - started < 5
        finally:
            listener.close()


def test_a_reply_trickling_past_the_timeout_ends_at_the_timeout(peers):
    """Each byte arriving must not restart the request's clock: the call ends at `timeout`, not after the trickle."""
    server = bad(peers, "trickle", "--interval-ms", "300")
    with LeakCheck():
        with mcpclient.Manager() as mgr:
            mgr.add_server("t", {"url": server.url, "timeout": 1500})
            mgr.connect("t")
            started = time.monotonic()
            with pytest.raises(mcpclient.McpTimeoutError) as caught:
                mgr.call_tool("t", "echo", {"text": "slow"})
            assert 1.3 < time.monotonic() - started < 5
            assert caught.value.name == "MCP_ERR_TIMEOUT"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_without_json_rpc_is_a_transport_error_and_the_server_stays_usable(peers, status):
    server = bad(peers, "status-5xx", "--status", str(status), "--html")
    with mcpclient.Manager() as mgr:
        mgr.add_server("b", {"url": server.url, "timeout": 10000})
        with pytest.raises(mcpclient.McpProtocolError) as caught:
            mgr.call_tool("b", "echo", {"text": "x"})
        assert (caught.value.source, caught.value.message) == ("peer", f"the server answered HTTP {status}")
        assert caught.value.details["http_status"] == status
        assert caught.value.details["body"].startswith("<html>")
        assert text_of(mgr.call_tool("b", "echo", {"text": "ok"})) == "ok"


def test_a_server_answering_5xx_forever_fails_each_call_promptly(peers):
    server = bad(peers, "status-5xx", "--fail-count", "1000", "--html")
    with mcpclient.Manager() as mgr:
        mgr.add_server("b", {"url": server.url, "timeout": 10000})
        mgr.connect("b")
        started = time.monotonic()
        for _ in range(5):
            with pytest.raises(mcpclient.McpError):
                mgr.call_tool("b", "echo", {"text": "x"})
        assert time.monotonic() - started < 10  # no retry storm, no wait


def test_429_with_a_long_retry_after_fails_at_once_with_the_wait_in_the_error(peers):
    server = bad(peers, "status-429", "--retry-after", "120")
    with mcpclient.Manager() as mgr:
        mgr.add_server("b", {"url": server.url, "timeout": 10000})
        mgr.connect("b")
        started = time.monotonic()
        with pytest.raises(mcpclient.McpProtocolError) as caught:
            mgr.call_tool("b", "echo", {"text": "x"})
        assert time.monotonic() - started < 3
        assert caught.value.message == "the server answered HTTP 429 (retry after 120 s)"
        details = caught.value.details
        assert (details["http_status"], details["reason"], details["retry_after_ms"]) == (429, "rate_limited", 120000)
        assert caught.value.rpc_code == -32603  # the body's JSON-RPC error is kept
        assert text_of(mgr.call_tool("b", "echo", {"text": "later"})) == "later"


# --- TLS -----------------------------------------------------------------------------------------


def test_a_certificate_for_another_name_is_refused(peers, certificates):
    require_venv(MODERN_PYTHON.parent.parent)
    server = peers(str(MODERN_PYTHON), str(SERVE), "--era", "modern", "--mode", "json",
                   "--tls", certificates["WRONG_CERT"], certificates["WRONG_KEY"])  # fmt: skip
    with LeakCheck():
        with mcpclient.Manager() as mgr:
            mgr.add_server("w", {"url": server.url, "caFile": certificates["CA"], "initTimeout": 5000})
            with pytest.raises(mcpclient.McpTransportError) as caught:
                mgr.connect("w")
            text = caught.value.message.lower()
            assert "certificate" in text or "ssl" in text or "subject" in text, caught.value.message


def test_an_untrusted_certificate_is_refused(peers, certificates):
    require_venv(MODERN_PYTHON.parent.parent)
    server = peers(str(MODERN_PYTHON), str(SERVE), "--era", "modern", "--mode", "json",
                   "--tls", certificates["CERT"], certificates["KEY"])  # fmt: skip
    with LeakCheck():
        with mcpclient.Manager() as mgr:
            mgr.add_server("u", {"url": server.url, "initTimeout": 5000})
            with pytest.raises(mcpclient.McpTransportError) as caught:
                mgr.connect("u")
            assert "certificate" in caught.value.message.lower() or "ssl" in caught.value.message.lower()
            mgr.add_server("t", {"url": server.url, "caFile": certificates["CA"]})
            assert text_of(mgr.call_tool("t", "echo", {"text": "trusted"})) == "trusted"


@pytest.mark.parametrize("behaviour", ["reset", "garbage"])
def test_a_tls_handshake_that_is_aborted_fails_the_connect(behaviour):
    with LeakCheck():
        listener = SilentListener(behaviour)
        try:
            with mcpclient.Manager() as mgr:
                mgr.add_server("h", {"url": f"https://127.0.0.1:{listener.port}/mcp", "initTimeout": 5000})
                started = time.monotonic()
                with pytest.raises(mcpclient.McpTransportError) as caught:
                    mgr.connect("h")
                assert time.monotonic() - started < 5
                # A reset that lands before the connect is seen complete is a connect failure (7); after it, a TLS
                # connect error (35) or a receive failure (56). Which one is a race on a loaded machine.
                assert caught.value.details.get("curl_code") in (7, 35, 56), caught.value
        finally:
            listener.close()


@pytest.mark.parametrize("kind", ["streamable-http", "websocket"])
def test_a_tls_handshake_that_never_completes_times_out(kind):
    scheme = "wss" if kind == "websocket" else "https"
    with LeakCheck():
        listener = SilentListener("silent")
        try:
            with mcpclient.Manager() as mgr:
                mgr.add_server("h", {"type": kind, "url": f"{scheme}://127.0.0.1:{listener.port}/mcp", "initTimeout": 1500})
                started = time.monotonic()
                with pytest.raises(mcpclient.McpTimeoutError) as caught:
                    mgr.connect("h")
                assert 1.3 < time.monotonic() - started < 4
                # What timed out, and after how long (it once read "initialize timed out ... for 0 ms").
                # Three timers expire together (the probe's, libcurl's connect timeout, a WebSocket's upgrade timer);
                # whichever wins, the error names what was waited for. It once read "initialize timed out ... 0 ms".
                details, message = caught.value.details, caught.value.message
                if details.get("method") == "server/discover" or details.get("reason") == "websocket_upgrade_timeout":
                    assert "1500 ms" in message, message
                else:
                    assert details.get("url", "").startswith("https:") and "timed out" in message.lower(), caught.value  # wss: connects as https:
                assert "0 ms" not in message.replace("1500 ms", "")
        finally:
            listener.close()


def test_a_tls_stream_closed_mid_reply_fails_the_call_and_the_connection_recovers(peers, certificates):
    server = bad(peers, "drop-mid-stream", "--tls", certificates["CERT"], certificates["KEY"])
    with LeakCheck():
        with mcpclient.Manager() as mgr:
            mgr.add_server("d", {"url": server.url, "caFile": certificates["CA"], "timeout": 10000})
            with pytest.raises(mcpclient.McpTransportError):
                mgr.call_tool("d", "echo", {"text": "x"})
            assert mgr.server_status("d")["status"] == "connected"


def test_a_tls_connection_reset_mid_call_recovers(peers, certificates):
    server = bad(peers, "reset", "--tls", certificates["CERT"], certificates["KEY"])
    with LeakCheck():
        with mcpclient.Manager() as mgr:
            mgr.add_server("r", {"url": server.url, "caFile": certificates["CA"], "timeout": 10000})
            mgr.connect("r")
            with pytest.raises(mcpclient.McpTransportError):
                mgr.call_tool("r", "echo", {"text": "x"})
            assert text_of(mgr.call_tool("r", "echo", {"text": "again"})) == "again"
