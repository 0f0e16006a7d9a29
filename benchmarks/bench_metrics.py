"""Metrics helpers shared by the Python benchmark clients (stdlib only).

Mirrors bench_common.h so every client prints the same JSON line.
"""
import argparse
import json
import math
import resource
import time

CONC = 64


def parse_args(description: str, need_lib: bool = False) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("server", help="path of the echo_server binary")
    ap.add_argument("n", type=int, nargs="?", default=20000, help="sequential calls")
    ap.add_argument("rounds", type=int, nargs="?", default=50, help="rounds of 64 concurrent calls")
    ap.add_argument("warmup", type=int, nargs="?", default=-1, help="unmeasured warm-up calls (default min(200, n/10))")
    if need_lib:
        ap.add_argument("--lib", required=True, help="path of libmcpclient.so")
    a = ap.parse_args()
    a.n = max(1, a.n)
    a.rounds = max(0, a.rounds)
    if a.warmup < 0:
        a.warmup = min(200, a.n // 10)
    return a


def cpu_us() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)  # all threads of this process
    return (ru.ru_utime + ru.ru_stime) * 1e6


def ctx_switches() -> int:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_nvcsw + ru.ru_nivcsw


def ru_maxrss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux


def peak_rss_kb() -> int:
    """VmHWM of this process (KB). ru_maxrss survives execve on Linux, so a client started by a
    big parent would report the parent's peak; VmHWM belongs to this process image only."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return ru_maxrss_kb()


def now_ns() -> int:
    return time.perf_counter_ns()


def pct_us(sorted_ns, p: float) -> float:
    n = len(sorted_ns)
    rank = min(n, max(1, math.ceil(p * n)))
    return sorted_ns[rank - 1] / 1000.0


def report(client: str, lat_ns, seq_elapsed_s: float, seq_cpu_us: float, seq_csw: int, cold_start_ms: float,
           conc_calls: int, conc_elapsed_s: float, **extra) -> None:
    lat = sorted(lat_ns)
    n = len(lat)
    seq_cps = n / seq_elapsed_s
    conc_cps = conc_calls / conc_elapsed_s if conc_calls else 0.0
    out = {
        "client": client,
        "seq_calls": n,
        "calls_per_s": round(seq_cps, 1),
        "p50_us": round(pct_us(lat, 0.50), 1),
        "p99_us": round(pct_us(lat, 0.99), 1),
        "cpu_us_per_call": round(seq_cpu_us / n, 2),
        "csw_per_call": round(seq_csw / n, 2),
        "peak_rss_kb": peak_rss_kb(),
        "cold_start_ms": round(cold_start_ms, 3),
        "conc_calls": conc_calls,
        "conc_calls_per_s": round(conc_cps, 1),
        "conc_ratio": round(conc_cps / seq_cps, 2),
        "ru_maxrss_kb": ru_maxrss_kb(),
    }
    out.update(extra)
    print(json.dumps(out), flush=True)
