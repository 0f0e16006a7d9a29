"""A librechat.yaml loaded into a manager: `${VAR}` references resolved from the environment when each connection
opens (URL, headers, stdio env), the denylist honoured, per-user servers refused on shared connections."""

from __future__ import annotations

import pytest
from helpers import FIXTURES_DIR, MODERN_PYTHON, require_venv, text_of
from test_http import HTTPServer

import mcpclient


def test_environment_references_are_resolved_per_connection(monkeypatch):
    require_venv(MODERN_PYTHON.parent.parent)
    server = HTTPServer("modern", "json")
    try:
        monkeypatch.setenv("MCP_TEST_URL", server.url)
        monkeypatch.setenv("FIXTURE_GREETING", "from the environment")
        monkeypatch.setenv("JWT_SECRET", "must-never-be-expanded")
        text = f"""
# Both servers take their settings from the environment, as LibreChat admins write them.
mcpServers:
  remote:
    url: "${{MCP_TEST_URL}}"
    timeout: 20000
  local:
    command: "{MODERN_PYTHON}"
    args: ["{FIXTURES_DIR / 'everything_modern.py'}"]
    env:
      GREETING: "${{FIXTURE_GREETING}}"
      LEAK: "${{JWT_SECRET}}"
"""
        with mcpclient.Manager() as mgr:
            assert sorted(mgr.load_config(text)["added"]) == ["local", "remote"]
            assert text_of(mgr.call_tool("remote", "echo", {"text": "via ${url}"})) == "via ${url}"
            assert text_of(mgr.call_tool("local", "env", {"name": "GREETING"})) == "from the environment"
            assert text_of(mgr.call_tool("local", "env", {"name": "LEAK"})) == "${JWT_SECRET}"  # denylisted: literal
    finally:
        server.stop()


def test_an_unset_variable_in_a_url_is_a_config_error_naming_it(monkeypatch):
    monkeypatch.delenv("MCP_TEST_UNSET_URL", raising=False)
    with mcpclient.Manager() as mgr:
        with pytest.raises(mcpclient.McpConfigError) as caught:
            mgr.add_server("r", {"url": "${MCP_TEST_UNSET_URL}"})
        assert "url" in str(caught.value)


def test_a_per_user_server_is_not_connected_on_a_shared_connection():
    require_venv(MODERN_PYTHON.parent.parent)
    with mcpclient.Manager() as mgr:
        mgr.add_server("u", {"command": str(MODERN_PYTHON), "args": [str(FIXTURES_DIR / "everything_modern.py")],
                             "env": {"USER_ID": "{{LIBRECHAT_USER_ID}}"}})
        with pytest.raises(mcpclient.McpError) as caught:
            mgr.connect("u")
        assert caught.value.details.get("scope") == "user"


def test_the_substitution_context_is_a_manager_option():
    require_venv(MODERN_PYTHON.parent.parent)
    options = {"substitution": {"env": {"GREETING": "from the options"}, "workspaceFolder": str(FIXTURES_DIR)}}
    with mcpclient.Manager(options) as mgr:
        mgr.add_server("v", {"command": str(MODERN_PYTHON), "args": ["${workspaceFolder}/everything_modern.py"],
                             "env": {"GREETING": "${GREETING}"}})
        assert text_of(mgr.call_tool("v", "env", {"name": "GREETING"})) == "from the options"
    with pytest.raises(mcpclient.McpInvalidError):
        mcpclient.Manager({"substitution": {"nope": 1}})


def test_mcp_settings_from_librechat_yaml_apply_to_the_manager():
    """mcpSettings.allowedAddresses in the loaded file exempts a user-created server on loopback; before the file
    was loaded the same server was blocked."""
    require_venv(MODERN_PYTHON.parent.parent)
    server = HTTPServer("modern", "json")
    try:
        authority = server.url.split("/")[2]
        with mcpclient.Manager() as mgr:
            mgr.add_server("user", {"url": server.url, "trusted": False, "initTimeout": 5000})
            with pytest.raises(mcpclient.McpPolicyError):
                mgr.connect("user")
            result = mgr.load_config(f'mcpSettings:\n  allowedAddresses: ["{authority}"]\nmcpServers: {{}}\n')
            assert result["settingsApplied"] is True
            assert text_of(mgr.call_tool("user", "echo", {"text": "exempt now"})) == "exempt now"
            with pytest.raises(mcpclient.McpConfigError):
                mgr.load_config('mcpSettings:\n  allowedAddresses: ["https://not-a-host-port/"]\nmcpServers: {}\n')
            # A user-created config must not loosen the guard for everyone.
            with pytest.raises(mcpclient.McpPolicyError) as caught:
                mgr.load_config(f'mcpSettings:\n  allowedAddresses: ["127.0.0.1:1"]\nmcpServers: {{}}\n', tier="user")
            assert caught.value.details["path"] == "mcpSettings"
            assert text_of(mgr.call_tool("user", "echo", {"text": "unchanged"})) == "unchanged"
        with mcpclient.Manager({"substitution": {"tier": "user"}}) as mgr:
            with pytest.raises(mcpclient.McpPolicyError):
                mgr.load_config(f'mcpSettings:\n  allowedAddresses: ["{authority}"]\nmcpServers: {{}}\n')
    finally:
        server.stop()


def test_a_disabled_server_stays_registered_but_does_not_connect():
    with mcpclient.Manager() as mgr:
        mgr.add_server("off", {"command": "true", "enabled": False})
        assert mgr.server_status("off")["status"] == "disconnected"
        with pytest.raises(mcpclient.McpError) as caught:
            mgr.connect("off")
        assert caught.value.details.get("reason") == "disabled"


def test_a_substituted_secret_is_not_repeated_in_the_error():
    # The URL is checked with ${TOKEN} expanded; the message names the field, not the value.
    with mcpclient.Manager({"substitution": {"env": {"TOKEN": "SEKRIT value"}}}) as mgr:
        with pytest.raises(mcpclient.McpConfigError) as caught:
            mgr.add_server("r", {"url": "https://h.example.com/?t=${TOKEN}"})
        assert "SEKRIT" not in str(caught.value)
        assert "SEKRIT" not in repr(caught.value.details)


def test_a_config_cannot_claim_more_trust_than_the_manager_gives():
    # A user-tier manager: a config saying source.tier operator is still sandboxed when added (no stdio).
    with mcpclient.Manager({"substitution": {"tier": "user", "env": {}}}) as mgr:
        with pytest.raises(mcpclient.McpPolicyError) as caught:
            mgr.add_server("x", {"command": "/bin/true", "args": [], "source": {"tier": "operator"}})
        assert caught.value.details.get("path") == "command"
        with pytest.raises(mcpclient.McpNotFoundError):
            mgr.server_status("x")


def test_servers_per_user_only_by_policy_still_connect():
    """startup: false and user-created servers are per user in LibreChat's connection policy, but their configs
    need no user values: the manager's shared connection serves them."""
    require_venv(MODERN_PYTHON.parent.parent)
    fixture = {"command": str(MODERN_PYTHON), "args": [str(FIXTURES_DIR / "everything_modern.py")]}
    with mcpclient.Manager() as mgr:
        mgr.add_server("lazy", {**fixture, "startup": False})
        assert text_of(mgr.call_tool("lazy", "echo", {"text": "on demand"})) == "on demand"
