"""Server->client requests: {"kind":"request"} events answered with Manager.respond (mcp_manager_respond).

The fixtures' `roots` tool asks the client for its roots: a mid-call roots/list request in the
handshake era, an InputRequiredResult round trip in the 2026-07-28 era. Either way the host sees
one request event and answers it once.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from helpers import everything_config, is_outcome, text_of, wait_for_event

import mcpclient

ROOTS = [{"uri": "file:///tmp/project-a", "name": "a"}, {"uri": "file:///tmp/project-b", "name": "b"}]


@pytest.fixture
def roots_manager():
    mgr = mcpclient.Manager({"clientInfo": {"name": "mcpclient-pytest", "version": "0.1.0"}, "capabilities": {"roots": {}}})
    try:
        yield mgr
    finally:
        mgr.close()


@pytest.fixture(params=["modern", "legacy"])
def roots_kind(request):
    return request.param


def is_request_for(server: str):
    return lambda ev: ev.get("kind") == "request" and ev.get("server") == server


def test_roots_request_answered_with_respond(roots_manager, roots_kind):
    kind = roots_kind
    mgr = roots_manager
    name = f"roots-{kind}"
    mgr.add_server(name, everything_config(kind))
    mgr.connect(name)
    call_id = mgr.submit({"op": "call_tool", "server": name, "tool": "roots", "arguments": {}})
    request, _ = wait_for_event(mgr, lambda ev: is_request_for(name)(ev) or is_outcome(call_id)(ev))
    assert request["kind"] == "request", f"the call ended before asking the host: {request}"
    assert request["method"] == "roots/list", request
    assert isinstance(request["request_id"], int)
    mgr.respond(request["request_id"], {"result": {"roots": ROOTS}})
    outcome, _ = wait_for_event(mgr, is_outcome(call_id))
    assert outcome["kind"] == "result", outcome
    result = outcome["result"]["result"]
    assert result["isError"] is False
    assert json.loads(text_of(result)) == [root["uri"] for root in ROOTS]
    # A request is answered once.
    with pytest.raises(mcpclient.McpNotFoundError):
        mgr.respond(request["request_id"], {"result": {"roots": []}})


def test_roots_request_during_blocking_call(roots_manager, roots_kind):
    kind = roots_kind
    # The blocking call runs in a helper thread; this thread reads the request event and answers.
    mgr = roots_manager
    name = f"roots-blocking-{kind}"
    mgr.add_server(name, everything_config(kind))
    mgr.connect(name)
    outcome = {}

    def call() -> None:
        try:
            outcome["result"] = mgr.call_tool(name, "roots", timeout_ms=20000)
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    request = None
    deadline = time.monotonic() + 15
    while request is None and caller.is_alive() and time.monotonic() < deadline:
        event = mgr.next_event(100)
        if event is not None and is_request_for(name)(event):
            request = event
    assert request is not None, f"no request event; the call ended with {outcome}"
    mgr.respond(request["request_id"], {"result": {"roots": ROOTS[:1]}})
    caller.join(20)
    assert not caller.is_alive()
    assert "error" not in outcome, outcome
    assert json.loads(text_of(outcome["result"])) == [ROOTS[0]["uri"]]


def test_respond_to_unknown_request(roots_manager):
    with pytest.raises(mcpclient.McpNotFoundError) as info:
        roots_manager.respond(123456789, {"result": {"roots": []}})
    assert info.value.status == -11


def test_respond_rejects_bad_json(roots_manager):
    with pytest.raises(mcpclient.McpInvalidError):
        roots_manager.respond(1, '{"result": ')


def test_no_request_events_without_declared_capability(manager, kind):
    # The default manager declares no roots capability: the host is never asked.
    name = f"no-roots-{kind}"
    manager.add_server(name, everything_config(kind))
    manager.connect(name)
    try:
        result = manager.call_tool(name, "roots", timeout_ms=10000)
    except mcpclient.McpProtocolError:
        pass  # 2026-07-28: the server refuses (-32021 missing client capability)
    else:
        assert result["isError"] is True, result  # handshake era: the client answered roots/list with an error
    events = []
    while True:
        event = manager.next_event(100)
        if event is None:
            break
        events.append(event)
    assert not [ev for ev in events if ev.get("kind") == "request"], events


def test_notify_reaches_the_server(tmp_path):
    # A tiny handshake-era server that reports every notification it receives on stderr.
    script = tmp_path / "echo_notifications.py"
    script.write_text(
        "import sys, json\n"
        "for line in sys.stdin:\n"
        "    m = json.loads(line)\n"
        "    if 'id' not in m:\n"
        "        sys.stderr.write('got ' + m['method'] + ' ' + json.dumps(m.get('params')) + '\\n'); sys.stderr.flush()\n"
        "    elif m['method'] == 'initialize':\n"
        "        print(json.dumps({'jsonrpc': '2.0', 'id': m['id'], 'result': {'protocolVersion': '2025-11-25',"
        " 'capabilities': {}, 'serverInfo': {'name': 'n', 'version': '1'}}}), flush=True)\n"
        "    else:\n"
        "        print(json.dumps({'jsonrpc': '2.0', 'id': m['id'], 'error': {'code': -32601, 'message': 'no'}}), flush=True)\n"
    )
    with mcpclient.Manager({"capabilities": {"roots": {"listChanged": True}}}) as mgr:
        mgr.add_server("n", {"command": "python3", "args": [str(script)]})
        mgr.notify("n", "notifications/roots/list_changed")
        mgr.notify("n", "notifications/custom", {"k": 1})
        seen, _ = wait_for_event(mgr, lambda ev: ev.get("kind") == "log" and "notifications/custom" in str(ev.get("message")))
        assert seen["message"] == 'got notifications/custom {"k": 1}'
        with pytest.raises(mcpclient.McpNotFoundError):
            mgr.notify("missing", "notifications/roots/list_changed")


@pytest.mark.parametrize("uri, reason", [
    ("file:///srv/project/../../etc", "a '.' or '..' segment"),
    ("file:///srv/project/%2e%2E/secrets", "a '.' or '..' segment"),
    ("file:///srv/project%2f..%2fetc", "an encoded slash, backslash or control character"),
    ("file:///srv/a%00b", "an encoded slash, backslash or control character"),
    ("file://attacker.example/share", "a remote host"),
    ("https://example.com/", "the scheme must be file"),
    ("file:relative/path", "no absolute path"),
    ("file:///srv/project?x=1", "a query or fragment"),
])
def test_a_root_that_escapes_its_directory_is_refused_and_the_request_stays_open(roots_manager, roots_kind, uri, reason):
    """Security review (docs/security.md, roots): a traversal-prone root never reaches the server; the request
    stays answerable, and a proper answer then completes the call."""
    mgr = roots_manager
    name = f"roots-check-{roots_kind}"
    mgr.add_server(name, everything_config(roots_kind))
    mgr.connect(name)
    call_id = mgr.submit({"op": "call_tool", "server": name, "tool": "roots", "arguments": {}})
    request, _ = wait_for_event(mgr, lambda ev: is_request_for(name)(ev) or is_outcome(call_id)(ev))
    assert request["kind"] == "request", request
    with pytest.raises(mcpclient.McpInvalidError) as caught:
        mgr.respond(request["request_id"], {"result": {"roots": [ROOTS[0], {"uri": uri}]}})
    assert caught.value.details == {"path": "result.roots[1].uri", "reason": reason}
    mgr.respond(request["request_id"], {"result": {"roots": ROOTS}})
    outcome, _ = wait_for_event(mgr, is_outcome(call_id))
    assert outcome["kind"] == "result", outcome
    assert json.loads(text_of(outcome["result"]["result"])) == [root["uri"] for root in ROOTS]
