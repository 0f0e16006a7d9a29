#!/usr/bin/env python3
"""The echo workload through libmcpclient from Python via bare ctypes.

Deliberately does not use the bindings package: this measures the thinnest possible layer
(ctypes call + json.loads of the result). Same phases as lib_client.c; the threads variant
uses 8 Python threads x 8 blocking calls (ctypes releases the GIL during each call).

usage: lib_client.py --lib PATH/libmcpclient.so SERVER [N] [ROUNDS] [WARMUP]
"""
import ctypes as C
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_metrics as bm  # noqa: E402

a = bm.parse_args("MCP echo benchmark through libmcpclient via ctypes", need_lib=True)

t_load = bm.now_ns()
lib = C.CDLL(os.path.abspath(a.lib))
load_ms = (bm.now_ns() - t_load) / 1e6

P = C.c_void_p  # opaque handle / library-owned strings (kept as raw pointers so we can free them)
OUT = C.POINTER(C.c_void_p)
lib.mcp_version.restype = C.c_char_p
lib.mcp_status_str.restype = C.c_char_p
lib.mcp_status_str.argtypes = [C.c_int]
lib.mcp_string_free.restype = None
lib.mcp_string_free.argtypes = [P]
lib.mcp_manager_new.argtypes = [OUT, C.c_char_p, OUT]
lib.mcp_manager_free.restype = None
lib.mcp_manager_free.argtypes = [P]
lib.mcp_manager_add_server.argtypes = [P, C.c_char_p, C.c_char_p, OUT]
lib.mcp_manager_connect.argtypes = [P, C.c_char_p, OUT, OUT]
lib.mcp_manager_call_tool.argtypes = [P, C.c_char_p, C.c_char_p, C.c_char_p, C.c_int32, OUT, OUT]
lib.mcp_manager_submit.argtypes = [P, C.c_char_p, C.POINTER(C.c_uint64), OUT]
lib.mcp_manager_next_event.argtypes = [P, C.c_int32, OUT]
for f in ("new", "add_server", "connect", "call_tool", "submit", "next_event"):
    getattr(lib, "mcp_manager_" + f).restype = C.c_int


def take(p: C.c_void_p):
    """Decode and free a library-owned string."""
    if not p.value:
        return None
    s = C.string_at(p.value)
    lib.mcp_string_free(p)
    return json.loads(s)


def check(rc: int, what: str, err: C.c_void_p) -> None:
    if rc != 0:
        detail = take(err)
        raise SystemExit(f"lib_client.py: {what} failed: {lib.mcp_status_str(rc).decode()} ({rc}): {detail}")


SERVER, TOOL, ARGS = b"echo", b"echo", b'{"text":"hello"}'


def is_hello(payload) -> bool:
    r = payload["result"]
    return r["content"][0]["text"] == "hello" and r["isError"] is False


def call_once(mgr) -> None:
    out, err = C.c_void_p(), C.c_void_p()
    rc = lib.mcp_manager_call_tool(mgr, SERVER, TOOL, ARGS, 0, C.byref(out), C.byref(err))
    check(rc, "mcp_manager_call_tool", err)
    res = take(out)
    if not is_hello(res):
        raise SystemExit(f"lib_client.py: unexpected result {res}")


def main() -> None:
    mgr, err, info = C.c_void_p(), C.c_void_p(), C.c_void_p()
    config = json.dumps({"type": "stdio", "command": os.path.abspath(a.server)}).encode()

    t0 = bm.now_ns()
    check(lib.mcp_manager_new(C.byref(mgr), b'{"clientInfo":{"name":"lib_client.py","version":"1.0"}}',
                              C.byref(err)), "mcp_manager_new", err)
    check(lib.mcp_manager_add_server(mgr, SERVER, config, C.byref(err)), "mcp_manager_add_server", err)
    check(lib.mcp_manager_connect(mgr, SERVER, C.byref(info), C.byref(err)), "mcp_manager_connect", err)
    cold_ms = (bm.now_ns() - t0) / 1e6
    info = take(info)

    for _ in range(a.warmup):
        call_once(mgr)

    lat = [0] * a.n
    c0 = bm.cpu_us()
    w0 = bm.ctx_switches()
    s0 = bm.now_ns()
    for i in range(a.n):
        t = bm.now_ns()
        call_once(mgr)
        lat[i] = bm.now_ns() - t
    s1 = bm.now_ns()
    c1 = bm.cpu_us()
    w1 = bm.ctx_switches()

    # submit variant: 64 submits, then 64 result events
    req = json.dumps({"op": "call_tool", "server": "echo", "tool": "echo", "arguments": {"text": "hello"}}).encode()
    rid = C.c_uint64()
    other = 0
    p0 = bm.now_ns()
    for r in range(a.rounds):
        pending = set()
        for _ in range(bm.CONC):
            check(lib.mcp_manager_submit(mgr, req, C.byref(rid), C.byref(err)), "mcp_manager_submit", err)
            pending.add(rid.value)
        while pending:
            ev = C.c_void_p()
            rc = lib.mcp_manager_next_event(mgr, 10000, C.byref(ev))
            if rc != 0:
                raise SystemExit(f"lib_client.py: mcp_manager_next_event: {lib.mcp_status_str(rc).decode()}")
            ev = take(ev)
            kind = ev.get("kind")
            if kind == "result":
                if ev.get("request_id") not in pending or not is_hello(ev["result"]):
                    raise SystemExit(f"lib_client.py: unexpected result event in round {r}: {ev}")
                pending.discard(ev["request_id"])
            elif kind == "error":
                raise SystemExit(f"lib_client.py: error event in round {r}: {ev}")
            else:
                other += 1
    p1 = bm.now_ns()

    # threads variant: 8 Python threads x 8 blocking calls per round
    threads = 8
    start, end = threading.Barrier(threads + 1), threading.Barrier(threads + 1)

    def worker() -> None:
        for _ in range(a.rounds):
            start.wait()
            for _ in range(bm.CONC // threads):
                call_once(mgr)
            end.wait()

    ths = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ths:
        t.start()
    q0 = bm.now_ns()
    for _ in range(a.rounds):
        start.wait()
        end.wait()
    q1 = bm.now_ns()
    for t in ths:
        t.join()

    lib.mcp_manager_free(mgr)

    seq_cps = a.n / ((s1 - s0) / 1e9)
    thr_cps = a.rounds * bm.CONC / ((q1 - q0) / 1e9) if a.rounds else 0.0
    bm.report("lib_py", lat, (s1 - s0) / 1e9, c1 - c0, w1 - w0, cold_ms, a.rounds * bm.CONC, (p1 - p0) / 1e9,
              conc_threads_calls_per_s=round(thr_cps, 1), conc_threads_ratio=round(thr_cps / seq_cps, 2),
              lib_load_ms=round(load_ms, 3), other_events=other, era=info.get("era"),
              protocol_version=info.get("protocolVersion"), lib_version=lib.mcp_version().decode(),
              lib=os.path.realpath(a.lib))


main()
