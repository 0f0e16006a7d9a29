"""The real reference server mcp-server-git (from the pinned modern venv) against a repository made here."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import MODERN_VENV, require_venv, text_of

import mcpclient


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "test@example.com")
    git("config", "user.name", "Test")
    (tmp_path / "a.txt").write_text("hello\n")
    git("add", "a.txt")
    git("commit", "-qm", "first commit")
    (tmp_path / "a.txt").write_text("hello\nchanged\n")
    return tmp_path


@pytest.fixture
def git_manager(repo: Path):
    require_venv(MODERN_VENV)
    server = MODERN_VENV / "bin" / "mcp-server-git"
    with mcpclient.Manager() as mgr:
        mgr.add_server("git", {"command": str(server), "args": ["--repository", str(repo)]})
        yield mgr, str(repo)


def test_git_status_log_and_diff(git_manager):
    mgr, repo = git_manager
    assert mgr.connect("git")["era"] == "modern"
    names = {tool["name"] for tool in mgr.list_tools("git")}
    assert {"git_status", "git_log", "git_diff_unstaged"} <= names
    status = text_of(mgr.call_tool("git", "git_status", {"repo_path": repo}, timeout_ms=20000))
    assert "a.txt" in status and "modified" in status
    log = text_of(mgr.call_tool("git", "git_log", {"repo_path": repo}, timeout_ms=20000))
    assert "first commit" in log
    diff = text_of(mgr.call_tool("git", "git_diff_unstaged", {"repo_path": repo}, timeout_ms=20000))
    assert "+changed" in diff


def test_git_tool_errors_stay_tool_errors(git_manager):
    mgr, _ = git_manager
    result = mgr.call_tool("git", "git_log", {"repo_path": "/nonexistent/repo"}, timeout_ms=20000)
    assert result["isError"] is True
