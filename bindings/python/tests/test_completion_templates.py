"""Completion (typed helper) and resource templates with RFC 6570 expansion, in both eras."""

from __future__ import annotations

import pytest

import mcpclient
from mcpclient import expand_uri_template

GREET = {"type": "ref/prompt", "name": "greet"}


def test_completion_of_a_prompt_argument(connected):
    mgr, name, _, _ = connected
    completion = mgr.complete(name, GREET, "name", "a")
    assert completion["values"] == ["Ada", "Alan"]
    assert completion["total"] == 2
    assert mgr.complete(name, GREET, "name", "gr")["values"] == ["Grace"]


def test_completion_arguments_are_checked_before_sending(connected):
    mgr, name, _, _ = connected
    with pytest.raises(mcpclient.McpInvalidError) as caught:
        mgr.complete(name, {"type": "ref/tool", "name": "x"}, "name", "a")
    assert caught.value.details["path"] == "ref.type"


def test_completion_through_submit(connected):
    from helpers import is_outcome, wait_for_event

    mgr, name, _, _ = connected
    request_id = mgr.submit({"op": "complete", "server": name, "params": {"ref": GREET, "argument": {"name": "name", "value": "b"}}})
    outcome, _ = wait_for_event(mgr, is_outcome(request_id))
    assert outcome["result"]["result"]["completion"]["values"] == ["Barbara"]


def test_a_listed_template_expands_and_reads(connected):
    mgr, name, _, _ = connected
    templates = {t["name"]: t["uriTemplate"] for t in mgr.list_resource_templates(name)}
    assert templates["item"] == "fixture://items/{id}"
    uri = expand_uri_template(templates["item"], {"id": "a b/c"})
    assert uri == "fixture://items/a%20b%2Fc"
    contents = mgr.read_resource(name, expand_uri_template(templates["item"], {"id": "42"}))["contents"]
    assert contents[0]["text"] == "item 42"


@pytest.mark.parametrize(
    "template, variables, expected",
    [
        ("{+path}/here", {"path": "/foo/bar"}, "/foo/bar/here"),
        ("{?x,y,empty}", {"x": 1024, "y": 768, "empty": ""}, "?x=1024&y=768&empty="),
        ("{/list*}", {"list": ["red", "green"]}, "/red/green"),
        ("{?keys*}", {"keys": {"semi": ";", "dot": "."}}, "?semi=%3B&dot=."),
        ("{var:3}", {"var": "value"}, "val"),
        ("x{undefined}y", {}, "xy"),
    ],
)
def test_rfc6570_expansion(template, variables, expected):
    assert expand_uri_template(template, variables) == expected


def test_a_malformed_template_is_rejected_with_its_offset():
    with pytest.raises(mcpclient.McpInvalidError) as caught:
        expand_uri_template("fixture://{id")
    assert caught.value.details["offset"] == 10
