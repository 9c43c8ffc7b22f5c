"""The real public specs of ../shared/specs (MANIFEST.md there), end to end (issue #3).

tests/unit/test_spec_validation.py checks what the validator says of each;
here each goes through the handler as a caller would send it: `validate_spec`
for the report, `create_tool` for the tool. What AgentCore can serve, whole
or in part, becomes an ACTIVE tool (record, S3 object, target); what it
cannot is refused with every reason and nothing written.

How each travels: a spec whose base64 would make an invoke payload of more
than 4 MB (OpenAI, Stripe: close to Lambda's 6 MB limit) goes the way
docs/api.md sends large specs: `create_upload_url`, a real multipart POST
of the file to the presigned URL (moto answers it in-process, no socket),
then `create_tool` with `{"type": "s3", "key": ...}`. The others are sent as
`file` (base64). The large specs are published in part (ten operations with
`include_operations`) to keep this file fast; whole-spec runs are `slow`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests

from services.tools.tool_flow import tool_id_for
from tests.support import ACTOR, Registry, event, spec_keys, targets, tool_record

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"
# Lambda refuses an invoke payload over 6 MB; past 4 MB of base64 a caller's
# own envelope and metadata leave little room, so such specs are uploaded.
UPLOAD_OVER_BYTES = 4 * 1024 * 1024
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Ten operations of each large spec that AgentCore can serve (the first ten
# servable ones in document order, from a full validation).
BOX_TEN = [
    "delete_files_id",
    "delete_files_id_trash",
    "delete_files_id_versions_id",
    "get_files_id_metadata_enterprise_securityClassification-6VMVochwUWo",
    "post_files_id_metadata_enterprise_securityClassification-6VMVochwUWo",
    "delete_files_id_metadata_enterprise_securityClassification-6VMVochwUWo",
    "delete_files_id_metadata_id_id",
    "delete_files_id_metadata_global_boxSkillsCards",
    "get_files_id_watermark",
    "put_files_id_watermark",
]
OPENAI_TEN = [
    "getVoiceConsent",
    "updateVoiceConsent",
    "deleteVoiceConsent",
    "deleteChatCompletion",
    "listFiles",
    "retrieveFile",
    "deleteFile",
    "downloadFile",
    "deleteFineTuningCheckpointPermission",
    "listFineTuningEvents",
]
# The first ten operations: Discord and Stripe have none AgentCore can serve.
DISCORD_TEN = [
    "get_my_application",
    "update_my_application",
    "get_application",
    "update_application",
    "applications_get_activity_instance",
    "upload_application_attachment",
    "list_application_commands",
    "bulk_set_application_commands",
    "create_application_command",
    "get_application_command",
]
STRIPE_TEN = [
    "GetAccount",
    "PostAccountLinks",
    "PostAccountSessions",
    "GetAccounts",
    "PostAccounts",
    "GetAccountsAccount",
    "PostAccountsAccount",
    "DeleteAccountsAccount",
    "PostAccountsAccountBankAccounts",
    "GetAccountsAccountBankAccountsId",
]


@cache
def _read(name: str) -> bytes:
    return (SPECS / name).read_bytes()


def spec_bytes(name: str) -> bytes:
    if not (SPECS / name).is_file():
        pytest.skip(f"{name} is not in shared/specs")
    return _read(name)


@pytest.fixture
def gateway(registry: Registry) -> dict[str, Any]:
    response = registry.invoke(event("create_gateway", {"name": "real-specs"}))
    assert response["status"] == 201, response
    return dict(response["data"])


def send(registry: Registry, name: str, **options: Any) -> dict[str, Any]:
    """The `source` a caller sends for the spec `name`: uploaded when large."""
    content = spec_bytes(name)
    encoded = base64.b64encode(content).decode("ascii")
    if len(encoded) <= UPLOAD_OVER_BYTES:
        return {"type": "file", "filename": name, "content_base64": encoded, **options}
    upload = registry.invoke(
        event("create_upload_url", {"filename": name, "size_bytes": len(content)})
    )
    assert upload["status"] == 200, upload
    posted = requests.post(
        upload["data"]["url"],
        data=upload["data"]["fields"],
        files={"file": (name, content)},
        timeout=60,
    )
    assert posted.status_code == 204, posted.text[:500]
    return {"type": "s3", "key": upload["data"]["key"], **options}


def validate(registry: Registry, source: dict[str, Any]) -> dict[str, Any]:
    # With the actor: an upload is read back only for the team it was made for.
    response = registry.invoke(
        {"action": "validate_spec", "actor": ACTOR, "data": {"source": source}}
    )
    assert response["status"] == 200, response
    return dict(response["data"])


def create(
    registry: Registry, gateway: dict[str, Any], source: dict[str, Any], name: str = "real"
) -> dict[str, Any]:
    evt = event(
        "create_tool", {"gateway_id": gateway["gateway_id"], "name": name, "source": source}
    )
    response = registry.invoke(evt)
    response["_request_id"] = evt["request_id"]
    return response


def served_operations(document: dict[str, Any]) -> list[str]:
    """The operationIds a target reading `document` serves."""
    return [
        operation["operationId"]
        for item in document.get("paths", {}).values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def assert_registered(
    registry: Registry, gateway: dict[str, Any], response: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """ACTIVE record, S3 object and target agree; (record, published document)."""
    assert response["status"] == 201, response.get("error")
    record = tool_record(registry, response["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    spec = record["spec"]
    stored = registry.runtime.s3.get_object(
        Bucket=registry.settings.spec_bucket_name, Key=spec["s3_key"]
    )["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == spec["sha256"]
    assert len(stored) == spec["size_bytes"]
    document = json.loads(stored)
    # The record lists them in the source's order; the object is canonical JSON.
    assert sorted(spec["operations"]) == sorted(served_operations(document))
    [target] = targets(registry, gateway)
    assert target["targetId"] == record["agentcore"]["target_id"]
    remote = registry.runtime.agentcore.get_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"], targetId=target["targetId"]
    )
    assert remote["targetConfiguration"]["mcp"]["openApiSchema"]["s3"]["uri"] == spec["s3_uri"]
    assert spec["s3_uri"] == f"s3://{registry.settings.spec_bucket_name}/{spec['s3_key']}"
    return record, document


def assert_refused(
    registry: Registry, gateway: dict[str, Any], response: dict[str, Any]
) -> list[dict[str, Any]]:
    """422 InvalidSpec and nothing written; the error's details."""
    assert response["status"] == 422, response
    assert response["error"]["code"] == "InvalidSpec"
    request_id = response["_request_id"]
    assert tool_record(registry, tool_id_for(request_id), gateway["gateway_id"]) is None
    assert registry.item(f"request#{request_id}") is None
    tools = registry.runtime.dynamodb.scan(TableName=registry.settings.tools_table_name)
    assert tools["Items"] == []
    assert [k for k in spec_keys(registry) if not k.startswith("uploads/")] == []
    assert targets(registry, gateway) == []
    return list(response["error"]["details"])


def rules(findings: list[dict[str, Any]], severity: str | None = None) -> list[str]:
    return sorted(f["rule"] for f in findings if severity in (None, f["severity"]))


def assert_actionable(findings: list[dict[str, Any]]) -> None:
    """Each finding says where, what rule and what to do, in a sentence."""
    for finding in findings:
        assert finding["rule"]
        assert finding["path"] or finding["rule"] in {"no-operations", "servers-missing"}
        assert len(finding["message"]) > 20


# --- the small OAI examples -------------------------------------------------


def test_swagger_20_is_refused_as_swagger_20(registry: Registry, gateway: dict[str, Any]) -> None:
    source = send(registry, "oai_uber_v20.json")

    report = validate(registry, source)
    assert report["ok"] is False
    [error] = report["errors"]
    assert (error["rule"], error["path"]) == ("swagger-unsupported", "swagger")
    assert "Swagger 2.0 is not supported" in error["message"]
    assert "Convert the spec to OpenAPI 3" in error["message"]

    details = assert_refused(registry, gateway, create(registry, gateway, source))
    assert rules(details) == ["swagger-unsupported"]


def test_petstore_expanded_publishes_its_spaced_operation_id_under_a_made_name(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    # Its GET /pets/{id} says `operationId: find pet by id` (spaces: no tool
    # name); it was refused for that alone, now it is renamed (spec_names).
    source = send(registry, "oai_petstore-expanded_v30.json")

    report = validate(registry, source)
    assert report["ok"] is True, report["errors"]
    made = {
        "operation": "find_pet_by_id",
        "original_operation_id": "find pet by id",
        "method": "GET",
        "path": "/pets/{id}",
    }
    assert report["operation_names"] == [made]
    assert "paths./pets/{id}.get.operationId" in [n["path"] for n in report["normalized"]]
    assert report["published_operations"] == ["findPets", "addPet", "find_pet_by_id", "deletePet"]

    record, _ = assert_registered(registry, gateway, create(registry, gateway, source))
    assert record["spec"]["operations"] == report["published_operations"]
    assert record["spec"]["operation_names"] == [made]
    assert record["spec"]["excluded"] == []


def test_petstore_expanded_include_takes_the_original_or_the_made_name(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    for name in ("find pet by id", "find_pet_by_id", "GET /pets/{id}"):
        source = send(registry, "oai_petstore-expanded_v30.json", include_operations=[name])
        report = validate(registry, source)
        assert report["ok"] is True, (name, report["errors"])
        assert report["published_operations"] == ["find_pet_by_id"], name
    source = send(registry, "oai_petstore-expanded_v30.json", exclude_operations=["find pet by id"])
    record, _ = assert_registered(registry, gateway, create(registry, gateway, source))
    assert record["spec"]["operations"] == ["findPets", "addPet", "deletePet"]
    assert (
        record["spec"]["source_sha256"]
        == hashlib.sha256(spec_bytes("oai_petstore-expanded_v30.json")).hexdigest()
    )


def test_webhook_only_31_spec_has_nothing_to_publish(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    source = send(registry, "oai_webhook-example_v31.json")

    report = validate(registry, source)
    assert report["openapi_version"] == "3.1.0"
    assert report["operations"] == []
    assert rules(report["errors"]) == ["no-operations", "servers-missing"]
    assert rules(report["warnings"]) == ["webhooks-ignored"]
    assert_actionable(report["errors"] + report["warnings"])

    details = assert_refused(registry, gateway, create(registry, gateway, source))
    assert rules(details, "error") == ["no-operations", "servers-missing"]


# --- the large specs, in part -----------------------------------------------


def test_box_part_registers_from_a_file(registry: Registry, gateway: dict[str, Any]) -> None:
    source = send(registry, "box_openapi.json", include_operations=BOX_TEN)
    assert source["type"] == "file"

    record, document = assert_registered(registry, gateway, create(registry, gateway, source))

    assert sorted(record["spec"]["operations"]) == sorted(BOX_TEN)
    assert record["spec"]["options"]["include_operations"] == BOX_TEN
    assert record["spec"]["openapi_version"] == "3.0.2"
    # Only what the ten reach: far smaller than the 1.7 MB it came from.
    assert record["spec"]["size_bytes"] < len(spec_bytes("box_openapi.json")) // 10
    assert set(document["components"]["schemas"]) < set(
        json.loads(spec_bytes("box_openapi.json"))["components"]["schemas"]
    )


def test_openai_part_registers_from_an_upload(registry: Registry, gateway: dict[str, Any]) -> None:
    # The whole spec is invalid (25 errors in its schemas); these ten reach none.
    source = send(registry, "openai_openapi.json", include_operations=OPENAI_TEN)
    assert source["type"] == "s3"

    record, _ = assert_registered(registry, gateway, create(registry, gateway, source))

    assert sorted(record["spec"]["operations"]) == sorted(OPENAI_TEN)
    assert record["spec"]["openapi_version"].startswith("3.1")
    assert record["spec"]["source"] == {"type": "s3", "key": source["key"]}
    assert (
        record["spec"]["source_sha256"]
        == hashlib.sha256(spec_bytes("openai_openapi.json")).hexdigest()
    )


def test_discord_part_is_refused_with_every_reason(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    source = send(registry, "discord_openapi.json", include_operations=DISCORD_TEN)

    details = assert_refused(registry, gateway, create(registry, gateway, source))

    errors = [d for d in details if d["severity"] == "error"]
    # Every one of the ten is named, with what it uses that AgentCore cannot serve.
    assert {o for d in errors for o in d["operations"]} == set(DISCORD_TEN)
    # A schema several of them reach is one finding naming them all.
    places = [(d["rule"], d["path"], d["message"]) for d in errors]
    assert len(places) == len(set(places))
    assert any(len(d["operations"]) > 1 and d["operation"] is None for d in errors)
    unservable = {"oneof-unsupported", "allof-unsupported", "media-type-unsupported"}
    assert set(rules(errors)) <= unservable
    assert_actionable(errors)


# --- whole specs: seconds each ----------------------------------------------


@pytest.mark.slow
def test_box_whole_with_exclude_registers_every_servable_operation(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    source = send(registry, "box_openapi.json", on_unsupported="exclude")
    report = validate(registry, source)
    assert report["ok"] is True
    servable = [op["operation_id"] for op in report["operations"] if op["servable"]]
    assert len(report["operations"]) == 296
    assert 0 < len(servable) < 296
    assert all(op["findings"] for op in report["operations"] if not op["published"])

    record, _ = assert_registered(registry, gateway, create(registry, gateway, source))

    assert record["spec"]["operations"] == report["published_operations"] == servable
    assert record["spec"]["options"]["on_unsupported"] == "exclude"


@pytest.mark.slow
def test_stripe_the_largest_validates_from_an_upload(registry: Registry) -> None:
    source = send(registry, "stripe_spec3_2023-09.yaml", on_unsupported="exclude")
    assert source["type"] == "s3"

    report = validate(registry, source)

    assert report["openapi_version"] == "3.0.0"
    assert report["size_bytes"] == len(spec_bytes("stripe_spec3_2023-09.yaml"))
    assert len(report["operations"]) == 468
    # Form-encoded bodies and deepObject queries: nothing AgentCore can serve,
    # and each operation says which.
    assert rules(report["errors"]) == ["no-operations"]
    assert all(op["findings"] and not op["servable"] for op in report["operations"])
    assert {"media-type-unsupported", "parameter-serializer-unsupported"} <= set(
        rules(report["warnings"])
    )


@pytest.mark.slow
def test_stripe_part_is_refused_with_every_reason(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    source = send(registry, "stripe_spec3_2023-09.yaml", include_operations=STRIPE_TEN)

    details = assert_refused(registry, gateway, create(registry, gateway, source))

    errors = [d for d in details if d["severity"] == "error"]
    assert {o for d in errors for o in d["operations"]} == set(STRIPE_TEN)
    assert_actionable(errors)


@pytest.mark.slow
def test_openai_whole_is_refused_with_its_22_errors(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    source = send(registry, "openai_openapi.json")

    details = assert_refused(registry, gateway, create(registry, gateway, source))

    invalid = [d for d in details if d["rule"] == "openapi-invalid"]
    # MANIFEST.md: 25 real errors. Three are `default: null` in the object
    # branch of an `anyOf` of that object and null (ChatCompletionStreamOptions,
    # CreateResponse, BetaResponsesClientEvent): normalized to one schema whose
    # type list holds "null", the default is valid, and the union meant the same.
    assert len(invalid) == 22
    assert all(d["severity"] == "error" for d in invalid)
    assert all(d["path"].startswith("components.schemas.") for d in invalid)
