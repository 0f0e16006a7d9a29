"""Pieces both fixture servers share; each server registers them with its own SDK's decorators."""

from __future__ import annotations

import os
import struct
import sys
import zlib

INVALID_PARAMS = -32602

GREETING = "Hello from the mcpclient fixture server."


def tiny_png() -> bytes:
    """A valid 1x1 opaque red RGBA PNG, built by hand (no image library needed)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1x1, 8-bit, RGBA
    scanline = b"\x00" + b"\xff\x00\x00\xff"  # filter byte + one pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanline)) + chunk(b"IEND", b"")


def echo(text: str) -> str:
    return text


def add(a: int, b: int) -> int:
    return a + b


def env(name: str) -> str:
    return os.environ.get(name, "<unset>")


def write_stderr(text: str) -> str:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
    return "ok"


def greeting() -> str:
    return GREETING


def greet(name: str) -> str:
    return f"Please greet {name} warmly."


def register_plain_tools(server) -> None:
    """The tools whose code does not depend on the SDK."""
    server.tool(description="Return the given text unchanged.")(echo)
    server.tool(description="Add two integers.")(add)
    server.tool(description="Return the value of an environment variable, or <unset>.")(env)
    server.tool(description="Write the text to the server's stderr and return ok.")(write_stderr)
    server.resource("fixture://greeting", name="greeting", description="A fixed greeting.", mime_type="text/plain")(greeting)
    server.prompt(description="Ask the model to greet someone.")(greet)
