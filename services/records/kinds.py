"""The two kinds of record and where each lives: a records fact both flows,
reconcile and the cascade share (so none of them imports another for it)."""

from __future__ import annotations

from services.records.lifecycle import Kind
from services.records.record_store import gateway_name_key, tool_name_key

GATEWAY = Kind(
    "gateway",
    ("gateway_id",),
    lambda settings: settings.gateways_table_name,
    lambda record: gateway_name_key(record["name"]),
)
TOOL = Kind(
    "tool",
    ("tool_id", "gateway_id"),
    lambda settings: settings.tools_table_name,
    lambda record: tool_name_key(record["gateway_id"], record["name"]),
)
