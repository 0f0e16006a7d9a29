"""Fault injection on authorization: an authorization server that is down, slow or serves malformed metadata, one
that is slow to refresh or rotates refresh tokens, and a host credential store whose callbacks fail. Each ends in a
clear error (code, reason) within the OAuth client's bounds (5 s per request), or in a recovery. Broken metadata
comes from fake_authorization.py (no real server serves it on purpose); refresh faults use the real python-sdk
authorization server (oauth_server.py)."""

from __future__ import annotations

import base64
import json
import os
import socket
import time
import urllib.request

import pytest
from fake_authorization import FakeAuthorization
from fault_helpers import LeakCheck, SilentListener
from helpers import drain_events, text_of, wait_for_event
from test_oauth_flows import REDIRECT_URI, AuthServer, browse, manager

import mcpclient
from mcpclient.oauth_store import HostStore


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def connect_error(authorization_server, variant=None):
    fake = FakeAuthorization(authorization_server)
    if variant:
        fake.authorization_server = f"{fake.origin}/as/{variant}"
    try:
        with manager() as mgr:
            mgr.add_server("x", {"url": fake.url, "initTimeout": 20000})
            started = time.monotonic()
            with pytest.raises(mcpclient.McpError) as caught:
                mgr.connect("x")
            failed = [e for e in drain_events(mgr) if e["kind"] == "oauth_failed"]
            return caught.value, time.monotonic() - started, failed
    finally:
        fake.close()


def test_an_authorization_server_that_is_down_fails_the_connect_at_once():
    with LeakCheck():
        error, elapsed, failed = connect_error(f"http://127.0.0.1:{closed_port()}")
    assert (error.name, error.details["role"], error.details["curl_code"]) == ("MCP_ERR_TRANSPORT", "authorization_server_metadata", 7)
    assert elapsed < 3 and len(failed) == 1


def test_a_silent_authorization_server_times_out_once():
    """It used to be asked twice (10 s): its timeout was taken for the MCP server's silence to `server/discover`,
    so the connect fell back to `initialize`, met the same 401 and waited on the same server again."""
    with LeakCheck():
        listener = SilentListener("silent")
        try:
            error, elapsed, failed = connect_error(f"http://127.0.0.1:{listener.port}")
            assert len(listener.accepted) == 1
        finally:
            listener.close()
    assert (error.name, error.details["role"]) == ("MCP_ERR_TIMEOUT", "authorization_server_metadata")
    assert 4.5 < elapsed < 8
    assert len(failed) == 1


@pytest.mark.parametrize("variant, name, reason", [
    ("not-json", "MCP_ERR_AUTH", "as_metadata_not_found"),
    ("array", "MCP_ERR_AUTH", "as_metadata_not_found"),
    ("no-endpoints", "MCP_ERR_AUTH", "as_metadata_not_found"),
    ("deep", "MCP_ERR_AUTH", "as_metadata_not_found"),
    ("wrong-issuer", "MCP_ERR_POLICY", "issuer_mismatch"),
    ("bad-scheme", "MCP_ERR_POLICY", "not_absolute"),
    ("huge", "MCP_ERR_TRANSPORT", "response_too_large"),
])  # fmt: skip
def test_malformed_authorization_server_metadata_is_a_clear_error(variant, name, reason):
    with LeakCheck():
        error, elapsed, _ = connect_error(None, variant)
    assert (error.name, error.details["reason"]) == (name, reason), error
    assert elapsed < 3


@pytest.fixture
def protected():
    servers = []

    def start(*extra):
        server = AuthServer("--mcp", *extra)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def sign_in(mgr, server):
    mgr.add_server("g", {"url": server.origin + "/mcp", "timeout": 30000})
    with pytest.raises(mcpclient.McpAuthError) as caught:
        mgr.connect("g")
    mgr.oauth_complete(browse(caught.value.details["authUrl"]))
    wait_for_event(mgr, lambda e: e["kind"] == "status" and e["status"] == "connected", timeout_s=20)


def post(server, path):
    urllib.request.urlopen(urllib.request.Request(server.origin + path, data=b"", method="POST"), timeout=10).read()


def stats(server):
    with urllib.request.urlopen(server.origin + "/_stats", timeout=10) as response:
        return json.loads(response.read())


def test_a_slow_refresh_is_waited_for_and_a_refresh_past_the_timeout_fails_clearly(protected):
    slow = protected("--refresh-delay", "2")
    with manager() as mgr:
        sign_in(mgr, slow)
        post(slow, "/_expire_access")
        started = time.monotonic()
        assert text_of(mgr.call_tool("g", "echo", {"text": "refreshed"})) == "refreshed"
        assert 1.8 < time.monotonic() - started < 4.5
        assert stats(slow)["refreshes"] == 1
    # Past the client's 5 s the answer may be lost with a rotated refresh token: asked again once, 2 s later, and
    # that times out too (5 + 2 + 5 s).
    stuck = protected("--refresh-delay", "8")
    with manager() as mgr:
        sign_in(mgr, stuck)
        post(stuck, "/_expire_access")
        started = time.monotonic()
        with pytest.raises(mcpclient.McpTimeoutError) as caught:
            mgr.call_tool("g", "echo", {"text": "x"})
        assert 11 < time.monotonic() - started < 15
        assert caught.value.details["role"] == "token_endpoint"
        assert stats(stuck)["refresh_requests"] == 2


def test_rotating_refresh_tokens_are_kept_and_used_again(protected):
    """Every refresh returns a new refresh token and kills the old one. A renewed access token that served for a
    while and is then refused must be renewed again with the rotated refresh token; it used to force a new browser
    sign-in (the loop guard took any refusal of the last renewed token for "renewing does not help")."""
    server = protected()
    with manager() as mgr:
        sign_in(mgr, server)
        post(server, "/_expire_access")
        assert text_of(mgr.call_tool("g", "echo", {"text": "r0"})) == "r0"
        time.sleep(10.5)  # past the loop guard's window (ServerAuthorizer.renewalRefusalWindowSeconds)
        assert text_of(mgr.call_tool("g", "echo", {"text": "still"})) == "still"
        post(server, "/_expire_access")
        assert text_of(mgr.call_tool("g", "echo", {"text": "r1"})) == "r1"
        assert stats(server) == {"refresh_requests": 2, "refreshes": 2}
        # Refused again at once: renewing will not help, so a sign-in is asked for instead of a third refresh.
        post(server, "/_expire_access")
        with pytest.raises(mcpclient.McpAuthError) as caught:
            mgr.call_tool("g", "echo", {"text": "r2"})
        assert caught.value.details["reason"] == "oauth_required"
        assert stats(server)["refresh_requests"] == 2


def test_a_lost_renewal_answer_is_asked_again_soon_with_the_same_token(protected):
    """The AS rotates the refresh token but its answer never arrives (held past the client's 5 s): the refresh token
    the client holds is the rotated-out one. The renewal ahead of expiry is asked again 2 s later, once, with the same
    token, while an AS's reuse interval still honours it: new tokens, no sign-in, and no request had to fail or wait.
    (It used to wait for the access token to be refused, which may be long after the reuse interval.)"""
    # Access tokens live 16 s, so the renewal ahead of expiry runs 8 s after they are issued. No request is made
    # meanwhile: only the timed renewal can refresh.
    graceful = protected("--lose-refresh-replies", "1", "--refresh-grace", "60", "--access-ttl", "16")
    with manager() as mgr:
        sign_in(mgr, graceful)
        deadline = time.monotonic() + 30
        asked = {}  # refresh requests seen -> when
        while len(asked) < 2 and time.monotonic() < deadline:
            count = stats(graceful)["refresh_requests"]
            if count and count not in asked:
                asked[count] = time.monotonic()
            time.sleep(0.1)
        assert stats(graceful) == {"refresh_requests": 2, "refreshes": 2}  # the rotated-out token, honoured
        # Asked again soon: the client's 5 s timeout, then 2 s (not after the access token was refused).
        assert 6 < asked[2] - asked[1] < 10, asked
        assert text_of(mgr.call_tool("g", "echo", {"text": "renewed"})) == "renewed"
        assert not [e for e in drain_events(mgr) if e["kind"] in ("oauth_required", "oauth_failed")]


def test_a_lost_refresh_answer_at_a_strict_authorization_server_ends_in_one_sign_in(protected):
    """Without a reuse interval the refresh token asked again is refused (invalid_grant): the call that lost the answer
    ends in one sign-in, not a loop and not a second refresh."""
    strict = protected("--lose-refresh-replies", "1")
    with manager() as mgr:
        sign_in(mgr, strict)
        post(strict, "/_expire_access")
        with pytest.raises(mcpclient.McpAuthError) as lost:
            mgr.call_tool("g", "echo", {"text": "lost"})
        assert lost.value.details["reason"] == "oauth_required"
        assert stats(strict) == {"refresh_requests": 2, "refreshes": 1}
        with pytest.raises(mcpclient.McpAuthError) as again:
            mgr.call_tool("g", "echo", {"text": "refused"})
        assert again.value.details["reason"] == "oauth_required"
        assert stats(strict) == {"refresh_requests": 2, "refreshes": 1}
        mgr.oauth_complete(browse(again.value.details["authUrl"]))
        assert text_of(mgr.call_tool("g", "echo", {"text": "signed in"})) == "signed in"


class FlakyStore:
    """A host store (dict) whose callbacks raise while `failing` names their operation."""

    def __init__(self):
        self.records, self.failing = {}, set()
        self.key = base64.b64encode(os.urandom(32)).decode()
        self.store = HostStore(self.get, self.put, self.delete, key=self.key)

    def same_records(self):
        """Another handle on the same records and key (a second manager, another process)."""
        return HostStore(self.get, self.put, self.delete, key=self.key)

    def get(self, key):
        if "get" in self.failing:
            raise RuntimeError("store down")
        return self.records.get(key)

    def put(self, key, value, ttl):
        if "put" in self.failing:
            raise RuntimeError("store down")
        self.records[key] = bytes(value)

    def delete(self, key):
        if "delete" in self.failing:
            raise RuntimeError("store down")
        self.records.pop(key, None)


def test_a_failing_host_store_is_a_user_error_and_the_sign_in_recovers_when_it_is_back(protected):
    server = protected()
    flaky = FlakyStore()
    with manager() as mgr:
        mgr.set_credential_store(flaky.store)
        mgr.add_server("g", {"url": server.origin + "/mcp", "timeout": 30000})
        flaky.failing = {"get", "put", "delete"}
        with pytest.raises(mcpclient.McpUserError) as down:
            mgr.connect("g")
        assert (down.value.details["reason"], down.value.details["operation"]) == ("host_store_failed", "get")
        assert "store down" not in json.dumps(down.value.payload)  # the host's exception text stays with the host
        flaky.failing = set()
        with pytest.raises(mcpclient.McpAuthError) as required:
            mgr.connect("g")
        callback = browse(required.value.details["authUrl"])
        # The store refuses the tokens: the code is spent, so they are kept in memory rather than lost. The sign-in
        # completes, the connection works, and an event and the status say the tokens are not saved yet.
        flaky.failing = {"put"}
        mgr.oauth_complete(callback)
        unsaved, seen = wait_for_event(mgr, lambda e: e["kind"] == "oauth_tokens_unsaved")
        assert (unsaved["error"]["name"], unsaved["error"]["details"]["operation"], unsaved["error"]["details"]["kind"]) == (
            "MCP_ERR_USER", "put", "tokens")
        wait_for_event(mgr, lambda e: e["kind"] == "status" and e["status"] == "connected", timeout_s=20, seen=seen)
        assert text_of(mgr.call_tool("g", "echo", {"text": "unsaved"})) == "unsaved"
        status = mgr.oauth_status("g")
        assert (status["state"], status["tokensSaved"], status["saveError"]["details"]["reason"]) == ("authorized", False, "host_store_failed")
        assert "store down" not in json.dumps([seen, status])  # the host's exception text stays with the host
        assert not any("tokens" in key for key in flaky.records)  # nothing reached the store
        # The store is back: the background saver (or a read once its retry is due) saves them (one event), and the
        # status no longer flags them.
        flaky.failing = set()
        assert text_of(mgr.call_tool("g", "echo", {"text": "stored"})) == "stored"
        wait_for_event(mgr, lambda e: e["kind"] == "oauth_tokens_saved")
        assert "tokensSaved" not in mgr.oauth_status("g") and mgr.oauth_status("g")["state"] == "authorized"
        assert any("tokens" in key for key in flaky.records)
        # Reading fails while the access token needs a refresh: an error now, the refresh once the store is back.
        post(server, "/_expire_access")
        flaky.failing = {"get"}
        with pytest.raises(mcpclient.McpError) as unreadable:
            mgr.call_tool("g", "echo", {"text": "x"})
        assert unreadable.value.name in ("MCP_ERR_USER", "MCP_ERR_AUTH"), unreadable.value
        flaky.failing = set()
        result = None
        for _ in range(3):  # the failed refresh may have left a sign-in pending; the stored refresh token is intact
            try:
                result = mgr.call_tool("g", "echo", {"text": "back"})
                break
            except mcpclient.McpAuthError as pending:
                mgr.oauth_complete(browse(pending.details["authUrl"]))
        assert result is not None and text_of(result) == "back"
    # The saved tokens serve another manager on the same records without a browser.
    with manager() as other:
        other.set_credential_store(flaky.same_records())
        other.add_server("g", {"url": server.origin + "/mcp", "timeout": 30000})
        assert text_of(other.call_tool("g", "echo", {"text": "shared"})) == "shared"
