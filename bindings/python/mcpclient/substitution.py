"""Variable substitution for normalized server configs (docs/config-substitution.md).

    from mcpclient import resolve_server

    resolved = resolve_server(
        {"url": "https://mcp.example/{{LIBRECHAT_USER_ID}}", "headers": {"X-Key": "{{API_KEY}}"},
         "customUserVars": {"API_KEY": {"title": "API key"}}},
        user={"id": "u-1"}, user_vars={"API_KEY": "..."})
    resolved.server["url"]    # "https://mcp.example/u-1"
    resolved.scope            # "user"

Each function maps 1:1 onto a C function (``mcp_config_resolve``, ``mcp_config_prepare``,
``mcp_config_classify``). Keyword arguments become the context JSON's keys (``user_vars`` ->
``userVars``). Errors raise the matching ``McpError`` subclass; their text never holds a
substituted value. ``Resolved.server`` holds secrets (tokens, user values), so it is left out of
``repr()``.
"""

from __future__ import annotations

import json
from ctypes import byref, c_void_p
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import _bindings as B
from ._bindings import take_string
from .manager import JsonInput, _decode, _json_arg, _raise_for, _utf8

TIERS = ("operator", "admin", "user", "plugin")


@dataclass(frozen=True)
class Resolved:
    """``mcp_config_resolve``'s result."""

    server: Dict[str, Any] = field(repr=False)
    scope: str
    scope_reason: str
    deferred: bool
    deferred_fields: List[str]
    missing_user_vars: List[str]
    warnings: List[str]


@dataclass(frozen=True)
class Prepared:
    """``mcp_config_prepare``'s result."""

    server: Dict[str, Any] = field(repr=False)
    warnings: List[str]


@dataclass(frozen=True)
class Scope:
    """``mcp_config_classify``'s result: ``"app"``, ``"user"`` or ``"request"``, and why."""

    scope: str
    reason: str


def _call(fn: Any, what: str, *args: Optional[bytes]) -> Dict[str, Any]:
    out = c_void_p()
    err = c_void_p()
    try:
        status = fn(*args, byref(out), byref(err))
        _raise_for(status, err, what)
        return _decode(take_string(out), what)
    finally:
        take_string(out)


def _environment(context: Dict[str, Any], env: Optional[Mapping[str, str]], use_process_env: bool,
                 denylist: Optional[Sequence[str]]) -> None:
    if env is not None:
        context["env"] = dict(env)
    if use_process_env:
        context["useProcessEnv"] = True
    if denylist is not None:
        context["denylist"] = list(denylist)


def resolve_server(
    server: JsonInput,
    *,
    tier: Optional[str] = None,
    user: Optional[Mapping[str, Any]] = None,
    openid: Optional[Mapping[str, Any]] = None,
    graph: Optional[Mapping[str, Any]] = None,
    body: Optional[Mapping[str, Any]] = None,
    user_vars: Optional[Mapping[str, str]] = None,
    inputs: Optional[Mapping[str, Any]] = None,
    env: Optional[Mapping[str, str]] = None,
    use_process_env: bool = False,
    denylist: Optional[Sequence[str]] = None,
    workspace_folder: Optional[str] = None,
    user_home: Optional[str] = None,
    base_dir: Optional[str] = None,
    now: Optional[int] = None,
    allow_obo: bool = False,
) -> Resolved:
    """Resolve ``server`` (a normalized server config) for one connection."""
    context: Dict[str, Any] = {}
    for key, value in (("tier", tier), ("user", user), ("openid", openid), ("graph", graph), ("body", body),
                       ("userVars", user_vars), ("inputs", inputs), ("workspaceFolder", workspace_folder),
                       ("userHome", user_home), ("baseDir", base_dir), ("now", now)):
        if value is not None:
            context[key] = dict(value) if isinstance(value, Mapping) else value
    _environment(context, env, use_process_env, denylist)
    if allow_obo:
        context["allowObo"] = True
    result = _call(B.mcp_config_resolve, "mcp_config_resolve", _utf8(_json_arg(server, "server"), "server"),
                   _utf8(json.dumps(context, ensure_ascii=False), "context"))
    return Resolved(
        server=result["server"], scope=result["scope"], scope_reason=result["scopeReason"], deferred=result["deferred"],
        deferred_fields=result["deferredFields"], missing_user_vars=result["missingUserVars"], warnings=result["warnings"],
    )


def prepare_server(
    server: JsonInput,
    *,
    tier: str = "operator",
    env: Optional[Mapping[str, str]] = None,
    use_process_env: bool = False,
    denylist: Optional[Sequence[str]] = None,
    allow_obo: bool = False,
) -> Prepared:
    """Apply ``tier``'s rules and, for operator/admin, parse-time ``${VAR}`` expansion."""
    options: Dict[str, Any] = {"tier": tier}
    _environment(options, env, use_process_env, denylist)
    if allow_obo:
        options["allowObo"] = True
    result = _call(B.mcp_config_prepare, "mcp_config_prepare", _utf8(_json_arg(server, "server"), "server"),
                   _utf8(json.dumps(options, ensure_ascii=False), "options"))
    return Prepared(server=result["server"], warnings=result["warnings"])


def classify_server(server: JsonInput, tier: Optional[str] = None) -> Scope:
    """Which connection ``server`` gets; ``tier`` overrides its ``source.tier``."""
    result = _call(B.mcp_config_classify, "mcp_config_classify", _utf8(_json_arg(server, "server"), "server"),
                   _utf8(tier, "tier"))
    return Scope(scope=result["scope"], reason=result["reason"])
