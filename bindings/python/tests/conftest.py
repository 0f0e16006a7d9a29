"""Shared fixtures for the mcpclient binding tests.

Layout assumptions (all relative to the repo root, found from this file):
  bindings/python/            the package under test (put on sys.path here)
  Tests/Fixtures/servers/     everything_modern.py / everything_legacy.py
  .venv-modern, .venv-legacy  from scripts/setup-test-env

A test that needs a venv is skipped (with the reason) only when that venv is
missing. A missing libmcpclient.so is an error, not a skip.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

TESTS_DIR = Path(__file__).resolve().parent
PACKAGE_ROOT = TESTS_DIR.parent
REPO_ROOT = TESTS_DIR.parents[2]

if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))

import mcpclient  # noqa: E402
from helpers import EXPECTED_ERA, everything_config  # noqa: E402

# Per-test watchdog: a hung foreign call must not hang the whole run forever.
TEST_TIMEOUT_S = float(os.environ.get("MCPCLIENT_TEST_TIMEOUT", "180"))


@pytest.fixture(autouse=True)
def _watchdog() -> Iterator[None]:
    faulthandler.dump_traceback_later(TEST_TIMEOUT_S, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


# Per-test leak check: descriptors, threads and child processes are counted before the test and again after
# every function-scoped fixture (the managers among them) has been torn down; what the test opened must be gone
# within the settle time (a freed manager's I/O thread exits, a server process is reaped). Fixtures of a wider
# scope are set up before the first count and torn down after the last, so they never count.
LEAK_SETTLE_S = float(os.environ.get("MCPCLIENT_LEAK_SETTLE", "3"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_leaks(reason): skip the per-test descriptor/thread/process leak check")


def _resources() -> Dict[str, str]:
    """Every open descriptor (fd -> target), thread (tid -> name) and child process (pid -> stat line) of this process."""
    found: Dict[str, str] = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            found[f"descriptor {fd}"] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, already closed
            pass
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as comm:
                found[f"thread {tid}"] = comm.read().strip()
        except OSError:  # exited meanwhile
            pass
    me = os.getpid()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                line = stat.read().strip()
        except OSError:
            continue
        fields = line[line.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == me:
            found[f"child {pid}"] = line
    return found


def _left_over(before: Dict[str, str]) -> List[str]:
    """What is open now and was not before: a descriptor number now naming something else counts (closed and
    reopened), a thread or child by its id alone (a child's stat line changes as it runs)."""
    now = _resources()
    return sorted(f"{key} -> {value}" for key, value in now.items()
                  if key not in before or (key.startswith("descriptor") and before[key] != value))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"_mcpclient_report_{report.when}", report)


@pytest.fixture(autouse=True)
def _no_leaks(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("allow_leaks"):
        yield
        return
    gc.collect()
    before = _resources()
    yield
    call = getattr(request.node, "_mcpclient_report_call", None)
    if call is None or not call.passed:  # a failed test's traceback holds its objects; its failure says enough
        return
    # Every other fixture is torn down by now; pytest would drop their values only after this one, and a value
    # (a helper's Popen with its pipes) would count as left behind.
    funcargs = getattr(request.node, "funcargs", None)
    if isinstance(funcargs, dict):
        funcargs.clear()
    deadline = time.monotonic() + LEAK_SETTLE_S
    while True:
        gc.collect()  # a Manager the test dropped without close() is freed by its finalizer
        left = _left_over(before)
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    if left:
        pytest.fail(f"the test left {len(left)} resource(s) behind after {LEAK_SETTLE_S:g} s:\n  " + "\n  ".join(left), pytrace=False)


@pytest.fixture
def manager() -> Iterator[mcpclient.Manager]:
    mgr = mcpclient.Manager({"clientInfo": {"name": "mcpclient-pytest", "version": "0.1.0"}})
    try:
        yield mgr
    finally:
        mgr.close()


@pytest.fixture(params=["modern", "legacy"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def connected(manager: mcpclient.Manager, kind: str):
    """(manager, server name, connect info, kind) for a connected everything_<kind> server."""
    name = f"every-{kind}"
    manager.add_server(name, everything_config(kind))
    info = manager.connect(name)
    return manager, name, info, kind
