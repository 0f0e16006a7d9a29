"""The ABI surface itself: loader, symbols, version, status codes, error mapping."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import mcpclient
from mcpclient import Status, _bindings, _errors, _ffi

HEADER = Path(__file__).resolve().parents[3] / "include" / "mcpclient.h"
# The generated header is the contract: every function it declares must be bound, and nothing else.
CONTRACT_FUNCTIONS = re.findall(r"MCP_EXTERN\s+[^;(]*?\b(mcp_\w+)\s*\(", HEADER.read_text())


# --- pure Python (no library needed) ------------------------------------------


def test_every_contract_function_is_declared():
    assert sorted(_bindings.FUNCTIONS) == sorted(CONTRACT_FUNCTIONS)


def test_every_status_has_its_own_exception_class():
    for status in Status:
        if status == Status.MCP_OK:
            continue
        cls = mcpclient.error_class(status)
        assert issubclass(cls, mcpclient.McpError)
        assert cls.default_status == status
        if status != Status.MCP_ERROR:
            assert cls is not mcpclient.McpError, status.name
    assert mcpclient.error_class(-999) is mcpclient.McpError  # future codes degrade to the base class


def test_error_json_becomes_typed_exception():
    payload = {
        "version": 1,
        "code": -8,
        "name": "MCP_ERR_PROTOCOL",
        "source": "peer",
        "message": "Unknown tool: nope",
        "details": {"rpc": {"code": -32602, "message": "Unknown tool: nope", "data": None}},
    }
    err = _errors.error_from_status(-8, json.dumps(payload))
    assert type(err) is mcpclient.McpProtocolError
    assert (err.status, err.code, err.name) == (-8, -8, "MCP_ERR_PROTOCOL")
    assert err.message == "Unknown tool: nope"
    assert err.source == "peer"
    assert err.rpc_code == -32602
    assert err.details["rpc"]["code"] == -32602
    assert err.payload == payload
    assert "Unknown tool" in str(err)


def test_error_without_json_still_typed():
    err = _errors.error_from_status(-6, None, "call_tool failed")
    assert isinstance(err, mcpclient.McpTimeoutError) and isinstance(err, TimeoutError)
    assert err.message == "call_tool failed" and err.rpc_code is None and err.details == {}
    garbled = _errors.error_from_status(-5, "{not json")
    assert isinstance(garbled, mcpclient.McpTransportError)


def test_permission_error_is_a_python_permission_error():
    payload = {"version": 1, "code": -15, "name": "MCP_ERR_PERMISSION", "source": "local",
               "message": "user 'carol' lacks the edit permission on server 'mine'",
               "details": {"user": "carol", "server": "mine", "permission": "edit"}}
    err = _errors.error_from_status(-15, json.dumps(payload))
    assert type(err) is mcpclient.McpPermissionError and isinstance(err, PermissionError)
    assert err.name == "MCP_ERR_PERMISSION" and err.details["permission"] == "edit"


def test_return_status_wins_over_json_code():
    err = _errors.error_from_status(-11, json.dumps({"version": 1, "code": -2, "message": "m"}))
    assert isinstance(err, mcpclient.McpNotFoundError) and err.status == -11 and err.name == "MCP_ERR_NOT_FOUND"


def test_loader_env_override_must_exist(monkeypatch, tmp_path):
    missing = tmp_path / "nope" / "libmcpclient.so"
    monkeypatch.setenv(_ffi.ENV_VAR, str(missing))
    with pytest.raises(mcpclient.LibraryNotFoundError) as info:
        _ffi.find_library()
    assert str(missing) in str(info.value)
    assert info.value.tried == [str(missing)]


def test_loader_env_override_accepts_directory(monkeypatch, tmp_path):
    (tmp_path / "libmcpclient.so").write_bytes(b"")
    monkeypatch.setenv(_ffi.ENV_VAR, str(tmp_path))
    assert _ffi.find_library() == tmp_path / "libmcpclient.so"


def test_loader_error_lists_every_path(monkeypatch, tmp_path):
    monkeypatch.delenv(_ffi.ENV_VAR, raising=False)
    fake = [tmp_path / "a" / "libmcpclient.so", tmp_path / "b" / "libmcpclient.so"]
    monkeypatch.setattr(_ffi, "candidate_paths", lambda: fake)
    with pytest.raises(mcpclient.LibraryNotFoundError) as info:
        _ffi.find_library()
    for path in fake:
        assert str(path) in str(info.value)
    assert _ffi.ENV_VAR in str(info.value)


def test_default_candidates_cover_package_and_build_folders():
    paths = [str(p) for p in _ffi.candidate_paths()]
    package = Path(mcpclient.__file__).resolve().parent
    assert paths[0] == str(package / "lib" / "libmcpclient.so")
    root = Path(__file__).resolve().parents[3]
    for folder in ("release", "debug", "self-contained"):
        assert str(root / ".build" / folder / "libmcpclient.so") in paths
    # Build folders come after the package folder, newest build first.
    builds = [Path(p) for p in paths if "/.build/" in p]
    assert paths.index(str(builds[0])) > paths.index(str(package / "lib" / "libmcpclient.so"))
    mtimes = [p.stat().st_mtime if p.is_file() else 0.0 for p in builds]
    assert mtimes == sorted(mtimes, reverse=True)


# --- against the loaded library ------------------------------------------------


def test_library_exports_every_contract_symbol():
    assert _bindings.missing_symbols() == []


def test_runtime_version_matches_bindings():
    assert mcpclient.version() == "0.1.0"
    assert mcpclient.version_number() == mcpclient.EXPECTED_VERSION_NUMBER == 100
    mcpclient.check_version()
    mcpclient.assert_version()


def test_status_str_is_specific_for_every_status():
    texts = {}
    for status in Status:
        text = mcpclient.status_str(status)
        assert isinstance(text, str) and text.strip(), status.name
        texts[status] = text
    # Every code gets its own description (curl test1477 idea): no two share a string.
    assert len(set(texts.values())) == len(texts), texts
    # An unknown code still yields a string, never NULL.
    assert mcpclient.status_str(-12345).strip()


def test_string_free_accepts_null():
    _bindings.mcp_string_free(None)
