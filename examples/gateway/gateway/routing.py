"""A tiny router over http.server: patterns with {name} segments, JSON in and out, one error type."""

from __future__ import annotations

import datetime
import json
import re
import urllib.parse
from http.cookies import SimpleCookie
from typing import Any, Callable, Dict, List, Optional, Tuple

MAX_BODY_BYTES = 1 << 20  # request bodies are small JSON documents


class HttpError(Exception):
    """Raised by handlers (and helpers) to answer with ``status`` and a JSON ``body``."""

    def __init__(self, status: int, body: Any, headers: Optional[List[Tuple[str, str]]] = None):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or []


class Response:
    def __init__(self, status: int = 200, body: Any = None, headers: Optional[List[Tuple[str, str]]] = None,
                 raw: Optional[bytes] = None, content_type: str = "application/json"):
        self.status = status
        self.headers = list(headers or [])
        if raw is None and body is not None:
            raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.raw = raw or b""
        self.content_type = content_type


def redirect(location: str, headers: Optional[List[Tuple[str, str]]] = None) -> Response:
    return Response(302, headers=[("Location", location), *(headers or [])])


class Request:
    def __init__(self, method: str, target: str, headers: Any, body: bytes):
        self.method = method
        self.target = target  # path and query exactly as sent (the OAuth callback hands it on)
        parts = urllib.parse.urlsplit(target)
        self.path = parts.path
        self.query_string = parts.query
        self.query: Dict[str, str] = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        self.headers = headers
        self.body = body
        self.params: Dict[str, str] = {}
        self.user: Any = None  # set by the gateway for routes that need a bearer token

    def json(self) -> Any:
        if not self.body:
            raise HttpError(400, {"error": "a JSON request body is required"})
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise HttpError(400, {"error": f"the request body is not valid JSON: {exc}"}) from exc

    def json_object(self) -> Dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise HttpError(400, {"error": "the request body must be a JSON object"})
        return value

    def cookie(self, name: str) -> Optional[str]:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except Exception:  # a malformed Cookie header is treated as no cookie
            return None
        morsel = jar.get(name)
        return morsel.value if morsel else None

    def int_query(self, name: str) -> Optional[int]:
        text = self.query.get(name)
        if text is None or text == "":
            return None
        try:
            return int(text)
        except ValueError:
            raise HttpError(400, {"error": f"query parameter '{name}' must be an integer"}) from None


Handler = Callable[[Request], Response]


class Route:
    def __init__(self, method: str, pattern: str, handler: Handler, public: bool):
        self.method = method
        self.handler = handler
        self.public = public  # no bearer token needed (the OAuth callback and its result pages)
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
        self.regex = re.compile(f"^{regex}$")


class Router:
    def __init__(self) -> None:
        self.routes: List[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, public: bool = False) -> None:
        self.routes.append(Route(method, pattern, handler, public))

    def match(self, request: Request) -> Route:
        """The first route matching the path and method; 404 for an unknown path, 405 for a known one."""
        allowed = []
        for route in self.routes:
            found = route.regex.match(request.path)
            if not found:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            request.params = {key: urllib.parse.unquote(value) for key, value in found.groupdict().items()}
            return route
        if allowed:
            raise HttpError(405, {"error": "Method not allowed"}, [("Allow", ", ".join(sorted(set(allowed))))])
        raise HttpError(404, {"error": "Not found"})


def iso(ms: Optional[int]) -> Optional[str]:
    """The registry's milliseconds since the epoch as the seeds' ISO 8601 strings."""
    if ms is None:
        return None
    moment = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
