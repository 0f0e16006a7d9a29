"""Handle lifetime: close() idempotence, use after close, wake-up of waiters, child processes."""

from __future__ import annotations

import gc
import threading
import time

import pytest
from helpers import everything_config, new_tag, processes_with, text_of, wait_until_gone, zombie_children

import mcpclient


def test_close_is_idempotent():
    mgr = mcpclient.Manager()
    assert not mgr.closed
    mgr.close()
    assert mgr.closed
    mgr.close()
    mgr.close()
    assert mgr.closed


def test_context_manager_closes():
    with mcpclient.Manager() as mgr:
        assert mgr.ptr()
    assert mgr.closed


def test_use_after_close_raises():
    mgr = mcpclient.Manager()
    mgr.close()
    with pytest.raises(ValueError, match="already closed"):
        mgr.ptr()
    calls = [
        lambda: mgr.add_server("x", {"type": "stdio", "command": "true"}),
        lambda: mgr.remove_server("x"),
        lambda: mgr.connect("x"),
        lambda: mgr.disconnect("x"),
        lambda: mgr.list_tools("x"),
        lambda: mgr.call_tool("x", "echo", {"text": "x"}),
        lambda: mgr.submit({"op": "connect", "server": "x"}),
        lambda: mgr.cancel(1),
        lambda: mgr.next_event(0),
        lambda: mgr.server_status("x"),
    ]
    for call in calls:
        with pytest.raises(mcpclient.McpClosedError):
            call()


def test_garbage_collected_manager_is_freed():
    mgr = mcpclient.Manager()
    del mgr
    gc.collect()  # __del__ -> close() -> mcp_manager_free; must not crash


def test_next_event_waiter_is_woken_by_close():
    mgr = mcpclient.Manager()
    outcome = {}

    def wait() -> None:
        try:
            outcome["event"] = mgr.next_event(-1)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion below
            outcome["error"] = exc

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    time.sleep(0.3)  # let it block inside mcp_manager_next_event
    assert waiter.is_alive()
    started = time.monotonic()
    mgr.close()
    waiter.join(10)
    assert not waiter.is_alive(), "next_event(-1) was not woken by close()"
    assert time.monotonic() - started < 5.0
    assert isinstance(outcome.get("error"), mcpclient.McpClosedError), outcome


def test_close_with_a_call_in_flight(kind):
    tag = new_tag()
    mgr = mcpclient.Manager()
    mgr.add_server("busy", everything_config(kind, tag))
    mgr.connect("busy")
    outcome = {}

    def call() -> None:
        try:
            outcome["result"] = mgr.call_tool("busy", "slow", {"steps": 100, "delay_ms": 100})
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    time.sleep(0.5)
    assert caller.is_alive()
    mgr.close()
    caller.join(10)
    assert not caller.is_alive(), "a blocking call_tool was not released by close()"
    assert isinstance(outcome.get("error"), mcpclient.McpError), outcome
    assert wait_until_gone(tag) == []


def test_no_child_left_after_close(kind):
    tags = [new_tag(), new_tag()]
    zombies_before = zombie_children()
    mgr = mcpclient.Manager()
    for index, tag in enumerate(tags):
        mgr.add_server(f"child-{index}", everything_config(kind, tag))
        mgr.connect(f"child-{index}")
        assert text_of(mgr.call_tool(f"child-{index}", "echo", {"text": "alive"})) == "alive"
    for tag in tags:
        # Sanity check of the scanner itself: the children are visible while connected.
        assert len(processes_with(tag)) >= 1, f"child with tag {tag} not found in /proc"
    mgr.close()
    for tag in tags:
        left = wait_until_gone(tag, timeout_s=10)
        assert left == [], f"child processes left after close(): {left}"
    time.sleep(0.2)
    assert zombie_children() - zombies_before == set(), "exited children were not reaped"


def test_no_child_left_after_disconnect(kind):
    tag = new_tag()
    with mcpclient.Manager() as mgr:
        mgr.add_server("one", everything_config(kind, tag))
        mgr.connect("one")
        assert processes_with(tag)
        mgr.disconnect("one")
        assert wait_until_gone(tag, timeout_s=10) == []


def test_no_child_left_after_remove_server(kind):
    tag = new_tag()
    with mcpclient.Manager() as mgr:
        mgr.add_server("one", everything_config(kind, tag))
        mgr.connect("one")
        assert processes_with(tag)
        mgr.remove_server("one")
        assert wait_until_gone(tag, timeout_s=10) == []
