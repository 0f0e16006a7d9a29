"""The server registry through the C ABI: CRUD, paging, permissions, sharing, per-user variables, persistence."""

from __future__ import annotations

import os

import pytest

import mcpclient
from helpers import everything_config


def _text(result):
    return result["content"][0]["text"]


def test_a_user_creates_lists_calls_updates_and_deletes_a_server(tmp_path):
    store = {"type": "file", "directory": str(tmp_path / "store"), "key": "k" * 43 + "="}
    with mcpclient.Manager({"oauth": {"store": store}}) as manager:
        manager.add_server("operator-fx", everything_config("modern"))
        with manager.as_user("alice") as alice, manager.as_user("bob") as bob:
            created = alice.create_server({"url": "http://127.0.0.1:9/mcp", "title": "Alice Tools", "description": "mine"})
            assert created["action"] == "created" and created["name"] == "alice-tools"
            assert created["server"]["author"] == "alice" and created["server"]["canEdit"] is True
            names = [entry["name"] for entry in alice.list_servers()["data"]]
            assert set(names) == {"alice-tools", "operator-fx"}
            # Bob sees the operator's server only, and may not touch Alice's: not even its name in his tool listing.
            assert [entry["name"] for entry in bob.list_servers()["data"]] == ["operator-fx"]
            assert set(bob.list_all_tools(timeout_ms=20000)["servers"]) == {"operator-fx"}
            with pytest.raises(mcpclient.McpPermissionError):
                bob.get_server("alice-tools")
            with pytest.raises(mcpclient.McpPermissionError):
                bob.call_tool("alice-tools", "echo", {"text": "x"})
            alice.share_server("alice-tools", ["view", "use"], user="bob")
            assert bob.get_server("alice-tools")["canEdit"] is False
            with pytest.raises(mcpclient.McpPermissionError):
                bob.update_server("alice-tools", {"description": "bob's now"})
            updated = alice.update_server("alice-tools", {"description": None, "title": "Alice's Tools"})
            assert updated["action"] == "updated" and "description" not in updated["server"]
            assert alice.list_servers(search="alice's")["data"][0]["name"] == "alice-tools"
            # Everyone may use the operator's server through their own view.
            assert _text(bob.call_tool("operator-fx", "echo", {"text": "hi"})) == "hi"
    # A restart over the same store keeps the created server.
    with mcpclient.Manager({"oauth": {"store": store}}) as again:
        with again.as_user("alice") as alice:
            assert alice.get_server("alice-tools")["title"] == "Alice's Tools"
            assert alice.delete_server("alice-tools")["action"] == "deleted"
            assert alice.list_servers()["data"] == []


def test_paging_is_stable_and_bad_cursors_are_errors(manager):
    with manager.as_user("carol") as carol:
        for index in range(30):
            carol.create_server({"url": f"http://127.0.0.1:9/m{index}", "title": f"Server {index:02d}"})
        first = carol.list_servers(limit=25)
        assert len(first["data"]) == 25 and first["has_more"] is True
        rest = carol.list_servers(limit=25, after=first["after"])
        assert len(rest["data"]) == 5 and rest["has_more"] is False
        assert {e["name"] for e in first["data"]}.isdisjoint({e["name"] for e in rest["data"]})
        with pytest.raises(mcpclient.McpInvalidError):
            carol.list_servers(after="not-a-cursor")
        # A required JSON argument given as NULL is an error, not an empty object.
        with pytest.raises(mcpclient.McpInvalidError):
            carol.update_server("server-00", None)


def test_user_variables_feed_the_users_connection_and_only_flags_come_back(manager):
    manager.add_server("vars", everything_config("modern", env={"TOKEN": "{{API_TOKEN}}"},
                                                  customUserVars={"API_TOKEN": {"title": "Token", "description": "Yours"}}))
    with manager.as_user("dave") as dave:
        assert dave.auth_values("vars") == {"API_TOKEN": False}
        assert dave.set_user_vars("vars", {"API_TOKEN": "dave-secret"}) == {"API_TOKEN": True}
        assert _text(dave.call_tool("vars", "env", {"name": "TOKEN"})) == "dave-secret"
        assert dave.revoke_user_vars("vars") == {"API_TOKEN": False}
        report = dave.reinitialize("vars")
        assert report["failureReason"] == "missing_custom_user_vars"
    with pytest.raises(mcpclient.McpInvalidError):
        manager.auth_values("vars")


def test_pandorakit_config_patch_is_all_or_nothing(manager):
    body = {"mcpServers": {"github": {"url": "http://127.0.0.1:9/mcp", "name": "GitHub", "requireApproval": True},
                           "broken": {"url": 42}}}
    with pytest.raises(mcpclient.McpError):
        manager.patch_config(body, format="pandorakit")
    assert manager.list_servers()["data"] == []
    del body["mcpServers"]["broken"]
    result = manager.patch_config(body, format="pandorakit")
    assert result["action"] == "created" and result["server"]["title"] == "GitHub"
    assert manager.patch_config({"mcpServers": {"github": None}}, format="pandorakit")["action"] == "deleted"


def test_an_aeontel_body_becomes_a_created_server(manager):
    import json
    from mcpclient.config import load_config
    body = {"workspaceId": "w1", "name": "Docs", "url": "https://example.com/mcp", "authType": "api_key", "apiKey": "sk-live-1"}
    servers = load_config(json.dumps([body]), format="aeontel").registry()["servers"]
    (name, server), = servers.items()
    with manager.as_user("erin") as erin:
        created = erin.create_server(server, name=name)["server"]
        assert created["title"] == "Docs" and created["tier"] == "user"
        assert "sk-live-1" not in json.dumps(erin.get_server(name))


def test_disabling_a_created_server_stops_its_use(manager):
    with manager.as_user("fay") as fay:
        fay.create_server({"url": "http://127.0.0.1:9/mcp", "title": "Fay"})
        updated = fay.update_server("fay", {"enabled": False})
        assert updated["action"] == "updated" and updated["server"]["enabled"] is False
        with pytest.raises(mcpclient.McpUnsupportedError) as info:
            fay.call_tool("fay", "echo", {"text": "x"})
        assert info.value.details["reason"] == "disabled"
        assert fay.update_server("fay", {"enabled": None})["server"]["enabled"] is True
