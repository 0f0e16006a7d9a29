"""List changes and resource subscriptions, the same for both eras.

2026-07-28: the library keeps one `subscriptions/listen` stream per connection (mcp 2.3.0 serves it).
Handshake era: list_changed arrives on the session, resources use resources/subscribe (mcp 1.27 fixture).
"""

from __future__ import annotations

import os
import signal

import pytest
from helpers import everything_config, new_tag, processes_with, text_of, wait_for_event

import mcpclient


@pytest.fixture(params=["modern", "legacy"])
def server(request):
    tag = new_tag()
    with mcpclient.Manager() as mgr:
        name = f"sub-{request.param}"
        mgr.add_server(name, everything_config(request.param, tag=tag))
        mgr.connect(name)
        yield mgr, name, request.param, tag


def kind(expected):
    return lambda ev: ev.get("kind") == expected


def test_tool_list_changes_arrive_as_events_and_the_list_follows(server):
    mgr, name, _, _ = server
    assert "added_tool" not in {tool["name"] for tool in mgr.list_tools(name)}
    mgr.call_tool(name, "add_tool", {"name": "added_tool"})
    event, _ = wait_for_event(mgr, kind("list_changed"))
    assert event["server"] == name and event["list"] == "tools"
    assert "added_tool" in {tool["name"] for tool in mgr.list_tools(name)}
    assert text_of(mgr.call_tool(name, "added_tool")) == "ok"


def test_prompt_and_resource_list_changes(server):
    mgr, name, _, _ = server
    mgr.call_tool(name, "change_prompts")
    event, _ = wait_for_event(mgr, kind("list_changed"))
    assert event["list"] == "prompts"
    mgr.call_tool(name, "change_resources")
    event, _ = wait_for_event(mgr, kind("list_changed"))
    assert event["list"] == "resources"


def test_a_subscribed_resource_reports_updates_until_unsubscribed(server):
    mgr, name, _, _ = server
    mgr.subscribe(name, "fixture://counter")
    assert text_of(mgr.call_tool(name, "bump")) == "1"
    event, _ = wait_for_event(mgr, kind("resource_updated"))
    assert event == {"version": 1, "server": name, "kind": "resource_updated", "uri": "fixture://counter"}
    assert mgr.read_resource(name, "fixture://counter")["contents"][0]["text"] == "1"

    mgr.unsubscribe(name, "fixture://counter")
    mgr.call_tool(name, "bump")
    # A list change after the bump proves the server processed it; no update may have come before it.
    mgr.call_tool(name, "change_prompts")
    _, seen = wait_for_event(mgr, kind("list_changed"))
    assert not [ev for ev in seen if ev["kind"] == "resource_updated"], seen


def test_subscribing_to_an_unknown_server_fails(server):
    mgr, _, _, _ = server
    with pytest.raises(mcpclient.McpNotFoundError):
        mgr.subscribe("nope", "fixture://counter")


def test_subscriptions_are_sent_again_after_the_server_restarts(server):
    mgr, name, era, tag = server
    mgr.subscribe(name, "fixture://counter")
    (pid, _), = processes_with(tag)
    os.kill(pid, signal.SIGKILL)
    wait_for_event(mgr, lambda ev: ev.get("kind") == "status" and ev.get("status") == "error")
    # The library restarts the server on its own because it has subscriptions, and subscribes again before it
    # reports the connection ready.
    event, _ = wait_for_event(mgr, lambda ev: ev.get("kind") == "subscription" and "fixture://counter" in ev.get("granted", {}).get("resourceSubscriptions", []))
    assert event["status"] == "active"
    wait_for_event(mgr, lambda ev: ev.get("kind") == "status" and ev.get("status") == "connected")
    assert [p for p, _ in processes_with(tag)] != [pid]
    mgr.call_tool(name, "bump")
    update, _ = wait_for_event(mgr, kind("resource_updated"))
    assert update["uri"] == "fixture://counter"


def test_modern_listen_acknowledgement_is_reported():
    with mcpclient.Manager() as mgr:
        mgr.add_server("m", everything_config("modern"))
        mgr.connect("m")
        event, _ = wait_for_event(mgr, kind("subscription"))
        assert event["status"] == "active"
        assert event["granted"] == {"toolsListChanged": True, "promptsListChanged": True, "resourcesListChanged": True}
        assert "missing" not in event


def test_list_changes_can_be_turned_off():
    with mcpclient.Manager({"listChanges": False}) as mgr:
        mgr.add_server("m", everything_config("modern"))
        mgr.connect("m")
        mgr.call_tool("m", "add_tool", {"name": "quiet"})
        events = []
        while (event := mgr.next_event(300)) is not None:
            events.append(event)
        assert not [ev for ev in events if ev["kind"] in ("list_changed", "subscription")], events
