"""spec_normalize on oneOf/anyOf: one schema and null becomes a nullable
schema (3.0 `nullable`, 3.1 a type list), a one-branch composition is
inlined, and no `$ref` that resolved in the document as sent names nothing
after normalization (a property over generated documents).

Where these came from (benchmarks/corpus, shared/specs): `anyOf: [{type:
string}, {type: "null"}]` on hundreds of properties of openai_openapi.json
(3.1); `oneOf: [{$ref: ...}]` on a single branch in api/vtex.local specs;
a `$ref` into a flattened allOf
(`#/components/schemas/Template/allOf/1/properties/created_by/oneOf/1`,
issue 13)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.tools import json_pointer
from services.tools.spec_normalize import normalize_spec
from services.tools.spec_pipeline import check

STRING = {"type": "string"}
NULL = {"type": "null"}


def spec(schemas: dict[str, Any], version: str = "3.0.3") -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                            },
                        }
                    },
                }
            }
        },
        "components": {"schemas": schemas},
    }


def pet(name: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"name": name}}


def normalized_name(schemas: dict[str, Any], version: str = "3.0.3") -> Any:
    out, notes = normalize_spec(spec(schemas, version))
    return out["components"]["schemas"]["Pet"]["properties"]["name"], [n.path for n in notes]


def test_anyof_of_a_schema_and_null_is_a_type_list_in_31() -> None:
    name = {"anyOf": [STRING, NULL], "description": "its name"}
    out, paths = normalized_name({"Pet": pet(name)}, "3.1.0")
    assert out == {"type": ["string", "null"], "description": "its name"}
    assert paths == ["components.schemas.Pet.properties.name.anyOf"]


def test_oneof_of_a_ref_and_null_is_the_schema_nullable_in_30() -> None:
    schemas = {
        "Pet": pet({"oneOf": [{"$ref": "#/components/schemas/Name"}, NULL]}),
        "Name": {"type": "string", "enum": ["a", "b"]},
    }
    out, _ = normalized_name(schemas)
    assert out == {"type": "string", "enum": ["a", "b", None], "nullable": True}


def test_a_one_branch_oneof_is_that_branch_with_the_annotations_around_it() -> None:
    out, paths = normalized_name({"Pet": pet({"oneOf": [STRING], "title": "Name"})})
    assert out == {"type": "string", "title": "Name"}
    assert paths == ["components.schemas.Pet.properties.name.oneOf"]


def test_compositions_that_mean_more_are_still_reported() -> None:
    for name in (
        {"oneOf": [STRING, {"type": "integer"}]},  # two real branches
        {"anyOf": [{"type": ["string", "null"]}, NULL]},  # null twice: oneOf/anyOf differ
        {"anyOf": [{"minLength": 1}, NULL]},  # no type for null to join
        {"oneOf": [STRING], "maxLength": 3},  # a constraint beside the branch
    ):
        document = spec({"Pet": pet(name)}, "3.1.0")
        out, _ = normalized_name({"Pet": pet(name)}, "3.1.0")
        assert out == name
        rules = [f.rule for f in check(document, target_name="t").report.errors]
        assert rules[0].endswith("-unsupported"), (name, rules)


def test_a_ref_into_a_composition_keeps_it_as_it_is() -> None:
    # As in issue 13: a $ref names a branch inside an allOf; flattening that
    # allOf would leave the $ref naming nothing.
    template = {
        "allOf": [
            {"type": "object", "properties": {"id": STRING}},
            {"type": "object", "properties": {"by": {"oneOf": [STRING, NULL]}}},
        ]
    }
    schemas = {
        "Template": template,
        "Pet": pet({"$ref": "#/components/schemas/Template/allOf/1/properties/by/oneOf/0"}),
    }
    out, notes = normalize_spec(spec(schemas, "3.1.0"))
    assert out["components"]["schemas"]["Template"] == template
    assert notes == []


# -- every $ref that resolved still resolves ------------------------------------

leaf = st.sampled_from(
    [STRING, NULL, {"type": "integer"}, {"type": "object"}, {"$ref": "#/components/schemas/S0"}]
)
schemas = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(
            lambda kind, members, extra: {kind: members, **extra},
            st.sampled_from(["allOf", "oneOf", "anyOf"]),
            st.lists(inner, min_size=1, max_size=3),
            st.sampled_from([{}, {"description": "d"}, {"nullable": True}, {"type": "object"}]),
        ),
        st.builds(
            lambda props: {"type": "object", "properties": props},
            st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
        ),
    ),
    max_leaves=12,
)


def _nodes(node: Any, pointer: str) -> list[str]:
    out = [pointer]
    if isinstance(node, dict):
        for key, value in node.items():
            token = str(key).replace("~", "~0").replace("/", "~1")
            out += _nodes(value, f"{pointer}/{token}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _nodes(value, f"{pointer}/{i}")
    return out


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    found = {f"S{i}": draw(schemas) for i in range(3)}
    document = spec(found, draw(st.sampled_from(["3.0.3", "3.1.0"])))
    # What the other normalizations rewrite: a media range (renamed), a
    # primitive parameter's explode (removed), servers (chosen).
    document["paths"]["/any"] = {
        "get": {
            "parameters": [{"name": "q", "in": "query", "explode": False, "schema": draw(schemas)}],
            "responses": {
                "200": {"description": "ok", "content": {"*/*": {"schema": draw(schemas)}}}
            },
        }
    }
    document["servers"] = [{"url": "http://localhost"}, {"url": "https://api.example.com"}]
    rewritten = ("#/paths", "#/components", "#/servers")
    pointers = [p for p in _nodes(document, "#")[1:] if p.startswith(rewritten)]
    targets = draw(st.lists(st.sampled_from(pointers), max_size=4))
    found["Pet"] = {
        "type": "object",
        "properties": {f"r{i}": {"$ref": t} for i, t in enumerate(targets)},
    }
    return document


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(documents())
def test_every_ref_that_resolved_still_resolves(document: dict[str, Any]) -> None:
    before = copy.deepcopy(document)
    out, _ = normalize_spec(document)
    assert document == before
    for ref in _refs(document):
        if json_pointer.resolve(document, ref) is not None:
            assert json_pointer.resolve(out, ref) is not None, ref
