"""Boundary discipline of the C functions themselves, called through the raw declarations.

c-abi-style.md §4.5: a careless NULL, invalid UTF-8 or invalid JSON must come back as
MCP_ERR_INVALID (with error JSON when out_error_json is given), never crash the host.
"""

from __future__ import annotations

import json
from ctypes import byref, c_uint64, c_void_p

import pytest

import mcpclient
from mcpclient import _bindings as B

INVALID = int(mcpclient.Status.MCP_ERR_INVALID)
CONFIG = b'{"type": "stdio", "command": "python3"}'


def call_with_error(fn, *args):
    """Call fn(*args, &err); return (status, decoded error JSON or None)."""
    err = c_void_p()
    status = fn(*args, byref(err))
    text = B.take_string(err)
    return status, (json.loads(text) if text else None)


@pytest.fixture
def handle(manager):
    return manager.ptr()


def assert_invalid(status, error, argument=None):
    assert status == INVALID
    assert error is not None and error["version"] == 1
    assert error["code"] == INVALID and error["name"] == "MCP_ERR_INVALID"
    assert error["message"]
    if argument is not None:
        assert argument in error["message"] or error.get("details", {}).get("argument") == argument, error


def test_null_manager():
    assert_invalid(*call_with_error(B.mcp_manager_add_server, None, b"x", CONFIG))
    assert_invalid(*call_with_error(B.mcp_manager_connect, None, b"x", byref(c_void_p())))
    assert B.mcp_manager_next_event(None, 0, byref(c_void_p())) == INVALID
    B.mcp_manager_free(None)  # NULL-safe


def test_null_arguments(handle):
    assert_invalid(*call_with_error(B.mcp_manager_add_server, handle, None, CONFIG), "name")
    assert_invalid(*call_with_error(B.mcp_manager_add_server, handle, b"x", None), "config_json")
    assert_invalid(*call_with_error(B.mcp_manager_connect, handle, None, byref(c_void_p())), "server")
    assert_invalid(*call_with_error(B.mcp_manager_submit, handle, None, byref(c_uint64())), "request_json")
    assert_invalid(
        *call_with_error(B.mcp_manager_submit, handle, b'{"op": "connect", "server": "x"}', None), "out_request_id"
    )
    assert B.mcp_manager_next_event(handle, 0, None) == INVALID
    assert B.mcp_manager_new(None, None, None) == INVALID


def test_null_error_out_param_is_allowed(handle):
    # out_error_json may be NULL: the status alone still comes back.
    out = c_void_p()
    assert B.mcp_manager_list_tools(handle, b"ghost", byref(out), None) == mcpclient.Status.MCP_ERR_NOT_FOUND
    assert out.value is None


def test_invalid_utf8(handle):
    assert_invalid(*call_with_error(B.mcp_manager_add_server, handle, b"\xff\xfe", CONFIG), "name")
    assert_invalid(
        *call_with_error(B.mcp_manager_add_server, handle, b"x", b'{"type": "stdio", "command": "py\xffthon3"}')
    )


def test_python_rejects_lone_surrogates(manager):
    with pytest.raises(mcpclient.McpInvalidError):
        manager.add_server("bad\udc80name", {"type": "stdio", "command": "python3"})
    with pytest.raises(mcpclient.McpInvalidError):
        manager.add_server("ok", {"type": "stdio", "command": "python3", "args": ["\udc80"]})


def test_null_arguments_of_the_subscription_task_and_completion_functions(handle):
    out = c_void_p()
    for fn in (B.mcp_manager_subscribe, B.mcp_manager_unsubscribe):
        assert_invalid(*call_with_error(fn, handle, None, b"fixture://x", byref(out)), "server")
        assert_invalid(*call_with_error(fn, handle, b"s", None, byref(out)), "uri")
        assert_invalid(*call_with_error(fn, None, b"s", b"fixture://x", byref(out)))
    assert_invalid(*call_with_error(B.mcp_manager_complete, handle, b"s", None, 0, byref(out)), "params_json")
    assert_invalid(*call_with_error(B.mcp_manager_complete, handle, b"s", b"[1]", 0, byref(out)), "params_json")
    assert_invalid(*call_with_error(B.mcp_manager_complete, handle, b"s", b'{"ref": {}}', 0, byref(out)))
    assert_invalid(*call_with_error(B.mcp_manager_resume_task, handle, b"s", None, 0, byref(out)), "task_id")
    assert_invalid(*call_with_error(B.mcp_manager_resume_task, handle, b"s", b"t", 0, None), "out_result_json")
    assert out.value is None


def test_uri_template_expand_at_the_boundary():
    out = c_void_p()
    assert_invalid(*call_with_error(B.mcp_uri_template_expand, None, None, byref(out)), "template_str")
    assert_invalid(*call_with_error(B.mcp_uri_template_expand, b"{x}", None, None), "out_uri")
    assert_invalid(*call_with_error(B.mcp_uri_template_expand, b"{x}", b"{bad", byref(out)), "variables_json")
    assert_invalid(*call_with_error(B.mcp_uri_template_expand, b"\xff{x}", None, byref(out)), "template_str")
    status, error = call_with_error(B.mcp_uri_template_expand, b"a{", None, byref(out))
    assert_invalid(status, error)
    assert error["details"]["offset"] == 1
    assert out.value is None
    assert B.mcp_uri_template_expand(b"/{x}{?y}", b'{"x": "a b", "y": 1}', byref(out), None) == mcpclient.Status.MCP_OK
    assert B.take_string(out) == "/a%20b?y=1"
