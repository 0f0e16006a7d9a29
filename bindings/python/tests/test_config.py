"""Config files of every format from Python: load, validate, diagnostics, export, round trip, Manager.load_config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import everything_config

import mcpclient
from mcpclient import load_config, validate_config, export_config

CORPUS = Path(__file__).resolve().parents[3] / "Tests" / "MCPClientConfigTests" / "configs"
VALID = sorted(p for p in (CORPUS / "valid").glob("*/*") if not p.name.endswith((".expected.json", ".options.json")))
BROKEN = sorted(p for p in (CORPUS / "broken").glob("*") if not p.name.endswith((".expected-diagnostics.json", ".options.json")))

LIBRECHAT = """\
# operator file
mcpSettings:
  allowedDomains: [example.com]
mcpServers:
  files:
    command: npx
    args: [-y, "@modelcontextprotocol/server-filesystem", /data]
  github:
    type: http
    url: https://api.githubcopilot.com/mcp/
    oauth:
      authorization_url: https://github.com/login/oauth/authorize
      token_url: https://github.com/login/oauth/access_token
      client_id: my-app
      client_secret: "${GITHUB_SECRET}"
"""


def _trim(diagnostic: mcpclient.ConfigDiagnostic) -> dict:
    return {k: v for k, v in diagnostic.to_dict().items() if k in ("severity", "code", "path", "line", "column", "suggestion")}


def _options(path: Path) -> dict:
    sidecar = path.with_name(path.name.rsplit(".", 1)[0] + ".options.json")
    return json.loads(sidecar.read_text()) if sidecar.exists() else {}


def test_corpus_is_there():
    assert len(VALID) >= 10 and len(BROKEN) >= 12


@pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_valid_corpus_file_loads_to_its_expected_form(path: Path):
    expected = json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".expected.json").read_text())
    cfg = load_config(path.read_text(), **_options(path))
    assert cfg.format == expected["format"] == path.parent.name
    assert cfg.servers == expected["servers"]
    assert list(cfg.servers) == list(expected["servers"])
    assert cfg.settings == expected["settings"]
    assert [_trim(d) for d in cfg.diagnostics] == expected["diagnostics"]


@pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_every_valid_corpus_file_round_trips_through_export(path: Path, fmt: str):
    cfg = load_config(path.read_text(), **_options(path))
    text = cfg.export(fmt, include_secrets=True)
    again = load_config(text)
    assert again.format == "normalized"
    assert again.servers == cfg.servers
    assert again.settings == cfg.settings
    assert again.diagnostics == [] or all(not d.is_error for d in again.diagnostics)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name)
def test_every_broken_corpus_file_raises_with_all_its_diagnostics(path: Path):
    expected = json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".expected-diagnostics.json").read_text())
    with pytest.raises(mcpclient.McpConfigError) as info:
        load_config(path.read_text(), **_options(path))
    assert [_trim(d) for d in info.value.diagnostics] == expected
    assert info.value.status == mcpclient.Status.MCP_ERR_CONFIG
    report = validate_config(path.read_text(), **_options(path))
    assert not report and report.errors
    assert [_trim(d) for d in report.diagnostics] == expected


def test_diagnostic_reads_like_a_compiler_message():
    report = validate_config("mcpServers:\n  gh:\n    url: https://x.example.com/mcp\n    oauth:\n      clientId: abc\n")
    assert report.valid  # unknown keys are warnings unless strict
    (diag,) = report.diagnostics
    assert (diag.code, diag.path, diag.line, diag.column, diag.suggestion) == ("unknown_key", "mcpServers.gh.oauth.clientId", 5, 7, "client_id")
    assert str(diag).startswith("5:7: warning: mcpServers.gh.oauth.clientId: unknown key 'clientId'")
    strict = validate_config("mcpServers:\n  gh:\n    url: https://x.example.com/mcp\n    oauth:\n      clientId: abc\n", strict=True)
    assert not strict.valid and strict.errors[0].code == "unknown_key"


def test_export_redacts_secrets_by_default():
    cfg = load_config(LIBRECHAT, file="librechat.yaml")
    assert cfg.format == "librechat"
    assert cfg.servers["github"]["type"] == "streamable-http"
    assert cfg.servers["github"]["source"] == {"format": "librechat", "file": "librechat.yaml", "tier": "operator"}
    assert cfg.settings == {"allowedDomains": ["example.com"]}
    redacted = cfg.export("yaml")
    assert "GITHUB_SECRET" not in redacted and "mcpServers:" in redacted
    reloaded = load_config(redacted)
    assert reloaded.servers["github"]["source"]["redacted"] == ["oauth.client_secret"]
    assert "${GITHUB_SECRET}" in export_config(cfg, "json", include_secrets=True)


def test_format_override_and_tier():
    text = '{"mcpServers": {"r": {"url": "https://r.example.com/mcp"}}}'
    assert load_config(text).format == "cursor"
    cfg = load_config(text, format="mcp-use", tier="user")
    assert cfg.format == "mcp-use"
    assert cfg.servers["r"]["source"]["tier"] == "user"
    with pytest.raises(mcpclient.McpInvalidError):
        load_config(text, format="nope")
    with pytest.raises(mcpclient.McpInvalidError):
        load_config(text, tier="root")


def test_pandorakit_merge_patch_against_a_registry():
    base = load_config('{"mcpServers": {"gh": {"command": "bunx", "args": ["gh"], "env": ["GITHUB_TOKEN"]}, "old": {"url": "https://o.example.com/mcp"}}}')
    assert base.format == "pandorakit"
    assert base.servers["gh"]["requireApproval"] is True and base.servers["gh"]["envForward"] == ["GITHUB_TOKEN"]
    patched = load_config('{"mcpServers": {"gh": {"enabled": false}, "old": null}}', format="pandorakit", registry=base)
    assert list(patched.servers) == ["gh"]
    assert patched.servers["gh"]["enabled"] is False and patched.servers["gh"]["command"] == "bunx"
    assert patched.removed == ["old"]


def test_aeontel_create_then_update():
    created = load_config('{"name": "Search", "url": "https://s.example.com/mcp", "authType": "api_key", "apiKey": "k1"}')
    assert created.format == "aeontel" and list(created.servers) == ["search"]
    assert created.servers["search"]["apiKey"]["key"] == "k1"
    assert created.servers["search"]["source"]["tier"] == "user"
    assert "k1" not in created.export()
    updated = load_config('{"apiKey": "k2"}', format="aeontel", registry=created, update="search")
    assert updated.servers["search"]["apiKey"]["key"] == "k2"


def test_manager_load_config_adds_enabled_servers(kind: str):
    server = everything_config(kind)
    text = json.dumps({"mcpServers": {
        "fx": {"command": server["command"], "args": server["args"]},
        "off": {"command": "true", "enabled": False},
    }})
    with mcpclient.Manager() as mgr:
        result = mgr.load_config(text, format="pandorakit")
        assert result["added"] == ["fx"]
        assert result["skipped"] == [{"server": "off", "reason": "disabled"}]
        assert result["settingsApplied"] is False
        info = mgr.connect("fx")
        assert info["server"] == "fx"
        with pytest.raises(mcpclient.McpConflictError):
            mgr.load_config(text, format="pandorakit")


def test_manager_load_config_with_errors_adds_nothing():
    with mcpclient.Manager() as mgr:
        with pytest.raises(mcpclient.McpConfigError) as info:
            mgr.load_config("mcpServers:\n  ok:\n    command: x\n    args: []\n  bad:\n    url: ftp://x\n")
        assert [d["code"] for d in info.value.details["diagnostics"]] == ["invalid_url_scheme"]
        with pytest.raises(mcpclient.McpNotFoundError):
            mgr.server_status("ok")


def test_bad_arguments_are_rejected_locally_and_by_the_library():
    with pytest.raises(mcpclient.McpInvalidError):
        load_config(42)  # type: ignore[arg-type]
    with pytest.raises(mcpclient.McpInvalidError):
        export_config({"servers": []})
    raw = mcpclient._bindings
    out = raw.new_out_string()
    err = raw.new_out_string()
    from ctypes import byref
    status = raw.mcp_config_load(None, None, byref(out), byref(err))
    assert status == mcpclient.Status.MCP_ERR_INVALID
    assert "text is NULL" in raw.take_string(err)
    assert raw.take_string(out) is None
