"""Smithy model tools (issue 12): the model's checks, the safe flow, the
record's `target` and `tools`, the stored model and the target in AgentCore
after each step."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from services.tools.targets.smithy_model import MAX_FINDINGS, MAX_MODEL_BYTES, MAX_SMITHY_TOOLS
from tests.flows import OAUTH2, W, smithy_source, weather_model
from tests.support import (
    ADMIN,
    Registry,
    create_tool,
    event,
    scan_everything,
    spec_keys,
    targets,
    tool_record,
)

TOOLS = ["GetCurrentTime", "GetCity"]


def canonical(model: dict[str, Any]) -> bytes:
    return json.dumps(model, sort_keys=True, separators=(",", ":")).encode()


def create_event(gateway: dict[str, Any], **data: Any) -> dict[str, Any]:
    return event(
        "create_tool",
        {"gateway_id": gateway["gateway_id"], "name": "weather", "source": smithy_source(), **data},
    )


def remote(registry: Registry, gateway: dict[str, Any], target_id: str) -> dict[str, Any]:
    return dict(
        registry.runtime.agentcore.get_gateway_target(
            gatewayIdentifier=gateway["agentcore"]["gateway_id"], targetId=target_id
        )
    )


def stored(registry: Registry, key: str) -> Any:
    body = registry.runtime.s3.get_object(Bucket=registry.settings.spec_bucket_name, Key=key)
    return json.loads(body["Body"].read())


def reconcile(registry: Registry, **data: Any) -> dict[str, Any]:
    response = registry.invoke(
        {"action": "reconcile", "actor": ADMIN, "data": {"older_than_seconds": 60, **data}}
    )
    assert response["status"] == 200, response
    return dict(response["data"])


@pytest.fixture
def tool(registry: Registry, gateway: dict[str, Any]) -> dict[str, Any]:
    response = registry.invoke(create_event(gateway))
    assert response["status"] == 201, response
    return dict(response["data"])


def test_create_makes_a_smithy_target_reading_the_stored_model(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    assert record["tools"] == TOOLS
    assert "spec" not in record
    target = record["target"]
    assert target["kind"] == "smithy"
    assert target["service"] == f"{W}Weather"
    assert record["credentials"] == {"type": "gateway_iam_role"}
    assert spec_keys(registry) == [target["s3_key"]]
    assert target["s3_key"].endswith(f"/{tool['tool_id']}/{target['sha256']}.json")
    assert stored(registry, target["s3_key"]) == weather_model()
    assert target["size_bytes"] == len(canonical(weather_model()))
    [listed] = targets(registry, gateway)
    answer = remote(registry, gateway, listed["targetId"])
    assert answer["targetConfiguration"] == {
        "mcp": {"smithyModel": {"s3": {"uri": target["s3_uri"]}}}
    }
    assert answer["credentialProviderConfigurations"] == [
        {"credentialProviderType": "GATEWAY_IAM_ROLE"}
    ]
    assert [e["status"] for e in record["audit"]] == ["PENDING", "ACTIVE"]
    got = registry.invoke(event("get_tool", {"tool_id": tool["tool_id"]}))
    assert got["status"] == 200
    assert got["data"]["target"] == target
    assert got["data"]["tools"] == TOOLS


def test_a_smithy_tool_with_oauth2_gets_its_provider(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    response = registry.invoke(create_event(gateway, credentials=OAUTH2))
    assert response["status"] == 201, response
    record = tool_record(registry, response["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["credentials"]["type"] == "oauth2"
    assert "client_secret" not in json.dumps(record["credentials"])
    answer = remote(registry, gateway, record["agentcore"]["target_id"])
    [configuration] = answer["credentialProviderConfigurations"]
    assert configuration["credentialProviderType"] == "OAUTH"
    assert (
        configuration["credentialProvider"]["oauthCredentialProvider"]["providerArn"]
        == (record["credentials"]["provider_arn"])
    )


def test_replayed_create_answers_the_same_and_makes_nothing_more(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    evt = create_event(gateway)
    first = registry.invoke(evt)
    again = registry.invoke(copy.deepcopy(evt))
    assert first["status"] == again["status"] == 201
    assert again["data"]["tool_id"] == first["data"]["tool_id"]
    assert again["data"]["target"] == first["data"]["target"]
    assert len(targets(registry, gateway)) == 1
    assert len(spec_keys(registry)) == 1


def test_update_with_a_new_model_stores_it_and_removes_the_old(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    old_key = tool["target"]["s3_key"]
    evt = event("update_tool", {"tool_id": tool["tool_id"], "source": smithy_source("GetForecast")})
    response = registry.invoke(evt)
    assert response["status"] == 200, response
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["tools"] == ["GetCurrentTime", "GetForecast", "GetCity"]
    new_key = record["target"]["s3_key"]
    assert new_key != old_key
    assert spec_keys(registry) == [new_key]
    assert stored(registry, new_key) == weather_model("GetForecast")
    answer = remote(registry, gateway, tool["agentcore"]["target_id"])
    assert (
        answer["targetConfiguration"]["mcp"]["smithyModel"]["s3"]["uri"]
        == (record["target"]["s3_uri"])
    )
    # The same request again: answered from the ledger, nothing more done.
    again = registry.invoke(copy.deepcopy(evt))
    assert again["status"] == 200, again
    assert again["data"]["target"] == record["target"]
    after = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert after is not None
    assert after["version"] == record["version"]
    assert spec_keys(registry) == [new_key]


def test_update_with_the_same_model_changes_nothing(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    # Key order differs; the canonical JSON (and so the object) does not.
    model = weather_model()
    model["shapes"] = dict(reversed(list(model["shapes"].items())))
    response = registry.invoke(
        event(
            "update_tool",
            {"tool_id": tool["tool_id"], "source": {"type": "smithy", "model": model}},
        )
    )
    assert response["status"] == 200, response
    assert response["data"]["target"] == tool["target"]
    assert spec_keys(registry) == [tool["target"]["s3_key"]]


def test_update_cannot_change_the_kind(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    from tests.support import inline

    response = registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "source": inline()})
    )
    assert response["status"] == 422, response
    assert response["error"]["details"][0]["field"] == "data.source.type"


def test_delete_removes_the_target_and_the_object(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    response = registry.invoke(event("delete_tool", {"tool_id": tool["tool_id"]}))
    assert response["status"] == 200, response
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "DELETED"
    assert targets(registry, gateway) == []
    assert spec_keys(registry) == []


# --- the checks: each refused with its path, nothing written ---------------------


Change = Callable[[dict[str, Any]], Any]


def _changed(change: Change) -> dict[str, Any]:
    model = weather_model()
    change(model)
    return {"type": "smithy", "model": model}


def _shape(name: str, **members: Any) -> Change:
    return lambda m: m["shapes"][f"{W}{name}"].update(members)


def _trait(name: str, trait: str, value: Any) -> Change:
    return lambda m: m["shapes"][f"{W}{name}"]["traits"].__setitem__(trait, value)


def _second_service(m: dict[str, Any]) -> None:
    m["shapes"]["example.other#Other"] = copy.deepcopy(m["shapes"][f"{W}Weather"])


def _same_name(m: dict[str, Any]) -> None:
    m["shapes"]["example.other#GetCity"] = copy.deepcopy(m["shapes"][f"{W}GetCurrentTime"])
    m["shapes"][f"{W}Weather"]["operations"].append({"target": "example.other#GetCity"})


def _long_name(m: dict[str, Any]) -> None:
    long = f"{W}Get" + "x" * 250
    m["shapes"][long] = m["shapes"].pop(f"{W}GetCurrentTime")
    m["shapes"][f"{W}Weather"]["operations"] = [{"target": long}]


def _many_operations(m: dict[str, Any]) -> None:
    ops = [f"{W}Op{i}" for i in range(MAX_SMITHY_TOOLS + 1)]
    m["shapes"][f"{W}Weather"]["operations"] = [{"target": op} for op in ops]
    for op in ops:
        m["shapes"][op] = copy.deepcopy(m["shapes"][f"{W}GetCurrentTime"])


_SVC = f"data.source.model.shapes.{W}Weather"
BAD: dict[str, tuple[Change, str]] = {
    "version": (lambda m: m.__setitem__("smithy", "3.0"), "data.source.model.smithy"),
    "no-version": (lambda m: m.pop("smithy"), "data.source.model.smithy"),
    "shapes-not-an-object": (lambda m: m.__setitem__("shapes", []), "data.source.model.shapes"),
    "no-shapes": (lambda m: m.__setitem__("shapes", {}), "data.source.model.shapes"),
    "relative-shape-id": (
        lambda m: m["shapes"].__setitem__("Weather", {"type": "string"}),
        "data.source.model.shapes.Weather",
    ),
    "unknown-type": (_shape("CityId", type="text"), f"data.source.model.shapes.{W}CityId.type"),
    "no-service": (lambda m: m["shapes"].pop(f"{W}Weather"), "data.source.model.shapes"),
    "two-services": (_second_service, "data.source.model.shapes"),
    "no-operations": (_shape("Weather", operations=[], resources=[]), f"{_SVC}.operations"),
    "missing-operation": (
        lambda m: m["shapes"][f"{W}Weather"]["operations"].append({"target": f"{W}Nope"}),
        f"{_SVC}.operations[1]",
    ),
    "operation-not-an-operation": (
        _shape("Weather", operations=[{"target": f"{W}CityId"}]),
        f"{_SVC}.operations[0]",
    ),
    "bad-reference": (_shape("Weather", operations=["GetCity"]), f"{_SVC}.operations[0]"),
    "missing-resource-operation": (
        _shape("City", read={"target": f"{W}ReadCity"}),
        f"data.source.model.shapes.{W}City.read",
    ),
    "missing-member-target": (
        lambda m: m["shapes"][f"{W}GetCityOutput"]["members"]["coordinates"].__setitem__(
            "target", f"{W}Coordinates"
        ),
        f"data.source.model.shapes.{W}GetCityOutput.members.coordinates",
    ),
    "missing-error": (
        _shape("GetCity", errors=[{"target": f"{W}Gone"}]),
        f"data.source.model.shapes.{W}GetCity.errors[0]",
    ),
    "missing-service-error": (
        _shape("Weather", errors=[{"target": f"{W}Oops"}]),
        f"{_SVC}.errors[0]",
    ),
    "missing-identifier": (
        _shape("City", identifiers={"cityId": {"target": f"{W}Id"}}),
        f"data.source.model.shapes.{W}City.identifiers.cityId",
    ),
    "not-restjson": (
        _shape("Weather", traits={"aws.protocols#awsJson1_0": {}}),
        f"{_SVC}.traits",
    ),
    "no-http-trait": (
        _shape("GetCurrentTime", traits={"smithy.api#readonly": {}}),
        f"data.source.model.shapes.{W}GetCurrentTime.traits.smithy.api#http",
    ),
    "bad-method": (
        _trait("GetCurrentTime", "smithy.api#http", {"method": "FETCH", "uri": "/time"}),
        f"data.source.model.shapes.{W}GetCurrentTime.traits.smithy.api#http.method",
    ),
    "relative-uri": (
        _trait("GetCurrentTime", "smithy.api#http", {"method": "GET", "uri": "time"}),
        f"data.source.model.shapes.{W}GetCurrentTime.traits.smithy.api#http.uri",
    ),
    "unbound-label": (
        _trait("GetCity", "smithy.api#http", {"method": "GET", "uri": "/cities/{city}"}),
        f"data.source.model.shapes.{W}GetCity.traits.smithy.api#http.uri",
    ),
    "same-tool-name": (_same_name, f"data.source.model.shapes.{W}GetCity"),
    "long-tool-name": (_long_name, f"data.source.model.shapes.{W}Get" + "x" * 250),
    "too-many-operations": (_many_operations, f"{_SVC}.operations"),
    "too-large": (
        _trait("Weather", "smithy.api#documentation", "d" * MAX_MODEL_BYTES),
        "data.source.model",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_model_is_422_with_its_path_and_nothing_written(
    registry: Registry, gateway: dict[str, Any], case: str
) -> None:
    change, field = BAD[case]
    source = _changed(change)
    before = scan_everything(registry)
    calls: list[str] = []
    for service in ("s3", "bedrock-agentcore-control"):
        registry.on(f"before-call.{service}", lambda model, **_: calls.append(model.name))
    response = registry.invoke(create_event(gateway, source=source))
    registry.clear_hooks()
    assert response["status"] == 422, response
    assert field in [d["field"] for d in response["error"]["details"]], response["error"]
    assert calls == []
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []
    assert spec_keys(registry) == []
    checked = registry.invoke(event("validate_spec", {"source": source}))
    assert checked["status"] == 200, checked
    assert checked["data"]["ok"] is False
    assert field in [e["field"] for e in checked["data"]["errors"]]


def test_the_size_limit_is_agentcores() -> None:
    # "Maximum model size: 10MB" (gateway-building-smithy-targets.html).
    assert MAX_MODEL_BYTES == 10 * 1024 * 1024
    assert len(canonical(weather_model())) < MAX_MODEL_BYTES


def test_every_finding_is_given_at_once(registry: Registry, gateway: dict[str, Any]) -> None:
    def change(m: dict[str, Any]) -> None:
        m["smithy"] = "9"
        m["shapes"][f"{W}Weather"]["traits"] = {}
        m["shapes"][f"{W}GetCity"]["traits"]["smithy.api#http"]["method"] = "FETCH"

    response = registry.invoke(create_event(gateway, source=_changed(change)))
    assert response["status"] == 422
    assert [d["field"] for d in response["error"]["details"]] == [
        "data.source.model.smithy",
        f"{_SVC}.traits",
        f"data.source.model.shapes.{W}GetCity.traits.smithy.api#http.method",
    ]


def test_findings_are_capped(registry: Registry, gateway: dict[str, Any]) -> None:
    def change(m: dict[str, Any]) -> None:
        for i in range(MAX_FINDINGS + 10):
            m["shapes"][f"Bad{i}"] = {"type": "string"}

    response = registry.invoke(create_event(gateway, source=_changed(change)))
    assert response["status"] == 422
    details = response["error"]["details"]
    assert len(details) == MAX_FINDINGS + 1
    assert details[-1] == {"field": "data.source.model", "message": "and 10 more finding(s)"}


def test_a_model_needs_exactly_one_of_model_and_s3_key(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    before = scan_everything(registry)
    both = {**smithy_source(), "s3_key": "uploads/payments/u1/weather.json"}
    for source in (both, {"type": "smithy"}, {"type": "smithy", "model": "not an object"}):
        response = registry.invoke(create_event(gateway, source=source))
        assert response["status"] == 422, response
        assert response["error"]["details"][0]["field"].startswith("data.source")
    assert scan_everything(registry) == before


@pytest.mark.parametrize("credentials", [{"type": "none"}, {"type": "api_key", "api_key": "k"}])
def test_a_smithy_tool_takes_the_gateway_role_or_oauth2_only(
    registry: Registry, gateway: dict[str, Any], credentials: dict[str, Any]
) -> None:
    before = scan_everything(registry)
    response = registry.invoke(create_event(gateway, credentials=credentials))
    assert response["status"] == 422, response
    assert response["error"]["details"] == [
        {"field": "data.credentials.type", "message": "one of gateway_iam_role, oauth2"}
    ]
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []


def test_validate_spec_of_a_smithy_source(registry: Registry) -> None:
    good = registry.invoke(
        event("validate_spec", {"source": smithy_source(), "target_name": "weather"})
    )
    assert good["status"] == 200, good
    assert good["data"] == {
        "ok": True,
        "kind": "smithy",
        "service": f"{W}Weather",
        "s3_key": None,
        "tools": TOOLS,
        "tool_names": ["weather___GetCurrentTime", "weather___GetCity"],
        "errors": [],
        "size_bytes": len(canonical(weather_model())),
    }
    assert spec_keys(registry) == []


def test_list_tools_filters_smithy_tools(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    assert create_tool(registry, gateway, name="pets")["status"] == 201
    listed = registry.invoke(
        event("list_tools", {"gateway_id": gateway["gateway_id"], "kind": "smithy"})
    )
    assert listed["status"] == 200, listed
    assert [t["name"] for t in listed["data"]["items"]] == ["weather"]
    others = registry.invoke(
        event("list_tools", {"gateway_id": gateway["gateway_id"], "kind": "openapi"})
    )
    assert [t["name"] for t in others["data"]["items"]] == ["pets"]


def test_reconcile_finds_a_smithy_tool_in_step_then_its_drift(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    in_step = reconcile(registry, dry_run=False)
    assert in_step["findings"] == []
    assert in_step["counts"] == {"in-step": 1}
    registry.runtime.s3.put_object(
        Bucket=registry.settings.spec_bucket_name, Key=tool["target"]["s3_key"], Body=b"{}"
    )
    [finding] = reconcile(registry, dry_run=False)["findings"]
    assert (finding["finding"], finding["detail"]) == ("drift", "the model object changed")
    registry.runtime.s3.delete_object(
        Bucket=registry.settings.spec_bucket_name, Key=tool["target"]["s3_key"]
    )
    [finding] = reconcile(registry)["findings"]
    assert (finding["finding"], finding["detail"]) == ("drift", "the model object is missing")
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"


def test_reconcile_reports_a_target_reading_another_model(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    other = "s3://elsewhere/weather.json"
    registry.runtime.agentcore.update_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"],
        targetId=tool["agentcore"]["target_id"],
        name="weather",
        targetConfiguration={"mcp": {"smithyModel": {"s3": {"uri": other}}}},
        credentialProviderConfigurations=[{"credentialProviderType": "GATEWAY_IAM_ROLE"}],
    )
    [finding] = reconcile(registry)["findings"]
    assert finding["finding"] == "drift"
    assert finding["detail"] == f"the target reads its model from {other}"


# --- s3_key: the model uploaded with create_upload_url ----------------------------


def upload(registry: Registry, body: bytes, key: str = "uploads/payments/u1/weather.json") -> str:
    registry.runtime.s3.put_object(Bucket=registry.settings.spec_bucket_name, Key=key, Body=body)
    return key


def uploaded_source(key: str) -> dict[str, Any]:
    return {"type": "smithy", "s3_key": key}


def test_create_from_an_uploaded_model(registry: Registry, gateway: dict[str, Any]) -> None:
    key = upload(registry, json.dumps(weather_model(), indent=2).encode())
    response = registry.invoke(create_event(gateway, source=uploaded_source(key)))
    assert response["status"] == 201, response
    record = tool_record(registry, response["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["tools"] == TOOLS
    # Stored as canonical JSON: the same object as the inline model's.
    assert stored(registry, record["target"]["s3_key"]) == weather_model()
    assert record["target"]["size_bytes"] == len(canonical(weather_model()))
    checked = registry.invoke(event("validate_spec", {"source": uploaded_source(key)}))
    assert checked["status"] == 200, checked
    assert (checked["data"]["ok"], checked["data"]["s3_key"]) == (True, key)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "data.source.s3_key"),
        (b"[]", "data.source.s3_key"),
        (b'{"smithy": NaN}', "data.source.s3_key"),
        (b"[" * 100_000 + b"]" * 100_000, "data.source.s3_key"),
        (
            json.dumps(_changed(_shape("Weather", traits={}))["model"]).encode(),
            f"data.source.s3_key.shapes.{W}Weather.traits",
        ),
    ],
)
def test_a_bad_upload_is_422_with_its_path_and_nothing_written(
    registry: Registry, gateway: dict[str, Any], body: bytes, field: str
) -> None:
    key = upload(registry, body)
    before = scan_everything(registry)
    response = registry.invoke(create_event(gateway, source=uploaded_source(key)))
    assert response["status"] == 422, response
    assert [d["field"] for d in response["error"]["details"]] == [field]
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []
    assert spec_keys(registry) == [key]  # the upload only: nothing stored


def test_another_teams_upload_is_403_and_a_missing_one_404(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    key = upload(registry, canonical(weather_model()), key="uploads/billing/u1/weather.json")
    before = scan_everything(registry)
    response = registry.invoke(create_event(gateway, source=uploaded_source(key)))
    assert response["status"] == 403, response
    missing = registry.invoke(
        create_event(gateway, source=uploaded_source("uploads/payments/u1/none.json"))
    )
    assert missing["status"] == 404, missing
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []


def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    key = upload(registry, b" " * (MAX_MODEL_BYTES + 1))
    reads: list[str] = []
    registry.on("before-call.s3.GetObject", lambda model, **_: reads.append(model.name))
    response = registry.invoke(create_event(gateway, source=uploaded_source(key)))
    registry.clear_hooks()
    assert response["status"] == 413, response
    assert reads == []
    assert targets(registry, gateway) == []
