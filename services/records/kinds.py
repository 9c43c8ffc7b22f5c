"""The two kinds of record and where each lives: a records fact both flows,
reconcile and the cascade share (so none of them imports another for it)."""

from __future__ import annotations

from services.records.lifecycle import Kind
from services.records.record_store import gateway_key, gateway_name_key, tool_name_key
from services.records.types import GatewayRecord, ToolRecord

GATEWAY: Kind[GatewayRecord] = Kind(
    "gateway",
    "gateway_id",
    lambda settings: settings.gateways_table_name,
    key=lambda record: gateway_key(record["gateway_id"]),
    ident=lambda record: record["gateway_id"],
    name_claim=lambda record: gateway_name_key(record["name"]),
    read=lambda store, key: store.get_gateway(str(key["gateway_id"])),
)
TOOL: Kind[ToolRecord] = Kind(
    "tool",
    "tool_id",
    lambda settings: settings.tools_table_name,
    key=lambda record: {"tool_id": record["tool_id"], "gateway_id": record["gateway_id"]},
    ident=lambda record: record["tool_id"],
    name_claim=lambda record: tool_name_key(record["gateway_id"], record["name"]),
    read=lambda store, key: store.get_tool(str(key["tool_id"]), str(key["gateway_id"])),
)
