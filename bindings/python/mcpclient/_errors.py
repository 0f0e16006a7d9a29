"""Typed exceptions built from the library's error JSON.

Error JSON (docs/abi/json.md)::

    {"version":1,"code":-5,"name":"MCP_ERR_TRANSPORT","source":"local"|"peer"|"config",
     "message":"...","details":{...}}

Peer JSON-RPC errors carry ``details.rpc = {"code":-32602,"message":..,"data":..}``;
``rpc_code`` exposes that code (a top-level ``"rpc"`` object, as in
c-abi-style.md §4.2, is accepted too).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Type

from ._bindings import Status


class McpError(Exception):
    """Base class of every error the library reports; raised itself for MCP_ERROR (-1, no more specific code)
    and for codes newer than these bindings.

    Attributes: ``status`` (int ``mcp_status``), ``name`` (e.g. ``"MCP_ERR_TIMEOUT"``),
    ``message``, ``source`` (``"local"``, ``"peer"``, ``"config"``, ...), ``details``
    (dict), ``rpc_code`` (JSON-RPC error code of a peer error, else None) and
    ``payload`` (the whole error JSON as a dict, or None when the library gave none).
    """

    default_status = Status.MCP_ERROR

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        name: Optional[str] = None,
        source: Optional[str] = None,
        details: Optional[Dict[str, Any]] = None,
        rpc_code: Optional[int] = None,
        payload: Optional[Dict[str, Any]] = None,
    ):
        super().__init__(message)
        self.status = int(self.default_status if status is None else status)
        self.name = name or _status_name(self.status)
        self.message = message
        self.source = source
        self.details = details if details is not None else {}
        self.rpc_code = rpc_code
        self.payload = payload

    @property
    def code(self) -> int:
        """Alias of ``status`` (the error JSON calls it ``code``)."""
        return self.status

    @property
    def code_name(self) -> str:
        """Alias of ``name``."""
        return self.name

    def __str__(self) -> str:
        text = f"{self.name}: {self.message}"
        if self.rpc_code is not None:
            text += f" (rpc {self.rpc_code})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, name={self.name!r}, message={self.message!r}, "
            f"source={self.source!r}, rpc_code={self.rpc_code!r})"
        )


class McpInvalidError(McpError, ValueError):
    """MCP_ERR_INVALID: bad argument, UTF-8 or JSON."""

    default_status = Status.MCP_ERR_INVALID


class McpConfigError(McpError):
    """MCP_ERR_CONFIG: invalid server configuration."""

    default_status = Status.MCP_ERR_CONFIG


class McpPolicyError(McpError):
    """MCP_ERR_POLICY: blocked by SSRF or domain policy."""

    default_status = Status.MCP_ERR_POLICY


class McpTransportError(McpError):
    """MCP_ERR_TRANSPORT: transport failure (spawn, pipe, HTTP...)."""

    default_status = Status.MCP_ERR_TRANSPORT


class McpTimeoutError(McpError, TimeoutError):
    """MCP_ERR_TIMEOUT: the operation timed out."""

    default_status = Status.MCP_ERR_TIMEOUT


class McpCancelledError(McpError):
    """MCP_ERR_CANCELLED: the request was cancelled."""

    default_status = Status.MCP_ERR_CANCELLED


class McpProtocolError(McpError):
    """MCP_ERR_PROTOCOL: the peer answered with a JSON-RPC error (see ``rpc_code``)."""

    default_status = Status.MCP_ERR_PROTOCOL


class McpAuthError(McpError):
    """MCP_ERR_AUTH: authorization required or failed."""

    default_status = Status.MCP_ERR_AUTH


class McpClosedError(McpError):
    """MCP_ERR_CLOSED: the handle was shut down (or closed on the Python side)."""

    default_status = Status.MCP_ERR_CLOSED


class McpNotFoundError(McpError, LookupError):
    """MCP_ERR_NOT_FOUND: unknown server, tool or request."""

    default_status = Status.MCP_ERR_NOT_FOUND


class McpUnsupportedError(McpError):
    """MCP_ERR_UNSUPPORTED: not supported."""

    default_status = Status.MCP_ERR_UNSUPPORTED


class McpUserError(McpError):
    """MCP_ERR_USER: an error returned by a host callback."""

    default_status = Status.MCP_ERR_USER


class McpConflictError(McpError):
    """MCP_ERR_CONFLICT: conflicting state (e.g. a server name already in use)."""

    default_status = Status.MCP_ERR_CONFLICT


class McpPermissionError(McpError, PermissionError):
    """MCP_ERR_PERMISSION: the user may not do this (server permissions, or a tool call that needs approval)."""

    default_status = Status.MCP_ERR_PERMISSION


class McpUnavailableError(McpError):
    """MCP_ERR_UNAVAILABLE: temporarily unavailable (circuit breaker open, rate limited); retry later."""

    default_status = Status.MCP_ERR_UNAVAILABLE


ERROR_CLASSES: Dict[int, Type[McpError]] = {
    int(Status.MCP_ERROR): McpError,
    int(Status.MCP_ERR_INVALID): McpInvalidError,
    int(Status.MCP_ERR_CONFIG): McpConfigError,
    int(Status.MCP_ERR_POLICY): McpPolicyError,
    int(Status.MCP_ERR_TRANSPORT): McpTransportError,
    int(Status.MCP_ERR_TIMEOUT): McpTimeoutError,
    int(Status.MCP_ERR_CANCELLED): McpCancelledError,
    int(Status.MCP_ERR_PROTOCOL): McpProtocolError,
    int(Status.MCP_ERR_AUTH): McpAuthError,
    int(Status.MCP_ERR_CLOSED): McpClosedError,
    int(Status.MCP_ERR_NOT_FOUND): McpNotFoundError,
    int(Status.MCP_ERR_UNSUPPORTED): McpUnsupportedError,
    int(Status.MCP_ERR_USER): McpUserError,
    int(Status.MCP_ERR_CONFLICT): McpConflictError,
    int(Status.MCP_ERR_PERMISSION): McpPermissionError,
    int(Status.MCP_ERR_UNAVAILABLE): McpUnavailableError,
}


def _status_name(status: int) -> str:
    try:
        return Status(status).name
    except ValueError:
        return f"MCP_STATUS_{status}"


def error_class(status: int) -> Type[McpError]:
    """The exception class for a status; unknown (future) codes map to McpError."""
    return ERROR_CLASSES.get(int(status), McpError)


def _rpc_code(payload: Dict[str, Any]) -> Optional[int]:
    for holder in (payload.get("details"), payload):
        if isinstance(holder, dict):
            rpc = holder.get("rpc")
            if isinstance(rpc, dict) and isinstance(rpc.get("code"), int):
                return rpc["code"]
    return None


def error_from_payload(payload: Dict[str, Any], status: Optional[int] = None) -> McpError:
    """Build the typed exception from a decoded error JSON object.

    ``status`` is the function's return value; it wins over a disagreeing ``code``
    in the JSON, so the exception class always matches what the C call returned.
    """
    code = payload.get("code")
    if status is None:
        status = code if isinstance(code, int) else int(Status.MCP_ERROR)
    cls = error_class(status)
    details = payload.get("details")
    if not isinstance(details, dict):
        details = {}
    message = payload.get("message")
    if not isinstance(message, str) or not message:
        message = _status_name(status)
    name = payload.get("name") if isinstance(payload.get("name"), str) else None
    if name is None or (isinstance(code, int) and code != status):
        name = _status_name(status)
    return cls(
        message,
        status=status,
        name=name,
        source=payload.get("source") if isinstance(payload.get("source"), str) else None,
        details=details,
        rpc_code=_rpc_code(payload),
        payload=payload,
    )


def error_from_status(status: int, error_json: Optional[str], fallback_message: Optional[str] = None) -> McpError:
    """Build the typed exception for a failed call from its status and (possibly NULL) error JSON."""
    if error_json:
        try:
            payload = json.loads(error_json)
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            return error_from_payload(payload, status)
        return error_class(status)(
            f"{fallback_message or _status_name(status)} (unparseable error JSON: {error_json!r})",
            status=status,
            source="local",
        )
    return error_class(status)(fallback_message or _status_name(status), status=status, source="local")
