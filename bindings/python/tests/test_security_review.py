"""Security review (docs/security.md): the claims that had no test yet, each against a real process.

- No shell: a stdio server's command and args reach execve as written; shell metacharacters do nothing.
- A server flooding server->client requests cannot grow the host's queue without end: past 64 waiting requests
  per connection it gets JSON-RPC errors at once.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from helpers import FIXTURES_DIR, drain_events, is_outcome, text_of, wait_for_event

import mcpclient

FLOOD_SERVER = FIXTURES_DIR / "request_flood.py"
METACHARACTERS = ["$(touch {marker})", "`touch {marker}`", "; touch {marker}", "| touch {marker}", "&& touch {marker}",
                  "$HOME", "*", "~", "'quoted'", '"double"', "a\\b", "<in", ">{marker}", "#comment", "é ü"]


def test_the_library_imports_no_way_to_run_a_shell():
    """The only process-starting function libmcpclient.so links is posix_spawn (argv, an absolute path it resolved
    itself): no system, popen, exec*p, fork or wordexp that could reach /bin/sh."""
    from mcpclient import _ffi
    _ffi.load()
    library = str(_ffi.library_path())
    if not shutil.which("nm"):
        pytest.skip("needs nm (binutils)")
    listing = subprocess.run(["nm", "-D", "--undefined-only", library], capture_output=True, text=True, check=True).stdout
    imported = {line.split()[-1].split("@")[0] for line in listing.splitlines() if line.strip()}
    spawners = {"system", "popen", "execl", "execle", "execlp", "execv", "execve", "execvp", "execvpe", "fork", "vfork",
                "posix_spawn", "posix_spawnp", "wordexp", "clone"}
    assert imported & spawners == {"posix_spawn"}


def test_stdio_arguments_reach_the_server_verbatim_without_a_shell(tmp_path):
    marker = tmp_path / "pwned"
    args = [m.format(marker=marker) for m in METACHARACTERS]
    # The "server" prints its argv as JSON on stderr (the log) and exits: the connect fails, the log shows argv.
    script = "import json, sys; sys.stderr.write(json.dumps(sys.argv[1:]) + '\\n'); sys.stderr.flush()"
    with mcpclient.Manager() as mgr:
        mgr.add_server("argv", {"command": sys.executable, "args": ["-c", script, *args], "cwd": str(tmp_path),
                                "initTimeout": 5000})
        with pytest.raises(mcpclient.McpError) as caught:
            mgr.connect("argv")
        tail = caught.value.details.get("stderr_tail", [])
        logs = [ev["message"] for ev in drain_events(mgr) if ev["kind"] == "log"]
    printed = [json.loads(line) for line in [*logs, *tail] if line.startswith("[")]
    assert printed and printed[0] == args, (printed, tail)
    assert not marker.exists(), "a shell ran the arguments"
    assert not list(tmp_path.iterdir()), list(tmp_path.iterdir())


def test_a_command_with_metacharacters_is_a_file_name_not_a_script(tmp_path):
    marker = tmp_path / "pwned"
    with mcpclient.Manager() as mgr:
        mgr.add_server("cmd", {"command": f"true; touch {marker}", "initTimeout": 5000})
        with pytest.raises(mcpclient.McpConfigError) as caught:
            mgr.connect("cmd")
    assert caught.value.details["command"] == f"true; touch {marker}"
    assert not marker.exists()


def test_a_request_flood_is_capped_per_connection():
    with mcpclient.Manager({"capabilities": {"roots": {}}}) as mgr:
        mgr.add_server("flood", {"command": sys.executable, "args": [str(FLOOD_SERVER)], "era": "legacy"})
        mgr.connect("flood")
        call_id = mgr.submit({"op": "call_tool", "server": "flood", "tool": "flood",
                              "arguments": {"count": 1000, "wait_ms": 1500}})
        # The host answers nothing until the call is over: only the first 64 requests may be waiting for it.
        outcome, seen = wait_for_event(mgr, is_outcome(call_id), timeout_s=30)
        requests = [ev for ev in seen if ev["kind"] == "request"]
        counts = json.loads(text_of(outcome["result"]["result"]))
        assert len(requests) == 64
        assert counts == {"results": 0, "errors": 936, "unanswered": 64}
        # The waiting ones are still answerable; the server may ask again once they are answered.
        for request in requests:
            mgr.respond(request["request_id"], {"result": {"roots": []}})
        call_id = mgr.submit({"op": "call_tool", "server": "flood", "tool": "flood", "arguments": {"count": 10, "wait_ms": 10000}})
        answered = 0
        while True:
            event, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "request" or is_outcome(call_id)(ev))
            if event["kind"] != "request":
                break
            mgr.respond(event["request_id"], {"result": {"roots": []}})
            answered += 1
        assert answered == 10
        assert json.loads(text_of(event["result"]["result"])) == {"results": 10, "errors": 0, "unanswered": 0}
