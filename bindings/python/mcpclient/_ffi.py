"""Finding and loading libmcpclient.so.

Search order (c-abi-style.md §11.2):

1. ``MCPCLIENT_LIB_PATH`` — a file, or a directory holding ``libmcpclient.so``.
   When it is set it is authoritative: a wrong value is an error, never
   silently replaced by another copy of the library.
2. The package itself: ``mcpclient/lib/libmcpclient.so``, then
   ``mcpclient/libmcpclient.so``, then next to the package folder.
3. The Swift build folders of the source checkout this package lives in
   (the nearest parent folder with a ``Package.swift``): whichever of
   ``.build/self-contained``, ``.build/release`` and ``.build/debug`` was built
   most recently, so a stale build never shadows a fresh one.

Loading is lazy and happens once; ``load()`` returns the cached ``CDLL``.
"""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path
from typing import List, Optional

LIB_NAME = "libmcpclient.so"
ENV_VAR = "MCPCLIENT_LIB_PATH"
BUILD_FOLDERS = ("self-contained", "release", "debug")

_PACKAGE_DIR = Path(__file__).resolve().parent

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[Path] = None


class LibraryNotFoundError(ImportError):
    """libmcpclient.so could not be found or loaded. ``tried`` lists every path looked at."""

    def __init__(self, message: str, tried: List[str]):
        super().__init__(message)
        self.tried = tried


def _repo_root(start: Path = _PACKAGE_DIR) -> Optional[Path]:
    """The nearest ancestor of the package folder that holds a Package.swift (the source checkout)."""
    for folder in (start, *start.parents):
        if (folder / "Package.swift").is_file():
            return folder
    return None


def candidate_paths() -> List[Path]:
    """Every place looked at after the environment override, in order."""
    paths = [
        _PACKAGE_DIR / "lib" / LIB_NAME,
        _PACKAGE_DIR / LIB_NAME,
        _PACKAGE_DIR.parent / LIB_NAME,
    ]
    root = _repo_root()
    if root is not None:
        builds = [root / ".build" / folder / LIB_NAME for folder in BUILD_FOLDERS]
        builds.sort(key=lambda path: path.stat().st_mtime if path.is_file() else 0.0, reverse=True)
        paths.extend(builds)
    return paths


def _open(path: Path) -> ctypes.CDLL:
    # RTLD_LOCAL: the library's (statically linked) Swift runtime symbols stay private.
    return ctypes.CDLL(str(path), mode=getattr(os, "RTLD_LOCAL", 0) | getattr(os, "RTLD_NOW", 0))


def find_library() -> Path:
    """The path that ``load()`` would open, without opening it."""
    tried: List[str] = []
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override).expanduser()
        if path.is_dir():
            path = path / LIB_NAME
        if path.is_file():
            return path
        raise LibraryNotFoundError(
            f"{ENV_VAR} is set to {override!r}, but {path} does not exist "
            f"(unset it to search the default locations)",
            [str(path)],
        )
    tried.append(f"${ENV_VAR} (not set)")
    for path in candidate_paths():
        tried.append(str(path))
        if path.is_file():
            return path
    raise LibraryNotFoundError(
        f"{LIB_NAME} not found. Set {ENV_VAR} to its path, or build it with `swift build`. Tried:\n  "
        + "\n  ".join(tried),
        tried,
    )


def load() -> ctypes.CDLL:
    """Load libmcpclient.so once and return it. Raises LibraryNotFoundError."""
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            path = find_library()
            try:
                lib = _open(path)
            except OSError as exc:
                raise LibraryNotFoundError(f"found {path} but could not load it: {exc}", [str(path)]) from exc
            _lib_path = path
            _lib = lib
    return _lib


def library_path() -> Optional[Path]:
    """The path of the loaded library, or None before the first load."""
    return _lib_path
