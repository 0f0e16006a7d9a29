"""The ctypes declarations are checked against include/mcpclient.h, signature by signature.

A function added to, removed from or changed in the header (a parameter's type, their number or order, the
return type), a callback typedef that changes, or a status code that appears, moves or disappears fails here.
No library is needed: this reads the header and the declarations only.
"""

from __future__ import annotations

import ctypes
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import mcpclient
from mcpclient import Status, _bindings as B

HEADER_TEXT = (Path(__file__).resolve().parents[3] / "include" / "mcpclient.h").read_text()

HANDLES = re.findall(r"typedef struct (mcp_\w+) \1;", HEADER_TEXT)
CALLBACKS = {
    match.group(2): (match.group(1), match.group(3))
    for match in re.finditer(r"typedef\s+([\w\s*]+?)\s*\(\*\s*(mcp_\w+)\)\s*\(([^)]*)\);", HEADER_TEXT)
}

# C type (whitespace-normalised, as written in the header) -> the ctypes types that bind it faithfully.
# `const uint8_t *` inputs may be bound as c_char_p (bytes): same pointer, and ctypes passes bytes without a copy.
SCALARS: Dict[str, Tuple[Any, ...]] = {
    "void": (None,),
    "mcp_status": (ctypes.c_int32,),
    "int32_t": (ctypes.c_int32,),
    "int64_t": (ctypes.c_int64,),
    "uint64_t": (ctypes.c_uint64,),
    "const char *": (ctypes.c_char_p,),
    "char *": (ctypes.c_void_p,),  # mcp_string_free takes back an owned pointer, never a Python bytes copy
    "char **": ("owned string",),
    "void *": (ctypes.c_void_p,),
    "int64_t *": ("pointer", ctypes.c_int64),
    "uint64_t *": ("pointer", ctypes.c_uint64),
    "const uint8_t *": (ctypes.c_char_p, "pointer", ctypes.c_uint8),
}


def _normalise(c_type: str) -> str:
    c_type = re.sub(r"\s+", " ", c_type.strip())
    c_type = re.sub(r"\s*\*", " *", c_type)
    return re.sub(r"\* \*", "**", c_type)


def _split_parameter(parameter: str) -> str:
    """`const char *name` -> `const char *` (the type without the name)."""
    parameter = parameter.strip()
    match = re.match(r"^(.*?)(\w+)$", parameter)
    assert match, parameter
    return _normalise(match.group(1))


def header_functions() -> Dict[str, Tuple[str, List[str]]]:
    functions = {}
    for match in re.finditer(r"MCP_EXTERN\s+([^;(]*?)\s*\b(mcp_\w+)\s*\(([^)]*)\)\s*;", HEADER_TEXT):
        return_type, name, raw = _normalise(match.group(1)), match.group(2), match.group(3).strip()
        parameters = [] if raw in ("", "void") else [_split_parameter(p) for p in raw.split(",")]
        functions[name] = (return_type, parameters)
    return functions


def header_statuses() -> Dict[str, int]:
    body = re.search(r"typedef enum mcp_status \{(.*?)\} mcp_status;", HEADER_TEXT, re.S)
    assert body, "no mcp_status enum in the header"
    text = re.sub(r"/\*.*?\*/", "", body.group(1), flags=re.S)
    return {name: int(value) for name, value in re.findall(r"\b(MCP_\w+)\s*=\s*(-?\d+)", text)}


def matches(c_type: str, bound: Any) -> bool:
    """True when the ctypes type ``bound`` is a faithful binding of the C type."""
    if c_type in SCALARS:
        options = SCALARS[c_type]
        if "owned string" in options:
            # char ** out-params receive owned strings: POINTER(c_void_p), never c_char_p (c-abi-style §11.4).
            return bound is ctypes.POINTER(ctypes.c_void_p)
        if "pointer" in options and bound is ctypes.POINTER(options[options.index("pointer") + 1]):
            return True
        return bound in [option for option in options if option != "pointer" and not isinstance(option, str)] \
            and not (isinstance(bound, type) and issubclass(bound, ctypes._Pointer))
    if c_type in CALLBACKS:
        return bound is getattr(B, c_type)
    handle = c_type.rstrip(" *")
    if handle in HANDLES:
        stars = c_type.count("*")
        return bound is ctypes.c_void_p if stars == 1 else bound is ctypes.POINTER(ctypes.c_void_p) if stars == 2 else False
    raise AssertionError(f"the header uses a C type this test does not know: {c_type!r}; teach SCALARS about it")


FUNCTIONS = header_functions()


def test_the_header_was_parsed():
    # A parser that silently found nothing would make every check below vacuous.
    assert len(FUNCTIONS) == len(re.findall(r"^MCP_EXTERN ", HEADER_TEXT, re.M))
    assert len(FUNCTIONS) > 70 and "mcp_manager_call_tool" in FUNCTIONS
    assert FUNCTIONS["mcp_manager_call_tool"] == (
        "mcp_status", ["mcp_manager *", "const char *", "const char *", "const char *", "int32_t", "char **", "char **"])
    assert {"mcp_manager", "mcp_credential_store", "mcp_store_value", "mcp_oauth_listener"} <= set(HANDLES)
    assert len(CALLBACKS) >= 5


def test_declared_functions_are_exactly_the_header_functions():
    assert sorted(B.FUNCTIONS) == sorted(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_signature_matches_the_header(name):
    return_type, parameters = FUNCTIONS[name]
    declared = B.FUNCTIONS[name]
    assert len(declared.argtypes) == len(parameters), f"{name}: {len(parameters)} parameters in the header"
    for index, (c_type, bound) in enumerate(zip(parameters, declared.argtypes)):
        assert matches(c_type, bound), f"{name} parameter {index}: header {c_type!r}, bound {bound!r}"
    assert matches(return_type, declared.restype), f"{name} returns {return_type!r}, bound {declared.restype!r}"


@pytest.mark.parametrize("name", sorted(CALLBACKS))
def test_callback_typedef_matches_the_header(name):
    return_type, raw = CALLBACKS[name]
    bound = getattr(B, name)
    parameters = [_split_parameter(p) for p in raw.split(",")]
    assert len(bound._argtypes_) == len(parameters), name
    for index, (c_type, argument) in enumerate(zip(parameters, bound._argtypes_)):
        if c_type.rstrip(" *") in HANDLES:  # a callback receives a borrowed handle
            assert argument is ctypes.c_void_p, (name, index)
        else:
            assert matches(c_type, argument), f"{name} parameter {index}: header {c_type!r}, bound {argument!r}"
    assert matches(_normalise(return_type), bound._restype_), name


def test_signature_check_catches_a_changed_declaration(monkeypatch):
    # The check above must be able to fail: swap one argument type and see it refuse.
    declared = B.FUNCTIONS["mcp_manager_call_tool"]
    monkeypatch.setattr(declared, "argtypes", [*declared.argtypes[:4], ctypes.c_int64, *declared.argtypes[5:]])
    with pytest.raises(AssertionError):
        test_signature_matches_the_header("mcp_manager_call_tool")
    monkeypatch.setattr(declared, "argtypes", declared.argtypes[:-1])
    with pytest.raises(AssertionError):
        test_signature_matches_the_header("mcp_manager_call_tool")


def test_owned_strings_are_never_c_char_p():
    assert not matches("char **", ctypes.POINTER(ctypes.c_char_p))
    assert not matches("const char *", ctypes.c_void_p)


def test_status_enum_is_the_headers():
    codes = header_statuses()
    assert codes["MCP_ERR_PERMISSION"] == -15 and codes["MCP_ERR_UNAVAILABLE"] == -16
    assert {status.name: int(status) for status in Status} == codes


@pytest.mark.parametrize("name,code", sorted(header_statuses().items(), key=lambda item: -item[1]))
def test_every_header_code_has_its_exception(name, code):
    if code == 0:
        return
    cls = mcpclient.error_class(code)
    assert issubclass(cls, mcpclient.McpError)
    assert cls.default_status == code
    assert cls.__doc__ and name in cls.__doc__, f"{cls.__name__}'s docstring should name {name}"
    if name != "MCP_ERROR":
        assert cls is not mcpclient.McpError
        assert cls.__name__ in mcpclient.__all__ and getattr(mcpclient, cls.__name__) is cls
    error = mcpclient._errors.error_from_status(code, None)
    assert type(error) is cls and error.name == name and error.status == code


def test_every_header_function_is_reachable_from_the_pythonic_layer():
    # A function bound in _bindings but called by no Python module would be unusable without ctypes code.
    package = Path(mcpclient.__file__).resolve().parent
    used = set()
    for module in package.glob("*.py"):
        if module.name != "_bindings.py":
            used.update(re.findall(r"\bB\.(mcp_\w+)\b", module.read_text()))
    # mcp_string_free is called by _bindings' own take_string/take_bytes, which every module uses.
    used.add("mcp_string_free")
    assert sorted(set(FUNCTIONS) - used) == []
