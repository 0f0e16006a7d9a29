"""mcp_manager_call_tool over streamable HTTP writes a tool result out as it came, and the library reads such a result
only as deep as it must (`JSONParser.parseResponse(shallowResult:)`): the host must see exactly what a full read gives,
and the session must still look inside whenever it needs to (output validation, input requests, tasks)."""

from __future__ import annotations

import threading

import pytest
from helpers import text_of, wait_for_event
from test_http import HTTPServer

import mcpclient


@pytest.fixture(params=["json", "sse"])
def modern(request):
    server = HTTPServer("modern", request.param)
    with mcpclient.Manager({"capabilities": {"elicitation": {}}}) as mgr:
        mgr.add_server("h", {"url": server.url, "timeout": 30000})
        yield mgr
    server.stop()


def test_a_result_passed_on_is_the_whole_result(modern):
    mgr = modern
    before = mgr.call_tool("h", "weather", {"city": "Oslo"})  # nothing listed yet: no schema to check, read shallow
    assert before["structuredContent"] == {"city": "Oslo", "temperature": 21.5, "conditions": "sunny"}
    assert before["content"][0]["type"] == "text" and "Oslo" in before["content"][0]["text"]
    mgr.list_tools("h")
    after = mgr.call_tool("h", "weather", {"city": "Oslo"})  # its outputSchema is known now: read whole and checked
    assert after == before
    nested = mgr.call_tool("h", "echo", {"text": 'a "quoted" \\ \u00e9 \U0001F600 text'})
    assert nested["content"][0]["text"] == 'a "quoted" \\ \u00e9 \U0001F600 text'


def test_output_validation_still_sees_the_whole_result(modern):
    mgr = modern
    assert mgr.call_tool("h", "bad_weather", {"city": "Oslo"})["structuredContent"]["temperature"] == "warm"  # no schema known yet
    mgr.list_tools("h")
    with pytest.raises(mcpclient.McpProtocolError) as caught:
        mgr.call_tool("h", "bad_weather", {"city": "Oslo"})
    assert caught.value.details["result"]["structuredContent"]["temperature"] == "warm"
    assert caught.value.details["result"]["content"][0]["type"] == "text"


def test_input_requests_are_read_whole(modern):
    mgr = modern
    answered = []

    def answer():
        request, _ = wait_for_event(mgr, lambda ev: ev["kind"] == "request")
        assert request["method"] == "elicitation/create"
        mgr.respond(request["request_id"], {"result": {"action": "accept", "content": {"name": "Ada"}}})
        answered.append(True)

    helper = threading.Thread(target=answer, daemon=True)
    helper.start()
    result = mgr.call_tool("h", "ask_name", {})  # blocking: its input request reaches the host as an event
    helper.join(timeout=30)
    assert answered and text_of(result) == "hello Ada"


def test_a_misrouted_answer_reaches_the_other_call_whole():
    """A server that answers a tool call's POST with a concurrent resources/read's id (and the other way round):
    each call still gets a whole result. The tool call's POST may be read shallow (only passed on), but that
    permission belongs to its own id: the read's answer arriving on it must not lose its `contents` array."""
    from test_http_faults import BadServer

    server = BadServer("misroute")
    try:
        with mcpclient.Manager() as mgr:
            mgr.add_server("b", {"url": server.url, "timeout": 20000})
            mgr.list_tools("b")
            read = {}
            reader = threading.Thread(target=lambda: read.update(mgr.read_resource("b", "file:///doc.txt")), daemon=True)
            reader.start()
            try:  # its POST carried no answer to it: it fails, or gets its answer from the read's POST if that came first
                tool = mgr.call_tool("b", "echo", {"text": "compact"})
                assert tool["content"] == [{"type": "text", "text": "compact"}]
            except mcpclient.McpTransportError:
                pass
            reader.join(timeout=30)
            assert read["contents"] == [{"uri": "file:///doc.txt", "mimeType": "text/plain", "text": "doc"}]
    finally:
        server.stop()
