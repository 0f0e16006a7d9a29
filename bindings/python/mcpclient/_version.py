"""Package version and the runtime library version check (c-abi-style.md §7)."""

from __future__ import annotations

from . import _bindings as B

__version__ = "0.1.0"

# The library version these bindings were written against: major*10000 + minor*100 + patch,
# the same encoding as mcp_version_number() and MCP_VERSION_NUMBER in the header.
EXPECTED_VERSION = "0.1.0"
EXPECTED_VERSION_NUMBER = 100

_checked = False


class LibraryVersionError(RuntimeError):
    """The loaded libmcpclient.so is not the version these bindings expect."""


def version() -> str:
    """Version string of the loaded library (``mcp_version()``)."""
    raw = B.mcp_version()
    return raw.decode("utf-8") if raw is not None else ""


def version_number() -> int:
    """Version number of the loaded library (``mcp_version_number()``)."""
    return int(B.mcp_version_number())


def check_version() -> None:
    """Raise LibraryVersionError unless ``mcp_version_number()`` equals EXPECTED_VERSION_NUMBER.

    The sqlite idiom ``assert(sqlite3_libversion_number() == SQLITE_VERSION_NUMBER)``:
    these bindings declare one ABI; a different library must come with matching bindings.
    """
    global _checked
    runtime = version_number()
    if runtime != EXPECTED_VERSION_NUMBER:
        raise LibraryVersionError(
            f"libmcpclient version mismatch: the library reports {version()!r} ({runtime}), "
            f"these bindings expect {EXPECTED_VERSION!r} ({EXPECTED_VERSION_NUMBER})"
        )
    _checked = True


def ensure_version_checked() -> None:
    """check_version() once per process."""
    if not _checked:
        check_version()
