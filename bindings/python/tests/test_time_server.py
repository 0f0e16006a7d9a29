"""The real reference server mcp-server-time (a published package, not our fixture)."""

from __future__ import annotations

import json

import pytest
from helpers import LEGACY_VENV, MODERN_VENV, text_of, time_server_config

import mcpclient


@pytest.mark.parametrize(
    "venv, era",
    [(MODERN_VENV, "modern"), (LEGACY_VENV, "legacy")],
    ids=["time-2x-modern", "time-1x-legacy"],
)
def test_get_current_time_utc(manager, venv, era):
    manager.add_server("time", time_server_config(venv))
    info = manager.connect("time")
    assert info["era"] == era
    assert info["serverInfo"]["name"] == "mcp-time"
    tools = {tool["name"] for tool in manager.list_tools("time")}
    assert {"get_current_time", "convert_time"} <= tools
    result = manager.call_tool("time", "get_current_time", {"timezone": "UTC"})
    assert result["isError"] is False
    body = json.loads(text_of(result))
    assert body["timezone"] == "UTC"
    assert body["datetime"].endswith("+00:00")
    if "structuredContent" in result:
        assert result["structuredContent"]["timezone"] == "UTC"


def test_time_server_tool_error_and_protocol_error(manager):
    manager.add_server("time", time_server_config(MODERN_VENV))
    manager.connect("time")
    bad_zone = manager.call_tool("time", "get_current_time", {"timezone": "Nowhere/Atlantis"})
    assert bad_zone["isError"] is True
    with pytest.raises(mcpclient.McpProtocolError) as info:
        manager.call_tool("time", "get_the_weather", {})
    assert info.value.rpc_code == -32602
