"""Resources, prompts and the generic request, in both eras, blocking and async."""

from __future__ import annotations

import pytest
from helpers import is_outcome, wait_for_event

import mcpclient

GREETING = "Hello from the mcpclient fixture server."


def test_resources(connected):
    mgr, name, _, _ = connected
    resources = mgr.list_resources(name)
    assert any(r["uri"] == "fixture://greeting" for r in resources)
    assert isinstance(mgr.list_resource_templates(name), list)
    contents = mgr.read_resource(name, "fixture://greeting")["contents"]
    assert contents[0]["text"] == GREETING


def test_prompts(connected):
    mgr, name, _, _ = connected
    prompts = mgr.list_prompts(name)
    assert [p["name"] for p in prompts] == ["greet"]
    messages = mgr.get_prompt(name, "greet", {"name": "Ada"})["messages"]
    assert "Ada" in messages[0]["content"]["text"]


def test_generic_request_matches_typed_helper(connected):
    mgr, name, _, _ = connected
    via_generic = mgr.request(name, "resources/read", {"uri": "fixture://greeting"})
    assert via_generic["contents"][0]["text"] == GREETING
    # One page of a list method, with whatever the era adds around it.
    page = mgr.request(name, "tools/list")
    assert any(tool["name"] == "echo" for tool in page["tools"])


def test_async_read_and_get_prompt(connected):
    mgr, name, _, _ = connected
    read_id = mgr.submit({"op": "read_resource", "server": name, "uri": "fixture://greeting"})
    prompt_id = mgr.submit({"op": "get_prompt", "server": name, "name": "greet", "arguments": {"name": "Bo"}})
    read, _ = wait_for_event(mgr, is_outcome(read_id))
    prompt, _ = wait_for_event(mgr, is_outcome(prompt_id))
    assert read["kind"] == "result" and read["result"]["result"]["contents"][0]["text"] == GREETING
    assert prompt["kind"] == "result" and "Bo" in prompt["result"]["result"]["messages"][0]["content"]["text"]


def test_unknown_resource_and_method_are_protocol_errors(connected):
    mgr, name, _, _ = connected
    with pytest.raises(mcpclient.McpProtocolError):
        mgr.read_resource(name, "fixture://does-not-exist")
    with pytest.raises(mcpclient.McpProtocolError) as info:
        mgr.request(name, "no/such/method")
    # The spec's code is -32601; mcp 1.x validates the method first and answers -32602.
    assert info.value.rpc_code in (-32601, -32602)
