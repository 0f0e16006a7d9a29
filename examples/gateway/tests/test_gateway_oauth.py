"""OAuth sign-ins through the gateway against the python-sdk authorization server: reinitialize → initiate (302 and
the CSRF cookie) → the authorization server → the gateway's callback → a signed-in connection; cancel, bind, the
CSRF check, and a sign-in found by a 401 on a user-created server (the manager-wide callback URL)."""

from __future__ import annotations

import time
import urllib.parse

import gateway_harness as h


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_a_user_signs_in_through_the_callback_endpoint(stack, alice):
    before = alice.get("/api/mcp/connection/status/guarded").json
    assert before["requiresOAuth"] is True and before["connectionStatus"] != "connected"

    report = alice.post("/api/mcp/guarded/reinitialize")
    assert report.status == 200, report
    assert report.json["success"] is False and report.json["oauthRequired"] is True
    auth_url = report.json["oauthUrl"]
    assert auth_url.startswith(stack["auth"] + "/authorize?")
    assert query_of(auth_url)["redirect_uri"] == stack["gateway"] + "/api/mcp/guarded/oauth/callback"
    assert "oauth_csrf" in alice.cookies

    assert alice.get("/api/mcp/guarded/oauth/initiate?userId=bob").status == 403
    initiate = alice.get("/api/mcp/guarded/oauth/initiate?userId=alice")
    assert initiate.status == 302 and initiate.header("Location") == auth_url  # joins the pending sign-in
    flow_id = report.json["flowId"]
    assert alice.get(f"/api/mcp/oauth/status/{urllib.parse.quote(flow_id, safe='')}").json == {
        "status": "PENDING", "completed": False, "failed": False, "error": None}

    callback = h.browse(auth_url)
    origin, target = h.path_of(callback)
    assert origin == stack["gateway"] and target.startswith("/api/mcp/guarded/oauth/callback?code=")
    # A browser without the cookie set by initiate is turned away, and the flow stays pending.
    stranger = h.Client(stack["gateway"], None)
    turned_away = stranger.get(target)
    assert turned_away.status == 302 and turned_away.header("Location") == "/oauth/error?error=csrf_validation_failed"
    # Alice's browser: no bearer token on the callback, only the cookie.
    browser = h.Client(stack["gateway"], None)
    browser.cookies = dict(alice.cookies)
    done = browser.get(target)
    assert done.status == 302 and done.header("Location") == "/oauth/success?serverName=guarded"
    assert "oauth_csrf" not in browser.cookies  # cleared on use
    page = browser.get(done.header("Location"))
    assert page.status == 200 and b"guarded" in page.raw and page.header("Content-Type").startswith("text/html")
    replay = browser.get(target)
    assert replay.header("Location") == "/oauth/error?error=csrf_validation_failed"

    assert alice.get(f"/api/mcp/oauth/status/{flow_id}").json["status"] == "COMPLETED"
    # The library reopens Alice's connection with the new tokens in the background.
    deadline = time.monotonic() + 15
    while alice.get("/api/mcp/connection/status/guarded").json["authorizationState"] != "authorized":
        assert time.monotonic() < deadline, "the connection did not pick the sign-in up"
        time.sleep(0.1)
    call = alice.post("/api/mcp/tools/call", {"name": "echo_mcp_guarded", "arguments": {"text": "signed in"}})
    assert call.status == 200 and call.json["result"]["content"][0]["text"] == "signed in"
    assert alice.get("/api/mcp/connection/status/guarded").json["connectionStatus"] == "connected"
    assert alice.post("/api/mcp/guarded/oauth/bind").status == 404  # nothing pending any more


def test_sign_ins_are_per_user_and_cancel_makes_the_callback_stale(stack, bob, alice):
    # Alice's sign-in is hers: Bob still has to sign in, and may not read her flow.
    assert alice.get("/api/mcp/oauth/status/alice:guarded").status in (200, 404)
    assert bob.get("/api/mcp/oauth/status/alice:guarded").status == 403
    refused = bob.post("/api/mcp/tools/call", {"serverName": "guarded", "tool": "echo", "arguments": {"text": "x"}})
    assert refused.status == 401 and refused.json["error"] == "OAuth authentication required"
    assert refused.json["oauthUrl"].startswith(stack["auth"] + "/authorize?")

    bound = bob.post("/api/mcp/guarded/oauth/bind")  # a flow started outside HTTP (the call above)
    assert bound.status == 200 and bound.json == {"success": True} and "oauth_csrf" in bob.cookies
    initiate = bob.get("/api/mcp/guarded/oauth/initiate")
    assert initiate.header("Location") == refused.json["oauthUrl"]
    _, target = h.path_of(h.browse(initiate.header("Location")))
    cancelled = bob.post("/api/mcp/oauth/cancel/guarded")
    assert cancelled.json == {"success": True, "message": "OAuth flow for guarded cancelled successfully"}
    # The library forgets a cancelled flow: its status is gone (404 is terminal for LibreChat's polling UI).
    assert bob.get("/api/mcp/oauth/status/bob:guarded").status == 404
    stale = bob.get(target)
    assert stale.status == 302 and stale.header("Location") == "/oauth/error?error=invalid_state"
    assert bob.get("/api/mcp/connection/status/guarded").json["authorizationState"] != "authorized"
    assert bob.post("/api/mcp/oauth/cancel/nope").status == 404


def test_a_sign_in_found_by_a_401_uses_the_manager_wide_callback(stack, alice):
    created = alice.post("/api/mcp/servers", {"name": "found-by-401", "url": stack["auth"] + "/mcp"})
    assert created.status == 201, created
    try:
        report = alice.post("/api/mcp/found-by-401/reinitialize").json
        assert report["oauthRequired"] is True, report
        assert query_of(report["oauthUrl"])["redirect_uri"] == stack["gateway"] + "/api/mcp/oauth/callback"
        _, target = h.path_of(h.browse(report["oauthUrl"]))
        done = alice.get(target)
        assert done.header("Location") == "/oauth/success?serverName=found-by-401"
        call = alice.post("/api/mcp/tools/call", {"name": "echo_mcp_found-by-401", "arguments": {"text": "401"}})
        assert call.status == 200 and call.json["result"]["content"][0]["text"] == "401"
    finally:
        alice.delete("/api/mcp/servers/found-by-401")
