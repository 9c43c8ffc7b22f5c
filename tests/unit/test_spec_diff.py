"""services.tools.spec_diff: each rule on a small document made for it (both
directions where it matters), `$ref`s followed into every operation that
uses them, cycles and the work bound, and the caps of the bounded dict."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from services.tools import spec_diff
from services.tools.spec_diff import SpecDiff, diff_specs
from tests.support import PETS

SCHEMAS = "#/components/schemas/"


# -- helpers ------------------------------------------------------------------


def ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMAS + name}


def obj(required: list[str] | None = None, **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def json_body(schema: Any, *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def ok(schema: Any) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def op(
    op_id: str,
    *,
    parameters: list[dict[str, Any]] | None = None,
    body: dict[str, Any] | None = None,
    responses: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    node: dict[str, Any] = {"operationId": op_id, "responses": responses or ok({"type": "string"})}
    if parameters is not None:
        node["parameters"] = parameters
    if body is not None:
        node["requestBody"] = body
    node.update(extra)
    return node


def spec(
    paths: dict[str, Any], schemas: dict[str, Any] | None = None, **top: Any
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
    }
    if schemas is not None:
        document["components"] = {"schemas": schemas}
    document.update(top)
    return document


def query(name: str, schema: dict[str, Any] | None = None, **flags: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema or {"type": "string"}, **flags}


def findings(diff: SpecDiff, operation: str = "op") -> list[tuple[str, str, bool]]:
    """(rule, path, breaking) of one operation's findings."""
    (change,) = [c for c in diff.changed if c.operation == operation]
    return [(f.rule, f.path, f.breaking) for f in change.findings]


def one_op(**kwargs: Any) -> dict[str, Any]:
    return spec({"/x": {"post": op("op", **kwargs)}})


def body_diff(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return findings(diff_specs(one_op(body=json_body(old)), one_op(body=json_body(new))))


def response_diff(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return findings(diff_specs(one_op(responses=ok(old)), one_op(responses=ok(new))))


BODY = "requestBody.content.application/json.schema"
RESPONSE = "responses.200.content.application/json.schema"


# -- operations ---------------------------------------------------------------


def test_identical_documents_have_an_empty_diff() -> None:
    diff = diff_specs(PETS, copy.deepcopy(PETS))

    assert diff.empty
    assert not diff.breaking
    assert diff.to_dict()["counts"] == {
        "added": 0,
        "removed": 0,
        "changed": 0,
        "findings": 0,
        "breaking_findings": 0,
    }


def test_a_removed_operation_is_breaking_an_added_one_is_not() -> None:
    fewer = copy.deepcopy(PETS)
    del fewer["paths"]["/pets/{id}"]

    removed = diff_specs(PETS, fewer)
    added = diff_specs(fewer, PETS)

    assert (removed.removed, removed.added, removed.breaking) == (("getPet",), (), True)
    assert (added.added, added.removed, added.breaking) == (("getPet",), (), False)
    assert removed.to_dict()["removed"] == ["getPet"]


def test_an_operation_without_operation_id_is_named_by_method_and_path() -> None:
    old = spec({"/a": {"get": {"responses": ok({"type": "string"})}}})
    new = spec({"/b": {"get": {"responses": ok({"type": "string"})}}})

    diff = diff_specs(old, new)

    assert (diff.removed, diff.added) == (("GET /a",), ("GET /b",))


def test_summary_description_and_deprecation_are_reported_not_breaking() -> None:
    old = one_op(summary="s", description="d")
    new = one_op(summary="s2", description="d2", deprecated=True)

    diff = diff_specs(old, new)

    assert findings(diff) == [
        ("summary-changed", "summary", False),
        ("description-changed", "description", False),
        ("operation-deprecated", "deprecated", False),
    ]
    assert not diff.breaking


# -- parameters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ([], [query("limit", required=True)], ("new-required-request-parameter", True)),
        ([], [query("limit")], ("new-optional-request-parameter", False)),
        (
            [query("limit")],
            [query("limit", required=True)],
            ("request-parameter-became-required", True),
        ),
        (
            [query("limit", required=True)],
            [query("limit")],
            ("request-parameter-became-optional", False),
        ),
        ([query("limit")], [], ("request-parameter-removed", True)),
    ],
)
def test_parameter_rules(
    old: list[dict[str, Any]], new: list[dict[str, Any]], expected: tuple[str, bool]
) -> None:
    diff = diff_specs(one_op(parameters=old), one_op(parameters=new))

    assert findings(diff) == [(expected[0], "parameters.query.limit", expected[1])]
    assert diff.breaking is expected[1]


def test_a_parameter_schema_is_compared_as_a_request_value() -> None:
    old = one_op(parameters=[query("limit", {"type": "number"})])
    new = one_op(parameters=[query("limit", {"type": "integer"})])

    assert findings(diff_specs(old, new)) == [
        ("request-type-changed", "parameters.query.limit.schema", True)
    ]


def test_path_level_and_referenced_parameters_count_for_the_operation() -> None:
    def document(required: bool) -> dict[str, Any]:
        return spec(
            {"/x": {"parameters": [query("tenant", required=required)], "get": op("op")}},
            components={"parameters": {"Id": query("id", required=required)}},
        )

    old, new = document(False), document(True)
    new["paths"]["/x"]["get"]["parameters"] = [{"$ref": "#/components/parameters/Id"}]
    old["paths"]["/x"]["get"]["parameters"] = [{"$ref": "#/components/parameters/Id"}]

    assert findings(diff_specs(old, new)) == [
        ("request-parameter-became-required", "parameters.query.tenant", True),
        ("request-parameter-became-required", "parameters.query.id", True),
    ]


# -- request bodies -----------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (obj(), obj(["name"], name={"type": "string"}), ("new-required-request-property", True)),
        (obj(), obj(name={"type": "string"}), ("new-optional-request-property", False)),
        (
            obj(name={"type": "string"}),
            obj(["name"], name={"type": "string"}),
            ("request-property-became-required", True),
        ),
        (
            obj(["name"], name={"type": "string"}),
            obj(name={"type": "string"}),
            ("request-property-became-optional", False),
        ),
        (obj(name={"type": "string"}), obj(), ("request-property-removed", False)),
        # readOnly: never sent, so never required of the agent.
        (
            obj(),
            obj(["id"], id={"type": "string", "readOnly": True}),
            ("new-optional-request-property", False),
        ),
    ],
)
def test_request_property_rules(
    old: dict[str, Any], new: dict[str, Any], expected: tuple[str, bool]
) -> None:
    (finding,) = body_diff(old, new)
    rule, path, breaking = finding

    assert (rule, breaking) == expected
    assert path.startswith(f"{BODY}.properties.")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (None, json_body({"type": "string"}), ("new-required-request-body", True)),
        (None, json_body({"type": "string"}, required=False), ("new-optional-request-body", False)),
        (json_body({"type": "string"}), None, ("request-body-removed", True)),
        (
            json_body({"type": "string"}, required=False),
            json_body({"type": "string"}),
            ("request-body-became-required", True),
        ),
        (
            json_body({"type": "string"}),
            json_body({"type": "string"}, required=False),
            ("request-body-became-optional", False),
        ),
    ],
)
def test_request_body_rules(
    old: dict[str, Any] | None, new: dict[str, Any] | None, expected: tuple[str, bool]
) -> None:
    assert findings(diff_specs(one_op(body=old), one_op(body=new))) == [
        (expected[0], "requestBody", expected[1])
    ]


def test_a_request_media_type_removed_is_breaking_added_is_not() -> None:
    both = json_body({"type": "string"})
    both["content"]["text/plain"] = {"schema": {"type": "string"}}
    json_only = json_body({"type": "string"})

    removed = diff_specs(one_op(body=both), one_op(body=json_only))
    added = diff_specs(one_op(body=json_only), one_op(body=both))

    assert findings(removed) == [
        ("request-media-type-removed", "requestBody.content.text/plain", True)
    ]
    assert findings(added) == [
        ("request-media-type-added", "requestBody.content.text/plain", False)
    ]


# -- types, formats, bounds, enums ---------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "request_breaks", "response_breaks"),
    [
        ("number", "integer", True, False),  # narrowed
        ("integer", "number", False, True),  # widened
        ("string", "integer", True, True),  # changed
    ],
)
def test_a_type_change_breaks_requests_when_narrowed_and_responses_when_widened(
    old: str, new: str, request_breaks: bool, response_breaks: bool
) -> None:
    before, after = obj(v={"type": old}), obj(v={"type": new})

    assert body_diff(before, after) == [
        ("request-type-changed", f"{BODY}.properties.v", request_breaks)
    ]
    assert response_diff(before, after) == [
        ("response-type-changed", f"{RESPONSE}.properties.v", response_breaks)
    ]


def test_nullable_counts_as_a_type() -> None:
    plain, nullable = {"type": "string"}, {"type": "string", "nullable": True}

    assert body_diff(nullable, plain) == [("request-type-changed", BODY, True)]
    assert body_diff(plain, nullable) == [("request-type-changed", BODY, False)]
    assert response_diff(plain, nullable) == [("response-type-changed", RESPONSE, True)]


def test_a_format_added_or_changed_narrows_a_request() -> None:
    int32, int64 = {"type": "integer", "format": "int32"}, {"type": "integer", "format": "int64"}

    assert body_diff(int64, int32) == [("request-format-changed", BODY, True)]
    assert body_diff({"type": "integer"}, int32) == [("request-format-changed", BODY, True)]
    assert body_diff(int32, {"type": "integer"}) == [("request-format-changed", BODY, False)]


@pytest.mark.parametrize(
    ("old", "new", "rule", "narrowed"),
    [
        ({"maxLength": 10}, {"maxLength": 5}, "request-max-length-decreased", True),
        ({"maxLength": 5}, {"maxLength": 10}, "request-max-length-increased", False),
        ({}, {"maxLength": 5}, "request-max-length-added", True),
        ({"maxLength": 5}, {}, "request-max-length-removed", False),
        ({"minimum": 1}, {"minimum": 2}, "request-minimum-increased", True),
        ({"minimum": 2}, {"minimum": 1}, "request-minimum-decreased", False),
        ({"maxItems": 3}, {"maxItems": 2}, "request-max-items-decreased", True),
    ],
)
def test_bounds_break_requests_when_narrowed_and_responses_when_widened(
    old: dict[str, Any], new: dict[str, Any], rule: str, narrowed: bool
) -> None:
    assert body_diff({"type": "string", **old}, {"type": "string", **new}) == [
        (rule, BODY, narrowed)
    ]
    (finding,) = response_diff({"type": "string", **old}, {"type": "string", **new})
    assert finding == (rule.replace("request", "response"), RESPONSE, not narrowed)


def test_a_pattern_added_or_changed_breaks_a_request_only() -> None:
    plain, digits = {"type": "string"}, {"type": "string", "pattern": "^[0-9]+$"}
    hex_ = {"type": "string", "pattern": "^[0-9a-f]+$"}

    assert body_diff(plain, digits) == [("request-pattern-changed", BODY, True)]
    assert body_diff(digits, hex_) == [("request-pattern-changed", BODY, True)]
    assert body_diff(digits, plain) == [("request-pattern-changed", BODY, False)]
    assert response_diff(plain, digits) == [("response-pattern-changed", RESPONSE, False)]


def test_a_request_that_no_longer_takes_other_properties_breaks() -> None:
    closed = {**obj(a={"type": "string"}), "additionalProperties": False}

    assert body_diff(obj(a={"type": "string"}), closed) == [
        ("request-additional-properties-disallowed", BODY, True)
    ]
    opened = diff_specs(
        one_op(body=json_body(closed)), one_op(body=json_body(obj(a={"type": "string"})))
    )
    assert opened.empty


@pytest.mark.parametrize(
    ("old", "new", "in_request", "in_response"),
    [
        (None, ["a", "b"], ("request-became-enum", True), ("response-became-enum", False)),
        (
            ["a", "b"],
            ["a"],
            ("request-enum-value-removed", True),
            ("response-enum-value-removed", False),
        ),
        (
            ["a"],
            ["a", "b"],
            ("request-enum-value-added", False),
            ("response-enum-value-added", False),
        ),
        (["a"], None, ("request-enum-removed", False), ("response-enum-removed", False)),
    ],
)
def test_enum_rules(
    old: list[str] | None,
    new: list[str] | None,
    in_request: tuple[str, bool],
    in_response: tuple[str, bool],
) -> None:
    def schema(values: list[str] | None) -> dict[str, Any]:
        return {"type": "string"} if values is None else {"type": "string", "enum": values}

    assert body_diff(schema(old), schema(new)) == [(in_request[0], BODY, in_request[1])]
    assert response_diff(schema(old), schema(new)) == [(in_response[0], RESPONSE, in_response[1])]


# -- responses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (obj(id={"type": "string"}), obj(), ("response-property-removed", True)),
        (obj(), obj(id={"type": "string"}), ("response-property-added", False)),
        (
            obj(["id"], id={"type": "string"}),
            obj(id={"type": "string"}),
            ("response-property-became-optional", True),
        ),
        (
            obj(id={"type": "string"}),
            obj(["id"], id={"type": "string"}),
            ("response-property-became-required", False),
        ),
        # writeOnly: never in a response, so not lost from one.
        (
            obj(pw={"type": "string", "writeOnly": True}),
            obj(),
            ("response-property-removed", False),
        ),
    ],
)
def test_response_property_rules(
    old: dict[str, Any], new: dict[str, Any], expected: tuple[str, bool]
) -> None:
    ((rule, path, breaking),) = response_diff(old, new)

    assert (rule, breaking) == expected
    assert path.startswith(f"{RESPONSE}.properties.")


def test_a_removed_success_status_is_breaking_an_error_status_is_not() -> None:
    both = {**ok({"type": "string"}), "404": {"description": "missing"}}
    fewer_errors = ok({"type": "string"})
    fewer_successes = {"201": {"description": "made"}, "404": {"description": "missing"}}

    assert findings(diff_specs(one_op(responses=both), one_op(responses=fewer_errors))) == [
        ("response-status-removed", "responses.404", False)
    ]
    assert findings(diff_specs(one_op(responses=both), one_op(responses=fewer_successes))) == [
        ("response-success-status-removed", "responses.200", True),
        ("response-status-added", "responses.201", False),
    ]


# -- the server URL --------------------------------------------------------------


def test_a_changed_server_url_is_one_breaking_document_finding() -> None:
    old = spec({"/a": {"get": op("a")}, "/b": {"get": op("b")}})
    new = copy.deepcopy(old)
    new["servers"] = [{"url": "https://api2.example.com"}]

    diff = diff_specs(old, new)

    assert [(f.rule, f.path, f.breaking) for f in diff.document] == [
        ("server-url-changed", "servers", True)
    ]
    assert diff.changed == ()
    assert diff.breaking
    assert diff.to_dict()["document"][0]["message"] == (
        "the server URL changed from https://api.example.com to https://api2.example.com"
    )


def test_a_server_added_after_the_first_is_not_breaking() -> None:
    old = spec({"/a": {"get": op("a")}})
    new = copy.deepcopy(old)
    new["servers"].append({"url": "https://eu.example.com"})

    diff = diff_specs(old, new)

    assert [(f.rule, f.breaking) for f in diff.document] == [("server-added", False)]
    assert not diff.breaking


def test_server_variables_are_read_with_their_defaults() -> None:
    old = spec({"/a": {"get": op("a")}}, servers=[{"url": "https://api.example.com/v1"}])
    new = spec(
        {"/a": {"get": op("a")}},
        servers=[{"url": "https://api.example.com/{v}", "variables": {"v": {"default": "v1"}}}],
    )

    assert diff_specs(old, new).empty


# -- $refs ----------------------------------------------------------------------


def test_a_change_inside_a_component_is_found_at_every_operation_using_it() -> None:
    def document(pet: dict[str, Any]) -> dict[str, Any]:
        return spec(
            {
                "/pets": {
                    "post": op("createPet", body=json_body(ref("Pet"))),
                    "get": op("listPets", responses=ok({"type": "array", "items": ref("Pet")})),
                },
                "/owners": {"get": op("getOwner", responses=ok(obj(pet=ref("Pet"))))},
                "/other": {"get": op("other")},
            },
            {"Pet": pet},
        )

    old = document(obj(name={"type": "string"}))
    new = document(obj(["name", "tag"], name={"type": "string"}, tag={"type": "string"}))

    diff = diff_specs(old, new)

    assert findings(diff, "createPet") == [
        ("request-property-became-required", f"{BODY}.properties.name", True),
        ("new-required-request-property", f"{BODY}.properties.tag", True),
    ]
    # The same component in responses: judged as a response.
    assert findings(diff, "listPets") == [
        ("response-property-became-required", f"{RESPONSE}.items.properties.name", False),
        ("response-property-added", f"{RESPONSE}.items.properties.tag", False),
    ]
    assert findings(diff, "getOwner") == [
        ("response-property-became-required", f"{RESPONSE}.properties.pet.properties.name", False),
        ("response-property-added", f"{RESPONSE}.properties.pet.properties.tag", False),
    ]
    assert [c.operation for c in diff.changed] == ["createPet", "getOwner", "listPets"]


def test_a_referenced_request_body_and_a_ref_on_one_side_only_are_followed() -> None:
    old = spec(
        {"/x": {"post": op("op", body={"$ref": "#/components/requestBodies/B"})}},
        components={"requestBodies": {"B": json_body(obj(a={"type": "string"}))}},
    )
    new = one_op(body=json_body(obj(a={"type": "integer"})))

    assert findings(diff_specs(old, new)) == [
        ("request-type-changed", f"{BODY}.properties.a", True)
    ]


def test_a_cyclic_schema_terminates_and_its_changes_are_found() -> None:
    def document(node: dict[str, Any]) -> dict[str, Any]:
        return spec({"/tree": {"get": op("op", responses=ok(ref("Node")))}}, {"Node": node})

    old = document(obj(name={"type": "string"}, children={"type": "array", "items": ref("Node")}))
    new = document(obj(children={"type": "array", "items": ref("Node")}))

    assert diff_specs(old, copy.deepcopy(old)).empty
    # Found once, where the operation first reaches it: the cycle adds nothing.
    assert findings(diff_specs(old, new)) == [
        ("response-property-removed", f"{RESPONSE}.properties.name", True)
    ]


def test_mutually_recursive_schemas_renamed_on_one_side_terminate() -> None:
    old = spec(
        {"/x": {"get": op("op", responses=ok(ref("A")))}},
        {"A": obj(b=ref("B")), "B": obj(a=ref("A"), n={"type": "string"})},
    )
    new = spec(
        {"/x": {"get": op("op", responses=ok(ref("A2")))}},
        {"A2": obj(b=ref("B2")), "B2": obj(a=ref("A2"), n={"type": "integer"})},
    )

    assert findings(diff_specs(old, new)) == [
        ("response-type-changed", f"{RESPONSE}.properties.b.properties.n", True)
    ]


def test_past_the_work_bound_the_diff_stops_and_says_it_is_breaking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spec_diff, "MAX_STEPS", 3)
    wide = obj(**{f"p{i}": obj(q={"type": "string"}) for i in range(10)})

    diff = diff_specs(one_op(body=json_body(wide)), one_op(body=json_body(copy.deepcopy(wide))))

    assert [(f.rule, f.breaking) for f in diff.document] == [("diff-incomplete", True)]
    assert diff.breaking


# -- the bounded dict ---------------------------------------------------------------


def test_the_dict_is_capped_breaking_first_and_counts_what_it_leaves_out() -> None:
    long = "x" * 500
    many = 80  # more than MAX_LISTED_OPERATIONS
    properties = {f"{long}{i}": {"type": "string"} for i in range(30)}
    old_paths = {f"/gone{i}": {"get": op(f"gone{i}{long}")} for i in range(many)}
    new_paths = {f"/new{i}": {"get": op(f"new{i}{long}")} for i in range(many)}
    for i in range(many):
        # Each changed operation: 30 harmless findings, and one breaking.
        old_paths[f"/c{i}"] = {
            "post": op(f"c{i}{long}", body=json_body(obj(**properties)), description="a")
        }
        new_paths[f"/c{i}"] = {
            "post": op(f"c{i}{long}", body=json_body(obj(["n"], n={"type": "string"})))
        }

    diff = diff_specs(spec(old_paths), spec(new_paths))
    out = diff.to_dict()

    assert out["counts"] == {
        "added": many,
        "removed": many,
        "changed": many,
        "findings": many * 32,
        "breaking_findings": many,
    }
    assert len(out["added"]) == len(out["removed"]) == len(out["changed"]) == 50
    listed = [f for c in out["changed"] for f in c["findings"]]
    assert len(listed) == spec_diff.MAX_LISTED_FINDINGS
    assert all(len(c["findings"]) <= spec_diff.MAX_FINDINGS_PER_OPERATION for c in out["changed"])
    assert out["changed"][0]["findings"][0]["rule"] == "new-required-request-property"
    assert out["omitted"] == {
        "added": many - 50,
        "removed": many - 50,
        "changed": many - 50,
        "findings": many * 32 - spec_diff.MAX_LISTED_FINDINGS,
    }
    assert all(len(f["path"]) <= spec_diff.MAX_TEXT for f in listed)
    assert len(json.dumps(out)) < spec_diff.MAX_DIFF_BYTES


def test_misshapen_parts_are_read_as_empty_not_crashed_on() -> None:
    old = spec(
        {
            "/x": {
                "parameters": "nope",
                "get": {
                    "operationId": "op",
                    "parameters": [1, None, {"in": "query"}],
                    "requestBody": "body",
                    "responses": [],
                },
            },
            "/y": ["not", "an", "item"],
        }
    )
    new = copy.deepcopy(old)
    new["paths"]["/x"]["get"]["requestBody"] = {"content": {"application/json": {"schema": 7}}}
    new["paths"]["/x"]["get"]["responses"] = {"200": {"content": "x"}}
    new["servers"] = "elsewhere"

    diff = diff_specs(old, new)

    assert [(f.rule, f.breaking) for f in diff.document] == [("server-url-changed", True)]
    assert [rule for rule, _, _ in findings(diff)] == [
        "request-media-type-added",
        "response-status-added",
    ]
