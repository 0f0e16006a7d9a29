#!/usr/bin/env python3
"""The echo workload through the official Python SDK client (mcp==2.3.0).

Run with the pinned env: .venv-modern/bin/python benchmarks/sdk_client.py SERVER [N] [ROUNDS] [WARMUP]

Uses `mcp.Client(StdioServerParameters(...))` with the default mode="auto": the SDK probes
`server/discover`, gets -32601 from the handshake-era echo_server and falls back to
`initialize` + notifications/initialized. Cold start covers Client construction through the
finished handshake (module imports are reported separately as import_ms).
"""
import os
import sys
import time

_t_import = time.perf_counter_ns()
import anyio  # noqa: E402
import mcp  # noqa: E402
from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_metrics as bm  # noqa: E402

import_ms = (time.perf_counter_ns() - _t_import) / 1e6
ARGS = {"text": "hello"}


def check(result) -> None:
    if result.is_error or result.content[0].text != "hello":
        raise SystemExit(f"sdk_client: unexpected result {result!r}")


async def main(a) -> None:
    # A URL means the server is already listening (streamable HTTP); otherwise it is a stdio binary.
    params = a.server if a.server.startswith(("http://", "https://")) else StdioServerParameters(command=os.path.abspath(a.server))
    t0 = bm.now_ns()
    async with Client(params) as client:
        cold_ms = (bm.now_ns() - t0) / 1e6
        era = client.protocol_version

        for _ in range(a.warmup):
            check(await client.call_tool("echo", ARGS))

        lat = [0] * a.n
        c0 = bm.cpu_us()
        w0 = bm.ctx_switches()
        s0 = bm.now_ns()
        for i in range(a.n):
            t = bm.now_ns()
            r = await client.call_tool("echo", ARGS)
            lat[i] = bm.now_ns() - t
            check(r)
        s1 = bm.now_ns()
        c1 = bm.cpu_us()
        w1 = bm.ctx_switches()

        async def one() -> None:
            check(await client.call_tool("echo", ARGS))

        p0 = bm.now_ns()
        for _ in range(a.rounds):
            async with anyio.create_task_group() as tg:
                for _ in range(bm.CONC):
                    tg.start_soon(one)
        p1 = bm.now_ns()

    bm.report("sdk_py", lat, (s1 - s0) / 1e9, c1 - c0, w1 - w0, cold_ms, a.rounds * bm.CONC, (p1 - p0) / 1e9,
              import_ms=round(import_ms, 1), protocol_version=era,
              sdk=getattr(mcp, "__version__", None) or _sdk_version())


def _sdk_version() -> str:
    from importlib.metadata import version
    return version("mcp")


if __name__ == "__main__":
    anyio.run(main, bm.parse_args("MCP echo benchmark through the official Python SDK"))
