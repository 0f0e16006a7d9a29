"""PandoraKit's GET /api/mcp-servers and PATCH /api/config, Aeontel's /api/mcp-servers CRUD, through the gateway."""

from __future__ import annotations


def test_pandorakit_lists_servers_with_state_and_tools(carol):
    servers = {server["id"]: server for server in carol.get("/api/mcp-servers").json["servers"]}
    time_server = servers["time"]
    assert time_server["name"] == "Time" and time_server["type"] == "stdio" and time_server["enabled"] is True
    assert time_server["error"] is None and time_server["requireApproval"] is False
    assert {tool["id"]: tool["name"] for tool in time_server["tools"]}["time_get_current_time"] == "get_current_time"
    assert all(set(tool) == {"id", "name", "description"} for tool in time_server["tools"])
    # The OAuth server is pending a sign-in: an error and the URL to send the user to.
    guarded = servers["guarded"]
    assert guarded["type"] == "http" and guarded["tools"] == [] and guarded["error"]
    assert guarded["authUrl"].startswith("http://127.0.0.1:")


def test_pandorakit_config_patch_adds_disables_and_removes(stack, root, bob):
    added = root.patch("/api/config", {"mcpServers": {"remote-tools": {
        "url": stack["http"], "name": "Remote Tools", "enabled": True, "requireApproval": True}}})
    assert added.status == 200 and added.json["changes"] == [{"name": "remote-tools", "action": "created"}]
    try:
        listed = {s["id"]: s for s in root.get("/api/mcp-servers").json["servers"]}["remote-tools"]
        assert listed["name"] == "Remote Tools" and listed["type"] == "http" and listed["requireApproval"] is True
        assert "remote-tools_echo" in {tool["id"] for tool in listed["tools"]}
        # requireApproval holds: a call without approval is refused, with approval it runs.
        refused = root.post("/api/mcp/tools/call", {"name": "echo_mcp_remote-tools", "arguments": {"text": "x"}})
        assert refused.status == 403 and refused.json["error"] == "Approval required"
        approved = root.post("/api/mcp/tools/call", {"name": "echo_mcp_remote-tools", "arguments": {"text": "ok"},
                                                     "approved": True})
        assert approved.status == 200 and approved.json["result"]["content"][0]["text"] == "ok"

        disabled = root.patch("/api/config", {"mcpServers": {"remote-tools": {"enabled": False}}})
        assert disabled.json["changes"][0]["action"] == "updated"
        listed = {s["id"]: s for s in root.get("/api/mcp-servers").json["servers"]}["remote-tools"]
        assert listed["enabled"] is False and listed["tools"] == []
        # All or nothing: one bad entry changes nothing.
        bad = root.patch("/api/config", {"mcpServers": {"other": {"url": stack["http"]}, "broken": {"url": 42}}})
        assert bad.status == 400
        assert "other" not in {s["id"] for s in root.get("/api/mcp-servers").json["servers"]}
        assert root.patch("/api/config", {"theme": "dark"}).status == 400
        # Another user may not remove it.
        assert bob.patch("/api/config", {"mcpServers": {"remote-tools": None}}).status == 403
    finally:
        removed = root.patch("/api/config", {"mcpServers": {"remote-tools": None}})
    assert removed.json["changes"] == [{"name": "remote-tools", "action": "deleted"}]
    assert "remote-tools" not in {s["id"] for s in root.get("/api/mcp-servers").json["servers"]}


def test_aeontel_crud_with_auth_types_and_permissions(stack, alice, bob, root):
    body = {"workspaceId": "w1", "name": "Docs Search", "url": stack["http"], "authType": "api_key",
            "apiKey": "sk-live-1", "connectorId": "c-7", "connectorConfig": {"index": "docs"}}
    created = alice.post("/api/mcp-servers", body)
    assert created.status == 201, created
    server = created.json
    assert server["id"] == "docs-search" and server["name"] == "Docs Search" and server["workspaceId"] == "w1"
    assert server["authType"] == "api_key" and server["url"] == stack["http"] and server["createdBy"] == "alice"
    assert server["connectorId"] == "c-7" and server["connectorConfig"] == {"index": "docs"}
    assert server["connectorStatus"] in ("disconnected", "") and server["createdAt"].endswith("Z")
    assert "sk-live-1" not in created.raw.decode()
    assert alice.post("/api/mcp-servers", body).status == 409
    assert alice.post("/api/mcp-servers", {"workspaceId": "w1", "name": "No URL"}).status == 400
    try:
        assert alice.get("/api/mcp-servers/docs-search").json["authType"] == "api_key"
        assert [s["id"] for s in alice.get("/api/mcp-servers?workspaceId=w1").json] == ["docs-search"]
        assert alice.get("/api/mcp-servers?workspaceId=w2").json == []
        # Not the owner: 403 for read, update and delete; not listed.
        assert bob.get("/api/mcp-servers/docs-search").status == 403
        assert bob.patch("/api/mcp-servers/docs-search", {"name": "Bob's"}).status == 403
        assert bob.delete("/api/mcp-servers/docs-search").status == 403
        assert bob.get("/api/mcp-servers?workspaceId=w1").json == []

        renamed = alice.patch("/api/mcp-servers/docs-search", {"name": "Docs"})
        assert renamed.status == 200 and renamed.json["name"] == "Docs" and renamed.json["authType"] == "api_key"
        # Switching authType to none drops the key; the server stays usable.
        plain = alice.patch("/api/mcp-servers/docs-search", {"authType": "none"})
        assert plain.status == 200 and plain.json["authType"] == "none"
        tools = {t["pluginKey"] for t in alice.get("/api/mcp/tools").json}
        assert "echo_mcp_docs-search" in tools
        assert alice.get("/api/mcp-servers/docs-search").json["connectorStatus"] == "connected"
        oauth = alice.patch("/api/mcp-servers/docs-search", {"authType": "oauth", "oauthClientId": "cid",
                                                             "oauthScopes": "read write"})
        assert oauth.json["authType"] == "oauth" and oauth.json["oauthClientId"] == "cid"
        assert oauth.json["oauthScopes"] == "read write"
        assert alice.patch("/api/mcp-servers/nope", {"name": "x"}).status == 404
        # An admin reads anyone's.
        assert root.get("/api/mcp-servers/docs-search").json["createdBy"] == "alice"
    finally:
        deleted = alice.delete("/api/mcp-servers/docs-search")
    assert deleted.status == 204 and deleted.raw == b""
    assert alice.get("/api/mcp-servers/docs-search").status == 404
