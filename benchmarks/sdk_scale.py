#!/usr/bin/env python3
"""scale_client.c's workload through the official Python SDK client (mcp==2.3.0), for comparison.

USERS x SERVERS `mcp.Client` sessions in one process, each with its own httpx client carrying the user's headers
(X-User, X-Server), as a Python host would keep per-user connections. Phases as in scale_client.c: warm (one user),
connect (CONNECT_CONCURRENCY sessions opening at once), list (each server's tools/list for a sample of users),
calls (CALL_CONCURRENCY tasks calling echo through random sessions for DURATION seconds). Prints "PHASE" lines and
one JSON line, like scale_client.

usage: .venv-modern/bin/python benchmarks/sdk_scale.py URL [--users N] [--servers S] [--connect-concurrency T]
           [--list-sample K] [--call-concurrency C] [--duration SECONDS]
"""
import argparse
import gc
import json
import os
import random
import sys
import time

import anyio
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_metrics as bm  # noqa: E402


def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def snapshot():
    gc.collect()
    return {"rss_kb": status_kb("VmRSS"), "threads": len(os.listdir("/proc/self/task")), "fds": len(os.listdir("/proc/self/fd")) - 1}


def phase(name, edge):
    print(f"PHASE {name} {edge}", flush=True)


def pct_ms(sorted_ns, p):
    if not sorted_ns:
        return 0.0
    rank = min(len(sorted_ns), max(1, int(p * len(sorted_ns) + 0.999999999)))
    return sorted_ns[rank - 1] / 1e6


async def main(a):
    servers = [f"s{i}" for i in range(a.servers)]
    clients = {}  # (user, server) -> Client
    errors = []
    stop = anyio.Event()

    opened = []  # when each session finished opening (or failed to)

    async def open_one(tg, user, server, gate):
        """Opens one session in a task of its own, which keeps it until the end (anyio scopes must be left by the
        task that entered them); returns once it is open. `gate` bounds how many open at once."""
        done = anyio.Event()

        async def session():
            try:
                headers = {"X-User": f"user-{user:05d}", "X-Server": server}
                async with create_mcp_http_client(headers=headers) as http:
                    async with Client(streamable_http_client(a.url, http_client=http)) as client:
                        clients[(user, server)] = client
                        opened.append(time.perf_counter_ns())
                        done.set()
                        await stop.wait()
            except Exception as e:  # noqa: BLE001 - counted and reported
                errors.append(f"connect {user}/{server}: {e!r}"[:300])
                opened.append(time.perf_counter_ns())
                done.set()

        async with gate:
            tg.start_soon(session)
            await done.wait()

    result = {"client": "sdk_py", "users": a.users, "servers": a.servers, "connections": a.users * a.servers}
    # What one httpx client costs by itself (each loads an SSL context, even for http:// URLs).
    spare = [create_mcp_http_client() for _ in range(3)]
    before = snapshot()["rss_kb"]
    spare += [create_mcp_http_client(headers={"X-User": str(i)}) for i in range(50)]
    result["httpx_client_kb"] = round((snapshot()["rss_kb"] - before) / 50, 1)
    for client in spare:
        await client.aclose()
    del spare
    result["at_base"] = snapshot()
    async with anyio.create_task_group() as tg:
        # ---- warm: one extra user
        phase("warm", "begin")
        for server in servers:
            await open_one(tg, a.users, server, anyio.Semaphore(1))
        await anyio.sleep(a.settle_ms / 1000)
        phase("warm", "end")
        result["at_warm"] = snapshot()
        era = getattr(clients.get((a.users, servers[0])), "protocol_version", None)

        # ---- connect: a session per user and server, at most CONNECT_CONCURRENCY opening at once
        phase("connect", "begin")
        opened.clear()
        c0, t0 = bm.cpu_us(), time.perf_counter_ns()
        gate = anyio.Semaphore(a.connect_concurrency)
        for u in range(a.users):
            for server in servers:
                tg.start_soon(open_one, tg, u, server, gate)
        while len(opened) < a.users * a.servers:
            await anyio.sleep(0.01)
        connect_s = (time.perf_counter_ns() - t0) / 1e9
        connect_cpu = bm.cpu_us() - c0
        connect_errors = len(errors)
        await anyio.sleep(a.settle_ms / 1000)
        phase("connect", "end")
        result["at_connect"] = snapshot()
        n = a.users * a.servers
        result["connect"] = {"seconds": round(connect_s, 3), "per_s": round(n / connect_s, 1), "errors": connect_errors,
                             "connected": sum(1 for k in clients if k[0] < a.users),
                             "cpu_us_per_connect": round(connect_cpu / n, 1),
                             "rss_per_conn_kb": round((result["at_connect"]["rss_kb"] - result["at_warm"]["rss_kb"]) / n, 2),
                             "fds_added": result["at_connect"]["fds"] - result["at_warm"]["fds"]}

        # ---- list: every server of one user, for a sample of users
        phase("list", "begin")
        sample = min(a.list_sample, a.users)
        list_ns = []
        for k in range(sample):
            u = k * a.users // max(sample, 1)
            t = time.perf_counter_ns()
            for s in servers:
                client = clients.get((u, s))
                if client is None:
                    continue
                try:
                    await client.list_tools()
                except Exception as e:  # noqa: BLE001
                    errors.append(f"list {u}/{s}: {e!r}"[:300])
            list_ns.append(time.perf_counter_ns() - t)
        list_ns.sort()
        phase("list", "end")
        result["list"] = {"method": f"Client.list_tools x {a.servers} servers", "users": sample,
                          "mean_ms": round(sum(list_ns) / max(len(list_ns), 1) / 1e6, 3),
                          "p50_ms": round(pct_ms(list_ns, 0.5), 3), "p99_ms": round(pct_ms(list_ns, 0.99), 3)}

        # ---- calls: CALL_CONCURRENCY tasks through random sessions
        phase("calls", "begin")
        keys = [k for k in clients if k[0] < a.users]
        lat = []
        call_errors = []
        deadline = time.perf_counter() + a.duration

        async def caller(seed):
            rnd = random.Random(seed)
            while time.perf_counter() < deadline:
                client = clients[rnd.choice(keys)]
                t = time.perf_counter_ns()
                try:
                    r = await client.call_tool("echo", {"text": "hello"})
                    if r.is_error or r.content[0].text != "hello":
                        call_errors.append(repr(r)[:300])
                        continue
                except Exception as e:  # noqa: BLE001
                    call_errors.append(repr(e)[:300])
                    continue
                lat.append(time.perf_counter_ns() - t)

        c0, t0 = bm.cpu_us(), time.perf_counter_ns()
        async with anyio.create_task_group() as calls:
            for i in range(a.call_concurrency):
                calls.start_soon(caller, i)
        calls_s = (time.perf_counter_ns() - t0) / 1e9
        calls_cpu = bm.cpu_us() - c0
        lat.sort()
        phase("calls", "end")
        result["at_calls"] = snapshot()
        result["calls"] = {"seconds": round(calls_s, 3), "calls": len(lat), "per_s": round(len(lat) / calls_s, 1),
                           "p50_ms": round(pct_ms(lat, 0.5), 3), "p99_ms": round(pct_ms(lat, 0.99), 3),
                           "errors": len(call_errors), "cpu_us_per_call": round(calls_cpu / max(len(lat), 1), 1)}
        errors.extend(call_errors[:3])

        phase("free", "begin")
        f0 = time.perf_counter_ns()
        stop.set()
    result["free"] = {"manager_ms": round((time.perf_counter_ns() - f0) / 1e6, 1)}
    phase("free", "end")
    result["at_free"] = snapshot()
    result["era"] = "modern" if era and era >= "2026" else "legacy"
    result["protocol_version"] = era
    result["peak_rss_kb"] = bm.peak_rss_kb()
    result["errors"] = len(errors)
    result["first_error"] = errors[0] if errors else ""
    from importlib.metadata import version
    result["sdk"] = version("mcp")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--servers", type=int, default=3)
    ap.add_argument("--connect-concurrency", type=int, default=16)
    ap.add_argument("--list-sample", type=int, default=100)
    ap.add_argument("--call-concurrency", type=int, default=64)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--settle-ms", type=int, default=1000)
    anyio.run(main, ap.parse_args())
