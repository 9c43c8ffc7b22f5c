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
    found = sorted((f.operation, f.path, f.message) for f in report.errors)
    assert found == [
        ("a", "components.parameters.Limit.schema", "'ten' is not of type 'integer'"),
        ("b", "components.parameters.Limit.schema", "'ten' is not of type 'integer'"),
        ("c", "paths./c.get.parameters[0].schema", "'one' is not of type 'integer'"),
    ]


def test_under_exclude_every_operation_using_the_component_is_left_out() -> None:
    report = validate_spec(document(BROKEN), target_name="t", on_unsupported="exclude")
    assert report.published_operations == ("d",)
