"""The record store: keys, reads and queries of both tables.

Layout (terraform/dynamodb.tf declares the same keys and indexes):

gateways table, partition key `gateway_id`:
  - gateway records      gateway_id = "gw-<20 hex>", record_type = "gateway"
  - name claims          gateway_id = "name#<gateway name>"
  - the request ledger   gateway_id = "request#<request_id>" (TTL `expires_at`)
  GSIs `team-index` (team, created_at) and `record-type-index`
  (record_type, created_at). Claims and ledger items carry neither `team`
  nor `record_type` nor `created_at`, so no index and no list ever sees them.

tools table, partition key `tool_id`, sort key `gateway_id`:
  - tool records, GSI `gateway-index` (gateway_id, created_at)
  - tool name claims     tool_id = "name#<gateway_id>#<tool name>"
  - spec versions        tool_id = "version#<tool_id>", gateway_id = "v#<8 digits>"
                         (services/tools/spec_versions.py)

Reads of a record are strongly consistent: a flow decides from what it read.

The typed reads (`get_gateway`, `get_tool`, `find_tool`, `live_tools`,
`gateway_page`, `gateways_page`, `tools_page`) are the one place that says a
DynamoDB item is a `GatewayRecord` or a `ToolRecord` (services/records/types.py),
and they say it with a `cast`, checking nothing at run time. That is safe
because of where they read: every item under a record's key, and every item
in the indexes they query, was written by the flows (create_gateway,
create_tool, then lifecycle.transition), which write those shapes; name
claims, ledger items and spec versions live under other keys (`name#...`,
`request#...`, `version#...`)
and carry no `created_at`, so no index holds them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from services.aws_errors import translate
from services.errors import RequestValidationError
from services.records import dynamo
from services.records.types import GatewayRecord, ToolRecord

TEAM_INDEX = "team-index"
RECORD_TYPE_INDEX = "record-type-index"
TOOLS_BY_GATEWAY_INDEX = "gateway-index"

# Index name -> the attributes of its LastEvaluatedKey, to check a next_token.
_INDEX_KEYS = {
    TEAM_INDEX: {"gateway_id", "team", "created_at"},
    RECORD_TYPE_INDEX: {"gateway_id", "record_type", "created_at"},
    TOOLS_BY_GATEWAY_INDEX: {"tool_id", "gateway_id", "created_at"},
}


def gateway_key(gateway_id: str) -> dict[str, str]:
    return {"gateway_id": gateway_id}


def gateway_name_key(name: str) -> dict[str, str]:
    return {"gateway_id": f"name#{name}"}


def tool_name_key(gateway_id: str, name: str) -> dict[str, str]:
    """A tool's name claim (in the tools table): names are unique per gateway."""
    return {"tool_id": f"name#{gateway_id}#{name}", "gateway_id": gateway_id}


def ledger_key(request_id: str) -> dict[str, str]:
    return {"gateway_id": f"request#{request_id}"}


def encode_token(index: str, last_key: dict[str, Any]) -> str:
    raw = json.dumps({"i": index, "k": last_key}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(index: str, token: str) -> dict[str, Any]:
    invalid = RequestValidationError(
        "next_token is not valid for this query",
        [
            {
                "field": "next_token",
                "message": "pass back the next_token of the previous page unchanged",
            }
        ],
    )
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(payload, dict) or payload.get("i") != index:
        raise invalid
    key = payload.get("k")
    if (
        not isinstance(key, dict)
        or set(key) != _INDEX_KEYS[index]
        or not all(
            isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) and v["S"]
            for v in key.values()
        )
    ):
        raise invalid
    return key


class RecordStore:
    def __init__(self, client: Any, gateways_table: str, tools_table: str) -> None:
        self.client = client
        self.gateways_table = gateways_table
        self.tools_table = tools_table

    def get(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        try:
            response = self.client.get_item(
                TableName=table, Key=dynamo.serialize(key), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "DynamoDB") from None
        item = response.get("Item")
        return dynamo.deserialize(item) if item else None

    def get_gateway(self, gateway_id: str) -> GatewayRecord | None:
        return cast("GatewayRecord | None", self.get(self.gateways_table, gateway_key(gateway_id)))

    def get_tool(self, tool_id: str, gateway_id: str) -> ToolRecord | None:
        """A tool by its full key."""
        key = {"tool_id": tool_id, "gateway_id": gateway_id}
        return cast("ToolRecord | None", self.get(self.tools_table, key))

    def find_tool(self, tool_id: str) -> ToolRecord | None:
        """A tool by its tool_id alone (see `get_by_partition`)."""
        return cast(
            "ToolRecord | None", self.get_by_partition(self.tools_table, "tool_id", tool_id)
        )

    def get_by_partition(self, table: str, key_name: str, key_value: str) -> dict[str, Any] | None:
        """The one item under a partition key of a table with a sort key
        (a tool addressed by tool_id alone): one strongly consistent Query."""
        expr = dynamo.Expression()
        request = {
            "TableName": table,
            "KeyConditionExpression": f"{expr.name(key_name)} = {expr.value(key_value)}",
            "ConsistentRead": True,
            "Limit": 2,
        }
        try:
            response = self.client.query(**expr.apply(request))
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "DynamoDB") from None
        items = response.get("Items", [])
        return dynamo.deserialize(items[0]) if items else None

    def get_ledger(self, request_id: str) -> dict[str, Any] | None:
        return self.get(self.gateways_table, ledger_key(request_id))

    def write(self, operations: Sequence[dict[str, Any]]) -> None:
        dynamo.write(self.client, operations)

    def query_page(
        self,
        *,
        table: str,
        index: str,
        key_name: str,
        key_value: str,
        status: str | None,
        limit: int,
        next_token: str | None,
        also: Callable[[dynamo.Expression], str] | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One Query, newest first. `status` filters; by default DELETED is
        hidden. `also` adds a condition to the filter (it writes it with the
        request's placeholders).

        DynamoDB applies Limit before the filter, so a page can hold fewer
        items than `limit` and still have a next_token: that is DynamoDB's
        documented behaviour and costs no extra round trip.
        """
        expr = dynamo.Expression()
        request: dict[str, Any] = {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": f"{expr.name(key_name)} = {expr.value(key_value)}",
            "Limit": limit,
            "ScanIndexForward": False,
        }
        if status:
            request["FilterExpression"] = f"{expr.name('status')} = {expr.value(status)}"
        else:
            request["FilterExpression"] = f"{expr.name('status')} <> {expr.value('DELETED')}"
        if also is not None:
            request["FilterExpression"] = f"({request['FilterExpression']}) AND ({also(expr)})"
        if next_token:
            request["ExclusiveStartKey"] = decode_token(index, next_token)
        try:
            response = self.client.query(**expr.apply(request))
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "DynamoDB") from None
        items = [dynamo.deserialize(i) for i in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return items, encode_token(index, last) if last else None

    def query_raw_page(
        self,
        *,
        table: str,
        index: str,
        key_name: str,
        key_value: str,
        limit: int,
        start_key: dict[str, Any] | None,
    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """One page of an index, every status, with DynamoDB's own LastEvaluatedKey."""
        expr = dynamo.Expression()
        request: dict[str, Any] = {
            "TableName": table,
            "IndexName": index,
            "KeyConditionExpression": f"{expr.name(key_name)} = {expr.value(key_value)}",
            "Limit": limit,
        }
        if start_key:
            request["ExclusiveStartKey"] = start_key
        try:
            response = self.client.query(**expr.apply(request))
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "DynamoDB") from None
        items = [dynamo.deserialize(i) for i in response.get("Items", [])]
        return items, response.get("LastEvaluatedKey")

    def gateways_page(
        self,
        *,
        index: str,
        key_name: str,
        key_value: str,
        status: str | None,
        limit: int,
        next_token: str | None,
    ) -> tuple[list[GatewayRecord], str | None]:
        """`query_page` of an index of the gateways table (team or record type)."""
        items, token = self.query_page(
            table=self.gateways_table,
            index=index,
            key_name=key_name,
            key_value=key_value,
            status=status,
            limit=limit,
            next_token=next_token,
        )
        return cast("list[GatewayRecord]", items), token

    def tools_page(
        self,
        gateway_id: str,
        *,
        status: str | None,
        limit: int,
        next_token: str | None,
        kind: str | None = None,
        unmarked_kind: str | None = None,
    ) -> tuple[list[ToolRecord], str | None]:
        """`query_page` of a gateway's tools; with `kind`, only those whose
        `target.kind` is it (and, when it is `unmarked_kind`, the records
        written before tools carried a `target`)."""

        def of_kind(expr: dynamo.Expression) -> str:
            match = f"{expr.name('target.kind')} = {expr.value(kind)}"
            if kind != unmarked_kind:
                return match
            return f"{match} OR attribute_not_exists({expr.name('target')})"

        items, token = self.query_page(
            table=self.tools_table,
            index=TOOLS_BY_GATEWAY_INDEX,
            key_name="gateway_id",
            key_value=gateway_id,
            status=status,
            limit=limit,
            next_token=next_token,
            also=of_kind if kind else None,
        )
        return cast("list[ToolRecord]", items), token

    def versions_page(
        self, table: str, partition: str, *, before: str, limit: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """A tool's spec versions (services/tools/spec_versions.py) whose sort
        key is below `before`, newest first; and whether more remain."""
        expr = dynamo.Expression()
        request: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": f"{expr.name('tool_id')} = {expr.value(partition)} AND "
            f"{expr.name('gateway_id')} < {expr.value(before)}",
            "Limit": limit,
            "ScanIndexForward": False,
            "ConsistentRead": True,
        }
        try:
            response = self.client.query(**expr.apply(request))
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "DynamoDB") from None
        items = [dynamo.deserialize(i) for i in response.get("Items", [])]
        return items, "LastEvaluatedKey" in response

    def gateway_page(
        self, *, limit: int, start_key: dict[str, Any] | None
    ) -> tuple[list[GatewayRecord], dict[str, Any] | None]:
        """`query_raw_page` of every gateway record, any status (reconcile)."""
        items, last = self.query_raw_page(
            table=self.gateways_table,
            index=RECORD_TYPE_INDEX,
            key_name="record_type",
            key_value="gateway",
            limit=limit,
            start_key=start_key,
        )
        return cast("list[GatewayRecord]", items), last

    def live_tools(self, gateway_id: str) -> list[ToolRecord]:
        """Every tool of a gateway that is not DELETED (Query, all pages)."""
        expr = dynamo.Expression()
        request: dict[str, Any] = {
            "TableName": self.tools_table,
            "IndexName": TOOLS_BY_GATEWAY_INDEX,
            "KeyConditionExpression": f"{expr.name('gateway_id')} = {expr.value(gateway_id)}",
            "FilterExpression": f"{expr.name('status')} <> {expr.value('DELETED')}",
        }
        expr.apply(request)
        items: list[ToolRecord] = []
        try:
            while True:
                response = self.client.query(**request)
                items.extend(
                    cast("ToolRecord", dynamo.deserialize(i)) for i in response.get("Items", [])
                )
                if "LastEvaluatedKey" not in response:
                    return items
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "DynamoDB") from None

    def count_live_tools(self, gateway_id: str) -> int:
        """Tools of a gateway that are not DELETED: Query on the gateway index."""
        expr = dynamo.Expression()
        request: dict[str, Any] = {
            "TableName": self.tools_table,
            "IndexName": TOOLS_BY_GATEWAY_INDEX,
            "KeyConditionExpression": f"{expr.name('gateway_id')} = {expr.value(gateway_id)}",
            "FilterExpression": f"{expr.name('status')} <> {expr.value('DELETED')}",
            "Select": "COUNT",
        }
        expr.apply(request)
        count = 0
        try:
            while True:
                response = self.client.query(**request)
                count += int(response.get("Count", 0))
                if "LastEvaluatedKey" not in response:
                    return count
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "DynamoDB") from None
