"""LibreChat's /api/mcp REST API (seed 000; routes as in management.md §12). Each handler is one library call on the
requesting user's view (docs/manager.md, "Seed endpoints → library calls") plus reshaping."""

from __future__ import annotations

import html
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Dict

import mcpclient

from .errors import http_error
from .routing import HttpError, Request, Response, Router, iso, redirect

if TYPE_CHECKING:
    from .app import Gateway

ENTRY_KEYS = ("name", "title", "description", "config", "source", "createdAt", "updatedAt")
FLOW_STATUS = {"pending": "PENDING", "completed": "COMPLETED", "failed": "FAILED", "expired": "FAILED"}


def server_json(entry: Dict[str, Any]) -> Dict[str, Any]:
    """A registry entry in the seed's flat shape: the (redacted) config's fields next to name, title, author and
    ISO times; the library's extras (canEdit, permissions, origin, redacted, acl) are kept."""
    config = {k: v for k, v in (entry.get("config") or {}).items() if k not in ("title", "description", "source")}
    out: Dict[str, Any] = {"name": entry["name"]}
    for key in ("title", "description"):
        if key in entry:
            out[key] = entry[key]
    out.update(config)
    out.update({k: v for k, v in entry.items() if k not in ENTRY_KEYS})
    for key in ("createdAt", "updatedAt"):
        if key in entry:
            out[key] = iso(entry[key])
    return out


def register(router: Router, gw: "Gateway") -> None:
    def for_server(call: Callable[[Request, mcpclient.Manager, str], Response]) -> Callable[[Request], Response]:
        """Runs ``call(request, view, name)`` for /…/{name}/… routes, mapping library errors with the name."""
        def handler(request: Request) -> Response:
            name = request.params["name"]
            try:
                return call(request, gw.view(request), name)
            except mcpclient.McpError as error:
                raise http_error(error, name) from None
        return handler

    # -- servers CRUD --------------------------------------------------------------

    def list_servers(request: Request) -> Response:
        page = gw.view(request).list_servers(limit=request.int_query("limit"), after=request.query.get("after") or None,
                                             search=request.query.get("search") or None)
        return Response(200, {"data": [server_json(e) for e in page["data"]], "has_more": page["has_more"],
                              "after": page["after"]})

    def create_server(request: Request) -> Response:
        body = request.json_object()
        # LibreChat's client sends {"config": {...}}; the seed documents the fields at the top level, with "name".
        config = dict(body["config"]) if isinstance(body.get("config"), dict) else dict(body)
        name = config.pop("name", None) or body.get("name")
        if name is not None and not isinstance(name, str):
            raise HttpError(400, {"error": "'name' must be a string"})
        view = gw.view(request)
        try:
            entry = gw.ensure_callback(view, view.create_server(config, name=name)["server"])
        except mcpclient.McpError as error:
            raise http_error(error) from None
        return Response(201, {"serverName": entry["name"], **server_json(entry)})

    def get_server(request: Request, view: mcpclient.Manager, name: str) -> Response:
        return Response(200, server_json(view.get_server(name)))

    def update_server(request: Request, view: mcpclient.Manager, name: str) -> Response:
        changed = view.update_server(name, request.json_object())
        entry = changed.get("server") or view.get_server(name)
        return Response(200, server_json(gw.ensure_callback(view, entry)))

    def delete_server(request: Request, view: mcpclient.Manager, name: str) -> Response:
        view.delete_server(name)
        return Response(200, {"success": True, "message": "MCP server deleted successfully"})

    # -- tools, connections, user values -------------------------------------------

    def list_tools(request: Request) -> Response:
        listing = gw.view(request).list_all_tools()
        return Response(200, [{"name": t["name"], "description": t["description"], "inputSchema": t["inputSchema"],
                               "serverName": t["serverName"], "pluginKey": t["modelName"]} for t in listing["tools"]])

    def call_tool(request: Request) -> Response:
        """Not in the seeds (gateway extra): a tool call as a chat turn makes one, by model-facing name
        ({"name": pluginKey, "arguments", "approved"?}) or by {"serverName", "tool", "arguments"}."""
        body, view = request.json_object(), gw.view(request)
        arguments = body.get("arguments") or {}
        if isinstance(body.get("serverName"), str) and isinstance(body.get("tool"), str):
            try:
                payload = view.call_tool_payload(body["serverName"], body["tool"], arguments)
            except mcpclient.McpError as error:
                raise http_error(error, body["serverName"]) from None
            payload.pop("version", None)
            return Response(200, payload)
        if not isinstance(body.get("name"), str):
            raise HttpError(400, {"error": "give 'name' (a pluginKey from /api/mcp/tools) or 'serverName' and 'tool'"})

        try:
            payload = view.call_model_tool_payload(body["name"], arguments, format=True,
                                                   approved=body.get("approved") is True, style="tool_mcp_server")
        except mcpclient.McpError as error:
            raise http_error(error, (error.details or {}).get("server")) from None
        payload.pop("version", None)
        return Response(200, payload)

    def reinitialize(request: Request, view: mcpclient.Manager, name: str) -> Response:
        report = {k: v for k, v in view.reinitialize(name).items() if k != "version"}
        if report.get("failureReason") == "not_found":
            raise HttpError(404, {"error": f"MCP server '{name}' not found in configuration"})
        error = report.get("error") or {}
        if error.get("name") == "MCP_ERR_PERMISSION":  # the report carries the refusal; answer as every route does
            raise http_error(mcpclient.McpPermissionError(error.get("message", "forbidden"), details=error.get("details")))
        headers = [("Set-Cookie", gw.csrf.set_cookie(report["oauthUrl"]))] if report.get("oauthUrl") else []
        if report["success"] or report.get("oauthRequired"):
            return Response(200, report, headers)
        report.pop("error", None)  # the library's error document; the seeds' "error" is a string
        if report.get("failureReason") == "missing_custom_user_vars":
            return Response(400, {**report, "error": report.get("message", "Missing user values")})
        return Response(500, {**report, "error": "Failed to connect to MCP server", "details": report.get("message")})

    def status_of(view: mcpclient.Manager, name: str) -> Dict[str, Any]:
        status = view.server_status(name)
        return {"connectionState": status["status"], "requiresOAuth": status["requiresOAuth"],
                "authorizationState": status["authorizationState"],
                "error": (status.get("lastError") or {}).get("message")}

    def connection_status(request: Request) -> Response:
        view = gw.view(request)
        return Response(200, {"success": True,
                              "connectionStatus": {e["name"]: status_of(view, e["name"]) for e in gw.all_servers(view)}})

    def server_connection_status(request: Request, view: mcpclient.Manager, name: str) -> Response:
        view.get_server(name)  # 404 / 403 before a status is made up for an unknown name
        status = status_of(view, name)
        return Response(200, {"success": True, "serverName": name, "connectionStatus": status["connectionState"],
                              "requiresOAuth": status["requiresOAuth"],
                              "authorizationState": status["authorizationState"], "error": status["error"]})

    def auth_values(request: Request, view: mcpclient.Manager, name: str) -> Response:
        return Response(200, {"success": True, "serverName": name, "authValueFlags": view.auth_values(name)})

    def user_plugins(request: Request) -> Response:
        """LibreChat's POST /api/user/plugins for MCP: {pluginKey: "mcp_<server>", action: install|uninstall, auth}."""
        body = request.json_object()
        key, action = body.get("pluginKey"), body.get("action")
        if not isinstance(key, str) or not key.startswith("mcp_") or action not in ("install", "uninstall"):
            raise HttpError(400, {"error": "expected {pluginKey: 'mcp_<server>', action: 'install'|'uninstall', auth}"})
        name, view = key[len("mcp_"):], gw.view(request)
        try:
            if action == "install":
                flags = view.set_user_vars(name, body.get("auth") or {})
            else:
                flags = view.revoke_user_vars(name)
        except mcpclient.McpError as error:
            raise http_error(error, name) from None
        return Response(200, {"success": True, "serverName": name, "authValueFlags": flags})

    # -- OAuth -------------------------------------------------------------------------

    def pending_flow(view: mcpclient.Manager, name: str) -> Dict[str, Any]:
        flow = view.oauth_status(name).get("flow") or {}
        if flow.get("status") != "pending" or not flow.get("authUrl"):
            raise HttpError(404, {"error": f"No pending OAuth flow for '{name}'"})
        return flow

    def oauth_bind(request: Request, view: mcpclient.Manager, name: str) -> Response:
        flow = pending_flow(view, name)
        return Response(200, {"success": True}, [("Set-Cookie", gw.csrf.set_cookie(flow["authUrl"]))])

    def oauth_initiate(request: Request, view: mcpclient.Manager, name: str) -> Response:
        if request.query.get("userId", request.user.id) != request.user.id:
            raise HttpError(403, {"error": "Forbidden", "message": "userId is not the signed-in user"})
        flow = view.oauth_begin(name)  # joins a pending sign-in
        if request.query.get("flowId", flow["flowId"]) != flow["flowId"]:
            raise HttpError(400, {"error": "Invalid flow"})
        return redirect(flow["authUrl"], [("Set-Cookie", gw.csrf.set_cookie(flow["authUrl"]))])

    def oauth_callback(request: Request) -> Response:
        clear = [("Set-Cookie", gw.csrf.clear_cookie())]
        if not gw.csrf.valid(request):
            return redirect("/oauth/error?error=csrf_validation_failed", clear)
        try:
            done = gw.manager.oauth_complete(gw.public_url + request.target)
        except mcpclient.McpError as error:
            reason = (error.details or {}).get("reason") or error.name
            return redirect("/oauth/error?" + urllib.parse.urlencode({"error": reason}), clear)
        return redirect("/oauth/success?" + urllib.parse.urlencode({"serverName": done["server"]}), clear)

    def oauth_status(request: Request) -> Response:
        user, _, server = request.params["flowId"].partition(":")
        user, server = urllib.parse.unquote(user), urllib.parse.unquote(server)
        if user != request.user.id and not request.user.is_admin:
            raise HttpError(403, {"error": "Forbidden", "message": "not your flow"})
        try:
            if user == request.user.id:
                status = gw.view(request).oauth_status(server)
            else:
                status = gw.manager.oauth_status(server, user=user)
        except mcpclient.McpError as error:
            raise http_error(error, server) from None
        flow = status.get("flow") or {}
        state = FLOW_STATUS.get(flow.get("status", "")) or {"authorized": "COMPLETED", "failed": "FAILED"}.get(status["state"])
        if state is None:
            raise HttpError(404, {"error": "Flow not found"})
        return Response(200, {"status": state, "completed": state == "COMPLETED", "failed": state == "FAILED",
                              "error": flow.get("reason")})

    def oauth_cancel(request: Request, view: mcpclient.Manager, name: str) -> Response:
        view.get_server(name)  # the library treats cancelling nothing as done; an unknown name is a 404 here
        view.oauth_cancel(name)
        return Response(200, {"success": True, "message": f"OAuth flow for {name} cancelled successfully"})

    def result_page(title: str) -> Callable[[Request], Response]:
        def page(request: Request) -> Response:
            detail = html.escape(request.query.get("serverName") or request.query.get("error") or "")
            text = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{detail}</p><p>You may close this window.</p>"
            return Response(200, raw=text.encode(), content_type="text/html; charset=utf-8")
        return page

    api = "/api/mcp"
    router.add("GET", f"{api}/servers", list_servers)
    router.add("POST", f"{api}/servers", create_server)
    router.add("GET", f"{api}/servers/{{name}}", for_server(get_server))
    router.add("PATCH", f"{api}/servers/{{name}}", for_server(update_server))
    router.add("DELETE", f"{api}/servers/{{name}}", for_server(delete_server))
    router.add("GET", f"{api}/tools", list_tools)
    router.add("POST", f"{api}/tools/call", call_tool)
    router.add("GET", f"{api}/connection/status", connection_status)
    router.add("GET", f"{api}/connection/status/{{name}}", for_server(server_connection_status))
    router.add("POST", f"{api}/oauth/cancel/{{name}}", for_server(oauth_cancel))
    router.add("GET", f"{api}/oauth/status/{{flowId}}", oauth_status)
    router.add("GET", f"{api}/oauth/callback", oauth_callback, public=True)  # OAuth found by a 401 (manager-wide URL)
    router.add("POST", f"{api}/{{name}}/reinitialize", for_server(reinitialize))
    router.add("GET", f"{api}/{{name}}/auth-values", for_server(auth_values))
    router.add("POST", f"{api}/{{name}}/oauth/bind", for_server(oauth_bind))
    router.add("GET", f"{api}/{{name}}/oauth/initiate", for_server(oauth_initiate))
    router.add("GET", f"{api}/{{name}}/oauth/callback", oauth_callback, public=True)
    router.add("POST", "/api/user/plugins", user_plugins)
    router.add("GET", "/oauth/success", result_page("Signed in"), public=True)
    router.add("GET", "/oauth/error", result_page("Sign-in failed"), public=True)
