"""Cross-process refresh single flight (LibreChat #14583): two OS processes share one store (an encrypted FileStore
directory, or a HostStore over shared files with lease functions) and both find their access token refused at the
same moment. The python-sdk AS (oauth_server.py: rotating refresh tokens, every refresh held 0.5 s so two would
overlap) must see exactly one refresh, and both processes must end with working tokens."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import urllib.request

import pytest
from helpers import MODERN_PYTHON, TESTS_DIR
from test_oauth_flows import REDIRECT_URI, AuthServer, browse

import mcpclient
from mcpclient.oauth_store import HostStore

PACKAGE_ROOT = TESTS_DIR.parent

# One host process: a manager on the shared store connects (its stored token is refused: a refresh is due) when
# told to, calls a tool and prints what happened as JSON.
WORKER = r'''
import hashlib, json, os, sys, time
sys.path.insert(0, sys.argv[1])
import mcpclient
from mcpclient.oauth_store import HostStore

url, kind, directory, key = sys.argv[2:6]
locks_taken = []

def host_store():
    """Records and leases as files in a directory every process shares (a stand-in for Redis)."""
    def path(name, suffix):
        return os.path.join(directory, hashlib.sha256(name.encode()).hexdigest() + suffix)

    def get(name):
        try:
            with open(path(name, ".rec"), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def put(name, value, ttl):
        temporary = path(name, ".tmp%d" % os.getpid())
        with open(temporary, "wb") as f:
            f.write(value)
        os.replace(temporary, path(name, ".rec"))

    def delete(name):
        try:
            os.unlink(path(name, ".rec"))
        except FileNotFoundError:
            pass

    def lock(name, token, ttl_ms):
        lease = path(name, ".lease")
        try:
            fd = os.open(lease, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                with open(lease) as f:
                    held = json.load(f)
            except (OSError, ValueError):
                return False  # being written or just released
            if held["expires"] < time.time():
                os.unlink(lease)  # lapsed; the next poll takes it
            return False
        with os.fdopen(fd, "w") as f:
            json.dump({"token": token, "expires": time.time() + ttl_ms / 1000}, f)
        locks_taken.append(name)
        return True

    def unlock(name, token):
        lease = path(name, ".lease")
        try:
            with open(lease) as f:
                if json.load(f)["token"] == token:
                    os.unlink(lease)
        except (OSError, ValueError):
            pass

    return HostStore(get, put, delete, lock=lock, unlock=unlock, key=key)

with mcpclient.Manager({"oauth": {"redirectUri": "http://127.0.0.1:9/callback"}}) as mgr:
    if kind == "file":
        store = mcpclient.oauth_store.FileStore(directory, key=key)
    else:
        store = host_store()
    mgr.set_credential_store(store)
    mgr.add_server("guarded", {"url": url, "timeout": 30000})
    print("READY", flush=True)
    sys.stdin.readline()
    try:
        mgr.connect("guarded")
        result = mgr.call_tool("guarded", "echo", {"text": "pid %d" % os.getpid()})
        text = "".join(block.get("text", "") for block in result.get("content", []))
        print(json.dumps({"ok": True, "text": text, "locks": locks_taken}), flush=True)
    except mcpclient.McpError as error:
        print(json.dumps({"ok": False, "error": str(error), "details": error.details, "locks": locks_taken}), flush=True)
'''


@pytest.fixture
def slow_refresh_server():
    server = AuthServer("--mcp", "--refresh-delay", "0.5")
    yield server
    server.stop()


def fetch_json(url: str, method: str = "GET"):
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def sign_in(server: AuthServer, store) -> None:
    with mcpclient.Manager({"oauth": {"redirectUri": REDIRECT_URI}}) as mgr:
        mgr.set_credential_store(store)
        mgr.add_server("guarded", {"url": server.origin + "/mcp", "timeout": 30000})
        with pytest.raises(mcpclient.McpAuthError) as caught:
            mgr.connect("guarded")
        mgr.oauth_complete(browse(caught.value.details["authUrl"]))


def run_two_processes(server: AuthServer, kind: str, directory: str, key: str, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = dict(os.environ)
    workers = [subprocess.Popen([str(MODERN_PYTHON), str(script), str(PACKAGE_ROOT), server.origin + "/mcp", kind, directory, key],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "READY"
        # Every access token is refused from now on; the refresh tokens still work (once each: they rotate).
        fetch_json(server.origin + "/_expire_access", "POST")
        for worker in workers:  # as close together as two writes get
            worker.stdin.write("go\n")
        for worker in workers:
            worker.stdin.flush()
        outputs = [json.loads(worker.stdout.readline()) for worker in workers]
        for worker in workers:
            worker.stdin.close()
            assert worker.wait(timeout=30) == 0
        return outputs
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)


def test_two_processes_sharing_a_file_store_redeem_the_refresh_token_once(slow_refresh_server, tmp_path):
    key = base64.b64encode(os.urandom(32)).decode()
    directory = str(tmp_path / "store")
    sign_in(slow_refresh_server, mcpclient.oauth_store.FileStore(directory, key=key))
    assert fetch_json(slow_refresh_server.origin + "/_stats")["refresh_requests"] == 0

    outputs = run_two_processes(slow_refresh_server, "file", directory, key, tmp_path)
    assert all(output["ok"] for output in outputs), outputs
    assert sorted(output["text"].split()[0] for output in outputs) == ["pid", "pid"]
    stats = fetch_json(slow_refresh_server.origin + "/_stats")
    assert stats == {"refresh_requests": 1, "refreshes": 1}, stats
    # Lock files sit next to the records, named by a hash (no user or server in the name).
    assert any(name.endswith(".lock") for name in os.listdir(directory))


def test_two_processes_sharing_a_host_store_use_its_lease_functions(slow_refresh_server, tmp_path):
    key = base64.b64encode(os.urandom(32)).decode()
    directory = tmp_path / "shared"
    directory.mkdir()
    records = {}

    # The parent signs in through the same file layout the workers use (a plain dict view of it).
    import hashlib

    def path(name, suffix):
        return directory / (hashlib.sha256(name.encode()).hexdigest() + suffix)

    def put(name, value, ttl):
        path(name, ".rec").write_bytes(value)
        records[name] = True

    store = HostStore(lambda name: path(name, ".rec").read_bytes() if path(name, ".rec").exists() else None, put,
                      lambda name: path(name, ".rec").unlink(missing_ok=True), key=key)
    sign_in(slow_refresh_server, store)
    assert "mcpclient/v1/default/guarded/tokens" in records

    outputs = run_two_processes(slow_refresh_server, "host", str(directory), key, tmp_path)
    assert all(output["ok"] for output in outputs), outputs
    assert fetch_json(slow_refresh_server.origin + "/_stats") == {"refresh_requests": 1, "refreshes": 1}
    # Both processes needed a refresh, so both took the host's lease (one after the other).
    assert [output["locks"] for output in outputs] == [["mcpclient/v1/default/guarded/lock"]] * 2
    assert not list(directory.glob("*.lease"))  # released


def test_host_lease_functions_come_in_pairs():
    for extra in ({"lock": lambda name, token, ttl: True}, {"unlock": lambda name, token: None}):
        with pytest.raises(mcpclient.McpInvalidError):
            HostStore(lambda k: None, lambda k, v, t: None, lambda k: None, plaintext=True, **extra)
    with pytest.raises(mcpclient.McpInvalidError):
        HostStore(lambda k: None, lambda k, v, t: None, lambda k: None, lock=1, unlock=2, plaintext=True)
    store = HostStore(lambda k: None, lambda k, v, t: None, lambda k: None, lock=lambda n, t, ttl: True,
                      unlock=lambda n, t: None, plaintext=True)
    assert store.get("alice", "demo", "tokens") is None
