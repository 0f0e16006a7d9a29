"""Minimal newline-delimited JSON-RPC driver for the fixture servers (no SDK involved).

Every probe script uses it: spawns the fixture, writes raw JSON lines, reads raw JSON lines with
timeouts, and always kills the child at the end. Any stderr output of the child is printed and
counted as a failure by `Peer.close()` unless the probe says it is expected.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS = os.path.dirname(HERE)
REPO = os.path.abspath(os.path.join(SERVERS, "..", "..", ".."))


def _venv(name: str) -> str:
    for root in (os.environ.get("MCPCLIENT_VENV_ROOT"), REPO, "/work/main"):
        if root and os.path.exists(os.path.join(root, name, "bin", "python")):
            return os.path.join(root, name, "bin", "python")
    raise SystemExit(f"no {name} venv found (set MCPCLIENT_VENV_ROOT)")


MODERN_VERSION = "2026-07-28"


def envelope(client_capabilities: dict | None = None, **extra: Any) -> dict:
    """The 2026-07-28 per-request `_meta` (what mcp 2.3.0's client sends, plus `extra`)."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
        "io.modelcontextprotocol/clientCapabilities": client_capabilities or {},
        "io.modelcontextprotocol/clientInfo": {"name": "probe", "version": "0"},
    }
    meta.update(extra)
    return meta


class ProbeFailure(AssertionError):
    pass


def check(condition: bool, what: str, detail: Any = None) -> None:
    if not condition:
        raise ProbeFailure(f"{what}: {json.dumps(detail) if detail is not None else ''}")
    print(f"  ok  {what}")


_PEERS: list["Peer"] = []


@atexit.register
def _kill_all() -> None:
    for peer in _PEERS:
        if peer.proc.poll() is None:
            peer.proc.kill()


class Peer:
    def __init__(self, era: str, verbose: bool = False, env: dict[str, str] | None = None) -> None:
        script = "everything_modern.py" if era == "modern" else "everything_legacy.py"
        python = _venv(".venv-modern" if era == "modern" else ".venv-legacy")
        self.era = era
        self.verbose = verbose or bool(os.environ.get("PROBE_VERBOSE"))
        self.proc = subprocess.Popen(
            [python, os.path.join(SERVERS, script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=SERVERS,
            env={**os.environ, **(env or {})},
        )
        _PEERS.append(self)
        self.inbox: queue.Queue[dict] = queue.Queue()
        self.stderr: list[str] = []
        self.notifications: list[dict] = []
        self.server_requests: list[dict] = []
        self.next_id = 1
        self.answer_server_request: Callable[[dict], dict | None] | None = None
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            if line:
                self.inbox.put(json.loads(line))

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.decode(errors="replace").rstrip())

    def send(self, message: dict) -> None:
        if self.verbose:
            print("  -->", json.dumps(message))
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict | None = None) -> None:
        message: dict = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def start(self, method: str, params: dict | None = None) -> int:
        """Send a request without waiting; returns its id."""
        request_id = self.next_id
        self.next_id += 1
        message: dict = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return request_id

    def _dispatch(self, message: dict) -> dict | None:
        """Handle one inbound message; returns it if it is a response."""
        if self.verbose:
            print("  <--", json.dumps(message))
        if "method" in message and "id" in message:
            self.server_requests.append(message)
            reply = self.answer_server_request(message) if self.answer_server_request else None
            if reply is not None:
                self.send({"jsonrpc": "2.0", "id": message["id"], **reply})
            return None
        if "method" in message:
            self.notifications.append(message)
            return None
        return message

    def wait_response(self, request_id: int, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProbeFailure(f"no response to id {request_id} within {timeout}s (stderr: {self.stderr})")
            try:
                message = self.inbox.get(timeout=remaining)
            except queue.Empty:
                continue
            response = self._dispatch(message)
            if response is not None:
                if response.get("id") == request_id:
                    return response
                self.stray = getattr(self, "stray", []) + [response]

    def request(self, method: str, params: dict | None = None, timeout: float = 5.0) -> dict:
        return self.wait_response(self.start(method, params), timeout)

    def pump(self, seconds: float) -> None:
        """Process inbound messages for `seconds` (notifications, server requests)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = self.inbox.get(timeout=remaining)
            except queue.Empty:
                break
            response = self._dispatch(message)
            if response is not None:
                self.stray = getattr(self, "stray", []) + [response]

    def wait_notification(self, method: str, timeout: float = 3.0, where: Callable[[dict], bool] = lambda n: True) -> dict:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for note in self.notifications[seen:]:
                if note["method"] == method and where(note):
                    self.notifications.remove(note)
                    return note
            seen = 0
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProbeFailure(f"no {method} notification within {timeout}s (have {self.notifications})")
            self.pump(min(remaining, 0.05))

    def take_notifications(self, method: str) -> list[dict]:
        found = [n for n in self.notifications if n["method"] == method]
        self.notifications = [n for n in self.notifications if n["method"] != method]
        return found

    def handshake(self, capabilities: dict | None = None) -> dict:
        result = self.request(
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": capabilities or {}, "clientInfo": {"name": "probe", "version": "0"}},
        )
        self.notify("notifications/initialized")
        return result

    def __enter__(self) -> "Peer":
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        if kind is None:
            self.close()
        elif self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=3)

    def close(self, expect_stderr: bool = False) -> list[str]:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=3)
        except Exception:
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=3)
        time.sleep(0.05)
        if self.stderr and not expect_stderr:
            raise ProbeFailure(f"unexpected stderr: {self.stderr}")
        return self.stderr


def run(probes: list[Callable[[], None]], overall_timeout: int = 120) -> None:
    def give_up(*_: Any) -> None:
        print(f"probes did not finish within {overall_timeout}s")
        _kill_all()
        os._exit(2)

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(overall_timeout)
    failed = 0
    for probe in probes:
        print(f"{probe.__name__}:")
        try:
            probe()
        except ProbeFailure as failure:
            failed += 1
            print(f"  FAIL {failure}")
    print("all probes passed" if not failed else f"{failed} probe(s) failed")
    sys.exit(1 if failed else 0)
