"""The object layer over Manager: the event iterator, Server and Tool handles, and the desktop OAuth login
(loopback listener + browser + complete) against the python-sdk authorization server fixture."""

from __future__ import annotations

import asyncio
import http.client
import threading
import time
import urllib.parse
from typing import List

import pytest
from helpers import everything_config, text_of
from test_oauth_flows import AuthServer

import mcpclient
from mcpclient.aio import AsyncManager


def test_events_iterator_stops_when_idle_and_when_closed(connected):
    mgr, name, _, _ = connected
    request_id = mgr.submit({"op": "call_tool", "server": name, "tool": "echo", "arguments": {"text": "it"}})
    outcome = next(event for event in mgr.events(idle_timeout=15) if event.get("request_id") == request_id
                   and event["kind"] in ("result", "error"))
    assert text_of(outcome["result"]["result"]) == "it"
    started = time.monotonic()
    assert [event for event in mgr.events(idle_timeout=0.3) if event["kind"] == "result"] == []
    assert 0.25 <= time.monotonic() - started < 5

    ended = threading.Event()

    def iterate() -> None:
        for _ in mgr.events():
            pass
        ended.set()

    thread = threading.Thread(target=iterate, daemon=True)
    thread.start()
    time.sleep(0.2)
    assert not ended.is_set()
    mgr.close()
    assert ended.wait(10), "events() did not end when the manager closed"


def test_server_and_tool_handles(connected):
    mgr, name, info, kind = connected
    server = mgr.server(name)
    assert server.status()["status"] == "connected"
    tools = {tool.name: tool for tool in server.tools()}
    assert {"echo", "add", "slow"} <= set(tools)
    echo = tools["echo"]
    assert isinstance(echo, mcpclient.Tool) and echo.input_schema["properties"]["text"]["type"] == "string"
    assert text_of(echo(text="kw")) == "kw"
    assert text_of(echo({"text": "dict"})) == "dict"
    assert server.tool("add")(a=2, b=3)["structuredContent"] == {"result": 5}
    assert text_of(server.call_tool("echo", {"text": "direct"})) == "direct"
    with pytest.raises(mcpclient.McpNotFoundError):
        server.tool("no_such_tool")
    assert repr(server) == f"<mcpclient.Server {name!r}>" and repr(echo) == f"<mcpclient.Tool {name}/echo>"


def test_server_handle_of_a_user_view_acts_for_the_user(manager):
    manager.add_server("mine", everything_config("modern", env={"WHO": "{{LIBRECHAT_USER_ID}}"}))
    with manager.as_user("zoe") as zoe:
        assert text_of(zoe.server("mine").tool("env")(name="WHO")) == "zoe"


def _browser(opened: List[str]):
    """A headless browser: follow the authorization URL's redirect to the loopback listener, on a thread."""
    def open_url(auth_url: str) -> None:
        opened.append(auth_url)

        def visit() -> None:
            parts = urllib.parse.urlsplit(auth_url)
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            connection.request("GET", parts.path + "?" + parts.query)
            location = connection.getresponse().getheader("Location")
            connection.close()
            target = urllib.parse.urlsplit(location)
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
            connection.request("GET", target.path + "?" + target.query)
            connection.getresponse().read()
            connection.close()

        threading.Thread(target=visit, daemon=True).start()

    return open_url


@pytest.fixture
def auth_server():
    server = AuthServer()
    yield server
    server.stop()


def test_oauth_login_through_the_loopback_listener(auth_server):
    with mcpclient.LoopbackListener() as listener:
        with mcpclient.Manager({"oauth": {"redirectUri": listener.redirect_uri}}) as mgr:
            mgr.add_server("demo", {"url": auth_server.origin + "/mcp"})
            opened: List[str] = []
            result = mgr.server("demo").oauth_login(listener, open_browser=_browser(opened), timeout=30)
            assert result["server"] == "demo" and result["user"] == "default"
            assert len(opened) == 1 and opened[0].startswith(auth_server.origin + "/authorize?")
            assert mgr.oauth_status("demo")["state"] == "authorized"


def test_oauth_login_refuses_a_redirect_that_is_not_the_listener(auth_server):
    with mcpclient.LoopbackListener() as listener:
        with mcpclient.Manager({"oauth": {"redirectUri": "http://127.0.0.1:9/callback"}}) as mgr:
            mgr.add_server("demo", {"url": auth_server.origin + "/mcp"})
            opened: List[str] = []
            with pytest.raises(mcpclient.McpConfigError) as info:
                mgr.oauth_login("demo", listener, open_browser=opened.append)
            assert opened == [] and info.value.details["listener"] == listener.redirect_uri


def test_async_oauth_login(auth_server):
    async def main() -> None:
        with mcpclient.LoopbackListener() as listener:
            async with AsyncManager({"oauth": {"redirectUri": listener.redirect_uri}}) as mgr:
                await mgr.add_server("demo", {"url": auth_server.origin + "/mcp"})
                result = await mgr.oauth_login("demo", listener, open_browser=_browser([]), timeout=30)
                assert result["server"] == "demo"
                assert (await mgr.oauth_status("demo"))["state"] == "authorized"
                kinds = []
                while (event := await mgr.next_event(0.5)) is not None:
                    kinds.append(event["kind"])
                assert "oauth_completed" in kinds

    asyncio.run(asyncio.wait_for(main(), 90))


def test_several_threads_iterating_events_share_them_without_duplicates(connected):
    mgr, name, _, _ = connected
    got: List[List[int]] = [[] for _ in range(4)]

    def iterate(index: int) -> None:
        for event in mgr.events(idle_timeout=2):
            if event["kind"] == "result":
                got[index].append(event["request_id"])

    threads = [threading.Thread(target=iterate, args=(index,), daemon=True) for index in range(4)]
    for thread in threads:
        thread.start()
    ids = [mgr.submit({"op": "call_tool", "server": name, "tool": "add", "arguments": {"a": i, "b": i}}) for i in range(40)]
    for thread in threads:
        thread.join(60)
    delivered = [request_id for part in got for request_id in part]
    assert sorted(delivered) == sorted(ids), "every result exactly once, across the iterators"
