"""Fault injection on stdio servers: each fault ends in a clear error or a recovery, and leaves no process and no
descriptor behind. Crashing, garbage-writing and 100 MB-line servers are fakes (bad_stdio.py: no real server does
that on purpose); the stalled and stderr-flooding servers are the real SDK fixture."""

from __future__ import annotations

import os
import signal
import time

import pytest
from fault_helpers import LeakCheck, bad_stdio_config, rss_bytes
from helpers import MODERN_FIXTURE, MODERN_PYTHON, MODERN_VENV, TAG_PREFIX, drain_events, everything_config, processes_with, require_venv, text_of

import mcpclient


def test_a_server_that_crashes_mid_reply_fails_the_call_clearly_and_the_next_call_recovers(tmp_path):
    with LeakCheck() as leaks:
        with mcpclient.Manager() as mgr:
            mgr.add_server("b", bad_stdio_config("crash-mid-reply", leaks.tag, "--once", str(tmp_path / "crashed")))
            mgr.connect("b")
            started = time.monotonic()
            with pytest.raises(mcpclient.McpTransportError) as caught:
                mgr.call_tool("b", "echo", {"text": "x"})
            assert time.monotonic() - started < 5  # noticed at the exit, not at the 20 s timeout
            error = caught.value
            assert error.name == "MCP_ERR_TRANSPORT"
            assert "exited with status 7" in error.message
            assert error.details["stderr_tail"] == ["crashing"]
            # The half line written before the crash was not taken for an answer, and the server comes back.
            assert text_of(mgr.call_tool("b", "echo", {"text": "again"})) == "again"
            assert mgr.server_status("b")["status"] == "connected"


def test_a_stalled_server_times_out_the_call_and_is_killed_on_close():
    """The real server frozen with SIGSTOP: it neither reads nor answers nor reacts to its stdin closing."""
    with LeakCheck() as leaks:
        mgr = mcpclient.Manager()
        try:
            mgr.add_server("s", everything_config("modern", leaks.tag))
            mgr.connect("s")
            (pid, _), = [p for p in processes_with(leaks.tag) if "everything_modern" in p[1]]
            os.kill(pid, signal.SIGSTOP)
            started = time.monotonic()
            with pytest.raises(mcpclient.McpTimeoutError) as caught:
                # 8 MB of arguments: more than the socket takes, so the write backs up too.
                mgr.call_tool("s", "echo", {"text": "z" * (8 << 20)}, timeout_ms=1000)
            assert 0.9 < time.monotonic() - started < 5
            assert caught.value.name == "MCP_ERR_TIMEOUT"
        finally:
            started = time.monotonic()
            mgr.close()
        # stdin closed, SIGTERM after the grace period, SIGKILL after another: a stopped process still dies.
        assert processes_with(leaks.tag) == [] or time.monotonic() - started < 10


def test_a_server_flooding_stderr_still_answers_and_memory_stays_bounded():
    """The real server with a thread that writes stderr as fast as it can; its replies must not starve and the
    log lines it floods the host with are bounded (the event queue drops logs beyond its capacity)."""
    require_venv(MODERN_VENV)
    flood = (
        "import runpy, sys, threading\n"
        f"sys.path.insert(0, {str(MODERN_FIXTURE.parent)!r})\n"
        "def flood():\n"
        "    line = 'noise ' * 2000 + '\\n'\n"
        "    while True:\n"
        "        sys.stderr.write(line)\n"
        "threading.Thread(target=flood, daemon=True).start()\n"
        f"runpy.run_path({str(MODERN_FIXTURE)!r}, run_name='__main__')\n"
    )
    with LeakCheck() as leaks:
        with mcpclient.Manager({"eventQueueCapacity": 256}) as mgr:
            config = {"type": "stdio", "command": str(MODERN_PYTHON), "args": ["-c", flood, TAG_PREFIX + leaks.tag],
                      "stderr": "log", "initTimeout": 30000, "timeout": 30000}
            mgr.add_server("noisy", config)
            mgr.connect("noisy")
            before = rss_bytes()
            started = time.monotonic()
            for index in range(10):
                assert text_of(mgr.call_tool("noisy", "echo", {"text": f"n{index}"})) == f"n{index}"
            assert time.monotonic() - started < 20
            time.sleep(1)  # nobody reads events meanwhile: the queue fills and drops logs
            mgr.disconnect("noisy")
            kept = []
            while (event := mgr.next_event(1000)) is not None and event["kind"] != "dropped":
                kept.append(event)
                assert len(kept) <= 256 + 8, "the event queue grew past its capacity"
            assert event is not None and event["count"] > 0
            assert any(e["kind"] == "log" and e["source"] == "stderr" and e["message"].startswith("noise") for e in kept)
            assert rss_bytes() - before < 200 << 20


def test_garbage_on_stdout_is_skipped_and_the_answer_still_arrives():
    with LeakCheck() as leaks:
        with mcpclient.Manager() as mgr:
            mgr.add_server("g", bad_stdio_config("garbage", leaks.tag))
            assert text_of(mgr.call_tool("g", "echo", {"text": "through"})) == "through"
            assert text_of(mgr.call_tool("g", "echo", {"text": "twice"})) == "twice"
            warnings = [e["message"] for e in drain_events(mgr) if e.get("kind") == "log" and e.get("level") == "warning"]
            assert any("not JSON" in m for m in warnings), warnings
            assert mgr.server_status("g")["status"] == "connected"


def test_a_100_mb_line_is_refused_at_the_limit_and_the_server_restarts(tmp_path):
    with LeakCheck() as leaks:
        with mcpclient.Manager() as mgr:
            mgr.add_server("h", bad_stdio_config("huge-line", leaks.tag, "--once", str(tmp_path / "sent")))
            mgr.connect("h")
            before = rss_bytes()
            with pytest.raises(mcpclient.McpTransportError) as caught:
                mgr.call_tool("h", "echo", {"text": "x"})
            assert caught.value.details["reason"] == "message_too_large"
            assert caught.value.details["limit"] == 64 << 20
            assert rss_bytes() - before < 256 << 20  # at most the limit was buffered, never the whole line
            assert text_of(mgr.call_tool("h", "echo", {"text": "small"})) == "small"


def test_a_configured_message_limit_applies_to_stdio(tmp_path):
    with LeakCheck() as leaks:
        with mcpclient.Manager() as mgr:
            mgr.add_server("h", bad_stdio_config("huge-line", leaks.tag, "--size-mb", "2", maxMessageBytes=1 << 20))
            with pytest.raises(mcpclient.McpTransportError) as caught:
                mgr.call_tool("h", "echo", {"text": "x"})
            assert caught.value.details == {**caught.value.details, "reason": "message_too_large", "limit": 1 << 20}


def test_closing_the_manager_right_after_a_failure_still_kills_a_stubborn_server():
    """The transport failed on its own (an oversize line) and was shutting down on loop timers when the manager was
    closed. Those timers used to die with the loop: a server ignoring its closed stdin and SIGTERM lived on, holding
    our ends of its pipes. close() now waits for it (stdin, grace, SIGTERM, grace, SIGKILL)."""
    with LeakCheck() as leaks:
        mgr = mcpclient.Manager()
        try:
            config = bad_stdio_config("huge-line", leaks.tag, "--size-mb", "2", "--stubborn", maxMessageBytes=1 << 20)
            mgr.add_server("h", config)
            with pytest.raises(mcpclient.McpTransportError) as caught:
                mgr.call_tool("h", "echo", {"text": "x"})
            assert caught.value.details["reason"] == "message_too_large"
            assert processes_with(leaks.tag), "the stubborn server should still be running here"
        finally:
            started = time.monotonic()
            mgr.close()
        assert processes_with(leaks.tag) == []  # gone when close() returns, not later
        assert time.monotonic() - started < 15


def test_a_server_too_slow_to_answer_the_probe_is_still_connected_in_its_era():
    """The real 2026 server, started late: `server/discover` times out (probeTimeoutMs), the client falls back to
    `initialize`, but the server had queued the probe and took the 2026 era, so it refuses initialize with -32022.
    That refusal names 2026-07-28: the client asks again instead of failing the connect."""
    require_venv(MODERN_VENV)
    late = (
        "import runpy, sys, time\n"
        f"sys.path.insert(0, {str(MODERN_FIXTURE.parent)!r})\n"
        "time.sleep(1.5)\n"
        f"runpy.run_path({str(MODERN_FIXTURE)!r}, run_name='__main__')\n"
    )
    with LeakCheck() as leaks:
        with mcpclient.Manager({"probeTimeoutMs": 300}) as mgr:
            mgr.add_server("late", {"type": "stdio", "command": str(MODERN_PYTHON), "args": ["-c", late, TAG_PREFIX + leaks.tag],
                                    "stderr": "log", "initTimeout": 60000})
            assert mgr.connect("late")["era"] == "modern"
            assert text_of(mgr.call_tool("late", "echo", {"text": "late"})) == "late"
