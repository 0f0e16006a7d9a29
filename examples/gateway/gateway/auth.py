"""Bearer tokens → users → the manager's per-user views, and the CSRF cookie of the OAuth callback."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import urllib.parse
from typing import Any, Dict, List, Optional

import mcpclient

from .routing import HttpError, Request

PROFILE_FIELDS = ("email", "name", "username")
CSRF_COOKIE = "oauth_csrf"
CSRF_MAX_AGE_S = 600  # LibreChat's 10 minutes


class User:
    def __init__(self, id: str, role: str = "user", **profile: Any):
        self.id = id
        self.role = role
        self.profile = {key: value for key, value in profile.items() if key in PROFILE_FIELDS}

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def load_users(path: Optional[str], flags: List[str]) -> Dict[str, User]:
    """``{"users": [{"token", "id", "role"?, "email"?, "name"?, "username"?}]}`` from a file, plus
    ``--user TOKEN=ID[:ROLE]`` flags."""
    users: Dict[str, User] = {}
    if path:
        with open(path, encoding="utf-8") as handle:
            for entry in json.load(handle)["users"]:
                entry = dict(entry)
                users[entry.pop("token")] = User(**entry)
    for flag in flags:
        token, _, who = flag.partition("=")
        user_id, _, role = who.partition(":")
        if not token or not user_id:
            raise ValueError(f"--user wants TOKEN=ID[:ROLE], not {flag!r}")
        users[token] = User(user_id, role or "user")
    return users


class Users:
    """Authenticates requests and keeps one manager view per user (views are cheap, but need closing)."""

    def __init__(self, manager: mcpclient.Manager, users: Dict[str, User]):
        self.manager = manager
        self.by_token = users
        self._views: Dict[str, mcpclient.Manager] = {}
        self._lock = threading.Lock()

    def authenticate(self, request: Request) -> User:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = self.by_token.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise HttpError(401, {"error": "Unauthorized"}, [("WWW-Authenticate", "Bearer")])
        return user

    def view(self, user: User) -> mcpclient.Manager:
        with self._lock:
            view = self._views.get(user.id)
            if view is None:
                view = self.manager.as_user(user.id, role=user.role, profile=user.profile)
                self._views[user.id] = view
            return view

    def close(self) -> None:
        with self._lock:
            for view in self._views.values():
                view.close()
            self._views.clear()


class Csrf:
    """The browser that started a sign-in must be the one that comes back: a cookie HMAC(secret, state) set when
    the flow's URL is handed out, checked (and cleared) at the callback. The library checks state, PKCE and iss."""

    def __init__(self, secret: Optional[bytes] = None):
        self.secret = secret or os.urandom(32)

    def _sign(self, state: str) -> str:
        return hmac.new(self.secret, state.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def set_cookie(self, auth_url: str) -> str:
        state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(auth_url).query)).get("state", "")
        return f"{CSRF_COOKIE}={self._sign(state)}; Path=/api/mcp; Max-Age={CSRF_MAX_AGE_S}; HttpOnly; SameSite=Lax"

    def clear_cookie(self) -> str:
        return f"{CSRF_COOKIE}=; Path=/api/mcp; Max-Age=0; HttpOnly; SameSite=Lax"

    def valid(self, request: Request) -> bool:
        cookie = request.cookie(CSRF_COOKIE)
        state = request.query.get("state", "")
        return bool(cookie and state) and hmac.compare_digest(cookie, self._sign(state))
