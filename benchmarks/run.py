#!/usr/bin/env python3
"""Runs the MCP echo benchmark and writes benchmarks/RESULTS.md (python3 stdlib only).

Clients (each prints one JSON metrics line):
  raw_c   raw_client.c   the floor: bare C over pipes, no library
  lib_c   lib_client.c   libmcpclient from C (plus an 8-pthread variant of the concurrent phase)
  lib_py  lib_client.py  libmcpclient from Python via bare ctypes
  sdk_py  sdk_client.py  the official Python SDK (mcp==2.3.0, .venv-modern)

Every client runs pinned (`taskset -c CPU`; the server it spawns inherits the affinity) and unpinned.

usage: run.py [--quick] [--lib PATH] [--n N] [--rounds R] [--sdk-n N] [--repeat K] [--modes pinned,unpinned]
              [--clients raw_c,lib_c,lib_py,sdk_py] [--cpu CPU] [--out PATH]

Exit status: 0 when every client ran (GAPs against the targets are reported, not failures), 1 when a
client failed (crash, wrong result, timeout), 2 on bad arguments.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BIN = os.path.join(HERE, "bin")
CLIENTS = ["raw_c", "lib_c", "lib_py", "sdk_py"]

# Targets (checked against the lib_c row: the C host)
CPU_US_MAX = 15.0
P50_RATIO_MAX = 3.0
RSS_MB_MAX = 12.0
COLD_EXTRA_MS = 10.0
CONC_RATIO_MIN = 2.0


def default_lib() -> str | None:
    for sub in ("self-contained", "release", "debug"):
        p = os.path.join(ROOT, ".build", sub, "libmcpclient.so")
        if os.path.exists(p):
            return p
    return None


def lib_kind(path: str) -> str:
    real = os.path.realpath(path)
    for kind in ("self-contained", "release", "debug"):
        if f"/{kind}/" in real:
            return kind
    return "custom"


def sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine() -> dict:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": sh(["nproc"]),
        "cpu": model,
        "kernel": f"{platform.system()} {platform.release()}",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
        "python": platform.python_version(),
        "gcc": sh(["gcc", "-dumpfullversion"]),
    }


def run_client(name: str, cmd: list[str], pin_cpu: int | None, timeout: int) -> dict:
    if pin_cpu is not None:
        cmd = ["taskset", "-c", str(pin_cpu)] + cmd
    print(f"  {name:7s} $ {' '.join(cmd)}", flush=True)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"client": name, "failed": f"timed out after {timeout}s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-3:]
        return {"client": name, "failed": f"exit {p.returncode}: " + " | ".join(tail)}
    m = json.loads(lines[-1])
    print(f"          {lines[-1]}", flush=True)
    return m


def fmt(v, digits=1) -> str:
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    return f"{v:,.{digits}f}"


def table(rows: dict, raw: dict | None) -> list[str]:
    out = [
        "| client | calls/s | p50 µs | p99 µs | CPU µs/call | peak RSS MB | cold start ms | 64-concurrent calls/s"
        " | conc/seq | p50 ratio | CPU ratio | ctx switches/call |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in CLIENTS:
        m = rows.get(name)
        if m is None:
            continue
        if "failed" in m:
            out.append(f"| {name} | FAILED: {m['failed'].replace('|', '/')} |" + " |" * 10)
            continue
        p50r = cpur = None
        if raw and "failed" not in raw and raw["p50_us"] > 0:
            p50r = m["p50_us"] / raw["p50_us"]
            cpur = m["cpu_us_per_call"] / raw["cpu_us_per_call"] if raw["cpu_us_per_call"] > 0 else None
        out.append(
            f"| {name} | {fmt(m['calls_per_s'], 0)} | {fmt(m['p50_us'])} | {fmt(m['p99_us'])} "
            f"| {fmt(m['cpu_us_per_call'], 2)} | {fmt(m['peak_rss_kb'] / 1024, 1)} | {fmt(m['cold_start_ms'], 2)} "
            f"| {fmt(m['conc_calls_per_s'], 0)} | {fmt(m['conc_ratio'], 2)} | {fmt(p50r, 2)} | {fmt(cpur, 2)} "
            f"| {fmt(m.get('csw_per_call'), 2)} |")
        if "conc_threads_calls_per_s" in m:
            out.append(
                f"| {name} · 8 threads × 8 blocking | ″ | ″ | ″ | ″ | ″ | ″ "
                f"| {fmt(m['conc_threads_calls_per_s'], 0)} | {fmt(m['conc_threads_ratio'], 2)} | | | |")
    return out


def targets(mode: str, rows: dict) -> list[str]:
    lib, raw = rows.get("lib_c"), rows.get("raw_c")
    if not lib or "failed" in lib:
        return ["- all targets: **GAP** — lib_c did not produce results"]
    res = []

    def line(ok: bool, text: str) -> None:
        res.append(f"- {'**PASS**' if ok else '**GAP**'} {text}")

    cpu = lib["cpu_us_per_call"]
    line(cpu <= CPU_US_MAX, f"client CPU per sequential call ≤ {CPU_US_MAX:g} µs: lib_c {cpu:.2f} µs"
         + (f" (raw floor {raw['cpu_us_per_call']:.2f} µs)" if raw and "failed" not in raw else ""))
    if mode == "pinned":
        if raw and "failed" not in raw:
            r = lib["p50_us"] / raw["p50_us"]
            line(r <= P50_RATIO_MAX, f"pinned p50 ≤ {P50_RATIO_MAX:g}× raw floor: lib_c {lib['p50_us']:.1f} µs vs raw "
                 f"{raw['p50_us']:.1f} µs = {r:.2f}×")
        else:
            res.append("- **GAP** pinned p50 ≤ 3× raw floor: raw_c did not produce results")
    rss = lib["peak_rss_kb"] / 1024
    line(rss <= RSS_MB_MAX, f"peak RSS of the C host ≤ {RSS_MB_MAX:g} MB: lib_c {rss:.1f} MB")
    if raw and "failed" not in raw:
        limit = COLD_EXTRA_MS + raw["cold_start_ms"]
        line(lib["cold_start_ms"] <= limit,
             f"cold start ≤ {COLD_EXTRA_MS:g} ms + server's own start ({raw['cold_start_ms']:.2f} ms, raw_c) = "
             f"{limit:.2f} ms: lib_c {lib['cold_start_ms']:.2f} ms")
    else:
        res.append("- **GAP** cold start: raw_c did not produce results (no server-start reference)")
    line(lib["conc_ratio"] >= CONC_RATIO_MIN,
         f"64 concurrent ≥ {CONC_RATIO_MIN:g}× sequential (submit + next_event): lib_c {lib['conc_ratio']:.2f}×")
    if "conc_threads_ratio" in lib:
        line(lib["conc_threads_ratio"] >= CONC_RATIO_MIN,
             f"64 concurrent ≥ {CONC_RATIO_MIN:g}× sequential (8 pthreads × 8 blocking calls): "
             f"lib_c {lib['conc_threads_ratio']:.2f}×")
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny N for CI (300 sequential, 5 rounds of 64)")
    ap.add_argument("--lib", default=None, help="libmcpclient.so (default: .build/self-contained, else release, "
                                                "else debug)")
    ap.add_argument("--n", type=int, default=None, help="sequential calls (default 20000)")
    ap.add_argument("--rounds", type=int, default=None, help="rounds of 64 concurrent calls (default 50)")
    ap.add_argument("--sdk-n", type=int, default=None, help="sequential calls for sdk_py (default: --n)")
    ap.add_argument("--modes", default="pinned,unpinned")
    ap.add_argument("--clients", default=",".join(CLIENTS))
    ap.add_argument("--cpu", type=int, default=None, help="CPU for pinned mode (default: 0, or the first allowed)")
    ap.add_argument("--sdk-python", default=os.path.join(ROOT, ".venv-modern", "bin", "python"))
    ap.add_argument("--repeat", type=int, default=None, help="runs per client and mode; the median run "
                                                             "(by sequential calls/s) is reported (default 3, "
                                                             "--quick 1)")
    ap.add_argument("--timeout", type=int, default=900, help="per client run, seconds")
    ap.add_argument("--out", default=None, help="default: benchmarks/RESULTS.md; with --quick "
                                                "benchmarks/bin/RESULTS-quick.md (so CI never clobbers the real one)")
    a = ap.parse_args()

    if a.out is None:
        a.out = os.path.join(BIN, "RESULTS-quick.md") if a.quick else os.path.join(HERE, "RESULTS.md")
    n = a.n or (300 if a.quick else 20000)
    rounds = a.rounds if a.rounds is not None else (5 if a.quick else 50)
    sdk_n = a.sdk_n or n
    warmup = min(200, n // 10)
    lib = os.path.abspath(a.lib) if a.lib else default_lib()
    clients = [c for c in a.clients.split(",") if c]
    modes = [m for m in a.modes.split(",") if m]
    notes = []

    if lib and not os.path.exists(lib):
        print(f"run.py: --lib {lib} does not exist", file=sys.stderr)
        return 2
    if not lib:
        notes.append("No libmcpclient.so found: lib_c and lib_py were skipped.")
        clients = [c for c in clients if c not in ("lib_c", "lib_py")]
    if "sdk_py" in clients and not os.access(a.sdk_python, os.X_OK):
        notes.append(f"{a.sdk_python} missing (run scripts/setup-test-env): sdk_py skipped.")
        clients.remove("sdk_py")

    make = ["make", "-C", HERE, "--no-print-directory"] + ([f"LIB={lib}", "all"] if lib else ["c"])
    print("$", " ".join(make), flush=True)
    subprocess.run(make, check=True)
    # the benchmark peer must be a correct MCP server before any number means anything
    subprocess.run([sys.executable, os.path.join(HERE, "check_server.py"), os.path.join(BIN, "echo_server")],
                   check=True)

    cpu = a.cpu
    if cpu is None:
        allowed = sorted(os.sched_getaffinity(0))
        cpu = 0 if 0 in allowed else allowed[0]
    if not shutil.which("taskset") and "pinned" in modes:
        notes.append("taskset not found: pinned mode skipped.")
        modes.remove("pinned")

    server = os.path.join(BIN, "echo_server")
    argv_tail = [str(n), str(rounds), str(warmup)]
    cmds = {
        "raw_c": [os.path.join(BIN, "raw_client"), server] + argv_tail,
        "lib_c": [os.path.join(BIN, "lib_client"), server] + argv_tail,
        "lib_py": [sys.executable, os.path.join(HERE, "lib_client.py"), "--lib", lib or "", server] + argv_tail,
        "sdk_py": [a.sdk_python, os.path.join(HERE, "sdk_client.py"), server, str(sdk_n), str(rounds),
                   str(min(200, sdk_n // 10))],
    }

    # Each client runs `repeat` times, interleaved with the others; the row shown is the run with the
    # median sequential calls/s (a coherent sample rather than a mix of per-metric medians).
    repeat = a.repeat if a.repeat is not None else (1 if a.quick else 3)
    results, spread, runs_all = {}, {}, {}
    for mode in modes:
        runs = {c: [] for c in clients}
        for rep in range(repeat):
            print(f"== {mode} (run {rep + 1}/{repeat})", flush=True)
            for c in clients:
                runs[c].append(run_client(c, cmds[c], cpu if mode == "pinned" else None, a.timeout))
        results[mode], spread[mode], runs_all[mode] = {}, {}, runs
        for c, rs in runs.items():
            ok = [m for m in rs if "failed" not in m]
            if len(ok) < len(rs):
                results[mode][c] = next(m for m in rs if "failed" in m)
                continue
            ok.sort(key=lambda m: m["calls_per_s"])
            results[mode][c] = ok[len(ok) // 2]
            spread[mode][c] = [m["calls_per_s"] for m in ok]

    info = machine()
    md = ["# mcpclient benchmark results", "",
          "Generated by `benchmarks/run.py`" + (" --quick" if a.quick else "") + "; do not edit by hand.", "",
          f"- date: {info['date']}; repo commit: {info['commit']}",
          f"- machine: {info['nproc']} CPUs, {info['cpu']}, {info['kernel']}; gcc {info['gcc']}, "
          f"python {info['python']}",
          f"- library: `{os.path.relpath(lib, ROOT) if lib else 'none'}` ({lib_kind(lib) if lib else '—'} build)",
          f"- workload: initialize, then {warmup} unmeasured warm-up calls, {n:,} sequential `tools/call echo "
          f"{{\"text\":\"hello\"}}`" + (f" ({sdk_n:,} for sdk_py)" if sdk_n != n else "")
          + f", then {rounds} rounds of 64 concurrent calls; server: `benchmarks/echo_server.c`",
          f"- each client ran {repeat}× per mode, interleaved; each row is the run with the median sequential "
          "calls/s (all runs' calls/s are listed under the table)",
          "- pinned: client and server on one CPU (`taskset -c " + str(cpu) + "`, inherited by the spawned server); "
          "unpinned: scheduler's choice",
          "- CPU µs/call: getrusage(RUSAGE_SELF) user+sys over the sequential phase ÷ calls (client process only, "
          "all its threads); peak RSS: the client process's VmHWM (its ru_maxrss is inherited across execve from the "
          "launching python, so it is only listed in the raw lines); cold start: just before manager_new / spawn / "
          "`Client(...)` until ready (initialized); imports and dlopen excluded (reported in the raw lines as "
          "import_ms / lib_load_ms)",
          "- p50 ratio, CPU ratio: relative to raw_c in the same mode; ctx switches/call: getrusage "
          "nvcsw+nivcsw of the client process over the sequential phase ÷ calls",
          ""]
    for note in notes:
        md.append(f"> {note}")
    if notes:
        md.append("")
    for mode in modes:
        rows = results[mode]
        md += [f"## {mode}", ""] + table(rows, rows.get("raw_c")) + [""]
        if repeat > 1:
            md += ["Sequential calls/s of every run: " + "; ".join(
                f"{c} " + ", ".join(f"{v:,.0f}" for v in vs) for c, vs in spread[mode].items()), ""]
        md += [f"Targets ({mode}, checked on lib_c, the C host):", ""] + targets(mode, rows) + [""]
    md += ["## Raw metrics", "", "Reported runs:", "", "```"]
    for mode in modes:
        for c, m in results[mode].items():
            md.append(f"{mode:8s} {json.dumps(m)}")
    md += ["```", "", "All runs:", "", "```"]
    for mode in modes:
        for c, rs in runs_all[mode].items():
            for m in rs:
                md.append(f"{mode:8s} {json.dumps(m)}")
    md += ["```", ""]
    with open(a.out, "w") as f:
        f.write("\n".join(md))
    print(f"wrote {a.out}")
    failed = [f"{mode}/{c}" for mode in modes for c, rs in runs_all[mode].items() for m in rs if "failed" in m]
    if failed:
        print("run.py: failed clients: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
