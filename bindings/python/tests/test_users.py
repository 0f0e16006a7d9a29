"""Per-user connections through user views (mcp_manager_as_user) and reinitialize."""

from __future__ import annotations

import pytest

import mcpclient
from helpers import everything_config


def _text(result):
    return result["content"][0]["text"]


def test_each_user_gets_their_own_connection_with_their_values(manager):
    manager.add_server("mine", everything_config("modern", env={"WHO": "{{LIBRECHAT_USER_ID}}", "MAIL": "{{LIBRECHAT_USER_EMAIL}}"}))
    with manager.as_user("alice", profile={"email": "alice@example.com"}) as alice, manager.as_user("bob") as bob:
        assert _text(alice.call_tool("mine", "env", {"name": "WHO"})) == "alice"
        assert _text(alice.call_tool("mine", "env", {"name": "MAIL"})) == "alice@example.com"
        assert _text(bob.call_tool("mine", "env", {"name": "WHO"})) == "bob"
        status = alice.server_status("mine")
        assert status["user"] == "alice" and status["status"] == "connected"
        # The host itself has no user to substitute.
        with pytest.raises(mcpclient.McpUnsupportedError) as info:
            manager.call_tool("mine", "env", {"name": "WHO"})
        assert info.value.details["scope"] == "user"
    # The host's own (refused) attempt is the shared connection's state, not a user's.
    shared = manager.server_status("mine")
    assert shared["status"] == "error" and "user" not in shared
    # Closing a view leaves the other users' connections alone.
    with manager.as_user("bob") as bob_again:
        assert bob_again.server_status("mine")["status"] == "connected"


def test_views_cannot_do_what_belongs_to_the_manager(manager):
    with manager.as_user("carol", role="user") as carol:
        with pytest.raises(mcpclient.McpPermissionError):
            carol.add_server("x", {"command": "true"})
        with pytest.raises(mcpclient.McpPermissionError):
            carol.as_user("dave")
        with pytest.raises(mcpclient.McpPermissionError):
            carol.oauth_status("x", user="someone-else")
    with pytest.raises(mcpclient.McpInvalidError):
        manager.as_user("")


def test_reinitialize_reports_missing_user_values_then_succeeds(manager):
    manager.add_server("vars", everything_config("modern", env={"TOKEN": "{{API_TOKEN}}"},
                                                  customUserVars={"API_TOKEN": {"title": "Token", "description": "Yours"}}))
    with manager.as_user("erin") as erin:
        report = erin.reinitialize("vars")
        assert report["success"] is False
        assert report["failureReason"] == "missing_custom_user_vars"
        assert report["missingUserVars"] == ["API_TOKEN"]
    with manager.as_user("erin", user_vars={"API_TOKEN": "t-123"}) as erin:
        report = erin.reinitialize("vars")
        assert report["success"] is True and report["oauthRequired"] is False and report["serverName"] == "vars"
        assert _text(erin.call_tool("vars", "env", {"name": "TOKEN"})) == "t-123"


def test_a_freed_manager_closes_its_views():
    manager = mcpclient.Manager()
    view = manager.as_user("zed")
    manager.close()
    with pytest.raises(mcpclient.McpClosedError):
        view.server_status("nothing")
    view.close()


def test_connect_all_reports_every_server(manager):
    manager.add_server("a", everything_config("modern"))
    manager.add_server("mine", everything_config("modern", env={"WHO": "{{LIBRECHAT_USER_ID}}"}))
    manager.add_server("broken", {"command": "python3", "args": ["-c", "import sys; sys.exit(3)"]})
    report = manager.connect_all(parallel=2)["servers"]
    assert report["a"]["status"] == "connected"
    assert report["mine"]["status"] == "skipped"
    assert report["broken"]["status"] == "error" and report["broken"]["error"]["name"] == "MCP_ERR_TRANSPORT"
    with pytest.raises(mcpclient.McpInvalidError):
        manager.connect_all(parallel=99)
