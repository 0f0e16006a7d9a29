"""The host frees handles (manager, user views, credential stores, loopback listeners) while other threads are inside
calls on them: every call returns (a result or an error such as MCP_ERR_CLOSED), nothing crashes or hangs, later
calls on the stale handle get MCP_ERR_CLOSED from the library itself, and no child process or descriptor is left."""

from __future__ import annotations

import base64
import os
import threading
import time
from ctypes import byref, c_int64, c_void_p

from fault_helpers import LeakCheck
from helpers import dict_store_functions, everything_config, text_of

import mcpclient
from mcpclient import _bindings as B
from mcpclient.oauth_store import HostStore, LoopbackListener


def run_threads(count, work):
    """Starts `count` threads running work(index); returns (threads, outcomes) where outcomes[index] is filled in."""
    outcomes = [None] * count

    def body(index):
        try:
            outcomes[index] = ("ok", work(index))
        except BaseException as error:  # noqa: BLE001 - every outcome is inspected by the test
            outcomes[index] = ("error", error)

    threads = [threading.Thread(target=body, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def join_all(threads, timeout_s=15):
    deadline = time.monotonic() + timeout_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a call on a freed handle did not return"


def raw_status(handle, name="x"):
    """A raw call on a handle the binding no longer guards: the library itself must refuse it."""
    out, err = c_void_p(), c_void_p()
    status = B.mcp_manager_server_status(handle, name.encode(), byref(out), byref(err))
    B.mcp_string_free(err)
    B.mcp_string_free(out)
    return status


def test_freeing_the_manager_under_eight_threads_of_mixed_calls():
    with LeakCheck() as leaks:
        mgr = mcpclient.Manager()
        mgr.add_server("m", everything_config("modern", leaks.tag))
        mgr.add_server("l", everything_config("legacy", leaks.tag))
        mgr.connect("m")
        mgr.connect("l")
        handle = mgr.ptr()
        operations = [
            lambda: mgr.call_tool("m", "slow", {"steps": 100, "delay_ms": 100}),
            lambda: mgr.call_tool("l", "slow", {"steps": 100, "delay_ms": 100}),
            lambda: [mgr.next_event(-1) for _ in iter(int, 1)],  # until the free wakes it with an error
            lambda: [mgr.list_tools("m") for _ in range(1000)],
            lambda: [mgr.server_status("l") for _ in range(100000)],
            lambda: mgr.read_resource("m", "fixture://greeting"),
            lambda: [mgr.call_tool("l", "echo", {"text": "x"}) for _ in range(1000)],
            lambda: mgr.connect("m"),
        ]
        threads, outcomes = run_threads(len(operations), lambda index: operations[index]())
        time.sleep(0.5)
        mgr.close()
        join_all(threads)
        for kind, value in outcomes:
            assert kind == "ok" or isinstance(value, (mcpclient.McpError, ValueError)), value
        # The slow calls and the event waiter were cut short by the free, with the closed error.
        assert all(kind == "error" for kind, _ in outcomes[:3]), outcomes[:3]
        assert raw_status(handle) == B.Status.MCP_ERR_CLOSED


def test_freeing_a_user_view_while_its_calls_run_leaves_the_manager_working():
    with LeakCheck() as leaks:
        with mcpclient.Manager() as mgr:
            mgr.add_server("m", everything_config("modern", leaks.tag))
            view = mgr.as_user("alice")
            view_handle = view.ptr()
            threads, outcomes = run_threads(4, lambda index: view.call_tool("m", "slow", {"steps": 10, "delay_ms": 100}))
            time.sleep(0.3)
            view.close()
            join_all(threads)
            for kind, value in outcomes:
                assert kind == "ok" or isinstance(value, mcpclient.McpError), value
            assert raw_status(view_handle, "m") == B.Status.MCP_ERR_CLOSED
            assert text_of(mgr.call_tool("m", "echo", {"text": "manager lives"})) == "manager lives"
            again = mgr.as_user("alice")
            assert text_of(again.call_tool("m", "echo", {"text": "new view"})) == "new view"
            again.close()


def test_freeing_a_credential_store_the_manager_and_other_threads_use():
    records, get, put, delete = dict_store_functions()

    store = HostStore(get, put, delete, key=base64.b64encode(os.urandom(32)).decode())
    with LeakCheck():
        with mcpclient.Manager() as mgr:
            mgr.set_credential_store(store)
            mgr.add_server("o", {"url": "http://127.0.0.1:9/mcp", "requiresOAuth": True})

            def work(index):
                for round_ in range(200):
                    if index % 2:
                        store.put(f"u{index}", "o", "tokens", b"v%d" % round_)
                    else:
                        mgr.oauth_status("o", user=f"u{index}")

            threads, outcomes = run_threads(4, work)
            time.sleep(0.05)
            store_handle = store.ptr()
            store.close()
            join_all(threads)
            for kind, value in outcomes:
                assert kind == "ok" or isinstance(value, (mcpclient.McpError, ValueError)), value
            # The manager holds its own reference: it keeps working with the store the host let go of.
            assert mgr.oauth_status("o", user="u0")["server"] == "o"
            out, length, err = c_void_p(), c_int64(), c_void_p()
            key = b'{"user":"u1","server":"o","kind":"tokens"}'
            status = B.mcp_credential_store_get(store_handle, key, byref(out), byref(length), byref(err))
            B.mcp_string_free(err)
            assert status == B.Status.MCP_ERR_CLOSED


def test_freeing_a_listener_while_another_thread_waits_on_it():
    with LeakCheck():
        listener = LoopbackListener()
        handle = listener.ptr()
        threads, outcomes = run_threads(1, lambda _: listener.wait(timeout=30))
        time.sleep(0.3)
        started = time.monotonic()
        listener.close()
        join_all(threads, timeout_s=5)
        assert time.monotonic() - started < 5
        kind, value = outcomes[0]
        assert kind == "error" and isinstance(value, mcpclient.McpError), outcomes
        assert value.name in ("MCP_ERR_CLOSED", "MCP_ERR_CANCELLED"), value
        out, err = c_void_p(), c_void_p()
        status = B.mcp_oauth_listener_wait(handle, 0, byref(out), byref(err))
        B.mcp_string_free(err)
        assert status == B.Status.MCP_ERR_CLOSED
