"""Processes for the gateway tests: fixture MCP servers, the OAuth authorization server and the gateway itself,
each on 127.0.0.1 with an OS-assigned port, each stopped (and waited for) by its owner."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

GATEWAY_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = GATEWAY_DIR.parents[1]
FIXTURES = REPO_ROOT / "Tests" / "Fixtures" / "servers"
MODERN_VENV = REPO_ROOT / ".venv-modern"
MODERN_PYTHON = MODERN_VENV / "bin" / "python"
TIME_SERVER = MODERN_VENV / "bin" / "mcp-server-time"
TAG = "--mcpclient-gateway-test=" + uuid.uuid4().hex  # extra argv the fixtures ignore: finds our children in /proc
START_TIMEOUT_S = 30


class Process:
    """A child that prints ``READY <url>`` on stdout once it listens."""

    def __init__(self, argv: List[str], cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None):
        self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        line = ""
        while time.monotonic() < deadline and not line.startswith("READY"):
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
        if not line.startswith("READY"):
            self.stop()
            raise RuntimeError(f"{argv[:3]} did not start (exit {self.process.poll()})")
        self.url = line.split()[1].rstrip("/")

    def stop(self) -> Optional[int]:
        """SIGTERM, then SIGKILL after 15 s; returns the exit status."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout):
            if stream:
                stream.close()
        return self.process.returncode


def fixture_http_server() -> Process:
    """everything_modern over streamable HTTP (user-created servers must be remote)."""
    return Process([str(MODERN_PYTHON), str(FIXTURES / "serve_http.py"), "--era", "modern", "--mode", "json", TAG])


def oauth_server() -> Process:
    """The python-sdk authorization server with the everything server behind its bearer check at /mcp."""
    return Process([str(MODERN_PYTHON), str(FIXTURES / "oauth_server.py"), "--mcp", "--max-seconds", "600", TAG])


def write_config(directory: Path, http_url: str, oauth_url: str) -> Path:
    """A librechat.yaml: the real mcp-server-time, the everything fixture (stdio), one with a per-user variable,
    one behind OAuth; mcpSettings lets user-created servers reach the fixtures' loopback ports."""
    addresses = [urllib.parse.urlsplit(url).netloc for url in (http_url, oauth_url)]
    everything = {"command": str(MODERN_PYTHON), "args": [str(FIXTURES / "everything_modern.py"), TAG]}
    config = {
        "mcpSettings": {"allowedAddresses": addresses},
        "mcpServers": {
            "time": {"command": str(TIME_SERVER), "args": ["--local-timezone", "UTC"], "title": "Time",
                     "description": "Current time and time zones"},
            "everything": {**everything, "title": "Everything", "description": "The fixture server"},
            "vars": {**everything, "env": {"TOKEN": "{{API_TOKEN}}"},
                     "customUserVars": {"API_TOKEN": {"title": "API token", "description": "Yours"}}},
            "guarded": {"url": oauth_url + "/mcp", "requiresOAuth": True, "timeout": 30000},
            "broken": {"command": str(MODERN_PYTHON), "args": ["-c", "import sys; sys.exit(3)", TAG]},
        },
    }
    path = directory / "librechat.yaml"
    path.write_text(json.dumps(config, indent=2))  # JSON is YAML; the library reads either
    return path


USERS = {"alice-token": ("alice", "user"), "bob-token": ("bob", "user"), "carol-token": ("carol", "user"),
         "root-token": ("root", "admin")}


def start_gateway(config: Path, users_file: Path) -> Process:
    users_file.write_text(json.dumps({"users": [{"token": t, "id": i, "role": r, "email": f"{i}@example.com"}
                                                for t, (i, r) in USERS.items()]}))
    argv = [sys.executable, "-m", "gateway", "--config", str(config), "--users", str(users_file), "--port", "0"]
    return Process(argv, cwd=GATEWAY_DIR, env=dict(os.environ))


class Reply:
    def __init__(self, status: int, headers: http.client.HTTPMessage, raw: bytes):
        self.status, self.headers, self.raw = status, headers, raw

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name)

    def cookies(self) -> List[str]:
        return self.headers.get_all("Set-Cookie") or []

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.raw[:300]!r}>"


class Client:
    """One user's HTTP client (``token`` None: unauthenticated); keeps cookies like a browser would."""

    def __init__(self, base_url: str, token: Optional[str]):
        self.base = urllib.parse.urlsplit(base_url)
        self.token = token
        self.cookies: Dict[str, str] = {}

    def request(self, method: str, path: str, body: Any = None, raw: Optional[bytes] = None) -> Reply:
        connection = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=90)
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            raw = json.dumps(body).encode()
        if raw is not None:
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=raw, headers=headers)
            response = connection.getresponse()
            reply = Reply(response.status, response.headers, response.read())
        finally:
            connection.close()
        for cookie in reply.cookies():
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None) -> Reply:
        return self.request("POST", path, body)

    def patch(self, path: str, body: Any) -> Reply:
        return self.request("PATCH", path, body)

    def delete(self, path: str) -> Reply:
        return self.request("DELETE", path)


def browse(auth_url: str) -> str:
    """The headless browser at the authorization server (it approves at once): the redirect's Location."""
    parts = urllib.parse.urlsplit(auth_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path + "?" + parts.query)
        response = connection.getresponse()
        response.read()
        assert response.status == 302, response.status
        return response.getheader("Location")
    finally:
        connection.close()


def path_of(url: str) -> Tuple[str, str]:
    """(origin, path?query) of a URL."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", parts.path + ("?" + parts.query if parts.query else "")


def tagged_processes() -> List[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if TAG.encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found
