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

    log(message)                    notifications/message at info level, returns "ok"
    ask_name()                      form elicitation (MRTR) for a name, returns "hello <name>" or the action
    ask_defaults()                  (this era only) form elicitation whose fields all have defaults (SEP-1034),
                                    returns the accepted content as sorted JSON
    summarize()                     sampling (MRTR), returns the model's text

List changes and resource updates (delivered only on `subscriptions/listen` streams, each
frame tagged `_meta["io.modelcontextprotocol/subscriptionId"]` = the listen request id):

    add_tool(name)                  registers a trivial tool `name` (returns "ok"); tools/list_changed
    remove_tool(name)               removes tool `name`; tools/list_changed
    bump(uri="fixture://counter")   counter += 1, returns the new count; resources/updated {uri}
    change_prompts()                adds prompt dynamic_<n>; prompts/list_changed
    change_resources()              adds resource fixture://dynamic/<n>; resources/list_changed

URL-mode elicitation:

    open_url(url)                   input_required with inputRequests.open_url =
                                    {method: elicitation/create, params: {mode: url, message, url}};
                                    the retry returns the answered action (accept/decline/cancel).
                                    Needs clientCapabilities.elicitation.url, else -32021.

Structured output:

    weather(city)                   structuredContent {city, temperature: 21.5, conditions: "sunny"}
                                    matching its outputSchema
    bad_weather(city)               same outputSchema, but structuredContent.temperature is "warm"

Tasks (`io.modelcontextprotocol/tasks` extension, see modern_tasks.py):

    long_job(seconds=0.3, ask=false, fail=false)
                                    with clientCapabilities.extensions["io.modelcontextprotocol/tasks"]:
                                    CreateTaskResult (resultType "task"), then tasks/get
                                    working -> [input_required -> tasks/update ->] completed/failed;
                                    without: runs inline ("done"; ask=true is an MRTR form elicitation,
                                    "hello <name>"; fail=true is JSON-RPC error -32603)
    task_only()                     only as a task; without the opt-in -32021
                                    {requiredCapabilities: {extensions: {io.modelcontextprotocol/tasks: {}}}}

plus the resources `fixture://greeting` and `fixture://counter` (text = the count) and the prompt
`greet(name)`.

Caching hints are opt-in: MCPCLIENT_FIXTURE_CACHE_TTL_MS=<ms> (MCPCLIENT_FIXTURE_CACHE_SCOPE=
public|private) sets ttlMs/cacheScope on every cacheable result; unset, the SDK default (0, private).

probes/probe_modern.py drives all of this with raw JSON-RPC.

A call to an unknown tool is answered with a JSON-RPC -32602 error (as the
spec requires and mcp-server-time does), not with an isError result, so the
client's protocol-error path can be tested against this fixture.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

import warnings

import anyio
from mcp.server.caching import CACHEABLE_METHODS, CacheHint
from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Image, ListRoots, MCPServer, Resolve, Sample
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.prompts import Prompt
from mcp.server.mcpserver.resources import TextResource
from mcp.shared.exceptions import MCPError
from mcp_types import (
    CallToolResult,
    CreateMessageResult,
    ElicitRequest,
    ElicitRequestFormParams,
    ElicitRequestURLParams,
    ElicitResult,
    InputRequiredResult,
    ListRootsResult,
    SamplingMessage,
    TextContent,
)
from pydantic import BaseModel, Field
from mcp_types import Completion as _Completion  # noqa: E402
from fixture_common import (  # noqa: E402
    name_completions,
    BAD_WEATHER,
    COUNTER_URI,
    INVALID_PARAMS,
    NAME_SCHEMA,
    Weather,
    bad_weather_report,
    register_plain_tools,
    tiny_png,
    weather_report,
)
from modern_tasks import TaskFailure, TaskState, TasksExtension  # noqa: E402


# WARNING keeps the SDK's own INFO logging off stderr, so the only stderr
# output a client sees is what write_stderr produces (plus real failures).
# The log tool uses the deprecated logging capability on purpose; keep its warning off stderr.
warnings.filterwarnings("ignore", message="The logging capability is deprecated")



# --- tasks extension (io.modelcontextprotocol/tasks); the work runs in the lifespan's task group ---


def _text_result(text: str) -> dict[str, Any]:
    # MCPServer declares {"result": string} as the outputSchema of a str tool, so task results carry it too.
    return {"content": [{"type": "text", "text": text}], "structuredContent": {"result": text}, "isError": False}


def _name_elicitation() -> dict[str, Any]:
    return {
        "method": "elicitation/create",
        "params": {"mode": "form", "message": "What is your name?", "requestedSchema": NAME_SCHEMA},
    }


async def long_job_task(task: TaskState, arguments: dict[str, Any]) -> dict[str, Any]:
    """`long_job` run as a task: working for `seconds`, then (ask) input_required, then completed/failed."""
    try:
        seconds = float(arguments.get("seconds", 0.3))
    except (TypeError, ValueError):
        return {"content": [{"type": "text", "text": "seconds must be a number"}], "isError": True}
    await anyio.sleep(seconds)
    if arguments.get("fail"):
        raise TaskFailure(-32603, "long_job failed as requested")
    if arguments.get("ask"):
        answer = await task.ask("name", _name_elicitation())
        content = answer.get("content") if isinstance(answer, Mapping) else None
        if isinstance(answer, Mapping) and answer.get("action") == "accept" and isinstance(content, Mapping):
            return _text_result(f"hello {content.get('name')}")
        return _text_result(str(answer.get("action") if isinstance(answer, Mapping) else answer))
    return _text_result("done")


async def task_only_task(task: TaskState, arguments: dict[str, Any]) -> dict[str, Any]:
    await anyio.sleep(0.1)
    return _text_result("task-only result")


tasks_extension = TasksExtension(
    {"long_job": long_job_task, "task_only": task_only_task},
    required_tools=["task_only"],
)


@asynccontextmanager
async def lifespan(_server: MCPServer) -> AsyncIterator[dict[str, Any]]:
    async with anyio.create_task_group() as group:
        tasks_extension.task_group = group
        try:
            yield {}
        finally:
            group.cancel_scope.cancel()  # abandon running tasks at shutdown


def cache_hints_from_env() -> dict[str, CacheHint] | None:
    """Opt-in caching hints: MCPCLIENT_FIXTURE_CACHE_TTL_MS=<ms> (and MCPCLIENT_FIXTURE_CACHE_SCOPE=
    public|private, default private) put that ttlMs/cacheScope on every cacheable result
    (server/discover, the four list methods, resources/read). Unset: the SDK default, ttlMs 0."""
    ttl = os.environ.get("MCPCLIENT_FIXTURE_CACHE_TTL_MS")
    if not ttl:
        return None
    scope = os.environ.get("MCPCLIENT_FIXTURE_CACHE_SCOPE", "private")
    return {method: CacheHint(ttl_ms=int(ttl), scope=scope) for method in CACHEABLE_METHODS}


server = MCPServer(
    "everything-modern",
    cache_hints=cache_hints_from_env(),
    version="0.1.0",
    instructions="Fixture server for mcpclient tests.",
    log_level="WARNING",
    extensions=[tasks_extension],
    lifespan=lifespan,
)
register_plain_tools(server)


@server.tool(description="Return the region; over HTTP it is also mirrored into the Mcp-Param-Region header (x-mcp-header), which the SDK checks.")
def region(region: Annotated[str, Field(json_schema_extra={"x-mcp-header": "Region"})], note: str = "") -> str:
    return f"region {region}" + (f" ({note})" if note else "")


@server.completion()
async def complete(ref, argument, context):
    values = name_completions(ref, argument)
    return None if values is None else _Completion(values=values, total=len(values), hasMore=False)


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


# --- list changes and resource updates (delivered on subscriptions/listen streams) ---------------

counter = {"value": 0}
dynamic = {"prompts": 0, "resources": 0}


@server.resource(COUNTER_URI, name="counter", description="A counter that bump() increments.", mime_type="text/plain")
def counter_resource() -> str:
    return str(counter["value"])


def _ok() -> str:
    return "ok"


@server.tool(description="Register a new trivial tool `name` (it returns ok) and announce tools list_changed.")
async def add_tool(ctx: Context, name: str) -> str:
    if any(tool.name == name for tool in await server.list_tools()):
        raise ToolError(f"tool {name} already exists")
    server.add_tool(_ok, name=name, description="A tool added at run time by add_tool; returns ok.")
    await ctx.notify_tools_changed()
    return "ok"


@server.tool(description="Remove the tool `name` and announce tools list_changed.")
async def remove_tool(ctx: Context, name: str) -> str:
    if not any(tool.name == name for tool in await server.list_tools()):
        raise ToolError(f"no tool {name}")
    server.remove_tool(name)
    await ctx.notify_tools_changed()
    return "ok"


@server.tool(description="Increment the counter behind fixture://counter, announce resources/updated for `uri`; returns the count.")
async def bump(ctx: Context, uri: str = COUNTER_URI) -> str:
    counter["value"] += 1
    await ctx.notify_resource_updated(uri)
    return str(counter["value"])


@server.tool(description="Add a prompt dynamic_<n> and announce prompts list_changed.")
async def change_prompts(ctx: Context) -> str:
    dynamic["prompts"] += 1
    name = f"dynamic_{dynamic['prompts']}"

    def dynamic_prompt() -> str:
        return f"This is {name}."

    server.add_prompt(Prompt.from_function(dynamic_prompt, name=name, description="A prompt added by change_prompts."))
    await ctx.notify_prompts_changed()
    return "ok"


@server.tool(description="Add a resource fixture://dynamic/<n> and announce resources list_changed.")
async def change_resources(ctx: Context) -> str:
    dynamic["resources"] += 1
    n = dynamic["resources"]
    server.add_resource(
        TextResource(uri=f"fixture://dynamic/{n}", name=f"dynamic-{n}", text=f"dynamic resource {n}", mime_type="text/plain")
    )
    await ctx.notify_resources_changed()
    return "ok"


# --- URL-mode elicitation (MRTR) ----------------------------------------------------------------


def _require_client_capability(ctx: Context, required: dict[str, Any], present: bool) -> None:
    if not present:
        raise MCPError(
            code=-32021,
            message="Client did not declare a capability this tool needs",
            data={"requiredCapabilities": required},
        )


@server.tool(description="Ask the client to open `url` (URL-mode elicitation); returns the action it answered.")
def open_url(ctx: Context, url: str) -> InputRequiredResult | str:
    answer = (ctx.input_responses or {}).get("open_url")
    if isinstance(answer, ElicitResult):
        return answer.action
    elicitation = ctx.client_capabilities.elicitation if ctx.client_capabilities else None
    _require_client_capability(ctx, {"elicitation": {"url": {}}}, elicitation is not None and elicitation.url is not None)
    request = ElicitRequest(params=ElicitRequestURLParams(message=f"Please open {url} to continue.", url=url))
    return InputRequiredResult(input_requests={"open_url": request})


# The elicitation-sep1034-client-defaults schema of the official conformance suite: every field optional, with a default.
DEFAULTS_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "User name", "default": "John Doe"},
        "age": {"type": "integer", "description": "User age", "default": 30},
        "score": {"type": "number", "description": "User score", "default": 95.5},
        "status": {"type": "string", "description": "User status", "enum": ["active", "inactive", "pending"], "default": "active"},
        "verified": {"type": "boolean", "description": "Verification status", "default": True},
    },
    "required": [],
}


@server.tool(description="Elicit a form whose fields all have defaults (SEP-1034); returns the accepted content as sorted JSON, or the action.")
def ask_defaults(ctx: Context) -> InputRequiredResult | str:
    answer = (ctx.input_responses or {}).get("defaults")
    if isinstance(answer, ElicitResult):
        return json.dumps(answer.content, sort_keys=True) if answer.action == "accept" else answer.action
    params = ElicitRequestFormParams(message="Accept the defaults", requested_schema=DEFAULTS_SCHEMA)
    return InputRequiredResult(input_requests={"defaults": ElicitRequest(params=params)})


# --- structured output ----------------------------------------------------------------------------


@server.tool(description="Weather for a city, as structured content matching the outputSchema.")
def weather(city: str) -> Weather:
    return weather_report(city)


@server.tool(description="Like weather, but its structuredContent violates its own outputSchema (temperature is a string).")
def bad_weather(city: str) -> CallToolResult:
    report = bad_weather_report(city)
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(report))], structured_content=report)


# Publish weather's outputSchema on bad_weather without an output model: mcp 2.3.0 advertises such a
# hand-set schema but does not validate results against it, so the bad result reaches the client.
server._tool_manager.get_tool(BAD_WEATHER).fn_metadata.output_schema = server._tool_manager.get_tool("weather").output_schema


# --- tasks: long_job / task_only (task mode is handled by tasks_extension above) -------------------


@server.tool(description="Sleep `seconds`; with ask=true first elicit a name (form) and return hello <name>; fail=true is a JSON-RPC error. Runs as a task when the request opts in to io.modelcontextprotocol/tasks.")
async def long_job(ctx: Context, seconds: float = 0.3, ask: bool = False, fail: bool = False) -> InputRequiredResult | str:
    answer = None
    if ask:
        answer = (ctx.input_responses or {}).get("name")
        if not isinstance(answer, ElicitResult):
            elicitation = ctx.client_capabilities.elicitation if ctx.client_capabilities else None
            _require_client_capability(ctx, {"elicitation": {}}, elicitation is not None)
            params = ElicitRequestFormParams(message="What is your name?", requested_schema=NAME_SCHEMA)
            return InputRequiredResult(input_requests={"name": ElicitRequest(params=params)})
    await anyio.sleep(seconds)
    if fail:
        raise MCPError(code=-32603, message="long_job failed as requested")
    if answer is not None:
        return f"hello {answer.content.get('name')}" if answer.action == "accept" and answer.content else answer.action
    return "done"


@server.tool(description="Only runs as a task: without the io.modelcontextprotocol/tasks opt-in it fails with -32021.")
def task_only() -> str:
    return "task-only result"


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
