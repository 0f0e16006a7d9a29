"""The host process runs out of file descriptors (RLIMIT_NOFILE lowered in a child interpreter, so the test process
keeps its own): spawning stdio servers, opening HTTP connections and creating managers fail with clear errors, never
a crash or a hang, nothing leaks, and everything works again once descriptors are free."""

from __future__ import annotations

import json
import textwrap

from fault_helpers import run_python

SCENARIO = textwrap.dedent(
    """
    import json, os, resource, socket, sys
    import mcpclient
    from fault_helpers import bad_stdio_config, fd_count
    from helpers import new_tag, processes_with, wait_until_gone

    report = {}
    tag = new_tag()

    def attempt(label, action):
        try:
            action()
            report[label] = "ok"
        except mcpclient.McpError as error:
            report[label] = [error.name, error.message]

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    mgr = mcpclient.Manager()
    for index in range(3):
        mgr.add_server(f"s{index}", bad_stdio_config("ok", tag))
    mgr.add_server("http", {"url": "http://127.0.0.1:9/mcp", "initTimeout": 3000})
    base = fd_count()
    # Room for a few descriptors only: then fill the table up completely.
    resource.setrlimit(resource.RLIMIT_NOFILE, (base + 8, hard))
    hogs = []
    try:
        while True:
            hogs.append(os.open("/dev/null", os.O_RDONLY))
    except OSError:
        pass
    attempt("stdio_connect", lambda: mgr.connect("s0"))
    attempt("http_connect", lambda: mgr.connect("http"))
    attempt("new_manager", lambda: mcpclient.Manager().close())
    report["status_after"] = mgr.server_status("s0")["status"]
    for fd in hogs:
        os.close(fd)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    attempt("stdio_connect_again", lambda: mgr.connect("s1"))
    attempt("call_again", lambda: mgr.call_tool("s1", "echo", {"text": "x"}))
    attempt("http_connect_again", lambda: mgr.connect("http"))
    mgr.close()
    report["left"] = wait_until_gone(tag, 10)
    report["fds_back"] = fd_count() <= base
    print(json.dumps(report))
    """
)


def test_running_out_of_descriptors_fails_clearly_and_recovers():
    result = run_python(SCENARIO, timeout_s=120)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    name, message = report["stdio_connect"]
    assert name == "MCP_ERR_TRANSPORT" and "Too many open files" in message, report
    # Loading libcurl (on first HTTP use) needs descriptors too: the error says why, and the failure is not kept.
    name, message = report["http_connect"]
    assert name in ("MCP_ERR_TRANSPORT", "MCP_ERR_UNSUPPORTED") and "Too many open files" in message, report
    name, message = report["http_connect_again"]  # port 9 refuses: the HTTP stack works again
    assert name == "MCP_ERR_TRANSPORT" and "could not be loaded" not in message, report
    assert report["new_manager"] != "ok", report
    assert report["status_after"] == "error"
    assert report["stdio_connect_again"] == "ok" and report["call_again"] == "ok", report
    assert report["left"] == [] and report["fds_back"], report
