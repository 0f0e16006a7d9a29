"""Lifetime management for native handles (c-abi-style.md §11.6, after wasmtime-py's Managed)."""

from __future__ import annotations

import threading
from typing import Any, Optional


class Managed:
    """Owns one native handle.

    * ``ptr()`` returns the handle, or raises ``ValueError('already closed')``.
    * ``close()`` is idempotent and thread-safe: the handle is released exactly once
      through ``_delete``.
    * The object is a context manager, and ``__del__`` closes a forgotten handle.
    """

    _ptr: Optional[Any] = None

    def __init__(self, ptr: Any):
        if not ptr:
            raise ValueError("cannot manage a NULL handle")
        self._ptr = ptr
        self._close_lock = threading.Lock()

    def ptr(self) -> Any:
        ptr = self._ptr
        if ptr is None:
            raise ValueError("already closed")
        return ptr

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def _delete(self, ptr: Any) -> None:
        """Release the native handle. Called at most once."""
        raise NotImplementedError

    def close(self) -> None:
        lock = getattr(self, "_close_lock", None)
        if lock is None:  # __init__ failed before the handle was stored
            return
        with lock:
            ptr = self._ptr
            if ptr is None:
                return
            self._ptr = None
        self._delete(ptr)

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            # Interpreter shutdown: the library or ctypes may already be torn down.
            pass
