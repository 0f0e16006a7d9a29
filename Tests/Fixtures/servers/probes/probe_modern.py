"""Drive everything_modern.py with raw 2026-07-28 JSON-RPC and check the newer fixture features.

    python3 Tests/Fixtures/servers/probes/probe_modern.py     (PROBE_VERBOSE=1 prints the wire)

Any Python 3.11+ works (no SDK needed); the fixture itself runs in .venv-modern.
"""

from __future__ import annotations

import json
import time

from rpc import Peer, ProbeFailure, check, envelope, run

TASKS = "io.modelcontextprotocol/tasks"
SUB_ID = "io.modelcontextprotocol/subscriptionId"


def call(peer: Peer, name: str, arguments: dict | None = None, caps: dict | None = None, **extra) -> dict:
    params = {"name": name, "arguments": arguments or {}, "_meta": envelope(caps), **extra}
    return peer.request("tools/call", params)


def text_of(result: dict) -> str:
    return result["content"][0]["text"]


def subscriptions() -> None:
    with Peer("modern") as peer:
        discover = peer.request("server/discover", {"_meta": envelope()})["result"]
        check(discover["capabilities"]["tools"] == {"listChanged": True}, "discover: tools.listChanged", discover)
        listen_id = peer.start(
            "subscriptions/listen",
            {
                "notifications": {
                    "toolsListChanged": True,
                    "promptsListChanged": True,
                    "resourcesListChanged": True,
                    "resourceSubscriptions": ["fixture://counter"],
                },
                "_meta": envelope(),
            },
        )
        ack = peer.wait_notification("notifications/subscriptions/acknowledged")
        check(ack["params"]["_meta"][SUB_ID] == listen_id, "ack carries subscriptionId", ack)
        check(ack["params"]["notifications"]["resourceSubscriptions"] == ["fixture://counter"], "ack echoes filter", ack)

        r = call(peer, "add_tool", {"name": "extra_tool"})["result"]
        check(text_of(r) == "ok", "add_tool -> ok", r)
        note = peer.wait_notification("notifications/tools/list_changed")
        check(note["params"]["_meta"][SUB_ID] == listen_id, "tools/list_changed on the listen stream", note)
        names = [t["name"] for t in peer.request("tools/list", {"_meta": envelope()})["result"]["tools"]]
        check("extra_tool" in names, "extra_tool listed")
        check(text_of(call(peer, "extra_tool")["result"]) == "ok", "extra_tool callable")
        check(text_of(call(peer, "remove_tool", {"name": "extra_tool"})["result"]) == "ok", "remove_tool -> ok")
        peer.wait_notification("notifications/tools/list_changed")
        check(call(peer, "extra_tool").get("error", {}).get("code") == -32602, "removed tool is unknown (-32602)")

        check(text_of(call(peer, "bump")["result"]) == "1", "bump -> 1")
        note = peer.wait_notification("notifications/resources/updated")
        check(note["params"]["uri"] == "fixture://counter" and note["params"]["_meta"][SUB_ID] == listen_id, "resources/updated for counter", note)
        read = peer.request("resources/read", {"uri": "fixture://counter", "_meta": envelope()})["result"]
        check(read["contents"][0]["text"] == "1", "counter reads 1", read)
        call(peer, "bump", {"uri": "fixture://other"})
        peer.pump(0.3)
        check(not peer.take_notifications("notifications/resources/updated"), "no updated for an unsubscribed uri")

        call(peer, "change_prompts")
        peer.wait_notification("notifications/prompts/list_changed")
        prompts = [p["name"] for p in peer.request("prompts/list", {"_meta": envelope()})["result"]["prompts"]]
        check("dynamic_1" in prompts, "prompt dynamic_1 added", prompts)
        call(peer, "change_resources")
        peer.wait_notification("notifications/resources/list_changed")
        uris = [r["uri"] for r in peer.request("resources/list", {"_meta": envelope()})["result"]["resources"]]
        check("fixture://dynamic/1" in uris, "resource fixture://dynamic/1 added", uris)

        peer.notify("notifications/cancelled", {"requestId": listen_id, "_meta": envelope()})
        peer.pump(0.3)
        call(peer, "change_prompts")
        peer.pump(0.3)
        check(not peer.take_notifications("notifications/prompts/list_changed"), "nothing after cancelling the listen")


def url_elicitation() -> None:
    with Peer("modern") as peer:
        no_cap = call(peer, "open_url", {"url": "https://example.com/x"}, caps={"elicitation": {}})
        check(no_cap["error"]["code"] == -32021, "open_url without elicitation.url -> -32021", no_cap)
        check(no_cap["error"]["data"] == {"requiredCapabilities": {"elicitation": {"url": {}}}}, "requiredCapabilities", no_cap)
        caps = {"elicitation": {"url": {}}}
        first = call(peer, "open_url", {"url": "https://example.com/x"}, caps=caps)["result"]
        check(first["resultType"] == "input_required", "open_url -> input_required", first)
        req = first["inputRequests"]["open_url"]
        check(req["method"] == "elicitation/create" and req["params"]["mode"] == "url" and req["params"]["url"] == "https://example.com/x", "url-mode request", req)
        check("elicitationId" not in req["params"], "no elicitationId in 2026-07-28", req)
        for action in ("accept", "decline", "cancel"):
            again = call(peer, "open_url", {"url": "https://example.com/x"}, caps=caps, inputResponses={"open_url": {"action": action}})["result"]
            check(again["resultType"] == "complete" and text_of(again) == action, f"retry with {action} -> {action}", again)


def structured_output() -> None:
    with Peer("modern") as peer:
        tools = {t["name"]: t for t in peer.request("tools/list", {"_meta": envelope()})["result"]["tools"]}
        schema = tools["weather"]["outputSchema"]
        check(schema["properties"]["temperature"]["type"] == "number", "weather outputSchema", schema)
        check(tools["bad_weather"]["outputSchema"] == schema, "bad_weather declares the same outputSchema")
        good = call(peer, "weather", {"city": "Oslo"})["result"]
        check(good["structuredContent"] == {"city": "Oslo", "temperature": 21.5, "conditions": "sunny"} and not good["isError"], "weather structuredContent", good)
        bad = call(peer, "bad_weather", {"city": "Oslo"})["result"]
        check(bad["structuredContent"]["temperature"] == "warm" and not bad.get("isError"), "bad_weather violates its schema", bad)


def task_caps(extra: dict | None = None) -> dict:
    return {"extensions": {TASKS: {}}, **(extra or {})}


def poll(peer: Peer, task_id: str, until: set[str], caps: dict, timeout: float = 5.0) -> tuple[dict, list[str]]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = peer.request("tasks/get", {"taskId": task_id, "_meta": envelope(caps)})["result"]
        if not seen or seen[-1] != got["status"]:
            seen.append(got["status"])
        if got["status"] in until:
            return got, seen
        time.sleep(got.get("pollIntervalMs", 100) / 1000)
    raise ProbeFailure(f"task {task_id} never reached {until}: {seen}")


def tasks() -> None:
    with Peer("modern") as peer:
        discover = peer.request("server/discover", {"_meta": envelope()})["result"]
        check(discover["capabilities"]["extensions"] == {TASKS: {}}, "discover advertises the tasks extension", discover)
        plain = call(peer, "long_job", {"seconds": 0.05})["result"]
        check(plain["resultType"] == "complete" and text_of(plain) == "done", "long_job without opt-in runs inline", plain)
        failing = call(peer, "long_job", {"seconds": 0.01, "fail": True})
        check(failing["error"]["code"] == -32603, "long_job fail=true inline -> JSON-RPC error", failing)
        mrtr = call(peer, "long_job", {"seconds": 0.01, "ask": True}, caps={"elicitation": {}})["result"]
        check(mrtr["resultType"] == "input_required" and "name" in mrtr["inputRequests"], "inline ask -> input_required", mrtr)
        done = call(peer, "long_job", {"seconds": 0.01, "ask": True}, caps={"elicitation": {}},
                    inputResponses={"name": {"action": "accept", "content": {"name": "Ada"}}})["result"]
        check(text_of(done) == "hello Ada", "inline ask answered -> hello Ada", done)

        only = call(peer, "task_only")
        check(only["error"]["code"] == -32021 and only["error"]["data"] == {"requiredCapabilities": {"extensions": {TASKS: {}}}}, "task_only without opt-in -> -32021", only)
        get_no_cap = peer.request("tasks/get", {"taskId": "x", "_meta": envelope()})
        check(get_no_cap["error"]["code"] == -32021, "tasks/get without opt-in -> -32021", get_no_cap)
        unknown = peer.request("tasks/get", {"taskId": "nope", "_meta": envelope(task_caps())})
        check(unknown["error"]["code"] == -32602, "tasks/get unknown id -> -32602", unknown)

        caps = task_caps()
        created = call(peer, "long_job", {"seconds": 0.3}, caps=caps)["result"]
        check(created["resultType"] == "task" and created["status"] == "working" and created["pollIntervalMs"] == 100
              and created["ttlMs"] == 60000 and {"taskId", "createdAt", "lastUpdatedAt"} <= created.keys(), "long_job -> CreateTaskResult", created)
        final, seen = poll(peer, created["taskId"], {"completed", "failed", "cancelled"}, caps)
        check(seen[0] == "working" and final["status"] == "completed" and final["result"]["content"][0]["text"] == "done"
              and final["resultType"] == "complete", "tasks/get working -> completed with result", {"seen": seen, "final": final})

        created = call(peer, "long_job", {"seconds": 0.05, "fail": True}, caps=caps)["result"]
        final, _ = poll(peer, created["taskId"], {"completed", "failed", "cancelled"}, caps)
        check(final["status"] == "failed" and final["error"]["code"] == -32603, "fail=true -> failed with error", final)

        ask_caps = task_caps({"elicitation": {}})
        created = call(peer, "long_job", {"seconds": 0.05, "ask": True}, caps=ask_caps)["result"]
        waiting, seen = poll(peer, created["taskId"], {"input_required"}, ask_caps)
        req = waiting["inputRequests"]["name"]
        check(req["method"] == "elicitation/create" and req["params"]["requestedSchema"]["required"] == ["name"], "input_required with inputRequests.name", waiting)
        ack = peer.request("tasks/update", {"taskId": created["taskId"], "inputResponses": {"name": {"action": "accept", "content": {"name": "Ada"}}}, "_meta": envelope(ask_caps)})["result"]
        check(ack == {"resultType": "complete", "_meta": ack["_meta"]}, "tasks/update -> empty ack", ack)
        final, seen = poll(peer, created["taskId"], {"completed", "failed", "cancelled"}, ask_caps)
        check(final["status"] == "completed" and final["result"]["content"][0]["text"] == "hello Ada", "ask=true completes with hello Ada", final)

        created = call(peer, "long_job", {"seconds": 5}, caps=caps)["result"]
        ack = peer.request("tasks/cancel", {"taskId": created["taskId"], "_meta": envelope(caps)})["result"]
        check(ack["resultType"] == "complete" and set(ack) <= {"resultType", "_meta"}, "tasks/cancel -> empty ack", ack)
        final, _ = poll(peer, created["taskId"], {"completed", "failed", "cancelled"}, caps)
        check(final["status"] == "cancelled", "cancelled", final)

        created = call(peer, "task_only", caps=caps)["result"]
        final, _ = poll(peer, created["taskId"], {"completed", "failed", "cancelled"}, caps)
        check(final["result"]["content"][0]["text"] == "task-only result", "task_only with opt-in completes", final)


def cache_hints() -> None:
    methods = ("server/discover", "tools/list", "prompts/list", "resources/list", "resources/templates/list")
    with Peer("modern") as peer:
        for method in methods:
            result = peer.request(method, {"_meta": envelope()})["result"]
            check(result["ttlMs"] == 0 and result["cacheScope"] == "private", f"default {method}: ttlMs 0, private", result)
    with Peer("modern", env={"MCPCLIENT_FIXTURE_CACHE_TTL_MS": "60000", "MCPCLIENT_FIXTURE_CACHE_SCOPE": "public"}) as peer:
        for method in methods:
            result = peer.request(method, {"_meta": envelope()})["result"]
            check(result["ttlMs"] == 60000 and result["cacheScope"] == "public", f"opt-in {method}: ttlMs 60000, public", result)
        read = peer.request("resources/read", {"uri": "fixture://counter", "_meta": envelope()})["result"]
        check(read["ttlMs"] == 60000 and read["cacheScope"] == "public", "opt-in resources/read", read)
        listing = call(peer, "echo", {"text": "x"})["result"]
        check("ttlMs" not in listing, "tools/call carries no hint", listing)


if __name__ == "__main__":
    run([subscriptions, url_elicitation, structured_output, tasks, cache_hints])
