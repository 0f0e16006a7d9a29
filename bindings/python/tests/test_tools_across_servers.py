"""Tools across servers: aggregated listing, model-facing names, calls by name, approval, result formatting.

Real servers: the everything fixture (modern era), mcp-server-time, and servers that fail to start or hang.
"""

from __future__ import annotations

import json
import re
import sys
import time
from ctypes import byref, c_void_p

import pytest
from helpers import EVERYTHING_TOOLS, INSTRUCTIONS, MODERN_VENV, everything_config, time_server_config, wait_for_event

import mcpclient
from mcpclient import _bindings as B

OPENAI_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def by_model_name(listing):
    return {tool["modelName"]: tool for tool in listing["tools"]}


def test_two_servers_aggregated_with_server_metadata(manager):
    manager.add_server("every", everything_config("modern", serverInstructions=True, iconPath="/icons/every.svg"))
    time_config = time_server_config(MODERN_VENV)
    time_config.update({"serverInstructions": "Times are UTC.", "chatMenu": False})
    manager.add_server("time", time_config)

    listing = manager.list_all_tools()
    assert listing["version"] == 1
    assert listing["naming"] == {"style": "tool_mcp_server", "delimiter": "_mcp_", "charset": "openai", "maxLength": 64}
    assert listing["collisions"] == []
    tools = by_model_name(listing)
    every_tools = {t["name"] for t in listing["tools"] if t["serverName"] == "every"}
    assert EVERYTHING_TOOLS <= every_tools
    echo = tools["echo_mcp_every"]
    assert (echo["serverName"], echo["name"]) == ("every", "echo")
    assert echo["description"] == "Return the given text unchanged."
    assert echo["inputSchema"]["required"] == ["text"]
    assert echo["requireApproval"] is False
    assert "outputSchema" in tools["weather_mcp_every"]
    assert tools["get_current_time_mcp_time"]["serverName"] == "time"
    assert all(OPENAI_NAME.match(name) for name in tools)

    servers = listing["servers"]
    assert servers["every"]["status"] == "ok" and servers["time"]["status"] == "ok"
    assert servers["every"]["instructions"] == INSTRUCTIONS  # serverInstructions: true -> the server's own
    assert servers["time"]["instructions"] == "Times are UTC."  # a string overrides
    assert servers["every"]["chatMenu"] is True and servers["time"]["chatMenu"] is False
    assert servers["every"]["iconPath"] == "/icons/every.svg" and "iconPath" not in servers["time"]
    assert servers["every"]["toolCount"] == len(every_tools)
    assert servers["time"]["toolCount"] == len(listing["tools"]) - len(every_tools)

    # Calls go by model-facing name, through the map of the listing.
    result = manager.call_model_tool("echo_mcp_every", {"text": "hi"})
    assert result["content"] == [{"type": "text", "text": "hi"}]
    payload = manager.call_model_tool_payload("get_current_time_mcp_time", {"timezone": "UTC"})
    assert (payload["server"], payload["tool"], payload["modelName"]) == ("time", "get_current_time", "get_current_time_mcp_time")
    assert "UTC" in payload["result"]["content"][0]["text"]

    # The other style, and a subset of servers.
    pandora = manager.list_all_tools(servers=["time"], style="server_tool")
    assert set(pandora["servers"]) == {"time"}
    assert "time_get_current_time" in by_model_name(pandora)


def test_failing_and_hanging_servers_are_isolated(manager):
    manager.add_server("good", everything_config("modern"))
    manager.add_server("missing", {"command": "/nonexistent/mcp-server", "initTimeout": 5000})
    manager.add_server("crashes", {"command": sys.executable, "args": ["-c", "import sys; sys.exit(3)"], "initTimeout": 5000})
    manager.add_server("hangs", {"command": sys.executable, "args": ["-c", "import time; time.sleep(60)"], "initTimeout": 60000})
    manager.add_server("off", dict(everything_config("modern"), enabled=False))
    # Connected first: the 3 s budget below is for the failing servers, not a Python server's start on a busy machine.
    manager.connect("good")

    started = time.monotonic()
    listing = manager.list_all_tools(timeout_ms=3000)
    elapsed = time.monotonic() - started
    assert elapsed < 20, elapsed

    servers = listing["servers"]
    assert servers["good"]["status"] == "ok" and servers["good"]["toolCount"] > 0
    for name, code in (("missing", "MCP_ERR_CONFIG"), ("crashes", "MCP_ERR_TRANSPORT")):
        assert servers[name]["status"] == "error", servers[name]
        assert servers[name]["error"]["name"] == code, servers[name]
        assert servers[name]["toolCount"] == 0
    assert servers["hangs"]["status"] == "error"
    assert servers["hangs"]["error"]["name"] == "MCP_ERR_TIMEOUT"
    assert servers["off"] == {"status": "disabled", "chatMenu": True, "requireApproval": False, "toolCount": 0}
    assert {t["serverName"] for t in listing["tools"]} == {"good"}

    # An unknown server asked for by name is reported, not raised.
    only = manager.list_all_tools(servers=["good", "nobody"])
    assert only["servers"]["nobody"]["error"]["name"] == "MCP_ERR_NOT_FOUND"


def test_long_names_are_shortened_and_reversible(manager):
    long_server = "a-very-long-server-name-for-an-mcp-server-that-goes-on-and-on"
    assert len(long_server) <= 64
    manager.add_server(long_server, everything_config("modern"))
    listing = manager.list_all_tools()
    tools = listing["tools"]
    assert tools and all(OPENAI_NAME.match(t["modelName"]) for t in tools)
    echo = next(t for t in tools if t["name"] == "echo")
    assert echo["shortened"] is True and len(echo["modelName"]) == 64
    assert echo["modelName"].startswith("echo_mcp_a-very-long")
    # The same name the pure naming function gives.
    assert mcpclient.tool_model_name(long_server, "echo")["modelName"] == echo["modelName"]
    # Reversible: the map, not the string, leads back to the server and tool.
    payload = manager.call_model_tool_payload(echo["modelName"], {"text": "long"})
    assert (payload["server"], payload["tool"]) == (long_server, "echo")
    assert payload["result"]["content"][0]["text"] == "long"
    # maxLength 0: no limit, nothing shortened.
    unlimited = manager.list_all_tools(max_length=0)
    assert f"echo_mcp_{long_server}" in by_model_name(unlimited)


def test_collisions_are_reported_and_both_tools_stay_callable(manager):
    manager.add_server("dup.a", everything_config("modern"))
    manager.add_server("dup_a", everything_config("modern"))
    listing = manager.list_all_tools()
    collisions = {c["modelName"]: c for c in listing["collisions"]}
    echo = collisions["echo_mcp_dup_a"]
    assert echo["winner"] == {"server": "dup.a", "tool": "echo"}  # first server in name order keeps the name
    [renamed] = echo["renamed"]
    assert renamed["server"] == "dup_a" and renamed["tool"] == "echo"
    assert renamed["modelName"].startswith("echo_mcp_dup_a_") and renamed["modelName"] != "echo_mcp_dup_a"
    assert len(collisions) == listing["servers"]["dup_a"]["toolCount"]  # every tool of the second server collided
    tools = by_model_name(listing)
    assert tools[renamed["modelName"]]["renamed"] is True
    assert manager.call_model_tool_payload("echo_mcp_dup_a", {"text": "x"})["server"] == "dup.a"
    assert manager.call_model_tool_payload(renamed["modelName"], {"text": "x"})["server"] == "dup_a"
    # With the MCP charset the dot is kept and nothing collides.
    assert manager.list_all_tools(charset="mcp")["collisions"] == []


def test_approval_refused_then_allowed(manager):
    manager.add_server("guarded", everything_config("modern", requireApproval=True))
    listing = manager.list_all_tools()
    assert listing["servers"]["guarded"]["requireApproval"] is True
    assert by_model_name(listing)["echo_mcp_guarded"]["requireApproval"] is True

    with pytest.raises(mcpclient.McpPermissionError) as refused:
        manager.call_model_tool("echo_mcp_guarded", {"text": "please"})
    err = refused.value
    assert mcpclient.approval_required(err)
    assert err.details["server"] == "guarded" and err.details["tool"] == "echo" and err.details["because"] == "config"
    event, _ = wait_for_event(manager, lambda ev: ev.get("kind") == "approval_required")
    assert event["request_id"] == err.details["request_id"]
    assert (event["server"], event["tool"], event["modelName"]) == ("guarded", "echo", "echo_mcp_guarded")
    assert event["arguments"] == {"text": "please"}

    result = manager.call_model_tool("echo_mcp_guarded", {"text": "please"}, approved=True)
    assert result["content"][0]["text"] == "please"


def test_pandorakit_servers_need_approval_by_default(manager):
    config = everything_config("modern")
    text = json.dumps({"mcpServers": {"pk": {"command": config["command"], "args": config["args"], "env": ["HOME"], "name": "PK"}}})
    assert manager.load_config(text)["format"] == "pandorakit"
    listing = manager.list_all_tools()
    assert listing["servers"]["pk"]["requireApproval"] is True
    assert listing["servers"]["pk"]["title"] == "PK"
    with pytest.raises(mcpclient.McpPermissionError) as refused:
        manager.call_model_tool("echo_mcp_pk", {"text": "x"})
    assert mcpclient.approval_required(refused.value)
    assert manager.call_model_tool("echo_mcp_pk", {"text": "x"}, approved=True)["content"][0]["text"] == "x"


def test_result_formatting_of_image_text_and_resource_link(manager):
    manager.add_server("every", everything_config("modern"))
    manager.list_all_tools()
    image = manager.call_model_tool_payload("image_mcp_every", {}, format=True)["formatted"]
    assert image["isError"] is False and image["text"] == ""
    [artifact] = image["artifacts"]["images"]
    assert artifact["url"].startswith("data:image/png;base64,") and artifact["bytes"] > 0
    assert image["content"] == manager.call_tool("every", "image")["content"]  # verbatim

    capped = manager.call_model_tool_payload("image_mcp_every", {}, format=True, max_artifact_bytes=10)["formatted"]
    assert capped["artifacts"]["images"] == [] and capped["text"].startswith("[image omitted:")

    text = manager.call_model_tool_payload("echo_mcp_every", {"text": "hello"}, format=True)["formatted"]
    assert text["text"] == "hello" and text["structuredContent"] == {"result": "hello"}

    failed = manager.call_model_tool_payload("fail_mcp_every", {"message": "nope"}, format=True)["formatted"]
    assert failed["isError"] is True and "nope" in failed["text"]

    weather = manager.call_model_tool_payload("weather_mcp_every", {"city": "Oslo"}, format=True)["formatted"]
    assert weather["structuredValid"] is True  # checked against the listed outputSchema

    link = mcpclient.format_tool_result({"content": [
        {"type": "text", "text": "see"},
        {"type": "resource_link", "uri": "file:///report.pdf", "name": "report.pdf", "mimeType": "application/pdf"},
    ]})
    assert link["text"] == "see\n\nResource Link: file:///report.pdf"
    assert link["artifacts"]["links"] == [{"index": 1, "uri": "file:///report.pdf", "name": "report.pdf", "mimeType": "application/pdf"}]
    assert mcpclient.format_tool_result({"content": []})["text"] == "(No response)"
    schema = {"type": "object", "properties": {"t": {"type": "number"}}}
    assert mcpclient.format_tool_result({"structuredContent": {"t": "x"}}, output_schema=schema)["structuredValid"] is False


def test_unknown_model_name_and_bad_options(manager):
    manager.add_server("every", everything_config("modern"))
    with pytest.raises(mcpclient.McpNotFoundError):
        manager.call_model_tool("nothing_mcp_every", {})
    # An unknown name triggers a fresh listing, so a first call needs no explicit listing.
    fresh = mcpclient.Manager()
    try:
        fresh.add_server("every", everything_config("modern"))
        assert fresh.call_model_tool("echo_mcp_every", {"text": "a"})["content"][0]["text"] == "a"
    finally:
        fresh.close()
    with pytest.raises(mcpclient.McpInvalidError):
        manager.list_all_tools(style="tool-server")
    with pytest.raises(mcpclient.McpInvalidError):
        manager.list_all_tools(max_length=5)
    with pytest.raises(mcpclient.McpInvalidError):
        mcpclient.tool_model_name("s", "t", delimiter=".")


def test_a_server_that_became_usable_is_called_by_name_without_listing_again(manager):
    # The user's listing fails for "vars" (no API_TOKEN yet); once the value is saved its connection opens, and a
    # call by name must find the tool even though the listing is only seconds old.
    manager.add_server("vars", everything_config("modern", env={"TOKEN": "{{API_TOKEN}}"},
                                                  customUserVars={"API_TOKEN": {"title": "Token", "description": "Yours"}}))
    with manager.as_user("fay") as fay:
        listing = fay.list_all_tools()
        assert listing["servers"]["vars"]["status"] != "ok"
        assert not any(t["serverName"] == "vars" for t in listing["tools"])
        with pytest.raises(mcpclient.McpNotFoundError):
            fay.call_model_tool("made_up_mcp_vars", {})  # within the re-list interval: no second listing
        fay.set_user_vars("vars", {"API_TOKEN": "fay-secret"})
        result = fay.call_model_tool("env_mcp_vars", {"name": "TOKEN"})
        assert result["content"][0]["text"] == "fay-secret"


def _raw(fn, *args):
    out = c_void_p()
    err = c_void_p()
    status = fn(*args, byref(out), byref(err))
    B.take_string(out)
    error = B.take_string(err)
    return status, (json.loads(error) if error else None)


def test_raw_boundary(manager):
    invalid = int(mcpclient.Status.MCP_ERR_INVALID)
    handle = manager.ptr()
    assert _raw(B.mcp_manager_list_all_tools, None, None)[0] == invalid
    assert _raw(B.mcp_manager_list_all_tools, handle, b'{"unknown": 1}')[1]["details"]["path"] == "unknown"
    assert _raw(B.mcp_manager_call_model_tool, handle, None, None, None)[0] == invalid
    assert _raw(B.mcp_manager_call_model_tool, handle, b"x", b"[1]", None)[0] == invalid
    assert _raw(B.mcp_manager_call_model_tool, handle, b"x", None, b'{"approved": "yes"}')[1]["details"]["path"] == "approved"
    assert _raw(B.mcp_tool_result_format, None, None)[0] == invalid
    assert _raw(B.mcp_tool_result_format, b"{not json", None)[0] == invalid
    assert _raw(B.mcp_tool_model_name, b"s", None, None)[0] == invalid
    assert _raw(B.mcp_tool_model_name, b"\xff", b"t", None)[0] == invalid
    assert B.mcp_tool_result_format(b"{}", None, None, None) == invalid  # out_json is required


ANNOTATED_SERVER = '''
from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

server = MCPServer("annotated")


@server.tool(annotations=ToolAnnotations(destructive_hint=True))
def wipe(target: str) -> str:
    return "wiped " + target


@server.tool(annotations=ToolAnnotations(read_only_hint=True, destructive_hint=True))
def peek(target: str) -> str:
    return "peeked " + target


if __name__ == "__main__":
    server.run("stdio")
'''


def test_destructive_hint_adds_approval_but_never_lifts_config(manager, tmp_path):
    from helpers import MODERN_PYTHON, require_venv

    require_venv(MODERN_VENV)
    script = tmp_path / "annotated.py"
    script.write_text(ANNOTATED_SERVER)
    manager.add_server("open", {"command": str(MODERN_PYTHON), "args": [str(script)], "requireApproval": False})
    manager.add_server("strict", {"command": str(MODERN_PYTHON), "args": [str(script)], "requireApproval": True})
    tools = by_model_name(manager.list_all_tools())
    assert tools["wipe_mcp_open"]["annotations"]["destructiveHint"] is True
    assert tools["wipe_mcp_open"]["requireApproval"] is True  # the hint tightens an open config
    assert tools["peek_mcp_open"]["requireApproval"] is False  # read-only wins over destructive
    assert tools["peek_mcp_strict"]["requireApproval"] is True  # hints never relax the config

    with pytest.raises(mcpclient.McpPermissionError) as refused:
        manager.call_model_tool("wipe_mcp_open", {"target": "disk"})
    assert refused.value.details["because"] == "destructive_hint"
    assert manager.call_model_tool("peek_mcp_open", {"target": "disk"})["content"][0]["text"] == "peeked disk"
    with pytest.raises(mcpclient.McpPermissionError):
        manager.call_model_tool("peek_mcp_strict", {"target": "disk"})
    approved = manager.call_model_tool("wipe_mcp_open", {"target": "disk"}, approved=True)
    assert approved["content"][0]["text"] == "wiped disk"
