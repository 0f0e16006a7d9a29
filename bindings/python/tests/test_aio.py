"""mcpclient.aio against real servers: many concurrent awaits, a loop that stays responsive, cancellation that
reaches the library, the event stream, per-user views, and closing while calls are pending."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Dict, List

import pytest
from helpers import everything_config, new_tag, text_of, wait_until_gone

import mcpclient
from mcpclient.aio import AsyncManager


def run(coroutine: Any, limit_s: float = 90.0) -> Any:
    """Run one test coroutine with an overall bound (a hang fails instead of stalling the suite)."""
    async def bounded() -> Any:
        return await asyncio.wait_for(coroutine, limit_s)

    return asyncio.run(bounded())


async def connected(mgr: AsyncManager, kind: str = "modern", name: str = "e", **overrides: Any) -> str:
    await mgr.add_server(name, everything_config(kind, **overrides))
    info = await mgr.connect(name)
    assert info["era"] == kind
    return name


async def _gap_ticker(stop: asyncio.Event, gaps: List[float], period: float = 0.01) -> None:
    last = time.monotonic()
    while not stop.is_set():
        await asyncio.sleep(period)
        now = time.monotonic()
        gaps.append(now - last - period)
        last = now


def test_many_concurrent_awaits_on_both_eras():
    async def main() -> None:
        async with AsyncManager() as mgr:
            await asyncio.gather(connected(mgr, "modern", "m"), connected(mgr, "legacy", "l"))
            calls = []
            for i in range(60):
                server = "m" if i % 2 else "l"
                calls.append(mgr.call_tool(server, "echo", {"text": f"call {i}"}))
                calls.append(mgr.call_tool(server, "add", {"a": i, "b": 1000}))
            calls.append(mgr.list_tools("m"))
            results = await asyncio.gather(*calls)
            for i in range(60):
                assert text_of(results[2 * i]) == f"call {i}"
                assert results[2 * i + 1]["structuredContent"] == {"result": i + 1000}
            assert "echo" in {tool["name"] for tool in results[-1]}
            assert mgr._hub.pending == {}  # every future was resolved and forgotten

    run(main())


def test_the_loop_stays_responsive_while_calls_block_in_c():
    async def main() -> None:
        async with AsyncManager() as mgr:
            name = await connected(mgr)
            stop = asyncio.Event()
            gaps: List[float] = []
            ticker = asyncio.ensure_future(_gap_ticker(stop, gaps))
            started = time.monotonic()
            # A 1.5 s tool call (submitted), a worker-thread call and a worker-thread reinitialize, all at once.
            slow, status, listing = await asyncio.gather(
                mgr.call_tool(name, "slow", {"steps": 3, "delay_ms": 500}),
                mgr.server_status(name),
                mgr.list_all_tools(),
            )
            elapsed = time.monotonic() - started
            stop.set()
            await ticker
            assert text_of(slow) == "done after 3 steps" and elapsed >= 1.4
            assert status["status"] == "connected"
            assert any(tool["name"].endswith("echo") for tool in listing["tools"])
            # ~150 ticks of 10 ms fit in 1.5 s; a blocked loop would show one gap of ~1.5 s.
            assert len(gaps) > 40, len(gaps)
            assert max(gaps) < 0.25, f"the loop stalled for {max(gaps):.3f}s"

    run(main())


def test_cancelling_the_task_cancels_the_request():
    async def main() -> None:
        async with AsyncManager() as mgr:
            name = await connected(mgr)
            first_progress = asyncio.Event()
            seen: List[Dict[str, Any]] = []

            def on_progress(event: Dict[str, Any]) -> None:
                seen.append(event)
                first_progress.set()

            task = asyncio.ensure_future(mgr.call_tool(name, "slow", {"steps": 50, "delay_ms": 100}, on_progress=on_progress))
            await asyncio.wait_for(first_progress.wait(), 15)
            request_id = seen[0]["request_id"]
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # The library's request ended (mcp_manager_cancel): cancelling it again finds nothing, well before
            # the 5 s the tool would have run.
            deadline = time.monotonic() + 3
            while True:
                try:
                    mgr.cancel(request_id)
                except mcpclient.McpNotFoundError:
                    break
                assert time.monotonic() < deadline, "the request was still in flight 3 s after its task was cancelled"
                await asyncio.sleep(0.05)
            # The connection still works, and the cancelled call's outcome did not leak into the event stream.
            assert text_of(await mgr.call_tool(name, "echo", {"text": "after"})) == "after"
            leaked = []
            while (event := await mgr.next_event(0.3)) is not None:
                if event.get("request_id") == request_id and event["kind"] in ("result", "error"):
                    leaked.append(event)
            assert leaked == []
            assert request_id not in mgr._hub.abandoned  # its outcome came and was swallowed

    run(main())


def test_wait_for_timeout_cancels_and_the_timeout_option_raises():
    async def main() -> None:
        async with AsyncManager() as mgr:
            name = await connected(mgr)
            started = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(mgr.call_tool(name, "slow", {"steps": 40, "delay_ms": 100}), 0.5)
            assert time.monotonic() - started < 2.0
            with pytest.raises(mcpclient.McpTimeoutError):
                # (progress would restart the timeout: the first step comes after it)
                await mgr.call_tool(name, "slow", {"steps": 5, "delay_ms": 1000}, timeout_ms=300)
            assert mgr._hub.pending == {}

    run(main())


def test_errors_are_typed():
    async def main() -> None:
        async with AsyncManager() as mgr:
            name = await connected(mgr)
            with pytest.raises(mcpclient.McpProtocolError) as info:
                await mgr.call_tool(name, "no_such_tool", {})
            assert info.value.rpc_code == -32602 and info.value.source == "peer"
            with pytest.raises(mcpclient.McpNotFoundError):
                await mgr.call_tool("nowhere", "echo", {})
            with pytest.raises(mcpclient.McpNotFoundError):
                await mgr.server_status("nowhere")
            failed = await mgr.call_tool(name, "fail", {})
            assert failed["isError"] is True

    run(main())


def test_progress_status_and_raw_submit_arrive_on_the_event_stream():
    async def main() -> None:
        async with AsyncManager() as mgr:
            name = await connected(mgr)
            callback: List[int] = []
            await mgr.call_tool(name, "slow", {"steps": 3, "delay_ms": 20}, on_progress=lambda ev: callback.append(ev["progress"]))
            assert callback == [1, 2, 3]
            await mgr.call_tool(name, "slow", {"steps": 2, "delay_ms": 20})  # no callback: progress goes to events()
            raw_id = mgr.submit({"op": "call_tool", "server": name, "tool": "echo", "arguments": {"text": "raw"}})
            kinds: Dict[str, List[Dict[str, Any]]] = {}

            async def collect() -> None:
                async for event in mgr.events():
                    kinds.setdefault(event["kind"], []).append(event)
                    if event["kind"] == "result" and event["request_id"] == raw_id:
                        return

            await asyncio.wait_for(collect(), 15)
            assert [ev["status"] for ev in kinds["status"] if ev["server"] == name][:2] == ["connecting", "connected"]
            assert [ev["progress"] for ev in kinds["progress"]] == [1, 2]
            assert text_of(kinds["result"][-1]["result"]["result"]) == "raw"

    run(main())


def test_server_requests_are_answered_from_the_stream_while_the_call_waits():
    async def main() -> None:
        async with AsyncManager({"capabilities": {"elicitation": {}}}) as mgr:
            name = await connected(mgr)
            call = asyncio.ensure_future(mgr.call_tool(name, "ask_name", {}))
            async for event in mgr.events():
                if event["kind"] == "request":
                    assert event["method"] == "elicitation/create"
                    mgr.respond(event["request_id"], {"result": {"action": "accept", "content": {"name": "Ada"}}})
                    break
            assert text_of(await call) == "hello Ada"

    run(main())


def test_user_views_are_awaitable_and_concurrent():
    async def main() -> None:
        # Each user's first call starts that user's own server process; on a loaded 2-core machine several
        # starting at once can miss the default 10 s era probe, so it gets room here.
        async with AsyncManager({"probeTimeoutMs": 60000}) as mgr:
            await mgr.add_server("mine", everything_config("modern", env={"WHO": "{{LIBRECHAT_USER_ID}}"}))
            views = [mgr.as_user(f"user{i}") for i in range(3)]
            try:
                answers = await asyncio.gather(*(view.call_tool("mine", "env", {"name": "WHO"}) for view in views for _ in range(3)))
                assert [text_of(answer) for answer in answers] == [f"user{i}" for i in range(3) for _ in range(3)]
                status = await views[0].server_status("mine")
                assert status["user"] == "user0" and status["status"] == "connected"
                with pytest.raises(mcpclient.McpUnsupportedError):
                    await mgr.call_tool("mine", "env", {"name": "WHO"})  # the host has no user to substitute
                with pytest.raises(mcpclient.McpPermissionError):
                    views[0].as_user("other")
            finally:
                for view in views:
                    view.close()
            with pytest.raises(mcpclient.McpClosedError):
                await views[0].call_tool("mine", "env", {"name": "WHO"})

    run(main())


def test_close_while_calls_are_pending():
    tag = new_tag()

    async def main() -> None:
        mgr = AsyncManager()
        name = await connected(mgr, tag=tag)
        started = asyncio.Event()
        calls = [asyncio.ensure_future(mgr.call_tool(name, "slow", {"steps": 100, "delay_ms": 100},
                                                     on_progress=lambda _: started.set())) for _ in range(5)]
        blocking = asyncio.ensure_future(mgr.list_all_tools())  # a worker-thread call racing the close
        stream_ended = asyncio.Event()

        async def iterate() -> None:
            async for _ in mgr.events():
                pass
            stream_ended.set()

        iterator = asyncio.ensure_future(iterate())
        await asyncio.wait_for(started.wait(), 15)
        began = time.monotonic()
        await asyncio.gather(mgr.aclose(), mgr.aclose())  # idempotent, concurrent
        assert time.monotonic() - began < 15
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        assert all(isinstance(outcome, mcpclient.McpError) for outcome in outcomes), outcomes
        assert any(isinstance(outcome, mcpclient.McpClosedError) for outcome in outcomes), outcomes
        await asyncio.gather(blocking, return_exceptions=True)  # finished one way or the other, no hang
        await asyncio.wait_for(stream_ended.wait(), 5)
        await iterator
        assert mgr.closed and not mgr._hub.thread.is_alive()
        with pytest.raises(mcpclient.McpClosedError):
            await mgr.call_tool(name, "echo", {"text": "x"})
        with pytest.raises(mcpclient.McpClosedError):
            await mgr.next_event(0.1)

    run(main())
    assert wait_until_gone(tag) == [], "the server process outlived the manager"


def test_python_side_buffer_drops_only_droppable_events():
    async def main() -> None:
        async with AsyncManager(event_buffer=5) as mgr:
            name = await connected(mgr)
            for i in range(30):
                await mgr.call_tool(name, "write_stderr", {"text": f"noise {i}"})  # log events nobody reads yet
            ids = [mgr.submit({"op": "call_tool", "server": name, "tool": "echo", "arguments": {"text": str(i)}})
                   for i in range(10)]
            results: Dict[int, Dict[str, Any]] = {}
            dropped = 0
            while len(results) < len(ids):
                event = await mgr.next_event(10)
                assert event is not None, "a result went missing"
                if event["kind"] == "dropped" and event.get("source") == "python":
                    dropped += event["count"]
                elif event["kind"] == "result":
                    results[event["request_id"]] = event
            assert dropped > 0
            assert [text_of(results[i]["result"]["result"]) for i in ids] == [str(i) for i in range(10)]

    run(main())


def test_bound_to_its_loop():
    with pytest.raises(RuntimeError, match="running event loop"):
        AsyncManager()

    holder: Dict[str, AsyncManager] = {}

    async def create() -> None:
        holder["mgr"] = AsyncManager()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(create())
        mgr = holder["mgr"]

        refusals: List[BaseException] = []

        def elsewhere() -> None:
            async def use() -> None:
                try:
                    await mgr.server_status("x")
                except RuntimeError as exc:
                    refusals.append(exc)

            asyncio.run(use())

        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join(10)
        assert len(refusals) == 1 and "event loop that created it" in str(refusals[0])
        loop.run_until_complete(mgr.aclose())
    finally:
        loop.close()
