"""Pythonic wrapper over ``mcp_manager``.

Every method maps 1:1 onto a C function. Inputs may be given as Python objects
(serialised with ``json.dumps``) or as ``str`` holding raw JSON, which is passed
through untouched (so the library's own JSON validation can be exercised).
Failures raise the ``McpError`` subclass that matches the returned status.

Thread safety: one Manager may be used from many Python threads at once; the
library handle is thread-safe and ctypes releases the GIL for every foreign
call, so blocking calls and ``next_event`` run in parallel.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import webbrowser
from ctypes import byref, c_uint64, c_void_p
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Union

from . import _bindings as B
from ._bindings import Status, encode, take_string
from ._errors import McpClosedError, McpConfigError, McpError, McpInvalidError, error_from_status
from ._managed import Managed
from .config import _options, _text
from ._version import ensure_version_checked
from .tools import ToolsMixin

if TYPE_CHECKING:
    from .server import Server

JsonInput = Union[Dict[str, Any], str]

_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1
_UINT64_MAX = 2**64 - 1


def _json_arg(value: Optional[JsonInput], what: str) -> Optional[str]:
    """Serialise a JSON argument exactly as given (nothing is added). A str is raw JSON and is
    passed as is; None stays NULL."""
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise McpInvalidError(f"{what} must be a dict or a JSON string, not {type(value).__name__}", source="local")
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise McpInvalidError(f"{what} is not JSON-serialisable: {exc}", source="local") from exc


def _decode(text: Optional[str], what: str) -> Dict[str, Any]:
    if text is None:
        raise McpError(f"the library returned MCP_OK but no {what} JSON", source="local")
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise McpError(f"the library returned invalid {what} JSON: {exc}: {text[:200]!r}", source="local") from exc
    if not isinstance(value, dict):
        raise McpError(f"the library returned {what} JSON that is not an object: {text[:200]!r}", source="local")
    return value


def _int32(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise McpInvalidError(f"{what} must be an int", source="local")
    if not _INT32_MIN <= value <= _INT32_MAX:
        raise McpInvalidError(f"{what} {value} does not fit in int32_t", source="local")
    return value


def _name(value: str, what: str) -> bytes:
    if not isinstance(value, str):
        raise McpInvalidError(f"{what} must be a str, not {type(value).__name__}", source="local")
    return _utf8(value, what)


def _optional_name(value: Optional[str], what: str) -> Optional[bytes]:
    return None if value is None else _name(value, what)


def _utf8(value: Optional[str], what: str) -> Optional[bytes]:
    """A borrowed ``const char *``: UTF-8 bytes (None stays NULL). Lone surrogates are rejected here."""
    if value is None:
        return None
    try:
        return encode(value)
    except UnicodeEncodeError as exc:
        raise McpInvalidError(f"{what} is not valid UTF-8: {exc}", source="local") from exc


def _raise_for(status: int, err: c_void_p, what: str) -> None:
    """Free the error string (always) and raise if ``status`` is not MCP_OK."""
    error_json = take_string(err)
    if status != Status.MCP_OK:
        raise error_from_status(status, error_json, f"{what} failed: {status_str(status)}")


def _check_request_id(request_id: int) -> None:
    if isinstance(request_id, bool) or not isinstance(request_id, int) or not 0 <= request_id <= _UINT64_MAX:
        raise McpInvalidError(f"request_id must be an int in uint64_t range, not {request_id!r}", source="local")


def status_str(status: int) -> str:
    """``mcp_status_str(status)`` as a Python str."""
    raw = B.mcp_status_str(int(status))
    return raw.decode("utf-8", errors="replace") if raw is not None else ""


def expand_uri_template(template: str, variables: Optional[JsonInput] = None) -> str:
    """Expand an RFC 6570 URI template (e.g. a resource template's ``uriTemplate``) with ``variables``."""
    out = c_void_p()
    err = c_void_p()
    try:
        status = B.mcp_uri_template_expand(
            _utf8(template, "template"), _utf8(_json_arg(variables, "variables"), "variables"), byref(out), byref(err)
        )
        _raise_for(status, err, "expand_uri_template")
        return take_string(out) or ""
    finally:
        take_string(out)


class Manager(ToolsMixin, Managed):
    """Many MCP servers behind one thread-safe handle (``mcp_manager``)."""

    def __init__(self, options: Optional[JsonInput] = None):
        ensure_version_checked()
        options_json = _json_arg(options, "options")
        out = c_void_p()
        err = c_void_p()
        status = B.mcp_manager_new(byref(out), _utf8(options_json, "options"), byref(err))
        try:
            _raise_for(status, err, "mcp_manager_new")
        except BaseException:
            if out.value:  # defensive: never leak a handle returned alongside an error
                B.mcp_manager_free(out.value)
            raise
        if not out.value:
            raise McpError("mcp_manager_new returned MCP_OK but no handle", source="local")
        super().__init__(out.value)

    # -- lifetime ----------------------------------------------------------

    def _delete(self, ptr: Any) -> None:
        B.mcp_manager_free(ptr)

    def _handle(self) -> Any:
        ptr = self._ptr
        if ptr is None:
            raise McpClosedError("already closed", source="local")
        return ptr

    # -- servers -----------------------------------------------------------

    def add_server(self, name: str, config: JsonInput) -> None:
        """Register a server configuration (``mcp_manager_add_server``)."""
        config_json = _json_arg(config, "config")
        if config_json is None:
            raise McpInvalidError("config is required", source="local")
        err = c_void_p()
        status = B.mcp_manager_add_server(self._handle(), _name(name, "name"), _utf8(config_json, "config"), byref(err))
        _raise_for(status, err, "add_server")

    def load_config(self, text: str, format: Optional[str] = None, strict: bool = False, file: Optional[str] = None,
                    tier: Optional[str] = None) -> Dict[str, Any]:
        """Load a config text of any supported format and register every enabled server
        (``mcp_manager_load_config``). Returns the load result plus ``added``, ``skipped`` and
        ``settingsApplied``. A config with errors raises ``McpConfigError`` (``.details["diagnostics"]``)
        and registers nothing."""
        options = _options(format, strict, file, tier, None, None)
        result = self._json_call("load_config", B.mcp_manager_load_config, _text(text), options.encode("utf-8"))
        return result

    def _json_call(self, what: str, function: Any, *args: Any) -> Dict[str, Any]:
        """Call ``function(handle, *args, &out, &err)`` and return its owned JSON output, decoded."""
        out = c_void_p()
        err = c_void_p()
        try:
            status = function(self._handle(), *args, byref(out), byref(err))
            _raise_for(status, err, what)
            return _decode(take_string(out), what)
        finally:
            take_string(out)

    def remove_server(self, name: str) -> None:
        err = c_void_p()
        status = B.mcp_manager_remove_server(self._handle(), _name(name, "name"), byref(err))
        _raise_for(status, err, "remove_server")

    def connect(self, name: str) -> Dict[str, Any]:
        """Connect a server and return the connect info (era, protocolVersion, serverInfo, ...)."""
        return self._json_call("connect", B.mcp_manager_connect, _name(name, "server"))

    def disconnect(self, name: str) -> None:
        err = c_void_p()
        status = B.mcp_manager_disconnect(self._handle(), _name(name, "server"), byref(err))
        _raise_for(status, err, "disconnect")

    def server_status(self, name: str) -> Dict[str, Any]:
        return self._json_call("server_status", B.mcp_manager_server_status, _name(name, "server"))

    def reinitialize(self, name: str) -> Dict[str, Any]:
        """Reconnect (clearing the circuit breaker) and report like LibreChat's reinitialize route:
        ``success``, ``message``, ``serverName``, ``oauthRequired``, ``oauthUrl``, ``failureReason``, ...
        A failed reconnect is a result with ``success`` False, not an exception."""
        return self._json_call("reinitialize", B.mcp_manager_reinitialize, _name(name, "server"))

    def connect_all(self, parallel: Optional[int] = None) -> Dict[str, Any]:
        """Open the shared connection of every server that gets one, ``parallel`` (default 3) at a time:
        ``{"servers": {name: {"status": "connected"|"error"|"skipped", ...}}}``."""
        options = None if parallel is None else json.dumps({"parallel": parallel})
        return self._json_call("connect_all", B.mcp_manager_connect_all, _utf8(options, "options"))

    # -- registry (docs/registry.md) ------------------------------------------

    def list_servers(self, limit: Optional[int] = None, after: Optional[str] = None,
                     search: Optional[str] = None) -> Dict[str, Any]:
        """A page of the servers the caller may view: ``{"data": [...], "has_more", "after"}``."""
        query = {k: v for k, v in (("limit", limit), ("after", after), ("search", search)) if v is not None}
        return self._json_call("list_servers", B.mcp_manager_list_servers, _utf8(json.dumps(query), "query"))

    def get_server(self, name: str) -> Dict[str, Any]:
        return self._json_call("get_server", B.mcp_manager_get_server, _name(name, "name"))

    def create_server(self, config: JsonInput, name: Optional[str] = None) -> Dict[str, Any]:
        """Create a server owned by the caller (name derived from ``title`` when None)."""
        return self._json_call("create_server", B.mcp_manager_create_server, _optional_name(name, "name"),
                               _utf8(_json_arg(config, "config"), "config"))

    def update_server(self, name: str, patch: JsonInput) -> Dict[str, Any]:
        """RFC 7386 merge patch (``None`` values remove fields); the server's connections are rebuilt."""
        return self._json_call("update_server", B.mcp_manager_update_server, _name(name, "name"),
                               _utf8(_json_arg(patch, "patch"), "patch"))

    def delete_server(self, name: str) -> Dict[str, Any]:
        return self._json_call("delete_server", B.mcp_manager_delete_server, _name(name, "name"))

    def patch_config(self, body: JsonInput, format: Optional[str] = None) -> Dict[str, Any]:
        """PandoraKit's ``PATCH /api/config`` body ``{"mcpServers": {name: None | {...}}}``, all or nothing."""
        return self._json_call("patch_config", B.mcp_manager_patch_config, _utf8(_json_arg(body, "body"), "body"),
                               _optional_name(format, "format"))

    def share_server(self, name: str, permissions: Any, user: Optional[str] = None,
                     role: Optional[str] = None) -> Dict[str, Any]:
        """Grant ``permissions`` (names or a mask; empty takes the grant away) to a user or a role."""
        grant: Dict[str, Any] = {"permissions": permissions}
        if user is not None:
            grant["user"] = user
        if role is not None:
            grant["role"] = role
        return self._json_call("share_server", B.mcp_manager_share_server, _name(name, "name"),
                               _utf8(json.dumps(grant), "grant"))

    def set_user_vars(self, server: str, values: Dict[str, str]) -> Dict[str, bool]:
        """Save this view's user's ``customUserVars`` values; returns the flags (never values)."""
        result = self._json_call("set_user_vars", B.mcp_manager_set_user_vars, _name(server, "server"),
                                 _utf8(_json_arg(values, "values"), "values"))
        return result["authValueFlags"]

    def revoke_user_vars(self, server: str, names: Optional[List[str]] = None) -> Dict[str, bool]:
        names_json = None if names is None else json.dumps(names)
        result = self._json_call("revoke_user_vars", B.mcp_manager_revoke_user_vars, _name(server, "server"),
                                 _utf8(names_json, "names"))
        return result["authValueFlags"]

    def auth_values(self, server: str) -> Dict[str, bool]:
        """Which of the server's ``customUserVars`` this view's user has set."""
        return self._json_call("auth_values", B.mcp_manager_auth_values, _name(server, "server"))["authValueFlags"]

    # -- users -------------------------------------------------------------

    def as_user(self, id: str, *, role: Optional[str] = None, profile: Optional[Dict[str, Any]] = None,
                permissions: Optional[Dict[str, bool]] = None, openid: Optional[Dict[str, Any]] = None,
                graph: Optional[Dict[str, Any]] = None, body: Optional[Dict[str, Any]] = None,
                user_vars: Optional[Dict[str, str]] = None) -> "Manager":
        """A view of this manager acting for one user (``mcp_manager_as_user``): per-user servers get
        that user's own connection, sign-in and substituted values; other servers are shared; the
        registry's permissions apply. ``profile`` holds LibreChat's user fields (``email``, ``name``, ...),
        ``permissions`` the role permissions (``use``, ``create``, ``share``, ``configureObo``). The view
        has every per-server method of ``Manager``; registering servers, stores and events stay on the
        manager. Close the view when done (the manager stays open)."""
        context: Dict[str, Any] = {"id": id, **(profile or {})}
        for key, value in (("role", role), ("permissions", permissions), ("openid", openid), ("graph", graph),
                           ("body", body), ("userVars", user_vars)):
            if value is not None:
                context[key] = value
        out = c_void_p()
        err = c_void_p()
        status = B.mcp_manager_as_user(self._handle(), _utf8(_json_arg(context, "user"), "user"), byref(out), byref(err))
        try:
            _raise_for(status, err, "as_user")
        except BaseException:
            if out.value:
                B.mcp_manager_free(out.value)
            raise
        if not out.value:
            raise McpError("mcp_manager_as_user returned MCP_OK but no handle", source="local")
        return _UserView(out.value, self, id)

    # -- OAuth sign-in -----------------------------------------------------

    def set_credential_store(self, store: Any) -> None:
        """Keep OAuth records in ``store`` (an ``oauth_store.CredentialStore``) from now on; before the first OAuth use.
        The manager keeps ``store`` alive (a ``HostStore``'s callbacks must outlive the manager)."""
        err = c_void_p()
        status = B.mcp_manager_set_credential_store(self._handle(), store.ptr(), byref(err))
        _raise_for(status, err, "set_credential_store")
        self._credential_store = store

    def oauth_begin(self, server: str, user: Optional[str] = None) -> Dict[str, Any]:
        """Begin (or join) a sign-in: ``{"flowId", "authUrl", "expiresAt", "joined", ...}``. Open ``authUrl``."""
        return self._json_call("oauth_begin", B.mcp_manager_oauth_begin, _name(server, "server"), _optional_name(user, "user"))

    def oauth_complete(self, callback_url: str) -> Dict[str, Any]:
        """Complete a sign-in from the URL the browser was redirected to."""
        return self._json_call("oauth_complete", B.mcp_manager_oauth_complete, _utf8(callback_url, "callback_url"))

    def oauth_complete_code(self, code: str, state: str, iss: Optional[str] = None) -> Dict[str, Any]:
        """Complete a sign-in from the callback's parameters."""
        return self._json_call(
            "oauth_complete_code", B.mcp_manager_oauth_complete_code, _utf8(code, "code"), _utf8(state, "state"),
            _utf8(iss, "iss"))

    def oauth_cancel(self, server: str, user: Optional[str] = None) -> None:
        err = c_void_p()
        status = B.mcp_manager_oauth_cancel(self._handle(), _name(server, "server"), _optional_name(user, "user"), byref(err))
        _raise_for(status, err, "oauth_cancel")

    def oauth_status(self, server: str, user: Optional[str] = None) -> Dict[str, Any]:
        """``{"state": "authorized"|"pending"|"failed"|"unauthorized", "flow"?: {...}, ...}``; never a token."""
        return self._json_call("oauth_status", B.mcp_manager_oauth_status, _name(server, "server"), _optional_name(user, "user"))

    def oauth_logout(self, server: str, user: Optional[str] = None) -> Dict[str, Any]:
        """Revoke (where offered) and forget a user's tokens for a server."""
        return self._json_call("oauth_logout", B.mcp_manager_oauth_logout, _name(server, "server"), _optional_name(user, "user"))

    def oauth_login(self, server: str, listener: Any, *, user: Optional[str] = None,
                    open_browser: Optional[Callable[[str], Any]] = None, timeout: Optional[float] = 300.0) -> Dict[str, Any]:
        """A desktop host's whole sign-in: begin (or join) the flow, make ``listener`` (a ``LoopbackListener``)
        accept only its callback, open ``authUrl`` with ``open_browser`` (default ``webbrowser.open``), wait up to
        ``timeout`` seconds for the redirect and complete it. Returns ``oauth_complete``'s result.

        The manager must send the listener's address: create the listener first and pass
        ``{"oauth": {"redirectUri": listener.redirect_uri}}`` in the manager options (``McpConfigError``
        otherwise, before a browser opens). ``listener.cancel()`` from another thread stops the wait
        (``McpCancelledError``)."""
        flow = self.oauth_begin(server, user)
        auth_url = flow["authUrl"]
        sent = urllib.parse.parse_qs(urllib.parse.urlsplit(auth_url).query).get("redirect_uri", [None])[0]
        if sent != listener.redirect_uri:
            raise McpConfigError(
                f"the sign-in redirects to {sent!r}, not to the listener's {listener.redirect_uri!r}: create the "
                "listener first and pass {'oauth': {'redirectUri': listener.redirect_uri}} in the manager options",
                source="local", details={"redirectUri": sent, "listener": listener.redirect_uri})
        listener.expect(auth_url)
        (open_browser or webbrowser.open)(auth_url)
        return self.oauth_complete(listener.wait(timeout))

    # -- tools -------------------------------------------------------------

    def list_tools_payload(self, name: str) -> Dict[str, Any]:
        """The whole ``{"version":1,"server":..,"tools":[..]}`` payload."""
        return self._json_call("list_tools", B.mcp_manager_list_tools, _name(name, "server"))

    def _list(self, what: str, function: Any, key: str, name: str) -> List[Dict[str, Any]]:
        payload = self._json_call(what, function, _name(name, "server"))
        items = payload.get(key)
        if not isinstance(items, list):
            raise McpError(f"{what} payload has no '{key}' list: {payload!r}", source="local")
        return items

    def list_resources(self, name: str) -> List[Dict[str, Any]]:
        """The server's resources (every page)."""
        return self._list("list_resources", B.mcp_manager_list_resources, "resources", name)

    def list_resource_templates(self, name: str) -> List[Dict[str, Any]]:
        """The server's resource templates (every page)."""
        return self._list("list_resource_templates", B.mcp_manager_list_resource_templates, "resourceTemplates", name)

    def list_prompts(self, name: str) -> List[Dict[str, Any]]:
        """The server's prompts (every page)."""
        return self._list("list_prompts", B.mcp_manager_list_prompts, "prompts", name)

    def read_resource(self, name: str, uri: str, timeout_ms: int = 0) -> Dict[str, Any]:
        """The MCP ``resources/read`` result (``contents``)."""
        payload = self._json_call(
            "read_resource", B.mcp_manager_read_resource, _name(name, "server"), _name(uri, "uri"), _int32(timeout_ms, "timeout_ms")
        )
        return payload["result"]

    def get_prompt(self, name: str, prompt: str, arguments: Optional[JsonInput] = None, timeout_ms: int = 0) -> Dict[str, Any]:
        """The MCP ``prompts/get`` result (``messages``)."""
        payload = self._json_call(
            "get_prompt",
            B.mcp_manager_get_prompt,
            _name(name, "server"),
            _name(prompt, "prompt"),
            _utf8(_json_arg(arguments, "arguments"), "arguments"),
            _int32(timeout_ms, "timeout_ms"),
        )
        return payload["result"]

    def request(self, name: str, method: str, params: Optional[JsonInput] = None, timeout_ms: int = 0) -> Dict[str, Any]:
        """Any MCP method, sent with the server era's envelope; returns the MCP result."""
        payload = self._json_call(
            "request",
            B.mcp_manager_request,
            _name(name, "server"),
            _name(method, "method"),
            _utf8(_json_arg(params, "params"), "params"),
            _int32(timeout_ms, "timeout_ms"),
        )
        return payload["result"]

    def subscribe(self, name: str, uri: str) -> None:
        """Subscribe to a resource: ``resource_updated`` events follow its changes, across reconnects.

        Raises McpUnsupportedError when the server does not grant the subscription.
        """
        self._json_call("subscribe", B.mcp_manager_subscribe, _name(name, "server"), _name(uri, "uri"))

    def unsubscribe(self, name: str, uri: str) -> None:
        """End a resource subscription (an unknown URI is not an error)."""
        self._json_call("unsubscribe", B.mcp_manager_unsubscribe, _name(name, "server"), _name(uri, "uri"))

    def complete(
        self, name: str, ref: Dict[str, Any], argument: str, value: str, context: Optional[Dict[str, Any]] = None, timeout_ms: int = 0
    ) -> Dict[str, Any]:
        """Completions for one argument: the ``completion`` object (``values``, ``total``, ``hasMore``).

        ``ref`` is ``{"type": "ref/prompt", "name": ...}`` or ``{"type": "ref/resource", "uri": ...}``.
        """
        params: Dict[str, Any] = {"ref": ref, "argument": {"name": argument, "value": value}}
        if context is not None:
            params["context"] = context
        payload = self._json_call(
            "complete", B.mcp_manager_complete, _name(name, "server"), _utf8(_json_arg(params, "params"), "params"),
            _int32(timeout_ms, "timeout_ms"),
        )
        return payload["result"].get("completion", {})

    def resume_task(self, name: str, task_id: str, timeout_ms: int = 0) -> Dict[str, Any]:
        """Follow a task created earlier (its id came in a ``task`` event) until it ends; returns the tool result."""
        payload = self._json_call(
            "resume_task", B.mcp_manager_resume_task, _name(name, "server"), _name(task_id, "task_id"), _int32(timeout_ms, "timeout_ms")
        )
        return payload["result"]

    def notify(self, name: str, method: str, params: Optional[JsonInput] = None) -> None:
        """Send a notification, e.g. ``notifications/roots/list_changed`` after the host's roots changed."""
        err = c_void_p()
        status = B.mcp_manager_notify(
            self._handle(), _name(name, "server"), _name(method, "method"), _utf8(_json_arg(params, "params"), "params"), byref(err)
        )
        _raise_for(status, err, "notify")

    def list_tools(self, name: str) -> List[Dict[str, Any]]:
        """The server's tools (each ``{name, description, inputSchema, ...}``)."""
        payload = self.list_tools_payload(name)
        tools = payload.get("tools")
        if not isinstance(tools, list):
            raise McpError(f"tools payload has no 'tools' list: {payload!r}", source="local")
        return tools

    def call_tool_payload(
        self,
        name: str,
        tool: str,
        arguments: Optional[JsonInput] = None,
        timeout_ms: int = 0,
    ) -> Dict[str, Any]:
        """The whole ``{"version":1,"server":..,"tool":..,"result":{..}}`` payload."""
        arguments_json = _json_arg(arguments, "arguments")
        return self._json_call(
            "call_tool",
            B.mcp_manager_call_tool,
            _name(name, "server"),
            _name(tool, "tool"),
            _utf8(arguments_json, "arguments"),
            _int32(timeout_ms, "timeout_ms"),
        )

    def call_tool(
        self,
        name: str,
        tool: str,
        arguments: Optional[JsonInput] = None,
        timeout_ms: int = 0,
    ) -> Dict[str, Any]:
        """Call a tool and return the MCP result object (``content``, ``isError``, ``structuredContent``...).

        A tool that fails returns normally with ``result["isError"] == True``; JSON-RPC
        errors raise McpProtocolError. ``timeout_ms <= 0`` uses the server's default.
        """
        payload = self.call_tool_payload(name, tool, arguments, timeout_ms)
        result = payload.get("result")
        if not isinstance(result, dict):
            raise McpError(f"call payload has no 'result' object: {payload!r}", source="local")
        return result

    # -- asynchronous requests and events ------------------------------------

    def submit(self, request: JsonInput) -> int:
        """Queue ``{"op": "connect"|"disconnect"|"list_tools"|"call_tool", ...}``; returns the request id."""
        request_json = _json_arg(request, "request")
        if request_json is None:
            raise McpInvalidError("request is required", source="local")
        request_id = c_uint64()
        err = c_void_p()
        status = B.mcp_manager_submit(self._handle(), _utf8(request_json, "request"), byref(request_id), byref(err))
        _raise_for(status, err, "submit")
        return int(request_id.value)

    def cancel(self, request_id: int) -> None:
        """Cancel an in-flight request; its outcome becomes an MCP_ERR_CANCELLED error."""
        _check_request_id(request_id)
        err = c_void_p()
        status = B.mcp_manager_cancel(self._handle(), request_id, byref(err))
        _raise_for(status, err, "cancel")

    def respond(self, request_id: int, response: JsonInput) -> None:
        """Answer a ``{"kind": "request"}`` event (roots, sampling, elicitation).

        ``response`` is ``{"result": {...}}`` or ``{"error": {"code": ..., "message": ...}}``.
        Raises McpNotFoundError when the request is unknown or already answered, and
        SymbolNotFoundError with a library that predates ``mcp_manager_respond``.
        """
        _check_request_id(request_id)
        response_json = _json_arg(response, "response")
        if response_json is None:
            raise McpInvalidError("response is required", source="local")
        err = c_void_p()
        status = B.mcp_manager_respond(self._handle(), request_id, _utf8(response_json, "response"), byref(err))
        _raise_for(status, err, "respond")

    def next_event(self, timeout_ms: int = -1) -> Optional[Dict[str, Any]]:
        """Pop the next event; None when ``timeout_ms`` passes first (``< 0`` waits forever).

        Raises McpClosedError once the manager is closed (also in a thread that was
        waiting here when another thread closed it).
        """
        out = c_void_p()
        try:
            status = B.mcp_manager_next_event(self._handle(), _int32(timeout_ms, "timeout_ms"), byref(out))
            text = take_string(out)
            if status == Status.MCP_OK:
                return _decode(text, "event")
            if status == Status.MCP_ERR_TIMEOUT:
                return None
            if status == Status.MCP_ERR_CLOSED:
                raise McpClosedError("manager closed", status=status, source="local")
            raise error_from_status(status, None, f"next_event failed: {status_str(status)}")
        finally:
            take_string(out)

    def events(self, idle_timeout: Optional[float] = None) -> Iterator[Dict[str, Any]]:
        """Iterate over events (``for event in mgr.events(): ...``) until the manager closes, or until no
        event came for ``idle_timeout`` seconds (None: no limit). Several threads may iterate at once; each
        event goes to one of them. Outcomes of ``submit`` arrive here as ``result``/``error`` events."""
        deadline = None if idle_timeout is None else time.monotonic() + idle_timeout
        while True:
            wait_ms = 1000
            if deadline is not None:
                wait_ms = min(wait_ms, max(0, int((deadline - time.monotonic()) * 1000)))
            try:
                event = self.next_event(wait_ms)
            except McpClosedError:
                return
            if event is not None:
                yield event
                if idle_timeout is not None:
                    deadline = time.monotonic() + idle_timeout
            elif deadline is not None and time.monotonic() >= deadline:
                return

    def server(self, name: str) -> "Server":
        """A handle on one registered server: ``mgr.server("time").call_tool("get_current_time", {...})``."""
        from .server import Server

        return Server(self, name)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<mcpclient.Manager {state}>"


class _UserView(Manager):
    """A user's view of a ``Manager`` (``Manager.as_user``); keeps its manager alive."""

    def __init__(self, ptr: Any, manager: Manager, user: str):  # noqa: D107 - made by Manager.as_user
        Managed.__init__(self, ptr)
        self.manager = manager
        self.user = user
