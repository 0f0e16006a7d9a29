"""Blocking calls against the fixture servers, in both protocol eras."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest
from helpers import (
    EVERYTHING_TOOLS,
    EXPECTED_ERA,
    FIXTURES_DIR,
    INSTRUCTIONS,
    drain_events,
    everything_config,
    text_of,
)

import mcpclient


def test_connect_reports_era_and_server(connected):
    mgr, name, info, kind = connected
    assert info["version"] == 1
    assert info["server"] == name
    assert info["era"] == EXPECTED_ERA[kind]
    assert info["serverInfo"]["name"] == f"everything-{kind}"
    assert isinstance(info["capabilities"], dict) and "tools" in info["capabilities"]
    assert info.get("instructions") == INSTRUCTIONS
    if kind == "modern":
        assert info["protocolVersion"] == "2026-07-28"
    else:
        assert isinstance(info["protocolVersion"], str) and info["protocolVersion"].startswith("2025-")


def test_list_tools(connected):
    mgr, name, _, _ = connected
    payload = mgr.list_tools_payload(name)
    assert payload["version"] == 1 and payload["server"] == name
    tools = mgr.list_tools(name)
    assert tools == payload["tools"]
    by_name = {tool["name"]: tool for tool in tools}
    assert EVERYTHING_TOOLS <= set(by_name), sorted(by_name)
    echo = by_name["echo"]
    assert echo["description"] == "Return the given text unchanged."
    assert echo["inputSchema"]["type"] == "object"
    assert echo["inputSchema"]["required"] == ["text"]


def test_call_echo(connected):
    mgr, name, _, _ = connected
    payload = mgr.call_tool_payload(name, "echo", {"text": "hello ✓ wörld"})
    assert payload["version"] == 1 and payload["server"] == name and payload["tool"] == "echo"
    result = mgr.call_tool(name, "echo", {"text": "hello ✓ wörld"})
    assert result["isError"] is False
    assert result["content"] == [{"type": "text", "text": "hello ✓ wörld"}]
    assert result["structuredContent"] == {"result": "hello ✓ wörld"}


def test_call_add(connected):
    mgr, name, _, _ = connected
    result = mgr.call_tool(name, "add", {"a": 2, "b": 40})
    assert result["isError"] is False
    assert text_of(result) == "42"
    assert result["structuredContent"] == {"result": 42}


def test_call_with_raw_json_arguments(connected):
    mgr, name, _, _ = connected
    result = mgr.call_tool(name, "add", '{"a": -7, "b": 3}')
    assert result["structuredContent"] == {"result": -4}


def test_call_fail_is_error_result_not_exception(connected):
    mgr, name, _, _ = connected
    result = mgr.call_tool(name, "fail", {"message": "boom-123"})
    assert result["isError"] is True
    assert "boom-123" in text_of(result)


def test_call_image(connected):
    mgr, name, _, _ = connected
    result = mgr.call_tool(name, "image")  # arguments=None is sent as {}
    assert result["isError"] is False
    [block] = result["content"]
    assert block["type"] == "image" and block["mimeType"] == "image/png"
    assert base64.b64decode(block["data"]).startswith(b"\x89PNG\r\n\x1a\n")


def test_bad_arguments_are_tool_errors(connected):
    mgr, name, _, _ = connected
    result = mgr.call_tool(name, "add", {"a": "not a number"})
    assert result["isError"] is True


def test_unknown_tool_is_protocol_error(connected):
    mgr, name, _, _ = connected
    with pytest.raises(mcpclient.McpProtocolError) as info:
        mgr.call_tool(name, "no_such_tool", {})
    err = info.value
    assert err.status == mcpclient.Status.MCP_ERR_PROTOCOL
    assert err.name == "MCP_ERR_PROTOCOL"
    assert err.source == "peer"
    assert err.rpc_code == -32602
    assert err.details["rpc"]["code"] == -32602
    assert "no_such_tool" in err.details["rpc"]["message"]
    # The connection survives a JSON-RPC error.
    assert mgr.call_tool(name, "echo", {"text": "still here"})["content"][0]["text"] == "still here"


def test_timeout_raises_and_connection_survives(connected):
    mgr, name, _, _ = connected
    started = time.monotonic()
    with pytest.raises(mcpclient.McpTimeoutError) as info:
        mgr.call_tool(name, "slow", {"steps": 5, "delay_ms": 1000}, timeout_ms=300)  # no progress within 300 ms
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, f"a 300 ms timeout took {elapsed:.2f}s"
    assert info.value.status == -6 and info.value.name == "MCP_ERR_TIMEOUT"
    assert info.value.message
    assert mgr.call_tool(name, "echo", {"text": "after timeout"})["content"][0]["text"] == "after timeout"


def test_call_within_timeout_succeeds(connected):
    mgr, name, _, _ = connected
    result = mgr.call_tool(name, "slow", {"steps": 2, "delay_ms": 50}, timeout_ms=10000)
    assert text_of(result) == "done after 2 steps"


def test_env_allow_list(manager, kind, monkeypatch):
    # A secret in the host's environment must not leak into the child; the config's env must arrive;
    # allow-listed basics (PATH) are inherited.
    monkeypatch.setenv("MCPCLIENT_TEST_SECRET", "must-not-leak")
    name = f"env-{kind}"
    manager.add_server(name, everything_config(kind, env={"FIXTURE_PASSED": "yes ✓"}))
    manager.connect(name)
    assert text_of(manager.call_tool(name, "env", {"name": "FIXTURE_PASSED"})) == "yes ✓"
    assert text_of(manager.call_tool(name, "env", {"name": "MCPCLIENT_TEST_SECRET"})) == "<unset>"
    assert text_of(manager.call_tool(name, "env", {"name": "PATH"})) != "<unset>"


def test_stderr_to_file(manager, kind, tmp_path):
    log = tmp_path / "server-stderr.log"
    name = f"stderr-file-{kind}"
    manager.add_server(name, everything_config(kind, stderr={"file": str(log)}))
    manager.connect(name)
    assert text_of(manager.call_tool(name, "write_stderr", {"text": "marker-to-file"})) == "ok"
    manager.disconnect(name)
    assert "marker-to-file" in log.read_text(errors="replace")


def test_disconnect_and_reconnect(manager, kind):
    name = f"again-{kind}"
    manager.add_server(name, everything_config(kind))
    manager.connect(name)
    manager.disconnect(name)
    info = manager.connect(name)
    assert info["era"] == EXPECTED_ERA[kind]
    assert text_of(manager.call_tool(name, "echo", {"text": "second life"})) == "second life"


def test_server_status(connected):
    mgr, name, _, _ = connected
    status = mgr.server_status(name)
    assert status["version"] == 1
    assert status["server"] == name
    state = status.get("status", status.get("connectionState"))
    assert state == "connected", status


def test_modern_server_forced_into_legacy_era(manager):
    # mcp 2.x servers also speak the initialize handshake; era "legacy" must use it.
    manager.add_server("forced-legacy", everything_config("modern", era="legacy"))
    info = manager.connect("forced-legacy")
    assert info["era"] == "legacy"
    assert info["protocolVersion"].startswith("2025-")
    assert text_of(manager.call_tool("forced-legacy", "add", {"a": 1, "b": 1})) == "2"


def test_explicit_era_matches_auto(manager, kind):
    name = f"explicit-{kind}"
    manager.add_server(name, everything_config(kind, era=EXPECTED_ERA[kind]))
    assert manager.connect(name)["era"] == EXPECTED_ERA[kind]
    assert text_of(manager.call_tool(name, "echo", {"text": "x"})) == "x"


def test_config_timeout_is_the_default(manager, kind):
    name = f"short-timeout-{kind}"
    manager.add_server(name, everything_config(kind, timeout=400))
    manager.connect(name)
    started = time.monotonic()
    with pytest.raises(mcpclient.McpTimeoutError):
        manager.call_tool(name, "slow", {"steps": 3, "delay_ms": 1000})  # timeout_ms=0: the config's 400 ms
    assert time.monotonic() - started < 3.0
    # A per-call timeout overrides the configured one.
    result = manager.call_tool(name, "slow", {"steps": 3, "delay_ms": 200}, timeout_ms=10000)
    assert text_of(result) == "done after 3 steps"


def test_cwd_is_applied(manager, kind):
    # The script is given relative to cwd: the server only starts if cwd is honoured.
    config = everything_config(kind)
    config["args"][0] = Path(config["args"][0]).name
    config["cwd"] = str(FIXTURES_DIR)
    manager.add_server(f"cwd-{kind}", config)
    manager.connect(f"cwd-{kind}")
    assert text_of(manager.call_tool(f"cwd-{kind}", "echo", {"text": "in cwd"})) == "in cwd"


def test_stderr_ignore_emits_no_log_events(manager, kind):
    name = f"quiet-{kind}"
    manager.add_server(name, everything_config(kind, stderr="ignore"))
    manager.connect(name)
    manager.call_tool(name, "write_stderr", {"text": "should-not-appear"})
    time.sleep(0.3)
    logs = [ev for ev in drain_events(manager) if ev.get("kind") == "log"]
    assert not any("should-not-appear" in str(ev.get("message")) for ev in logs), logs


def test_legacy_server_forced_into_modern_era_fails_cleanly(manager):
    manager.add_server("forced-modern", everything_config("legacy", era="modern", initTimeout=10000))
    with pytest.raises(mcpclient.McpError) as info:
        manager.connect("forced-modern")
    assert info.value.status < 0 and info.value.message
    status = manager.server_status("forced-modern")
    assert status.get("status", status.get("connectionState")) == "error", status
