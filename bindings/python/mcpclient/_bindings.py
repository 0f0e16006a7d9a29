"""1:1 ctypes declarations of the mcpclient C ABI.

The contract is include/mcpclient.h (generated from Sources/MCPClientABI; it grew out of
the first draft, docs/abi/json.md, and adds mcp_manager_respond). JSON shapes: docs/abi/json.md.

tests/test_abi_signatures.py parses the header and fails when a function, a parameter or return type, a
callback typedef or a status code here differs from it, or when no Python module calls a function.

Each declaration carries its C prototype in a comment and is made with the
``@ctypes_function(name, argtypes, restype)`` decorator. Symbols are resolved
one by one, lazily, on first call: importing this module never loads the
library, and a symbol missing from an older library only fails when it is
called (``SymbolNotFoundError``) — use ``available(name)`` to probe.

Ownership rules at this layer:

* every ``char **out_*`` parameter is declared ``POINTER(c_void_p)``; the
  caller passes ``byref(c_void_p())`` and turns the result into ``str`` with
  ``take_string()``, which reads it with ``string_at`` and then frees it with
  ``mcp_string_free``. ``c_char_p`` is used only for borrowed inputs and for
  the static strings of ``mcp_version`` / ``mcp_status_str``.
* handles (``mcp_manager *``) are plain ``c_void_p``.
"""

from __future__ import annotations

import ctypes
import enum
import threading
from ctypes import POINTER, c_char_p, c_int32, c_int64, c_uint8, c_uint64, c_void_p
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import _ffi


class Status(enum.IntEnum):
    """``mcp_status`` (append-only; values are part of the ABI)."""

    MCP_OK = 0
    MCP_ERROR = -1
    MCP_ERR_INVALID = -2
    MCP_ERR_CONFIG = -3
    MCP_ERR_POLICY = -4
    MCP_ERR_TRANSPORT = -5
    MCP_ERR_TIMEOUT = -6
    MCP_ERR_CANCELLED = -7
    MCP_ERR_PROTOCOL = -8
    MCP_ERR_AUTH = -9
    MCP_ERR_CLOSED = -10
    MCP_ERR_NOT_FOUND = -11
    MCP_ERR_UNSUPPORTED = -12
    MCP_ERR_USER = -13
    MCP_ERR_CONFLICT = -14
    MCP_ERR_PERMISSION = -15
    MCP_ERR_UNAVAILABLE = -16


# C type aliases used in the declarations below.
mcp_status = c_int32  # typedef enum mcp_status { ... } mcp_status;  (a C enum is an int)
mcp_manager_p = c_void_p  # mcp_manager *
mcp_manager_pp = POINTER(c_void_p)  # mcp_manager **
owned_char_pp = POINTER(c_void_p)  # char **  (out-param receiving an owned string)
mcp_credential_store_p = c_void_p  # mcp_credential_store *
mcp_credential_store_pp = POINTER(c_void_p)  # mcp_credential_store **
mcp_store_value_p = c_void_p  # mcp_store_value *  (the sink a host's get function fills)
mcp_oauth_listener_p = c_void_p  # mcp_oauth_listener *
mcp_oauth_listener_pp = POINTER(c_void_p)  # mcp_oauth_listener **

# typedef int32_t (*mcp_store_get_fn)(const char *key, mcp_store_value *value, void *user_data);
mcp_store_get_fn = ctypes.CFUNCTYPE(c_int32, c_char_p, c_void_p, c_void_p)
# typedef int32_t (*mcp_store_put_fn)(const char *key, const uint8_t *bytes, int64_t length, int64_t ttl_seconds,
#                                     void *user_data);
mcp_store_put_fn = ctypes.CFUNCTYPE(c_int32, c_char_p, POINTER(c_uint8), c_int64, c_int64, c_void_p)
# typedef int32_t (*mcp_store_delete_fn)(const char *key, void *user_data);
mcp_store_delete_fn = ctypes.CFUNCTYPE(c_int32, c_char_p, c_void_p)
# typedef int32_t (*mcp_store_lock_fn)(const char *name, const char *token, int64_t ttl_ms, void *user_data);
mcp_store_lock_fn = ctypes.CFUNCTYPE(c_int32, c_char_p, c_char_p, c_int64, c_void_p)
# typedef int32_t (*mcp_store_unlock_fn)(const char *name, const char *token, void *user_data);
mcp_store_unlock_fn = ctypes.CFUNCTYPE(c_int32, c_char_p, c_char_p, c_void_p)


class SymbolNotFoundError(NotImplementedError):
    """The loaded libmcpclient.so does not export this function (older library?)."""


class CFunction:
    """A lazily bound foreign function. Calls resolve the symbol once, then go straight to ctypes."""

    def __init__(self, name: str, argtypes: Sequence[Any], restype: Any, doc: Optional[str]):
        self.name = name
        self.argtypes = list(argtypes)
        self.restype = restype
        self.__doc__ = doc
        self._fn: Optional[Callable[..., Any]] = None
        self._lock = threading.Lock()

    def _bind(self) -> Callable[..., Any]:
        with self._lock:
            if self._fn is None:
                lib = _ffi.load()
                try:
                    fn = getattr(lib, self.name)
                except AttributeError:
                    raise SymbolNotFoundError(
                        f"{self.name} is not exported by {_ffi.library_path()}"
                    ) from None
                fn.argtypes = self.argtypes
                fn.restype = self.restype
                self._fn = fn
            return self._fn

    def available(self) -> bool:
        try:
            self._bind()
        except SymbolNotFoundError:
            return False
        return True

    def __call__(self, *args: Any) -> Any:
        fn = self._fn
        if fn is None:
            fn = self._bind()
        return fn(*args)

    def __repr__(self) -> str:
        state = "bound" if self._fn is not None else "unbound"
        return f"<CFunction {self.name} ({state})>"


FUNCTIONS: Dict[str, CFunction] = {}


def ctypes_function(name: str, argtypes: Sequence[Any], restype: Any) -> Callable[[Callable[..., Any]], CFunction]:
    """Declare a C function; the decorated stub only supplies the Python name and docstring."""

    def decorator(stub: Callable[..., Any]) -> CFunction:
        fn = CFunction(name, argtypes, restype, stub.__doc__)
        FUNCTIONS[name] = fn
        return fn

    return decorator


def available(name: str) -> bool:
    """True when the loaded library exports ``name`` (loads the library)."""
    fn = FUNCTIONS.get(name)
    return fn.available() if fn is not None else hasattr(_ffi.load(), name)


def missing_symbols() -> List[str]:
    """Declared functions the loaded library does not export."""
    return [name for name, fn in FUNCTIONS.items() if not fn.available()]


# --------------------------------------------------------------------------
# Version and strings
# --------------------------------------------------------------------------

# const char *mcp_version(void);                 /* static "0.1.0" */
@ctypes_function("mcp_version", [], c_char_p)
def mcp_version() -> bytes:
    """Runtime library version string (static, not freed)."""
    ...


# int32_t mcp_version_number(void);              /* major*10000 + minor*100 + patch */
@ctypes_function("mcp_version_number", [], c_int32)
def mcp_version_number() -> int:
    """Runtime library version as major*10000 + minor*100 + patch."""
    ...


# const char *mcp_status_str(mcp_status status); /* static, never NULL */
@ctypes_function("mcp_status_str", [mcp_status], c_char_p)
def mcp_status_str(status: int) -> bytes:
    """Static name/description of a status code (not freed)."""
    ...


# void mcp_string_free(char *str);               /* NULL-safe; frees every char* the library returns */
@ctypes_function("mcp_string_free", [c_void_p], None)
def mcp_string_free(s: Optional[int]) -> None:
    """Free a string returned by the library."""
    ...


# --------------------------------------------------------------------------
# Manager
# --------------------------------------------------------------------------

# mcp_status mcp_manager_new(mcp_manager **out_manager, const char *options_json /* may be NULL */,
#                            char **out_error_json);
@ctypes_function("mcp_manager_new", [mcp_manager_pp, c_char_p, owned_char_pp], mcp_status)
def mcp_manager_new(out_manager: Any, options_json: Optional[bytes], out_error_json: Any) -> int:
    """Create a manager."""
    ...


# void mcp_manager_free(mcp_manager *manager); /* NULL-safe; disconnects everything, wakes waiters */
@ctypes_function("mcp_manager_free", [mcp_manager_p], None)
def mcp_manager_free(manager: Any) -> None:
    """Free a manager (disconnects every server, wakes next_event waiters)."""
    ...


# mcp_status mcp_manager_add_server(mcp_manager *manager, const char *name, const char *config_json,
#                                   char **out_error_json);
@ctypes_function("mcp_manager_add_server", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp], mcp_status)
def mcp_manager_add_server(manager: Any, name: bytes, config_json: bytes, out_error_json: Any) -> int:
    """Register a server configuration under a name."""
    ...


# mcp_status mcp_manager_remove_server(mcp_manager *manager, const char *name, char **out_error_json);
@ctypes_function("mcp_manager_remove_server", [mcp_manager_p, c_char_p, owned_char_pp], mcp_status)
def mcp_manager_remove_server(manager: Any, name: bytes, out_error_json: Any) -> int:
    """Remove a server (disconnecting it first)."""
    ...


# mcp_status mcp_manager_connect(mcp_manager *manager, const char *server, char **out_info_json,
#                                char **out_error_json);
@ctypes_function("mcp_manager_connect", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_connect(manager: Any, server: bytes, out_info_json: Any, out_error_json: Any) -> int:
    """Connect (spawn + handshake/discover) a server; blocks."""
    ...


# mcp_status mcp_manager_disconnect(mcp_manager *manager, const char *server, char **out_error_json);
@ctypes_function("mcp_manager_disconnect", [mcp_manager_p, c_char_p, owned_char_pp], mcp_status)
def mcp_manager_disconnect(manager: Any, server: bytes, out_error_json: Any) -> int:
    """Disconnect a server (stops its process)."""
    ...


# mcp_status mcp_manager_list_tools(mcp_manager *manager, const char *server, char **out_tools_json,
#                                   char **out_error_json);
@ctypes_function("mcp_manager_list_tools", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_list_tools(manager: Any, server: bytes, out_tools_json: Any, out_error_json: Any) -> int:
    """List a server's tools; blocks."""
    ...


# mcp_status mcp_manager_list_resources(mcp_manager *manager, const char *server, char **out_resources_json,
#                                       char **out_error_json);
@ctypes_function("mcp_manager_list_resources", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_list_resources(manager: Any, server: bytes, out_resources_json: Any, out_error_json: Any) -> int:
    """List a server's resources (all pages); blocks."""
    ...


# mcp_status mcp_manager_list_resource_templates(mcp_manager *manager, const char *server, char **out_templates_json,
#                                                char **out_error_json);
@ctypes_function("mcp_manager_list_resource_templates", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_list_resource_templates(manager: Any, server: bytes, out_templates_json: Any, out_error_json: Any) -> int:
    """List a server's resource templates (all pages); blocks."""
    ...


# mcp_status mcp_manager_list_prompts(mcp_manager *manager, const char *server, char **out_prompts_json,
#                                     char **out_error_json);
@ctypes_function("mcp_manager_list_prompts", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_list_prompts(manager: Any, server: bytes, out_prompts_json: Any, out_error_json: Any) -> int:
    """List a server's prompts (all pages); blocks."""
    ...


# mcp_status mcp_manager_read_resource(mcp_manager *manager, const char *server, const char *uri, int32_t timeout_ms,
#                                      char **out_result_json, char **out_error_json);
@ctypes_function(
    "mcp_manager_read_resource", [mcp_manager_p, c_char_p, c_char_p, c_int32, owned_char_pp, owned_char_pp], mcp_status
)
def mcp_manager_read_resource(
    manager: Any, server: bytes, uri: bytes, timeout_ms: int, out_result_json: Any, out_error_json: Any
) -> int:
    """Read one resource; blocks."""
    ...


# mcp_status mcp_manager_get_prompt(mcp_manager *manager, const char *server, const char *name,
#                                   const char *arguments_json, int32_t timeout_ms,
#                                   char **out_result_json, char **out_error_json);
@ctypes_function(
    "mcp_manager_get_prompt",
    [mcp_manager_p, c_char_p, c_char_p, c_char_p, c_int32, owned_char_pp, owned_char_pp],
    mcp_status,
)
def mcp_manager_get_prompt(
    manager: Any, server: bytes, name: bytes, arguments_json: Optional[bytes], timeout_ms: int, out_result_json: Any,
    out_error_json: Any,
) -> int:
    """Get a prompt with arguments; blocks."""
    ...


# mcp_status mcp_manager_request(mcp_manager *manager, const char *server, const char *method,
#                                const char *params_json, int32_t timeout_ms,
#                                char **out_result_json, char **out_error_json);
@ctypes_function(
    "mcp_manager_request",
    [mcp_manager_p, c_char_p, c_char_p, c_char_p, c_int32, owned_char_pp, owned_char_pp],
    mcp_status,
)
def mcp_manager_request(
    manager: Any, server: bytes, method: bytes, params_json: Optional[bytes], timeout_ms: int, out_result_json: Any,
    out_error_json: Any,
) -> int:
    """Send any MCP method; blocks."""
    ...


# mcp_status mcp_manager_subscribe(mcp_manager *manager, const char *server, const char *uri,
#                                  char **out_result_json, char **out_error_json);
@ctypes_function("mcp_manager_subscribe", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_subscribe(manager: Any, server: bytes, uri: bytes, out_result_json: Any, out_error_json: Any) -> int:
    """Subscribe to a resource's updates; blocks until the server granted it."""
    ...


# mcp_status mcp_manager_unsubscribe(mcp_manager *manager, const char *server, const char *uri,
#                                    char **out_result_json, char **out_error_json);
@ctypes_function("mcp_manager_unsubscribe", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_unsubscribe(manager: Any, server: bytes, uri: bytes, out_result_json: Any, out_error_json: Any) -> int:
    """End a resource subscription."""
    ...


# mcp_status mcp_manager_complete(mcp_manager *manager, const char *server, const char *params_json, int32_t timeout_ms,
#                                 char **out_result_json, char **out_error_json);
@ctypes_function(
    "mcp_manager_complete", [mcp_manager_p, c_char_p, c_char_p, c_int32, owned_char_pp, owned_char_pp], mcp_status
)
def mcp_manager_complete(
    manager: Any, server: bytes, params_json: bytes, timeout_ms: int, out_result_json: Any, out_error_json: Any
) -> int:
    """Argument completions (completion/complete); blocks."""
    ...


# mcp_status mcp_manager_resume_task(mcp_manager *manager, const char *server, const char *task_id, int32_t timeout_ms,
#                                    char **out_result_json, char **out_error_json);
@ctypes_function(
    "mcp_manager_resume_task", [mcp_manager_p, c_char_p, c_char_p, c_int32, owned_char_pp, owned_char_pp], mcp_status
)
def mcp_manager_resume_task(
    manager: Any, server: bytes, task_id: bytes, timeout_ms: int, out_result_json: Any, out_error_json: Any
) -> int:
    """Follow a persisted task to its end; blocks."""
    ...


# mcp_status mcp_uri_template_expand(const char *template_str, const char *variables_json, char **out_uri,
#                                    char **out_error_json);
@ctypes_function("mcp_uri_template_expand", [c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_uri_template_expand(template_str: bytes, variables_json: Optional[bytes], out_uri: Any, out_error_json: Any) -> int:
    """Expand an RFC 6570 URI template."""
    ...


# mcp_status mcp_yaml_to_json(const char *yaml, char **out_json, char **out_error_json);
@ctypes_function("mcp_yaml_to_json", [c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_yaml_to_json(yaml: bytes, out_json: Any, out_error_json: Any) -> int:
    """Convert one YAML document to compact JSON (MCP_ERR_CONFIG with line/column/excerpt on a syntax error)."""
    ...


# mcp_status mcp_manager_notify(mcp_manager *manager, const char *server, const char *method,
#                               const char *params_json, char **out_error_json);
@ctypes_function("mcp_manager_notify", [mcp_manager_p, c_char_p, c_char_p, c_char_p, owned_char_pp], mcp_status)
def mcp_manager_notify(manager: Any, server: bytes, method: bytes, params_json: Optional[bytes], out_error_json: Any) -> int:
    """Send a notification to a server."""
    ...


# --------------------------------------------------------------------------
# Config substitution (docs/config-substitution.md)
# --------------------------------------------------------------------------

# mcp_status mcp_config_prepare(const char *server_json, const char *options_json /* may be NULL */,
#                               char **out_json, char **out_error_json);
@ctypes_function("mcp_config_prepare", [c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_config_prepare(server_json: bytes, options_json: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Apply a trust tier's rules and parse-time ${VAR} expansion to a normalized server config."""
    ...


# mcp_status mcp_config_resolve(const char *server_json, const char *context_json /* may be NULL */,
#                               char **out_json, char **out_error_json);
@ctypes_function("mcp_config_resolve", [c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_config_resolve(server_json: bytes, context_json: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Resolve a normalized server config for one connection."""
    ...


# mcp_status mcp_config_classify(const char *server_json, const char *tier /* may be NULL */,
#                                char **out_json, char **out_error_json);
@ctypes_function("mcp_config_classify", [c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_config_classify(server_json: bytes, tier: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Connection scope of a normalized server config (app, user or request) and why."""
    ...


# mcp_status mcp_manager_call_tool(mcp_manager *manager, const char *server, const char *tool,
#                                  const char *arguments_json /* may be NULL = {} */,
#                                  int32_t timeout_ms /* <=0: server default */,
#                                  char **out_result_json, char **out_error_json);
@ctypes_function(
    "mcp_manager_call_tool",
    [mcp_manager_p, c_char_p, c_char_p, c_char_p, c_int32, owned_char_pp, owned_char_pp],
    mcp_status,
)
def mcp_manager_call_tool(
    manager: Any,
    server: bytes,
    tool: bytes,
    arguments_json: Optional[bytes],
    timeout_ms: int,
    out_result_json: Any,
    out_error_json: Any,
) -> int:
    """Call a tool; blocks until the result, an error or the timeout."""
    ...


# mcp_status mcp_manager_submit(mcp_manager *manager, const char *request_json, uint64_t *out_request_id,
#                               char **out_error_json);
@ctypes_function("mcp_manager_submit", [mcp_manager_p, c_char_p, POINTER(c_uint64), owned_char_pp], mcp_status)
def mcp_manager_submit(manager: Any, request_json: bytes, out_request_id: Any, out_error_json: Any) -> int:
    """Queue an asynchronous request; its outcome arrives as a result/error event."""
    ...


# mcp_status mcp_manager_cancel(mcp_manager *manager, uint64_t request_id, char **out_error_json);
@ctypes_function("mcp_manager_cancel", [mcp_manager_p, c_uint64, owned_char_pp], mcp_status)
def mcp_manager_cancel(manager: Any, request_id: int, out_error_json: Any) -> int:
    """Cancel a submitted request."""
    ...


# mcp_status mcp_manager_respond(mcp_manager *manager, uint64_t request_id, const char *response_json,
#                                char **out_error_json);
@ctypes_function("mcp_manager_respond", [mcp_manager_p, c_uint64, c_char_p, owned_char_pp], mcp_status)
def mcp_manager_respond(manager: Any, request_id: int, response_json: bytes, out_error_json: Any) -> int:
    """Answer a server->client request delivered as a {"kind":"request"} event (added after the first draft)."""
    ...


# mcp_status mcp_manager_next_event(mcp_manager *manager, int32_t timeout_ms /* <0 = wait forever */,
#                                   char **out_event_json);
#            /* MCP_OK, MCP_ERR_TIMEOUT, or MCP_ERR_CLOSED after mcp_manager_free/close */
@ctypes_function("mcp_manager_next_event", [mcp_manager_p, c_int32, owned_char_pp], mcp_status)
def mcp_manager_next_event(manager: Any, timeout_ms: int, out_event_json: Any) -> int:
    """Pop the next event, waiting up to timeout_ms."""
    ...


# mcp_status mcp_manager_server_status(mcp_manager *manager, const char *server, char **out_status_json,
#                                      char **out_error_json);
@ctypes_function("mcp_manager_server_status", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_server_status(manager: Any, server: bytes, out_status_json: Any, out_error_json: Any) -> int:
    """Snapshot of one server's status."""
    ...


# mcp_status mcp_manager_as_user(mcp_manager *manager, const char *user_json, mcp_manager **out_view,
#                                char **out_error_json);
@ctypes_function("mcp_manager_as_user", [mcp_manager_p, c_char_p, mcp_manager_pp, owned_char_pp], mcp_status)
def mcp_manager_as_user(manager: Any, user_json: bytes, out_view: Any, out_error_json: Any) -> int:
    """A user's view of the manager (free it with mcp_manager_free)."""
    ...


# mcp_status mcp_manager_reinitialize(mcp_manager *manager, const char *server, char **out_result_json,
#                                     char **out_error_json);
@ctypes_function("mcp_manager_reinitialize", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_reinitialize(manager: Any, server: bytes, out_result_json: Any, out_error_json: Any) -> int:
    """Reconnect the caller's connection to a server; LibreChat's reinitialize shape."""
    ...


# mcp_status mcp_manager_connect_all(mcp_manager *manager, const char *options_json /* may be NULL */,
#                                    char **out_report_json, char **out_error_json);
@ctypes_function("mcp_manager_connect_all", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_connect_all(manager: Any, options_json: Optional[bytes], out_report_json: Any, out_error_json: Any) -> int:
    """Open every shared connection, a few at a time; a report per server."""
    ...


# mcp_status mcp_manager_list_servers(mcp_manager *manager, const char *query_json, char **out_json, char **out_error_json);
@ctypes_function("mcp_manager_list_servers", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_list_servers(manager: Any, query_json: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """List the servers the caller may view (a page)."""
    ...


# mcp_status mcp_manager_get_server(mcp_manager *manager, const char *name, char **out_json, char **out_error_json);
@ctypes_function("mcp_manager_get_server", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_get_server(manager: Any, name: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """One server as the caller may see it."""
    ...


# mcp_status mcp_manager_create_server(mcp_manager *manager, const char *name, const char *config_json, char **out_json, char **out_error_json);
@ctypes_function("mcp_manager_create_server", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_create_server(manager: Any, name: Optional[bytes], config_json: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Create a server owned by the caller."""
    ...


# mcp_status mcp_manager_update_server(mcp_manager *manager, const char *name, const char *patch_json, char **out_json, char **out_error_json);
@ctypes_function("mcp_manager_update_server", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_update_server(manager: Any, name: Optional[bytes], patch_json: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Merge-patch a created server."""
    ...


# mcp_status mcp_manager_delete_server(mcp_manager *manager, const char *name, char **out_json, char **out_error_json);
@ctypes_function("mcp_manager_delete_server", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_delete_server(manager: Any, name: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Delete a server."""
    ...


# mcp_status mcp_manager_patch_config(mcp_manager *manager, const char *body_json, const char *format, char **out_json, char **out_error_json);
@ctypes_function("mcp_manager_patch_config", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_patch_config(manager: Any, body_json: Optional[bytes], format: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """PandoraKit's PATCH /api/config body."""
    ...


# mcp_status mcp_manager_share_server(mcp_manager *manager, const char *name, const char *grant_json, char **out_json, char **out_error_json);
@ctypes_function("mcp_manager_share_server", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_share_server(manager: Any, name: Optional[bytes], grant_json: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Share a created server with a user or role."""
    ...


# mcp_status mcp_manager_set_user_vars(mcp_manager *manager, const char *server, const char *values_json, char **out_json, char **out_error_json);
@ctypes_function("mcp_manager_set_user_vars", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_set_user_vars(manager: Any, server: Optional[bytes], values_json: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Save the view's user's customUserVars values."""
    ...


# mcp_status mcp_manager_revoke_user_vars(mcp_manager *manager, const char *server, const char *names_json, char **out_json, char **out_error_json);
@ctypes_function("mcp_manager_revoke_user_vars", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_revoke_user_vars(manager: Any, server: Optional[bytes], names_json: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Forget the view's user's saved values."""
    ...


# mcp_status mcp_manager_auth_values(mcp_manager *manager, const char *server, char **out_json, char **out_error_json);
@ctypes_function("mcp_manager_auth_values", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_auth_values(manager: Any, server: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Which customUserVars the view's user has set."""
    ...


# mcp_status mcp_manager_oauth_begin(mcp_manager *manager, const char *server, const char *user,
#                                   char **out_flow_json, char **out_error_json);
@ctypes_function("mcp_manager_oauth_begin", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_oauth_begin(manager: Any, server: bytes, user: Optional[bytes], out_flow_json: Any, out_error_json: Any) -> int:
    """Begin (or join) a user's OAuth sign-in on a server."""
    ...


# mcp_status mcp_manager_oauth_complete(mcp_manager *manager, const char *callback_url, char **out_result_json,
#                                      char **out_error_json);
@ctypes_function("mcp_manager_oauth_complete", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_oauth_complete(manager: Any, callback_url: bytes, out_result_json: Any, out_error_json: Any) -> int:
    """Complete a sign-in from the browser's callback URL."""
    ...


# mcp_status mcp_manager_oauth_complete_code(mcp_manager *manager, const char *code, const char *state,
#                                           const char *iss, char **out_result_json, char **out_error_json);
@ctypes_function(
    "mcp_manager_oauth_complete_code", [mcp_manager_p, c_char_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status
)
def mcp_manager_oauth_complete_code(
    manager: Any, code: bytes, state: bytes, iss: Optional[bytes], out_result_json: Any, out_error_json: Any
) -> int:
    """Complete a sign-in from the callback's code, state and iss."""
    ...


# mcp_status mcp_manager_oauth_cancel(mcp_manager *manager, const char *server, const char *user,
#                                    char **out_error_json);
@ctypes_function("mcp_manager_oauth_cancel", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp], mcp_status)
def mcp_manager_oauth_cancel(manager: Any, server: bytes, user: Optional[bytes], out_error_json: Any) -> int:
    """Cancel a user's pending sign-in on a server."""
    ...


# mcp_status mcp_manager_oauth_status(mcp_manager *manager, const char *server, const char *user,
#                                    char **out_status_json, char **out_error_json);
@ctypes_function("mcp_manager_oauth_status", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_oauth_status(manager: Any, server: bytes, user: Optional[bytes], out_status_json: Any, out_error_json: Any) -> int:
    """A user's authorization state on a server (never a token)."""
    ...


# mcp_status mcp_manager_oauth_logout(mcp_manager *manager, const char *server, const char *user,
#                                    char **out_report_json, char **out_error_json);
@ctypes_function("mcp_manager_oauth_logout", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_oauth_logout(manager: Any, server: bytes, user: Optional[bytes], out_report_json: Any, out_error_json: Any) -> int:
    """Sign a user out of a server (revocation where offered)."""
    ...


# mcp_status mcp_manager_set_credential_store(mcp_manager *manager, mcp_credential_store *store,
#                                            char **out_error_json);
@ctypes_function("mcp_manager_set_credential_store", [mcp_manager_p, mcp_credential_store_p, owned_char_pp], mcp_status)
def mcp_manager_set_credential_store(manager: Any, store: Any, out_error_json: Any) -> int:
    """Use this store for the manager's OAuth records (before the first OAuth use)."""
    ...


# mcp_status mcp_config_load(const char *text, const char *options_json, char **out_result_json,
#                            char **out_error_json);
@ctypes_function("mcp_config_load", [c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_config_load(text: bytes, options_json: Optional[bytes], out_result_json: Any, out_error_json: Any) -> int:
    """Load a config text of any supported format into normalized servers."""
    ...


# mcp_status mcp_config_validate(const char *text, const char *options_json, char **out_report_json,
#                                char **out_error_json);
@ctypes_function("mcp_config_validate", [c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_config_validate(text: bytes, options_json: Optional[bytes], out_report_json: Any, out_error_json: Any) -> int:
    """Check a config text and report every problem without failing on them."""
    ...


# mcp_status mcp_config_export(const char *registry_json, const char *options_json, char **out_text,
#                              char **out_error_json);
@ctypes_function("mcp_config_export", [c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_config_export(registry_json: bytes, options_json: Optional[bytes], out_text: Any, out_error_json: Any) -> int:
    """Write a registry of normalized servers as a JSON or YAML config text."""
    ...


# mcp_status mcp_manager_load_config(mcp_manager *manager, const char *text, const char *options_json,
#                                    char **out_result_json, char **out_error_json);
@ctypes_function("mcp_manager_load_config", [mcp_manager_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_load_config(manager: Any, text: bytes, options_json: Optional[bytes], out_result_json: Any, out_error_json: Any) -> int:
    """Load a config text and register every enabled server with the manager."""
    ...


# --------------------------------------------------------------------------
# OAuth: credential stores and the loopback redirect listener (docs/oauth.md)
# --------------------------------------------------------------------------

# mcp_status mcp_oauth_listener_new(mcp_oauth_listener **out_listener, const char *options_json,
#                                   char **out_error_json);
@ctypes_function("mcp_oauth_listener_new", [mcp_oauth_listener_pp, c_char_p, owned_char_pp], mcp_status)
def mcp_oauth_listener_new(out_listener: Any, options_json: Optional[bytes], out_error_json: Any) -> int:
    """Listen on 127.0.0.1 for the authorization redirect ({"port":0,"path":"/callback"})."""
    ...


# mcp_status mcp_oauth_listener_redirect_uri(mcp_oauth_listener *listener, char **out_uri, char **out_error_json);
@ctypes_function("mcp_oauth_listener_redirect_uri", [mcp_oauth_listener_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_oauth_listener_redirect_uri(listener: Any, out_uri: Any, out_error_json: Any) -> int:
    """The listener's redirect URI, http://127.0.0.1:<port><path>."""
    ...


# mcp_status mcp_oauth_listener_wait(mcp_oauth_listener *listener, int32_t timeout_ms, char **out_callback_url,
#                                    char **out_error_json);
@ctypes_function("mcp_oauth_listener_wait", [mcp_oauth_listener_p, c_int32, owned_char_pp, owned_char_pp], mcp_status)
def mcp_oauth_listener_wait(listener: Any, timeout_ms: int, out_callback_url: Any, out_error_json: Any) -> int:
    """Block until the callback arrives (MCP_ERR_TIMEOUT, MCP_ERR_CANCELLED, MCP_ERR_CLOSED)."""
    ...


# mcp_status mcp_oauth_listener_expect(mcp_oauth_listener *listener, const char *expected, char **out_error_json);
@ctypes_function("mcp_oauth_listener_expect", [mcp_oauth_listener_p, c_char_p, owned_char_pp], mcp_status)
def mcp_oauth_listener_expect(listener: Any, expected: Optional[bytes], out_error_json: Any) -> int:
    """Accept only the callback of one sign-in (its authorization URL or state); NULL accepts any."""
    ...


# mcp_status mcp_oauth_listener_cancel(mcp_oauth_listener *listener);
@ctypes_function("mcp_oauth_listener_cancel", [mcp_oauth_listener_p], mcp_status)
def mcp_oauth_listener_cancel(listener: Any) -> int:
    """Stop the listener; a waiter returns MCP_ERR_CANCELLED."""
    ...


# void mcp_oauth_listener_free(mcp_oauth_listener *listener); /* NULL-safe; wakes a waiter */
@ctypes_function("mcp_oauth_listener_free", [mcp_oauth_listener_p], None)
def mcp_oauth_listener_free(listener: Any) -> None:
    """Close the listener and release the handle."""
    ...


# mcp_status mcp_credential_store_new_memory(mcp_credential_store **out_store, char **out_error_json);
@ctypes_function("mcp_credential_store_new_memory", [mcp_credential_store_pp, owned_char_pp], mcp_status)
def mcp_credential_store_new_memory(out_store: Any, out_error_json: Any) -> int:
    """A store in process memory."""
    ...


# mcp_status mcp_credential_store_new_file(mcp_credential_store **out_store, const char *options_json,
#                                          char **out_error_json);
@ctypes_function("mcp_credential_store_new_file", [mcp_credential_store_pp, c_char_p, owned_char_pp], mcp_status)
def mcp_credential_store_new_file(out_store: Any, options_json: bytes, out_error_json: Any) -> int:
    """A store of AES-256-GCM encrypted files ({"directory", "key"|"keyEnv", "keyId", "previousKeys"})."""
    ...


# mcp_status mcp_credential_store_new_host(mcp_credential_store **out_store, const char *options_json,
#                                          mcp_store_get_fn get_fn, mcp_store_put_fn put_fn,
#                                          mcp_store_delete_fn delete_fn, void *user_data, char **out_error_json);
@ctypes_function(
    "mcp_credential_store_new_host",
    [mcp_credential_store_pp, c_char_p, mcp_store_get_fn, mcp_store_put_fn, mcp_store_delete_fn, c_void_p, owned_char_pp],
    mcp_status,
)
def mcp_credential_store_new_host(
    out_store: Any, options_json: Optional[bytes], get_fn: Any, put_fn: Any, delete_fn: Any, user_data: Any, out_error_json: Any
) -> int:
    """A store backed by host functions (records sealed unless options say {"plaintext": true})."""
    ...


# mcp_status mcp_credential_store_new_host_locking(mcp_credential_store **out_store, const char *options_json,
#                                                  mcp_store_get_fn get_fn, mcp_store_put_fn put_fn,
#                                                  mcp_store_delete_fn delete_fn, mcp_store_lock_fn lock_fn,
#                                                  mcp_store_unlock_fn unlock_fn, void *user_data, char **out_error_json);
@ctypes_function(
    "mcp_credential_store_new_host_locking",
    [mcp_credential_store_pp, c_char_p, mcp_store_get_fn, mcp_store_put_fn, mcp_store_delete_fn, mcp_store_lock_fn,
     mcp_store_unlock_fn, c_void_p, owned_char_pp],
    mcp_status,
)
def mcp_credential_store_new_host_locking(
    out_store: Any, options_json: Optional[bytes], get_fn: Any, put_fn: Any, delete_fn: Any, lock_fn: Any, unlock_fn: Any,
    user_data: Any, out_error_json: Any
) -> int:
    """A host store plus lease functions: refreshes are single-flight across the host's processes."""
    ...


# mcp_status mcp_store_value_set(mcp_store_value *value, const uint8_t *bytes, int64_t length);
@ctypes_function("mcp_store_value_set", [mcp_store_value_p, c_char_p, c_int64], mcp_status)
def mcp_store_value_set(value: Any, data: Optional[bytes], length: int) -> int:
    """From inside a get_fn: hand the record's bytes to the library (copied during the call)."""
    ...


# mcp_status mcp_credential_store_get(mcp_credential_store *store, const char *key_json, char **out_value,
#                                     int64_t *out_length, char **out_error_json);
@ctypes_function(
    "mcp_credential_store_get", [mcp_credential_store_p, c_char_p, owned_char_pp, POINTER(c_int64), owned_char_pp], mcp_status
)
def mcp_credential_store_get(store: Any, key_json: bytes, out_value: Any, out_length: Any, out_error_json: Any) -> int:
    """Read a record (MCP_ERR_NOT_FOUND when absent); *out_value holds *out_length bytes."""
    ...


# mcp_status mcp_credential_store_put(mcp_credential_store *store, const char *key_json, const uint8_t *value,
#                                     int64_t length, int64_t ttl_seconds, char **out_error_json);
@ctypes_function(
    "mcp_credential_store_put", [mcp_credential_store_p, c_char_p, c_char_p, c_int64, c_int64, owned_char_pp], mcp_status
)
def mcp_credential_store_put(store: Any, key_json: bytes, value: Optional[bytes], length: int, ttl_seconds: int, out_error_json: Any) -> int:
    """Write a record (ttl_seconds < 0: no expiry)."""
    ...


# mcp_status mcp_credential_store_delete(mcp_credential_store *store, const char *key_json, char **out_error_json);
@ctypes_function("mcp_credential_store_delete", [mcp_credential_store_p, c_char_p, owned_char_pp], mcp_status)
def mcp_credential_store_delete(store: Any, key_json: bytes, out_error_json: Any) -> int:
    """Remove a record (absent is fine)."""
    ...


# void mcp_credential_store_free(mcp_credential_store *store); /* NULL-safe */
@ctypes_function("mcp_credential_store_free", [mcp_credential_store_p], None)
def mcp_credential_store_free(store: Any) -> None:
    """Release a store handle."""
    ...


def take_bytes(slot: c_void_p, length: int) -> Optional[bytes]:
    """Read ``length`` owned bytes from an out-param slot, free them, and clear the slot. NULL gives None."""
    address = slot.value
    if not address:
        return None
    try:
        data = ctypes.string_at(address, length)
    finally:
        mcp_string_free(address)
        slot.value = None
    return data


# --------------------------------------------------------------------------
# Tools across servers (docs/abi/json.md, "Tools across servers")
# --------------------------------------------------------------------------


# mcp_status mcp_manager_list_all_tools(mcp_manager *manager, const char *options_json, char **out_tools_json,
#                                       char **out_error_json);
@ctypes_function("mcp_manager_list_all_tools", [mcp_manager_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_manager_list_all_tools(manager: Any, options_json: Optional[bytes], out_tools_json: Any, out_error_json: Any) -> int:
    """Every server's tools under model-facing names, with per-server status and collisions."""
    ...


# mcp_status mcp_manager_call_model_tool(mcp_manager *manager, const char *model_name, const char *arguments_json,
#                                        const char *options_json, char **out_result_json, char **out_error_json);
@ctypes_function(
    "mcp_manager_call_model_tool",
    [mcp_manager_p, c_char_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp],
    mcp_status,
)
def mcp_manager_call_model_tool(
    manager: Any,
    model_name: bytes,
    arguments_json: Optional[bytes],
    options_json: Optional[bytes],
    out_result_json: Any,
    out_error_json: Any,
) -> int:
    """Call a tool by its model-facing name (approval gate included)."""
    ...


# mcp_status mcp_tool_result_format(const char *result_json, const char *options_json, char **out_json,
#                                   char **out_error_json);
@ctypes_function("mcp_tool_result_format", [c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_tool_result_format(result_json: bytes, options_json: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """Format a tools/call result for a model: text, verbatim content, artifacts."""
    ...


# mcp_status mcp_tool_model_name(const char *server, const char *tool, const char *options_json, char **out_json,
#                                char **out_error_json);
@ctypes_function("mcp_tool_model_name", [c_char_p, c_char_p, c_char_p, owned_char_pp, owned_char_pp], mcp_status)
def mcp_tool_model_name(server: bytes, tool: bytes, options_json: Optional[bytes], out_json: Any, out_error_json: Any) -> int:
    """The model-facing name of one (server, tool) pair."""
    ...


# --------------------------------------------------------------------------
# Helpers for owned strings
# --------------------------------------------------------------------------


def new_out_string() -> c_void_p:
    """A ``char *`` slot to pass (with ``ctypes.byref``) as an owned-string out-param."""
    return c_void_p()


def take_string(slot: c_void_p) -> Optional[str]:
    """Read an owned string from an out-param slot, free it, and clear the slot. NULL gives None."""
    address = slot.value
    if not address:
        return None
    try:
        data = ctypes.string_at(address)
    finally:
        mcp_string_free(address)
        slot.value = None
    return data.decode("utf-8", errors="replace")


def encode(text: Optional[str]) -> Optional[bytes]:
    """A borrowed ``const char *`` argument: UTF-8 bytes, or None for NULL."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return text.encode("utf-8")
