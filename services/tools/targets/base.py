"""The protocol every kind of target answers (one module per kind beside this).

A tool is a gateway target, and AgentCore serves several kinds of them
(botocore's `McpTargetConfiguration`: an OpenAPI schema, a Smithy model, a
Lambda function, an MCP server, an API Gateway stage). The tool flow
(services/tools/tool_flow.py) and reconcile (services/reconcile.py) follow
the same safe flow for every kind; what differs is asked of the kind:

- `prepare`: read and check the request's `source` before any write (every
  4xx a source can earn is raised here), or say it is what is published;
  `inspect`: the same check as `validate_spec` answers it;
- `stage`: make what the target reads (the OpenAPI kind stores the spec in
  the bucket) and give the record's description of what it serves;
- `configuration`: AgentCore's `targetConfiguration` for that description;
- `credential_types`: the credential kinds its targets take;
- `artifacts` / `remove` / `stored`: what it made that must be cleaned up,
  and the listing reconcile's sweep checks against the records;
- `drift`: whether the target still serves what the record says.

The record keeps the description under the kind's `attribute` (`spec` for
OpenAPI), which only the kind reads and writes on a typed record
(`description`, `with_description`; a change's `set_` names `attribute`);
every description carries `sha256`, the digest of what the target
reads (`Prepared.digest`; `Prepared.changes` says whether an update changes
what the target serves). Records also carry `target: {"kind": ...}` (the
kind's name, which `targets.for_record` reads; the Lambda kind keeps its
whole description there) and `tools`, the names it serves. Identifiers derive from
the record (tool id, hashes), so every attempt of one request addresses the
same artifacts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from services.context import Call
from services.errors import RequestValidationError
from services.records.types import ToolRecord
from services.s3.s3_service import ListedObject

# A listing of the spec bucket by key (S3Service.listing).
Listing = Mapping[str, ListedObject]


class Prepared(Protocol):
    """A checked source, ready to stage."""

    @property
    def digest(self) -> str:
        """The sha256 of what `stage` stores (its content key)."""
        ...

    @property
    def tools(self) -> tuple[str, ...]:
        """The names of the tools it serves (the record's `tools`)."""
        ...

    def changes(self, current: dict[str, Any] | None) -> bool:
        """Whether it serves something else than `current`, the record's
        description (an update that changes nothing writes nothing)."""
        ...

    def describe(self) -> dict[str, Any]:
        """The record's description before anything is staged (PENDING, or
        an update's pending change)."""
        ...


P = TypeVar("P", bound=Prepared)


@dataclass(frozen=True)
class Staged:
    """What `stage` made: the record's description (with where it lives)
    and the artifacts to remove if the request fails."""

    description: dict[str, Any]
    artifacts: tuple[str, ...]


@dataclass(frozen=True)
class StoredArtifact:
    """An artifact reconcile's sweep found, and the tool it belongs to."""

    ref: str
    gateway_id: str
    tool_id: str


class TargetKind(Protocol):
    name: str
    # The record attribute that describes what the target serves.
    attribute: str
    # The request `source.type`s this kind takes.
    source_types: frozenset[str]
    # The request `credentials.type`s its targets take (the devguide's
    # outbound-auth table), and whether its `gateway_iam_role` names the
    # service to sign for (OpenAPI and MCP server targets must; AgentCore
    # knows the others' service, and they must not).
    credential_types: frozenset[str]
    iam_signing_service: bool
    # The flow's step names while staging and removing an artifact (in
    # `last_error.step`), the words for one artifact in messages, and its
    # name in reconcile's findings.
    stage_step: str
    remove_step: str
    artifact_noun: str
    artifact_finding: str

    def prepare(
        self,
        call: Call,
        source: Any,
        *,
        target_name: str,
        existing_targets: int,
        current: dict[str, Any] | None = None,
    ) -> Prepared | None:
        """Check `source`; None when `current` (the record's description)
        already serves exactly it."""
        ...

    def inspect(self, call: Call, source: Any, *, target_name: str) -> dict[str, Any]:
        """`validate_spec`'s answer for `source`, changing nothing."""
        ...

    def description(self, record: ToolRecord) -> dict[str, Any] | None:
        """The record's description of what the target serves (None: none yet)."""
        ...

    def with_description(self, record: ToolRecord, description: dict[str, Any]) -> ToolRecord:
        """A copy of the record with this description."""
        ...

    def planned(self, record: ToolRecord, prepared: Prepared) -> tuple[str, ...]:
        """The artifacts `stage` will make, known before it runs (a call
        that fails may still have made them: the flow removes them)."""
        ...

    def stage(self, call: Call, record: ToolRecord, prepared: Prepared) -> Staged: ...

    def configuration(self, description: dict[str, Any]) -> dict[str, Any]: ...

    def adopted(self, call: Call, record: ToolRecord) -> Staged:
        """The description and artifacts a PENDING record's create made, as
        its request would have staged them (for reconcile, which has no
        source to prepare)."""
        ...

    def artifacts(self, record: ToolRecord, *, pending: bool) -> frozenset[str]:
        """The artifacts the record's description uses (with `pending`, also
        those of a paused update, which its target may already read)."""
        ...

    def remove(self, call: Call, ref: str) -> None: ...

    def stored(self, listing: Listing) -> Iterator[StoredArtifact]:
        """The artifacts of this kind in a listing of the spec bucket
        (reconcile's sweep; a kind that stores nothing yields none)."""
        ...

    def drift(
        self, call: Call, record: ToolRecord, target: dict[str, Any] | None, listing: Listing | None
    ) -> str | None:
        """Why the target no longer serves what the record says, or None.
        `target` is GetGatewayTarget's answer, or None when ListGatewayTargets
        showed it unchanged since the registry confirmed it (its `updatedAt`
        is the record's): then only what is stored beside it is checked,
        against `listing` (the gateway's objects) where it can be."""
        ...


class DescribedInTarget:
    """Where every kind after OpenAPI keeps its description: the record's
    `target` (which also names the kind, `targets.for_record`). A record has
    a description once it holds the `sha256` of what its target serves."""

    attribute = "target"

    def description(self, record: ToolRecord) -> dict[str, Any] | None:
        target = record.get("target")
        return target if target and "sha256" in target else None

    def with_description(self, record: ToolRecord, description: dict[str, Any]) -> ToolRecord:
        described = record.copy()
        described["target"] = description
        return described


def checked_or_refused(
    prepared: P | None,
    findings: list[dict[str, str]],
    *,
    source: str,
    current: dict[str, Any] | None,
    problems: int | None = None,
) -> P | None:
    """A kind's `prepare` answer: 422 with every finding when its checks
    refused the source (`problems` when more were found than listed), else
    `unless_served`."""
    if prepared is None:
        count = len(findings) if problems is None else problems
        raise RequestValidationError(f"the {source} has {count} problem(s)", findings)
    return unless_served(prepared, current)


def unless_served(prepared: P, current: dict[str, Any] | None) -> P | None:
    """`prepared`, or None when `current` (the record's description) already
    serves exactly it: an update that changes nothing writes nothing."""
    return None if current is not None and not prepared.changes(current) else prepared
