"""mcpctl end to end: every command against real servers (the fixture servers, the reference mcp-server-time and the
python-sdk authorization server), its --json shapes and its documented exit codes (docs/mcpctl.md).

Run by `make -C examples test` as: MCPCTL=<bin/mcpctl> .venv-modern/bin/python -m pytest examples/mcpctl/test_mcpctl.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MCPCTL = os.environ.get("MCPCTL", str(ROOT / "examples" / "bin" / "mcpctl"))
MODERN = ROOT / ".venv-modern" / "bin"
LEGACY = ROOT / ".venv-legacy" / "bin"
FIXTURES = ROOT / "Tests" / "Fixtures" / "servers"
CONFIGS = ROOT / "Tests" / "MCPClientConfigTests" / "configs"
TAG = f"--mcpclient-test-tag={uuid.uuid4().hex}"  # every server this file starts carries it (the fixtures ignore it)

if not Path(MCPCTL).exists() or not (MODERN / "python").exists():
    pytest.skip("mcpctl or the test venvs are missing (make -C examples; scripts/setup-test-env)", allow_module_level=True)


def leftovers() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and TAG.encode() in (entry / "cmdline").read_bytes():
                found.append(entry.name)
        except OSError:
            pass
    return found


@pytest.fixture(autouse=True)
def no_server_left_behind():
    yield
    deadline = time.monotonic() + 5
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert leftovers() == [], "a server process outlived mcpctl"


@pytest.fixture
def home(tmp_path):
    """A private XDG config and data home; returns the environment and the default config path."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "MCPCTL_CONFIG", "MCPCLIENT_STORE_KEY", "BROWSER")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"), HOME=str(tmp_path))
    return env


def run(env, *args, input=None, timeout=90):
    return subprocess.run([MCPCTL, *args], env=env, input=input, capture_output=True, text=True, timeout=timeout)


def config_path(env) -> Path:
    return Path(env["XDG_CONFIG_HOME"]) / "mcpctl" / "config.json"


def add_fixtures(env):
    assert run(env, "servers", "add", "every", "--", str(MODERN / "python"), str(FIXTURES / "everything_modern.py"), TAG).returncode == 0
    assert run(env, "servers", "add", "old", "--", str(LEGACY / "python"), str(FIXTURES / "everything_legacy.py"), TAG).returncode == 0


# ---- basics -------------------------------------------------------------------------------------------------------

def test_version_help_and_usage_errors(home):
    version = run(home, "--json", "version")
    assert version.returncode == 0
    document = json.loads(version.stdout)
    assert document["version"] == 1 and document["library"] == document["header"] == document["mcpctl"]
    assert run(home, "--help").stdout.startswith("usage: mcpctl")
    assert run(home).returncode == 2
    unknown = run(home, "--json", "frobnicate")
    assert unknown.returncode == 2
    assert json.loads(unknown.stdout) == {"version": 1, "exit": 2, "error": {
        "version": 1, "name": "MCPCTL_USAGE", "message": "unknown command 'frobnicate' (see mcpctl --help)"}}
    assert run(home, "servers", "list", "--bogus").returncode == 2
    assert run(home, "--timeout", "soon", "servers", "list").returncode == 2


def test_config_lookup_order(home, tmp_path):
    default = run(home, "--json", "config", "path")
    assert json.loads(default.stdout) == {"version": 1, "config": str(config_path(home)), "from": "default"}
    other = tmp_path / "other.json"
    assert json.loads(run({**home, "MCPCTL_CONFIG": str(other)}, "--json", "config", "path").stdout)["from"] == "MCPCTL_CONFIG"
    flag = run({**home, "MCPCTL_CONFIG": str(other)}, "--config", str(tmp_path / "x.json"), "config", "path")
    assert flag.stdout.strip() == str(tmp_path / "x.json")
    missing = run(home, "call", "time", "get_current_time")
    assert missing.returncode == 3 and str(config_path(home)) in missing.stderr


# ---- servers add / remove / list ---------------------------------------------------------------------------------

def test_servers_add_list_remove(home):
    assert run(home, "servers", "add", "time", "--env", "TZ=UTC", "--", str(MODERN / "mcp-server-time")).returncode == 0
    assert run(home, "servers", "add", "web", "http://127.0.0.1:9/mcp", "--header", "X-Team=blue").returncode == 0
    path = config_path(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # server entries may hold tokens
    assert json.loads(path.read_text()) == {"mcpServers": {
        "time": {"env": {"TZ": "UTC"}, "command": str(MODERN / "mcp-server-time")},
        "web": {"headers": {"X-Team": "blue"}, "url": "http://127.0.0.1:9/mcp"}}}

    listed = run(home, "--json", "servers", "list")
    assert listed.returncode == 0
    document = json.loads(listed.stdout)
    assert document["config"] == str(path) and [s["name"] for s in document["servers"]] == ["time", "web"]
    assert document["servers"][0] == {"name": "time", "type": "stdio", "command": str(MODERN / "mcp-server-time"), "enabled": True}
    assert document["servers"][1]["url"] == "http://127.0.0.1:9/mcp"
    human = run(home, "servers", "list").stdout.splitlines()
    assert re.match(r"NAME +TYPE +COMMAND / URL$", human[0]) and human[1].split()[:2] == ["time", "stdio"]
    assert "\x1b[" not in "".join(human)  # not a terminal: no colour

    duplicate = run(home, "--json", "servers", "add", "web", "http://127.0.0.1:10/mcp")
    assert duplicate.returncode == 10 and json.loads(duplicate.stdout)["error"]["name"] == "MCPCTL_CONFLICT"
    assert run(home, "servers", "add", "web", "--replace", "http://127.0.0.1:10/mcp").returncode == 0
    assert json.loads(path.read_text())["mcpServers"]["web"] == {"url": "http://127.0.0.1:10/mcp"}

    removed = run(home, "--json", "servers", "remove", "web")
    assert json.loads(removed.stdout) == {"version": 1, "action": "removed", "name": "web", "config": str(path)}
    assert list(json.loads(path.read_text())["mcpServers"]) == ["time"]
    assert run(home, "servers", "remove", "web").returncode == 4


def test_servers_add_keeps_other_keys_and_vscode_layout(home, tmp_path):
    vscode = tmp_path / "mcp.json"
    vscode.write_text(json.dumps({"inputs": [], "servers": {"a": {"type": "stdio", "command": "x"}}}))
    os.chmod(vscode, 0o640)
    assert run(home, "--config", str(vscode), "servers", "add", "b", "--", "y", "--flag").returncode == 0
    assert json.loads(vscode.read_text()) == {"inputs": [], "servers": {
        "a": {"type": "stdio", "command": "x"}, "b": {"command": "y", "args": ["--flag"], "type": "stdio"}}}
    assert stat.S_IMODE(vscode.stat().st_mode) == 0o640


def test_servers_add_refuses_what_it_cannot_write(home, tmp_path):
    yaml = tmp_path / "librechat.yaml"
    yaml.write_text("mcpServers:\n  a:\n    command: x\n")
    refused = run(home, "--config", str(yaml), "servers", "add", "b", "--", "y")
    assert refused.returncode == 3 and "is YAML" in refused.stderr
    assert yaml.read_text() == "mcpServers:\n  a:\n    command: x\n"
    jsonc = tmp_path / "commented.json"
    jsonc.write_text('{\n  // mine\n  "servers": {}\n}\n')
    refused = run(home, "--config", str(jsonc), "servers", "remove", "a")
    assert refused.returncode == 3 and "not plain JSON" in refused.stderr
    # An entry the library rejects is not written.
    plain = tmp_path / "plain.json"
    plain.write_text('{"mcpServers": {}}')
    invalid = run(home, "--config", str(plain), "servers", "add", "bad", "--entry", '{"type": "stdio"}')
    assert invalid.returncode == 3 and "not saved" in invalid.stderr and "plain.json" in invalid.stdout
    assert plain.read_text() == '{"mcpServers": {}}'


# ---- status, tools, call -------------------------------------------------------------------------------------------

def test_servers_status_and_tools_list(home):
    add_fixtures(home)
    assert run(home, "servers", "add", "broken", "--", "/nonexistent/server").returncode == 0
    status = run(home, "--json", "servers", "status")
    assert status.returncode == 3  # the broken server's MCP_ERR_CONFIG decides the exit code
    servers = {s["server"]: s for s in json.loads(status.stdout)["servers"]}
    assert servers["every"]["status"] == "connected" and servers["every"]["era"] == "modern"
    assert servers["every"]["serverInfo"]["name"] == "everything-modern"
    assert servers["old"]["status"] == "connected" and servers["old"]["protocolVersion"] == "2025-11-25"
    assert servers["broken"]["status"] == "error" and servers["broken"]["error"]["name"] == "MCP_ERR_CONFIG"

    human = run(home, "servers", "status", "every", "old")
    assert human.returncode == 0
    rows = [line.split() for line in human.stdout.splitlines()]
    assert rows[0] == ["SERVER", "STATUS", "ERA", "PROTOCOL", "INFO", "/", "ERROR"]
    assert rows[1][:3] == ["every", "connected", "modern"] and rows[2][:3] == ["old", "connected", "legacy"]

    tools = run(home, "--json", "tools", "list", "every", "broken")
    assert tools.returncode == 3
    document = json.loads(tools.stdout)
    names = {(t["server"], t["name"]) for t in document["tools"]}
    assert ("every", "echo") in names and ("every", "slow") in names
    assert [e["server"] for e in document["errors"]] == ["broken"]
    human = run(home, "tools", "list", "old")
    assert human.returncode == 0 and re.search(r"^old +echo +", human.stdout, re.M)


def test_call_output_and_exit_codes(home):
    add_fixtures(home)
    assert run(home, "call", "every", "echo", '{"text":"hi"}').stdout == "hi\n"
    called = run(home, "--json", "call", "old", "add", '{"a":2,"b":3}')
    assert called.returncode == 0
    document = json.loads(called.stdout)
    assert (document["version"], document["server"], document["tool"]) == (1, "old", "add")
    assert document["result"]["content"][0]["text"] == "5" and document["result"]["isError"] is False
    assert run(home, "call", "every", "echo", "-", input='{"text":"from stdin"}').stdout == "from stdin\n"

    failed = run(home, "call", "every", "fail", '{"message":"boom"}')
    assert failed.returncode == 9 and "boom" in failed.stderr and failed.stdout == ""
    unknown_tool = run(home, "--json", "call", "every", "nope")
    assert unknown_tool.returncode == 8
    error = json.loads(unknown_tool.stdout)["error"]
    assert error["name"] == "MCP_ERR_PROTOCOL" and error["details"]["rpc"]["code"] == -32602
    unknown_server = run(home, "--json", "call", "nowhere", "echo")
    assert unknown_server.returncode == 4 and json.loads(unknown_server.stdout)["exit"] == 4
    bad_json = run(home, "call", "every", "echo", '{"text":')
    assert bad_json.returncode == 2 and "line 1, column 9" in bad_json.stderr
    assert run(home, "call", "every", "echo", "[1]").returncode == 2
    slow = run(home, "--timeout", "0.5", "call", "every", "long_job", '{"seconds":5}')  # no progress to extend it
    assert slow.returncode == 6


def test_call_shows_progress(home):
    add_fixtures(home)
    called = run(home, "--progress", "call", "old", "slow", '{"steps":3,"delay_ms":50}')
    assert called.returncode == 0 and called.stdout == "done after 3 steps\n"
    assert "progress: old slow: 1/3 step 1/3\n" in called.stderr and "progress: old slow: 3/3 step 3/3\n" in called.stderr
    quiet = run(home, "call", "old", "slow", '{"steps":2,"delay_ms":10}')
    assert quiet.stderr == ""  # stderr is not a terminal and --progress was not given


def test_ctrl_c_cancels_a_slow_call(home):
    add_fixtures(home)
    process = subprocess.Popen([MCPCTL, "--progress", "call", "every", "slow", '{"steps":200,"delay_ms":100}'],
                               env=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()  # the first progress line: the call is running on the server
        assert first.startswith("progress: every slow: 1/200")
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert "cancelled" in stderr and stdout == ""
    assert time.monotonic() - started < 10


def test_events_tail(home):
    add_fixtures(home)
    tail = run(home, "--json", "events", "every", "--count", "3", "--for", "60")
    assert tail.returncode == 0
    events = [json.loads(line) for line in tail.stdout.splitlines()]
    assert len(events) == 3 and all(e["version"] == 1 and "kind" in e for e in events)
    assert {"kind": "status", "server": "every", "status": "connecting", "version": 1} in events
    human = run(home, "events", "old", "--for", "20", "--count", "2")
    assert human.returncode == 0 and re.search(r"^\d\d:\d\d:\d\d status +old +connecting", human.stdout, re.M)


def test_colour_only_on_a_terminal_and_never_with_no_color(home):
    if not shutil.which("script"):
        pytest.skip("script(1) is needed for a pseudo-terminal")
    assert run(home, "servers", "add", "time", "--", str(MODERN / "mcp-server-time")).returncode == 0
    command = f"{MCPCTL} servers list"
    on_tty = subprocess.run(["script", "-qec", command, "/dev/null"], env={**home, "TERM": "xterm"}, capture_output=True, text=True, timeout=30)
    assert "\x1b[1mNAME" in on_tty.stdout
    no_color = subprocess.run(["script", "-qec", command, "/dev/null"], env={**home, "TERM": "xterm", "NO_COLOR": "1"},
                              capture_output=True, text=True, timeout=30)
    assert "NAME" in no_color.stdout and "\x1b[" not in no_color.stdout


# ---- config check --------------------------------------------------------------------------------------------------

def test_config_check(home):
    good = run(home, "config", "check", str(CONFIGS / "valid" / "librechat" / "librechat.yaml"))
    assert good.returncode == 0 and "valid: librechat format, 0 errors" in good.stdout
    typos = CONFIGS / "broken" / "librechat-typos.yaml"
    bad = run(home, "config", "check", str(typos))
    assert bad.returncode == 3
    assert f"{typos}:13:5: warning: mcpServers.files.comand: unknown key 'comand'" in bad.stdout
    assert f"{typos}:12:3: error: mcpServers.files.command:" in bad.stdout
    assert bad.stdout.rstrip().endswith("invalid: librechat format, 1 error, 7 warnings")
    report = json.loads(run(home, "--json", "config", "check", str(typos)).stdout)
    assert (report["version"], report["valid"], report["errors"], report["file"]) == (1, False, 1, str(typos))
    assert {"line": 13, "column": 5, "code": "unknown_key"}.items() <= report["diagnostics"][-2].items()
    syntax = run(home, "config", "check", str(CONFIGS / "broken" / "json-syntax.json"))
    assert syntax.returncode == 3 and "json-syntax.json:5:7: error:" in syntax.stdout
    assert run(home, "config", "check", "/nonexistent.json").returncode == 3


# ---- auth ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def authorization_server():
    process = subprocess.Popen([str(MODERN / "python"), str(FIXTURES / "oauth_server.py"), "--mcp", "--max-seconds", "120"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().split()
    assert line and line[0] == "READY", line
    yield line[1].rstrip("/")
    process.kill()
    process.wait(timeout=10)


def browse(auth_url: str) -> int:
    """The browser: open the authorization URL and follow the redirect to mcpctl's loopback listener."""
    with urllib.request.urlopen(auth_url, timeout=20) as response:
        return response.status


def test_auth_login_status_call_logout(home, authorization_server):
    assert run(home, "servers", "add", "guarded", f"{authorization_server}/mcp").returncode == 0
    before = run(home, "call", "guarded", "echo", '{"text":"x"}')
    assert before.returncode == 7 and "mcpctl auth login guarded" in before.stderr
    status = json.loads(run(home, "--json", "auth", "status").stdout)
    assert status["servers"][0]["server"] == "guarded" and status["servers"][0]["state"] == "unauthorized"

    login = subprocess.Popen([MCPCTL, "--json", "auth", "login", "guarded", "--wait", "60"], env=home,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        auth_url = None
        for line in login.stderr:
            if "/authorize?" in line:
                auth_url = line.strip()
                break
        assert auth_url and auth_url.startswith(authorization_server + "/authorize?")
        assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in auth_url and "code_challenge_method=S256" in auth_url
        assert browse(auth_url) == 200
        stdout, _ = login.communicate(timeout=30)
    finally:
        if login.poll() is None:
            login.kill()
            login.wait()
    assert login.returncode == 0
    done = json.loads(stdout)
    assert (done["action"], done["server"], done["state"]) == ("login", "guarded", "authorized")
    assert not re.search(r"access_token|refresh_token", stdout)

    data = Path(home["XDG_DATA_HOME"]) / "mcpctl"
    assert stat.S_IMODE((data / "store.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "credentials").stat().st_mode) == 0o700
    assert run(home, "call", "guarded", "echo", '{"text":"behind oauth"}').stdout == "behind oauth\n"
    human = run(home, "auth", "status", "guarded")
    assert re.search(r"^guarded +authorized +\d{4}-\d\d-\d\d \d\d:\d\d +mcp:read mcp:write$", human.stdout, re.M)

    logout = run(home, "--json", "auth", "logout", "guarded")
    assert logout.returncode == 0 and json.loads(logout.stdout)["hadTokens"] is True
    assert json.loads(run(home, "--json", "auth", "status", "guarded").stdout)["servers"][0]["state"] == "unauthorized"
    assert run(home, "call", "guarded", "echo", '{"text":"x"}').returncode == 7


def test_auth_login_ctrl_c_and_refusals(home, authorization_server):
    assert run(home, "servers", "add", "guarded", f"{authorization_server}/mcp").returncode == 0
    assert run(home, "auth", "login", "nowhere").returncode == 4
    login = subprocess.Popen([MCPCTL, "auth", "login", "guarded"], env=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in login.stderr:
            if line.startswith("Waiting up to"):
                break
        login.send_signal(signal.SIGINT)
        login.communicate(timeout=20)
    finally:
        if login.poll() is None:
            login.kill()
            login.wait()
    assert login.returncode == 130
    # A key file others could read is refused.
    key = Path(home["XDG_DATA_HOME"]) / "mcpctl" / "store.key"
    os.chmod(key, 0o644)
    refused = run(home, "auth", "status")
    assert refused.returncode == 1 and "mode 0600" in refused.stderr
