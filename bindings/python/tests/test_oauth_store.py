"""Credential stores and the loopback redirect listener through the C ABI (docs/oauth.md)."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import urllib.error
import urllib.request
from ctypes import byref, c_int64, c_void_p

import pytest

import mcpclient
from mcpclient import _bindings as B

KEY = base64.b64encode(bytes([0x42]) * 32).decode()
SECRET = b'{"access_token":"at-SECRET-TOKEN-123"}'
# Proxies from the environment must not see loopback requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> tuple[int, str]:
    try:
        with OPENER.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class DictBackend:
    """A host's key-value store (Redis stand-in), thread-safe."""

    def __init__(self):
        self.records: dict[str, bytes] = {}
        self.ttls: dict[str, int | None] = {}
        self.fail: str | None = None
        self.lock = threading.Lock()

    def get(self, key):
        if self.fail == "get":
            raise RuntimeError("redis is down")
        with self.lock:
            return self.records.get(key)

    def put(self, key, value, ttl):
        if self.fail == "put":
            raise RuntimeError("redis is down")
        with self.lock:
            self.records[key] = value
            self.ttls[key] = ttl

    def delete(self, key):
        if self.fail == "delete":
            raise RuntimeError("redis is down")
        with self.lock:
            self.records.pop(key, None)

    def store(self, **options):
        return mcpclient.HostStore(self.get, self.put, self.delete, **options)


def test_memory_store_round_trip():
    with mcpclient.MemoryStore() as store:
        assert store.get("alice", "github", "tokens") is None
        store.put("alice", "github", "tokens", SECRET, ttl=60)
        assert store.get("alice", "github", "tokens") == SECRET
        store.put("alice", "github", "flow", b"\x00\x01\x00")
        assert store.get("alice", "github", "flow") == b"\x00\x01\x00"
        store.delete("alice", "github", "tokens")
        store.delete("alice", "github", "tokens")
        assert store.get("alice", "github", "tokens") is None
    with pytest.raises(ValueError, match="already closed"):
        store.get("alice", "github", "tokens")


def test_file_store_writes_only_ciphertext(tmp_path):
    directory = tmp_path / "creds"
    with mcpclient.FileStore(str(directory), key=KEY, key_id="py-1") as store:
        store.put("alice", "github", "tokens", SECRET, ttl=600)
        files = list(directory.iterdir())
        assert len(files) == 1 and files[0].suffix == ".cred"
        assert oct(directory.stat().st_mode & 0o777) == "0o700" and oct(files[0].stat().st_mode & 0o777) == "0o600"
        raw = files[0].read_bytes()
        assert raw.startswith(b"MCPCRED\x01") and b"SECRET" not in raw and b"py-1" in raw
        assert "alice" not in files[0].name and "github" not in files[0].name
        assert store.get("alice", "github", "tokens") == SECRET

    # Another key cannot read it; the error names the key id, not a key.
    other_key = base64.b64encode(bytes([7]) * 32).decode()
    with mcpclient.FileStore(str(directory), key=other_key, key_id="py-2") as other:
        with pytest.raises(mcpclient.McpInvalidError) as failure:
            other.get("alice", "github", "tokens")
        assert failure.value.details["reason"] == "record_unknown_key"
    # Rotation: the old key as a previous key keeps the record readable.
    with mcpclient.FileStore(str(directory), key=other_key, key_id="py-2", previous_keys=[{"key": KEY, "key_id": "py-1"}]) as rotated:
        assert rotated.get("alice", "github", "tokens") == SECRET


def test_file_store_key_errors_name_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("MCPCLIENT_STORE_KEY", raising=False)
    with pytest.raises(mcpclient.McpConfigError) as missing:
        mcpclient.FileStore(str(tmp_path / "x"))
    assert missing.value.details["variable"] == "MCPCLIENT_STORE_KEY"
    monkeypatch.setenv("APP_KEY", "c2hvcnQ=")
    with pytest.raises(mcpclient.McpConfigError) as short:
        mcpclient.FileStore(str(tmp_path / "x"), key_env="APP_KEY")
    assert short.value.details["variable"] == "APP_KEY" and "c2hvcnQ" not in json.dumps(short.value.payload)
    monkeypatch.setenv("MCPCLIENT_STORE_KEY", KEY)
    with mcpclient.FileStore(str(tmp_path / "y")) as store:
        store.put("u", "s", "tokens", b"v")
        assert store.get("u", "s", "tokens") == b"v"


def test_host_store_sees_only_sealed_records():
    backend = DictBackend()
    with backend.store(key=KEY) as store:
        store.put("alice", "github", "tokens", SECRET, ttl=3600)
        store.put("alice", "git hub/x", "registration", b"reg")
        assert set(backend.records) == {"mcpclient/v1/alice/github/tokens", "mcpclient/v1/alice/git%20hub%2Fx/registration"}
        assert backend.ttls == {"mcpclient/v1/alice/github/tokens": 3600, "mcpclient/v1/alice/git%20hub%2Fx/registration": None}
        sealed = backend.records["mcpclient/v1/alice/github/tokens"]
        assert sealed.startswith(b"MCPCRED\x01") and b"SECRET" not in sealed
        assert store.get("alice", "github", "tokens") == SECRET

        # A record copied under another user's key does not open.
        backend.records["mcpclient/v1/mallory/github/tokens"] = sealed
        with pytest.raises(mcpclient.McpInvalidError) as moved:
            store.get("mallory", "github", "tokens")
        assert moved.value.details["reason"] == "record_tampered"

        store.delete("alice", "github", "tokens")
        assert "mcpclient/v1/alice/github/tokens" not in backend.records
        assert store.get("alice", "github", "tokens") is None


def test_host_store_failures_are_user_errors_without_values():
    backend = DictBackend()
    with backend.store(key=KEY) as store:
        store.put("alice", "github", "tokens", SECRET)
        for operation in ("get", "put", "delete"):
            backend.fail = operation
            with pytest.raises(mcpclient.McpUserError) as failure:
                {"get": lambda: store.get("alice", "github", "tokens"),
                 "put": lambda: store.put("alice", "github", "tokens", SECRET),
                 "delete": lambda: store.delete("alice", "github", "tokens")}[operation]()
            assert failure.value.details["operation"] == operation
            text = json.dumps(failure.value.payload)
            assert "SECRET" not in text and "alice" not in text and KEY not in text
        backend.fail = None
        assert store.get("alice", "github", "tokens") == SECRET


def test_host_store_needs_a_key_or_explicit_plaintext(monkeypatch):
    monkeypatch.delenv("MCPCLIENT_STORE_KEY", raising=False)
    backend = DictBackend()
    with pytest.raises(mcpclient.McpConfigError) as refused:
        backend.store()
    assert "plaintext" in refused.value.message and refused.value.details["variable"] == "MCPCLIENT_STORE_KEY"
    with pytest.raises(mcpclient.McpConfigError):
        backend.store(plaintext=True, key=KEY)
    with backend.store(plaintext=True) as plain:
        plain.put("u", "s", "tokens", SECRET)
        assert backend.records["mcpclient/v1/u/s/tokens"] == SECRET
    monkeypatch.setenv("MCPCLIENT_STORE_KEY", KEY)
    with backend.store() as sealed:
        sealed.put("u", "s", "tokens", SECRET)
        assert backend.records["mcpclient/v1/u/s/tokens"] != SECRET
        assert sealed.get("u", "s", "tokens") == SECRET


def test_host_store_from_many_threads():
    backend = DictBackend()
    errors = []
    with backend.store(key=KEY) as store:
        def worker(index):
            try:
                for round_ in range(20):
                    value = f"value-{index}-{round_}".encode()
                    store.put(f"user{index}", "s", "tokens", value)
                    assert store.get(f"user{index}", "s", "tokens") == value
            except Exception as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == [] and len(backend.records) == 8


def test_raw_store_and_listener_arguments():
    def call(fn, *args):
        err = c_void_p()
        status = fn(*args, byref(err))
        text = B.take_string(err)
        return status, json.loads(text) if text else None

    invalid = mcpclient.Status.MCP_ERR_INVALID
    assert call(B.mcp_credential_store_new_memory, None)[0] == invalid
    assert call(B.mcp_credential_store_new_file, byref(c_void_p()), None)[0] == invalid
    # A CFUNCTYPE made without a callable is a NULL function pointer.
    null_fns = (B.mcp_store_get_fn(), B.mcp_store_put_fn(), B.mcp_store_delete_fn())
    status, error = call(B.mcp_credential_store_new_host, byref(c_void_p()), b'{"plaintext":true}', *null_fns, None)
    assert status == invalid and error["details"]["argument"] == "get_fn"
    assert call(B.mcp_credential_store_get, None, b"{}", byref(c_void_p()), byref(c_int64()))[0] == invalid
    assert B.mcp_store_value_set(None, b"x", 1) == invalid
    assert call(B.mcp_oauth_listener_new, None, None)[0] == invalid
    assert B.mcp_oauth_listener_cancel(None) == invalid
    assert call(B.mcp_oauth_listener_wait, None, 0, byref(c_void_p()))[0] == invalid
    B.mcp_credential_store_free(None)
    B.mcp_oauth_listener_free(None)


def test_listener_receives_the_callback():
    with mcpclient.LoopbackListener(path="/cb") as listener:
        uri = listener.redirect_uri
        assert uri == f"http://127.0.0.1:{listener.port}/cb"
        answers = []

        def browser():
            answers.append(fetch(f"http://127.0.0.1:{listener.port}/favicon.ico"))
            answers.append(fetch(uri + "?code=SECRET-CODE&state=abc"))

        thread = threading.Thread(target=browser)
        thread.start()
        url = listener.wait(timeout=10)
        thread.join()
        assert url == uri + "?code=SECRET-CODE&state=abc"
        assert answers[0][0] == 404
        assert answers[1][0] == 200 and "Authorization complete" in answers[1][1] and "SECRET-CODE" not in answers[1][1]
        with pytest.raises(mcpclient.McpClosedError):
            listener.wait(timeout=0.01)
    with pytest.raises(ValueError, match="already closed"):
        listener.wait(timeout=0.01)


def test_listener_expecting_a_state_ignores_other_callbacks():
    with mcpclient.LoopbackListener() as listener:
        auth_url = "https://as.example/authorize?client_id=c&state=the%2Bstate&redirect_uri=" + listener.redirect_uri
        listener.expect(auth_url)
        answers = []

        def browser():
            answers.append(fetch(listener.redirect_uri + "?code=FORGED&state=other"))
            answers.append(fetch(listener.redirect_uri + "?error=access_denied&error_description=forged"))
            answers.append(fetch(listener.redirect_uri + "?code=REAL&state=the%2Bstate"))

        thread = threading.Thread(target=browser)
        thread.start()
        url = listener.wait(timeout=10)
        thread.join()
        assert url == listener.redirect_uri + "?code=REAL&state=the%2Bstate"
        assert [status for status, _ in answers] == [400, 400, 200]
        assert "another sign-in" in answers[0][1] and "forged" not in answers[1][1]

    with mcpclient.LoopbackListener() as listener:
        listener.expect("plain-state")
        listener.expect(None)  # accepts any again
        thread = threading.Thread(target=lambda: fetch(listener.redirect_uri + "?code=x&state=whatever"))
        thread.start()
        assert listener.wait(timeout=10).endswith("state=whatever")
        thread.join()
        with pytest.raises(mcpclient.McpInvalidError):
            listener.expect("https://as.example/authorize?client_id=c")
        with pytest.raises(mcpclient.McpInvalidError):
            listener.expect("")


def test_listener_error_page_escapes_what_it_echoes():
    with mcpclient.LoopbackListener() as listener:
        answers = []
        thread = threading.Thread(target=lambda: answers.append(
            fetch(listener.redirect_uri + "?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E")))
        thread.start()
        url = listener.wait(timeout=10)
        thread.join()
        assert "error=access_denied" in url
        status, page = answers[0]
        assert status == 200 and "Authorization failed" in page and "&lt;b&gt;no&lt;/b&gt;" in page and "<b>" not in page


def test_listener_timeout_and_cancel():
    with mcpclient.LoopbackListener() as listener:
        start = time.monotonic()
        with pytest.raises(mcpclient.McpTimeoutError):
            listener.wait(timeout=0.2)
        assert 0.15 < time.monotonic() - start < 5

    with mcpclient.LoopbackListener() as listener:
        threading.Timer(0.2, listener.cancel).start()
        with pytest.raises(mcpclient.McpCancelledError):
            listener.wait()

    # close() from another thread also wakes the waiter.
    listener = mcpclient.LoopbackListener()
    threading.Timer(0.2, listener.close).start()
    with pytest.raises((mcpclient.McpCancelledError, mcpclient.McpClosedError)):
        listener.wait(timeout=10)


def test_listener_port_in_use():
    with mcpclient.LoopbackListener() as first:
        with pytest.raises(mcpclient.McpTransportError):
            mcpclient.LoopbackListener(port=first.port)
    with pytest.raises(mcpclient.McpConfigError):
        mcpclient.LoopbackListener(path="no-slash")
