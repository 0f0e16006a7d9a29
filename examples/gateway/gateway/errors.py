"""Library errors → the seeds' HTTP statuses and error bodies (LibreChat's shapes; the other seeds document none)."""

from __future__ import annotations

from typing import Optional

import mcpclient

from .routing import HttpError


def http_error(error: mcpclient.McpError, server: Optional[str] = None) -> HttpError:
    details = error.details or {}
    if isinstance(error, mcpclient.McpNotFoundError) and server is not None and "modelName" not in details:
        return HttpError(404, {"error": f"MCP server '{server}' not found in configuration"})
    if isinstance(error, mcpclient.McpNotFoundError):
        return HttpError(404, {"error": error.message})
    if isinstance(error, mcpclient.McpPermissionError):
        body = {"error": "Forbidden", "message": error.message}
        if details.get("reason") == "approval_required":
            body.update(error="Approval required", tool=details.get("tool"), server=details.get("server"))
        return HttpError(403, body)
    if isinstance(error, mcpclient.McpAuthError) and details.get("authUrl"):
        return HttpError(401, {"error": "OAuth authentication required", "oauthUrl": details["authUrl"]})
    if isinstance(error, mcpclient.McpPolicyError) and "path" in details:  # a field users may not set: validation
        return HttpError(400, {"error": error.message, "path": details["path"]})
    if isinstance(error, mcpclient.McpPolicyError):
        return HttpError(403, {"error": error.message, "code": "MCP_DOMAIN_NOT_ALLOWED"})
    if isinstance(error, (mcpclient.McpInvalidError, mcpclient.McpConfigError, mcpclient.McpUnsupportedError)):
        body = {"error": error.message}
        if details.get("diagnostics"):
            body["details"] = details["diagnostics"]
        return HttpError(400, body)
    if isinstance(error, mcpclient.McpConflictError):
        return HttpError(409, {"error": error.message})
    if isinstance(error, mcpclient.McpUnavailableError):
        retry_s = max(1, int(details.get("retryAfterMs", 1000)) // 1000)
        return HttpError(503, {"error": error.message}, [("Retry-After", str(retry_s))])
    if server is not None:
        return HttpError(500, {"error": "Failed to connect to MCP server", "serverName": server, "details": error.message})
    return HttpError(500, {"error": error.message})
