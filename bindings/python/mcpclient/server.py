"""Object handles on one server and its tools, over ``Manager`` (or a user's view of it).

    time = mgr.server("time")
    time.connect()
    for tool in time.tools():
        print(tool.name, tool.description)
    result = time.tool("get_current_time")(timezone="UTC")     # or time.call_tool("get_current_time", {...})

These hold a manager and a name, nothing else: each call goes straight to the manager, so a ``Server`` taken
from ``mgr.as_user("alice")`` acts for alice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from ._errors import McpNotFoundError

if TYPE_CHECKING:
    from .manager import JsonInput, Manager

__all__ = ["Server", "Tool"]


class Tool:
    """One tool as the server listed it. Calling the object calls the tool: ``tool({"a": 1})`` or ``tool(a=1)``."""

    def __init__(self, server: "Server", data: Dict[str, Any]):
        self.server = server
        self.raw: Dict[str, Any] = data
        self.name: str = data["name"]
        self.title: Optional[str] = data.get("title")
        self.description: str = data.get("description") or ""
        self.input_schema: Dict[str, Any] = data.get("inputSchema") or {}
        self.output_schema: Optional[Dict[str, Any]] = data.get("outputSchema")
        self.annotations: Dict[str, Any] = data.get("annotations") or {}

    def __call__(self, arguments: Optional[Dict[str, Any]] = None, /, *, timeout_ms: int = 0,
                 **keyword_arguments: Any) -> Dict[str, Any]:
        """The MCP result of ``tools/call`` (``content``, ``isError``, ``structuredContent``?)."""
        merged = dict(arguments or {})
        merged.update(keyword_arguments)
        return self.server.call_tool(self.name, merged, timeout_ms)

    def __repr__(self) -> str:
        return f"<mcpclient.Tool {self.server.name}/{self.name}>"


class Server:
    """A registered server of a manager, by name."""

    def __init__(self, manager: "Manager", name: str):
        self.manager = manager
        self.name = name

    def connect(self) -> Dict[str, Any]:
        """Connect (on demand otherwise): ``{"era", "protocolVersion", "serverInfo", "capabilities", ...}``."""
        return self.manager.connect(self.name)

    def disconnect(self) -> None:
        self.manager.disconnect(self.name)

    def status(self) -> Dict[str, Any]:
        """The caller's connection state (never connects)."""
        return self.manager.server_status(self.name)

    def reinitialize(self) -> Dict[str, Any]:
        return self.manager.reinitialize(self.name)

    def tools(self) -> List[Tool]:
        return [Tool(self, data) for data in self.manager.list_tools(self.name)]

    def tool(self, name: str) -> Tool:
        """The listed tool called ``name`` (``McpNotFoundError`` when the server has none)."""
        for tool in self.tools():
            if tool.name == name:
                return tool
        raise McpNotFoundError(f"server {self.name!r} has no tool {name!r}", source="local",
                               details={"server": self.name, "tool": name})

    def call_tool(self, tool: str, arguments: Optional["JsonInput"] = None, timeout_ms: int = 0) -> Dict[str, Any]:
        return self.manager.call_tool(self.name, tool, arguments, timeout_ms)

    def resources(self) -> List[Dict[str, Any]]:
        return self.manager.list_resources(self.name)

    def resource_templates(self) -> List[Dict[str, Any]]:
        return self.manager.list_resource_templates(self.name)

    def prompts(self) -> List[Dict[str, Any]]:
        return self.manager.list_prompts(self.name)

    def read_resource(self, uri: str, timeout_ms: int = 0) -> Dict[str, Any]:
        return self.manager.read_resource(self.name, uri, timeout_ms)

    def get_prompt(self, prompt: str, arguments: Optional["JsonInput"] = None, timeout_ms: int = 0) -> Dict[str, Any]:
        return self.manager.get_prompt(self.name, prompt, arguments, timeout_ms)

    def request(self, method: str, params: Optional["JsonInput"] = None, timeout_ms: int = 0) -> Dict[str, Any]:
        return self.manager.request(self.name, method, params, timeout_ms)

    def notify(self, method: str, params: Optional["JsonInput"] = None) -> None:
        self.manager.notify(self.name, method, params)

    def subscribe(self, uri: str) -> None:
        self.manager.subscribe(self.name, uri)

    def unsubscribe(self, uri: str) -> None:
        self.manager.unsubscribe(self.name, uri)

    def oauth_status(self, user: Optional[str] = None) -> Dict[str, Any]:
        return self.manager.oauth_status(self.name, user)

    def oauth_login(self, listener: Any, *, user: Optional[str] = None,
                    open_browser: Optional[Callable[[str], Any]] = None, timeout: Optional[float] = 300.0) -> Dict[str, Any]:
        """``Manager.oauth_login`` for this server."""
        return self.manager.oauth_login(self.name, listener, user=user, open_browser=open_browser, timeout=timeout)

    def oauth_logout(self, user: Optional[str] = None) -> Dict[str, Any]:
        return self.manager.oauth_logout(self.name, user)

    def __repr__(self) -> str:
        return f"<mcpclient.Server {self.name!r}>"
