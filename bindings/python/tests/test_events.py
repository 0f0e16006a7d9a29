"""The pull queue: submit / next_event / cancel, progress, status and log events."""

from __future__ import annotations

import time

import pytest
from helpers import EXPECTED_ERA, everything_config, is_outcome, text_of, wait_for_event

import mcpclient


def test_next_event_times_out_with_none(manager):
    started = time.monotonic()
    assert manager.next_event(100) is None
    elapsed = time.monotonic() - started
    assert 0.05 <= elapsed < 2.0, elapsed
    assert manager.next_event(0) is None


def test_submit_call_tool_delivers_result_event(connected):
    mgr, name, _, _ = connected
    blocking = mgr.call_tool_payload(name, "echo", {"text": "via queue"})
    request_id = mgr.submit({"op": "call_tool", "server": name, "tool": "echo", "arguments": {"text": "via queue"}})
    assert isinstance(request_id, int) and request_id > 0
    event, _ = wait_for_event(mgr, is_outcome(request_id))
    assert event["kind"] == "result", event
    assert event["op"] == "call_tool" and event["server"] == name
    # "result" is the same payload the blocking call returns.
    assert event["result"] == blocking
    assert event["result"]["result"]["content"] == [{"type": "text", "text": "via queue"}]


def test_submit_ids_are_unique(connected):
    mgr, name, _, _ = connected
    ids = [mgr.submit({"op": "call_tool", "server": name, "tool": "add", "arguments": {"a": i, "b": 1}}) for i in range(10)]
    assert len(set(ids)) == 10
    outcomes = {}
    seen = []
    while len(outcomes) < len(ids):
        event, _ = wait_for_event(mgr, lambda ev: ev.get("request_id") in ids and ev.get("kind") in ("result", "error"), seen=seen)
        outcomes[event["request_id"]] = event
    for i, request_id in enumerate(ids):
        assert outcomes[request_id]["kind"] == "result"
        assert outcomes[request_id]["result"]["result"]["structuredContent"] == {"result": i + 1}


def test_submit_list_tools_and_connect(manager, kind):
    name = f"submit-connect-{kind}"
    manager.add_server(name, everything_config(kind))
    connect_id = manager.submit({"op": "connect", "server": name})
    event, _ = wait_for_event(manager, is_outcome(connect_id), timeout_s=30)
    assert event["kind"] == "result" and event["op"] == "connect", event
    assert event["result"]["era"] == EXPECTED_ERA[kind]
    list_id = manager.submit({"op": "list_tools", "server": name})
    event, _ = wait_for_event(manager, is_outcome(list_id))
    assert event["kind"] == "result" and event["op"] == "list_tools", event
    assert "echo" in {tool["name"] for tool in event["result"]["tools"]}
    disconnect_id = manager.submit({"op": "disconnect", "server": name})
    event, _ = wait_for_event(manager, is_outcome(disconnect_id))
    assert event["kind"] == "result" and event["op"] == "disconnect", event


def test_progress_events_from_slow(connected):
    mgr, name, _, _ = connected
    request_id = mgr.submit(
        {"op": "call_tool", "server": name, "tool": "slow", "arguments": {"steps": 3, "delay_ms": 100}}
    )
    outcome, events = wait_for_event(mgr, is_outcome(request_id))
    assert outcome["kind"] == "result", outcome
    assert text_of(outcome["result"]["result"]) == "done after 3 steps"
    progress = [ev for ev in events if ev.get("kind") == "progress" and ev.get("request_id") == request_id]
    assert [ev["progress"] for ev in progress] == [1, 2, 3], events
    for step, ev in enumerate(progress, start=1):
        assert ev["server"] == name
        assert ev["total"] == 3
        assert ev["message"] == f"step {step}/3"
    # Progress for a request is delivered before its result.
    assert events.index(progress[-1]) < events.index(outcome)


def test_submit_error_event_for_protocol_error(connected):
    mgr, name, _, _ = connected
    request_id = mgr.submit({"op": "call_tool", "server": name, "tool": "no_such_tool", "arguments": {}})
    event, _ = wait_for_event(mgr, is_outcome(request_id))
    assert event["kind"] == "error", event
    assert event["op"] == "call_tool" and event["server"] == name
    error = event["error"]
    assert error["version"] == 1
    assert error["code"] == -8 and error["name"] == "MCP_ERR_PROTOCOL"
    assert error["source"] == "peer"
    assert error["details"]["rpc"]["code"] == -32602


def test_submit_timeout_is_error_event(connected):
    mgr, name, _, _ = connected
    request_id = mgr.submit(
        {"op": "call_tool", "server": name, "tool": "slow", "arguments": {"steps": 5, "delay_ms": 1000}, "timeout_ms": 300}
    )
    event, _ = wait_for_event(mgr, is_outcome(request_id), timeout_s=10)
    assert event["kind"] == "error", event
    assert event["error"]["code"] == -6 and event["error"]["name"] == "MCP_ERR_TIMEOUT"


def test_submit_to_unknown_server(manager):
    request = {"op": "call_tool", "server": "nowhere", "tool": "echo", "arguments": {"text": "x"}}
    try:
        request_id = manager.submit(request)
    except mcpclient.McpNotFoundError as err:  # rejected up front
        assert err.status == -11
        return
    event, _ = wait_for_event(manager, is_outcome(request_id))  # or reported through the queue
    assert event["kind"] == "error" and event["error"]["code"] == -11, event


@pytest.mark.parametrize(
    "request_json",
    [
        '{"op": "call_tool", "server": ',  # not JSON
        '{"op": "explode", "server": "x"}',  # unknown op
        '["op", "call_tool"]',  # not an object
    ],
)
def test_submit_rejects_bad_requests(manager, request_json):
    with pytest.raises(mcpclient.McpInvalidError) as info:
        manager.submit(request_json)
    assert info.value.status == -2 and info.value.message


def test_cancel_running_request(connected):
    mgr, name, _, _ = connected
    request_id = mgr.submit(
        {"op": "call_tool", "server": name, "tool": "slow", "arguments": {"steps": 50, "delay_ms": 100}}
    )
    # Wait until the server is really working on it (first progress), then cancel.
    wait_for_event(mgr, lambda ev: ev.get("kind") == "progress" and ev.get("request_id") == request_id)
    started = time.monotonic()
    mgr.cancel(request_id)
    event, _ = wait_for_event(mgr, is_outcome(request_id), timeout_s=10)
    assert event["kind"] == "error", event
    assert event["error"]["code"] == -7 and event["error"]["name"] == "MCP_ERR_CANCELLED", event
    assert time.monotonic() - started < 3.0
    # The connection is still usable after the cancellation.
    assert text_of(mgr.call_tool(name, "echo", {"text": "after cancel"})) == "after cancel"


def test_cancel_unknown_request(manager):
    with pytest.raises(mcpclient.McpNotFoundError) as info:
        manager.cancel(987654321)
    assert info.value.status == -11


def test_status_events_on_connect_and_disconnect(manager, kind):
    name = f"status-{kind}"
    manager.add_server(name, everything_config(kind))
    manager.connect(name)
    _, events = wait_for_event(
        manager, lambda ev: ev.get("kind") == "status" and ev.get("server") == name and ev.get("status") == "connected"
    )
    statuses = [ev["status"] for ev in events if ev.get("kind") == "status" and ev.get("server") == name]
    assert statuses[0] == "connecting", statuses
    manager.disconnect(name)
    wait_for_event(
        manager,
        lambda ev: ev.get("kind") == "status" and ev.get("server") == name and ev.get("status") == "disconnected",
    )


def test_stderr_becomes_log_events(connected):
    mgr, name, _, _ = connected
    assert text_of(mgr.call_tool(name, "write_stderr", {"text": "marker-stderr-42"})) == "ok"
    event, _ = wait_for_event(
        mgr, lambda ev: ev.get("kind") == "log" and "marker-stderr-42" in str(ev.get("message", ""))
    )
    assert event["server"] == name
    assert event["source"] == "stderr"
    assert isinstance(event["level"], str) and event["level"]


def test_queue_overflow_reports_dropped_but_keeps_results(kind):
    # A tiny queue: the connect status/log events overflow it, yet every result must arrive.
    with mcpclient.Manager({"eventQueueCapacity": 16}) as mgr:
        mgr.add_server("tiny", everything_config(kind))
        mgr.connect("tiny")
        for i in range(40):
            mgr.call_tool("tiny", "write_stderr", {"text": f"noise {i}"})  # 40+ log events, never read
        ids = [
            mgr.submit({"op": "call_tool", "server": "tiny", "tool": "echo", "arguments": {"text": str(i)}})
            for i in range(30)
        ]
        results = {}
        dropped = 0
        deadline = time.monotonic() + 20
        while len(results) < len(ids) and time.monotonic() < deadline:
            event = mgr.next_event(250)
            if event is None:
                continue
            if event["kind"] == "dropped":
                assert isinstance(event["count"], int) and event["count"] > 0, event
                dropped += event["count"]
            elif event["kind"] == "result":
                results[event["request_id"]] = event
        assert dropped > 0, "an overflowing queue must say how many events it dropped"
        assert sorted(results) == sorted(ids), "results must never be dropped"
        for i, request_id in enumerate(ids):
            assert text_of(results[request_id]["result"]["result"]) == str(i)
