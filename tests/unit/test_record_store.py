"""The DynamoDB adapter and the record store, against in-process moto."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)

from services.aws_errors import translate
from services.errors import RequestValidationError, UpstreamError, UpstreamUnavailableError
from services.records import dynamo
from services.records.dynamo import Condition, Expression, WriteCancelled, _reasons_from_message
from services.records.record_store import (
    RECORD_TYPE_INDEX,
    TEAM_INDEX,
    TOOLS_BY_GATEWAY_INDEX,
    RecordStore,
    decode_token,
    encode_token,
)
from tests.support import Registry, event


def client(registry: Registry) -> Any:
    return registry.runtime.dynamodb


def table(registry: Registry) -> str:
    return registry.settings.gateways_table_name


def get(registry: Registry, key: str) -> dict[str, Any] | None:
    return registry.item(key)


def put_raw(registry: Registry, item: dict[str, Any]) -> None:
    client(registry).put_item(TableName=table(registry), Item=dynamo.serialize(item))


def called_operations(registry: Registry) -> list[str]:
    """Names of the DynamoDB operations the client sends from now on."""
    names: list[str] = []
    registry.on("before-call.dynamodb", lambda model, **_: names.append(model.name))
    return names


# ---------------------------------------------------------------- expressions


def test_expression_reuses_the_placeholder_of_a_repeated_attribute() -> None:
    expr = Expression()

    assert expr.name("lease") == "#n0"
    assert expr.name("lease.until") == "#n0.#n1"
    assert expr.name("status") == "#n2"
    assert expr.names == {"#n0": "lease", "#n1": "until", "#n2": "status"}
    assert expr.value("ACTIVE") == ":v0"
    assert expr.value(1.5) == ":v1"
    assert expr.values == {":v0": {"S": "ACTIVE"}, ":v1": {"N": "1.5"}}


def test_expression_without_placeholders_adds_nothing_to_the_request() -> None:
    assert Expression().apply({"TableName": "t"}) == {"TableName": "t"}


def test_reserved_word_attributes_update_and_condition_on_a_real_table(registry: Registry) -> None:
    put_raw(
        registry,
        {
            "gateway_id": "gw-words",
            "status": "PENDING",
            "name": "old",
            "lease": {"until": 100, "request_id": "r1"},
        },
    )
    operation = dynamo.update(
        table(registry),
        {"gateway_id": "gw-words"},
        {"status": "ACTIVE", "name": "new", "lease.until": 300},
        condition=Condition().equals("status", "PENDING").equals("name", "old").lease_free(150),
    )
    request = operation["Update"]
    text = f"{request['UpdateExpression']} {request['ConditionExpression']}"
    assert not re.search(r"\b(status|name|lease|until)\b", text)

    dynamo.write(client(registry), [operation])

    item = get(registry, "gw-words")
    assert item == {
        "gateway_id": "gw-words",
        "status": "ACTIVE",
        "name": "new",
        "lease": {"until": 300, "request_id": "r1"},
    }


def test_condition_on_reserved_words_refuses_when_it_does_not_hold(registry: Registry) -> None:
    put_raw(registry, {"gateway_id": "gw-words", "status": "ACTIVE", "name": "old"})
    operation = dynamo.update(
        table(registry),
        {"gateway_id": "gw-words"},
        {"name": "new"},
        condition=Condition().equals("status", "PENDING"),
    )

    with pytest.raises(WriteCancelled) as cancelled:
        dynamo.write(client(registry), [operation])

    assert cancelled.value.reasons == ["ConditionalCheckFailed"]
    assert get(registry, "gw-words")["name"] == "old"


@pytest.mark.parametrize(
    ("lease", "applied"),
    [
        (None, True),
        ({"until": 100, "request_id": "r1"}, True),
        ({"until": 300, "request_id": "r1"}, False),
    ],
    ids=["no-lease", "expired-lease", "live-lease"],
)
def test_lease_free_condition_holds_only_without_a_live_lease(
    registry: Registry, lease: dict[str, Any] | None, applied: bool
) -> None:
    item: dict[str, Any] = {"gateway_id": "gw-lease", "status": "ACTIVE"}
    if lease is not None:
        item["lease"] = lease
    put_raw(registry, item)
    operation = dynamo.update(
        table(registry),
        {"gateway_id": "gw-lease"},
        {"status": "DELETING"},
        condition=Condition().lease_free(150),
    )

    if applied:
        dynamo.write(client(registry), [operation])
    else:
        with pytest.raises(WriteCancelled):
            dynamo.write(client(registry), [operation])

    assert get(registry, "gw-lease")["status"] == ("DELETING" if applied else "ACTIVE")


def test_one_of_condition_and_remove_work_on_reserved_words(registry: Registry) -> None:
    put_raw(
        registry, {"gateway_id": "gw-in", "status": "FAILED", "name": "x", "lease": {"until": 1}}
    )
    operation = dynamo.update(
        table(registry),
        {"gateway_id": "gw-in"},
        {"status": "DELETING"},
        remove=("lease", "name"),
        condition=Condition().one_of("status", ("ACTIVE", "FAILED")),
    )

    dynamo.write(client(registry), [operation])

    assert get(registry, "gw-in") == {"gateway_id": "gw-in", "status": "DELETING"}


# ---------------------------------------------------------------- write


@pytest.mark.parametrize(
    ("kind", "operation_name"),
    [("put", "PutItem"), ("update", "UpdateItem"), ("delete", "DeleteItem")],
)
def test_write_of_one_operation_uses_the_single_item_api(
    registry: Registry, kind: str, operation_name: str
) -> None:
    put_raw(registry, {"gateway_id": "gw-one", "status": "ACTIVE"})
    operations = {
        "put": dynamo.put(table(registry), {"gateway_id": "gw-one", "status": "PENDING"}),
        "update": dynamo.update(table(registry), {"gateway_id": "gw-one"}, {"status": "PENDING"}),
        "delete": dynamo.delete(table(registry), {"gateway_id": "gw-one"}),
    }
    sent = called_operations(registry)

    dynamo.write(client(registry), [operations[kind]])

    assert sent == [operation_name]
    item = get(registry, "gw-one")
    assert (item is None) if kind == "delete" else (item["status"] == "PENDING")


def test_write_of_several_operations_uses_one_transaction(registry: Registry) -> None:
    put_raw(registry, {"gateway_id": "gw-two", "status": "ACTIVE"})
    sent = called_operations(registry)

    dynamo.write(
        client(registry),
        [
            dynamo.put(table(registry), {"gateway_id": "gw-new"}, Condition().absent("gateway_id")),
            dynamo.update(table(registry), {"gateway_id": "gw-two"}, {"status": "DELETED"}),
        ],
    )

    assert sent == ["TransactWriteItems"]
    assert get(registry, "gw-new") == {"gateway_id": "gw-new"}
    assert get(registry, "gw-two")["status"] == "DELETED"


def test_failed_condition_of_a_single_write_is_write_cancelled(registry: Registry) -> None:
    put_raw(registry, {"gateway_id": "gw-taken", "status": "ACTIVE"})

    with pytest.raises(WriteCancelled) as cancelled:
        dynamo.write(
            client(registry),
            [
                dynamo.put(
                    table(registry), {"gateway_id": "gw-taken"}, Condition().absent("gateway_id")
                )
            ],
        )

    assert cancelled.value.failed(0)
    assert not cancelled.value.failed(1)
    assert get(registry, "gw-taken")["status"] == "ACTIVE"


def test_failed_condition_in_a_transaction_tells_which_item_failed(registry: Registry) -> None:
    put_raw(registry, {"gateway_id": "gw-2", "status": "ACTIVE"})
    operations = [
        dynamo.put(
            table(registry), {"gateway_id": key, "status": "NEW"}, Condition().absent("gateway_id")
        )
        for key in ("gw-1", "gw-2", "gw-3")
    ]

    with pytest.raises(WriteCancelled) as cancelled:
        dynamo.write(client(registry), operations)

    assert [cancelled.value.failed(i) for i in range(3)] == [False, True, False]
    assert not cancelled.value.contended
    # All or nothing: the items whose condition held were not written either.
    assert get(registry, "gw-1") is None
    assert get(registry, "gw-3") is None
    assert get(registry, "gw-2")["status"] == "ACTIVE"


def _cancelled_without_reasons(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    message = (
        "Transaction cancelled, please refer cancellation reasons for specific reasons "
        "[None, ConditionalCheckFailed]"
    )
    parsed = {
        "Error": {"Code": "TransactionCanceledException", "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400, "RetryAttempts": 0},
    }
    return AWSResponse("https://dynamodb.example", 400, {}, None), parsed


def test_cancelled_transaction_without_reasons_falls_back_to_the_message(
    registry: Registry,
) -> None:
    registry.on("before-call.dynamodb.TransactWriteItems", _cancelled_without_reasons)
    operations = [dynamo.put(table(registry), {"gateway_id": f"gw-{i}"}) for i in range(2)]

    with pytest.raises(WriteCancelled) as cancelled:
        dynamo.write(client(registry), operations)

    assert cancelled.value.reasons == [None, "ConditionalCheckFailed"]
    assert [cancelled.value.failed(i) for i in range(2)] == [False, True]


@pytest.mark.parametrize(
    ("operation", "code", "status", "error"),
    [
        ("PutItem", "ValidationException", 400, UpstreamError),
        ("PutItem", "ProvisionedThroughputExceededException", 400, UpstreamUnavailableError),
        ("TransactWriteItems", "InternalServerError", 500, UpstreamUnavailableError),
        ("TransactWriteItems", "AccessDeniedException", 403, UpstreamError),
    ],
)
def test_write_translates_other_aws_errors(
    registry: Registry, operation: str, code: str, status: int, error: type[Exception]
) -> None:
    registry.fail(f"dynamodb.{operation}", code, status)
    count = 1 if operation == "PutItem" else 2
    operations = [dynamo.put(table(registry), {"gateway_id": f"gw-{i}"}) for i in range(count)]

    with pytest.raises(error) as raised:
        dynamo.write(client(registry), operations)

    assert type(raised.value) is error
    assert raised.value.details[0]["code"] == code
    assert raised.value.details[0]["service"] == "DynamoDB"


def test_write_translates_a_connection_failure(registry: Registry) -> None:
    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    registry.on("before-call.dynamodb.PutItem", unreachable)

    with pytest.raises(UpstreamUnavailableError) as raised:
        dynamo.write(client(registry), [dynamo.put(table(registry), {"gateway_id": "gw-x"})])

    assert raised.value.maybe_applied is False


def test_put_of_an_item_over_the_cap_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="too large"):
        dynamo.put("t", {"gateway_id": "gw-big", "blob": "x" * (dynamo.MAX_ITEM_BYTES + 1)})


@pytest.mark.parametrize(
    ("message", "reasons"),
    [
        (
            "Transaction cancelled, please refer cancellation reasons for specific reasons "
            "[None, ConditionalCheckFailed]",
            [None, "ConditionalCheckFailed"],
        ),
        (
            "Transaction cancelled, please refer cancellation reasons for specific reasons "
            "[ConditionalCheckFailed, None, TransactionConflict]",
            ["ConditionalCheckFailed", None, "TransactionConflict"],
        ),
        ("Transaction cancelled", ["Unknown"]),
    ],
    ids=["two-items", "three-items", "no-list"],
)
def test_reasons_from_message_parses_the_cancellation_list(
    message: str, reasons: list[str | None]
) -> None:
    assert _reasons_from_message(message) == reasons


def test_write_cancelled_failed_ignores_none_and_out_of_range() -> None:
    cancelled = WriteCancelled([None, "None", "ConditionalCheckFailed", "TransactionConflict"])

    assert [cancelled.failed(i) for i in range(5)] == [False, False, True, True, False]
    assert cancelled.contended
    assert not WriteCancelled(["ConditionalCheckFailed"]).contended


# ---------------------------------------------------------------- (de)serialisation

ROUND_TRIP_VALUES = {
    "float": 1.25,
    "small_float": 0.1,
    "negative_float": -3.5e-7,
    "int": 42,
    "big_int": 10**20,
    "negative_int": -7,
    "zero": 0,
    "nested": {"a": {"b": [1, 2.5, "x", {"c": None}], "d": True}},
    "none": None,
    "empty_list": [],
    "empty_dict": {},
    "string": "status",
    "bool": False,
}


def test_serialize_deserialize_round_trips_values_and_types() -> None:
    result = dynamo.deserialize(dynamo.serialize(ROUND_TRIP_VALUES))

    assert result == ROUND_TRIP_VALUES
    for key, value in ROUND_TRIP_VALUES.items():
        assert type(result[key]) is type(value), key


def test_items_round_trip_through_a_real_table(registry: Registry) -> None:
    item = {"gateway_id": "gw-values", **ROUND_TRIP_VALUES}
    dynamo.write(client(registry), [dynamo.put(table(registry), item)])

    stored = get(registry, "gw-values")

    assert stored == item
    assert type(stored["float"]) is float
    assert type(stored["int"]) is int


# ---------------------------------------------------------------- next_token

TEAM_KEY = {
    "gateway_id": {"S": "gw-00000000000000000001"},
    "team": {"S": "payments"},
    "created_at": {"S": "2027-01-15T08:00:00.000Z"},
}
RECORD_TYPE_KEY = {
    "gateway_id": {"S": "gw-00000000000000000001"},
    "record_type": {"S": "gateway"},
    "created_at": {"S": "2027-01-15T08:00:00.000Z"},
}


def raw_token(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("index", "key"), [(TEAM_INDEX, TEAM_KEY), (RECORD_TYPE_INDEX, RECORD_TYPE_KEY)]
)
def test_token_round_trips_the_last_key(index: str, key: dict[str, Any]) -> None:
    token = encode_token(index, key)

    assert "=" not in token
    assert decode_token(index, token) == key


def test_token_round_trips_a_tools_index_key() -> None:
    key = {"tool_id": {"S": "tl-1"}, "gateway_id": {"S": "gw-1"}, "created_at": {"S": "2027"}}

    assert decode_token(TOOLS_BY_GATEWAY_INDEX, encode_token(TOOLS_BY_GATEWAY_INDEX, key)) == key


@pytest.mark.parametrize(
    "token",
    [
        encode_token(RECORD_TYPE_INDEX, RECORD_TYPE_KEY),
        encode_token(TEAM_INDEX, TEAM_KEY) + "AAAA",
        "!!!!",
        "a",
        "not base64 at all",
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
        raw_token([TEAM_INDEX, TEAM_KEY]),
        raw_token("team-index"),
        raw_token(None),
        raw_token(7),
        raw_token({"k": TEAM_KEY}),
        raw_token({"i": TEAM_INDEX}),
        raw_token({"i": TEAM_INDEX, "k": [TEAM_KEY]}),
        raw_token({"i": TEAM_INDEX, "k": {**TEAM_KEY, "status": {"S": "ACTIVE"}}}),
        raw_token({"i": TEAM_INDEX, "k": {k: v for k, v in TEAM_KEY.items() if k != "team"}}),
        raw_token({"i": TEAM_INDEX, "k": {**TEAM_KEY, "team": {"N": "1"}}}),
        raw_token({"i": TEAM_INDEX, "k": {**TEAM_KEY, "team": "payments"}}),
        raw_token({"i": TEAM_INDEX, "k": {**TEAM_KEY, "team": {"S": "payments", "N": "1"}}}),
    ],
    ids=[
        "other-index",
        "trailing-garbage",
        "punctuation",
        "one-char",
        "spaces",
        "not-utf8",
        "json-list",
        "json-string",
        "json-null",
        "json-number",
        "no-index",
        "no-key",
        "key-not-object",
        "extra-attribute",
        "missing-attribute",
        "number-value",
        "bare-value",
        "two-types",
    ],
)
def test_tampered_token_is_validation_error(token: str) -> None:
    with pytest.raises(RequestValidationError) as raised:
        decode_token(TEAM_INDEX, token)

    assert raised.value.details == [
        {
            "field": "next_token",
            "message": "pass back the next_token of the previous page unchanged",
        }
    ]


@pytest.mark.parametrize("value", [123, None, ["payments"]], ids=["int", "null", "list"])
def test_token_with_non_string_value_is_validation_error(value: Any) -> None:
    token = raw_token({"i": TEAM_INDEX, "k": {**TEAM_KEY, "team": {"S": value}}})

    with pytest.raises(RequestValidationError):
        decode_token(TEAM_INDEX, token)


def create_gateways(registry: Registry, *names: str) -> None:
    for name in names:
        assert registry.invoke(event("create_gateway", {"name": name}))["status"] == 201


def test_list_gateways_next_token_reads_the_next_page(registry: Registry) -> None:
    create_gateways(registry, "gw-a", "gw-b")

    first = registry.invoke(event("list_gateways", {"limit": 1}))
    second = registry.invoke(
        event("list_gateways", {"limit": 1, "next_token": first["data"]["next_token"]})
    )

    assert first["status"] == second["status"] == 200
    names = [g["name"] for g in first["data"]["items"] + second["data"]["items"]]
    assert sorted(names) == ["gw-a", "gw-b"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-4] + "!!!!",
        lambda token: token + "x" * 5,
        lambda token: encode_token(TEAM_INDEX, decode_token(RECORD_TYPE_INDEX, token)),
        lambda token: encode_token(
            RECORD_TYPE_INDEX, {**decode_token(RECORD_TYPE_INDEX, token), "extra": {"S": "x"}}
        ),
    ],
    ids=["garbage", "appended", "other-index", "extra-attribute"],
)
def test_list_gateways_with_tampered_next_token_is_validation_error(
    registry: Registry, tamper: Any
) -> None:
    create_gateways(registry, "gw-a", "gw-b")
    token = registry.invoke(event("list_gateways", {"limit": 1}))["data"]["next_token"]
    assert token

    response = registry.invoke(event("list_gateways", {"limit": 1, "next_token": tamper(token)}))

    assert response["status"] == 422
    assert response["error"]["code"] == "ValidationError"
    assert [d["field"] for d in response["error"]["details"]] == ["next_token"]


def test_next_token_of_another_query_is_validation_error(registry: Registry) -> None:
    create_gateways(registry, "gw-a", "gw-b")
    token = registry.invoke(event("list_gateways", {"limit": 1}))["data"]["next_token"]

    response = registry.invoke(
        event("list_gateways", {"limit": 1, "team": "payments", "next_token": token})
    )

    assert response["status"] == 422
    assert response["error"]["code"] == "ValidationError"


def test_list_gateways_with_non_string_token_value_is_validation_error(registry: Registry) -> None:
    create_gateways(registry, "gw-a", "gw-b")
    token = registry.invoke(event("list_gateways", {"limit": 1}))["data"]["next_token"]
    key = decode_token(RECORD_TYPE_INDEX, token)
    tampered = raw_token({"i": RECORD_TYPE_INDEX, "k": {**key, "gateway_id": {"S": 123}}})

    response = registry.invoke(event("list_gateways", {"limit": 1, "next_token": tampered}))

    assert response["status"] == 422
    assert response["error"]["code"] == "ValidationError"


# ---------------------------------------------------------------- count_live_tools


def store(registry: Registry) -> RecordStore:
    settings = registry.settings
    return RecordStore(client(registry), settings.gateways_table_name, settings.tools_table_name)


def put_tool(registry: Registry, tool_id: str, gateway_id: str, status: str, day: int) -> None:
    item = {
        "tool_id": tool_id,
        "gateway_id": gateway_id,
        "created_at": f"2027-01-{day:02d}T00:00:00Z",
        "status": status,
    }
    client(registry).put_item(
        TableName=registry.settings.tools_table_name, Item=dynamo.serialize(item)
    )


def put_tools_of_two_gateways(registry: Registry) -> None:
    for day, status in enumerate(
        ["ACTIVE", "DELETED", "PENDING", "FAILED", "DELETED", "DELETING"], 1
    ):
        put_tool(registry, f"tl-a{day}", "gw-a", status, day)
    put_tool(registry, "tl-b1", "gw-b", "ACTIVE", 1)
    # A tool name claim: no created_at, so the gateway index never sees it.
    client(registry).put_item(
        TableName=registry.settings.tools_table_name,
        Item=dynamo.serialize(
            {"tool_id": "name#gw-a#pets", "gateway_id": "gw-a", "claimed_by": "tl-a1"}
        ),
    )


def test_count_live_tools_counts_only_tools_of_the_gateway_not_deleted(registry: Registry) -> None:
    put_tools_of_two_gateways(registry)

    assert store(registry).count_live_tools("gw-a") == 4
    assert store(registry).count_live_tools("gw-b") == 1
    assert store(registry).count_live_tools("gw-none") == 0


def test_count_live_tools_follows_every_page(registry: Registry) -> None:
    put_tools_of_two_gateways(registry)
    pages: list[int] = []

    def one_item_per_page(params: dict[str, Any], **_: Any) -> None:
        params["Limit"] = 1
        pages.append(1)

    registry.on("provide-client-params.dynamodb.Query", one_item_per_page)

    assert store(registry).count_live_tools("gw-a") == 4
    assert len(pages) > 1


def test_count_live_tools_translates_aws_errors(registry: Registry) -> None:
    registry.fail("dynamodb.Query", "ResourceNotFoundException", 400)

    with pytest.raises(UpstreamError) as raised:
        store(registry).count_live_tools("gw-a")

    assert raised.value.details[0]["code"] == "ResourceNotFoundException"


# ---------------------------------------------------------------- translate


def client_error(code: str, status: int | None, message: str = "refused") -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": message}}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    return ClientError(response, "PutItem")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 400),
        ("Throttling", 400),
        ("TooManyRequestsException", 429),
        ("ProvisionedThroughputExceededException", 400),
        ("RequestLimitExceeded", 400),
        ("SlowDown", 503),
        ("ServiceUnavailable", 503),
        ("InternalServerError", 500),
        ("SomethingNew", 500),
        ("SomethingNew", 502),
        ("SomethingNew", 504),
    ],
)
def test_translate_throttling_and_5xx_are_upstream_unavailable(code: str, status: int) -> None:
    error = translate(client_error(code, status), "DynamoDB")

    assert type(error) is UpstreamUnavailableError
    assert error.status == 503
    assert error.details == [{"service": "DynamoDB", "code": code, "message": "refused"}]
    assert error.maybe_applied is False


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ValidationException", 400),
        ("AccessDeniedException", 403),
        ("ResourceNotFoundException", 404),
        ("ConflictException", 409),
        ("ValidationException", None),
    ],
)
def test_translate_4xx_client_error_is_upstream_error_with_code(
    code: str, status: int | None
) -> None:
    error = translate(client_error(code, status), "AgentCore")

    assert type(error) is UpstreamError
    assert error.status == 502
    assert error.details[0]["code"] == code
    assert error.details[0]["service"] == "AgentCore"
    assert code in error.message


def test_translate_caps_the_aws_message() -> None:
    error = translate(client_error("ValidationException", 400, "m" * 1000), "S3")

    assert len(error.details[0]["message"]) == 300
    assert "m" * 301 not in error.message
    assert len(error.message) < 400


@pytest.mark.parametrize(
    ("exc", "maybe_applied"),
    [
        (ReadTimeoutError(endpoint_url="https://dynamodb.example"), True),
        (ConnectionClosedError(endpoint_url="https://dynamodb.example"), True),
        (EndpointConnectionError(endpoint_url="https://dynamodb.example"), False),
        (ConnectTimeoutError(endpoint_url="https://dynamodb.example"), False),
    ],
    ids=["read-timeout", "connection-closed", "endpoint-connection", "connect-timeout"],
)
def test_translate_connection_failures_say_whether_the_request_may_have_applied(
    exc: Exception, maybe_applied: bool
) -> None:
    error = translate(exc, "DynamoDB")  # type: ignore[arg-type]

    assert type(error) is UpstreamUnavailableError
    assert error.maybe_applied is maybe_applied
    assert error.details[0]["code"] == type(exc).__name__
    assert "dynamodb.example" not in json.dumps(error.to_dict())


def test_translate_param_validation_error_is_not_reported_as_unavailable() -> None:
    error = translate(ParamValidationError(report="Invalid type for parameter Key"), "DynamoDB")

    assert not isinstance(error, UpstreamUnavailableError)
