"""Config substitution through the C ABI: mcp_config_resolve, mcp_config_prepare, mcp_config_classify."""

from __future__ import annotations

import base64
import json
from ctypes import byref, c_void_p

import pytest

import mcpclient
from mcpclient import _bindings as B

SECRETS = ["S3CR3T-uservar", "S3CR3T-oidc", "S3CR3T-input", "S3CR3T-jwt"]


def test_resolves_every_kind_where_it_applies():
    server = {
        "command": "srv --user {{LIBRECHAT_USER_ID}}",
        "args": ["--id={{LIBRECHAT_USER_ID}}", "--mail={{user.email}}", "--host=${HOST}", "${input:region}", "${workspaceFolder}/x"],
        "env": {"TOKEN": "{{API_TOKEN}}", "CONV": "{{LIBRECHAT_BODY_CONVERSATIONID}}"},
        "customUserVars": {"API_TOKEN": {"title": "Token"}},
    }
    resolved = mcpclient.resolve_server(
        server, user={"id": "u-1", "email": "a@example.com"}, user_vars={"API_TOKEN": "tok"}, env={"HOST": "h"},
        inputs={"region": {"value": "eu", "password": True}}, workspace_folder="/ws", body={"conversationId": "c-9"},
    )
    assert resolved.server["command"] == "srv --user {{LIBRECHAT_USER_ID}}"
    assert resolved.server["args"] == ["--id=u-1", "--mail=a@example.com", "--host=h", "eu", "/ws/x"]
    assert resolved.server["env"] == {"TOKEN": "tok", "CONV": "c-9"}
    assert resolved.scope == "request"
    assert resolved.deferred is False
    assert resolved.missing_user_vars == []
    assert "tok" not in repr(resolved)


def test_user_values_are_not_rescanned_and_denylisted_env_stays_literal():
    server = {"url": "https://x.example/?k={{V}}", "headers": {"A": "{{V}}", "B": "${JWT_SECRET}"}, "customUserVars": {"V": {}}}
    resolved = mcpclient.resolve_server(server, user_vars={"V": "${JWT_SECRET}{{LIBRECHAT_USER_EMAIL}}"},
                                        env={"JWT_SECRET": "S3CR3T-jwt"}, user={"email": "e"})
    assert resolved.server["url"] == "https://x.example/?k=${JWT_SECRET}{{LIBRECHAT_USER_EMAIL}}"
    assert resolved.server["headers"] == {"A": "${JWT_SECRET}{{LIBRECHAT_USER_EMAIL}}", "B": "${JWT_SECRET}"}
    assert "S3CR3T-jwt" not in json.dumps(resolved.warnings)


def test_b64_headers_deferral_and_missing_user_vars():
    resolved = mcpclient.resolve_server(
        {"url": "https://x", "headers": {"N": "{{LIBRECHAT_USER_NAME}}", "M": "{{body.messageId}}", "K": "{{KEY}}"},
         "customUserVars": {"KEY": {}}},
        user={"name": "山田"}, body={},
    )
    assert resolved.server["headers"]["N"] == "b64:" + base64.b64encode("山田".encode()).decode()
    assert resolved.deferred is True and resolved.deferred_fields == ["messageId"]
    assert resolved.missing_user_vars == ["KEY"]


def test_user_tier_rules():
    with pytest.raises(mcpclient.McpPolicyError) as info:
        mcpclient.prepare_server({"command": "sh"}, tier="user")
    assert info.value.details["path"] == "command"
    with pytest.raises(mcpclient.McpPolicyError):
        mcpclient.resolve_server({"url": "http://attacker/?k=${JWT_SECRET}"}, tier="user")
    prepared = mcpclient.prepare_server(
        {"url": "https://x", "timeout": 5, "headers": {"A": "Bearer {{LIBRECHAT_OPENID_TOKEN}}"}}, tier="user")
    assert prepared.server == {"url": "https://x", "headers": {"A": "Bearer "}, "trusted": False, "source": {"tier": "user"}}
    assert len(prepared.warnings) == 2


def test_plugin_tier_is_verbatim_and_prepare_expands_parse_time_fields():
    server = {"command": "node", "args": ["${HOST}"], "source": {"tier": "plugin"}}
    assert mcpclient.resolve_server(server, env={"HOST": "h"}).server == server
    prepared = mcpclient.prepare_server({"url": "https://${HOST}", "headers": {"H": "${HOST}"}}, env={"HOST": "h"})
    assert prepared.server == {"url": "https://h", "headers": {"H": "${HOST}"}}


def test_classify():
    assert mcpclient.classify_server({"url": "https://x"}) == mcpclient.Scope("app", mcpclient.classify_server({"url": "https://x"}).reason)
    assert mcpclient.classify_server({"url": "https://x", "requiresOAuth": True}).scope == "user"
    assert mcpclient.classify_server({"command": "s", "args": ["{{LIBRECHAT_BODY_MESSAGEID}}"]}).scope == "request"
    assert mcpclient.classify_server({"command": "s", "args": ["{{LIBRECHAT_BODY_MESSAGEID}}"]}, tier="plugin").scope == "app"
    with pytest.raises(mcpclient.McpInvalidError):
        mcpclient.classify_server({"url": "https://x"}, tier="root")


def test_env_file_and_forward(tmp_path):
    (tmp_path / "app.env").write_text('export A=file\nB="two words" # note\n')
    resolved = mcpclient.resolve_server(
        {"command": "s", "envFile": "${workspaceFolder}/app.env", "envForward": ["FWD"], "env": {"A": "explicit"}},
        workspace_folder=str(tmp_path), env={"FWD": "f"})
    assert resolved.server["env"] == {"A": "explicit", "B": "two words", "FWD": "f"}
    (tmp_path / "bad.env").write_text("OK=1\nS3CR3T-uservar\n")
    with pytest.raises(mcpclient.McpConfigError) as info:
        mcpclient.resolve_server({"command": "s", "envFile": "bad.env"}, base_dir=str(tmp_path))
    assert info.value.details["line"] == 2
    assert "S3CR3T" not in str(info.value) and "bad.env" in str(info.value)


def test_errors_never_hold_secrets():
    context = dict(user_vars={"V": "S3CR3T-uservar"}, openid={"accessToken": "S3CR3T-oidc", "expiresAt": 1},
                   inputs={"pw": "S3CR3T-input"}, env={"JWT_SECRET": "S3CR3T-jwt"})
    failing = [
        {"url": "https://x/{{V}}/${JWT_SECRET}", "customUserVars": {"V": {}}},
        {"url": "https://x/${input:pw}/{{UNKNOWN}}"},
        {"command": "s", "args": ["${input:pw}", "${input:absent}"]},
    ]
    for server in failing:
        with pytest.raises(mcpclient.McpError) as info:
            mcpclient.resolve_server(server, **context)
        text = json.dumps(info.value.payload)
        assert all(secret not in text for secret in SECRETS), text


def test_raw_boundary_arguments():
    out = c_void_p()
    err = c_void_p()
    assert B.mcp_config_resolve(None, None, byref(out), byref(err)) == mcpclient.Status.MCP_ERR_INVALID
    assert json.loads(B.take_string(err))["details"]["argument"] == "server_json"
    assert B.mcp_config_resolve(b"{}", b'{"nope":1}', byref(out), byref(err)) == mcpclient.Status.MCP_ERR_INVALID
    assert json.loads(B.take_string(err))["details"]["path"] == "nope"
    assert B.mcp_config_resolve(b"[]", None, byref(out), byref(err)) == mcpclient.Status.MCP_ERR_INVALID
    B.take_string(err)
    assert B.mcp_config_prepare(b"{}", b'{"tier":"user","user":{}}', byref(out), byref(err)) == mcpclient.Status.MCP_ERR_INVALID
    B.take_string(err)
    assert B.mcp_config_classify(b"{}", None, None, byref(err)) == mcpclient.Status.MCP_ERR_INVALID
    B.take_string(err)
    assert B.mcp_config_resolve(b'{"url":"https://x"}', None, byref(out), None) == mcpclient.Status.MCP_OK
    result = json.loads(B.take_string(out))
    assert result["version"] == 1 and result["scope"] == "app" and result["server"] == {"url": "https://x"}
