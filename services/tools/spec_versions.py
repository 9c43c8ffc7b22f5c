"""A tool's spec versions (issue 15): every spec an OpenAPI tool publishes,
by create, update or rollback, is a version: its number, sha256, published
object, operations, who, when, request id, and the diff from the version
before.

Where they live (beside the records in the tools table; record_store.py's
layout): one item per version, `tool_id = "version#<tool_id>"` and
`gateway_id = "v#<number, 8 digits>"`, so a Query of that partition,
backwards, lists them newest first. They carry no `created_at`, so the
gateway index never holds them, and their partition is no tool's, so no
read of a tool sees them.

A version item is written in the same transaction as the record's final
write (`publish` gives both parts): a record never names a version that
does not exist, and a crash leaves neither. The record keeps its current
`spec_version` and the kept versions' objects (`spec_versions`: number,
sha256, s3_key, newest first): their objects stay in the bucket (the
OpenAPI kind's artifacts include them, so reconcile's sweep keeps them).
Past the retention (`TOOL_VERSION_RETENTION`, the last 20 by default), the
oldest items and the objects no kept version uses are removed after the
write (`prune`); what a failed prune leaves, the next prune or the sweep
removes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.context import Call
from services.errors import NotFoundError, RegistryError, RequestValidationError
from services.logging import log_step
from services.records import dynamo
from services.records.types import ToolRecord

PARTITION_PREFIX = "version#"
_SORT_PREFIX = "v#"


def version_key(tool_id: str, number: int) -> dict[str, str]:
    return {"tool_id": PARTITION_PREFIX + tool_id, "gateway_id": f"{_SORT_PREFIX}{number:08d}"}


@dataclass(frozen=True)
class Publication:
    """What the final write of a flow that publishes a spec adds: the
    record's fields, and the version items written with it (`action`:
    create, update, rollback, refresh; imported for a spec published
    before versions)."""

    number: int
    fields: dict[str, Any]
    extra: tuple[dict[str, Any], ...]


# A final write that publishes no spec version (another kind, no new spec).
NO_PUBLICATION = Publication(number=0, fields={}, extra=())


def publish(
    call: Call,
    record: ToolRecord,
    spec: dict[str, Any],
    *,
    action: str,
    diff: dict[str, Any] | None,
) -> Publication:
    """The version `spec` (the record's new `spec` attribute) becomes."""
    table = call.runtime.settings.tools_table_name
    kept = list(record.get("spec_versions") or [])
    current = int(record.get("spec_version") or 0)
    extra: list[dict[str, Any]] = []
    if current == 0 and record.get("status") == "ACTIVE" and record.get("spec"):
        # A tool published before versions: its spec becomes version 1, so
        # that the first diff has a base and a rollback has a target. (A
        # create's record, PENDING, has nothing published yet.)
        old = dict(record["spec"])
        first = _item(call, record, 1, spec=old, action="imported", diff=None, imported=True)
        extra.append(_put(table, first))
        kept = [_kept(1, old)]
        current = 1
    number = current + 1
    extra.append(_put(table, _item(call, record, number, spec=spec, action=action, diff=diff)))
    kept = [_kept(number, spec), *kept][: retention(call)]
    return Publication(
        number=number,
        fields={"spec_version": number, "spec_versions": kept},
        extra=tuple(extra),
    )


def retention(call: Call) -> int:
    return int(call.runtime.settings.tool_version_retention)


def _kept(number: int, spec: dict[str, Any]) -> dict[str, Any]:
    return {"number": number, "sha256": spec.get("sha256"), "s3_key": spec.get("s3_key")}


def _put(table: str, item: dict[str, Any]) -> dict[str, Any]:
    # A number is published once: a second writer of it lost a race the
    # record's own version condition also catches.
    return dynamo.put(table, item, dynamo.Condition().absent("tool_id"))


def _item(
    call: Call,
    record: ToolRecord,
    number: int,
    *,
    spec: dict[str, Any],
    action: str,
    diff: dict[str, Any] | None,
    imported: bool = False,
) -> dict[str, Any]:
    return {
        **version_key(record["tool_id"], number),
        "tool": record["tool_id"],
        "gateway": record["gateway_id"],
        "version": number,
        "action": action,
        "sha256": spec.get("sha256"),
        "s3_uri": spec.get("s3_uri"),
        "s3_key": spec.get("s3_key"),
        "source": spec.get("source"),
        "options": spec.get("options"),
        "openapi_version": spec.get("openapi_version"),
        "operations": list(spec.get("operations") or []),
        "size_bytes": spec.get("size_bytes"),
        # An imported version is the record's spec as it was: who made it
        # and when is the record's creation.
        "by": record["created_by"] if imported else call.who,
        "team": record["team"],
        "at": record["created_at"] if imported else call.now_iso(),
        "request_id": None if imported else call.request_id,
        "diff": diff,
        "breaking": bool(diff and diff.get("breaking")),
    }


def public(item: dict[str, Any]) -> dict[str, Any]:
    """A version as the actions answer it: without the table's keys."""
    shown = {k: v for k, v in item.items() if k not in ("tool_id", "gateway_id", "tool", "gateway")}
    return {"tool_id": item["tool"], "gateway_id": item["gateway"], **shown}


def get(call: Call, record: ToolRecord, number: int) -> dict[str, Any]:
    """A kept version of the tool, or 404."""
    table = call.runtime.settings.tools_table_name
    item = call.runtime.records.get(table, version_key(record["tool_id"], number))
    if item is None or number > int(record.get("spec_version") or 0):
        raise NotFoundError(
            f"tool {record['tool_id']} has no version {number}",
            [{"field": "version", "message": "list_tool_versions lists the kept versions"}],
        )
    return dict(item)


def page(
    call: Call, record: ToolRecord, *, limit: int, next_token: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Versions newest first; `next_token` is the number to go on below."""
    below = _decode(next_token) if next_token else int(record.get("spec_version") or 0) + 1
    items, more = call.runtime.records.versions_page(
        call.runtime.settings.tools_table_name,
        PARTITION_PREFIX + record["tool_id"],
        before=f"{_SORT_PREFIX}{below:08d}",
        limit=limit,
    )
    token = f"v{items[-1]['version']}" if more and items else None
    return [public(i) for i in items], token


def _decode(token: str) -> int:
    if token.startswith("v") and token[1:].isdigit() and 0 < int(token[1:]) < 10**8:
        return int(token[1:])
    raise RequestValidationError(
        "next_token is not valid for this query",
        [{"field": "next_token", "message": "pass back the next_token of the previous page"}],
    )


def prune(call: Call, tool_id: str, number: int, keep: frozenset[str]) -> None:
    """Remove the versions of a tool now at `number` past the retention,
    and their objects unless in `keep` (the kept versions' and the current
    spec's). Best effort: the record is already final; what this leaves,
    the next prune or the sweep takes."""
    oldest_kept = number - retention(call) + 1
    if oldest_kept <= 1:
        return
    table = call.runtime.settings.tools_table_name
    try:
        old, _ = call.runtime.records.versions_page(
            table, PARTITION_PREFIX + tool_id, before=f"{_SORT_PREFIX}{oldest_kept:08d}", limit=100
        )
        for item in old:
            key = item.get("s3_key")
            if key and key not in keep:
                call.runtime.spec_bucket.delete(str(key))
            call.runtime.records.write(
                [dynamo.delete(table, version_key(tool_id, item["version"]))]
            )
    except (RegistryError, dynamo.WriteCancelled) as exc:
        # The request succeeded: say what was left, for the next prune.
        log_step("prune-versions", "left", tool_id=tool_id, error=type(exc).__name__)
