"""OAuth sign-in flows through the C ABI, against the python-sdk authorization server (oauth_server.py): begin,
join, a headless browser, complete (by URL and by code/state), status, cancel, logout, events, and a flow begun
by one manager and completed by another sharing the encrypted file store (a second process in a real host)."""

from __future__ import annotations

import base64
import http.client
import os
import subprocess
import urllib.parse

import pytest
from helpers import FIXTURES_DIR, MODERN_PYTHON, dict_store_functions, drain_events, require_venv, text_of, wait_for_event

import mcpclient

OAUTH_SERVER = FIXTURES_DIR / "oauth_server.py"
REDIRECT_URI = "http://127.0.0.1:9/callback"


class AuthServer:
    def __init__(self, *extra: str):
        require_venv(MODERN_PYTHON.parent.parent)
        self.process = subprocess.Popen(
            [str(MODERN_PYTHON), str(OAUTH_SERVER), "--max-seconds", "120", *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        assert line and line[0] == "READY", f"oauth_server.py did not start: {line}"
        self.origin = line[1].rstrip("/")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def auth_server():
    server = AuthServer()
    yield server
    server.stop()


def browse(auth_url: str) -> str:
    """The headless browser: GET the authorization URL without following the redirect; return its Location."""
    parts = urllib.parse.urlsplit(auth_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path + "?" + parts.query)
        response = connection.getresponse()
        assert response.status == 302, response.read()[:300]
        return response.getheader("Location")
    finally:
        connection.close()


def manager(options=None):
    merged = {"oauth": {"redirectUri": REDIRECT_URI}}
    merged.update(options or {})
    return mcpclient.Manager(merged)


def test_begin_join_complete_status_and_events(auth_server):
    with manager() as mgr:
        mgr.add_server("demo", {"url": auth_server.origin + "/mcp"})
        assert mgr.oauth_status("demo")["state"] == "unauthorized"
        flow = mgr.oauth_begin("demo")
        assert flow["flowId"] == "default:demo" and not flow["joined"]
        assert flow["authUrl"].startswith(auth_server.origin + "/authorize?")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(flow["authUrl"]).query))
        assert query["code_challenge_method"] == "S256" and query["redirect_uri"] == REDIRECT_URI
        assert query["resource"].startswith(auth_server.origin)
        again = mgr.oauth_begin("demo")
        assert again["joined"] and again["authUrl"] == flow["authUrl"]
        status = mgr.oauth_status("demo")
        assert status["state"] == "pending" and status["flow"]["authUrl"] == flow["authUrl"] and status["requiresOAuth"]

        done = mgr.oauth_complete(browse(flow["authUrl"]))
        assert done["server"] == "demo" and done["user"] == "default"
        status = mgr.oauth_status("demo")
        assert status["state"] == "authorized" and status["hasRefreshToken"] is True
        kinds = [event["kind"] for event in drain_events(mgr) if event["kind"].startswith("oauth_")]
        assert kinds == ["oauth_required", "oauth_completed"]

        # Users are separate: another user's sign-in is its own flow.
        other = mgr.oauth_begin("demo", user="bob")
        assert other["flowId"] == "bob:demo" and other["authUrl"] != flow["authUrl"]
        assert mgr.oauth_status("demo", user="bob")["state"] == "pending"

        report = mgr.oauth_logout("demo")
        assert report["hadTokens"] is True
        assert mgr.oauth_status("demo")["state"] == "unauthorized"


def test_complete_by_code_and_state_and_the_errors(auth_server):
    with manager() as mgr:
        mgr.add_server("demo", {"url": auth_server.origin + "/mcp"})
        flow = mgr.oauth_begin("demo")
        callback = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(browse(flow["authUrl"])).query))

        with pytest.raises(mcpclient.McpAuthError) as caught:
            mgr.oauth_complete_code(callback["code"], "not-the-state", callback.get("iss"))
        assert caught.value.details["reason"] == "invalid_state"
        assert callback["code"] not in str(caught.value) and callback["code"] not in str(caught.value.details)

        result = mgr.oauth_complete_code(callback["code"], callback["state"], callback.get("iss"))
        assert result["flowId"] == "default:demo"
        assert mgr.oauth_status("demo")["state"] == "authorized"

        with pytest.raises(mcpclient.McpInvalidError):
            mgr.oauth_complete("")
        with pytest.raises(mcpclient.McpNotFoundError):
            mgr.oauth_begin("nope")


def test_cancel_makes_the_callback_stale(auth_server):
    with manager() as mgr:
        mgr.add_server("demo", {"url": auth_server.origin + "/mcp"})
        flow = mgr.oauth_begin("demo")
        location = browse(flow["authUrl"])
        mgr.oauth_cancel("demo")
        with pytest.raises(mcpclient.McpAuthError) as caught:
            mgr.oauth_complete(location)
        assert caught.value.details["reason"] == "invalid_state"
        failed = [event for event in drain_events(mgr) if event["kind"] == "oauth_failed"]
        assert failed and failed[0]["error"]["details"]["reason"] == "flow_cancelled"


def test_a_flow_begun_by_one_manager_completes_in_another_sharing_the_store(auth_server, tmp_path):
    key = base64.b64encode(os.urandom(32)).decode()
    store = {"type": "file", "directory": str(tmp_path / "store"), "key": key}
    with manager({"oauth": {"redirectUri": REDIRECT_URI, "store": store}}) as first, \
            manager({"oauth": {"redirectUri": REDIRECT_URI, "store": store}}) as second:
        for mgr in (first, second):
            mgr.add_server("demo", {"url": auth_server.origin + "/mcp"})
        flow = first.oauth_begin("demo", user="alice")
        second.oauth_complete(browse(flow["authUrl"]))
        assert first.oauth_status("demo", user="alice")["state"] == "authorized"
        # Nothing in the store's files is readable: tokens are sealed; the flow's lock file holds nothing at all.
        for path in (tmp_path / "store").iterdir():
            data = path.read_bytes()
            if path.suffix == ".lock":
                assert data == b""
                continue
            assert data.startswith(b"MCPCRED") and b"access_token" not in data


def test_servers_without_oauth_and_bad_options_are_refused():
    with manager() as mgr:
        mgr.add_server("static", {"url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer fixed"}})
        with pytest.raises(mcpclient.McpUnsupportedError) as caught:
            mgr.oauth_begin("static")
        assert caught.value.details["reason"] == "oauth_not_applicable"
    with pytest.raises(mcpclient.McpInvalidError):
        mcpclient.Manager({"oauth": {"store": {"type": "redis"}}})
    with pytest.raises(mcpclient.McpInvalidError):
        mcpclient.Manager({"oauth": {"flowTimeoutSeconds": 1}})


@pytest.fixture
def protected_mcp():
    """oauth_server.py --mcp: the everything server behind the python-sdk's bearer middleware and AS."""
    server = AuthServer("--mcp")
    yield server
    server.stop()


def test_a_401_starts_a_sign_in_and_the_connection_proceeds_after_it(protected_mcp):
    with manager() as mgr:
        mgr.add_server("guarded", {"url": protected_mcp.origin + "/mcp", "timeout": 30000})
        with pytest.raises(mcpclient.McpAuthError) as caught:
            mgr.connect("guarded")
        details = caught.value.details
        assert details["reason"] == "oauth_required" and details["flowId"] == "default:guarded"
        assert mgr.server_status("guarded")["authUrl"] == details["authUrl"]
        assert mgr.server_status("guarded")["requiresOAuth"] is True
        required, _ = wait_for_event(mgr, lambda e: e["kind"] == "oauth_required")
        assert required["authUrl"] == details["authUrl"]

        mgr.oauth_complete(browse(details["authUrl"]))
        # The manager reconnects on its own once the tokens are stored.
        wait_for_event(mgr, lambda e: e["kind"] == "status" and e["status"] == "connected", timeout_s=20)
        assert "echo" in {tool["name"] for tool in mgr.list_tools("guarded")}
        assert text_of(mgr.call_tool("guarded", "echo", {"text": "behind oauth"})) == "behind oauth"
        status = mgr.server_status("guarded")
        assert (status["status"], status["requiresOAuth"], status["authorizationState"]) == ("connected", True, "authorized")

        # Logout revokes and disconnects; the next connect needs a new sign-in.
        mgr.oauth_logout("guarded")
        with pytest.raises(mcpclient.McpAuthError) as again:
            mgr.connect("guarded")
        assert again.value.details["reason"] == "oauth_required"


def test_a_refused_refresh_token_leads_to_one_new_sign_in_not_a_loop(protected_mcp):
    """The access token is refused and the refresh token is gone at the AS (invalid_grant): the stored tokens are
    dropped and the call fails with oauth_required and a new authUrl; later calls join that sign-in without asking
    the AS again; completing it brings the connection back."""
    import json
    import urllib.request

    def post(path):
        urllib.request.urlopen(urllib.request.Request(protected_mcp.origin + path, data=b"", method="POST"), timeout=10).read()

    def refreshes():
        with urllib.request.urlopen(protected_mcp.origin + "/_stats", timeout=10) as response:
            return json.loads(response.read())["refresh_requests"]

    with manager() as mgr:
        mgr.add_server("guarded", {"url": protected_mcp.origin + "/mcp", "timeout": 30000})
        with pytest.raises(mcpclient.McpAuthError) as first:
            mgr.connect("guarded")
        mgr.oauth_complete(browse(first.value.details["authUrl"]))
        wait_for_event(mgr, lambda e: e["kind"] == "status" and e["status"] == "connected", timeout_s=20)
        assert text_of(mgr.call_tool("guarded", "echo", {"text": "signed in"})) == "signed in"
        drain_events(mgr)

        post("/_expire_access")
        post("/_expire_refresh")
        with pytest.raises(mcpclient.McpAuthError) as again:
            mgr.call_tool("guarded", "echo", {"text": "refused"})
        details = again.value.details
        assert details["reason"] == "oauth_required" and details["authUrl"] != first.value.details["authUrl"]
        assert refreshes() == 1  # one refresh was tried (invalid_grant), then a sign-in: no second refresh
        status = mgr.oauth_status("guarded")
        assert status["state"] == "pending" and status["flow"]["authUrl"] == details["authUrl"]
        required = [event for event in drain_events(mgr) if event["kind"] == "oauth_required"]
        assert [event["authUrl"] for event in required] == [details["authUrl"]]

        # Not a loop: the next call joins the pending sign-in; the AS is not asked again.
        with pytest.raises(mcpclient.McpAuthError) as joined:
            mgr.call_tool("guarded", "echo", {"text": "still refused"})
        assert joined.value.details["authUrl"] == details["authUrl"]
        assert refreshes() == 1

        # The connection stayed up; it picks the new tokens up when the sign-in completes.
        mgr.oauth_complete(browse(details["authUrl"]))
        assert mgr.server_status("guarded")["status"] == "connected"
        assert text_of(mgr.call_tool("guarded", "echo", {"text": "back"})) == "back"
        assert refreshes() == 1


def test_the_session_ending_delete_carries_the_bearer(protected_mcp):
    """A handshake-era session is ended with DELETE when the manager is freed; the SDK binds a session to its
    principal, so a DELETE without the bearer is refused (401) and the session lingers."""
    import json
    import urllib.request

    with manager() as mgr:
        mgr.add_server("guarded", {"url": protected_mcp.origin + "/mcp", "era": "legacy", "timeout": 30000})
        with pytest.raises(mcpclient.McpAuthError) as caught:
            mgr.connect("guarded")
        mgr.oauth_complete(browse(caught.value.details["authUrl"]))
        wait_for_event(mgr, lambda e: e["kind"] == "status" and e["status"] == "connected", timeout_s=20)
        assert text_of(mgr.call_tool("guarded", "echo", {"text": "session"})) == "session"
    with urllib.request.urlopen(protected_mcp.origin + "/_requests", timeout=10) as response:
        seen = json.loads(response.read())
    deletes = [entry for entry in seen if entry["method"] == "DELETE"]
    assert deletes, seen
    assert all(entry["bearer"] and entry["session"] for entry in deletes), deletes
    assert deletes[-1]["status"] in (200, 202, 204), deletes


def test_a_declared_oauth_server_signs_in_before_any_request(protected_mcp):
    with manager() as mgr:
        mgr.add_server("declared", {"url": protected_mcp.origin + "/mcp", "requiresOAuth": True})
        with pytest.raises(mcpclient.McpAuthError) as caught:
            mgr.connect("declared")
        assert caught.value.details["reason"] == "oauth_required"
        # Joining: a second connect attempt returns the same pending sign-in.
        with pytest.raises(mcpclient.McpAuthError) as second:
            mgr.connect("declared")
        assert second.value.details["authUrl"] == caught.value.details["authUrl"]


def test_a_host_store_shared_by_two_managers_carries_a_sign_in_across(protected_mcp):
    """Two managers standing in for two host processes, one Redis-like dict: begin on one, callback on the other,
    and the first one's connection works. The host only ever sees sealed records."""
    from mcpclient.oauth_store import HostStore

    records, get, put, delete = dict_store_functions()

    key = base64.b64encode(os.urandom(32)).decode()
    stores = [HostStore(get, put, delete, key=key), HostStore(get, put, delete, key=key)]
    with manager() as first, manager() as second:
        for mgr, store in zip((first, second), stores):
            mgr.set_credential_store(store)
            mgr.add_server("guarded", {"url": protected_mcp.origin + "/mcp", "timeout": 30000})
        with pytest.raises(mcpclient.McpAuthError) as caught:
            first.connect("guarded")
        second.oauth_complete(browse(caught.value.details["authUrl"]))
        # The first process is not told; its next connect finds the tokens in the shared store.
        first.connect("guarded")
        assert text_of(first.call_tool("guarded", "echo", {"text": "shared"})) == "shared"
        assert records and all(value.startswith(b"MCPCRED") and b"access_token" not in value for value in records.values())
        # The store is fixed once OAuth is in use.
        with pytest.raises(mcpclient.McpConflictError):
            first.set_credential_store(stores[1])
