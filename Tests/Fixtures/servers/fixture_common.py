"""Pieces both fixture servers share; each server registers them with its own SDK's decorators."""

from __future__ import annotations

import os
import stat
import struct
import sys
import threading
import zlib
from typing import Literal

from pydantic import BaseModel

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


NAMES = ["Ada", "Alan", "Barbara", "Grace"]


def name_completions(ref, argument) -> list[str] | None:
    """Completions for the `name` argument of the prompt `greet`; None for anything else."""
    if getattr(ref, "type", None) == "ref/prompt" and getattr(ref, "name", None) == "greet" and argument.name == "name":
        return [name for name in NAMES if name.lower().startswith(argument.value.lower())]
    return None


def item(id: str) -> str:
    return f"item {id}"


def register_plain_tools(server) -> None:
    """The tools whose code does not depend on the SDK."""
    server.tool(description="Return the given text unchanged.")(echo)
    server.tool(description="Add two integers.")(add)
    server.tool(description="Return the value of an environment variable, or <unset>.")(env)
    server.tool(description="Write the text to the server's stderr and return ok.")(write_stderr)
    server.resource("fixture://greeting", name="greeting", description="A fixed greeting.", mime_type="text/plain")(greeting)
    server.prompt(description="Ask the model to greet someone.")(greet)
    server.resource("fixture://items/{id}", name="item", description="One item by id.", mime_type="text/plain")(item)


# --- shared by the list-change, structured-output and elicitation tools -------------------------

COUNTER_URI = "fixture://counter"

NAME_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
"""Form-elicitation schema the task-mode `long_job(ask=true)` asks with."""


class Weather(BaseModel):
    """Output model of the `weather` tool; its JSON schema is both weather tools' outputSchema."""

    city: str
    temperature: float
    conditions: Literal["sunny", "cloudy", "rainy", "snowy"]


def weather_report(city: str) -> Weather:
    return Weather(city=city, temperature=21.5, conditions="sunny")


def bad_weather_report(city: str) -> dict:
    """Violates Weather's schema on purpose: temperature is a string."""
    return {"city": city, "temperature": "warm", "conditions": "sunny"}


BAD_WEATHER = "bad_weather"


def on_stdin_eof(callback) -> None:
    """Call `callback` (from a helper thread) once stdin reaches EOF, so a server dies with whoever started it.
    Stdin that is /dev/null (or closed) is not watched: it would end at once."""
    try:
        st = os.fstat(0)
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == os.stat(os.devnull).st_rdev:
            return
    except OSError:
        return

    def watch() -> None:
        try:
            while os.read(0, 65536):
                pass
        except OSError:
            pass
        callback()

    threading.Thread(target=watch, daemon=True).start()
