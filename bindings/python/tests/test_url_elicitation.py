"""URL-mode elicitation: a request event with mode "url" in both eras, and the 2025-11-25 -32042 round trip."""

from __future__ import annotations

import pytest
from helpers import everything_config, is_outcome, text_of, wait_for_event

import mcpclient

URL = "https://example.com/connect"


def manager_with(capabilities):
    return mcpclient.Manager({"capabilities": capabilities})


@pytest.mark.parametrize("era", ["modern", "legacy"])
@pytest.mark.parametrize("action", ["accept", "decline"])
def test_url_elicitation_reaches_the_host(era, action):
    with manager_with({"elicitation": {"form": {}, "url": {}}}) as mgr:
        mgr.add_server("s", everything_config(era))
        call_id = mgr.submit({"op": "call_tool", "server": "s", "tool": "open_url", "arguments": {"url": URL}})
        request, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "request" or is_outcome(call_id)(ev))
        assert request["kind"] == "request", request
        assert request["method"] == "elicitation/create" and request["mode"] == "url"
        assert request["params"]["url"] == URL
        mgr.respond(request["request_id"], {"result": {"action": action}})
        outcome, _ = wait_for_event(mgr, is_outcome(call_id))
        assert text_of(outcome["result"]["result"]) == action


@pytest.mark.parametrize("era", ["modern", "legacy"])
def test_url_mode_is_refused_when_the_host_declared_only_forms(era):
    with manager_with({"elicitation": {}}) as mgr:
        mgr.add_server("s", everything_config(era))
        call_id = mgr.submit({"op": "call_tool", "server": "s", "tool": "open_url", "arguments": {"url": URL}})
        outcome, seen = wait_for_event(mgr, is_outcome(call_id))
        assert not [ev for ev in seen if ev["kind"] == "request"], seen
        # The fixtures check the declared capabilities themselves (the library's own refusal is in the Swift tests).
        if era == "modern":
            assert outcome["error"]["details"]["rpc"]["code"] == -32021, outcome
        else:
            assert outcome["result"]["result"].get("isError") is True, outcome


def test_url_elicitation_required_error_is_consented_completed_and_retried():
    with manager_with({"elicitation": {"url": {}}}) as mgr:
        mgr.add_server("s", everything_config("legacy"))
        call_id = mgr.submit({"op": "call_tool", "server": "s", "tool": "needs_url", "arguments": {"url": URL}})
        request, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "request" or is_outcome(call_id)(ev))
        assert request["kind"] == "request", request
        assert request["mode"] == "url" and request["params"]["url"] == URL
        elicitation_id = request["params"]["elicitationId"]
        assert request["input_key"] == elicitation_id
        mgr.respond(request["request_id"], {"result": {"action": "accept"}})
        outcome, seen = wait_for_event(mgr, is_outcome(call_id))
        assert text_of(outcome["result"]["result"]) == "authorized", outcome
        completions = [ev for ev in seen if ev["kind"] == "elicitation_complete"]
        assert [ev["elicitationId"] for ev in completions] == [elicitation_id]


def test_declining_the_url_returns_the_servers_error():
    with manager_with({"elicitation": {"url": {}}}) as mgr:
        mgr.add_server("s", everything_config("legacy"))
        call_id = mgr.submit({"op": "call_tool", "server": "s", "tool": "needs_url", "arguments": {"url": URL}})
        request, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "request")
        mgr.respond(request["request_id"], {"result": {"action": "decline"}})
        outcome, _ = wait_for_event(mgr, is_outcome(call_id))
        assert outcome["kind"] == "error"
        assert outcome["error"]["details"]["rpc"]["code"] == -32042
