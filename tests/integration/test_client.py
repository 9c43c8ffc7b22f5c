"""The registry client against the real handler behind `registry local
serve`'s Invoke API, and a real moto_server (issue 14, points 5 and 6): the
client runs unchanged against the local stack with an endpoint URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from registry_local import serve
from registry_local.client import RegistryClient
from registry_local.serve import MAX_REQUEST_BYTES, LambdaInvokeServer
from tests.support import ACTOR, PETS, Registry, targets, tool_record


@pytest.fixture
def endpoint(server_env: dict[str, str]) -> Iterator[str]:
    with LambdaInvokeServer("registry") as server:
        yield server.endpoint_url


def make_client(endpoint: str, waits: list[float] | None = None) -> RegistryClient:
    return RegistryClient(
        "registry",
        endpoint_url=endpoint,
        region="us-east-1",
        actor=ACTOR,
        sleep=(waits if waits is not None else []).append,
    )


def test_a_gateway_and_a_tool_through_the_invoke_api(endpoint: str, registry: Registry) -> None:
    client = make_client(endpoint)
    made = client.call("create_gateway", {"name": "payments-tools"})
    assert made["status"] == 201, made
    gateway = made["data"]
    assert client.call("get_gateway", {"gateway_id": gateway["gateway_id"]})["status"] == 200
    tool = client.call(
        "create_tool",
        {
            "gateway_id": gateway["gateway_id"],
            "name": "pets",
            "source": {"type": "inline", "spec": PETS},
        },
    )
    assert tool["status"] == 201, tool
    record = tool_record(registry, tool["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    assert len(targets(registry, gateway)) == 1
    listed = client.call("list_tools", {"gateway_id": gateway["gateway_id"]})
    assert [t["name"] for t in listed["data"]["items"]] == ["pets"]
    gone = client.call("delete_gateway", {"gateway_id": gateway["gateway_id"], "cascade": True})
    assert gone["status"] == 200, gone
    assert gone["data"]["status"] == "DELETED"
    assert registry.runtime.agentcore.list_gateways()["items"] == []


def test_the_same_request_id_sent_again_does_the_work_once(
    endpoint: str, registry: Registry
) -> None:
    client = make_client(endpoint)
    first = client.call("create_gateway", {"name": "once"}, request_id="req-client-once-1")
    again = client.call("create_gateway", {"name": "once"}, request_id="req-client-once-1")
    assert first["status"] == again["status"] == 201
    assert again["data"]["gateway_id"] == first["data"]["gateway_id"]
    agentcore = registry.runtime.agentcore.list_gateways()["items"]
    assert [g["name"] for g in agentcore] == ["once"]


def test_a_payload_over_six_megabytes_is_refused_before_the_function(
    endpoint: str, registry: Registry
) -> None:
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")
    big = {
        "action": "validate_spec",
        "data": {"source": {"type": "inline", "spec": "x" * MAX_REQUEST_BYTES}},
    }
    with pytest.raises(ClientError) as info:
        lam.invoke(FunctionName="registry", Payload=json.dumps(big).encode())
    assert info.value.response["Error"]["Code"] == "RequestTooLargeException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_a_function_that_raises_is_lambdas_unhandled_error(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(event: Any) -> dict[str, Any]:
        raise MemoryError("out of memory")

    monkeypatch.setattr(serve, "invoke", broken)
    answer = make_client(endpoint).call("create_gateway", {"name": "x"})
    assert answer["status"] == 502
    assert answer["error"]["code"] == "FunctionError"
    assert answer["error"]["message"] == "out of memory"


def test_another_function_name_is_not_found(endpoint: str) -> None:
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")
    with pytest.raises(ClientError) as info:
        lam.invoke(FunctionName="other", Payload=b"{}")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
