"""PandoraKit's MCP servers API (seed 003): GET /api/mcp-servers (state and tools) and PATCH /api/config."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict

import mcpclient

from . import aeontel
from .errors import http_error
from .routing import HttpError, Request, Response, Router

if TYPE_CHECKING:
    from .app import Gateway


def register(router: Router, gw: "Gateway") -> None:
    def list_servers(request: Request) -> Response:
        if "workspaceId" in request.query:  # Aeontel's list shares this path (see aeontel.py)
            return aeontel.list_servers(gw, request)
        view = gw.view(request)
        configs = {entry["name"]: entry.get("config") or {} for entry in gw.all_servers(view)}
        listing = view.list_all_tools(style="server_tool")
        tools: Dict[str, list] = {}
        for tool in listing["tools"]:
            tools.setdefault(tool["serverName"], []).append(
                {"id": tool["modelName"], "name": tool.get("title") or tool["name"], "description": tool["description"]})
        servers = []
        for name, state in listing["servers"].items():
            config, error = configs.get(name, {}), state.get("error") or {}
            server: Dict[str, Any] = {
                "id": name, "name": state.get("title") or name, "type": "stdio" if "command" in config else "http",
                "enabled": state["status"] != "disabled", "requireApproval": state["requireApproval"],
                "tools": tools.get(name, []), "error": error.get("message")}
            auth_url = (error.get("details") or {}).get("authUrl") or view.server_status(name).get("authUrl")
            if auth_url:
                server["authUrl"] = auth_url
            servers.append(server)
        return Response(200, {"servers": servers})

    def patch_config(request: Request) -> Response:
        body = request.json_object()
        if set(body) - {"mcpServers"} or not isinstance(body.get("mcpServers"), dict):
            raise HttpError(400, {"error": "this gateway manages only the 'mcpServers' key: {\"mcpServers\": {...}}"})
        view = gw.view(request)
        try:
            result = view.patch_config(body, format="pandorakit")  # all or nothing
        except mcpclient.McpError as error:
            raise http_error(error, (error.details or {}).get("server")) from None
        changes = result.get("changes", [result])
        for change in changes:
            if change.get("server"):
                gw.ensure_callback(view, change["server"])
        return Response(200, {"changes": [{key: change[key] for key in ("name", "action", "warnings") if key in change}
                                          for change in changes]})

    router.add("GET", "/api/mcp-servers", list_servers)
    router.add("PATCH", "/api/config", patch_config)
