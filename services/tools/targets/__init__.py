"""The kinds of target a tool can be, one module each (base.py: the protocol).

A new kind is one module here answering `TargetKind`, its source model in
services/tools/models.py, and its line in `KINDS`; docs/architecture.md has
the whole checklist.
"""

from __future__ import annotations

from typing import Any

from services.records.types import ToolRecord
from services.tools.targets.api_gateway import API_GATEWAY
from services.tools.targets.base import Listing, Prepared, Staged, StoredArtifact, TargetKind
from services.tools.targets.lambda_function import LAMBDA
from services.tools.targets.mcp_server import MCP_SERVER
from services.tools.targets.openapi import OPENAPI
from services.tools.targets.smithy_model import SMITHY

__all__ = [
    "KINDS",
    "UNMARKED_KIND",
    "Listing",
    "Prepared",
    "Staged",
    "StoredArtifact",
    "TargetKind",
    "for_record",
    "for_source",
]

KINDS: tuple[TargetKind, ...] = (OPENAPI, LAMBDA, MCP_SERVER, SMITHY, API_GATEWAY)
# The kind of a record without `target`: every tool written before kinds.
UNMARKED_KIND = OPENAPI.name
_BY_SOURCE = {source_type: kind for kind in KINDS for source_type in kind.source_types}
_BY_NAME = {kind.name: kind for kind in KINDS}


def for_source(source: Any) -> TargetKind:
    """The kind that takes a request's `source` (its models only admit known types)."""
    return _BY_SOURCE[source.type]


def for_record(record: ToolRecord) -> TargetKind:
    """The kind of a tool record: its `target.kind`; a record without `target`
    (every one written before there were kinds) is an OpenAPI tool."""
    return _BY_NAME[str((record.get("target") or {}).get("kind") or UNMARKED_KIND)]
