"""Bad input and failure paths: every one must raise the typed exception with code and message."""

from __future__ import annotations

import sys
import time

import pytest
from helpers import everything_config

import mcpclient


def assert_error(err: mcpclient.McpError, status: int, name: str) -> None:
    assert err.status == status and err.code == status
    assert err.name == name
    assert isinstance(err.message, str) and err.message.strip()
    assert err.payload is not None and err.payload.get("version") == 1, err.payload


def test_bad_options_json():
    with pytest.raises(mcpclient.McpInvalidError) as info:
        mcpclient.Manager('{"clientInfo": ')
    assert_error(info.value, -2, "MCP_ERR_INVALID")


def test_options_must_be_an_object():
    with pytest.raises(mcpclient.McpInvalidError) as info:
        mcpclient.Manager("[1, 2, 3]")
    assert_error(info.value, -2, "MCP_ERR_INVALID")


def test_bad_config_json(manager):
    with pytest.raises(mcpclient.McpInvalidError) as info:
        manager.add_server("broken", '{"type": "stdio", "command": ')
    assert_error(info.value, -2, "MCP_ERR_INVALID")


@pytest.mark.parametrize(
    "config",
    [
        {"type": "stdio"},  # no command
        {"type": "carrier-pigeon", "command": "x"},  # unknown transport
        {"type": "stdio", "command": "python3", "args": "not-a-list"},
        {"type": "stdio", "command": "python3", "stderr": "sideways"},
        {"type": "stdio", "command": "python3", "era": "bronze-age"},
    ],
)
def test_invalid_config(manager, config):
    with pytest.raises(mcpclient.McpConfigError) as info:
        manager.add_server("bad", config)
    assert_error(info.value, -3, "MCP_ERR_CONFIG")
    # Nothing was registered under that name.
    with pytest.raises(mcpclient.McpNotFoundError):
        manager.connect("bad")


def test_duplicate_server_name(manager):
    manager.add_server("twice", everything_config("modern"))
    with pytest.raises(mcpclient.McpConflictError) as info:
        manager.add_server("twice", everything_config("modern"))
    assert_error(info.value, -14, "MCP_ERR_CONFLICT")


@pytest.mark.parametrize("call", ["connect", "disconnect", "list_tools", "call_tool", "server_status", "remove_server"])
def test_unknown_server(manager, call):
    with pytest.raises(mcpclient.McpNotFoundError) as info:
        if call == "call_tool":
            manager.call_tool("ghost-server", "echo", {"text": "x"})
        else:
            getattr(manager, call)("ghost-server")
    assert_error(info.value, -11, "MCP_ERR_NOT_FOUND")
    assert "ghost-server" in info.value.message or "ghost-server" in str(info.value.details)


def test_remove_server_then_use(manager):
    manager.add_server("short-lived", everything_config("modern"))
    manager.connect("short-lived")
    manager.remove_server("short-lived")
    with pytest.raises(mcpclient.McpNotFoundError):
        manager.call_tool("short-lived", "echo", {"text": "x"})
    with pytest.raises(mcpclient.McpNotFoundError):
        manager.remove_server("short-lived")
    # The name is free again.
    manager.add_server("short-lived", everything_config("modern"))


@pytest.mark.parametrize("arguments", ['{"text": ', "[1, 2]", '"just a string"'])
def test_bad_arguments_json(connected, arguments):
    mgr, name, _, _ = connected
    with pytest.raises(mcpclient.McpInvalidError) as info:
        mgr.call_tool(name, "echo", arguments)
    assert_error(info.value, -2, "MCP_ERR_INVALID")


def test_spawn_failure(manager, tmp_path):
    # A command that does not exist: a config error (at add_server or at connect, when the
    # executable is resolved) or a transport error (when the spawn itself fails).
    missing = str(tmp_path / "no-such-binary")
    try:
        manager.add_server("nobinary", {"type": "stdio", "command": missing})
        manager.connect("nobinary")
    except (mcpclient.McpConfigError, mcpclient.McpTransportError) as err:
        expected = {-3: "MCP_ERR_CONFIG", -5: "MCP_ERR_TRANSPORT"}
        assert_error(err, err.status, expected[err.status])
        assert "no-such-binary" in err.message or "no-such-binary" in str(err.details)
    else:
        pytest.fail("connecting a missing executable succeeded")


def test_server_that_exits_at_once(manager):
    manager.add_server(
        "quitter",
        {"type": "stdio", "command": sys.executable, "args": ["-c", "import sys; sys.exit(3)"], "initTimeout": 10000},
    )
    started = time.monotonic()
    with pytest.raises(mcpclient.McpTransportError) as info:
        manager.connect("quitter")
    assert_error(info.value, -5, "MCP_ERR_TRANSPORT")
    assert time.monotonic() - started < 8.0, "an exited child must be noticed before initTimeout"


def test_server_that_never_answers(manager):
    manager.add_server(
        "mute",
        {"type": "stdio", "command": sys.executable, "args": ["-c", "import time; time.sleep(60)"], "initTimeout": 700},
    )
    started = time.monotonic()
    with pytest.raises(mcpclient.McpTimeoutError) as info:
        manager.connect("mute")
    elapsed = time.monotonic() - started
    assert_error(info.value, -6, "MCP_ERR_TIMEOUT")
    assert elapsed < 6.0, f"initTimeout 700 ms took {elapsed:.2f}s"


def test_python_side_argument_validation(manager):
    with pytest.raises(mcpclient.McpInvalidError):
        manager.call_tool("x", "echo", {"text": "x"}, timeout_ms=2**40)
    with pytest.raises(mcpclient.McpInvalidError):
        manager.cancel(-1)
    with pytest.raises(mcpclient.McpInvalidError):
        manager.add_server("x", {"type": "stdio", "command": "x", "bad": object()})


def test_input_version_field(manager):
    # docs/abi/json.md: inputs may carry "version"; 1 is accepted, anything else is MCP_ERR_UNSUPPORTED.
    mcpclient.Manager({"version": 1}).close()
    with pytest.raises(mcpclient.McpUnsupportedError) as info:
        mcpclient.Manager({"version": 2})
    assert_error(info.value, -12, "MCP_ERR_UNSUPPORTED")
    manager.add_server("v1", {"version": 1, **everything_config("modern")})
    with pytest.raises(mcpclient.McpUnsupportedError):
        manager.add_server("v2", {"version": 2, **everything_config("modern")})
    with pytest.raises(mcpclient.McpUnsupportedError):
        manager.submit({"version": 2, "op": "connect", "server": "v1"})


def test_unknown_config_field_is_named(manager):
    with pytest.raises(mcpclient.McpConfigError) as info:
        manager.add_server("typo", {**everything_config("modern"), "comand": "python3"})
    assert_error(info.value, -3, "MCP_ERR_CONFIG")
    assert "comand" in info.value.message or info.value.details.get("path") == "comand"
