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
import os
import sys
from pathlib import Path
from typing import Iterator

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
