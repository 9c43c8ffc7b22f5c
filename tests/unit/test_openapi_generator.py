"""services/openapi_generator: an OpenAPI 3.0.3 document from an `api_info` source."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from services.errors import InvalidSpecError
from services.openapi_generator.openapi_generator import generate, operation_id_for, unique_id
from services.tools.models import ApiInfo


def api(*endpoints: dict[str, Any], **fields: Any) -> ApiInfo:
    return ApiInfo.model_validate(
        {
            "title": "Pets",
            "base_url": "https://api.example.com",
            **fields,
            "endpoints": list(endpoints),
        }
    )


def refusal(info: ApiInfo) -> list[dict[str, Any]]:
    with pytest.raises(InvalidSpecError) as caught:
        generate(info)
    return caught.value.details


def paths_of(details: list[dict[str, Any]]) -> list[str]:
    return [d["path"] for d in details]


# --- operationId ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/pets/{id}", "getPetsById"),
        ("GET", "/pets", "getPets"),
        ("POST", "/pets", "postPets"),
        ("DELETE", "/v1/user-profiles/{user_id}", "deleteV1UserProfilesByUserId"),
        ("GET", "/pets/{petId}/toys/{toyId}.json", "getPetsByPetIdToysByToyIdJson"),
        ("GET", "/", "getRoot"),
        ("PATCH", "/caf\u00e9s/{id}", "patchCafSById"),
        ("GET", "/a.b~c/{x-y}", "getABCByXY"),
    ],
)
def test_operation_id_is_made_from_method_and_path(method: str, path: str, expected: str) -> None:
    generated = operation_id_for(method, path)
    assert generated == expected
    assert generated.isascii()
    assert generated.replace("_", "").isalnum()


def test_unique_id_suffixes_from_2() -> None:
    assert unique_id("getPets", set()) == "getPets"
    assert unique_id("getPets", {"getPets"}) == "getPets_2"
    assert unique_id("getPets", {"getPets", "getPets_2"}) == "getPets_3"


def test_generated_ids_avoid_given_ones_and_each_other() -> None:
    doc = generate(
        api(
            {"method": "GET", "path": "/pets"},
            {"method": "GET", "path": "/pets/"},  # the same words: getPets again
            {"method": "POST", "path": "/pets", "operation_id": "getPets_2"},
        )
    )
    ids = [
        operation["operationId"] for item in doc["paths"].values() for operation in item.values()
    ]
    assert sorted(ids) == ["getPets", "getPets_2", "getPets_3"]
    assert doc["paths"]["/pets"]["post"]["operationId"] == "getPets_2"
    assert doc["paths"]["/pets/"]["get"]["operationId"] == "getPets_3"
    validate(doc)


def test_given_operation_id_is_kept() -> None:
    doc = generate(api({"method": "GET", "path": "/pets/{id}", "operation_id": "getPet"}))
    assert doc["paths"]["/pets/{id}"]["get"]["operationId"] == "getPet"


# --- the document -----------------------------------------------------------


def test_full_document_shape_and_validity() -> None:
    doc = generate(
        api(
            {
                "method": "GET",
                "path": "/pets/{id}",
                "summary": "Get a pet",
                "description": "One pet by id",
                "parameters": [
                    {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "X-Trace", "in": "header", "required": True, "description": "trace"},
                ],
                "response": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
            {
                "method": "POST",
                "path": "/pets",
                "request_body": {"type": "object", "required": ["name"]},
            },
            version="2.1.0",
            description="A pet store",
            base_url="https://api.example.com/v1/",
        )
    )
    assert doc["openapi"] == "3.0.3"
    assert doc["info"] == {"title": "Pets", "version": "2.1.0", "description": "A pet store"}
    assert doc["servers"] == [{"url": "https://api.example.com/v1"}]
    get = doc["paths"]["/pets/{id}"]["get"]
    assert get["summary"] == "Get a pet"
    assert get["description"] == "One pet by id"
    assert get["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "verbose", "in": "query", "required": False, "schema": {"type": "boolean"}},
        {
            "name": "X-Trace",
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "description": "trace",
        },
    ]
    assert get["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "object"
    assert "requestBody" not in get
    post = doc["paths"]["/pets"]["post"]
    assert post["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "required": ["name"]}}},
    }
    assert post["responses"] == {"200": {"description": "Successful response"}}
    assert "parameters" not in post
    validate(doc)


def test_declared_path_parameter_is_used_and_forced_required() -> None:
    doc = generate(
        api(
            {
                "method": "GET",
                "path": "/pets/{id}",
                "parameters": [
                    {"name": "id", "in": "path", "required": False, "schema": {"type": "integer"}}
                ],
            }
        )
    )
    assert doc["paths"]["/pets/{id}"]["get"]["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    validate(doc)


def test_same_path_different_methods_share_a_path_item() -> None:
    doc = generate(
        api(
            {"method": "GET", "path": "/pets/{id}"},
            {"method": "DELETE", "path": "/pets/{id}"},
            {"method": "PUT", "path": "/pets/{id}", "request_body": {"type": "object"}},
        )
    )
    assert sorted(doc["paths"]["/pets/{id}"]) == ["delete", "get", "put"]
    validate(doc)


def test_document_does_not_share_schemas_with_the_request() -> None:
    info = api({"method": "POST", "path": "/pets", "request_body": {"type": "object"}})
    doc = generate(info)
    doc["paths"]["/pets"]["post"]["requestBody"]["content"]["application/json"]["schema"]["x"] = 1
    assert info.endpoints[0].request_body == {"type": "object"}


def test_many_endpoints_validate() -> None:
    endpoints = [
        {"method": method, "path": f"/things{n}/{{id}}"}
        for n in range(30)
        for method in ("GET", "DELETE", "HEAD", "OPTIONS")
    ]
    doc = generate(api(*endpoints))
    assert len(doc["paths"]) == 30
    validate(doc)


# --- refusals ---------------------------------------------------------------


def test_duplicate_method_and_path_is_refused() -> None:
    details = refusal(
        api(
            {"method": "GET", "path": "/pets"},
            {"method": "POST", "path": "/pets"},
            {"method": "GET", "path": "/pets"},
        )
    )
    assert paths_of(details) == ["endpoints[2]"]
    assert "endpoints[0]" in details[0]["message"]


def test_same_path_shape_with_other_variable_names_is_refused() -> None:
    details = refusal(
        api({"method": "GET", "path": "/pets/{id}"}, {"method": "DELETE", "path": "/pets/{petId}"})
    )
    assert paths_of(details) == ["endpoints[1].path"]


def test_duplicate_operation_id_is_refused() -> None:
    details = refusal(
        api(
            {"method": "GET", "path": "/a", "operation_id": "same"},
            {"method": "GET", "path": "/b", "operation_id": "same"},
        )
    )
    assert paths_of(details) == ["endpoints[1].operation_id"]


def test_path_parameter_missing_from_template_is_refused() -> None:
    details = refusal(
        api({"method": "GET", "path": "/pets", "parameters": [{"name": "id", "in": "path"}]})
    )
    assert paths_of(details) == ["endpoints[0].parameters[0]"]


def test_template_variable_declared_elsewhere_is_refused() -> None:
    details = refusal(
        api({"method": "GET", "path": "/pets/{id}", "parameters": [{"name": "id", "in": "query"}]})
    )
    assert paths_of(details) == ["endpoints[0].parameters[0]"]
    assert "in: path" in details[0]["message"]


def test_repeated_parameter_is_refused() -> None:
    details = refusal(
        api(
            {
                "method": "GET",
                "path": "/pets",
                "parameters": [{"name": "q", "in": "query"}, {"name": "q", "in": "query"}],
            }
        )
    )
    assert paths_of(details) == ["endpoints[0].parameters[1]"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE"])
def test_request_body_on_a_bodiless_method_is_refused(method: str) -> None:
    details = refusal(api({"method": method, "path": "/pets", "request_body": {"type": "object"}}))
    assert paths_of(details) == ["endpoints[0].request_body"]


@pytest.mark.parametrize(
    "path", ["/pets/{id", "/pets/id}", "/pets/{}", "/pets/{id}/{id}", "/pets?x=1"]
)
def test_malformed_path_template_is_refused(path: str) -> None:
    details = refusal(api({"method": "GET", "path": path}))
    assert paths_of(details) == ["endpoints[0].path"]


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.example.com",
        "https://{region}.example.com",
        "https://api.example.com/{stage}",
        "https://user:pw@api.example.com",
        "https://api.example.com?x=1",
        "https://api.example.com:notaport",
        "https:///nohost",
        "ftp://api.example.com",
    ],
)
def test_unusable_base_url_is_refused(base_url: str) -> None:
    details = refusal(api({"method": "GET", "path": "/pets"}, base_url=base_url))
    assert "base_url" in paths_of(details)
    assert all(d["path"] == "base_url" for d in details)


def test_every_problem_is_reported_at_once() -> None:
    details = refusal(
        api(
            {"method": "GET", "path": "/a", "request_body": {"type": "object"}},
            {"method": "GET", "path": "/b", "parameters": [{"name": "x", "in": "path"}]},
            {"method": "GET", "path": "/a"},
            base_url="http://api.example.com",
        )
    )
    assert paths_of(details) == [
        "base_url",
        "endpoints[0].request_body",
        "endpoints[1].parameters[0]",
        "endpoints[2]",
    ]
    assert all(d["message"] for d in details)
