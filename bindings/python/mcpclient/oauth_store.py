"""OAuth credential stores and the loopback redirect listener (docs/oauth.md).

Stores hold tokens, client registrations and pending flows, keyed by ``(user, server, kind)``::

    store = FileStore("/var/lib/app/mcp-credentials", key_env="APP_STORE_KEY")
    store.put("alice", "github", "tokens", b'{"access_token": "..."}', ttl=3600)
    store.get("alice", "github", "tokens")

``HostStore(get, put, delete)`` keeps records wherever the host likes (Redis, a database): the three callables
receive the record's canonical key (``"mcpclient/v1/<user>/<server>/<kind>"``) and opaque bytes. By default the
bytes are AES-256-GCM sealed before ``put`` sees them (a key from ``key``/``key_env``, else
``MCPCLIENT_STORE_KEY``); ``plaintext=True`` opts out explicitly.

``LoopbackListener`` receives the authorization redirect on ``http://127.0.0.1:<port>/callback``::

    with LoopbackListener() as listener:
        redirect_uri = listener.redirect_uri      # register / send this
        ...open the authorization URL in a browser...
        callback_url = listener.wait(timeout=300)  # full URL with code and state (a secret)
"""

from __future__ import annotations

import ctypes
import json
import threading
from ctypes import byref, c_int64, c_void_p
from typing import Any, Callable, Dict, List, Optional

from . import _bindings as B
from ._bindings import Status, take_bytes, take_string
from ._errors import McpError, McpInvalidError
from ._managed import Managed
from ._version import ensure_version_checked
from .manager import _int32, _raise_for, _utf8

__all__ = ["CredentialStore", "MemoryStore", "FileStore", "HostStore", "LoopbackListener"]

# Host callback results (docs/abi/json.md "Credential stores"); for lock, 1 means busy.
_OK = 0
_NOT_FOUND = 1
_FAILED = -1


def _key_options(key: Optional[str], key_env: Optional[str], key_id: Optional[str],
                 previous_keys: Optional[List[Dict[str, str]]]) -> Dict[str, Any]:
    options: Dict[str, Any] = {}
    if key is not None:
        options["key"] = key
    if key_env is not None:
        options["keyEnv"] = key_env
    if key_id is not None:
        options["keyId"] = key_id
    if previous_keys is not None:
        options["previousKeys"] = [
            {{"key_env": "keyEnv", "key_id": "keyId"}.get(name, name): value for name, value in entry.items()}
            for entry in previous_keys
        ]
    return options


def _key_json(user: str, server: str, kind: str) -> bytes:
    for name, value in (("user", user), ("server", server), ("kind", kind)):
        if not isinstance(value, str):
            raise McpInvalidError(f"{name} must be a str, not {type(value).__name__}", source="local")
    return _utf8(json.dumps({"user": user, "server": server, "kind": kind}), "key") or b""


class CredentialStore(Managed):
    """A ``mcp_credential_store`` handle: ``get``/``put``/``delete`` of bytes by ``(user, server, kind)``."""

    def __init__(self, create: Callable[[Any, Any], int], what: str):
        ensure_version_checked()
        out = c_void_p()
        err = c_void_p()
        status = create(byref(out), byref(err))
        try:
            _raise_for(status, err, what)
        except BaseException:
            if out.value:
                B.mcp_credential_store_free(out.value)
            raise
        if not out.value:
            raise McpError(f"{what} returned MCP_OK but no handle", source="local")
        super().__init__(out.value)

    def _delete(self, ptr: Any) -> None:
        B.mcp_credential_store_free(ptr)

    def get(self, user: str, server: str, kind: str) -> Optional[bytes]:
        """The record's bytes (decrypted for encrypted stores), or None when absent or expired."""
        key = _key_json(user, server, kind)
        out = c_void_p()
        length = c_int64()
        err = c_void_p()
        try:
            status = B.mcp_credential_store_get(self.ptr(), key, byref(out), byref(length), byref(err))
            if status == Status.MCP_ERR_NOT_FOUND:
                take_string(err)
                return None
            _raise_for(status, err, "credential store get")
            return take_bytes(out, length.value) or b""
        finally:
            take_bytes(out, 0)

    def put(self, user: str, server: str, kind: str, value: bytes, ttl: Optional[int] = None) -> None:
        """Store ``value`` (replacing any previous record), for ``ttl`` seconds or until deleted."""
        if not isinstance(value, (bytes, bytearray)):
            raise McpInvalidError(f"value must be bytes, not {type(value).__name__}", source="local")
        if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0):
            raise McpInvalidError("ttl must be a non-negative int or None", source="local")
        key = _key_json(user, server, kind)
        err = c_void_p()
        data = bytes(value)
        status = B.mcp_credential_store_put(self.ptr(), key, data, len(data), -1 if ttl is None else ttl, byref(err))
        _raise_for(status, err, "credential store put")

    def delete(self, user: str, server: str, kind: str) -> None:
        """Remove the record (an absent one is fine)."""
        key = _key_json(user, server, kind)
        err = c_void_p()
        _raise_for(B.mcp_credential_store_delete(self.ptr(), key, byref(err)), err, "credential store delete")


class MemoryStore(CredentialStore):
    """Records in the library's process memory."""

    def __init__(self) -> None:
        super().__init__(B.mcp_credential_store_new_memory, "mcp_credential_store_new_memory")


class FileStore(CredentialStore):
    """AES-256-GCM encrypted files in ``directory`` (0700; one 0600 file per record).

    The key is 32 bytes in base64: ``key`` itself, or the name of an environment variable holding it
    (``key_env``; default ``MCPCLIENT_STORE_KEY``). ``previous_keys`` (``[{"key"|"key_env": …, "key_id": …}]``)
    keep records written before a key rotation readable.
    """

    def __init__(self, directory: str, *, key: Optional[str] = None, key_env: Optional[str] = None,
                 key_id: Optional[str] = None, previous_keys: Optional[List[Dict[str, str]]] = None):
        options = {"directory": directory, **_key_options(key, key_env, key_id, previous_keys)}
        options_json = _utf8(json.dumps(options), "options")
        super().__init__(lambda out, err: B.mcp_credential_store_new_file(out, options_json, err),
                         "mcp_credential_store_new_file")


class HostStore(CredentialStore):
    """Records kept by Python callables:

    * ``get(key: str) -> Optional[bytes]`` (None: no record),
    * ``put(key: str, value: bytes, ttl: Optional[int]) -> None`` (``ttl`` seconds, None: keep),
    * ``delete(key: str) -> None``.

    Optionally, leases shared by every process using the same storage, so a token refresh is single-flight
    across processes (a rotating refresh token is redeemed once; docs/oauth.md "Cross-process refresh lock"):

    * ``lock(name: str, token: str, ttl_ms: int) -> bool``: take ``name`` for ``token`` unless another token
      holds an unexpired lease (False: busy; the library polls). The lease must lapse after ``ttl_ms``
      (Redis: ``SET name token NX PX ttl_ms``).
    * ``unlock(name: str, token: str) -> None``: release ``name`` only if ``token`` still holds it.

    Without them leases are process-local. They are called from library threads, possibly concurrently, and must
    be thread-safe; an exception is reported to the library's caller as ``McpUserError`` (naming the operation,
    never a value). Values are sealed unless ``plaintext=True``. Keep this object alive while any manager uses the
    store.
    """

    def __init__(self, get: Callable[[str], Optional[bytes]], put: Callable[[str, bytes, Optional[int]], None],
                 delete: Callable[[str], None], *, lock: Optional[Callable[[str, str, int], bool]] = None,
                 unlock: Optional[Callable[[str, str], None]] = None, key: Optional[str] = None,
                 key_env: Optional[str] = None, key_id: Optional[str] = None,
                 previous_keys: Optional[List[Dict[str, str]]] = None, plaintext: bool = False):
        for name, function in (("get", get), ("put", put), ("delete", delete)):
            if not callable(function):
                raise McpInvalidError(f"{name} must be callable", source="local")
        if (lock is None) != (unlock is None):
            raise McpInvalidError("lock and unlock must be given together", source="local")
        for name, function in (("lock", lock), ("unlock", unlock)):
            if function is not None and not callable(function):
                raise McpInvalidError(f"{name} must be callable", source="local")
        options = _key_options(key, key_env, key_id, previous_keys)
        if plaintext:
            options["plaintext"] = True
        options_json = _utf8(json.dumps(options), "options")

        def on_get(raw_key: bytes, sink: Any, _user_data: Any) -> int:
            try:
                value = get(raw_key.decode("utf-8"))
                if value is None:
                    return _NOT_FOUND
                data = bytes(value)
                return _OK if B.mcp_store_value_set(sink, data, len(data)) == Status.MCP_OK else _FAILED
            except BaseException:  # noqa: BLE001 -- nothing may unwind into C
                return _FAILED

        def on_put(raw_key: bytes, data: Any, length: int, ttl: int, _user_data: Any) -> int:
            try:
                value = ctypes.string_at(data, length) if length > 0 else b""
                put(raw_key.decode("utf-8"), value, None if ttl < 0 else ttl)
                return _OK
            except BaseException:  # noqa: BLE001
                return _FAILED

        def on_delete(raw_key: bytes, _user_data: Any) -> int:
            try:
                delete(raw_key.decode("utf-8"))
                return _OK
            except BaseException:  # noqa: BLE001
                return _FAILED

        # The C function pointers live as long as this object (c-abi-style §11.5).
        self._get_fn = B.mcp_store_get_fn(on_get)
        self._put_fn = B.mcp_store_put_fn(on_put)
        self._delete_fn = B.mcp_store_delete_fn(on_delete)
        if lock is None or unlock is None:
            super().__init__(
                lambda out, err: B.mcp_credential_store_new_host(
                    out, options_json, self._get_fn, self._put_fn, self._delete_fn, None, err),
                "mcp_credential_store_new_host")
            return

        def on_lock(raw_name: bytes, raw_token: bytes, ttl_ms: int, _user_data: Any) -> int:
            try:
                return _OK if lock(raw_name.decode("utf-8"), raw_token.decode("ascii"), ttl_ms) else _NOT_FOUND
            except BaseException:  # noqa: BLE001
                return _FAILED

        def on_unlock(raw_name: bytes, raw_token: bytes, _user_data: Any) -> int:
            try:
                unlock(raw_name.decode("utf-8"), raw_token.decode("ascii"))
                return _OK
            except BaseException:  # noqa: BLE001
                return _FAILED

        self._lock_fn = B.mcp_store_lock_fn(on_lock)
        self._unlock_fn = B.mcp_store_unlock_fn(on_unlock)
        super().__init__(
            lambda out, err: B.mcp_credential_store_new_host_locking(
                out, options_json, self._get_fn, self._put_fn, self._delete_fn, self._lock_fn, self._unlock_fn, None, err),
            "mcp_credential_store_new_host_locking")


class LoopbackListener(Managed):
    """A one-shot HTTP listener on 127.0.0.1 for the authorization redirect (``mcp_oauth_listener``).

    ``wait`` blocks (without holding the GIL) until the browser brings the callback; ``cancel`` or ``close`` from
    another thread wakes it with ``McpCancelledError``.
    """

    def __init__(self, port: int = 0, path: str = "/callback"):
        ensure_version_checked()
        if isinstance(port, bool) or not isinstance(port, int):
            raise McpInvalidError("port must be an int", source="local")
        options_json = _utf8(json.dumps({"port": port, "path": path}), "options")
        out = c_void_p()
        err = c_void_p()
        status = B.mcp_oauth_listener_new(byref(out), options_json, byref(err))
        try:
            _raise_for(status, err, "mcp_oauth_listener_new")
        except BaseException:
            if out.value:
                B.mcp_oauth_listener_free(out.value)
            raise
        if not out.value:
            raise McpError("mcp_oauth_listener_new returned MCP_OK but no handle", source="local")
        super().__init__(out.value)
        self._redirect_uri: Optional[str] = None
        self._uri_lock = threading.Lock()

    def _delete(self, ptr: Any) -> None:
        B.mcp_oauth_listener_free(ptr)

    @property
    def redirect_uri(self) -> str:
        """``http://127.0.0.1:<port><path>``."""
        with self._uri_lock:
            if self._redirect_uri is None:
                out = c_void_p()
                err = c_void_p()
                try:
                    _raise_for(B.mcp_oauth_listener_redirect_uri(self.ptr(), byref(out), byref(err)), err, "redirect_uri")
                    self._redirect_uri = take_string(out) or ""
                finally:
                    take_string(out)
            return self._redirect_uri

    @property
    def port(self) -> int:
        return int(self.redirect_uri.split(":")[2].split("/")[0])

    def wait(self, timeout: Optional[float] = None) -> str:
        """The full callback URL (query included; it holds the authorization code). ``timeout`` in seconds, None
        waits without limit. Raises ``McpTimeoutError``, ``McpCancelledError`` or ``McpClosedError``."""
        timeout_ms = -1 if timeout is None else _int32(max(0, int(timeout * 1000)), "timeout")
        out = c_void_p()
        err = c_void_p()
        try:
            status = B.mcp_oauth_listener_wait(self.ptr(), timeout_ms, byref(out), byref(err))
            _raise_for(status, err, "wait")
            return take_string(out) or ""
        finally:
            take_string(out)

    def expect(self, auth_url_or_state: Optional[str]) -> None:
        """Accept only the callback of one sign-in: its authorization URL (``flow["authUrl"]``; its ``state`` is
        used) or the state itself. Other callbacks get a 400 page and waiting goes on. None accepts any again."""
        expected = None if auth_url_or_state is None else _utf8(auth_url_or_state, "auth_url_or_state")
        err = c_void_p()
        _raise_for(B.mcp_oauth_listener_expect(self.ptr(), expected, byref(err)), err, "expect")

    def cancel(self) -> None:
        """Stop the listener; a waiter raises ``McpCancelledError``."""
        ptr = self._ptr
        if ptr is not None:
            B.mcp_oauth_listener_cancel(ptr)
