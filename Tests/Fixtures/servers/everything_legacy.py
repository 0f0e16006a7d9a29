"""Fixture MCP server for the handshake (`initialize`) era.

Run with the pinned legacy venv (mcp==1.27.0):

    .venv-legacy/bin/python Tests/Fixtures/servers/everything_legacy.py

Speaks newline-delimited JSON-RPC over stdio and offers exactly the tool set of
everything_modern.py:

    echo(text) -> text              add(a, b) -> a + b
    slow(steps=3, delay_ms=50)      progress notification per step (only when the
                                    request carries _meta.progressToken), then
                                    "done after N steps"
    fail(message)                   result with isError = true and the message as text
    image()                         one 1x1 PNG image content block
    env(name)                       value of an environment variable or "<unset>"
    write_stderr(text)              writes text (plus newline) to stderr, returns "ok"
    roots()                         sends roots/list to the client mid-call, returns the URIs as JSON

plus the resource `fixture://greeting` and the prompt `greet(name)`.

A call to an unknown tool is answered with a JSON-RPC -32602 error, not with an
isError result (mcp 1.x would otherwise turn it into an isError result).
"""

from __future__ import annotations

import json
import warnings

# pydantic-settings warns about FastMCP's Settings model on import/construction;
# keep stderr clean so a client sees only what write_stderr writes.
warnings.filterwarnings("ignore", module="pydantic_settings")
warnings.filterwarnings("ignore", message=".*incomplete definition.*")

import anyio  # noqa: E402
from mcp import types  # noqa: E402
from pydantic import BaseModel  # noqa: E402
from mcp.server.fastmcp import Context, FastMCP, Image  # noqa: E402
from mcp.server.fastmcp.exceptions import ToolError  # noqa: E402
from mcp.shared.exceptions import McpError  # noqa: E402
from fixture_common import INVALID_PARAMS, register_plain_tools, tiny_png  # noqa: E402


# WARNING keeps the SDK's own INFO logging off stderr.
server = FastMCP(
    "everything-legacy",
    instructions="Fixture server for mcpclient tests.",
    log_level="WARNING",
)
register_plain_tools(server)


@server.tool(description="Sleep `steps` times for `delay_ms` each, reporting progress after every step.")
async def slow(ctx: Context, steps: int = 3, delay_ms: int = 50) -> str:
    for step in range(1, steps + 1):
        await anyio.sleep(delay_ms / 1000.0)
        await ctx.report_progress(step, steps, f"step {step}/{steps}")
    return f"done after {steps} steps"


@server.tool(description="Send the message as a server log notification at info level, then return ok.")
async def log(ctx: Context, message: str) -> str:
    await ctx.info(message)
    return "ok"


@server.tool(description="Always fails: the result has isError = true and carries the message.")
def fail(message: str) -> str:
    raise ToolError(message)


@server.tool(description="Return a 1x1 PNG image content block.")
def image() -> Image:
    return Image(data=tiny_png(), format="png")


@server.tool(description="Ask the client for its roots and return their URIs as a JSON list.")
async def roots(ctx: Context) -> str:
    listed = await ctx.session.list_roots()
    return json.dumps([str(root.uri) for root in listed.roots])


class Name(BaseModel):
    name: str


@server.tool(description="Elicit the user's name (form mode) and greet them; returns the action when not accepted.")
async def ask_name(ctx: Context) -> str:
    answer = await ctx.elicit("What is your name?", Name)
    return f"hello {answer.data.name}" if answer.action == "accept" else answer.action


@server.tool(description="Ask the client's model to say hi (sampling) and return its text.")
async def summarize(ctx: Context) -> str:
    message = types.SamplingMessage(role="user", content=types.TextContent(type="text", text="Say hi"))
    result = await ctx.session.create_message(messages=[message], max_tokens=50)
    return result.content.text


def reject_unknown_tools() -> None:
    """Wrap the low-level tools/call handler so an unknown name is a JSON-RPC error.

    The low-level server turns every exception raised inside the tool handler into
    an isError result, so the check runs in a wrapper around that handler instead;
    an McpError raised there becomes the JSON-RPC error response.
    """
    lowlevel = server._mcp_server
    inner = lowlevel.request_handlers[types.CallToolRequest]

    async def handler(request: types.CallToolRequest):
        known = {tool.name for tool in await server.list_tools()}
        if request.params.name not in known:
            raise McpError(types.ErrorData(code=types.INVALID_PARAMS, message=f"Unknown tool: {request.params.name}"))
        return await inner(request)

    lowlevel.request_handlers[types.CallToolRequest] = handler


reject_unknown_tools()


if __name__ == "__main__":
    server.run("stdio")
