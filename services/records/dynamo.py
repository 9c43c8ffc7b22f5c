"""Thin DynamoDB adapter: item (de)serialisation, expressions, error mapping.

Every attribute name goes through an expression placeholder, so DynamoDB's
reserved words (`status`, `name`, ...) never matter. Nothing above this module
looks at a botocore `ClientError`: AWS failures become the registry's errors
here, and a failed condition becomes `WriteCancelled` with the per-item
reasons, which the flows interpret.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from services.aws_errors import translate

# DynamoDB refuses an item over 400 KB; we refuse well before that so a write
# never fails half-way through a flow (metadata and audit are capped too).
MAX_ITEM_BYTES = 350_000

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class WriteCancelled(Exception):
    """A conditional write (or one item of a transaction) was refused.

    `reasons[i]` is DynamoDB's cancellation code for the i-th item
    (`ConditionalCheckFailed`, `TransactionConflict`, ...) or None if that
    item was fine.
    """

    def __init__(self, reasons: Sequence[str | None]) -> None:
        super().__init__(f"write cancelled: {list(reasons)}")
        self.reasons = list(reasons)

    def failed(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index] not in (None, "None")

    @property
    def contended(self) -> bool:
        """Another transaction touched the same item at the same moment."""
        return any(r == "TransactionConflict" for r in self.reasons)


def _plain(value: Any) -> Any:
    """Python value -> what TypeSerializer accepts (floats become Decimal)."""
    return json.loads(json.dumps(value), parse_float=Decimal)


def _python(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _python(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_python(v) for v in value]
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(_plain(v)) for k, v in item.items()}


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _python(_deserializer.deserialize(v)) for k, v in item.items()}


def item_size(item: Mapping[str, Any]) -> int:
    return len(json.dumps(item, default=str).encode())


class Expression:
    """Collects `#name` and `:value` placeholders for one request."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, path: str) -> str:
        parts = []
        for part in path.split("."):
            placeholder = f"#n{len(self.names)}"
            for existing, attr in self.names.items():
                if attr == part:
                    placeholder = existing
                    break
            self.names[placeholder] = part
            parts.append(placeholder)
        return ".".join(parts)

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = _serializer.serialize(_plain(value))
        return placeholder

    def apply(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.names:
            request["ExpressionAttributeNames"] = self.names
        if self.values:
            request["ExpressionAttributeValues"] = self.values
        return request


class Condition:
    """A conjunction of DynamoDB condition clauses, built fluently."""

    def __init__(self) -> None:
        self._clauses: list[tuple[str, tuple[Any, ...]]] = []

    def absent(self, attr: str) -> Condition:
        self._clauses.append(("absent", (attr,)))
        return self

    def equals(self, path: str, value: Any) -> Condition:
        self._clauses.append(("eq", (path, value)))
        return self

    def one_of(self, path: str, values: Iterable[Any]) -> Condition:
        self._clauses.append(("in", (path, tuple(values))))
        return self

    def lease_free(self, now: float) -> Condition:
        """No lease, or one that expired: nobody is working on the record."""
        self._clauses.append(("lease_free", (now,)))
        return self

    def render(self, expr: Expression) -> str | None:
        parts = []
        for kind, args in self._clauses:
            if kind == "absent":
                parts.append(f"attribute_not_exists({expr.name(args[0])})")
            elif kind == "eq":
                parts.append(f"{expr.name(args[0])} = {expr.value(args[1])}")
            elif kind == "in":
                values = ", ".join(expr.value(v) for v in args[1])
                parts.append(f"{expr.name(args[0])} IN ({values})")
            elif kind == "lease_free":
                lease, until = expr.name("lease"), expr.name("lease.until")
                parts.append(f"(attribute_not_exists({lease}) OR {until} < {expr.value(args[0])})")
        return " AND ".join(parts) or None


def put(table: str, item: Mapping[str, Any], condition: Condition | None = None) -> dict[str, Any]:
    if item_size(item) > MAX_ITEM_BYTES:
        raise ValueError("item too large")  # callers cap sizes before this
    request: dict[str, Any] = {"TableName": table, "Item": serialize(item)}
    expr = Expression()
    if condition and (text := condition.render(expr)):
        request["ConditionExpression"] = text
    return {"Put": expr.apply(request)}


def update(
    table: str,
    key: dict[str, Any],
    set_: dict[str, Any],
    remove: Iterable[str] = (),
    condition: Condition | None = None,
) -> dict[str, Any]:
    expr = Expression()
    clauses = []
    if set_:
        clauses.append(
            "SET " + ", ".join(f"{expr.name(k)} = {expr.value(v)}" for k, v in set_.items())
        )
    removed = [expr.name(k) for k in remove]
    if removed:
        clauses.append("REMOVE " + ", ".join(removed))
    request: dict[str, Any] = {
        "TableName": table,
        "Key": serialize(key),
        "UpdateExpression": " ".join(clauses),
    }
    if condition and (text := condition.render(expr)):
        request["ConditionExpression"] = text
    return {"Update": expr.apply(request)}


def delete(table: str, key: dict[str, Any], condition: Condition | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {"TableName": table, "Key": serialize(key)}
    expr = Expression()
    if condition and (text := condition.render(expr)):
        request["ConditionExpression"] = text
    return {"Delete": expr.apply(request)}


_SINGLE = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}


def write(client: Any, operations: Sequence[dict[str, Any]]) -> None:
    """Apply the writes atomically: one call either way.

    One item goes through its own API (half the write capacity of a
    transaction); several go through TransactWriteItems.
    """
    try:
        if len(operations) == 1:
            ((kind, request),) = operations[0].items()
            getattr(client, _SINGLE[kind])(**request)
        else:
            client.transact_write_items(TransactItems=list(operations))
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            raise WriteCancelled(["ConditionalCheckFailed"]) from None
        if code == "TransactionCanceledException":
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if not reasons:
                reasons = _reasons_from_message(
                    str(exc.response.get("Error", {}).get("Message", ""))
                )
            raise WriteCancelled(reasons) from None
        raise translate(exc, "DynamoDB") from None
    except BotoCoreError as exc:  # connection failures and timeouts
        raise translate(exc, "DynamoDB") from None


def _reasons_from_message(message: str) -> list[str | None]:
    # "Transaction cancelled, please refer cancellation reasons for specific
    #  reasons [None, ConditionalCheckFailed]" (what older clients get).
    if "[" not in message:
        return ["Unknown"]
    inner = message[message.rindex("[") + 1 : message.rindex("]")]
    return [None if part.strip() == "None" else part.strip() for part in inner.split(",")]
