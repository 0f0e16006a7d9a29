"""One gateway (and its fixture servers) for the whole run; every process is stopped at the end and none may be
left behind."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gateway_harness as h  # noqa: E402


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if not h.MODERN_PYTHON.exists() or not h.TIME_SERVER.exists():
        pytest.skip(".venv-modern (with mcp-server-time) is missing: run scripts/setup-test-env")
    directory = tmp_path_factory.mktemp("gateway")
    started = []
    try:
        http_server = h.fixture_http_server()
        started.append(http_server)
        auth = h.oauth_server()
        started.append(auth)
        gateway = h.start_gateway(h.write_config(directory, http_server.url, auth.url), directory / "users.json")
        started.append(gateway)
        yield {"gateway": gateway.url, "http": http_server.url, "auth": auth.url}
        assert gateway.stop() == 0, "the gateway did not exit cleanly on SIGTERM"
    finally:
        for process in reversed(started):
            process.stop()
    deadline = time.monotonic() + 10
    while h.tagged_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not h.tagged_processes(), "fixture server processes were left behind"


@pytest.fixture(scope="session")
def alice(stack):
    return h.Client(stack["gateway"], "alice-token")


@pytest.fixture(scope="session")
def bob(stack):
    return h.Client(stack["gateway"], "bob-token")


@pytest.fixture(scope="session")
def carol(stack):
    return h.Client(stack["gateway"], "carol-token")


@pytest.fixture(scope="session")
def root(stack):
    return h.Client(stack["gateway"], "root-token")


@pytest.fixture
def anonymous(stack):
    return h.Client(stack["gateway"], None)
