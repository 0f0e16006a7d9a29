"""Elicitation and sampling reach the host as `request` events in both eras and are answered with respond().

Handshake era: the mcp 1.x fixture sends elicitation/create and sampling/createMessage mid-call.
2026-07-28: the mcp 2.3.0 fixture returns them as input_required; the library retries with the answers.
"""

from __future__ import annotations

import pytest
from helpers import everything_config, is_outcome, text_of, wait_for_event

import mcpclient


@pytest.fixture(params=["modern", "legacy"])
def asking(request):
    options = {"capabilities": {"elicitation": {}, "sampling": {}}}
    with mcpclient.Manager(options) as mgr:
        name = f"ask-{request.param}"
        mgr.add_server(name, everything_config(request.param))
        mgr.connect(name)
        yield mgr, name


def ask(mgr, name, tool, answer):
    """Submit the call, answer its one request event with `answer`, return (request event, outcome event)."""
    call_id = mgr.submit({"op": "call_tool", "server": name, "tool": tool, "arguments": {}})
    request, _ = wait_for_event(mgr, lambda ev: ev.get("kind") == "request" or is_outcome(call_id)(ev))
    assert request["kind"] == "request", f"the call ended before asking: {request}"
    mgr.respond(request["request_id"], answer)
    outcome, _ = wait_for_event(mgr, is_outcome(call_id))
    return request, outcome


def test_elicitation_accept(asking):
    mgr, name = asking
    request, outcome = ask(mgr, name, "ask_name", {"result": {"action": "accept", "content": {"name": "Ada"}}})
    assert request["method"] == "elicitation/create"
    assert request["params"]["message"] == "What is your name?"
    assert request["params"]["requestedSchema"]["properties"]["name"]["type"] == "string"
    assert outcome["kind"] == "result", outcome
    assert text_of(outcome["result"]["result"]) == "hello Ada"


def test_elicitation_decline(asking):
    mgr, name = asking
    _, outcome = ask(mgr, name, "ask_name", {"result": {"action": "decline"}})
    assert text_of(outcome["result"]["result"]) == "decline"


def test_sampling(asking):
    mgr, name = asking
    answer = {"role": "assistant", "content": {"type": "text", "text": "hi there"}, "model": "test-model", "stopReason": "endTurn"}
    request, outcome = ask(mgr, name, "summarize", {"result": answer})
    assert request["method"] == "sampling/createMessage"
    assert request["params"]["maxTokens"] == 50
    assert request["params"]["messages"][0]["content"]["text"] == "Say hi"
    assert text_of(outcome["result"]["result"]) == "hi there"
