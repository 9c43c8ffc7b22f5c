"""services.tools.spec_normalize: allOf of objects flattened, the spec's own
security dropped, each change noted; and the same through the pipeline and
the handler (validate_spec, create_tool, update_tool)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.tools.spec_normalize import Index, Note, normalize_spec, path_of
from services.tools.spec_pipeline import check
from services.tools.spec_validation import validate_spec
from tests.support import Registry, event

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"
SCHEMAS = "#/components/schemas/"


# -- helpers ------------------------------------------------------------------


def ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMAS + name}


def obj(required: list[str] | None = None, **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def make_spec(schemas: dict[str, Any] | None = None, body: Any = None) -> dict[str, Any]:
    """GET /pets answering a Pet; POST /pets taking `body` (default: a Pet)."""
    spec: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Pets", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "paths": {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "responses": {"200": {"description": "ok", **json_body(ref("Pet"))}},
                },
                "post": {
                    "operationId": "addPet",
                    "requestBody": json_body(body if body is not None else ref("Pet")),
                    "responses": {"204": {"description": "added"}},
                },
            }
        },
        "components": {"schemas": schemas if schemas is not None else {"Pet": obj(id=INTEGER)}},
    }
    return copy.deepcopy(spec)


def normalized(spec: dict[str, Any]) -> tuple[dict[str, Any], list[Note]]:
    before = copy.deepcopy(spec)
    out, notes = normalize_spec(spec)
    assert spec == before, "the input was changed"
    return out, notes


def schema_of(spec: dict[str, Any], name: str) -> Any:
    return spec["components"]["schemas"][name]


def paths(notes: list[Note]) -> list[str]:
    return [n.path for n in notes]


def rules(spec: dict[str, Any], **options: Any) -> list[str]:
    report = check(spec, target_name="pets", **options).report
    return [f.rule for f in report.errors + report.warnings]


def contains_key(node: Any, key: str) -> bool:
    if isinstance(node, dict):
        return key in node or any(contains_key(v, key) for v in node.values())
    if isinstance(node, list):
        return any(contains_key(v, key) for v in node)
    return False


# -- allOf of objects -----------------------------------------------------------


def test_allof_of_inline_objects_becomes_one_object() -> None:
    pet = {
        "description": "A pet",
        "allOf": [obj(["name"], name=STRING), obj(["id"], id=INTEGER, tag=STRING)],
    }
    out, notes = normalized(make_spec({"Pet": pet}))

    assert schema_of(out, "Pet") == {
        "description": "A pet",
        "type": "object",
        "properties": {"name": STRING, "id": INTEGER, "tag": STRING},
        "required": ["name", "id"],
    }
    [note] = notes
    assert note.path == "components.schemas.Pet.allOf"
    assert "merged into one object schema" in note.change
    assert note.to_dict() == {"path": note.path, "change": note.change}


def test_allof_through_refs_becomes_one_object_and_leaves_the_members() -> None:
    schemas = {
        "NewPet": obj(["name"], name=STRING, tag=STRING),
        "Pet": {"allOf": [ref("NewPet"), obj(["id"], id=INTEGER)]},
    }
    spec = make_spec(schemas, body=ref("NewPet"))
    out, notes = normalized(spec)

    assert schema_of(out, "Pet") == obj(["name", "id"], name=STRING, tag=STRING, id=INTEGER)
    assert schema_of(out, "NewPet") is schema_of(spec, "NewPet")  # unchanged, shared
    assert out["paths"] is spec["paths"]  # nothing changed there: not copied
    assert paths(notes) == ["components.schemas.Pet.allOf"]
    assert "#/components/schemas/NewPet" in notes[0].change


def test_required_is_the_union_in_order_without_repeats() -> None:
    pet = {"allOf": [obj(["a", "b"], a=STRING, b=STRING), obj(["b", "c"], c=STRING)]}
    out, _ = normalized(make_spec({"Pet": pet}))
    assert schema_of(out, "Pet")["required"] == ["a", "b", "c"]


def test_the_same_property_defined_alike_is_merged() -> None:
    pet = {"allOf": [obj(id=INTEGER), obj(id=INTEGER, name=STRING)]}
    out, _ = normalized(make_spec({"Pet": pet}))
    assert schema_of(out, "Pet")["properties"] == {"id": INTEGER, "name": STRING}


def test_nested_allof_is_flattened_from_the_inside_out() -> None:
    schemas = {
        "Base": obj(["id"], id=INTEGER),
        "Named": {"allOf": [ref("Base"), obj(["name"], name=STRING)]},
        "Pet": {
            "allOf": [
                ref("Named"),
                {"allOf": [obj(tag=STRING), {"properties": {"age": INTEGER}}]},
            ]
        },
    }
    out, notes = normalized(make_spec(schemas))

    assert schema_of(out, "Pet") == obj(
        ["id", "name"], id=INTEGER, name=STRING, tag=STRING, age=INTEGER
    )
    assert sorted(paths(notes)) == [
        "components.schemas.Named.allOf",
        "components.schemas.Pet.allOf",
        "components.schemas.Pet.allOf[1].allOf",
    ]


def test_allof_inside_a_property_and_an_operation_is_flattened() -> None:
    owner = {"allOf": [obj(id=INTEGER), obj(name=STRING)]}
    body = {"type": "object", "properties": {"owner": owner}}
    out, notes = normalized(make_spec(body=body))

    schema = out["paths"]["/pets"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["owner"] == obj(id=INTEGER, name=STRING)
    assert paths(notes) == [
        "paths./pets.post.requestBody.content.application/json.schema.properties.owner.allOf"
    ]


def test_a_default_response_is_walked() -> None:
    spec = make_spec()
    spec["paths"]["/pets"]["get"]["responses"]["default"] = {
        "description": "error",
        **json_body({"allOf": [obj(code=INTEGER), obj(message=STRING)]}),
    }
    _, notes = normalized(spec)
    assert paths(notes) == [
        "paths./pets.get.responses.default.content.application/json.schema.allOf"
    ]


def test_a_single_ref_member_with_a_description_becomes_that_schema() -> None:
    schemas = {
        "Status": {"type": "string", "enum": ["available", "sold"], "description": "A status"},
        "Pet": obj(status={"description": "This pet's status", "allOf": [ref("Status")]}),
    }
    out, notes = normalized(make_spec(schemas))

    assert schema_of(out, "Pet")["properties"]["status"] == {
        "type": "string",
        "enum": ["available", "sold"],
        "description": "This pet's status",
    }
    assert "replaced by its one constraining schema" in notes[0].change


def test_a_member_of_annotations_only_counts_as_the_nodes_own() -> None:
    # Box writes a described, nullable reference this way (OpenAPI 3.0).
    schemas = {
        "Folder": obj(["id"], id=STRING),
        "Pet": obj(
            home={"allOf": [ref("Folder"), {"description": "Its home"}, {"nullable": True}]}
        ),
    }
    out, _ = normalized(make_spec(schemas))
    assert schema_of(out, "Pet")["properties"]["home"] == {
        "description": "Its home",
        "nullable": True,
        **obj(["id"], id=STRING),
    }


def test_node_keywords_win_over_member_annotations() -> None:
    schemas = {
        "Base": {**obj(id=INTEGER), "title": "Base", "description": "The base", "x-kind": "b"},
        "Pet": {"title": "Pet", "allOf": [ref("Base"), obj(name=STRING)]},
    }
    out, _ = normalized(make_spec(schemas))
    pet = schema_of(out, "Pet")
    assert pet["title"] == "Pet"
    assert pet["description"] == "The base"  # the only one given: kept
    assert pet["x-kind"] == "b"


def test_nullable_merges_as_allof_means_it() -> None:
    # null passes only if every typed part lets it pass.
    schemas = {
        "Base": {**obj(id=INTEGER), "nullable": True},
        "Both": {"allOf": [ref("Base"), {**obj(name=STRING), "nullable": True}]},
        "One": {"allOf": [ref("Base"), obj(name=STRING)]},
        "Pet": obj(both=ref("Both"), one=ref("One")),
    }
    out, _ = normalized(make_spec(schemas))
    assert schema_of(out, "Both")["nullable"] is True
    assert "nullable" not in schema_of(out, "One")


# -- left as they are (and still reported) --------------------------------------------


def assert_left(spec: dict[str, Any], name: str = "Pet") -> None:
    out, notes = normalized(spec)
    assert schema_of(out, name) == schema_of(spec, name)
    assert not [n for n in notes if n.path.startswith(f"components.schemas.{name}.")]


def test_one_property_defined_two_ways_is_left_and_still_reported() -> None:
    pet = {"allOf": [obj(id=INTEGER), obj(id=STRING)]}
    spec = make_spec({"Pet": pet})
    assert_left(spec)
    assert rules(spec) == ["allof-unsupported"]  # one finding, naming both operations


@pytest.mark.parametrize(
    "member",
    [
        {"type": "string"},
        {"oneOf": [obj(a=STRING), obj(b=STRING)]},
        {**obj(a=STRING), "discriminator": {"propertyName": "a"}},
        {**obj(a=STRING), "minProperties": 1},
        {"patternProperties": {"^x": STRING}},
        {"type": "object", "properties": {"a": STRING}, "required": "a"},
        True,
    ],
    ids=["string", "oneOf", "discriminator", "minProperties", "patternProperties", "bad", "bool"],
)
def test_a_member_that_is_no_plain_object_is_left(member: Any) -> None:
    spec = make_spec({"Pet": {"allOf": [obj(id=INTEGER), member]}})
    assert_left(spec)
    assert "allof-unsupported" in rules(spec)


def test_additional_properties_that_would_see_other_properties_are_left() -> None:
    closed = {**obj(id=INTEGER), "additionalProperties": False}
    assert_left(make_spec({"Pet": {"allOf": [closed, obj(name=STRING)]}}))
    assert_left(make_spec({"Pet": {"allOf": [obj(id=INTEGER), {"additionalProperties": STRING}]}}))
    # Every part lists the same properties and says the same: same meaning.
    same = {"allOf": [closed, {**closed, "required": ["id"]}]}
    out, _ = normalized(make_spec({"Pet": same}))
    assert schema_of(out, "Pet") == {**obj(["id"], id=INTEGER), "additionalProperties": False}


def test_members_disagreeing_on_read_only_or_nullable_modifiers_are_left() -> None:
    assert_left(make_spec({"Pet": {"allOf": [{**obj(id=INTEGER), "readOnly": True}, obj()]}}))
    two_words = {"allOf": [obj(id=INTEGER), {"nullable": True}, {"nullable": False}]}
    assert_left(make_spec({"Pet": two_words}))
    # A nullable string made nullable: yes; made not nullable: unclear.
    string = {"type": "string", "nullable": True}
    assert_left(make_spec({"Pet": obj(a={"allOf": [string, {"nullable": False}]})}))


def test_a_single_member_with_a_discriminator_is_not_moved() -> None:
    base = {**obj(kind=STRING), "discriminator": {"propertyName": "kind"}}
    spec = make_spec({"Base": base, "Pet": {"allOf": [ref("Base")], "description": "x"}})
    assert_left(spec)


@pytest.mark.parametrize(
    "member",
    [
        {"$ref": "https://example.com/schemas.json#/Pet"},
        {"$ref": "other.yaml#/components/schemas/Pet"},
        {"$ref": "#/components/schemas/Nowhere"},
        {"$ref": "#/components/schemas/Base", "description": "a sibling"},
    ],
    ids=["remote", "relative", "dangling", "with-sibling"],
)
def test_refs_that_are_not_local_or_resolve_nowhere_are_never_followed(
    member: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("a reference was fetched")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    spec = make_spec({"Base": obj(id=INTEGER), "Pet": {"allOf": [member, obj(name=STRING)]}})
    assert_left(spec)


def test_an_allof_cycle_ends_and_is_left() -> None:
    schemas = {
        "A": {"allOf": [ref("B"), obj(a=STRING)]},
        "B": {"allOf": [ref("A"), obj(b=STRING)]},
        "Self": {"allOf": [ref("Self")]},
        "Pet": obj(a=ref("A"), s=ref("Self")),
    }
    spec = make_spec(schemas)
    for name in ("A", "B", "Self"):
        assert_left(spec, name)
    assert "allof-unsupported" in rules(spec)


def test_a_recursive_schema_through_a_property_is_flattened() -> None:
    # Only allOf members are followed: a property's $ref stays a $ref.
    schemas = {
        "Base": obj(id=INTEGER),
        "Pet": {"allOf": [ref("Base"), obj(parent=ref("Pet"), kids={"items": ref("Pet")})]},
    }
    out, _ = normalized(make_spec(schemas))
    assert schema_of(out, "Pet")["properties"]["parent"] == ref("Pet")
    assert rules(make_spec(schemas)) == []


def test_words_that_are_names_or_data_are_not_keywords() -> None:
    schemas = {
        "Pet": {
            "type": "object",
            "properties": {"allOf": {"type": "array", "items": STRING}, "example": STRING},
            "example": {"allOf": [{"type": "object"}, {"type": "object"}]},
            "x-extra": {"allOf": [{"type": "object"}]},
        }
    }
    assert_left(make_spec(schemas))


def test_a_swagger_2_document_is_returned_as_it_is() -> None:
    swagger = {"swagger": "2.0", "security": [{"key": []}], "paths": {}}
    out, notes = normalize_spec(swagger)
    assert out is swagger
    assert notes == []


def test_a_document_deeper_than_the_stack_is_returned_as_it_is() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(sys.getrecursionlimit() + 10):
        deep = {"type": "object", "properties": {"a": deep}}
    spec = make_spec()
    spec["components"]["schemas"]["Pet"] = {"allOf": [deep, obj(b=STRING)]}  # no deepcopy
    out, notes = normalize_spec(spec)
    assert out is spec
    assert notes == []


def test_path_of_matches_the_findings_format() -> None:
    assert path_of(["paths", "/pets", "get", "parameters", Index(0), "schema"]) == (
        "paths./pets.get.parameters[0].schema"
    )
    assert path_of([]) == "$"


def test_a_status_code_read_as_an_integer_is_a_key_not_an_index() -> None:
    spec = make_spec()
    responses = spec["paths"]["/pets"]["get"]["responses"]
    responses[200] = {"description": "ok", **json_body({"allOf": [obj(a=STRING)]})}
    del responses["200"]
    _, notes = normalized(spec)
    assert paths(notes) == ["paths./pets.get.responses.200.content.application/json.schema.allOf"]
    assert notes[0].parts[4] == 200


# -- the spec's own security ----------------------------------------------------------


def secured_spec() -> dict[str, Any]:
    spec = make_spec()
    spec["security"] = [{"key": []}]
    spec["components"]["securitySchemes"] = {
        "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
        "oauth": {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": "https://idp.example.com/t", "scopes": {}}},
        },
    }
    spec["paths"]["/pets"]["post"]["security"] = [{"oauth": []}]
    return spec


def test_security_is_dropped_everywhere_with_a_note_each() -> None:
    spec = secured_spec()
    out, notes = normalized(spec)

    assert "security" not in out
    assert "securitySchemes" not in out["components"]
    assert "security" not in out["paths"]["/pets"]["post"]
    assert out["components"]["schemas"] is spec["components"]["schemas"]
    assert out["paths"]["/pets"]["get"] is spec["paths"]["/pets"]["get"]
    assert sorted(paths(notes)) == [
        "components.securitySchemes",
        "paths./pets.post.security",
        "security",
    ]
    assert all("credentials" in n.change for n in notes)
    assert "(key, oauth)" in next(n for n in notes if n.path == "components.securitySchemes").change


def test_security_of_callbacks_and_path_item_components_is_dropped() -> None:
    spec = make_spec()
    spec["openapi"] = "3.1.0"
    callback_op = {"security": [], "responses": {"200": {"description": "ok"}}}
    spec["paths"]["/pets"]["post"]["callbacks"] = {
        "onAdded": {"{$request.body#/url}": {"post": callback_op}}
    }
    spec["components"]["pathItems"] = {"Shared": {"get": {**callback_op}}}
    _, notes = normalized(spec)
    assert sorted(paths(notes)) == [
        "components.pathItems.Shared.get.security",
        "paths./pets.post.callbacks.onAdded.{$request.body#/url}.post.security",
    ]


# -- through the pipeline -------------------------------------------------------------


def normalizable_spec() -> dict[str, Any]:
    """Nothing wrong but an allOf of objects and the spec's own security."""
    spec = secured_spec()
    spec["components"]["schemas"] = {
        "NewPet": obj(["name"], name=STRING),
        "Pet": {"allOf": [ref("NewPet"), obj(["id"], id=INTEGER)]},
    }
    return spec


def test_without_normalization_the_spec_is_refused_and_with_it_served() -> None:
    spec = normalizable_spec()
    assert {f.rule for f in validate_spec(spec, target_name="pets").errors} == {"allof-unsupported"}
    checked = check(spec, target_name="pets")

    assert checked.report.ok(), checked.report.errors
    assert checked.report.warnings == ()
    assert all(op.servable and op.published for op in checked.report.operations)
    assert not contains_key(checked.report.document, "allOf")
    assert not contains_key(checked.report.document, "security")
    assert [n["path"] for n in checked.to_dict()["normalized"]] == [
        "components.schemas.Pet.allOf",
        "components.securitySchemes",
        "paths./pets.post.security",
        "security",
    ]


def test_notes_are_about_what_is_published() -> None:
    spec = normalizable_spec()
    schemas = spec["components"]["schemas"]
    schemas["Pet"]["allOf"][1] = {"allOf": [obj(["id"], id=INTEGER), obj(tag=STRING)]}
    schemas["Other"] = {"allOf": [obj(a=STRING), obj(b=STRING)]}
    checked = check(spec, target_name="pets", include_operations=["listPets"])

    assert checked.report.published_operations == ("listPets",)
    # Other is unused, addPet is not published: neither is published nor noted.
    assert sorted(n.path for n in checked.normalized) == [
        "components.schemas.Pet.allOf",
        "components.schemas.Pet.allOf[1].allOf",  # gone once Pet is flattened: still noted
        "components.securitySchemes",
        "security",
    ]
    assert set(checked.report.document["components"]["schemas"]) == {"Pet"}


def test_an_operation_left_with_an_allof_is_excluded_under_exclude() -> None:
    spec = normalizable_spec()
    spec["paths"]["/pets"]["post"]["requestBody"] = json_body(
        {"allOf": [obj(id=INTEGER), obj(id=STRING)]}
    )
    checked = check(spec, target_name="pets", on_unsupported="exclude")
    assert checked.report.ok()
    assert checked.report.published_operations == ("listPets",)
    assert [f.rule for f in checked.report.warnings] == ["allof-unsupported"]
    assert "paths./pets.post.security" not in [n.path for n in checked.normalized]


def load(name: str) -> dict[str, Any]:
    path = SPECS / name
    if not path.exists():
        pytest.skip(f"{name} is not in shared/specs")
    parsed: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return parsed


def test_real_petstore_expanded_is_servable_with_its_operation_id_renamed() -> None:
    spec = load("oai_petstore-expanded_v30.json")
    checked = check(spec, target_name="pets")
    assert checked.report.errors == ()
    assert [n.path for n in checked.normalized] == [
        "components.schemas.Pet.allOf",
        "paths./pets/{id}.get.operationId",
    ]
    assert checked.report.published_operations == (
        "findPets",
        "addPet",
        "find_pet_by_id",
        "deletePet",
    )


@pytest.mark.slow
def test_real_box_spec_serves_more_operations() -> None:
    spec = load("box_openapi.json")
    before = validate_spec(spec, target_name="box", on_unsupported="exclude")
    checked = check(spec, target_name="box", on_unsupported="exclude")

    servable = sum(op.servable for op in checked.report.operations)
    assert servable > sum(op.servable for op in before.operations) + 50  # 71 -> 134
    assert "components.securitySchemes" in [n.path for n in checked.normalized]
    noted = {n.path for n in checked.normalized}
    # None reported again (a made name may still be longer than the models
    # take: that is a warning of its own, about the name as published).
    again = [f for f in checked.report.warnings if f.path in noted]
    assert {f.rule for f in again} <= {"tool-name-over-model-limit"}


# -- through the handler ---------------------------------------------------------------


@pytest.fixture
def gateway(registry: Registry) -> dict[str, Any]:
    response = registry.invoke(event("create_gateway", {"name": "payments-tools"}))
    assert response["status"] == 201, response
    return dict(response["data"])


def stored_spec(registry: Registry, key: str) -> dict[str, Any]:
    body = registry.runtime.s3.get_object(Bucket=registry.settings.spec_bucket_name, Key=key)
    parsed: dict[str, Any] = json.loads(body["Body"].read())
    return parsed


def tool_item(registry: Registry, tool: dict[str, Any]) -> dict[str, Any]:
    from services.records import dynamo

    item = registry.runtime.dynamodb.get_item(
        TableName=registry.settings.tools_table_name,
        Key=dynamo.serialize({"tool_id": tool["tool_id"], "gateway_id": tool["gateway_id"]}),
        ConsistentRead=True,
    )["Item"]
    record: dict[str, Any] = dynamo.deserialize(item)
    return record


EXPECTED_PATHS = [
    "components.schemas.Pet.allOf",
    "components.securitySchemes",
    "paths./pets.post.security",
    "security",
]


def test_create_tool_publishes_the_normalized_spec_and_records_the_notes(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    data = {
        "gateway_id": gateway["gateway_id"],
        "name": "pets",
        "source": {"type": "inline", "spec": normalizable_spec()},  # on_unsupported: fail
        "credentials": {"type": "api_key", "api_key": "k-123"},
    }
    response = registry.invoke(event("create_tool", data))

    assert response["status"] == 201, response
    tool = response["data"]
    record = tool_item(registry, tool)
    assert record["status"] == "ACTIVE"
    for spec_record in (tool["spec"], record["spec"]):
        assert [n["path"] for n in spec_record["normalized"]] == EXPECTED_PATHS
        assert spec_record["normalized_count"] == 4
        assert spec_record["operations"] == ["listPets", "addPet"]
    stored = stored_spec(registry, record["spec"]["s3_key"])
    assert not contains_key(stored, "allOf")
    assert not contains_key(stored, "securitySchemes")
    assert not contains_key(stored, "security")
    assert stored["components"]["schemas"]["Pet"] == obj(["name", "id"], name=STRING, id=INTEGER)
    # The key and sha256 are those of the normalized bytes stored.
    body = json.dumps(stored, sort_keys=True, separators=(",", ":")).encode()
    assert record["spec"]["sha256"] == hashlib.sha256(body).hexdigest()
    assert record["spec"]["s3_key"].endswith(f"{record['spec']['sha256']}.json")


def test_update_tool_normalizes_the_new_spec(registry: Registry, gateway: dict[str, Any]) -> None:
    plain = make_spec()
    created = registry.invoke(
        event(
            "create_tool",
            {
                "gateway_id": gateway["gateway_id"],
                "name": "pets",
                "source": {"type": "inline", "spec": plain},
            },
        )
    )
    assert created["status"] == 201, created
    assert created["data"]["spec"]["normalized"] == []

    response = registry.invoke(
        event(
            "update_tool",
            {
                "tool_id": created["data"]["tool_id"],
                "source": {"type": "inline", "spec": normalizable_spec()},
                # Another spec altogether: its diff is breaking (issue 15).
                "allow_breaking": True,
            },
        )
    )
    assert response["status"] == 200, response
    record = tool_item(registry, created["data"])
    assert [n["path"] for n in record["spec"]["normalized"]] == EXPECTED_PATHS
    assert [n["path"] for n in response["data"]["spec"]["normalized"]] == EXPECTED_PATHS
    assert not contains_key(stored_spec(registry, record["spec"]["s3_key"]), "allOf")


def test_create_tool_still_refuses_an_allof_it_cannot_flatten(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    spec = normalizable_spec()
    spec["components"]["schemas"]["Pet"]["allOf"].append(obj(id=STRING))
    data = {
        "gateway_id": gateway["gateway_id"],
        "name": "pets",
        "source": {"type": "inline", "spec": spec},
    }
    response = registry.invoke(event("create_tool", data))
    assert response["status"] == 422, response
    assert {d["rule"] for d in response["error"]["details"]} == {"allof-unsupported"}


def as_source(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    if kind == "inline":
        return {"type": "inline", "spec": spec}
    text = yaml.safe_dump(spec, sort_keys=False)
    if kind == "inline-yaml":
        return {"type": "inline", "spec": text}
    encoded = base64.b64encode(text.encode()).decode()
    return {"type": "file", "filename": "pets.yaml", "content_base64": encoded}


@pytest.mark.parametrize("kind", ["inline", "inline-yaml", "file"])
def test_validate_spec_reports_the_notes(registry: Registry, kind: str) -> None:
    source = as_source(kind, normalizable_spec())
    response = registry.invoke(event("validate_spec", {"source": source}))

    assert response["status"] == 200, response
    report = response["data"]
    assert report["ok"] is True
    assert report["warnings"] == []
    assert all(op["servable"] for op in report["operations"])
    assert [n["path"] for n in report["normalized"]] == EXPECTED_PATHS
    assert set(report["normalized"][0]) == {"path", "change"}
