"""Helpers for the fault-injection tests (test_faults_*.py): descriptor counts, misbehaving peers, leak checks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Callable, List, Optional

from helpers import FIXTURES_DIR, TAG_PREFIX, new_tag, wait_until_gone

BAD_STDIO = FIXTURES_DIR / "bad_stdio.py"
BAD_HTTP = FIXTURES_DIR / "bad_http.py"


def open_fds() -> List[str]:
    """This process's open descriptors, each as what it points to (for a readable diff)."""
    found = []
    for entry in os.listdir("/proc/self/fd"):
        try:
            found.append(f"{entry}:{os.readlink(f'/proc/self/fd/{entry}')}")
        except OSError:  # the descriptor listdir itself used, already closed
            pass
    return found


def fd_count() -> int:
    return len(open_fds())


def settle_fds(baseline: int, timeout_s: float = 5.0) -> int:
    """Waits (bounded) for the descriptor count to come back down to `baseline`; returns the last count."""
    deadline = time.monotonic() + timeout_s
    while True:
        count = fd_count()
        if count <= baseline or time.monotonic() >= deadline:
            return count
        time.sleep(0.05)


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def bad_stdio_config(mode: str, tag: str, *args: str, **overrides) -> dict:
    config = {
        "type": "stdio",
        "command": sys.executable,
        "args": [str(BAD_STDIO), mode, *args, "--tag", TAG_PREFIX + tag],
        "stderr": "log",
        "initTimeout": 10000,
        "timeout": 20000,
    }
    config.update(overrides)
    return config


class LeakCheck:
    """Counts descriptors before a scenario and checks that the scenario's processes and descriptors are gone after.

        with LeakCheck() as leaks:
            ... uses leaks.tag in server configs ...
        # on exit: no process carries the tag, the descriptor count is back
    """

    def __init__(self) -> None:
        self.tag = new_tag()
        self.before = 0

    def __enter__(self) -> "LeakCheck":
        self.before = fd_count()
        return self

    def __exit__(self, kind, value, traceback) -> None:
        left = wait_until_gone(self.tag, timeout_s=15 if kind is None else 0)
        for pid, _ in left:  # whatever the outcome, a failing test must not leave its servers running
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if kind is not None:
            return
        assert left == [], f"processes left behind: {left}"
        after = settle_fds(self.before)
        assert after <= self.before, f"descriptors leaked: {self.before} before, {after} after: {open_fds()}"


class SilentListener:
    """A TCP listener on 127.0.0.1 that accepts connections and then does `behaviour` with each (a peer for faults
    no real server shows: a TLS handshake that never completes, a connection reset at once, silence)."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted: List[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            if self.behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                conn.close()  # linger 0: RST instead of FIN
            elif self.behaviour == "garbage":
                try:
                    conn.sendall(b"\x16\x03\x01\xff\xffthis is no TLS server hello\r\n" * 8)
                except OSError:
                    pass
                conn.close()
            else:  # silent: keep it open and say nothing
                self.accepted.append(conn)

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


def run_python(code: str, timeout_s: float = 120, env: Optional[dict] = None) -> subprocess.CompletedProcess:
    """Runs `code` in a fresh interpreter with the binding tests' import path (for faults that change the process,
    such as a lower descriptor limit)."""
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    package_root = os.path.dirname(tests_dir)
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join([package_root, tests_dir, full_env.get("PYTHONPATH", "")])
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s, env=full_env)


def eventually(condition: Callable[[], bool], timeout_s: float = 10.0, interval_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return condition()
