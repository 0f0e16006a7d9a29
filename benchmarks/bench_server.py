"""The HTTP benchmarks' server: the mcp 2.3.0 fixture under uvicorn on 127.0.0.1, and what it costs (stdlib only).

start_server() runs Tests/Fixtures/servers/serve_http.py --era modern --mode json (plus any extra arguments) with
the pinned modern venv and returns (process, url) once it printed READY <url>. ProcessSampler reads a process's CPU
time and RSS from /proc, so a benchmark can say how busy the server was in each phase.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODERN_PY = os.path.join(ROOT, ".venv-modern", "bin", "python")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def start_server(*extra, stderr=None):
    server = subprocess.Popen([MODERN_PY, os.path.join(ROOT, "Tests/Fixtures/servers/serve_http.py"), "--era", "modern", "--mode", "json", *extra],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True)
    line = server.stdout.readline().split()
    if not line or line[0] != "READY":
        server.kill()
        sys.exit(f"the benchmark server did not start: {line}")
    return server, line[1]


def stop_server(server):
    server.kill()
    server.wait(timeout=10)


def cpu_seconds(pid):
    """user + system CPU seconds of a process (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime: fields 14 and 15 of stat


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def tcp_states(port):
    """Counts of IPv4 TCP sockets on this host with `port` at either end, by state (ESTABLISHED, TIME_WAIT, …)."""
    names = {"01": "ESTABLISHED", "06": "TIME_WAIT", "08": "CLOSE_WAIT", "0A": "LISTEN"}
    counts = {}
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            parts = line.split()
            local, remote, state = parts[1], parts[2], parts[3]
            if int(local.split(":")[1], 16) == port or int(remote.split(":")[1], 16) == port:
                name = names.get(state, state)
                counts[name] = counts.get(name, 0) + 1
    return counts
