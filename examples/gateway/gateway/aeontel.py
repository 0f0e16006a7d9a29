"""Aeontel's MCP servers API (seed 004): create and update with authType none/api_key/oauth, plus read, list (by
workspaceId) and delete. The library normalizes Aeontel bodies (config format "aeontel"); ids are server names."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict

import mcpclient

from .errors import http_error
from .routing import Request, Response, Router, iso

if TYPE_CHECKING:
    from .app import Gateway

CONNECTOR_STATUS = {"connected": "connected", "disconnected": "disconnected", "error": "error"}  # connecting: ""


def merge_patch(old: Dict[str, Any], new: Dict[str, Any]) -> Dict[str, Any]:
    """The RFC 7386 patch that turns ``old`` into ``new`` (update_server takes merge patches)."""
    patch: Dict[str, Any] = {key: None for key in old if key not in new}
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(old.get(key), dict):
            inner = merge_patch(old[key], value)
            if inner:
                patch[key] = inner
        elif old.get(key) != value or key not in old:
            patch[key] = value
    return patch


def server_json(gw: "Gateway", view: mcpclient.Manager, entry: Dict[str, Any]) -> Dict[str, Any]:
    config = entry.get("config") or {}
    extras, oauth = config.get("extras") or {}, config.get("oauth") or {}
    auth_type = "oauth" if oauth or config.get("requiresOAuth") else "api_key" if "apiKey" in config else "none"
    name = entry["name"]
    expires = view.oauth_status(name).get("expiresAt") if auth_type == "oauth" else None
    out: Dict[str, Any] = {
        "id": name, "workspaceId": extras.get("workspaceId", ""),
        "name": entry.get("title") or (config.get("source") or {}).get("originalName") or name,
        "url": config.get("url", ""),  # editors only (the library redacts it for others)
        "authType": auth_type, "oauthClientId": oauth.get("client_id", ""),
        "oauthTokenEndpoint": oauth.get("token_url", ""), "oauthAuthorizationEndpoint": oauth.get("authorization_url", ""),
        "oauthScopes": oauth.get("scope", ""),
        "oauthExpiresAt": iso(expires * 1000 if isinstance(expires, (int, float)) and expires < 1e11 else expires) or "",
        "connectorId": extras.get("connectorId", ""),
        "connectorStatus": CONNECTOR_STATUS.get(view.server_status(name)["status"], ""),
        "createdBy": entry.get("author", ""), "createdAt": iso(entry.get("createdAt")) or "",
        "updatedAt": iso(entry.get("updatedAt")) or ""}
    if "headers" in config:
        out["headers"] = config["headers"]
    if "connectorConfig" in extras:
        out["connectorConfig"] = extras["connectorConfig"]
    return out


def list_servers(gw: "Gateway", request: Request) -> Response:
    """GET /api/mcp-servers?workspaceId=… (the path without workspaceId is PandoraKit's)."""
    view, workspace = gw.view(request), request.query["workspaceId"]
    entries = [e for e in gw.all_servers(view) if ((e.get("config") or {}).get("extras") or {}).get("workspaceId") == workspace]
    return Response(200, [server_json(gw, view, e) for e in entries])


def register(router: Router, gw: "Gateway") -> None:
    def create(request: Request) -> Response:
        view = gw.view(request)
        try:
            (name, server), = mcpclient.load_config(json.dumps([request.json_object()]), format="aeontel").servers.items()
            entry = gw.ensure_callback(view, view.create_server(server, name=name)["server"])
            return Response(201, server_json(gw, view, entry))
        except mcpclient.McpError as error:
            raise http_error(error) from None

    def read(request: Request) -> Response:
        view, name = gw.view(request), request.params["id"]
        try:
            return Response(200, server_json(gw, view, view.get_server(name)))
        except mcpclient.McpError as error:
            raise http_error(error, name) from None

    def update(request: Request) -> Response:
        view, name = gw.view(request), request.params["id"]
        try:
            old = view.get_server(name)["config"]
            new = mcpclient.load_config(json.dumps([request.json_object()]), format="aeontel",
                                        registry={name: old}, update=name).servers[name]
            patch = merge_patch(old, new)
            entry = view.update_server(name, patch).get("server") if patch else None
            entry = gw.ensure_callback(view, entry or view.get_server(name))
            return Response(200, server_json(gw, view, entry))
        except mcpclient.McpError as error:
            raise http_error(error, name) from None

    def delete(request: Request) -> Response:
        view, name = gw.view(request), request.params["id"]
        try:
            view.delete_server(name)
        except mcpclient.McpError as error:
            raise http_error(error, name) from None
        return Response(204)

    router.add("POST", "/api/mcp-servers", create)
    router.add("GET", "/api/mcp-servers/{id}", read)
    router.add("PATCH", "/api/mcp-servers/{id}", update)
    router.add("DELETE", "/api/mcp-servers/{id}", delete)
