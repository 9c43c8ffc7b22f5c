"""API Gateway stage tools (issue 12): the source's checks (its forms, then
the REST API and stage as API Gateway has them), the safe flow, the record's
`target` and `tools`, and the target in AgentCore after each step."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.support import (
    Registry,
    event,
    make_rest_api,
    reconcile,
    scan_everything,
    spec_keys,
    targets,
    tool_record,
)

FILTERS: list[dict[str, Any]] = [
    {"path": "/pets", "methods": ["GET", "POST"]},
    {"path": "/pets/*", "methods": ["GET"]},
]
OVERRIDES: list[dict[str, Any]] = [
    {"name": "find_pet", "path": "/pets/{petId}", "method": "GET", "description": "One pet"},
]


@pytest.fixture
def api_id(registry: Registry) -> str:
    return make_rest_api(registry)


def source(
    api_id: str,
    filters: list[Any] | None = None,
    overrides: list[Any] | None = None,
    stage: str = "prod",
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "type": "api_gateway",
        "rest_api_id": api_id,
        "stage": stage,
        "tool_filters": copy.deepcopy(FILTERS if filters is None else filters),
    }
    if overrides is not None:
        result["tool_overrides"] = copy.deepcopy(overrides)
    return result


def create_event(gateway: dict[str, Any], src: dict[str, Any], **data: Any) -> dict[str, Any]:
    return event(
        "create_tool",
        {"gateway_id": gateway["gateway_id"], "name": "pets", "source": src, **data},
    )


def remote(registry: Registry, gateway: dict[str, Any], target_id: str) -> dict[str, Any]:
    return dict(
        registry.runtime.agentcore.get_gateway_target(
            gatewayIdentifier=gateway["agentcore"]["gateway_id"], targetId=target_id
        )
    )


def served(registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]) -> Any:
    answer = remote(registry, gateway, tool["agentcore"]["target_id"])
    return answer["targetConfiguration"]["mcp"]["apiGateway"]


@pytest.fixture
def tool(registry: Registry, gateway: dict[str, Any], api_id: str) -> dict[str, Any]:
    response = registry.invoke(create_event(gateway, source(api_id, overrides=OVERRIDES)))
    assert response["status"] == 201, response
    return dict(response["data"])


def test_create_makes_an_api_gateway_target_of_the_record(
    registry: Registry, gateway: dict[str, Any], api_id: str, tool: dict[str, Any]
) -> None:
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    # Operation names, and the override's name for GET /pets/{petId}; DELETE
    # /pets/{petId} is not selected (the wildcard filter lists GET only).
    assert record["tools"] == ["listPets", "createPet", "find_pet"]
    target = record["target"]
    assert {k: v for k, v in target.items() if k != "sha256"} == {
        "kind": "api_gateway",
        "rest_api_id": api_id,
        "stage": "prod",
        "tool_filters": FILTERS,
        "tool_overrides": OVERRIDES,
    }
    assert len(target["sha256"]) == 64
    assert record["credentials"] == {"type": "none"}
    assert spec_keys(registry) == []  # nothing stored
    [listed] = targets(registry, gateway)
    answer = remote(registry, gateway, listed["targetId"])
    assert answer["targetConfiguration"] == {
        "mcp": {
            "apiGateway": {
                "restApiId": api_id,
                "stage": "prod",
                "apiGatewayToolConfiguration": {
                    "toolFilters": [
                        {"filterPath": "/pets", "methods": ["GET", "POST"]},
                        {"filterPath": "/pets/*", "methods": ["GET"]},
                    ],
                    "toolOverrides": OVERRIDES,
                },
            }
        }
    }
    assert [e["status"] for e in record["audit"]] == ["PENDING", "ACTIVE"]
    got = registry.invoke(event("get_tool", {"tool_id": tool["tool_id"]}))
    assert got["status"] == 200
    assert got["data"]["target"] == target
    assert got["data"]["tools"] == record["tools"]


def test_without_overrides_the_configuration_has_none(
    registry: Registry, gateway: dict[str, Any], api_id: str
) -> None:
    response = registry.invoke(
        create_event(gateway, source(api_id, [{"path": "/pets", "methods": ["GET"]}]))
    )
    assert response["status"] == 201, response
    assert response["data"]["tools"] == ["listPets"]
    assert response["data"]["target"]["tool_overrides"] == []
    configuration = served(registry, gateway, response["data"])["apiGatewayToolConfiguration"]
    assert configuration == {"toolFilters": [{"filterPath": "/pets", "methods": ["GET"]}]}


def test_methods_are_kept_in_one_order_so_the_digest_is_stable(
    registry: Registry, gateway: dict[str, Any], api_id: str, tool: dict[str, Any]
) -> None:
    reordered = [{"path": "/pets", "methods": ["POST", "GET"]}, FILTERS[1]]
    response = registry.invoke(
        event(
            "update_tool",
            {"tool_id": tool["tool_id"], "source": source(api_id, reordered, OVERRIDES)},
        )
    )
    assert response["status"] == 200, response
    # The same configuration: the record's description, digest included, is kept.
    assert response["data"]["target"] == tool["target"]


def test_replayed_create_answers_the_same_and_makes_nothing_more(
    registry: Registry, gateway: dict[str, Any], api_id: str
) -> None:
    evt = create_event(gateway, source(api_id))
    first = registry.invoke(evt)
    again = registry.invoke(copy.deepcopy(evt))
    assert first["status"] == again["status"] == 201
    assert again["data"]["tool_id"] == first["data"]["tool_id"]
    assert len(targets(registry, gateway)) == 1


def test_update_of_the_filters_changes_the_target_and_the_tools(
    registry: Registry, gateway: dict[str, Any], api_id: str, tool: dict[str, Any]
) -> None:
    filters = [{"path": "/pets/*", "methods": ["GET", "DELETE"]}]
    overrides = [{"name": "remove_pet", "path": "/pets/{petId}", "method": "DELETE"}]
    response = registry.invoke(
        event(
            "update_tool",
            {"tool_id": tool["tool_id"], "source": source(api_id, filters, overrides)},
        )
    )
    assert response["status"] == 200, response
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["tools"] == ["remove_pet", "getPet"]  # by path, then method
    assert record["target"]["tool_filters"] == filters
    assert record["target"]["sha256"] != tool["target"]["sha256"]
    assert served(registry, gateway, tool) == {
        "restApiId": api_id,
        "stage": "prod",
        "apiGatewayToolConfiguration": {
            "toolFilters": [{"filterPath": "/pets/*", "methods": ["GET", "DELETE"]}],
            "toolOverrides": overrides,
        },
    }


def test_update_to_another_stage(
    registry: Registry, gateway: dict[str, Any], api_id: str, tool: dict[str, Any]
) -> None:
    registry.runtime.client("apigateway").create_deployment(restApiId=api_id, stageName="beta")
    response = registry.invoke(
        event(
            "update_tool",
            {
                "tool_id": tool["tool_id"],
                "source": source(api_id, overrides=OVERRIDES, stage="beta"),
            },
        )
    )
    assert response["status"] == 200, response
    assert response["data"]["target"]["stage"] == "beta"
    assert served(registry, gateway, tool)["stage"] == "beta"


def test_update_with_the_same_source_changes_nothing(
    registry: Registry, gateway: dict[str, Any], api_id: str, tool: dict[str, Any]
) -> None:
    response = registry.invoke(
        event(
            "update_tool",
            {"tool_id": tool["tool_id"], "source": source(api_id, overrides=OVERRIDES)},
        )
    )
    assert response["status"] == 200, response
    assert response["data"]["target"] == tool["target"]
    assert response["data"]["tools"] == tool["tools"]


def test_update_cannot_change_the_kind(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    from tests.support import inline

    before = scan_everything(registry)
    response = registry.invoke(
        event("update_tool", {"tool_id": tool["tool_id"], "source": inline()})
    )
    assert response["status"] == 422, response
    assert response["error"]["details"][0]["field"] == "data.source.type"
    assert scan_everything(registry) == before


def test_an_api_key_tool_and_the_gateway_role(
    registry: Registry, gateway: dict[str, Any], api_id: str
) -> None:
    response = registry.invoke(
        create_event(
            gateway,
            source(api_id),
            credentials={"type": "api_key", "api_key": "s3cr3t-k3y", "parameter_name": "x-api-key"},
        )
    )
    assert response["status"] == 201, response
    assert "s3cr3t-k3y" not in scan_everything(registry)
    answer = remote(registry, gateway, response["data"]["agentcore"]["target_id"])
    assert answer["credentialProviderConfigurations"][0]["credentialProviderType"] == "API_KEY"
    role = registry.invoke(
        event(
            "update_tool",
            {"tool_id": response["data"]["tool_id"], "credentials": {"type": "gateway_iam_role"}},
        )
    )
    assert role["status"] == 200, role
    answer = remote(registry, gateway, response["data"]["agentcore"]["target_id"])
    # No iamCredentialProvider: AgentCore knows the service it signs for.
    assert answer["credentialProviderConfigurations"] == [
        {"credentialProviderType": "GATEWAY_IAM_ROLE"}
    ]


def test_oauth2_is_refused(registry: Registry, gateway: dict[str, Any], api_id: str) -> None:
    before = scan_everything(registry)
    oauth2 = {
        "type": "oauth2",
        "client_id": "a",
        "client_secret": "s",
        "discovery_url": "https://idp.example.com/.well-known/openid-configuration",
    }
    response = registry.invoke(create_event(gateway, source(api_id), credentials=oauth2))
    assert response["status"] == 422, response
    assert response["error"]["details"] == [
        {"field": "data.credentials.type", "message": "one of api_key, gateway_iam_role, none"}
    ]
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []


def test_delete_removes_the_target(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    response = registry.invoke(event("delete_tool", {"tool_id": tool["tool_id"]}))
    assert response["status"] == 200, response
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "DELETED"
    assert targets(registry, gateway) == []


def test_list_tools_by_kind(
    registry: Registry, gateway: dict[str, Any], tool: dict[str, Any]
) -> None:
    from tests.support import create_tool

    assert create_tool(registry, gateway, name="spec")["status"] == 201
    listed = registry.invoke(
        event("list_tools", {"gateway_id": gateway["gateway_id"], "kind": "api_gateway"})
    )
    assert listed["status"] == 200, listed
    assert [t["tool_id"] for t in listed["data"]["items"]] == [tool["tool_id"]]
    other = registry.invoke(
        event("list_tools", {"gateway_id": gateway["gateway_id"], "kind": "openapi"})
    )
    assert [t["name"] for t in other["data"]["items"]] == ["spec"]


# --- what is refused, with its path, before anything is written ----------------------

GOOD_ID = "PLACEHOLDER"  # replaced by the REST API's id in the test

# Each case: the source's changes, and the field a finding names. Forms
# first (no AWS call at all), then what the REST API itself says.
BAD: dict[str, tuple[dict[str, Any], str]] = {
    "id-form": ({"rest_api_id": "Pets API"}, "data.source.rest_api_id"),
    "id-too-long": ({"rest_api_id": "a" * 11}, "data.source.rest_api_id"),
    "stage-form": ({"stage": "prod/v1"}, "data.source.stage"),
    "stage-too-long": ({"stage": "s" * 129}, "data.source.stage"),
    "no-filters": ({"tool_filters": []}, "data.source.tool_filters"),
    "filter-not-an-object": ({"tool_filters": ["/pets"]}, "data.source.tool_filters[0]"),
    "filter-unknown-key": (
        {"tool_filters": [{"path": "/pets", "methods": ["GET"], "filterPath": "/pets"}]},
        "data.source.tool_filters[0].filterPath",
    ),
    "relative-path": (
        {"tool_filters": [{"path": "pets", "methods": ["GET"]}]},
        "data.source.tool_filters[0].path",
    ),
    "star-inside": (
        {"tool_filters": [{"path": "/pets*", "methods": ["GET"]}]},
        "data.source.tool_filters[0].path",
    ),
    "star-not-last": (
        {"tool_filters": [{"path": "/*/pets", "methods": ["GET"]}]},
        "data.source.tool_filters[0].path",
    ),
    "proxy-resource": (
        {"tool_filters": [{"path": "/pets/{proxy+}", "methods": ["GET"]}]},
        "data.source.tool_filters[0].path",
    ),
    "no-methods": (
        {"tool_filters": [{"path": "/pets", "methods": []}]},
        "data.source.tool_filters[0].methods",
    ),
    "method-any": (
        {"tool_filters": [{"path": "/pets", "methods": ["ANY"]}]},
        "data.source.tool_filters[0].methods[0]",
    ),
    "method-lowercase": (
        {"tool_filters": [{"path": "/pets", "methods": ["get"]}]},
        "data.source.tool_filters[0].methods[0]",
    ),
    "method-twice": (
        {"tool_filters": [{"path": "/pets", "methods": ["GET", "GET"]}]},
        "data.source.tool_filters[0].methods[1]",
    ),
    "duplicate-filter": (
        {"tool_filters": [FILTERS[0], {"path": "/pets", "methods": ["DELETE"]}]},
        "data.source.tool_filters[1].path",
    ),
    "override-outside-every-filter": (
        {"tool_overrides": [{"name": "remove", "path": "/pets/{petId}", "method": "DELETE"}]},
        "data.source.tool_overrides[0]",
    ),
    "override-of-the-wildcard's-own-path": (
        {
            "tool_filters": [{"path": "/pets/*", "methods": ["GET"]}],
            "tool_overrides": [{"name": "all", "path": "/pets", "method": "GET"}],
        },
        "data.source.tool_overrides[0]",
    ),
    "override-wildcard-path": (
        {"tool_overrides": [{"name": "all", "path": "/pets/*", "method": "GET"}]},
        "data.source.tool_overrides[0].path",
    ),
    "override-bad-method": (
        {"tool_overrides": [{"name": "all", "path": "/pets", "method": "ANY"}]},
        "data.source.tool_overrides[0].method",
    ),
    "override-bad-name": (
        {"tool_overrides": [{"name": "list pets", "path": "/pets", "method": "GET"}]},
        "data.source.tool_overrides[0].name",
    ),
    "override-long-name": (
        {"tool_overrides": [{"name": "x" * 260, "path": "/pets", "method": "GET"}]},
        "data.source.tool_overrides[0].name",
    ),
    "override-names-twice": (
        {
            "tool_overrides": [
                {"name": "pets", "path": "/pets", "method": "GET"},
                {"name": "pets", "path": "/pets", "method": "POST"},
            ]
        },
        "data.source.tool_overrides[1].name",
    ),
    "override-same-operation-twice": (
        {
            "tool_overrides": [
                {"name": "a", "path": "/pets", "method": "GET"},
                {"name": "b", "path": "/pets", "method": "GET"},
            ]
        },
        "data.source.tool_overrides[1]",
    ),
    "override-empty-description": (
        {"tool_overrides": [{"name": "a", "path": "/pets", "method": "GET", "description": ""}]},
        "data.source.tool_overrides[0].description",
    ),
    "override-unknown-key": (
        {"tool_overrides": [{"name": "a", "path": "/pets", "method": "GET", "title": "x"}]},
        "data.source.tool_overrides[0].title",
    ),
    # What API Gateway says.
    "no-such-api": ({"rest_api_id": "abcdefghij"}, "data.source.rest_api_id"),
    "no-such-stage": ({"stage": "staging"}, "data.source.stage"),
    "no-such-resource": (
        {"tool_filters": [{"path": "/owners", "methods": ["GET"]}]},
        "data.source.tool_filters[0].path",
    ),
    "filter-selects-nothing": (
        {"tool_filters": [{"path": "/pets", "methods": ["PATCH"]}]},
        "data.source.tool_filters[0]",
    ),
    "wildcard-selects-nothing": (
        {"tool_filters": [{"path": "/owners/*", "methods": ["GET"]}]},
        "data.source.tool_filters[0]",
    ),
    "method-without-operation-name": (
        {"tool_filters": [{"path": "/pets/{petId}", "methods": ["DELETE"]}]},
        "data.source.tool_filters[0]",
    ),
    "override-of-a-missing-method": (
        {
            "tool_filters": [{"path": "/pets", "methods": ["GET", "PUT"]}],
            "tool_overrides": [{"name": "replace", "path": "/pets", "method": "PUT"}],
        },
        "data.source.tool_overrides[0].method",
    ),
    "override-name-clashes-with-an-operation": (
        {"tool_overrides": [{"name": "createPet", "path": "/pets", "method": "GET"}]},
        "data.source.tool_filters[0]",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_api_gateway_source_is_422_with_its_path_and_nothing_written(
    registry: Registry, gateway: dict[str, Any], api_id: str, case: str
) -> None:
    changes, field = BAD[case]
    src = {**source(api_id), **copy.deepcopy(changes)}
    before = scan_everything(registry)
    calls: list[str] = []
    for service in ("s3", "bedrock-agentcore-control", "apigateway"):
        registry.on(f"before-call.{service}", lambda model, **_: calls.append(model.name))
    response = registry.invoke(create_event(gateway, src))
    registry.clear_hooks()
    assert response["status"] == 422, response
    assert field in [d["field"] for d in response["error"]["details"]], response["error"]
    # Only API Gateway reads, and none at all while the forms are wrong.
    assert set(calls) <= {"GetRestApi", "GetStage", "GetResources"}
    if case in _FORMS:
        assert calls == []
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []


_FORMS = {case for case in BAD if list(BAD).index(case) < list(BAD).index("no-such-api")}


def test_every_finding_is_given_at_once(
    registry: Registry, gateway: dict[str, Any], api_id: str
) -> None:
    src = source(
        "Pets",
        [{"path": "/pets", "methods": ["ANY"]}, {"path": "/pets/{id+}", "methods": ["GET"]}],
        [{"name": "x", "path": "/owners", "method": "GET"}],
        stage="a b",
    )
    response = registry.invoke(create_event(gateway, src))
    assert response["status"] == 422
    assert [d["field"] for d in response["error"]["details"]] == [
        "data.source.rest_api_id",
        "data.source.stage",
        "data.source.tool_filters[0].methods[0]",
        "data.source.tool_filters[1].path",
        "data.source.tool_overrides[0]",
    ]


def test_a_private_api_or_one_without_its_endpoint_is_refused(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    private = make_rest_api(registry, endpointConfiguration={"types": ["PRIVATE"]})
    response = registry.invoke(create_event(gateway, source(private)))
    assert response["status"] == 422, response
    assert response["error"]["details"] == [
        {
            "field": "data.source.rest_api_id",
            "message": "a private API: AgentCore serves public endpoints only",
        }
    ]
    closed = make_rest_api(registry, disableExecuteApiEndpoint=True)
    response = registry.invoke(create_event(gateway, source(closed)))
    assert response["status"] == 422, response
    assert [d["field"] for d in response["error"]["details"]] == ["data.source.rest_api_id"]
    assert targets(registry, gateway) == []


def test_a_method_with_iam_and_an_api_key_is_not_served(
    registry: Registry, gateway: dict[str, Any], api_id: str
) -> None:
    client = registry.runtime.client("apigateway")
    pets = next(r for r in client.get_resources(restApiId=api_id)["items"] if r["path"] == "/pets")
    client.put_method(
        restApiId=api_id,
        resourceId=pets["id"],
        httpMethod="PUT",
        authorizationType="AWS_IAM",
        apiKeyRequired=True,
        operationName="replacePets",
    )
    only = source(api_id, [{"path": "/pets", "methods": ["PUT"]}])
    response = registry.invoke(create_event(gateway, only))
    assert response["status"] == 422, response
    assert [d["field"] for d in response["error"]["details"]] == ["data.source.tool_filters[0]"]
    both = source(api_id, [{"path": "/pets", "methods": ["GET", "PUT"]}])
    response = registry.invoke(create_event(gateway, both))
    assert response["status"] == 201, response
    assert response["data"]["tools"] == ["listPets"]


def test_an_api_gateway_failure_is_502_and_nothing_written(
    registry: Registry, gateway: dict[str, Any], api_id: str
) -> None:
    before = scan_everything(registry)
    registry.fail("apigateway.GetResources", "AccessDeniedException", 403)
    response = registry.invoke(create_event(gateway, source(api_id)))
    registry.clear_hooks()
    assert response["status"] == 502, response
    assert response["error"]["details"][0]["code"] == "AccessDeniedException"
    assert scan_everything(registry) == before
    assert targets(registry, gateway) == []


def test_validate_spec_of_an_api_gateway_source(registry: Registry, api_id: str) -> None:
    good = registry.invoke(
        event(
            "validate_spec",
            {"source": source(api_id, overrides=OVERRIDES), "target_name": "pets"},
        )
    )
    assert good["status"] == 200, good
    assert good["data"]["ok"] is True
    assert good["data"]["tools"] == ["listPets", "createPet", "find_pet"]
    assert good["data"]["tool_names"] == ["pets___listPets", "pets___createPet", "pets___find_pet"]
    assert good["data"]["operations"] == [
        {"path": "/pets", "method": "GET", "tool": "listPets"},
        {"path": "/pets", "method": "POST", "tool": "createPet"},
        {"path": "/pets/{petId}", "method": "GET", "tool": "find_pet"},
    ]
    bad = registry.invoke(event("validate_spec", {"source": source(api_id, stage="staging")}))
    assert bad["status"] == 200, bad
    assert bad["data"]["ok"] is False
    assert [e["field"] for e in bad["data"]["errors"]] == ["data.source.stage"]


# --- reconcile ------------------------------------------------------------------------


def test_reconcile_finds_the_tool_in_step_then_its_drift(
    registry: Registry, gateway: dict[str, Any], api_id: str, tool: dict[str, Any]
) -> None:
    in_step = reconcile(registry, dry_run=False)
    assert in_step["findings"] == []
    assert in_step["counts"] == {"in-step": 1}
    configuration = {
        "mcp": {
            "apiGateway": {
                "restApiId": api_id,
                "stage": "prod",
                "apiGatewayToolConfiguration": {
                    "toolFilters": [{"filterPath": "/pets/*", "methods": ["GET", "DELETE"]}]
                },
            }
        }
    }
    registry.runtime.agentcore.update_gateway_target(
        gatewayIdentifier=gateway["agentcore"]["gateway_id"],
        targetId=tool["agentcore"]["target_id"],
        name="pets",
        targetConfiguration=configuration,
        credentialProviderConfigurations=[{"credentialProviderType": "GATEWAY_IAM_ROLE"}],
    )
    [finding] = reconcile(registry)["findings"]
    assert finding["finding"] == "drift"
    assert finding["detail"] == "the target's tool filters differ from the record's"
    record = tool_record(registry, tool["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
