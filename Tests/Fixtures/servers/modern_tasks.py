"""A fixture-grade implementation of the `io.modelcontextprotocol/tasks` extension (ext-tasks,
2026-07-28 revision) on mcp 2.3.0's extension API (`mcp.server.extension`).

mcp 2.3.0 ships no tasks implementation, so this module provides one, just big enough for
client tests:

- advertised as `capabilities.extensions["io.modelcontextprotocol/tasks"] = {}` in `server/discover`;
- a `tools/call` for a tool in `task_tools` made by a client whose per-request
  `_meta["io.modelcontextprotocol/clientCapabilities"].extensions` contains the extension id is
  answered with a CreateTaskResult (`resultType: "task"`) and the work runs in the background;
- the same call without the opt-in runs normally, except for tools in `required_tools`, which
  fail with -32021 and `data.requiredCapabilities.extensions["io.modelcontextprotocol/tasks"]`;
- `tasks/get`, `tasks/update`, `tasks/cancel` (each also -32021 without the opt-in, -32602 for an
  unknown taskId).

State is in-memory and per process. `notifications/tasks` over `subscriptions/listen` is not
implemented (optional in the spec; the SDK's listen handler has no task event kind).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import anyio
from anyio.abc import TaskGroup
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.extension import Extension, MethodBinding
from mcp.server.mcpserver.server import require_client_extension
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, CallToolRequestParams, RequestParams
from pydantic import Field

TASKS_EXTENSION = "io.modelcontextprotocol/tasks"
TTL_MS = 60_000
POLL_INTERVAL_MS = 100
TERMINAL = {"completed", "failed", "cancelled"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TaskIdParams(RequestParams):
    task_id: str = Field(alias="taskId")


class TaskUpdateParams(RequestParams):
    task_id: str = Field(alias="taskId")
    input_responses: dict[str, Any] = Field(alias="inputResponses", default_factory=dict)


class TaskFailure(Exception):
    """Raised by task work to end the task as `failed` with this JSON-RPC error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.error = {"code": code, "message": message}


class TaskState:
    def __init__(self) -> None:
        self.task_id = secrets.token_urlsafe(18)
        self.status = "working"
        self.status_message: str | None = None
        self.created_at = _now()
        self.last_updated_at = self.created_at
        self.result: dict[str, Any] | None = None
        self.error: dict[str, Any] | None = None
        self.input_requests: dict[str, Any] = {}  # outstanding only
        self.input_responses: dict[str, Any] = {}
        self.answered = anyio.Event()
        self.scope = anyio.CancelScope()

    def set_status(self, status: str, message: str | None = None) -> None:
        self.status = status
        self.status_message = message
        self.last_updated_at = _now()

    def wire(self) -> dict[str, Any]:
        task: dict[str, Any] = {
            "taskId": self.task_id,
            "status": self.status,
            "createdAt": self.created_at,
            "lastUpdatedAt": self.last_updated_at,
            "ttlMs": TTL_MS,
            "pollIntervalMs": POLL_INTERVAL_MS,
        }
        if self.status_message is not None:
            task["statusMessage"] = self.status_message
        return task

    def detailed(self) -> dict[str, Any]:
        task = self.wire()
        if self.status == "input_required":
            task["inputRequests"] = dict(self.input_requests)
        elif self.status == "completed":
            task["result"] = self.result
        elif self.status == "failed":
            task["error"] = self.error
        return task

    async def ask(self, key: str, request: dict[str, Any]) -> dict[str, Any]:
        """Put the task in `input_required` with one outstanding request and wait for its response."""
        self.input_requests[key] = request
        self.answered = anyio.Event()
        self.set_status("input_required", "waiting for client input")
        while key not in self.input_responses:
            await self.answered.wait()
            self.answered = anyio.Event()
        self.input_requests.pop(key, None)
        self.set_status("working")
        return self.input_responses[key]


TaskWork = Callable[[TaskState, dict[str, Any]], Awaitable[dict[str, Any]]]
"""Background work for a tool run as a task: returns the CallToolResult wire dict."""


def client_declared_tasks(ctx: ServerRequestContext[Any, Any]) -> bool:
    capabilities = ctx.session.client_capabilities
    extensions = capabilities.extensions if capabilities else None
    return bool(extensions) and TASKS_EXTENSION in extensions


class TasksExtension(Extension):
    identifier = TASKS_EXTENSION

    def __init__(self, task_tools: dict[str, TaskWork], required_tools: Sequence[str] = ()) -> None:
        self._work = task_tools
        self._required = set(required_tools)
        self._tasks: dict[str, TaskState] = {}
        self.task_group: TaskGroup | None = None  # set by the server's lifespan

    def methods(self) -> Sequence[MethodBinding]:
        return (
            MethodBinding("tasks/get", TaskIdParams, self._get),
            MethodBinding("tasks/update", TaskUpdateParams, self._update),
            MethodBinding("tasks/cancel", TaskIdParams, self._cancel),
        )

    async def intercept_tool_call(
        self, params: CallToolRequestParams, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        if params.name not in self._work:
            return await call_next(ctx)
        if not client_declared_tasks(ctx):
            if params.name in self._required:
                require_client_extension(ctx, TASKS_EXTENSION)  # raises -32021
            return await call_next(ctx)
        assert self.task_group is not None, "tasks extension used outside the server lifespan"
        task = TaskState()
        self._tasks[task.task_id] = task  # durably created before the CreateTaskResult goes out
        self.task_group.start_soon(self._run, task, self._work[params.name], dict(params.arguments or {}))
        return {"resultType": "task", **task.wire()}

    async def _run(self, task: TaskState, work: TaskWork, arguments: dict[str, Any]) -> None:
        with task.scope:
            try:
                result = await work(task, arguments)
            except TaskFailure as failure:
                task.error = failure.error
                task.set_status("failed", str(failure))
                return
            except Exception as exc:  # a bug in the work: report it as an internal error
                task.error = {"code": -32603, "message": str(exc)}
                task.set_status("failed", f"internal error: {exc}")
                return
            if task.status not in TERMINAL:
                task.result = result
                task.set_status("completed")

    def _lookup(self, ctx: ServerRequestContext[Any, Any], task_id: str) -> TaskState:
        require_client_extension(ctx, TASKS_EXTENSION)
        task = self._tasks.get(task_id)
        if task is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Failed to retrieve task: Task not found: {task_id}")
        return task

    async def _get(self, ctx: ServerRequestContext[Any, Any], params: TaskIdParams) -> dict[str, Any]:
        return self._lookup(ctx, params.task_id).detailed()

    async def _update(self, ctx: ServerRequestContext[Any, Any], params: TaskUpdateParams) -> dict[str, Any]:
        task = self._lookup(ctx, params.task_id)
        for key, response in params.input_responses.items():
            if key in task.input_requests and key not in task.input_responses:  # others are ignored (spec SHOULD)
                task.input_responses[key] = response
        task.answered.set()
        return {}

    async def _cancel(self, ctx: ServerRequestContext[Any, Any], params: TaskIdParams) -> dict[str, Any]:
        task = self._lookup(ctx, params.task_id)
        if task.status not in TERMINAL:
            task.input_requests.clear()
            task.set_status("cancelled", "cancelled by the client")
            task.scope.cancel()
        return {}
