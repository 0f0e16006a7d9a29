"""Event and process helpers for the binding tests (no third-party dependencies)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import pytest

import mcpclient

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parents[2]

FIXTURES_DIR = REPO_ROOT / "Tests" / "Fixtures" / "servers"
MODERN_FIXTURE = FIXTURES_DIR / "everything_modern.py"
LEGACY_FIXTURE = FIXTURES_DIR / "everything_legacy.py"
MODERN_VENV = REPO_ROOT / ".venv-modern"
LEGACY_VENV = REPO_ROOT / ".venv-legacy"
MODERN_PYTHON = MODERN_VENV / "bin" / "python"
LEGACY_PYTHON = LEGACY_VENV / "bin" / "python"

EVERYTHING_TOOLS = {"echo", "add", "slow", "fail", "image", "env", "write_stderr", "roots"}
INSTRUCTIONS = "Fixture server for mcpclient tests."
TAG_PREFIX = "--mcpclient-test-tag="
EXPECTED_ERA = {"modern": "modern", "legacy": "legacy"}


def require_venv(venv: Path) -> None:
    if not (venv / "bin" / "python").exists():
        pytest.skip(f"{venv.name} is missing: run scripts/setup-test-env to create it")


def new_tag() -> str:
    return uuid.uuid4().hex


def everything_config(kind: str, tag: Optional[str] = None, **overrides: Any) -> Dict[str, Any]:
    """A stdio config for everything_<kind>.py. The tag is an extra argv entry the
    fixture ignores; it lets a test find exactly its own child processes in /proc."""
    if kind == "modern":
        require_venv(MODERN_VENV)
        python, script = MODERN_PYTHON, MODERN_FIXTURE
    elif kind == "legacy":
        require_venv(LEGACY_VENV)
        python, script = LEGACY_PYTHON, LEGACY_FIXTURE
    else:
        raise ValueError(kind)
    config: Dict[str, Any] = {
        "type": "stdio",
        "command": str(python),
        "args": [str(script), TAG_PREFIX + (tag or new_tag())],
        "stderr": "log",
        "initTimeout": 30000,
        "timeout": 60000,
    }
    config.update(overrides)
    return config


def time_server_config(venv: Path) -> Dict[str, Any]:
    require_venv(venv)
    command = venv / "bin" / "mcp-server-time"
    if not command.exists():
        pytest.skip(f"{command} is missing: run scripts/setup-test-env")
    return {
        "type": "stdio",
        "command": str(command),
        "args": ["--local-timezone", "UTC"],
        "stderr": "log",
    }


Event = Dict[str, Any]


def summarize(events: List[Event], limit: int = 30) -> str:
    shown = [
        {k: v for k, v in ev.items() if k in ("kind", "op", "server", "request_id", "status", "progress", "source")}
        for ev in events[-limit:]
    ]
    return f"{len(events)} events, last {len(shown)}: {shown}"


def wait_for_event(
    mgr: mcpclient.Manager,
    predicate: Callable[[Event], bool],
    timeout_s: float = 15.0,
    seen: Optional[List[Event]] = None,
) -> Tuple[Event, List[Event]]:
    """Pop events until one matches; returns (match, every event popped). Fails on timeout."""
    events: List[Event] = [] if seen is None else seen
    deadline = time.monotonic() + timeout_s
    while True:
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            raise AssertionError(f"no matching event within {timeout_s}s; {summarize(events)}")
        event = mgr.next_event(min(remaining_ms, 250))
        if event is None:
            continue
        assert event.get("version") == 1, f"event without version 1: {event}"
        events.append(event)
        if predicate(event):
            return event, events


def drain_events(mgr: mcpclient.Manager, quiet_ms: int = 200) -> List[Event]:
    """Pop events until the queue stays empty for quiet_ms."""
    events: List[Event] = []
    while True:
        event = mgr.next_event(quiet_ms)
        if event is None:
            return events
        events.append(event)


def is_outcome(request_id: int) -> Callable[[Event], bool]:
    return lambda ev: ev.get("kind") in ("result", "error") and ev.get("request_id") == request_id


def text_of(result: Dict[str, Any]) -> str:
    """Concatenated text of a tool result's text blocks."""
    return "".join(block.get("text", "") for block in result.get("content", []) if block.get("type") == "text")


# --- processes -------------------------------------------------------------


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:  # the process went away while we looked
        return b""


def processes_with(tag: str) -> List[Tuple[int, str]]:
    """Live processes whose command line contains ``tag`` (found by scanning /proc)."""
    me = os.getpid()
    found = []
    needle = tag.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        cmdline = _read(f"/proc/{entry}/cmdline")
        if needle in cmdline:
            found.append((int(entry), cmdline.replace(b"\0", b" ").decode(errors="replace").strip()))
    return found


def zombie_children() -> Set[int]:
    """Children of this process that exited but were never reaped (state Z)."""
    me = os.getpid()
    zombies = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read(f"/proc/{entry}/stat").decode(errors="replace")
        # pid (comm) state ppid ... ; comm may contain spaces/parens, so split after the last ')'
        close = stat.rfind(")")
        if close < 0:
            continue
        fields = stat[close + 2 :].split()
        if len(fields) >= 2 and fields[0] == "Z" and fields[1] == str(me):
            zombies.add(int(entry))
    return zombies


def wait_until_gone(tag: str, timeout_s: float = 10.0) -> List[Tuple[int, str]]:
    """Poll until no process carries ``tag``; returns whatever is still there at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = processes_with(tag)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.1)


def dict_store_functions() -> Tuple[Dict[str, bytes], Callable, Callable, Callable]:
    """A Redis-like dict behind a lock, as (records, get, put, delete) for ``mcpclient.oauth_store.HostStore``."""
    import threading

    records: Dict[str, bytes] = {}
    lock = threading.Lock()

    def get(key):
        with lock:
            return records.get(key)

    def put(key, value, ttl):
        with lock:
            records[key] = bytes(value)

    def delete(key):
        with lock:
            records.pop(key, None)

    return records, get, put, delete
