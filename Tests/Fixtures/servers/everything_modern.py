"""Fixture MCP server for the 2026-07-28 (stateless, `server/discover`) era.

Run with the pinned modern venv (mcp==2.3.0):

    .venv-modern/bin/python Tests/Fixtures/servers/everything_modern.py

Speaks newline-delimited JSON-RPC over stdio. The tool set is identical to
everything_legacy.py so client tests can be parametrised over both eras:

    echo(text) -> text              add(a, b) -> a + b
    slow(steps=3, delay_ms=50)      progress notification per step, then "done after N steps"
    fail(message)                   result with isError = true and the message as text
    image()                         one 1x1 PNG image content block
    env(name)                       value of an environment variable or "<unset>"
    write_stderr(text)              writes text (plus newline) to stderr, returns "ok"
    roots()                         asks the client for its roots (roots/list; in this era an
                                    InputRequiredResult round trip), returns their URIs as JSON

plus the resource `fixture://greeting` and the prompt `greet(name)`.

A call to an unknown tool is answered with a JSON-RPC -32602 error (as the
spec requires and mcp-server-time does), not with an isError result, so the
client's protocol-error path can be tested against this fixture.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated

import warnings

import anyio
from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Image, ListRoots, MCPServer, Resolve, Sample
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import CreateMessageResult, ListRootsResult, SamplingMessage, TextContent
from pydantic import BaseModel
from fixture_common import INVALID_PARAMS, register_plain_tools, tiny_png  # noqa: E402


# WARNING keeps the SDK's own INFO logging off stderr, so the only stderr
# output a client sees is what write_stderr produces (plus real failures).
# The log tool uses the deprecated logging capability on purpose; keep its warning off stderr.
warnings.filterwarnings("ignore", message="The logging capability is deprecated")

server = MCPServer(
    "everything-modern",
    version="0.1.0",
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


def ask_for_roots() -> ListRoots:
    return ListRoots()


@server.tool(description="Ask the client for its roots and return their URIs as a JSON list.")
def roots(listed: Annotated[ListRootsResult, Resolve(ask_for_roots)]) -> str:
    return json.dumps([str(root.uri) for root in listed.roots])


class Name(BaseModel):
    name: str


def ask_for_name() -> Elicit:
    return Elicit("What is your name?", Name)


@server.tool(description="Elicit the user's name (form mode) and greet them; returns the action when not accepted.")
def ask_name(answer: Annotated[ElicitationResult[Name], Resolve(ask_for_name)]) -> str:
    return f"hello {answer.data.name}" if answer.action == "accept" and answer.data else answer.action


def ask_for_sample() -> Sample:
    return Sample([SamplingMessage(role="user", content=TextContent(type="text", text="Say hi"))], max_tokens=50)


@server.tool(description="Ask the client's model to say hi (sampling) and return its text.")
def summarize(sampled: Annotated[CreateMessageResult, Resolve(ask_for_sample)]) -> str:
    return sampled.content.text


async def unknown_tool_is_protocol_error(ctx, call_next):
    """Server middleware: reject `tools/call` for a name that is not registered."""
    if ctx.method == "tools/call" and isinstance(ctx.params, Mapping):
        requested = ctx.params.get("name")
        known = {tool.name for tool in await server.list_tools()}
        if isinstance(requested, str) and requested not in known:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {requested}")
    return await call_next(ctx)


server.middleware.append(unknown_tool_is_protocol_error)


if __name__ == "__main__":
    server.run("stdio")
