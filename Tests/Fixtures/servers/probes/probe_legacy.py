"""Drive everything_legacy.py with raw 2025-11-25 JSON-RPC and check the newer fixture features.

    python3 Tests/Fixtures/servers/probes/probe_legacy.py     (PROBE_VERBOSE=1 prints the wire)

Any Python 3.11+ works (no SDK needed); the fixture itself runs in .venv-legacy.
"""

from __future__ import annotations

import time

from rpc import Peer, ProbeFailure, check, run

RELATED_TASK = "io.modelcontextprotocol/related-task"


def call(peer: Peer, name: str, arguments: dict | None = None, **extra) -> dict:
    return peer.request("tools/call", {"name": name, "arguments": arguments or {}, **extra})


def text_of(result: dict) -> str:
    return result["content"][0]["text"]


def list_changes() -> None:
    with Peer("legacy") as peer:
        init = peer.handshake()["result"]
        caps = init["capabilities"]
        check(caps["tools"] == {"listChanged": True} and caps["prompts"] == {"listChanged": True}
              and caps["resources"] == {"subscribe": True, "listChanged": True}, "capabilities", caps)

        check(text_of(call(peer, "add_tool", {"name": "extra_tool"})["result"]) == "ok", "add_tool -> ok")
        peer.wait_notification("notifications/tools/list_changed")
        names = [t["name"] for t in peer.request("tools/list")["result"]["tools"]]
        check("extra_tool" in names, "extra_tool listed")
        check(text_of(call(peer, "extra_tool")["result"]) == "ok", "extra_tool callable")
        check(text_of(call(peer, "remove_tool", {"name": "extra_tool"})["result"]) == "ok", "remove_tool -> ok")
        peer.wait_notification("notifications/tools/list_changed")
        check(call(peer, "extra_tool").get("error", {}).get("code") == -32602, "removed tool is unknown (-32602)")

        check(text_of(call(peer, "bump")["result"]) == "1", "bump (not subscribed) -> 1")
        peer.pump(0.3)
        check(not peer.take_notifications("notifications/resources/updated"), "no updated without a subscription")
        check(peer.request("resources/subscribe", {"uri": "fixture://counter"})["result"] == {}, "resources/subscribe -> {}")
        check(text_of(call(peer, "bump")["result"]) == "2", "bump -> 2")
        note = peer.wait_notification("notifications/resources/updated")
        check(note["params"] == {"uri": "fixture://counter"}, "resources/updated for counter", note)
        read = peer.request("resources/read", {"uri": "fixture://counter"})["result"]
        check(read["contents"][0]["text"] == "2", "counter reads 2", read)
        call(peer, "bump", {"uri": "fixture://other"})
        peer.pump(0.3)
        check(not peer.take_notifications("notifications/resources/updated"), "no updated for an unsubscribed uri")
        check(peer.request("resources/unsubscribe", {"uri": "fixture://counter"})["result"] == {}, "resources/unsubscribe -> {}")
        call(peer, "bump")
        peer.pump(0.3)
        check(not peer.take_notifications("notifications/resources/updated"), "no updated after unsubscribe")

        call(peer, "change_prompts")
        peer.wait_notification("notifications/prompts/list_changed")
        prompts = [p["name"] for p in peer.request("prompts/list")["result"]["prompts"]]
        check("dynamic_1" in prompts, "prompt dynamic_1 added", prompts)
        call(peer, "change_resources")
        peer.wait_notification("notifications/resources/list_changed")
        uris = [r["uri"] for r in peer.request("resources/list")["result"]["resources"]]
        check("fixture://dynamic/1" in uris, "resource fixture://dynamic/1 added", uris)


def url_elicitation() -> None:
    with Peer("legacy") as peer:
        peer.handshake({"elicitation": {"form": {}, "url": {}}})
        for action in ("accept", "decline", "cancel"):
            peer.answer_server_request = lambda req, action=action: {"result": {"action": action}}
            result = call(peer, "open_url", {"url": "https://example.com/x"})["result"]
            req = peer.server_requests[-1]
            check(req["method"] == "elicitation/create" and req["params"]["mode"] == "url"
                  and req["params"]["url"] == "https://example.com/x" and req["params"]["elicitationId"], "elicitation/create mode url with elicitationId", req)
            check(text_of(result) == action, f"open_url -> {action}", result)

        first = call(peer, "needs_url", {"url": "https://example.com/auth"})
        error = first["error"]
        check(error["code"] == -32042, "needs_url -> -32042", first)
        elicitation = error["data"]["elicitations"][0]
        check(elicitation["mode"] == "url" and elicitation["url"] == "https://example.com/auth" and elicitation["elicitationId"]
              and elicitation["message"], "data.elicitations[0]", error)
        t0 = time.monotonic()
        note = peer.wait_notification("notifications/elicitation/complete")
        check(note["params"]["elicitationId"] == elicitation["elicitationId"], "elicitation/complete with the id", note)
        print(f"      complete arrived {time.monotonic() - t0:.2f}s after the error")
        check(text_of(call(peer, "needs_url", {"url": "https://example.com/auth"})["result"]) == "authorized", "retry -> authorized")
        check(call(peer, "needs_url", {"url": "https://example.com/auth"})["error"]["code"] == -32042, "authorization is consumed")
        peer.wait_notification("notifications/elicitation/complete")

    with Peer("legacy") as peer:
        peer.handshake({"elicitation": {}})
        result = call(peer, "open_url", {"url": "https://example.com/x"})["result"]
        check(result["isError"] and not peer.server_requests, "open_url without elicitation.url -> isError, nothing sent", result)


def structured_output() -> None:
    with Peer("legacy") as peer:
        peer.handshake()
        tools = {t["name"]: t for t in peer.request("tools/list")["result"]["tools"]}
        schema = tools["weather"]["outputSchema"]
        check(schema["properties"]["temperature"]["type"] == "number", "weather outputSchema", schema)
        check(tools["bad_weather"]["outputSchema"] == schema, "bad_weather declares the same outputSchema")
        good = call(peer, "weather", {"city": "Oslo"})["result"]
        check(good["structuredContent"] == {"city": "Oslo", "temperature": 21.5, "conditions": "sunny"} and not good["isError"], "weather structuredContent", good)
        bad = call(peer, "bad_weather", {"city": "Oslo"})["result"]
        check(bad["structuredContent"]["temperature"] == "warm" and not bad["isError"], "bad_weather violates its schema", bad)


def poll(peer: Peer, task_id: str, until: set[str], timeout: float = 5.0) -> tuple[dict, list[str]]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = peer.request("tasks/get", {"taskId": task_id})["result"]
        if not seen or seen[-1] != got["status"]:
            seen.append(got["status"])
        if got["status"] in until:
            return got, seen
        time.sleep((got.get("pollInterval") or 100) / 1000)
    raise ProbeFailure(f"task {task_id} never reached {until}: {seen}")


def tasks() -> None:
    with Peer("legacy") as peer:
        init = peer.handshake({"elicitation": {"form": {}}, "tasks": {}})["result"]
        check(init["capabilities"]["tasks"] == {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}, "capabilities.tasks", init)
        tools = {t["name"]: t for t in peer.request("tools/list")["result"]["tools"]}
        check(tools["long_job"]["execution"] == {"taskSupport": "optional"} and tools["task_only"]["execution"] == {"taskSupport": "required"}, "execution.taskSupport")

        check(text_of(call(peer, "long_job", {"seconds": 0.05})["result"]) == "done", "inline long_job -> done")
        check(call(peer, "long_job", {"seconds": 0.01, "fail": True})["error"]["code"] == -32603, "inline fail -> -32603")
        peer.answer_server_request = lambda req: {"result": {"action": "accept", "content": {"name": "Ada"}}}
        check(text_of(call(peer, "long_job", {"seconds": 0.01, "ask": True})["result"]) == "hello Ada", "inline ask -> hello Ada")
        only = call(peer, "task_only")
        check(only["error"]["code"] == -32601, "task_only without params.task -> -32601", only)

        created = call(peer, "long_job", {"seconds": 0.3}, task={"ttl": 60000})["result"]
        task = created["task"]
        check(task["status"] == "working" and task["taskId"], "CreateTaskResult {task}", created)
        peer.pump(0.05)
        final, seen = poll(peer, task["taskId"], {"completed", "failed", "cancelled"})
        check(seen[0] == "working" and final["status"] == "completed", "tasks/get working -> completed", seen)
        payload = peer.request("tasks/result", {"taskId": task["taskId"]})["result"]
        check(text_of(payload) == "done" and payload["_meta"][RELATED_TASK] == {"taskId": task["taskId"]}, "tasks/result -> CallToolResult", payload)
        statuses = peer.take_notifications("notifications/tasks/status")
        check(any(n["params"]["status"] == "completed" for n in statuses), "notifications/tasks/status completed", statuses)

        listed = peer.request("tasks/list")["result"]["tasks"]
        check(any(t["taskId"] == task["taskId"] for t in listed), "tasks/list has the task")

        created = call(peer, "long_job", {"seconds": 0.05, "fail": True}, task={"ttl": 60000})["result"]
        final, _ = poll(peer, created["task"]["taskId"], {"completed", "failed", "cancelled"})
        check(final["status"] == "failed" and "long_job failed" in (final.get("statusMessage") or ""), "fail=true -> failed", final)
        payload = peer.request("tasks/result", {"taskId": created["task"]["taskId"]})
        print(f"      tasks/result of the failed task: {payload.get('result', payload.get('error'))}")

        peer.answer_server_request = lambda req: {"result": {"action": "accept", "content": {"name": "Grace"}}}
        peer.server_requests.clear()
        created = call(peer, "long_job", {"seconds": 0.05, "ask": True}, task={"ttl": 60000})["result"]
        task_id = created["task"]["taskId"]
        waiting, seen = poll(peer, task_id, {"input_required"})
        check(waiting["status"] == "input_required", "ask=true -> input_required", seen)
        payload = peer.request("tasks/result", {"taskId": task_id})["result"]
        req = peer.server_requests[-1]
        check(req["method"] == "elicitation/create" and req["params"]["_meta"][RELATED_TASK] == {"taskId": task_id}, "elicitation/create delivered during tasks/result, with related-task", req)
        check(text_of(payload) == "hello Grace", "tasks/result -> hello Grace", payload)

        created = call(peer, "long_job", {"seconds": 5}, task={"ttl": 60000})["result"]
        cancelled = peer.request("tasks/cancel", {"taskId": created["task"]["taskId"]})["result"]
        check(cancelled["status"] == "cancelled", "tasks/cancel -> cancelled task", cancelled)
        again = peer.request("tasks/cancel", {"taskId": created["task"]["taskId"]})
        check(again["error"]["code"] == -32602, "cancelling a terminal task -> -32602", again)

        created = call(peer, "task_only", task={"ttl": 60000})["result"]
        final, _ = poll(peer, created["task"]["taskId"], {"completed"})
        check(text_of(peer.request("tasks/result", {"taskId": created["task"]["taskId"]})["result"]) == "task-only result", "task_only as a task")


if __name__ == "__main__":
    run([list_changes, url_elicitation, structured_output, tasks])
