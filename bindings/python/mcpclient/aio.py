"""asyncio layer: awaitable calls and an async event stream that never block the event loop.

    import asyncio, mcpclient.aio

    async def main():
        async with mcpclient.aio.AsyncManager() as mgr:
            await mgr.add_server("time", {"command": "mcp-server-time"})
            result = await mgr.call_tool("time", "get_current_time", {"timezone": "UTC"})
            async for event in mgr.events():      # status, progress, log, request, oauth_*, ...
                ...

    asyncio.run(main())

How it works: calls the C library can start without blocking (``mcp_manager_submit``: connect, list_*,
call_tool, read_resource, get_prompt, request, subscribe, complete, resume_task) are submitted from the loop
thread and awaited on a future. One reader thread per manager pulls ``mcp_manager_next_event`` and hands every
event to the loop with ``call_soon_threadsafe``: a ``result``/``error`` resolves its call's future, a
``progress`` event goes to that call's ``on_progress`` callback when it has one, everything else goes to
``events()``. Cancelling an awaiting task sends ``mcp_manager_cancel`` (the server gets
``notifications/cancelled``). The other calls (registry, OAuth, config, tools across servers, ...) block in C,
so they run on the manager's worker threads; cancelling their task stops the wait, not the call.

Per-user views (``as_user``) share their manager's reader; their events arrive on the manager's ``events()``
(tagged with ``"user"``), as in C. An ``AsyncManager`` belongs to the event loop that created it.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator, Callable, Dict, Iterable, List, Optional, Set, TypeVar

from ._errors import McpClosedError, McpError, McpInvalidError, McpPermissionError, error_from_payload
from .manager import JsonInput, Manager

__all__ = ["AsyncManager", "AsyncUserView", "Event", "ProgressCallback"]

Event = Dict[str, Any]
ProgressCallback = Callable[[Event], Any]
T = TypeVar("T")

# The reader wakes this often to notice a manager closed from Python (mcp_manager_free also wakes it at once).
_READ_WAIT_MS = 1000
# Kinds a full Python-side buffer may drop (the C queue's droppable kinds); results, errors, server requests,
# tasks, OAuth and shared-connection status events are always kept.
_DROPPABLE = frozenset({"progress", "log", "notification", "list_changed", "resource_updated", "elicitation_complete"})
_CLOSED: Event = {"kind": "__closed__"}


def _droppable(event: Event) -> bool:
    kind = event.get("kind")
    return kind in _DROPPABLE or (kind in ("status", "subscription") and "user" in event)


async def _in_thread(function: Callable[..., T], *args: Any) -> T:
    """Run a blocking function on a thread of its own (used for shutdown, so busy workers cannot delay it)."""
    loop = asyncio.get_running_loop()
    future: "asyncio.Future[T]" = loop.create_future()

    def run() -> None:
        try:
            value = function(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            loop.call_soon_threadsafe(lambda: future.done() or future.set_exception(exc))
        else:
            loop.call_soon_threadsafe(lambda: future.done() or future.set_result(value))

    threading.Thread(target=run, name="mcpclient-aio-close", daemon=True).start()
    return await future


class _Pending:
    __slots__ = ("future", "on_progress")

    def __init__(self, future: "asyncio.Future[Any]", on_progress: Optional[ProgressCallback]):
        self.future = future
        self.on_progress = on_progress


class _Hub:
    """One manager's event reader thread and the loop-side routing of what it reads.

    ``pending``, ``abandoned`` and ``queue`` are touched only on the loop thread: the reader thread posts every
    event with ``call_soon_threadsafe``, so a call's future is registered (right after its submit, with no await
    in between) before its outcome can be routed.
    """

    def __init__(self, manager: Manager, loop: asyncio.AbstractEventLoop, event_buffer: int, workers: int):
        self.manager = manager
        self.loop = loop
        self.pending: Dict[int, _Pending] = {}
        self.abandoned: Set[int] = set()
        self.queue: "asyncio.Queue[Event]" = asyncio.Queue()
        self.event_buffer = event_buffer
        self.dropped = 0
        self.finished = False
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mcpclient-aio")
        self.thread = threading.Thread(target=self._read, name="mcpclient-aio-events", daemon=True)
        self.thread.start()

    # -- reader thread ---------------------------------------------------------

    def _read(self) -> None:
        try:
            while True:
                try:
                    event = self.manager.next_event(_READ_WAIT_MS)
                except McpClosedError:
                    return
                if event is not None and not self._post(self._route, event):
                    return
        finally:
            self._post(self._finish)

    def _post(self, function: Callable[..., Any], *args: Any) -> bool:
        try:
            self.loop.call_soon_threadsafe(function, *args)
            return True
        except RuntimeError:  # the loop is closed: nobody is left to tell
            return False

    # -- loop thread -------------------------------------------------------------

    def _route(self, event: Event) -> None:
        kind = event.get("kind")
        request_id = event.get("request_id")
        if kind in ("result", "error") and isinstance(request_id, int):
            pending = self.pending.pop(request_id, None)
            if pending is not None:
                if not pending.future.done():
                    if kind == "result":
                        pending.future.set_result(event.get("result"))
                    else:
                        error = event.get("error")
                        pending.future.set_exception(error_from_payload(error if isinstance(error, dict) else {}))
                return
            if request_id in self.abandoned:  # the outcome of a call whose task was cancelled
                self.abandoned.discard(request_id)
                return
        elif kind == "progress" and isinstance(request_id, int):
            pending = self.pending.get(request_id)
            if pending is not None and pending.on_progress is not None:
                try:
                    pending.on_progress(event)
                except Exception as exc:  # noqa: BLE001 - a callback's bug must not stop the routing
                    self.loop.call_exception_handler(
                        {"message": "mcpclient on_progress callback failed", "exception": exc, "event": event})
                return
        self._enqueue(event)

    def _enqueue(self, event: Event) -> None:
        if self.queue.qsize() >= self.event_buffer and _droppable(event):
            self.dropped += 1
            return
        if self.dropped:
            self.queue.put_nowait({"version": 1, "kind": "dropped", "count": self.dropped, "source": "python"})
            self.dropped = 0
        self.queue.put_nowait(event)

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        pending, self.pending = self.pending, {}
        for entry in pending.values():
            if not entry.future.done():
                entry.future.set_exception(McpClosedError("the manager was closed while the call was pending",
                                                          source="local"))
        self.queue.put_nowait(_CLOSED)

    def check(self) -> None:
        """Calls must come from the loop that owns the manager, and not after it closed."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not self.loop:
            raise RuntimeError("an AsyncManager is used only from the event loop that created it")
        if self.finished:
            raise McpClosedError("already closed", source="local")


class _AsyncCalls:
    """The awaitable calls shared by ``AsyncManager`` and ``AsyncUserView`` (``_sync`` is the handle they use)."""

    _sync: Manager
    _hub: _Hub

    # -- plumbing ------------------------------------------------------------------

    async def _submit(self, request: Dict[str, Any], on_progress: Optional[ProgressCallback] = None) -> Dict[str, Any]:
        """``mcp_manager_submit`` and await the outcome; a cancelled task cancels the request."""
        hub = self._hub
        hub.check()
        request_id = self._sync.submit(request)
        future: "asyncio.Future[Dict[str, Any]]" = hub.loop.create_future()
        hub.pending[request_id] = _Pending(future, on_progress)
        try:
            return await future
        except asyncio.CancelledError:
            if hub.pending.pop(request_id, None) is not None:
                hub.abandoned.add(request_id)
                try:
                    self._sync.cancel(request_id)
                except McpError:  # finished meanwhile, or the manager closed
                    pass
            raise

    async def _run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A call that blocks in C, on one of the manager's worker threads."""
        hub = self._hub
        hub.check()
        return await hub.loop.run_in_executor(hub.executor, functools.partial(function, *args, **kwargs))

    @staticmethod
    def _request(op: str, server: str, timeout_ms: int = 0, **fields: Any) -> Dict[str, Any]:
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms < 0:
            raise McpInvalidError("timeout_ms must be a non-negative int", source="local")
        request: Dict[str, Any] = {"op": op, "server": server}
        request.update((key, value) for key, value in fields.items() if value is not None)
        if timeout_ms:
            request["timeout_ms"] = timeout_ms
        return request

    # -- servers -------------------------------------------------------------------

    async def connect(self, server: str) -> Dict[str, Any]:
        """Connect a server: ``{"era", "protocolVersion", "serverInfo", "capabilities", ...}``."""
        return await self._submit(self._request("connect", server))

    async def disconnect(self, server: str) -> None:
        """Disconnect a server (its process is gone when this returns)."""
        await self._submit(self._request("disconnect", server))

    async def server_status(self, server: str) -> Dict[str, Any]:
        """The caller's connection state (never connects)."""
        return await self._run(self._sync.server_status, server)

    async def reinitialize(self, server: str) -> Dict[str, Any]:
        """Reconnect, clearing the circuit breaker; LibreChat's reinitialize shape (``success``, ...)."""
        return await self._run(self._sync.reinitialize, server)

    async def notify(self, server: str, method: str, params: Optional[JsonInput] = None) -> None:
        """Send a notification, e.g. ``notifications/roots/list_changed``."""
        await self._run(self._sync.notify, server, method, params)

    # -- tools, resources, prompts --------------------------------------------------

    async def list_tools_payload(self, server: str) -> Dict[str, Any]:
        """The whole ``{"version":1,"server","tools":[...]}`` payload."""
        return await self._submit(self._request("list_tools", server))

    async def list_tools(self, server: str) -> List[Dict[str, Any]]:
        """The server's tools (every page)."""
        return (await self.list_tools_payload(server))["tools"]

    async def list_resources(self, server: str) -> List[Dict[str, Any]]:
        """The server's resources (every page)."""
        return (await self._submit(self._request("list_resources", server)))["resources"]

    async def list_resource_templates(self, server: str) -> List[Dict[str, Any]]:
        """The server's resource templates (every page)."""
        return (await self._submit(self._request("list_resource_templates", server)))["resourceTemplates"]

    async def list_prompts(self, server: str) -> List[Dict[str, Any]]:
        """The server's prompts (every page)."""
        return (await self._submit(self._request("list_prompts", server)))["prompts"]

    async def call_tool_payload(self, server: str, tool: str, arguments: Optional[Dict[str, Any]] = None,
                                timeout_ms: int = 0, *, on_progress: Optional[ProgressCallback] = None,
                                approved: bool = False) -> Dict[str, Any]:
        """The whole ``{"version":1,"server","tool","result":{...}}`` payload (see ``call_tool``)."""
        request = self._request("call_tool", server, timeout_ms, tool=tool, arguments=arguments or {},
                                approved=True if approved else None)
        return await self._submit(request, on_progress)

    async def call_tool(self, server: str, tool: str, arguments: Optional[Dict[str, Any]] = None,
                        timeout_ms: int = 0, *, on_progress: Optional[ProgressCallback] = None,
                        approved: bool = False) -> Dict[str, Any]:
        """Call a tool; returns the MCP result (``content``, ``isError``, ``structuredContent``?).

        A tool that fails returns ``isError: True``; JSON-RPC errors raise ``McpProtocolError``. ``on_progress``
        receives this call's ``progress`` events (on the loop thread) instead of ``events()``. ``timeout_ms`` 0
        is the server's timeout. Cancelling the awaiting task cancels the call on the server.
        """
        payload = await self.call_tool_payload(server, tool, arguments, timeout_ms, on_progress=on_progress,
                                               approved=approved)
        return payload["result"]

    async def read_resource(self, server: str, uri: str, timeout_ms: int = 0) -> Dict[str, Any]:
        """The ``resources/read`` result (``contents``)."""
        return (await self._submit(self._request("read_resource", server, timeout_ms, uri=uri)))["result"]

    async def get_prompt(self, server: str, prompt: str, arguments: Optional[Dict[str, Any]] = None,
                         timeout_ms: int = 0) -> Dict[str, Any]:
        """The ``prompts/get`` result (``messages``)."""
        request = self._request("get_prompt", server, timeout_ms, name=prompt, arguments=arguments or {})
        return (await self._submit(request))["result"]

    async def request(self, server: str, method: str, params: Optional[Dict[str, Any]] = None,
                      timeout_ms: int = 0) -> Dict[str, Any]:
        """Any MCP method with the server era's envelope; returns the MCP result."""
        request = self._request("request", server, timeout_ms, method=method, params=params or {})
        return (await self._submit(request))["result"]

    async def subscribe(self, server: str, uri: str) -> None:
        """Subscribe to a resource: ``resource_updated`` events follow. ``McpUnsupportedError`` if refused."""
        await self._submit(self._request("subscribe", server, uri=uri))

    async def unsubscribe(self, server: str, uri: str) -> None:
        """End a resource subscription."""
        await self._submit(self._request("unsubscribe", server, uri=uri))

    async def complete(self, server: str, ref: Dict[str, Any], argument: str, value: str,
                       context: Optional[Dict[str, Any]] = None, timeout_ms: int = 0) -> Dict[str, Any]:
        """Completions for one argument: the ``completion`` object (``values``, ``total``?, ``hasMore``?)."""
        params: Dict[str, Any] = {"ref": ref, "argument": {"name": argument, "value": value}}
        if context is not None:
            params["context"] = context
        payload = await self._submit(self._request("complete", server, timeout_ms, params=params))
        return payload["result"].get("completion", {})

    async def resume_task(self, server: str, task_id: str, timeout_ms: int = 0, *,
                          on_progress: Optional[ProgressCallback] = None) -> Dict[str, Any]:
        """Follow a task created earlier (its id came in a ``task`` event) until it ends; the tool result."""
        payload = await self._submit(self._request("resume_task", server, timeout_ms, task_id=task_id), on_progress)
        return payload["result"]

    # -- tools across servers -------------------------------------------------------

    async def list_all_tools(self, servers: Optional[Iterable[str]] = None, **options: Any) -> Dict[str, Any]:
        """Every server's tools under model-facing names (``Manager.list_all_tools``)."""
        return await self._run(self._sync.list_all_tools, servers, **options)

    async def call_model_tool_payload(self, model_name: str, arguments: Any = None, **options: Any) -> Dict[str, Any]:
        """A call by model-facing name (``Manager.call_model_tool_payload``)."""
        return await self._run(self._sync.call_model_tool_payload, model_name, arguments, **options)

    async def call_model_tool(self, model_name: str, arguments: Any = None, approved: bool = False,
                              timeout_ms: Optional[int] = None) -> Dict[str, Any]:
        """The MCP result of a call by model-facing name; ``McpPermissionError`` when it needs approval."""
        return await self._run(self._sync.call_model_tool, model_name, arguments, approved, timeout_ms)

    # -- OAuth ----------------------------------------------------------------------

    async def oauth_begin(self, server: str, user: Optional[str] = None) -> Dict[str, Any]:
        """Begin (or join) a sign-in: ``{"flowId", "authUrl", "expiresAt", "joined", ...}``."""
        return await self._run(self._sync.oauth_begin, server, user)

    async def oauth_complete(self, callback_url: str) -> Dict[str, Any]:
        """Complete a sign-in from the URL the browser was redirected to."""
        return await self._run(self._sync.oauth_complete, callback_url)

    async def oauth_complete_code(self, code: str, state: str, iss: Optional[str] = None) -> Dict[str, Any]:
        """Complete a sign-in from the callback's query parameters."""
        return await self._run(self._sync.oauth_complete_code, code, state, iss)

    async def oauth_cancel(self, server: str, user: Optional[str] = None) -> None:
        """Cancel a pending sign-in (its state stops working)."""
        await self._run(self._sync.oauth_cancel, server, user)

    async def oauth_status(self, server: str, user: Optional[str] = None) -> Dict[str, Any]:
        """A user's authorization state on a server (never a token)."""
        return await self._run(self._sync.oauth_status, server, user)

    async def oauth_logout(self, server: str, user: Optional[str] = None) -> Dict[str, Any]:
        """Revoke (where offered) and forget a user's tokens for a server."""
        return await self._run(self._sync.oauth_logout, server, user)

    async def oauth_login(self, server: str, listener: Any, *, user: Optional[str] = None,
                          open_browser: Optional[Callable[[str], Any]] = None,
                          timeout: Optional[float] = 300.0) -> Dict[str, Any]:
        """The desktop sign-in of ``Manager.oauth_login`` (begin, browser, loopback callback, complete) on a
        worker thread; cancelling the task cancels the listener's wait."""
        try:
            return await self._run(self._sync.oauth_login, server, listener, user=user, open_browser=open_browser,
                                   timeout=timeout)
        except asyncio.CancelledError:
            listener.cancel()
            raise

    # -- registry and user values ---------------------------------------------------

    async def list_servers(self, limit: Optional[int] = None, after: Optional[str] = None,
                           search: Optional[str] = None) -> Dict[str, Any]:
        """A page of the servers the caller may view: ``{"data", "has_more", "after"}``."""
        return await self._run(self._sync.list_servers, limit, after, search)

    async def get_server(self, name: str) -> Dict[str, Any]:
        """One server as the caller may see it."""
        return await self._run(self._sync.get_server, name)

    async def create_server(self, config: JsonInput, name: Optional[str] = None) -> Dict[str, Any]:
        """Create a server owned by the caller."""
        return await self._run(self._sync.create_server, config, name)

    async def update_server(self, name: str, patch: JsonInput) -> Dict[str, Any]:
        """Merge-patch a created server (its connections are rebuilt)."""
        return await self._run(self._sync.update_server, name, patch)

    async def delete_server(self, name: str) -> Dict[str, Any]:
        """Delete a created server (connections close, tokens are revoked)."""
        return await self._run(self._sync.delete_server, name)

    async def patch_config(self, body: JsonInput, format: Optional[str] = None) -> Dict[str, Any]:
        """PandoraKit's ``PATCH /api/config`` body, all or nothing."""
        return await self._run(self._sync.patch_config, body, format)

    async def share_server(self, name: str, permissions: Any, user: Optional[str] = None,
                           role: Optional[str] = None) -> Dict[str, Any]:
        """Grant ``permissions`` on a created server to a user or a role."""
        return await self._run(self._sync.share_server, name, permissions, user, role)

    async def set_user_vars(self, server: str, values: Dict[str, str]) -> Dict[str, bool]:
        """Save this view's user's ``customUserVars`` values; returns the flags."""
        return await self._run(self._sync.set_user_vars, server, values)

    async def revoke_user_vars(self, server: str, names: Optional[List[str]] = None) -> Dict[str, bool]:
        """Forget this view's user's saved values (all, or ``names``)."""
        return await self._run(self._sync.revoke_user_vars, server, names)

    async def auth_values(self, server: str) -> Dict[str, bool]:
        """Which of the server's ``customUserVars`` this view's user has set."""
        return await self._run(self._sync.auth_values, server)

    # -- requests -------------------------------------------------------------------

    def submit(self, request: JsonInput) -> int:
        """Raw ``mcp_manager_submit``: the outcome is not awaited here; it arrives on ``events()``."""
        self._hub.check()
        return self._sync.submit(request)

    def cancel(self, request_id: int) -> None:
        """Cancel an in-flight request by id (``McpNotFoundError`` when it already finished)."""
        self._hub.check()
        self._sync.cancel(request_id)

    def respond(self, request_id: int, response: JsonInput) -> None:
        """Answer a ``{"kind": "request"}`` event (roots, sampling, elicitation); does not block."""
        self._hub.check()
        self._sync.respond(request_id, response)


class AsyncManager(_AsyncCalls):
    """An asyncio facade over ``Manager``: one reader thread, awaitable calls, ``async for`` events.

    ``options`` are ``Manager``'s. ``event_buffer`` bounds the droppable events (progress, logs,
    notifications, ...) waiting for ``events()``; past it they are counted and reported as one
    ``{"kind": "dropped", "count": n, "source": "python"}`` event. ``workers`` threads run the calls that block
    in C. Create it inside the event loop that will use it; close it with ``await aclose()`` (or ``async with``).
    """

    def __init__(self, options: Optional[JsonInput] = None, *, event_buffer: int = 10000, workers: int = 8):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("create an AsyncManager inside a running event loop (e.g. in `async def main()`)") from None
        if isinstance(event_buffer, bool) or not isinstance(event_buffer, int) or event_buffer < 1:
            raise McpInvalidError("event_buffer must be a positive int", source="local")
        self._sync = Manager(options)
        self._hub = _Hub(self._sync, loop, event_buffer, max(1, int(workers)))
        self._closing: Optional["asyncio.Future[None]"] = None

    @property
    def manager(self) -> Manager:
        """The synchronous ``Manager`` underneath (for calls from other threads)."""
        return self._sync

    @property
    def closed(self) -> bool:
        return self._sync.closed

    async def add_server(self, name: str, config: JsonInput) -> None:
        """Register a server configuration."""
        await self._run(self._sync.add_server, name, config)

    async def remove_server(self, name: str) -> None:
        """Disconnect and forget a server."""
        await self._run(self._sync.remove_server, name)

    async def load_config(self, text: str, **options: Any) -> Dict[str, Any]:
        """Load a config text and register every enabled server (``Manager.load_config``)."""
        return await self._run(self._sync.load_config, text, **options)

    async def connect_all(self, parallel: Optional[int] = None) -> Dict[str, Any]:
        """Open the shared connection of every server that gets one."""
        return await self._run(self._sync.connect_all, parallel)

    async def set_credential_store(self, store: Any) -> None:
        """Keep OAuth records in ``store`` (before the first OAuth use)."""
        await self._run(self._sync.set_credential_store, store)

    def as_user(self, id: str, **context: Any) -> "AsyncUserView":
        """A user's view (``Manager.as_user`` keywords); its calls are awaitable too. Close it when done."""
        self._hub.check()
        return AsyncUserView(self._sync.as_user(id, **context), self._hub, self)

    # -- events -----------------------------------------------------------------

    async def events(self) -> AsyncIterator[Event]:
        """Every event that is not a pending call's outcome (or its progress, when it has ``on_progress``).

        Ends when the manager closes. Several iterators may run at once; each event goes to one of them.
        """
        queue = self._hub.queue
        while True:
            event = await queue.get()
            if event is _CLOSED:
                queue.put_nowait(_CLOSED)  # every other iterator ends too
                return
            yield event

    async def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, or None after ``timeout`` seconds (None: wait). ``McpClosedError`` once closed."""
        queue = self._hub.queue
        try:
            event = await asyncio.wait_for(queue.get(), timeout)
        except asyncio.TimeoutError:
            return None
        if event is _CLOSED:
            queue.put_nowait(_CLOSED)
            raise McpClosedError("manager closed", source="local")
        return event

    # -- lifetime ----------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the manager without blocking the loop: servers stop, pending calls raise ``McpClosedError``,
        ``events()`` iterators end. Idempotent; concurrent callers all wait for the same shutdown."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._shutdown())
        await asyncio.shield(self._closing)

    async def _shutdown(self) -> None:
        hub = self._hub
        await _in_thread(self._sync.close)  # mcp_manager_free waits for the server processes
        await _in_thread(hub.thread.join, 10.0)
        hub._finish()  # the reader's own _finish is already queued; this covers a reader that never started
        hub.executor.shutdown(wait=False)

    def close(self) -> None:
        """Blocking close, for code outside the loop (e.g. after ``asyncio.run`` returned)."""
        self._sync.close()
        self._hub.thread.join(10.0)
        self._hub.executor.shutdown(wait=False)

    async def __aenter__(self) -> "AsyncManager":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<mcpclient.aio.AsyncManager {'closed' if self.closed else 'open'}>"


class AsyncUserView(_AsyncCalls):
    """A user's view of an ``AsyncManager`` (``AsyncManager.as_user``): every call is on that user's behalf.

    Registering servers, stores and reading events belong to the manager (``McpPermissionError`` in C);
    this class simply does not offer them. Close the view with ``close()`` or ``async with``.
    """

    def __init__(self, view: Manager, hub: _Hub, manager: AsyncManager):
        self._sync = view
        self._hub = hub
        self.manager = manager
        self.user: str = getattr(view, "user", "")

    def as_user(self, id: str, **context: Any) -> "AsyncUserView":
        raise McpPermissionError("a user's view cannot make other users' views", source="local")

    @property
    def closed(self) -> bool:
        return self._sync.closed

    def close(self) -> None:
        """Release the view (quick; the manager stays open)."""
        self._sync.close()

    async def aclose(self) -> None:
        self.close()

    async def __aenter__(self) -> "AsyncUserView":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<mcpclient.aio.AsyncUserView user={self.user!r} {'closed' if self.closed else 'open'}>"

