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

    log(message)                    notifications/message at info level, returns "ok"
    ask_name()                      elicitation/create (form) for a name, returns "hello <name>" or the action
    summarize()                     sampling/createMessage, returns the model's text

List changes and resource updates (capabilities tools/prompts/resources.listChanged and
resources.subscribe are true):

    add_tool(name)                  registers a trivial tool `name` (returns "ok"); notifications/tools/list_changed
    remove_tool(name)               removes tool `name`; notifications/tools/list_changed
    bump(uri="fixture://counter")   counter += 1, returns the new count; notifications/resources/updated {uri}
                                    only if `uri` was resources/subscribe'd (and not unsubscribed)
    change_prompts()                adds prompt dynamic_<n>; notifications/prompts/list_changed
    change_resources()              adds resource fixture://dynamic/<n>; notifications/resources/list_changed

URL-mode elicitation (2025-11-25):

    open_url(url)                   sends elicitation/create {mode: url, message, url, elicitationId},
                                    returns the answered action; isError if the client did not
                                    declare capabilities.elicitation.url
    needs_url(url)                  JSON-RPC error -32042 {data: {elicitations: [{mode: url, message, url,
                                    elicitationId}]}}, then ~200 ms later notifications/elicitation/complete
                                    {elicitationId}; each completion lets one later call return "authorized"

Structured output:

    weather(city)                   structuredContent {city, temperature: 21.5, conditions: "sunny"}
                                    matching its outputSchema
    bad_weather(city)               same outputSchema, but structuredContent.temperature is "warm"

Tasks (mcp 1.27 experimental tasks; capabilities.tasks {list, cancel, requests.tools.call}):

    long_job(seconds=0.3, ask=false, fail=false)
                                    execution.taskSupport "optional"; with params.task {ttl}:
                                    CreateTaskResult {task}, tasks/get, tasks/result, tasks/list,
                                    tasks/cancel, notifications/tasks/status; ask=true elicits inside the
                                    task (input_required; elicitation/create is sent during tasks/result);
                                    fail=true -> status failed. Inline: "done", ask=true elicits
                                    ("hello <name>"), fail=true is JSON-RPC error -32603
    task_only()                     execution.taskSupport "required"; without params.task -32601

plus the resources `fixture://greeting` and `fixture://counter` (text = the count) and the prompt
`greet(name)`.

probes/probe_legacy.py drives all of this with raw JSON-RPC.

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

import logging  # noqa: E402
import uuid  # noqa: E402

import anyio  # noqa: E402
from mcp import types  # noqa: E402
from pydantic import AnyUrl, BaseModel  # noqa: E402
from mcp.server.experimental.task_context import ServerTaskContext  # noqa: E402
from mcp.server.fastmcp import Context, FastMCP, Image  # noqa: E402
from mcp.server.fastmcp.exceptions import ToolError  # noqa: E402
from mcp.server.fastmcp.prompts import Prompt  # noqa: E402
from mcp.server.fastmcp.resources import TextResource  # noqa: E402
from mcp.server.lowlevel.server import NotificationOptions  # noqa: E402
from mcp.shared.exceptions import McpError, UrlElicitationRequiredError  # noqa: E402
from mcp.types import Completion as _Completion  # noqa: E402
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


# WARNING keeps the SDK's own INFO logging off stderr.
server = FastMCP(
    "everything-legacy",
    instructions="Fixture server for mcpclient tests.",
    log_level="WARNING",
)
register_plain_tools(server)


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


@server.tool(description="Report progress, close this request's SSE stream (SEP-1699; needs serve_http.py --resumable), report more progress while the client is away, then return resumed.")
async def reconnect(ctx: Context) -> str:
    await ctx.report_progress(1, 3, "before the break")
    await ctx.close_sse_stream()
    await anyio.sleep(0.05)
    await ctx.report_progress(2, 3, "while away")
    await anyio.sleep(0.3)
    await ctx.report_progress(3, 3, "after the client is back")
    return "resumed"


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


# --- list changes and resource updates (resources/subscribe; notifications go to the session) -----

counter = {"value": 0}
dynamic = {"prompts": 0, "resources": 0}
subscribed: set[str] = set()  # stdio serves one session, so per-process state is per-session


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
    await ctx.session.send_tool_list_changed()
    return "ok"


@server.tool(description="Remove the tool `name` and announce tools list_changed.")
async def remove_tool(ctx: Context, name: str) -> str:
    if not any(tool.name == name for tool in await server.list_tools()):
        raise ToolError(f"no tool {name}")
    server.remove_tool(name)
    await ctx.session.send_tool_list_changed()
    return "ok"


@server.tool(description="Increment the counter behind fixture://counter, send resources/updated for `uri` if subscribed; returns the count.")
async def bump(ctx: Context, uri: str = COUNTER_URI) -> str:
    counter["value"] += 1
    if uri in subscribed:
        await ctx.session.send_resource_updated(AnyUrl(uri))
    return str(counter["value"])


@server.tool(description="Add a prompt dynamic_<n> and announce prompts list_changed.")
async def change_prompts(ctx: Context) -> str:
    dynamic["prompts"] += 1
    name = f"dynamic_{dynamic['prompts']}"

    def dynamic_prompt() -> str:
        return f"This is {name}."

    server.add_prompt(Prompt.from_function(dynamic_prompt, name=name, description="A prompt added by change_prompts."))
    await ctx.session.send_prompt_list_changed()
    return "ok"


@server.tool(description="Add a resource fixture://dynamic/<n> and announce resources list_changed.")
async def change_resources(ctx: Context) -> str:
    dynamic["resources"] += 1
    n = dynamic["resources"]
    server.add_resource(
        TextResource(uri=f"fixture://dynamic/{n}", name=f"dynamic-{n}", text=f"dynamic resource {n}", mime_type="text/plain")
    )
    await ctx.session.send_resource_list_changed()
    return "ok"


@server._mcp_server.subscribe_resource()
async def subscribe(uri: AnyUrl) -> None:
    subscribed.add(str(uri))


@server._mcp_server.unsubscribe_resource()
async def unsubscribe(uri: AnyUrl) -> None:
    subscribed.discard(str(uri))


def advertise_list_changes() -> None:
    """Advertise listChanged for tools/prompts/resources and resources.subscribe (mcp 1.x hard-codes false)."""
    lowlevel = server._mcp_server
    create = lowlevel.create_initialization_options

    def create_initialization_options(notification_options=None, experimental_capabilities=None):
        options = create(
            notification_options or NotificationOptions(prompts_changed=True, resources_changed=True, tools_changed=True),
            experimental_capabilities,
        )
        if options.capabilities.resources is not None:
            options.capabilities.resources.subscribe = True
        return options

    lowlevel.create_initialization_options = create_initialization_options


advertise_list_changes()


# --- URL-mode elicitation (2025-11-25: elicitation/create mode url, -32042, elicitation/complete) ------

url_authorizations = {"pending": None, "completed": 0}


def _client_supports_url_elicitation(ctx: Context) -> bool:
    params = ctx.session.client_params
    elicitation = params.capabilities.elicitation if params else None
    return elicitation is not None and elicitation.url is not None


@server.tool(description="Ask the client to open `url` (elicitation/create, mode url); returns the action it answered.")
async def open_url(ctx: Context, url: str) -> str:
    if not _client_supports_url_elicitation(ctx):
        raise ToolError("the client did not declare the elicitation.url capability")
    result = await ctx.session.elicit_url(
        message=f"Please open {url} to continue.",
        url=url,
        elicitation_id=str(uuid.uuid4()),
        related_request_id=ctx.request_id,
    )
    return result.action


@server.tool(description="Fails with -32042 (URL elicitation required) and sends notifications/elicitation/complete ~200 ms later; the next call after that completion returns authorized (each completion authorizes one call).")
async def needs_url(ctx: Context, url: str) -> str:
    if url_authorizations["completed"] > 0:
        url_authorizations["completed"] -= 1
        return "authorized"
    elicitation_id = str(uuid.uuid4())
    session = ctx.session

    async def complete_later() -> None:
        await anyio.sleep(0.2)
        url_authorizations["completed"] += 1
        await session.send_elicit_complete(elicitation_id)

    task_support.task_group.start_soon(complete_later)
    raise UrlElicitationRequiredError(
        [
            types.ElicitRequestURLParams(
                mode="url",
                message=f"Authorization is required: open {url}.",
                url=url,
                elicitationId=elicitation_id,
            )
        ]
    )


# --- structured output ----------------------------------------------------------------------------


@server.tool(description="Weather for a city, as structured content matching the outputSchema.")
def weather(city: str) -> Weather:
    return weather_report(city)


@server.tool(description="Like weather, but its structuredContent violates its own outputSchema (temperature is a string).")
def bad_weather(city: str) -> Weather:
    # Returns a valid report; the tools/call wrapper below rewrites it after the SDK's output
    # validation, so the schema-violating result reaches the client.
    return weather_report(city)


# --- tasks (mcp 1.27 experimental tasks, 2025-11-25) --------------------------------------------


@server.tool(description="Sleep `seconds`; with ask=true first elicit a name (form) and return hello <name>; fail=true is a JSON-RPC error. Supports task augmentation (execution.taskSupport optional).")
async def long_job(ctx: Context, seconds: float = 0.3, ask: bool = False, fail: bool = False) -> str:
    # fail=true is handled in the tools/call wrapper (a JSON-RPC error, as in the modern fixture).
    if ask:
        answer = await ctx.elicit("What is your name?", Name)
        if answer.action != "accept":
            return answer.action
        await anyio.sleep(seconds)
        return f"hello {answer.data.name}"
    await anyio.sleep(seconds)
    return "done"


@server.tool(description="Only runs as a task (execution.taskSupport required).")
def task_only() -> str:
    return "task-only result"


TASK_SUPPORT = {"long_job": "optional", "task_only": "required"}

task_support = server._mcp_server.experimental.enable_tasks()


class _DropTaskResponseIdWarning(logging.Filter):
    """mcp 1.27 gives requests queued inside a task string ids ("task-<uuid>-<n>") and logs a root
    WARNING for every client response to one before routing it correctly; keep that off stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "cannot be normalized to match pending requests" not in record.getMessage()


logging.getLogger().addFilter(_DropTaskResponseIdWarning())


def _text(text: str) -> types.CallToolResult:
    # FastMCP declares {"result": string} as the outputSchema of a str tool, so task results carry it too.
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], structuredContent={"result": text}, isError=False)


def task_work(name: str, arguments: dict):
    async def work(task: ServerTaskContext) -> types.CallToolResult:
        if name == "task_only":
            await anyio.sleep(0.1)
            return _text("task-only result")
        seconds = float(arguments.get("seconds", 0.3))
        await anyio.sleep(seconds)
        if arguments.get("fail"):
            raise RuntimeError("long_job failed as requested")  # the SDK marks the task failed
        if arguments.get("ask"):
            answer = await task.elicit("What is your name?", NAME_SCHEMA)
            if answer.action != "accept" or not answer.content:
                return _text(answer.action)
            return _text(f"hello {answer.content.get('name')}")
        return _text("done")

    return work


def wrap_tool_handlers() -> None:
    """Wrap the low-level tools/call and tools/list handlers.

    tools/call: an unknown name is a JSON-RPC error (the low-level server turns every exception
    raised inside the tool handler into an isError result, so the check runs in a wrapper around
    that handler; an McpError raised there becomes the JSON-RPC error response); task-augmented
    calls (params.task) of long_job/task_only run through the SDK's experimental run_task;
    long_job fail=true is a JSON-RPC error; bad_weather's validated result is made invalid.
    tools/list: long_job/task_only get execution.taskSupport.
    """
    lowlevel = server._mcp_server
    inner_call = lowlevel.request_handlers[types.CallToolRequest]
    inner_list = lowlevel.request_handlers[types.ListToolsRequest]

    async def call_handler(request: types.CallToolRequest):
        name = request.params.name
        arguments = request.params.arguments or {}
        known = {tool.name for tool in await server.list_tools()}
        if name not in known:
            raise McpError(types.ErrorData(code=types.INVALID_PARAMS, message=f"Unknown tool: {name}"))
        if name in TASK_SUPPORT:
            experimental = lowlevel.request_context.experimental
            experimental.validate_task_mode(TASK_SUPPORT[name])  # -32601 per 2025-11-25 on a mismatch
            if experimental.is_task:
                return types.ServerResult(await experimental.run_task(task_work(name, arguments)))
            if name == "long_job" and arguments.get("fail"):
                await anyio.sleep(float(arguments.get("seconds", 0.3)))
                raise McpError(types.ErrorData(code=types.INTERNAL_ERROR, message="long_job failed as requested"))
        result = await inner_call(request)
        if name == BAD_WEATHER and isinstance(result.root, types.CallToolResult) and not result.root.isError:
            report = bad_weather_report(arguments.get("city", ""))
            result = types.ServerResult(
                types.CallToolResult(
                    content=[types.TextContent(type="text", text=json.dumps(report))],
                    structuredContent=report,
                    isError=False,
                )
            )
        return result

    async def list_handler(request):
        result = await inner_list(request)
        for tool in result.root.tools:
            if tool.name in TASK_SUPPORT:
                tool.execution = types.ToolExecution(taskSupport=TASK_SUPPORT[tool.name])
        return result

    lowlevel.request_handlers[types.CallToolRequest] = call_handler
    lowlevel.request_handlers[types.ListToolsRequest] = list_handler


wrap_tool_handlers()


if __name__ == "__main__":
    server.run("stdio")
