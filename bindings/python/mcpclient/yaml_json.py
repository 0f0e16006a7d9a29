"""YAML through the library's own parser (``mcp_yaml_to_json``).

Hosts that keep other settings next to ``mcpServers`` in one YAML file (LibreChat's
``librechat.yaml``, for one) read it with the same parser the library uses, so both
agree on every value: YAML 1.2 core schema (``yes``/``no``/``on`` stay strings,
``0o17`` is octal, ``012`` is twelve), one document per file, duplicate keys and tabs
used as indentation refused, anchors/aliases/merge keys (``<<``) supported with a
limit against alias bombs. Details: docs/config-yaml.md.
"""

from __future__ import annotations

import json
from ctypes import byref, c_void_p
from typing import Any

from . import _bindings as B
from ._bindings import Status, encode, take_string
from ._errors import McpError, McpInvalidError, error_from_status


def yaml_to_json(text: str) -> Any:
    """Parse ``text`` (one YAML document) and return it as Python objects (dict, list, str, int, float, bool, None).

    Raises ``McpConfigError`` on a syntax error; its ``details`` hold ``line``, ``column`` and ``excerpt`` (the
    offending line with a caret under the column), plus ``key``/``firstLine`` for duplicate keys.
    Raises ``McpInvalidError`` when ``text`` is not a str or holds a NUL or a lone surrogate.
    """
    if not isinstance(text, str):
        raise McpInvalidError(f"text must be a str, not {type(text).__name__}", source="local")
    if "\0" in text:
        raise McpInvalidError("text contains a NUL character, which YAML does not allow", source="local")
    try:
        raw = encode(text)
    except UnicodeEncodeError as exc:
        raise McpInvalidError(f"text is not valid UTF-8: {exc}", source="local") from exc
    out = c_void_p()
    err = c_void_p()
    try:
        status = B.mcp_yaml_to_json(raw, byref(out), byref(err))
        error_json = take_string(err)
        if status != Status.MCP_OK:
            raise error_from_status(status, error_json, "yaml_to_json failed")
        result = take_string(out)
    finally:
        take_string(out)
    if result is None:
        raise McpError("the library returned MCP_OK but no JSON", source="local")
    return json.loads(result)
