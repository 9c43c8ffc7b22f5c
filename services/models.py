"""Request models shared by every action: the envelope, the actor, limits."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# Contract: 8 to 128 characters of A-Z a-z 0-9 . _ : -
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:-]{8,128}$"
TEAM_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
MAX_METADATA_BYTES = 4096
MAX_EVENT_BYTES = 6 * 1024 * 1024  # Lambda's own limit for a synchronous payload


class StrictModel(BaseModel):
    """Unknown fields and wrong types are errors, never coerced silently."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Actor(StrictModel):
    user: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    team: Annotated[str, StringConstraints(pattern=TEAM_PATTERN)]
    roles: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20
    )

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


def _metadata_within_cap(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None:
        size = len(json.dumps(value, separators=(",", ":"), default=str).encode())
        if size > MAX_METADATA_BYTES:
            raise ValueError(f"metadata is {size} bytes; the limit is {MAX_METADATA_BYTES}")
    return value


Metadata = Annotated[dict[str, Any] | None, AfterValidator(_metadata_within_cap)]


class Envelope(BaseModel):
    """The request envelope of CONTRACT.md (data is validated per action)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    action: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    request_id: Annotated[str, StringConstraints(pattern=REQUEST_ID_PATTERN)] | None = None
    actor: Actor | None = None
    data: dict[str, Any] = Field(default_factory=dict)
