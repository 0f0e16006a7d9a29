"""Security review (docs/security.md, "Secrets never leak"): known secret values are injected everywhere a host puts
them (a bearer token, an API-key header, a header from the environment, a stdio server's env, a user's customUserVars
value, an OAuth client secret, and wrong ones of each kind that fail), a full run goes through connect, calls, OAuth,
errors, logs, events, status and registry reads, and every string the library hands back — each event, each error
message and its details, each status and registry document, and the process's own stderr — is searched for them
(plain, percent-encoded and Base64-encoded, as a Basic header would carry a client secret)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import urllib.parse

import pytest
from helpers import FIXTURES_DIR, LEGACY_PYTHON, MODERN_PYTHON, everything_config, require_venv, text_of

import mcpclient

SERVE = FIXTURES_DIR / "serve_http.py"
AUTHLIB_SERVER = FIXTURES_DIR / "authlib_server.py"

SECRETS = {
    "bearer token": "tok-SECRET-4b1f9e",
    "wrong bearer token": "tok-WRONG-77ac02",
    "api-key header": "key-SECRET-93d2aa",
    "env header": "envhdr-SECRET-5e01c4",
    "stdio env value": "envval-SECRET-c3b7d1",
    "failing stdio env value": "envfail-SECRET-0a9f3e",
    "user var": "uvar-SECRET-61be2f",
    "oauth client secret": "csec-SECRET-2d8c4b",
    "wrong oauth client secret": "csec-WRONG-9f1e7a",
}
ENV_NAME = "SECURITY_TEST_HEADER_VALUE"  # read by ${…} in a header (MCPCLIENT_* names are denylisted)


def spellings(secret: str) -> set[str]:
    """How a secret could appear in a string: as is, percent-encoded, or Base64 inside a Basic credential."""
    forms = {secret, urllib.parse.quote(secret, safe=""), base64.b64encode(secret.encode()).decode()}
    for client in ("svc", "svc-bad"):
        forms.add(base64.b64encode(f"{client}:{secret}".encode()).decode())
    return forms


class Served:
    def __init__(self, python, *arguments: str):
        require_venv(python.parent.parent)
        self.process = subprocess.Popen([str(python), *arguments], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        assert line and line[0] == "READY", f"{arguments[0]} did not start: {line}"
        self.url = line[1]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def servers():
    started = []
    try:
        started.append(Served(MODERN_PYTHON, str(SERVE), "--era", "modern", "--mode", "json",
                              "--require-bearer", SECRETS["bearer token"]))
        started.append(Served(LEGACY_PYTHON, str(SERVE), "--era", "legacy", "--mode", "stateful"))
        clients = [{"client_id": "svc", "client_secret": SECRETS["oauth client secret"], "grant_types": ["client_credentials"]},
                   {"client_id": "svc-bad", "client_secret": "the-real-one-differs", "grant_types": ["client_credentials"]}]
        arguments = [str(AUTHLIB_SERVER), "--max-seconds", "120"]
        for client in clients:
            arguments += ["--client", json.dumps(client)]
        started.append(Served(MODERN_PYTHON, *arguments))
        yield started
    finally:
        for server in started:
            server.stop()


def test_known_secrets_never_appear_in_events_errors_status_registry_or_stderr(servers, monkeypatch, capfd):
    bearer, plain, authlib = servers
    monkeypatch.setenv(ENV_NAME, SECRETS["env header"])
    issuer_origin = authlib.url[: -len("/tenant1")]
    seen: list[tuple[str, str]] = []  # (where, text)

    def keep(where: str, value) -> None:
        seen.append((where, value if isinstance(value, str) else json.dumps(value)))

    def attempt(where: str, call):
        """Runs a call that may fail; keeps its result or its error (message and details)."""
        try:
            result = call()
            keep(where, result)
            return result
        except mcpclient.McpError as error:
            keep(where + " error", str(error))
            keep(where + " error details", error.details)
            return error

    def drain(mgr) -> None:
        while (event := mgr.next_event(0)) is not None:
            keep("event " + event.get("kind", "?"), event)

    options = {"logLevel": "debug", "oauth": {"redirectUri": "http://127.0.0.1:9/callback"}}
    with mcpclient.Manager(options) as mgr:
        mgr.add_server("bearer", {"url": bearer.url, "headers": {"Authorization": "Bearer " + SECRETS["bearer token"]}})
        mgr.add_server("wrong-bearer", {"url": bearer.url, "headers": {"Authorization": "Bearer " + SECRETS["wrong bearer token"]}})
        mgr.add_server("apikey", {"url": plain.url, "headers": {"X-Api-Key": SECRETS["api-key header"], "X-Env": "${%s}" % ENV_NAME}})
        mgr.add_server("stdio", everything_config("modern", env={"API_SECRET": SECRETS["stdio env value"]}))
        mgr.add_server("stdio-broken", {"command": "/nonexistent/server", "env": {"API_SECRET": SECRETS["failing stdio env value"]}})
        mgr.add_server("stdio-crash", everything_config("legacy", env={"API_SECRET": SECRETS["failing stdio env value"]},
                                                        args=["-c", "import sys; sys.stderr.write('dying\\n'); sys.exit(3)"]))
        mgr.add_server("per-user", everything_config("modern", env={"TOKEN": "{{API_TOKEN}}"},
                                                     customUserVars={"API_TOKEN": {"title": "Token", "description": "Yours"}}))
        service = {"grant_types_supported": ["client_credentials"]}
        mgr.add_server("oauth", {"url": issuer_origin + "/mcp", "timeout": 30000,
                                 "oauth": {"client_id": "svc", "client_secret": SECRETS["oauth client secret"], **service}})
        mgr.add_server("oauth-bad", {"url": issuer_origin + "/mcp", "timeout": 30000,
                                     "oauth": {"client_id": "svc-bad", "client_secret": SECRETS["wrong oauth client secret"], **service}})

        # Connect and call: these work.
        assert text_of(mgr.call_tool("bearer", "echo", {"text": "hi"})) == "hi"
        assert text_of(mgr.call_tool("apikey", "echo", {"text": "hi"})) == "hi"
        assert text_of(mgr.call_tool("stdio", "write_stderr", {"text": "a stderr line"})) == "ok"
        assert text_of(mgr.call_tool("stdio", "log", {"message": "a server log line"})) == "ok"
        # The control: the env value did reach the server (its env tool shows it), so the search below can find it.
        control = json.dumps(mgr.call_tool("stdio", "env", {"name": "API_SECRET"}))
        assert any(form in control for form in spellings(SECRETS["stdio env value"]))
        whoami = mgr.call_tool("oauth", "whoami", {})
        assert "svc" in json.dumps(whoami)
        with mgr.as_user("alice") as alice:
            assert alice.set_user_vars("per-user", {"API_TOKEN": SECRETS["user var"]}) == {"API_TOKEN": True}
            assert text_of(alice.call_tool("per-user", "echo", {"text": "hi"})) == "hi"
            keep("alice status", alice.server_status("per-user"))
            keep("alice auth values", alice.auth_values("per-user"))
            keep("alice registry list", alice.list_servers())
            keep("alice registry get", alice.get_server("per-user"))
            attempt("alice bad call", lambda: alice.call_tool("per-user", "no_such_tool"))
        # These fail, and their errors are searched too.
        for name in ("wrong-bearer", "stdio-broken", "stdio-crash", "oauth-bad"):
            attempt(name + " connect", lambda name=name: mgr.connect(name))
            attempt(name + " status", lambda name=name: mgr.server_status(name))
        attempt("bad tool", lambda: mgr.call_tool("bearer", "no_such_tool"))
        attempt("bad arguments", lambda: mgr.call_tool("apikey", "add", {"a": "x"}))
        for name in ("bearer", "apikey", "stdio", "per-user", "oauth", "oauth-bad"):
            attempt(name + " status", lambda name=name: mgr.server_status(name))
            attempt(name + " registry get", lambda name=name: mgr.get_server(name))
            attempt(name + " oauth status", lambda name=name: mgr.oauth_status(name))
        keep("registry list", mgr.list_servers())
        attempt("connect all", lambda: mgr.connect_all())
        drain(mgr)

    keep("stderr", capfd.readouterr().err)
    assert any(where.startswith("event log") for where, _ in seen), "no log events were seen: the search proves little"
    assert any("error" in where for where, _ in seen)
    leaks = [(label, where, text[:300]) for label, secret in SECRETS.items() for form in spellings(secret)
             for where, text in seen if form in text]
    assert leaks == []
    if os.environ.get("MCPCLIENT_SECURITY_DUMP"):
        for where, text in seen:
            print(f"{where}: {text[:160]}")
