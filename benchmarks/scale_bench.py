#!/usr/bin/env python3
"""Scale rows of the benchmark (issue 7): 1,000 users x 3 per-user HTTP servers in one process.

Server: the mcp 2.3.0 fixture (serve_http.py --era modern --mode json, uvicorn) on 127.0.0.1, one process; the three
servers are the same URL told apart by an X-Server header, and each is per-user through an
X-User: {{LIBRECHAT_USER_ID}} header, so every user gets a connection of their own to each (3,000 in all).
Clients, each against a fresh server:
  lib_c           benchmarks/scale_client.c: this library from C, mcp_manager_as_user views, blocking calls from host
                  threads; listChanges on (the default), so every connection holds a subscriptions/listen stream
  lib_c_nolisten  the same with listChanges off (and half the calls phase)
  sdk_py          benchmarks/sdk_scale.py: the official Python SDK client, one mcp.Client (and httpx client) per user
                  and server; 200 users by default (it connects about 30 times a second, so 3,000 would not fit the
                  run's ~3 minutes; per-connection figures do not depend on the count)
While a client runs, the server's CPU time and RSS are read at every phase boundary (the server is Python and may be
the bottleneck of the calls phase), and the host's TCP sockets to the server port are counted.

usage: .venv-modern/bin/python benchmarks/scale_bench.py [--quick] [--users N] [--duration S] [--no-sdk] [--sdk-users N]
           [--no-listen-run]
       -> benchmarks/SCALE-RESULTS.md (--quick: benchmarks/bin/SCALE-RESULTS-quick.md)
"""
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

from bench_server import MODERN_PY, ROOT, cpu_seconds, rss_kb, start_server, stop_server, tcp_states

BENCH = os.path.join(ROOT, "benchmarks")
BIN = os.path.join(BENCH, "bin")


def run_client(name, command, server, port, timeout):
    """Runs a client, sampling the server at each PHASE line; returns the client's JSON result with `server_phases`."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    marks = {}
    result = None
    started = time.monotonic()
    for line in proc.stdout:
        if line.startswith("PHASE "):
            _, phase, edge = line.split()
            marks[(phase, edge)] = (time.monotonic(), cpu_seconds(server.pid), rss_kb(server.pid), tcp_states(port))
        elif line.startswith("{"):
            result = json.loads(line)
        if time.monotonic() - started > timeout:
            proc.kill()
            sys.exit(f"scale_bench: {name} took more than {timeout} s")
    stderr = proc.stderr.read()
    if proc.wait() != 0 or result is None:
        sys.exit(f"scale_bench: {name} failed (exit {proc.returncode}): {stderr.strip()[-3000:]}")
    phases = {}
    for phase in ("warm", "connect", "list", "calls", "free"):
        begin, end = marks.get((phase, "begin")), marks.get((phase, "end"))
        if not begin or not end:
            continue
        wall = max(end[0] - begin[0], 1e-9)
        phases[phase] = {"server_cpu_s": round(end[1] - begin[1], 2), "server_cpu_pct": round(100 * (end[1] - begin[1]) / wall, 1),
                         "server_rss_kb": end[2], "tcp": end[3]}
    result["server_phases"] = phases
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100 users, 3 s of calls (CI)")
    ap.add_argument("--users", type=int, help="users (default 1000; --quick 100)")
    ap.add_argument("--duration", type=float, help="seconds of calls (default 10; --quick 3)")
    ap.add_argument("--call-threads", type=int, default=64)
    ap.add_argument("--connect-threads", type=int, default=16)
    ap.add_argument("--no-listen-run", action="store_true", help="skip the second lib_c run with listChanges off")
    ap.add_argument("--no-sdk", action="store_true", help="skip the Python SDK comparison")
    ap.add_argument("--sdk-users", type=int, help="users for the SDK run (default 200; --quick 50): it opens about 30 connections/s")
    a = ap.parse_args()
    users = a.users or (100 if a.quick else 1000)
    duration = a.duration or (3 if a.quick else 10)
    sdk_users = min(a.sdk_users or (50 if a.quick else 200), users)

    # Every user connection may hold a socket (and the server one per client socket): make room.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]

    subprocess.run(["make", "-s", "-C", BENCH, "bin/scale_client"], check=True)
    lib = [os.path.join(BIN, "scale_client"), "{url}", "--users", str(users), "--call-threads", str(a.call_threads),
           "--connect-threads", str(a.connect_threads)]
    clients = [("lib_c", lib + ["--duration", str(duration), "--list-changes", "1"])]
    if not a.no_listen_run:
        clients.append(("lib_c_nolisten", lib + ["--duration", str(max(duration / 2, 1)), "--list-changes", "0"]))
    if not a.no_sdk:
        clients.append(("sdk_py", [MODERN_PY, os.path.join(BENCH, "sdk_scale.py"), "{url}", "--users", str(sdk_users),
                                   "--duration", str(duration), "--call-concurrency", str(a.call_threads),
                                   "--connect-concurrency", str(a.connect_threads)]))
    runs = {}
    load = open("/proc/loadavg").read().split()[:3]
    for name, command in clients:
        # A fresh server for each client; it takes a listen stream per connection (the SDK's default limit is 1024).
        server, url = start_server("--max-subscriptions", str(4 * users + 64), stderr=subprocess.PIPE)
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        try:
            idle_cpu = cpu_seconds(server.pid)
            result = run_client(name, [part.replace("{url}", url) for part in command], server, port, timeout=900)
            result["server_cpu_total_s"] = round(cpu_seconds(server.pid) - idle_cpu, 2)
        finally:
            stop_server(server)
            server_stderr = server.stderr.read()
        result["server_stderr_lines"] = len([l for l in server_stderr.splitlines() if l.strip()])
        result["server_stderr_tail"] = server_stderr.strip()[-500:]
        runs[name] = result
        print(f"  {name:14} {json.dumps(result)}", flush=True)
    with open(os.path.join(BIN, "scale-runs.json"), "w") as out:
        json.dump(runs, out, indent=1)
    write_results(a, runs, users, duration, nofile, load)


def mb(kb):
    return kb / 1024


def write_results(a, runs, users, duration, nofile, load):
    lib = runs["lib_c"]
    quiet = runs.get("lib_c_nolisten")
    sdk = runs.get("sdk_py")
    n = lib["connections"]
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        "# mcpclient benchmark results: scale (many users, per-user HTTP connections)",
        "",
        "Generated by `benchmarks/scale_bench.py` (`make -C benchmarks scale`); do not edit by hand.",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs ({cpu_model}), {mem_gb:.0f} GB, "
        f"Linux {platform.release()}, load average {' '.join(load)} at the start (the machine is shared); open-file limit "
        f"{nofile}; library {lib['lib_version']}",
        f"- workload: {users:,} users x {lib['servers']} servers = **{n:,} user connections** in one process. The servers are one "
        f"local mcp 2.3.0 fixture (`serve_http.py --era modern --mode json`, uvicorn, one Python process, a fresh one per "
        f"client) under {lib['servers']} names, each per-user through an `X-User: {{{{LIBRECHAT_USER_ID}}}}` header "
        f"(negotiated: {lib['era']}, {lib['protocol_version']}). `lib_c`: this library from C (`scale_client.c`), "
        f"`listChanges` on (the default: every connection holds a `subscriptions/listen` stream); `lib_c, no listen`: the "
        f"same with `listChanges` off; `sdk_py`: the official Python SDK (`sdk_scale.py`), one `mcp.Client` and httpx client "
        f"per user and server" + (f", {sdk['users']:,} users (it opens about {sdk['connect']['per_s']:.0f} connections/s; "
        f"per-connection figures still apply)" if sdk else ""),
        f"- phases: a warm-up user (loads libcurl, starts the HTTP engine); connect every user connection from "
        f"{lib['connect_threads']} host threads; list the tools of all {lib['servers']} servers for {lib['list']['users']} users "
        f"({lib['list']['method']}: the branch has no aggregated call), twice; {lib['call_threads']} host threads calling `echo` "
        f"through random users' views; disconnect every user connection (what the idle sweep does), connect all again, "
        f"disconnect again; free the views and the manager",
        "- memory per connection = (after connecting - after the warm-up user) / connections. RSS is what the OS sees; heap "
        "is malloc'd bytes in use (mallinfo2, every arena), free of page and per-thread-arena effects",
        "- threads = /proc/self/task after the phase, the host's pool threads joined (the main thread, the library's I/O "
        "thread, and the host's event reader); the peak while the pool ran includes the pool",
        "",
    ]

    def cols(f, fmt="{}"):
        row = [f(lib)]
        if quiet:
            row.append(f(quiet))
        if sdk:
            try:
                row.append(f(sdk))
            except (KeyError, TypeError):
                row.append("—")
        return " | ".join(fmt.format(v) if not isinstance(v, str) else v for v in row)

    head = "| figure | lib_c |" + (" lib_c, no listen |" if quiet else "") + (" sdk_py |" if sdk else "")
    lines += [head, "|---|" + "---:|" * (1 + bool(quiet) + bool(sdk))]

    def row(label, f, fmt="{}"):
        lines.append(f"| {label} | {cols(f, fmt)} |")

    row("user connections (connected, errors)", lambda r: f"{r['connections']:,} ({r['connect']['connected']:,}, {r['connect']['errors']})")
    row("connect all: seconds (connections/s)", lambda r: f"{r['connect']['seconds']:.1f} ({r['connect']['per_s']:,.0f})")
    row("connect latency p50 / p99", lambda r: f"{r['connect']['p50_ms']:.0f} / {r['connect']['p99_ms']:.0f} ms" if "p50_ms" in r["connect"] else "—")
    row("client CPU per connect", lambda r: f"{r['connect']['cpu_us_per_connect']:,.0f} µs")
    row("**memory per idle user connection (RSS)**", lambda r: f"**{r['connect']['rss_per_conn_kb']:.1f} KB**")
    row("of which one httpx client (SSL context included), measured alone", lambda r: f"{r['httpx_client_kb']:.0f} KB" if "httpx_client_kb" in r else "—")
    row("heap per idle user connection", lambda r: f"{r['connect']['heap_per_conn_kb']:.1f} KB" if "heap_per_conn_kb" in r["connect"] else "—")
    row("RSS: warm / connected / after calls / peak", lambda r: f"{mb(r['at_warm']['rss_kb']):.0f} / {mb(r['at_connect']['rss_kb']):.0f} / "
        f"{mb(r['at_calls']['rss_kb']):.0f} / {mb(r['peak_rss_kb']):.0f} MB")
    row("**threads**: warm / connected / listed / after calls", lambda r: f"{r['at_warm']['threads']} / {r['at_connect']['threads']} / "
        f"{r['at_list']['threads'] if 'at_list' in r else '—'} / {r['at_calls']['threads']}")
    row(f"threads at the peak of connect / calls (with the host's {lib['connect_threads']} / {lib['call_threads']} pool threads)",
        lambda r: f"{r['connect']['peak_threads']} / {r['calls']['peak_threads']}" if "peak_threads" in r["connect"] else "—")
    row("open fds: warm / connected / after calls", lambda r: f"{r['at_warm']['fds']} / {r['at_connect']['fds']} / {r['at_calls']['fds']}")
    row("TCP connections to the server: connected / after calls (+ closed, in TIME_WAIT)", lambda r: (
        f"{r['server_phases']['connect']['tcp'].get('ESTABLISHED', 0) // 2} / {r['server_phases']['calls']['tcp'].get('ESTABLISHED', 0) // 2} "
        f"(+{r['server_phases']['calls']['tcp'].get('TIME_WAIT', 0)})"))
    row("listen streams refused by the server", lambda r: f"{r['events']['subscriptions_failed']:,}" if "events" in r else "—")
    row("**aggregated tool listing** (3 servers): mean / p50 / p99", lambda r: (
        f"**{r['list']['first']['mean_ms']:.1f}** / {r['list']['first']['p50_ms']:.1f} / {r['list']['first']['p99_ms']:.1f} ms"
        if "first" in r["list"] else f"**{r['list']['mean_ms']:.1f}** / {r['list']['p50_ms']:.1f} / {r['list']['p99_ms']:.1f} ms"))
    row("the same listing again: mean", lambda r: f"{r['list']['again']['mean_ms']:.1f} ms" if "again" in r["list"] else "—")
    row(f"**calls/s, {a.call_threads} host threads** (calls, errors)", lambda r: f"**{r['calls']['per_s']:,.0f}** ({r['calls']['calls']:,}, {r['calls']['errors']})")
    row("call latency p50 / p99", lambda r: f"{r['calls']['p50_ms']:.0f} / {r['calls']['p99_ms']:.0f} ms")
    row("client CPU per call", lambda r: f"{r['calls']['cpu_us_per_call']:,.0f} µs")
    row("server CPU: connect / list / calls (% of one core)", lambda r: " / ".join(
        f"{r['server_phases'][p]['server_cpu_pct']:.0f}%" for p in ("connect", "list", "calls")))
    row("server CPU per call", lambda r: f"{1000 * r['server_phases']['calls']['server_cpu_s'] / max(r['calls']['calls'], 1):.2f} ms")
    row("server RSS after connect", lambda r: f"{mb(r['server_phases']['connect']['server_rss_kb']):.0f} MB")
    row("disconnect all: seconds; heap left per connection", lambda r: (
        f"{r['disconnect']['seconds']:.2f}; {r['disconnect']['heap_left_per_conn_kb']:.1f} KB" if "disconnect" in r else "—"))
    row("reconnect all: seconds; heap kept per connect/disconnect cycle", lambda r: (
        f"{r['disconnect']['reconnect_seconds']:.1f}; {r['disconnect']['reconnect_heap_growth_per_conn_kb']:.1f} KB" if "disconnect" in r else "—"))
    row("free views / manager", lambda r: f"{r['free']['views_ms']:.1f} / {r['free']['manager_ms']:.0f} ms" if "views_ms" in r["free"] else f"{r['free']['manager_ms']:.0f} ms")
    row("heap in use after free (leak check; after the warm-up user)", lambda r: (
        f"{mb(r['at_free']['heap_kb']):.1f} MB ({mb(r['at_warm']['heap_kb']):.1f})" if "heap_kb" in r["at_free"] else "—"))
    row("events read by the host (status, subscription)", lambda r: f"{r['events']['status']:,}, {r['events']['subscription']:,}" if "events" in r else "—")
    row("errors", lambda r: f"{r['errors']}" + (f": {r['first_error'][:200]}" if r["first_error"] else ""))
    if lib["host_connect_refused"] != "not supported":  # mcp_status_str(MCP_ERR_UNSUPPORTED)
        lines.append(f"\nUnexpected: the host's own (no user) connect to a per-user server gave {lib['host_connect_refused']}.")
    sp = lib["server_phases"]

    def table_row(label, mine, theirs):
        return f"| {label} | {mine} |" + (f" {theirs} |" if sdk else "")

    lines += [
        "",
        "## Rows for the benchmark table",
        "",
        table_row(f"scale ({users:,} users x {lib['servers']} per-user HTTP servers, one process)", "lib_c", "sdk_py"),
        "|---|---:|" + ("---:|" if sdk else ""),
        table_row("memory per idle user connection, holding a listen stream", f"{lib['connect']['rss_per_conn_kb']:.1f} KB", "—"),
    ]
    if quiet:
        lines.append(table_row("memory per idle user connection, no listen stream", f"{quiet['connect']['rss_per_conn_kb']:.1f} KB",
                               f"{sdk['connect']['rss_per_conn_kb']:.0f} KB" if sdk else ""))
    lines += [
        table_row(f"library threads with {n:,} connections", f"{lib['at_connect']['threads'] - 2} (the I/O loop)",
                  f"{sdk['at_connect']['threads'] - 1}" if sdk else ""),
        table_row(f"aggregated tool listing, {lib['servers']} servers (mean)", f"{lib['list']['first']['mean_ms']:.1f} ms",
                  f"{sdk['list']['mean_ms']:.1f} ms" if sdk else ""),
        table_row(f"calls/s with {lib['call_threads']} host threads (server CPU)", f"{lib['calls']['per_s']:,.0f} ({sp['calls']['server_cpu_pct']:.0f}%)",
                  f"{sdk['calls']['per_s']:,.0f} ({sdk['server_phases']['calls']['server_cpu_pct']:.0f}%)" if sdk else ""),
        table_row("client CPU per call", f"{lib['calls']['cpu_us_per_call']:.0f} µs", f"{sdk['calls']['cpu_us_per_call']:,.0f} µs" if sdk else ""),
    ]
    lines += ["", "Library threads: the process's threads after connecting, minus the main thread and the host's event reader."]
    target = os.path.join(BIN, "SCALE-RESULTS-quick.md") if a.quick else os.path.join(BENCH, "SCALE-RESULTS.md")
    with open(target, "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
