"""Request models shared by every action: the envelope, the actor, limits."""

from __future__ import annotations

import decimal
import json
import math
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

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


# The numbers DynamoDB stores: boto3's own DYNAMODB_CONTEXT (kept here so
# the request models do not import boto3).
DYNAMODB_CONTEXT = decimal.Context(
    Emin=-128,
    Emax=126,
    prec=38,
    traps=[decimal.Clamped, decimal.Overflow, decimal.Inexact, decimal.Rounded, decimal.Underflow],
)
# DynamoDB nests documents at most 32 levels deep (the record holds metadata
# one level down).
MAX_METADATA_DEPTH = 30


def _storable(value: Any, depth: int) -> None:
    """Refuse what DynamoDB cannot store, before anything is written: deep
    nesting, empty map keys, numbers outside its range or precision (38
    digits, 1e-130 to 1e126), NaN and Infinity."""
    if depth > MAX_METADATA_DEPTH:
        raise ValueError(f"metadata is nested deeper than {MAX_METADATA_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            if not key:
                raise ValueError("metadata keys must not be empty")
            _storable(key, depth)
            _storable(item, depth + 1)
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("metadata holds text that is not valid Unicode") from None
    elif isinstance(value, list):
        for item in value:
            _storable(item, depth + 1)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("metadata numbers must be finite")
        try:
            DYNAMODB_CONTEXT.create_decimal(repr(value))
        except decimal.DecimalException:
            raise ValueError(
                "a metadata number is outside what DynamoDB stores (38 digits, 1e-130 to 1e126)"
            ) from None


def _metadata_within_cap(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None:
        _storable(value, 1)
        size = len(json.dumps(value, separators=(",", ":"), default=str).encode())
        if size > MAX_METADATA_BYTES:
            raise ValueError(f"metadata is {size} bytes; the limit is {MAX_METADATA_BYTES}")
    return value


Metadata = Annotated[dict[str, Any] | None, AfterValidator(_metadata_within_cap)]


# A JWT with many groups runs to a few KB; anything longer is not one.
MAX_TOKEN_CHARS = 16 * 1024


class AuthBlock(StrictModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TOKEN_CHARS)]


class Envelope(BaseModel):
    """The request envelope of docs/api.md, "Envelope" (data is validated per action)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    action: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    request_id: Annotated[str, StringConstraints(pattern=REQUEST_ID_PATTERN)] | None = None
    # Validated by mode (services/auth/identity.py): an Actor in trusted
    # mode, only `team` beside a token in jwt mode.
    actor: dict[str, Any] | None = None
    # jwt mode: {"token": "<JWT>"}, verified before the envelope is read.
    auth: AuthBlock | None = None
    data: dict[str, Any] = Field(default_factory=dict)


def _message(err: Any) -> str:
    """pydantic's message, except where it quotes the rejected value."""
    if err["type"] == "union_tag_invalid":
        expected = (err.get("ctx") or {}).get("expected_tags", "")
        return f"unknown type; expected one of {expected}"
    return str(err["msg"])


def field_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, Any]]:
    """One entry per failed field, named by its path ("data.name"); a rule
    over several fields is named by its parent ("data"). Never echoes the
    input: a rejected field may hold a secret."""
    details = []
    for err in exc.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in err["loc"])
        details.append(
            {
                "field": prefix + path if path else prefix.rstrip(".") or "event",
                "message": _message(err),
            }
        )
    return details
