"""The two kinds of record and where each lives: a records fact both flows,
reconcile and the cascade share (so none of them imports another for it)."""

from __future__ import annotations

from services.records.lifecycle import GATEWAY_KIND_NAME, Kind

GATEWAY = Kind(GATEWAY_KIND_NAME, ("gateway_id",), lambda settings: settings.gateways_table_name)
TOOL = Kind("tool", ("tool_id", "gateway_id"), lambda settings: settings.tools_table_name)
