"""Tools across servers: one listing under model-facing names, calls by those names, result formatting.

    listing = mgr.list_all_tools(max_length=64)
    for tool in listing["tools"]:
        offer(tool["modelName"], tool["description"], tool["inputSchema"])
    try:
        payload = mgr.call_model_tool(name_from_model, arguments, format=True)
    except mcpclient.McpPermissionError as err:
        if approval_required(err):           # ask the user, then call again with approved=True
            ...

Shapes: docs/abi/json.md, "Tools across servers". ``ToolsMixin`` is part of ``Manager``.
"""

from __future__ import annotations

import json
from ctypes import byref, c_void_p
from typing import Any, Dict, Iterable, Optional

from . import _bindings as B
from ._bindings import Status, encode, take_string
from ._errors import McpError, McpInvalidError, error_from_status

__all__ = ["ToolsMixin", "format_tool_result", "tool_model_name", "approval_required"]


def _options(**values: Any) -> Optional[bytes]:
    """An options object of the given values that are not None (None when nothing is set)."""
    chosen = {key: value for key, value in values.items() if value is not None}
    if not chosen:
        return None
    try:
        return json.dumps(chosen, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise McpInvalidError(f"options are not JSON-serialisable: {exc}", source="local") from exc


def _json_bytes(value: Any, what: str) -> Optional[bytes]:
    """A dict is serialised, a str is raw JSON passed as is, None stays NULL."""
    if value is None:
        return None
    if isinstance(value, str):
        return _text(value, what)
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise McpInvalidError(f"{what} is not JSON-serialisable: {exc}", source="local") from exc


def _text(value: str, what: str) -> bytes:
    if not isinstance(value, str):
        raise McpInvalidError(f"{what} must be a str, not {type(value).__name__}", source="local")
    try:
        return encode(value)  # type: ignore[return-value]
    except UnicodeEncodeError as exc:
        raise McpInvalidError(f"{what} is not valid UTF-8: {exc}", source="local") from exc


def _call(what: str, function: Any, *args: Any) -> Dict[str, Any]:
    """``function(*args, &out, &err)``; the owned output decoded, or the typed exception."""
    out = c_void_p()
    err = c_void_p()
    try:
        status = function(*args, byref(out), byref(err))
        error_json = take_string(err)
        if status != Status.MCP_OK:
            raise error_from_status(status, error_json, f"{what} failed")
        text = take_string(out)
    finally:
        take_string(out)
    if text is None:
        raise McpError(f"{what} returned MCP_OK but no JSON", source="local")
    value = json.loads(text)
    if not isinstance(value, dict):
        raise McpError(f"{what} returned JSON that is not an object: {text[:200]!r}", source="local")
    return value


def approval_required(error: BaseException) -> bool:
    """True for the refusal of a call that needs the user's approval (MCP_ERR_PERMISSION, details.reason)."""
    return isinstance(error, McpError) and error.status == Status.MCP_ERR_PERMISSION and \
        (error.details or {}).get("reason") == "approval_required"


def format_tool_result(
    result: Any, max_artifact_bytes: Optional[int] = None, output_schema: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    """``mcp_tool_result_format``: ``{"isError","text","content","structuredContent"?,"structuredValid"?,
    "artifacts":{"images","audio","resources","links","ui"}}`` for a tools/call result or call payload."""
    options = _options(maxArtifactBytes=max_artifact_bytes, outputSchema=output_schema)
    return _call("format_tool_result", B.mcp_tool_result_format, _json_bytes(result, "result"), options)


def tool_model_name(
    server: str,
    tool: str,
    style: Optional[str] = None,
    delimiter: Optional[str] = None,
    charset: Optional[str] = None,
    max_length: Optional[int] = None,
) -> Dict[str, Any]:
    """``mcp_tool_model_name``: ``{"modelName","shortened","normalizedServer",...}`` for one pair."""
    options = _options(style=style, delimiter=delimiter, charset=charset, maxLength=max_length)
    return _call("tool_model_name", B.mcp_tool_model_name, _text(server, "server"), _text(tool, "tool"), options)


class ToolsMixin:
    """Methods of ``Manager`` for tools across servers (needs ``self._handle()``)."""

    def _handle(self) -> Any:  # provided by Manager
        raise NotImplementedError

    def list_all_tools(
        self,
        servers: Optional[Iterable[str]] = None,
        style: Optional[str] = None,
        delimiter: Optional[str] = None,
        charset: Optional[str] = None,
        max_length: Optional[int] = None,
        timeout_ms: Optional[int] = None,
        concurrency: Optional[int] = None,
    ) -> Dict[str, Any]:
        """``mcp_manager_list_all_tools``: ``{"tools":[…], "servers":{name: {...}}, "collisions":[…], "naming"}``.
        A failing server is reported under ``servers`` and does not raise."""
        options = _options(
            servers=None if servers is None else list(servers), style=style, delimiter=delimiter, charset=charset,
            maxLength=max_length, timeoutMs=timeout_ms, concurrency=concurrency)
        return _call("list_all_tools", B.mcp_manager_list_all_tools, self._handle(), options)

    def call_model_tool_payload(
        self,
        model_name: str,
        arguments: Any = None,
        approved: bool = False,
        timeout_ms: Optional[int] = None,
        format: bool = False,
        max_artifact_bytes: Optional[int] = None,
        **naming: Any,
    ) -> Dict[str, Any]:
        """``mcp_manager_call_model_tool``: ``{"server","tool","modelName","result","formatted"?}``.
        Raises ``McpPermissionError`` (``approval_required(err)``) when the tool needs approval and ``approved`` is False.
        ``naming`` takes ``style``, ``delimiter``, ``charset``, ``max_length`` for a fresh listing."""
        unknown = set(naming) - {"style", "delimiter", "charset", "max_length"}
        if unknown:
            raise McpInvalidError(f"unknown keyword argument(s): {sorted(unknown)}", source="local")
        options = _options(
            approved=approved or None, timeoutMs=timeout_ms, format=format or None, maxArtifactBytes=max_artifact_bytes,
            style=naming.get("style"), delimiter=naming.get("delimiter"), charset=naming.get("charset"),
            maxLength=naming.get("max_length"))
        return _call(
            "call_model_tool", B.mcp_manager_call_model_tool, self._handle(), _text(model_name, "model_name"),
            _json_bytes(arguments, "arguments"), options)

    def call_model_tool(self, model_name: str, arguments: Any = None, approved: bool = False,
                        timeout_ms: Optional[int] = None) -> Dict[str, Any]:
        """The MCP result of a call by model-facing name (see ``call_model_tool_payload``)."""
        payload = self.call_model_tool_payload(model_name, arguments, approved=approved, timeout_ms=timeout_ms)
        result = payload.get("result")
        if not isinstance(result, dict):
            raise McpError(f"call payload has no 'result' object: {payload!r}", source="local")
        return result
