"""Many Python threads on one Manager (ctypes releases the GIL during every foreign call)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from helpers import everything_config, text_of

import mcpclient

THREADS = 8
CALLS_PER_THREAD = 10


def _worker(mgr: mcpclient.Manager, server: str, index: int) -> list:
    problems = []
    for call in range(CALLS_PER_THREAD):
        text = f"t{index}-c{call}"
        result = mgr.call_tool(server, "echo", {"text": text})
        if text_of(result) != text:
            problems.append((text, result))
        total = mgr.call_tool(server, "add", {"a": index, "b": call})
        if total.get("structuredContent") != {"result": index + call}:
            problems.append((index, call, total))
        if call % 5 == 0:
            names = {tool["name"] for tool in mgr.list_tools(server)}
            if "echo" not in names:
                problems.append(("list_tools", names))
    return problems


def test_many_threads_one_server(connected):
    mgr, name, _, _ = connected
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(_worker, mgr, name, index) for index in range(THREADS)]
        problems = [problem for future in futures for problem in future.result(timeout=120)]
    assert problems == []


def test_many_threads_two_servers_both_eras(manager):
    manager.add_server("m", everything_config("modern"))
    manager.add_server("l", everything_config("legacy"))
    # Connect both at once, from two threads.
    with ThreadPoolExecutor(max_workers=2) as pool:
        infos = list(pool.map(manager.connect, ["m", "l"]))
    assert [info["era"] for info in infos] == ["modern", "legacy"]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(_worker, manager, "m" if i % 2 else "l", i) for i in range(THREADS)]
        problems = [problem for future in futures for problem in future.result(timeout=120)]
    assert problems == []


def test_blocking_calls_run_in_parallel(connected):
    # Four 1-second calls from four threads: if the GIL were held, or the library
    # serialised requests to one server, this would take >= 4 s.
    mgr, name, _, _ = connected
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: mgr.call_tool(name, "slow", {"steps": 1, "delay_ms": 1000}), range(4)))
    elapsed = time.monotonic() - started
    assert [text_of(result) for result in results] == ["done after 1 steps"] * 4
    assert elapsed < 3.0, f"4 parallel 1 s calls took {elapsed:.2f}s"


def test_event_reader_thread_alongside_callers(connected):
    mgr, name, _, _ = connected
    stop = threading.Event()
    seen = []

    def reader() -> None:
        while not stop.is_set():
            try:
                event = mgr.next_event(100)
            except mcpclient.McpClosedError:
                return
            if event is not None:
                seen.append(event)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        ids = [mgr.submit({"op": "call_tool", "server": name, "tool": "echo", "arguments": {"text": str(i)}}) for i in range(20)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            problems = [p for f in [pool.submit(_worker, mgr, name, i) for i in range(4)] for p in f.result(timeout=120)]
        assert problems == []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            done = {ev["request_id"]: ev for ev in list(seen) if ev.get("kind") == "result"}
            if all(i in done for i in ids):
                break
            time.sleep(0.05)
        done = {ev["request_id"]: ev for ev in list(seen) if ev.get("kind") == "result"}
        assert sorted(done.keys() & set(ids)) == sorted(ids)
        for i, request_id in enumerate(ids):
            assert text_of(done[request_id]["result"]["result"]) == str(i)
    finally:
        stop.set()
        thread.join(5)
