"""Fault tests against a misbehaving HTTP peer (bad_http.py, stdlib only: no real server misbehaves on purpose)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request

import pytest
from helpers import FIXTURES_DIR, text_of

import mcpclient

BAD = FIXTURES_DIR / "bad_http.py"


class BadServer:
    def __init__(self, mode: str, *args: str):
        self.process = subprocess.Popen([sys.executable, str(BAD), mode, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        assert line and line[0] == "READY", line
        self.url = line[1]

    def stats(self):
        base = self.url.rsplit("/", 1)[0]
        with urllib.request.urlopen(base + "/_stats", timeout=5) as response:
            return json.load(response)["requests"]

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def bad(request):
    servers = []

    def start(mode, *args):
        server = BadServer(mode, *args)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def manager_for(url, **config):
    mgr = mcpclient.Manager()
    mgr.add_server("b", {"url": url, "timeout": 10000, **config})
    return mgr


def test_baseline(bad):
    server = bad("ok")
    with manager_for(server.url) as mgr:
        assert mgr.connect("b")["era"] == "modern"
        assert text_of(mgr.call_tool("b", "echo", {"text": "fine"})) == "fine"


def test_a_trickling_reply_still_arrives(bad):
    server = bad("trickle", "--interval-ms", "5")
    with manager_for(server.url) as mgr:
        assert text_of(mgr.call_tool("b", "echo", {"text": "slow"})) == "slow"


def test_a_broken_stream_is_reissued_once_then_fails_the_call(bad):
    server = bad("drop-mid-stream")
    with manager_for(server.url) as mgr:
        with pytest.raises(mcpclient.McpTransportError):
            mgr.call_tool("b", "echo", {"text": "x"})
        assert mgr.server_status("b")["status"] == "connected"  # one broken stream is not a dead server
    # The request is lost on a stateless server, so it was sent again (with a new id) before giving up.
    assert [r[2] for r in server.stats()].count("tools/call") == 2


def test_an_oversize_reply_is_refused(bad):
    server = bad("oversize", "--size-mb", "4")
    with manager_for(server.url, maxResponseBytes=1 << 20) as mgr:
        with pytest.raises(mcpclient.McpTransportError) as caught:
            mgr.call_tool("b", "echo", {"text": "x"})
        assert caught.value.details["reason"] == "response_too_large"


def test_a_reply_read_together_with_an_oversize_event_is_still_delivered(bad):
    """One read holds the result event and then an event over the limit: the result arrives (it used to be dropped
    with the whole chunk, and the call failed with sse_event_too_large)."""
    server = bad("sse-then-oversize", "--size-kb", "4")
    with manager_for(server.url, maxResponseBytes=1024) as mgr:
        assert text_of(mgr.call_tool("b", "echo", {"text": "kept"})) == "kept"
        assert text_of(mgr.call_tool("b", "echo", {"text": "again"})) == "again"
    assert [r[2] for r in server.stats()].count("tools/call") == 2  # answered, so never re-issued


def test_a_websocket_reply_read_together_with_a_bad_frame_is_still_delivered(bad):
    """The result frame and a text frame that is not UTF-8 arrive in one read: the result is delivered, then the
    connection is closed with 1007 (the reply used to be lost with the chunk); the next call reconnects."""
    server = bad("ws-bad-frame")
    with manager_for(server.url.replace("http://", "ws://"), type="websocket") as mgr:
        assert text_of(mgr.call_tool("b", "echo", {"text": "kept"})) == "kept"
        deadline = time.monotonic() + 10
        while ["WS", "/mcp", "close", 1007] not in server.stats() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ["WS", "/mcp", "close", 1007] in server.stats()
        assert text_of(mgr.call_tool("b", "echo", {"text": "again"})) == "again"


def test_event_stream_reopens_and_reply_resumes_are_bounded(bad):
    """A session server whose GET streams end at once without an event: the session's stream is opened 10 times in
    a row and then left closed; a request whose stream ends without its answer is resumed 5 times (Last-Event-ID)
    and then fails. Both bounds are StreamableHTTPTransport.maxEventStreamFailures / maxReplyResumes."""
    server = bad("session-streams")
    with manager_for(server.url) as mgr:
        assert mgr.connect("b")["era"] == "legacy"

        def opened(kind):
            return sum(1 for r in server.stats() if r[0] == "GET" and r[2] == kind)

        deadline = time.monotonic() + 20
        while opened("stream") < 10 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # reopens are >= 100 ms apart: an eleventh would have come by now
        assert opened("stream") == 10
        with pytest.raises(mcpclient.McpTransportError) as caught:
            mgr.call_tool("b", "echo", {"text": "x"})
        assert (caught.value.details["reason"], caught.value.details["attempts"]) == ("stream_resume_failed", 5)
        assert opened("resume") == 5
        assert opened("stream") == 10
        assert mgr.server_status("b")["status"] == "connected"


def test_malformed_sse_fails_the_call_not_the_process(bad):
    server = bad("malformed-sse")
    with manager_for(server.url) as mgr:
        with pytest.raises((mcpclient.McpTransportError, mcpclient.McpProtocolError)):
            mgr.call_tool("b", "echo", {"text": "x"})


def test_http_errors_with_a_json_rpc_body_are_peer_errors(bad):
    server = bad("status-5xx")
    with manager_for(server.url) as mgr:
        with pytest.raises(mcpclient.McpProtocolError) as caught:
            mgr.call_tool("b", "echo", {"text": "x"})
        assert caught.value.source == "peer"
        assert text_of(mgr.call_tool("b", "echo", {"text": "again"})) == "again"


def test_429_with_a_short_retry_after_is_waited_out_once(bad):
    server = bad("status-429")
    with manager_for(server.url) as mgr:
        mgr.connect("b")
        started = time.monotonic()
        assert text_of(mgr.call_tool("b", "echo", {"text": "patient"})) == "patient"
        assert time.monotonic() - started >= 0.9  # Retry-After: 1
    assert [r[2] for r in server.stats()].count("tools/call") == 2


def test_same_origin_307_redirects_are_followed(bad):
    server = bad("redirect-307", "--hops", "3")
    with manager_for(server.url) as mgr:
        assert text_of(mgr.call_tool("b", "echo", {"text": "hop"})) == "hop"


def test_a_redirect_loop_stops_after_five_hops(bad):
    server = bad("redirect-loop")
    with manager_for(server.url, initTimeout=5000) as mgr:
        with pytest.raises(mcpclient.McpError) as caught:
            mgr.connect("b")
        assert "redirect" in str(caught.value).lower() or caught.value.details.get("reason") == "too_many_redirects"


def test_302_is_not_followed(bad):
    server = bad("redirect-302")
    with manager_for(server.url, initTimeout=5000) as mgr:
        with pytest.raises(mcpclient.McpError):
            mgr.connect("b")
        assert not [r for r in server.stats() if r[1] == "/final"]


def test_a_cross_origin_redirect_drops_credentials(bad):
    server = bad("redirect-308-cross")
    with manager_for(server.url, headers={"Authorization": "Bearer secret", "X-Api-Key": "k"}) as mgr:
        assert text_of(mgr.call_tool("b", "echo", {"text": "cross"})) == "cross"
    requests = server.stats()
    assert all(r[3] == ["authorization", "x-api-key"] for r in requests if r[1] == "/mcp")  # the origin got them
    crossed = [r for r in requests if r[1].startswith("[other]")]
    assert crossed and all(r[3] == [] for r in crossed)  # the other origin got none of them


def test_an_untrusted_server_may_not_redirect_to_a_private_address(bad):
    server = bad("redirect-private")
    with mcpclient.Manager({"allowedAddresses": [f"127.0.0.1:{server.url.split(':')[2].split('/')[0]}"]}) as mgr:
        mgr.add_server("b", {"url": server.url, "trusted": False, "initTimeout": 5000})
        with pytest.raises(mcpclient.McpError) as caught:
            mgr.connect("b")
        assert caught.value.details.get("reason") == "blocked_address" or "10.0.0.1" in str(caught.value)


def test_an_untrusted_server_on_loopback_is_blocked_unless_exempted(bad):
    server = bad("ok")
    with mcpclient.Manager() as mgr:
        with pytest.raises(mcpclient.McpPolicyError):
            mgr.add_server("b", {"url": server.url, "trusted": False})
            mgr.connect("b")
    port = server.url.split(":")[2].split("/")[0]
    with mcpclient.Manager({"allowedAddresses": [f"127.0.0.1:{port}"]}) as mgr:
        mgr.add_server("b", {"url": server.url, "trusted": False})
        assert mgr.connect("b")["era"] == "modern"


def test_allowed_domains_is_a_strict_allow_list(bad):
    server = bad("ok")
    with mcpclient.Manager({"allowedDomains": ["example.com"]}) as mgr:
        mgr.add_server("b", {"url": server.url})
        with pytest.raises(mcpclient.McpPolicyError):
            mgr.connect("b")


@pytest.mark.parametrize("value", ["-5", "99999999999999999999", "soon"])
def test_a_hostile_retry_after_fails_the_call_without_waiting(bad, value):
    """Retry-After that is negative (it trapped once), absurdly large or not a number: no wait, no second try."""
    server = bad("status-429", "--retry-after", value)
    with manager_for(server.url) as mgr:
        mgr.connect("b")
        started = time.monotonic()
        with pytest.raises(mcpclient.McpProtocolError):
            mgr.call_tool("b", "echo", {"text": "x"})
        assert time.monotonic() - started < 2
    assert [r[2] for r in server.stats()].count("tools/call") == 1


def test_a_huge_sse_retry_field_is_harmless(bad):
    """`retry:` beyond 1.8e13 ms trapped once when converted to nanoseconds."""
    server = bad("huge-retry")
    with manager_for(server.url) as mgr:
        assert text_of(mgr.call_tool("b", "echo", {"text": "still here"})) == "still here"


def test_a_server_request_with_our_request_id_does_not_steal_its_answer(bad):
    """The server asks `ping` with the very id of our pending tools/call; our answer to it must not end our call."""
    server = bad("id-collision")
    with manager_for(server.url) as mgr:
        assert text_of(mgr.call_tool("b", "echo", {"text": "mine"})) == "mine"
    answers = [r for r in server.stats() if r[0] == "POST" and r[2] is None]
    assert len(answers) == 1  # the client answered the ping


def test_a_name_that_resolves_to_a_private_address_is_refused_at_connect(bad):
    """DNS rebinding: an allow-listed public-looking name whose answer is a loopback address (pinned with `resolve`,
    the test's resolver override) passes every check on the URL, yet the connection is refused on the address it
    would actually use; nothing reaches the server. An explicit host:port exemption lets it through."""
    server = bad("ok")
    port = server.url.split(":")[2].split("/")[0]
    url = f"http://rebind.example.com:{port}/mcp"
    pin = {"allowedDomains": ["rebind.example.com"], "resolve": [f"rebind.example.com:{port}:127.0.0.1"]}
    with mcpclient.Manager(pin) as mgr:
        mgr.add_server("trusted", {"url": url})
        assert text_of(mgr.call_tool("trusted", "echo", {"text": "pinned"})) == "pinned"  # the pin is what connects
        before = len(server.stats())
        mgr.add_server("user", {"url": url, "trusted": False, "initTimeout": 5000})
        with pytest.raises(mcpclient.McpPolicyError) as caught:
            mgr.connect("user")
        assert caught.value.details.get("reason") == "blocked_address"
        assert caught.value.details.get("address") == "127.0.0.1"
        assert len(server.stats()) == before
    with mcpclient.Manager({**pin, "allowedAddresses": [f"rebind.example.com:{port}"]}) as mgr:
        mgr.add_server("user", {"url": url, "trusted": False})
        assert text_of(mgr.call_tool("user", "echo", {"text": "exempt"})) == "exempt"
