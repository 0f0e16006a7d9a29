"""Server configuration files of every common format, normalized.

    from mcpclient import load_config

    cfg = load_config(open("librechat.yaml").read())          # format auto-detected
    for d in cfg.diagnostics:                                 # warnings (unknown keys, ...)
        print(d)
    print(cfg.servers["github"]["url"])
    text = cfg.export("yaml")                                 # secrets left out unless include_secrets=True

Formats: ``librechat`` (YAML), ``claude``, ``cursor``, ``vscode``, ``fastmcp``, ``mcp-use``,
``pandorakit`` (a ``PATCH /api/config`` merge patch; pass ``registry`` to apply it), ``aeontel``
(create bodies; ``update=<server>`` with ``registry`` for a PATCH body) and ``normalized`` (an export).
A config with errors raises :class:`McpConfigError` whose ``diagnostics`` lists every problem.
"""

from __future__ import annotations

import json
from ctypes import byref, c_void_p
from typing import Any, Dict, List, Optional, Union

from . import _bindings as B
from ._bindings import Status, take_string
from ._errors import McpConfigError, McpError, McpInvalidError, error_from_status
from ._version import ensure_version_checked

FORMATS = ("auto", "librechat", "claude", "cursor", "vscode", "fastmcp", "mcp-use", "pandorakit", "aeontel", "normalized")
TIERS = ("operator", "admin", "user", "plugin")


class ConfigDiagnostic:
    """One problem in a config text: ``severity`` (``"error"``/``"warning"``), a stable ``code``, the key
    ``path`` as written (``mcpServers.github.oauth.client_secret``), ``line``/``column`` (1-based, when the
    text had positions), a ``message``, and a ``suggestion`` for misspelled keys."""

    __slots__ = ("severity", "code", "path", "message", "line", "column", "suggestion", "excerpt", "server")

    def __init__(self, data: Dict[str, Any]):
        self.severity: str = data.get("severity", "error")
        self.code: str = data.get("code", "")
        self.path: str = data.get("path", "")
        self.message: str = data.get("message", "")
        self.line: Optional[int] = data.get("line")
        self.column: Optional[int] = data.get("column")
        self.suggestion: Optional[str] = data.get("suggestion")
        self.excerpt: Optional[str] = data.get("excerpt")
        self.server: Optional[str] = data.get("server")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> Dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__ if getattr(self, name) is not None}

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}: " if self.line is not None else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}{self.severity}: {path}{self.message}"

    def __repr__(self) -> str:
        return f"ConfigDiagnostic({self.severity!r}, {self.code!r}, {self.path!r}, line={self.line}, column={self.column})"


class Config:
    """A loaded config: ``servers`` (name -> normalized server dict), ``settings`` (``allowedDomains``,
    ``allowedAddresses``), VS Code ``inputs``, PandoraKit ``removed`` names, and the ``diagnostics``."""

    def __init__(self, result: Dict[str, Any]):
        self.raw: Dict[str, Any] = result
        self.format: Optional[str] = result.get("format")
        self.servers: Dict[str, Dict[str, Any]] = result.get("servers", {})
        self.settings: Dict[str, Any] = result.get("settings", {})
        self.inputs: List[Dict[str, Any]] = result.get("inputs", [])
        self.removed: List[str] = result.get("removed", [])
        self.diagnostics: List[ConfigDiagnostic] = [ConfigDiagnostic(d) for d in result.get("diagnostics", [])]

    @property
    def warnings(self) -> List[ConfigDiagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    def registry(self) -> Dict[str, Any]:
        """The ``{"servers", "settings", "inputs"}`` document ``export`` and ``registry=`` take."""
        registry: Dict[str, Any] = {"servers": self.servers, "settings": self.settings}
        if self.inputs:
            registry["inputs"] = self.inputs
        return registry

    def export(self, fmt: str = "json", include_secrets: bool = False) -> str:
        """This config as a ``json`` or ``yaml`` text that :func:`load_config` reads back unchanged."""
        return export_config(self, fmt, include_secrets=include_secrets)

    def __repr__(self) -> str:
        return f"Config(format={self.format!r}, servers={list(self.servers)!r}, diagnostics={len(self.diagnostics)})"


def _options(format: Optional[str], strict: bool, file: Optional[str], tier: Optional[str],
             registry: Union["Config", Dict[str, Any], None], update: Optional[str]) -> str:
    options: Dict[str, Any] = {}
    if format is not None:
        if format not in FORMATS:
            raise McpInvalidError(f"format must be one of {', '.join(FORMATS)}, not {format!r}", source="local")
        options["format"] = format
    if strict:
        options["strict"] = True
    if file is not None:
        options["file"] = file
    if tier is not None:
        options["tier"] = tier
    if registry is not None:
        options["registry"] = registry.servers if isinstance(registry, Config) else registry
    if update is not None:
        options["update"] = update
    return json.dumps(options, ensure_ascii=False)


def _text(text: Union[str, bytes], what: str = "text") -> bytes:
    if isinstance(text, bytes):
        return text
    if not isinstance(text, str):
        raise McpInvalidError(f"{what} must be a str, not {type(text).__name__}", source="local")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise McpInvalidError(f"{what} is not valid UTF-8: {exc}", source="local") from exc


def _call(what: str, function: Any, *args: Any) -> str:
    ensure_version_checked()
    out = c_void_p()
    err = c_void_p()
    try:
        status = function(*args, byref(out), byref(err))
        error_json = take_string(err)
        if status != Status.MCP_OK:
            error = error_from_status(status, error_json, f"{what} failed")
            error.diagnostics = [ConfigDiagnostic(d) for d in error.details.get("diagnostics", [])]  # type: ignore[attr-defined]
            raise error
        text = take_string(out)
    finally:
        if out.value:
            take_string(out)
    if text is None:
        raise McpError(f"{what} returned MCP_OK but no output", source="local")
    return text


def load_config(text: Union[str, bytes], format: Optional[str] = None, strict: bool = False, file: Optional[str] = None,
                tier: Optional[str] = None, registry: Union[Config, Dict[str, Any], None] = None,
                update: Optional[str] = None) -> Config:
    """Load a config text (``mcp_config_load``). Raises :class:`McpConfigError` (with ``.diagnostics``)
    when the config has errors; warnings are on the returned :class:`Config`."""
    options = _options(format, strict, file, tier, registry, update)
    return Config(json.loads(_call("load_config", B.mcp_config_load, _text(text), options.encode("utf-8"))))


class ValidationReport:
    """``valid``, the detected ``format`` and every diagnostic (``mcp_config_validate``)."""

    def __init__(self, data: Dict[str, Any]):
        self.valid: bool = bool(data.get("valid"))
        self.format: Optional[str] = data.get("format")
        self.diagnostics: List[ConfigDiagnostic] = [ConfigDiagnostic(d) for d in data.get("diagnostics", [])]

    @property
    def errors(self) -> List[ConfigDiagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def __bool__(self) -> bool:
        return self.valid


def validate_config(text: Union[str, bytes], format: Optional[str] = None, strict: bool = False, file: Optional[str] = None,
                    tier: Optional[str] = None, registry: Union[Config, Dict[str, Any], None] = None,
                    update: Optional[str] = None) -> ValidationReport:
    """Check a config text; never raises for problems in the config itself."""
    options = _options(format, strict, file, tier, registry, update)
    return ValidationReport(json.loads(_call("validate_config", B.mcp_config_validate, _text(text), options.encode("utf-8"))))


def export_config(registry: Union[Config, Dict[str, Any]], fmt: str = "json", include_secrets: bool = False) -> str:
    """Write a registry (a :class:`Config`, a load result dict, or ``{"servers": …}``) as ``json`` or ``yaml``."""
    if fmt not in ("json", "yaml"):
        raise McpInvalidError(f"fmt must be 'json' or 'yaml', not {fmt!r}", source="local")
    document = registry.registry() if isinstance(registry, Config) else registry
    if not isinstance(document, dict):
        raise McpInvalidError("registry must be a Config or a dict", source="local")
    options = json.dumps({"format": fmt, "includeSecrets": bool(include_secrets)})
    payload = json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return _call("export_config", B.mcp_config_export, payload, options.encode("utf-8"))


__all__ = ["Config", "ConfigDiagnostic", "ValidationReport", "load_config", "validate_config", "export_config", "FORMATS", "TIERS",
           "McpConfigError"]
