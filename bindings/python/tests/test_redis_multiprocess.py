"""Two host processes sharing one Redis through examples/redis_store.py (docs/manager.md "Multi-process hosts with
Redis"): a server created in one is listed in the other, a sign-in begun in one completes in the other, a refresh
due in both at once reaches the authorization server once, and per-user variables saved in one are used by the
other. The processes are separate OS processes driven by JSON lines on stdin/stdout; Redis is Debian's
redis-server, started here on a free loopback port without persistence."""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
import redis
from helpers import MODERN_PYTHON, REPO_ROOT, TESTS_DIR, everything_config
from test_oauth_flows import REDIRECT_URI, AuthServer, browse

import mcpclient

EXAMPLES_DIR = REPO_ROOT / "examples"
sys.path.insert(0, str(EXAMPLES_DIR))
from redis_store import RedisStore  # noqa: E402

REPLY_TIMEOUT_S = 60

# One host process: a manager on RedisStore with the operator's servers, answering one JSON command per line.
WORKER = r'''
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import redis
import mcpclient
from redis_store import RedisStore

port, key, servers = int(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5])

class LeaseRecordingClient:
    """The real client, noting every lease this process took (SET NX that succeeded)."""
    def __init__(self, inner):
        self.inner, self.leases = inner, []
    def __getattr__(self, name):
        return getattr(self.inner, name)
    def set(self, name, value, **options):
        done = self.inner.set(name, value, **options)
        if options.get("nx") and done:
            self.leases.append(name)
        return done

client = LeaseRecordingClient(redis.Redis(host="127.0.0.1", port=port))

def text(result):
    return "".join(block.get("text", "") for block in result.get("content", []))

with mcpclient.Manager({"oauth": {"redirectUri": "%s"}}) as manager:
    manager.set_credential_store(RedisStore(client, key=key))
    for name, config in servers.items():
        manager.add_server(name, config)
    views = {}
    def view(user):
        if user not in views:
            views[user] = manager.as_user(user)
        return views[user]
    operations = {
        "create": lambda c: view(c["user"]).create_server(c["config"])["name"],
        "list": lambda c: [entry["name"] for entry in view(c["user"]).list_servers()["data"]],
        "get": lambda c: view(c["user"]).get_server(c["name"])["name"],
        "delete": lambda c: view(c["user"]).delete_server(c["name"])["action"],
        "begin": lambda c: manager.oauth_begin(c["server"], user=c["user"]),
        "complete": lambda c: manager.oauth_complete(c["url"])["flowId"],
        "status": lambda c: manager.oauth_status(c["server"], user=c["user"])["state"],
        "call": lambda c: text(view(c["user"]).call_tool(c["server"], c["tool"], c["args"])),
        "set_vars": lambda c: view(c["user"]).set_user_vars(c["server"], c["values"]),
        "auth_values": lambda c: view(c["user"]).auth_values(c["server"]),
        "leases": lambda c: client.leases,
    }
    print("READY", flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        try:
            reply = {"ok": True, "result": operations[command["op"]](command)}
        except mcpclient.McpError as error:
            reply = {"ok": False, "error": type(error).__name__, "details": error.details}
        print(json.dumps(reply), flush=True)
    for opened in views.values():
        opened.close()
''' % REDIRECT_URI


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    """Debian's redis-server on a free loopback port, no persistence; killed after the module."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/bootstrap installs it)")
    directory = tmp_path_factory.mktemp("redis")
    for _ in range(3):  # another process may take the port between the probe and redis binding it
        port = free_port()
        process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                    "--dir", str(directory), "--protected-mode", "yes"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            process.kill()
            process.wait(timeout=10)
            continue
        try:
            yield port
        finally:
            client.close()
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        return
    pytest.fail("redis-server did not answer PING on a free port (3 attempts)")


@pytest.fixture
def redis_client(redis_port):
    client = redis.Redis(host="127.0.0.1", port=redis_port)
    client.flushall()  # each test starts from an empty store
    yield client
    client.close()


class Worker:
    """One host process; ``send`` writes a command, ``reply`` waits (bounded) for its answer."""

    def __init__(self, script, redis_port: int, key: str, servers: dict):
        self.process = subprocess.Popen(
            [str(MODERN_PYTHON), str(script), str(TESTS_DIR.parent), str(EXAMPLES_DIR), str(redis_port), key,
             json.dumps(servers)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self._line() == "READY"

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def _line(self):
        try:
            line = self.lines.get(timeout=REPLY_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError(f"worker {self.process.pid} did not answer within {REPLY_TIMEOUT_S}s") from None
        assert line is not None, f"worker {self.process.pid} exited ({self.process.poll()})"
        return line

    def send(self, op: str, **arguments) -> None:
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()

    def reply(self):
        return json.loads(self._line())

    def __call__(self, op: str, **arguments):
        """The result of a command that must succeed."""
        self.send(op, **arguments)
        answer = self.reply()
        assert answer["ok"], answer
        return answer["result"]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def key():
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def start_workers(redis_client, redis_port, key, tmp_path):
    script = tmp_path / "host_process.py"
    script.write_text(WORKER)
    started = []

    def start(servers: dict):
        pair = []
        for _ in range(2):
            worker = Worker(script, redis_port, key, servers)
            started.append(worker)
            pair.append(worker)
        return pair

    yield start
    for worker in started:
        worker.stop()
    for worker in started:
        assert worker.process.returncode == 0, f"worker {worker.process.pid} exited with {worker.process.returncode}"


@pytest.fixture
def auth_server():
    """The python-sdk AS with the everything server behind it; each refresh held 0.5 s so two would overlap."""
    server = AuthServer("--mcp", "--refresh-delay", "0.5")
    yield server
    server.stop()


def guarded(server: AuthServer) -> dict:
    """The protected server, signed in per user (each user's own connection and tokens)."""
    return {"url": server.origin + "/mcp", "timeout": 30000, "requiresOAuth": True}


def as_stats(server: AuthServer) -> dict:
    with urllib.request.urlopen(server.origin + "/_stats", timeout=10) as response:
        return json.loads(response.read())


def assert_everything_sealed(client: redis.Redis, *secrets: str) -> None:
    """Every record in Redis is a sealed blob; no secret appears in any key or value."""
    names = list(client.scan_iter("mcpclient:*"))
    assert names
    for name in names:
        value = client.get(name)
        if not name.startswith(b"mcpclient:lease:"):
            assert value.startswith(b"MCPCRED"), name
        for secret in secrets:
            assert secret.encode() not in name and secret.encode() not in (value or b""), name


def test_a_server_created_in_one_process_is_listed_in_the_other(start_workers, redis_client):
    a, b = start_workers({})
    assert a("list", user="alice") == [] and b("list", user="alice") == []
    name = a("create", user="alice", config={"url": "http://127.0.0.1:9/mcp", "title": "Alice Tools"})
    assert name == "alice-tools"
    assert b("list", user="alice") == ["alice-tools"]
    assert b("get", user="alice", name="alice-tools") == "alice-tools"
    assert b("list", user="bob") == []  # the registry's permissions hold across processes too

    assert b("delete", user="alice", name="alice-tools") == "deleted"
    assert a("list", user="alice") == []
    a.send("get", user="alice", name="alice-tools")
    assert a.reply()["error"] == "McpNotFoundError"
    # Both processes created/deleted under the registry's lease, which they released.
    assert not list(redis_client.scan_iter("mcpclient:lease:*"))
    assert a("leases") and b("leases")


def test_user_variables_saved_in_one_process_are_set_and_used_in_the_other(start_workers, redis_client):
    servers = {"vars": everything_config("modern", env={"TOKEN": "{{API_TOKEN}}"},
                                         customUserVars={"API_TOKEN": {"title": "Token", "description": "Yours"}})}
    a, b = start_workers(servers)
    assert b("auth_values", user="alice", server="vars") == {"API_TOKEN": False}
    assert a("set_vars", user="alice", server="vars", values={"API_TOKEN": "alice-value-7731"}) == {"API_TOKEN": True}
    assert b("auth_values", user="alice", server="vars") == {"API_TOKEN": True}
    assert b("auth_values", user="bob", server="vars") == {"API_TOKEN": False}
    assert b("call", user="alice", server="vars", tool="env", args={"name": "TOKEN"}) == "alice-value-7731"
    assert_everything_sealed(redis_client, "alice-value-7731")


def test_a_sign_in_begun_in_one_process_completes_in_the_other(start_workers, redis_client, auth_server):
    a, b = start_workers({"guarded": guarded(auth_server)})
    flow = a("begin", user="alice", server="guarded")
    assert flow["authUrl"].startswith(auth_server.origin + "/authorize?") and not flow["joined"]
    assert b("status", user="alice", server="guarded") == "pending"

    callback = browse(flow["authUrl"])  # the AS approves at once and redirects with code and state
    assert b("complete", url=callback) == "alice:guarded"
    assert a("status", user="alice", server="guarded") == "authorized"
    # A uses the tokens B obtained: no new sign-in, no refresh.
    assert a("call", user="alice", server="guarded", tool="echo", args={"text": "from A"}) == "from A"
    assert b("call", user="alice", server="guarded", tool="echo", args={"text": "from B"}) == "from B"
    assert as_stats(auth_server) == {"refresh_requests": 0, "refreshes": 0}
    code = dict(part.split("=", 1) for part in callback.split("?", 1)[1].split("&"))["code"]
    assert_everything_sealed(redis_client, code, "access_token")


def sign_in(auth_server: AuthServer, redis_port: int, key: str) -> None:
    """alice signs in from this (third) process through the same Redis."""
    store = RedisStore(redis.Redis(host="127.0.0.1", port=redis_port), key=key)
    with mcpclient.Manager({"oauth": {"redirectUri": REDIRECT_URI}}) as manager:
        manager.set_credential_store(store)
        manager.add_server("guarded", guarded(auth_server))
        manager.oauth_complete(browse(manager.oauth_begin("guarded", user="alice")["authUrl"]))


def test_a_refresh_due_in_both_processes_at_once_happens_once(start_workers, redis_client, redis_port, key, auth_server):
    sign_in(auth_server, redis_port, key)
    a, b = start_workers({"guarded": guarded(auth_server)})
    # Every access token is refused from now on; refresh tokens rotate, so a second redemption would fail.
    urllib.request.urlopen(urllib.request.Request(auth_server.origin + "/_expire_access", data=b"", method="POST"),
                           timeout=10).read()
    for worker, text in ((a, "A"), (b, "B")):  # both in flight before either answers
        worker.send("call", user="alice", server="guarded", tool="echo", args={"text": text})
    answers = [a.reply(), b.reply()]
    assert [answer.get("result") for answer in answers] == ["A", "B"], answers
    assert as_stats(auth_server) == {"refresh_requests": 1, "refreshes": 1}
    # Each process waited on the same lease: the one that did not refresh found the new tokens under it.
    for worker in (a, b):
        assert "mcpclient:lease:mcpclient/v1/alice/guarded/lock" in worker("leases")
    assert not list(redis_client.scan_iter("mcpclient:lease:*"))
    # Both keep working on the refreshed tokens.
    assert a("call", user="alice", server="guarded", tool="echo", args={"text": "again A"}) == "again A"
    assert b("call", user="alice", server="guarded", tool="echo", args={"text": "again B"}) == "again B"
    assert as_stats(auth_server) == {"refresh_requests": 1, "refreshes": 1}
