"""mcpclient: Python bindings for libmcpclient, an embeddable MCP client runtime.

    import mcpclient

    with mcpclient.Manager() as mgr:
        mgr.add_server("time", {"type": "stdio", "command": "mcp-server-time"})
        mgr.connect("time")
        result = mgr.call_tool("time", "get_current_time", {"timezone": "UTC"})

Async code uses ``mcpclient.aio.AsyncManager`` (the same calls, awaitable, and ``async for`` events).
The shared library is found through ``MCPCLIENT_LIB_PATH``, the package folder,
or the source checkout's ``.build`` folders (see ``mcpclient._ffi``). Importing
the package does not load it; the first call does.
"""

from __future__ import annotations

from ._bindings import Status, SymbolNotFoundError
from ._errors import (
    McpAuthError,
    McpCancelledError,
    McpClosedError,
    McpConfigError,
    McpConflictError,
    McpPermissionError,
    McpUnavailableError,
    McpError,
    McpInvalidError,
    McpNotFoundError,
    McpPolicyError,
    McpProtocolError,
    McpTimeoutError,
    McpTransportError,
    McpUnsupportedError,
    McpUserError,
    error_class,
)
from ._ffi import LibraryNotFoundError
from ._version import (
    EXPECTED_VERSION,
    EXPECTED_VERSION_NUMBER,
    LibraryVersionError,
    __version__,
    check_version,
    version,
    version_number,
)
from .config import Config, ConfigDiagnostic, ValidationReport, export_config, load_config, validate_config
from .manager import Manager, expand_uri_template, status_str
from .server import Server, Tool
from .aio import AsyncManager, AsyncUserView
from .oauth_store import CredentialStore, FileStore, HostStore, LoopbackListener, MemoryStore
from .substitution import Prepared, Resolved, Scope, classify_server, prepare_server, resolve_server
from .tools import approval_required, format_tool_result, tool_model_name
from .yaml_json import yaml_to_json

assert_version = check_version  # the sqlite-style "assert runtime == header" helper

__all__ = [
    "Manager",
    "Server",
    "Tool",
    "AsyncManager",
    "AsyncUserView",
    "Config",
    "ConfigDiagnostic",
    "ValidationReport",
    "load_config",
    "validate_config",
    "export_config",
    "Status",
    "version",
    "version_number",
    "check_version",
    "assert_version",
    "status_str",
    "expand_uri_template",
    "resolve_server",
    "prepare_server",
    "classify_server",
    "Resolved",
    "Prepared",
    "Scope",
    "yaml_to_json",
    "format_tool_result",
    "tool_model_name",
    "approval_required",
    "CredentialStore",
    "MemoryStore",
    "FileStore",
    "HostStore",
    "LoopbackListener",
    "EXPECTED_VERSION",
    "EXPECTED_VERSION_NUMBER",
    "__version__",
    "LibraryNotFoundError",
    "LibraryVersionError",
    "SymbolNotFoundError",
    "error_class",
    "McpError",
    "McpInvalidError",
    "McpConfigError",
    "McpPolicyError",
    "McpTransportError",
    "McpTimeoutError",
    "McpCancelledError",
    "McpProtocolError",
    "McpAuthError",
    "McpClosedError",
    "McpNotFoundError",
    "McpUnsupportedError",
    "McpUserError",
    "McpConflictError",
    "McpPermissionError",
    "McpUnavailableError",
]
