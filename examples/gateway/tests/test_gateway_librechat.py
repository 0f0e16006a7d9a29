"""LibreChat's /api/mcp through the gateway, over HTTP, against real MCP servers."""

from __future__ import annotations

import json

import pytest

PROTECTED = [
    ("GET", "/api/mcp/servers"), ("POST", "/api/mcp/servers"), ("GET", "/api/mcp/servers/time"),
    ("PATCH", "/api/mcp/servers/time"), ("DELETE", "/api/mcp/servers/time"), ("GET", "/api/mcp/tools"),
    ("POST", "/api/mcp/tools/call"), ("POST", "/api/mcp/time/reinitialize"), ("GET", "/api/mcp/connection/status"),
    ("GET", "/api/mcp/connection/status/time"), ("GET", "/api/mcp/time/auth-values"),
    ("POST", "/api/mcp/guarded/oauth/bind"), ("GET", "/api/mcp/guarded/oauth/initiate"),
    ("POST", "/api/mcp/oauth/cancel/guarded"), ("GET", "/api/mcp/oauth/status/alice:guarded"),
    ("POST", "/api/user/plugins"), ("GET", "/api/mcp-servers"), ("PATCH", "/api/config"),
    ("POST", "/api/mcp-servers"), ("GET", "/api/mcp-servers/x"), ("PATCH", "/api/mcp-servers/x"),
    ("DELETE", "/api/mcp-servers/x"),
]


def text(payload):
    return "".join(block.get("text", "") for block in payload["result"]["content"])


@pytest.mark.parametrize("method,path", PROTECTED)
def test_every_endpoint_needs_a_known_bearer_token(stack, anonymous, method, path):
    reply = anonymous.request(method, path, {} if method in ("POST", "PATCH") else None)
    assert reply.status == 401 and reply.json == {"error": "Unauthorized"}
    assert reply.header("WWW-Authenticate") == "Bearer"
    anonymous.token = "not-a-user"
    assert anonymous.request(method, path).status == 401


def test_unknown_paths_and_methods(alice):
    assert alice.get("/api/nothing").status == 404
    reply = alice.request("PUT", "/api/mcp/servers")
    assert reply.status == 405 and set(reply.header("Allow").split(", ")) == {"GET", "POST"}
    assert alice.request("POST", "/api/mcp/servers", raw=b"{not json").status == 400


def test_operator_servers_are_listed_read_only(alice):
    reply = alice.get("/api/mcp/servers")
    assert reply.status == 200 and reply.json["has_more"] is False
    names = {entry["name"] for entry in reply.json["data"]}
    assert {"time", "everything", "vars", "guarded"} <= names
    time_server = alice.get("/api/mcp/servers/time").json
    assert time_server["title"] == "Time" and time_server["command"].endswith("mcp-server-time")
    assert time_server["args"] == ["--local-timezone", "UTC"] and time_server["canEdit"] is False
    assert time_server["createdAt"].endswith("Z")
    assert alice.get("/api/mcp/servers/vars").json["customUserVars"]["API_TOKEN"]["title"] == "API token"
    # Users may not edit or delete the operator's servers.
    assert alice.patch("/api/mcp/servers/time", {"title": "mine"}).status == 403
    assert alice.delete("/api/mcp/servers/time").status == 403
    missing = alice.get("/api/mcp/servers/nope")
    assert missing.status == 404 and missing.json == {"error": "MCP server 'nope' not found in configuration"}


def test_create_read_update_delete_with_permissions(stack, alice, bob, root):
    body = {"name": "alice-tools", "title": "Alice Tools", "description": "Alice's own", "url": stack["http"]}
    created = alice.post("/api/mcp/servers", body)
    assert created.status == 201, created
    assert created.json["serverName"] == "alice-tools" and created.json["author"] == "alice"
    assert created.json["url"] == stack["http"] and created.json["canEdit"] is True
    # LibreChat's client form {"config": {...}}: the name comes from the title.
    derived = alice.post("/api/mcp/servers", {"config": {"title": "Alice Second", "url": stack["http"]}})
    assert derived.status == 201 and derived.json["serverName"] == "alice-second"
    assert alice.post("/api/mcp/servers", body).status == 409
    # A user may not run commands on the host: stdio is refused with the library's diagnostics.
    refused = alice.post("/api/mcp/servers", {"name": "shell", "command": "sh", "args": ["-c", "id"]})
    assert refused.status == 400 and "stdio" in refused.json["error"]
    assert alice.post("/api/mcp/servers", {"name": "bad", "url": 42}).status == 400

    # Bob neither sees nor touches it.
    assert "alice-tools" not in {e["name"] for e in bob.get("/api/mcp/servers").json["data"]}
    for reply in (bob.get("/api/mcp/servers/alice-tools"), bob.patch("/api/mcp/servers/alice-tools", {"title": "x"}),
                  bob.delete("/api/mcp/servers/alice-tools"), bob.get("/api/mcp/connection/status/alice-tools"),
                  bob.post("/api/mcp/alice-tools/reinitialize")):
        assert reply.status == 403 and reply.json["error"] == "Forbidden", reply
    # The author uses it: its tools are listed and callable through her connection.
    tools = alice.get("/api/mcp/tools").json
    assert {"name": "echo", "serverName": "alice-tools"}.items() <= next(
        t for t in tools if t["serverName"] == "alice-tools" and t["name"] == "echo").items()
    call = alice.post("/api/mcp/tools/call", {"name": "echo_mcp_alice-tools", "arguments": {"text": "via gateway"}})
    assert call.status == 200 and text(call.json) == "via gateway" and call.json["formatted"]["text"] == "via gateway"
    assert bob.post("/api/mcp/tools/call", {"name": "echo_mcp_alice-tools", "arguments": {"text": "x"}}).status == 404

    updated = alice.patch("/api/mcp/servers/alice-tools", {"description": None, "title": "Alice's Tools"})
    assert updated.status == 200 and updated.json["title"] == "Alice's Tools" and "description" not in updated.json
    assert alice.get("/api/mcp/servers/alice-tools").json["title"] == "Alice's Tools"
    # An admin sees and deletes anyone's server.
    assert root.get("/api/mcp/servers/alice-second").json["author"] == "alice"
    deleted = root.delete("/api/mcp/servers/alice-second")
    assert deleted.status == 200 and deleted.json == {"success": True, "message": "MCP server deleted successfully"}
    deleted = alice.delete("/api/mcp/servers/alice-tools")
    assert deleted.json == {"success": True, "message": "MCP server deleted successfully"}
    assert alice.get("/api/mcp/servers/alice-tools").status == 404


def test_pagination_and_search(stack, bob):
    for index in range(5):
        reply = bob.post("/api/mcp/servers", {"name": f"page-{index}", "title": f"Paged {index}",
                                              "description": "zebra" if index % 2 else "yak", "url": stack["http"]})
        assert reply.status == 201
    try:
        seen, after = [], None
        for _ in range(10):
            page = bob.get("/api/mcp/servers?limit=3" + (f"&after={after}" if after else "")).json
            assert len(page["data"]) <= 3
            seen += [entry["name"] for entry in page["data"]]
            if not page["has_more"]:
                assert page["after"] is None
                break
            after = page["after"]
        assert len(seen) == len(set(seen)) and {f"page-{i}" for i in range(5)} <= set(seen)
        assert set(seen) == {e["name"] for e in bob.get("/api/mcp/servers?limit=100").json["data"]}
        found = bob.get("/api/mcp/servers?search=ZEBRA").json["data"]
        assert sorted(e["name"] for e in found) == ["page-1", "page-3"]
        bad = bob.get("/api/mcp/servers?after=not-a-cursor")
        assert bad.status == 400 and "error" in bad.json
        assert bob.get("/api/mcp/servers?limit=many").status == 400
    finally:
        for index in range(5):
            bob.delete(f"/api/mcp/servers/page-{index}")


def test_tools_and_connection_status(alice):
    tools = alice.get("/api/mcp/tools").json
    by_key = {tool["pluginKey"]: tool for tool in tools}
    assert "get_current_time_mcp_time" in by_key, alice.get("/api/mcp-servers").json  # PandoraKit's shows errors
    assert by_key["get_current_time_mcp_time"]["serverName"] == "time"
    assert by_key["get_current_time_mcp_time"]["inputSchema"]["type"] == "object"
    assert by_key["echo_mcp_everything"]["name"] == "echo"
    call = alice.post("/api/mcp/tools/call", {"name": "get_current_time_mcp_time", "arguments": {"timezone": "UTC"}})
    assert call.status == 200 and json.loads(text(call.json))["timezone"] == "UTC"

    status = alice.get("/api/mcp/connection/status").json
    assert status["success"] is True
    assert status["connectionStatus"]["time"] == {"connectionState": "connected", "requiresOAuth": False,
                                                  "authorizationState": "not_required", "error": None}
    assert status["connectionStatus"]["guarded"]["requiresOAuth"] is True
    one = alice.get("/api/mcp/connection/status/time").json
    assert one == {"success": True, "serverName": "time", "connectionStatus": "connected", "requiresOAuth": False,
                   "authorizationState": "not_required", "error": None}
    assert alice.get("/api/mcp/connection/status/nope").status == 404
    assert alice.post("/api/mcp/tools/call", {"name": "nope_mcp_nothing"}).status == 404


def test_user_variables_auth_values_and_reinitialize(alice, bob):
    assert alice.get("/api/mcp/vars/auth-values").json == {"success": True, "serverName": "vars",
                                                           "authValueFlags": {"API_TOKEN": False}}
    missing = alice.post("/api/mcp/vars/reinitialize")
    assert missing.status == 400 and missing.json["failureReason"] == "missing_custom_user_vars"
    assert missing.json["missingUserVars"] == ["API_TOKEN"] and "API_TOKEN" in missing.json["error"]
    saved = alice.post("/api/user/plugins", {"pluginKey": "mcp_vars", "action": "install", "auth": {"API_TOKEN": "a-1"}})
    assert saved.json["authValueFlags"] == {"API_TOKEN": True}
    assert alice.get("/api/mcp/vars/auth-values").json["authValueFlags"] == {"API_TOKEN": True}
    assert bob.get("/api/mcp/vars/auth-values").json["authValueFlags"] == {"API_TOKEN": False}
    done = alice.post("/api/mcp/vars/reinitialize")
    assert done.status == 200 and done.json["success"] is True and done.json["oauthRequired"] is False
    assert done.json["serverName"] == "vars"
    # The value reached the server process of Alice's own connection, and nobody else's.
    call = alice.post("/api/mcp/tools/call", {"name": "env_mcp_vars", "arguments": {"name": "TOKEN"}})
    assert text(call.json) == "a-1"
    assert alice.get("/api/mcp/connection/status/vars").json["connectionStatus"] == "connected"
    revoked = alice.post("/api/user/plugins", {"pluginKey": "mcp_vars", "action": "uninstall"})
    assert revoked.json["authValueFlags"] == {"API_TOKEN": False}
    assert alice.post("/api/user/plugins", {"pluginKey": "vars", "action": "install"}).status == 400
    assert alice.post("/api/mcp/time/reinitialize").json["success"] is True
    broken = alice.post("/api/mcp/broken/reinitialize")
    assert broken.status == 500 and broken.json["error"] == "Failed to connect to MCP server"
    assert broken.json["serverName"] == "broken" and broken.json["details"] and broken.json["success"] is False
    assert alice.get("/api/mcp/connection/status/broken").json["connectionStatus"] == "error"
    gone = alice.post("/api/mcp/nope/reinitialize")
    assert gone.status == 404 and gone.json == {"error": "MCP server 'nope' not found in configuration"}
    assert alice.get("/api/mcp/nope/auth-values").status == 404
