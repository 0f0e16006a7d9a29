"""mcp_yaml_to_json and mcpclient.yaml_to_json: the library's YAML parser as a utility."""

from __future__ import annotations

import json
from ctypes import byref, c_void_p
from pathlib import Path

import pytest

import mcpclient
from mcpclient import _bindings as B

CASES_DIR = Path(__file__).resolve().parents[3] / "Tests" / "MCPClientConfigTests" / "yaml-cases"
CASES = sorted(p.stem for p in CASES_DIR.glob("*.yaml"))
# Where YAML 1.1 (PyYAML) and 1.2 core (this parser) disagree: yes/no/on booleans, 0o17 vs 017 octal, 1e3 without
# a dot, '! 12', keys 1 and true colliding in a Python dict.
PYYAML_DIFFERS = {"core-schema", "keys", "tags"}


def test_converts_a_librechat_style_document():
    text = (
        "version: 1.2.1\n"
        "mcpServers:\n"
        "  fs:\n"
        "    command: npx\n"
        "    args:\n"
        "      - -y\n"
        '      - "@modelcontextprotocol/server-filesystem"\n'
        "    timeout: 60000 # ms\n"
        "    env: {TOKEN: '${TOKEN}'}\n"
        "flags: [yes, true, ~, 0x10, 1.5]\n"
    )
    assert mcpclient.yaml_to_json(text) == {
        "version": "1.2.1",
        "mcpServers": {
            "fs": {
                "command": "npx",
                "args": ["-y", "@modelcontextprotocol/server-filesystem"],
                "timeout": 60000,
                "env": {"TOKEN": "${TOKEN}"},
            }
        },
        "flags": ["yes", True, None, 16, 1.5],
    }


def test_scalars_and_empty_documents():
    assert mcpclient.yaml_to_json("") is None
    assert mcpclient.yaml_to_json("# nothing\n") is None
    assert mcpclient.yaml_to_json("just text") == "just text"
    assert mcpclient.yaml_to_json("[1, 2]") == [1, 2]


def test_syntax_error_is_a_config_error_with_position_and_excerpt():
    with pytest.raises(mcpclient.McpConfigError) as info:
        mcpclient.yaml_to_json("servers:\n  a: 1\n  a: 2\n")
    err = info.value
    assert err.status == mcpclient.Status.MCP_ERR_CONFIG
    assert "duplicate key 'a'" in err.message
    assert err.details["line"] == 3 and err.details["column"] == 3
    assert err.details["firstLine"] == 2
    assert err.details["excerpt"] == "  a: 2\n  ^"


@pytest.mark.parametrize(
    "text, needle, line, column",
    [
        ("a:\n\tb: 1\n", "tab", 2, 1),
        ("a: 1\n---\nb: 2\n", "2 YAML documents", 2, 1),
        ("a: .inf\n", "cannot be represented in JSON", 1, 4),
        ("a: [1, 2\n", "missing ']'", 1, 4),
        ("a: !custom x\n", "unsupported tag", 1, 4),
    ],
)
def test_error_cases(text, needle, line, column):
    with pytest.raises(mcpclient.McpConfigError) as info:
        mcpclient.yaml_to_json(text)
    assert needle in info.value.message
    assert (info.value.details["line"], info.value.details["column"]) == (line, column)
    assert info.value.details["excerpt"].endswith(" " * (column - 1) + "^")


def test_alias_bomb_fails_cleanly():
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghij":
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    with pytest.raises(mcpclient.McpConfigError, match="alias bomb"):
        mcpclient.yaml_to_json(text)


def test_invalid_arguments():
    with pytest.raises(mcpclient.McpInvalidError):
        mcpclient.yaml_to_json(b"a: 1")  # type: ignore[arg-type]
    with pytest.raises(mcpclient.McpInvalidError, match="NUL"):
        mcpclient.yaml_to_json("a: 1\0")
    with pytest.raises(mcpclient.McpInvalidError):
        mcpclient.yaml_to_json("a: \ud800")


def _raw(yaml_bytes, with_out=True):
    out, err = c_void_p(), c_void_p()
    status = B.mcp_yaml_to_json(yaml_bytes, byref(out) if with_out else None, byref(err))
    error = B.take_string(err)
    return status, B.take_string(out), (json.loads(error) if error else None)


def test_raw_boundary():
    status, out, error = _raw(b"a: [1, {b: c}]")
    assert status == mcpclient.Status.MCP_OK and json.loads(out) == {"a": [1, {"b": "c"}]} and error is None
    for args in [(None,), (b"\xff\xfe: 1",), (b"a: 1", False)]:
        status, out, error = _raw(*args)
        assert status == mcpclient.Status.MCP_ERR_INVALID and out is None
        assert error["name"] == "MCP_ERR_INVALID"
    status, out, error = _raw(b"a: 'open")
    assert status == mcpclient.Status.MCP_ERR_CONFIG and out is None
    assert error["details"]["line"] == 1 and "excerpt" in error["details"]
    # out_error_json may be NULL.
    assert B.mcp_yaml_to_json(b"a: [", byref(c_void_p()), None) == mcpclient.Status.MCP_ERR_CONFIG


def test_corpus_is_present():
    assert len(CASES) >= 16


@pytest.mark.parametrize("name", CASES)
def test_conformance_corpus(name):
    expected = json.loads((CASES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert mcpclient.yaml_to_json((CASES_DIR / f"{name}.yaml").read_text(encoding="utf-8")) == expected


@pytest.mark.parametrize("name", sorted(set(CASES) - PYYAML_DIFFERS))
def test_agrees_with_pyyaml_where_yaml_1_1_and_1_2_agree(name):
    yaml = pytest.importorskip("yaml")
    text = (CASES_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert mcpclient.yaml_to_json(text) == json.loads(json.dumps(yaml.safe_load(text)))


def test_reads_what_pyyaml_writes():
    """PyYAML's emitter folds long scalars, quotes, and mixes flow and block styles; every document it writes for
    a seeded random corpus must read back as PyYAML reads it. U+0085/U+2028/U+2029 are left out: YAML 1.1 (PyYAML)
    takes them as line breaks, YAML 1.2 does not."""
    yaml = pytest.importorskip("yaml")
    import random

    rng = random.Random(7)
    alphabet = list("abc XYZ019-:#'\"\\\n\t.,[]{}&*!|>%@~?é😀") + ["  ", "\u00a0"]

    def text():
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))

    def value(depth=0):
        kind = rng.randint(0, 8 if depth < 4 else 4)
        if kind == 0:
            return None
        if kind == 1:
            return rng.choice([True, False])
        if kind == 2:
            return rng.randint(-(10**12), 10**12)
        if kind == 3:
            return rng.choice([0.5, -1.25, 1e10, 3.0])
        if kind == 4:
            return text()
        if kind in (5, 6):
            return {text() or "k": value(depth + 1) for _ in range(rng.randint(0, 4))}
        return [value(depth + 1) for _ in range(rng.randint(0, 4))]

    for _ in range(1000):
        document = yaml.safe_dump(
            value(),
            default_flow_style=rng.choice([False, True, None]),
            width=rng.choice([10, 20, 80, 1000]),
            allow_unicode=rng.choice([True, False]),
            explicit_start=rng.choice([True, False]),
        )
        assert mcpclient.yaml_to_json(document) == json.loads(json.dumps(yaml.safe_load(document))), document
