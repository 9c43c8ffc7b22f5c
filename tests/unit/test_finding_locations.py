"""openapi-spec-validator's findings where the offending value is: in a
shared component, at the component's path, for every operation that uses
it (the validator checks each schema object once, so before this the second
operation was not told, and the first named itself, issue 13 point 4)."""

from __future__ import annotations

from typing import Any

from services.tools.spec_validation import validate_spec

OK = {"200": {"description": "ok"}}


def document(limit: dict[str, Any]) -> dict[str, Any]:
    shared = [{"$ref": "#/components/parameters/Limit"}]
    inline = {"name": "n", "in": "query", "schema": {"type": "integer", "default": "one"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {
            "/a": {"get": {"operationId": "a", "parameters": shared, "responses": OK}},
            "/b": {"get": {"operationId": "b", "parameters": shared, "responses": OK}},
            "/c": {"get": {"operationId": "c", "parameters": [inline], "responses": OK}},
            "/d": {"get": {"operationId": "d", "responses": OK}},
        },
        "components": {"parameters": {"Limit": limit}},
    }


BROKEN = {"name": "limit", "in": "query", "schema": {"type": "integer", "default": "ten"}}


def test_a_component_error_is_at_the_component_for_each_operation_using_it() -> None:
    report = validate_spec(document(BROKEN), target_name="t")
    found = sorted((f.path, f.operation, f.operations, f.message) for f in report.errors)
    # The component's one bad value is one finding, naming both operations.
    assert found == [
        ("components.parameters.Limit.schema", None, ("a", "b"), "'ten' is not of type 'integer'"),
        ("paths./c.get.parameters[0].schema", "c", ("c",), "'one' is not of type 'integer'"),
    ]
    # Each operation's own report still says why it cannot be served.
    by_op = {op.operation_id: [f.path for f in op.findings] for op in report.operations}
    assert by_op == {
        "a": ["components.parameters.Limit.schema"],
        "b": ["components.parameters.Limit.schema"],
        "c": ["paths./c.get.parameters[0].schema"],
        "d": [],
    }
    assert report.to_dict()["errors"][0]["operations"] == ["a", "b"]


def test_under_exclude_every_operation_using_the_component_is_left_out() -> None:
    report = validate_spec(document(BROKEN), target_name="t", on_unsupported="exclude")
    assert report.published_operations == ("d",)


def test_one_operation_told_twice_is_still_that_operation() -> None:
    from services.tools.spec_validation.report import Finding, merge_shared

    twice = [Finding("error", "r", "p", "a", "m", ("a",))] * 2
    assert merge_shared(twice) == [Finding("error", "r", "p", "a", "m", ("a",))]
    both = merge_shared([twice[0], Finding("error", "r", "p", "b", "m", ("b",))])
    assert [(f.operation, f.operations) for f in both] == [(None, ("a", "b"))]


def test_an_unknown_operation_names_it_in_both_fields() -> None:
    report = validate_spec(document(BROKEN), target_name="t", include_operations=["zzz"])
    [unknown] = [f for f in report.errors if f.rule == "unknown-operation"]
    assert (unknown.operation, unknown.operations) == ("zzz", ("zzz",))
