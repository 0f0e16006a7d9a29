"""structuredContent is checked against the tool's outputSchema (JSON Schema 2020-12, our own validator)."""

from __future__ import annotations

import pytest

import mcpclient


def test_valid_structured_content_passes(connected):
    mgr, name, _, _ = connected
    tools = {tool["name"]: tool for tool in mgr.list_tools(name)}
    assert tools["weather"]["outputSchema"]["properties"]["temperature"]["type"] == "number"
    result = mgr.call_tool(name, "weather", {"city": "Oslo"})
    assert result["structuredContent"]["city"] == "Oslo"


def test_invalid_structured_content_is_a_protocol_error_that_keeps_the_result(connected):
    mgr, name, _, _ = connected
    mgr.list_tools(name)
    with pytest.raises(mcpclient.McpProtocolError) as caught:
        mgr.call_tool(name, "bad_weather", {"city": "Oslo"})
    details = caught.value.details
    assert details["tool"] == "bad_weather"
    assert [v["instancePath"] for v in details["violations"]] == ["/temperature"]
    assert details["result"]["structuredContent"]["temperature"] == "warm"  # nothing is lost
    assert "/temperature" in str(caught.value)


def test_validation_can_be_turned_off(kind):
    from helpers import everything_config

    with mcpclient.Manager({"validateOutput": False}) as mgr:
        mgr.add_server("s", everything_config(kind))
        mgr.list_tools("s")
        assert mgr.call_tool("s", "bad_weather", {"city": "Oslo"})["structuredContent"]["temperature"] == "warm"


def test_tool_errors_are_not_validated(connected):
    mgr, name, _, _ = connected
    mgr.list_tools(name)
    assert mgr.call_tool(name, "fail", {"message": "nope"})["isError"] is True
