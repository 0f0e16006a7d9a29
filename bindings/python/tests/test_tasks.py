"""Tool calls that become tasks: the tasks extension (2026-07-28, a fixture extension on mcp 2.3.0) and the
experimental tasks of 2025-11-25 (mcp 1.27's own implementation). The library polls them to their end."""

from __future__ import annotations

import pytest
from helpers import everything_config, is_outcome, text_of, wait_for_event

import mcpclient


def tasks_manager(mode="always", **options):
    return mcpclient.Manager({"tasks": mode, "capabilities": {"elicitation": {}}, **options})


@pytest.fixture(params=["modern", "legacy"])
def era(request):
    return request.param


def list_first(mgr, era):
    # Handshake-era servers say per tool whether it may run as a task; the library learns it from tools/list.
    if era == "legacy":
        mgr.list_tools("s")


def test_a_tool_call_that_becomes_a_task_returns_the_tasks_result(era):
    with tasks_manager() as mgr:
        mgr.add_server("s", everything_config(era))
        list_first(mgr, era)
        call_id = mgr.submit({"op": "call_tool", "server": "s", "tool": "long_job", "arguments": {"seconds": 0.3}})
        outcome, seen = wait_for_event(mgr, is_outcome(call_id))
        assert text_of(outcome["result"]["result"]) == "done", outcome
        tasks = [ev for ev in seen if ev["kind"] == "task"]
        assert tasks and tasks[0]["request_id"] == call_id and tasks[0]["status"] == "working", seen
        assert tasks[-1]["status"] == "completed"
        assert len({ev["taskId"] for ev in tasks}) == 1
        assert "pollIntervalMs" in tasks[0]


def test_a_task_asking_for_input_is_answered_through_request_events(era):
    with tasks_manager() as mgr:
        mgr.add_server("s", everything_config(era))
        list_first(mgr, era)
        call_id = mgr.submit({"op": "call_tool", "server": "s", "tool": "long_job", "arguments": {"seconds": 0.1, "ask": True}})
        request, seen = wait_for_event(mgr, lambda ev: ev["kind"] == "request" or is_outcome(call_id)(ev))
        assert request["kind"] == "request", seen
        assert request["method"] == "elicitation/create"
        mgr.respond(request["request_id"], {"result": {"action": "accept", "content": {"name": "Ada"}}})
        outcome, _ = wait_for_event(mgr, is_outcome(call_id))
        assert text_of(outcome["result"]["result"]) == "hello Ada", outcome


def test_cancelling_the_call_cancels_the_task(era):
    with tasks_manager() as mgr:
        mgr.add_server("s", everything_config(era))
        list_first(mgr, era)
        call_id = mgr.submit({"op": "call_tool", "server": "s", "tool": "long_job", "arguments": {"seconds": 30}})
        task, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "task")
        mgr.cancel(call_id)
        outcome, _ = wait_for_event(mgr, is_outcome(call_id))
        assert outcome["error"]["name"] == "MCP_ERR_CANCELLED"
        state = mgr.request("s", "tasks/get", {"taskId": task["taskId"]})
        assert state["status"] == "cancelled"


def test_a_failed_task_is_an_error(era):
    with tasks_manager() as mgr:
        mgr.add_server("s", everything_config(era))
        list_first(mgr, era)
        with pytest.raises(mcpclient.McpProtocolError):
            mgr.call_tool("s", "long_job", {"seconds": 0.1, "fail": True})


def test_without_opting_in_the_call_runs_directly(era):
    with tasks_manager("off") as mgr:
        mgr.add_server("s", everything_config(era))
        list_first(mgr, era)
        assert text_of(mgr.call_tool("s", "long_job", {"seconds": 0.1})) == "done"


def test_a_task_only_tool_is_retried_with_the_opt_in_when_required():
    with tasks_manager("when_required") as mgr:
        mgr.add_server("s", everything_config("modern"))
        assert text_of(mgr.call_tool("s", "task_only")) == "task-only result"
        assert text_of(mgr.call_tool("s", "long_job", {"seconds": 0.1})) == "done"  # optional: runs directly
    with tasks_manager("off") as mgr:
        mgr.add_server("s", everything_config("modern"))
        with pytest.raises(mcpclient.McpProtocolError) as caught:
            mgr.call_tool("s", "task_only")
        assert caught.value.details["rpc"]["code"] == -32021


def test_a_persisted_task_id_can_be_resumed(era):
    with tasks_manager() as mgr:
        mgr.add_server("s", everything_config(era))
        list_first(mgr, era)
        call_id = mgr.submit({"op": "call_tool", "server": "s", "tool": "long_job", "arguments": {"seconds": 0.5}})
        task, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "task")
        # A second caller (say, after the host restarted) follows the same task by id.
        assert text_of(mgr.resume_task("s", task["taskId"])) == "done"
        outcome, _ = wait_for_event(mgr, is_outcome(call_id))
        assert outcome["kind"] == "result"
