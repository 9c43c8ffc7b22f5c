"""One invocation: who asks, which request, and how much time is left."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, SecretStr

from services.models import Actor
from services.runtime import Runtime

if TYPE_CHECKING:
    from services.auth.identity import Identity

# Time kept back from the Lambda deadline for the last DynamoDB write, so a
# flow whose polls ran out can still record where it stopped.
DEADLINE_MARGIN_SECONDS = 5.0


def request_hash(
    action: str,
    data: BaseModel,
    salt: str | None,
    actor: Actor | None = None,
    identity: Identity | None = None,
) -> str:
    """Fingerprint of what a request asks: who (user and team, and in jwt
    mode the token's issuer and subject), its action and canonical data. The
    same request id from someone else is another request (409
    IdempotencyConflict), never a replay of their outcome.

    Secrets count (another API key is another request) but only as a hash
    salted with the request id, so the stored fingerprint reveals nothing.
    """

    def secret(value: object) -> str:
        if isinstance(value, SecretStr):
            digest = hashlib.sha256(f"{salt}:{value.get_secret_value()}".encode()).hexdigest()
            return f"secret:{digest}"
        raise TypeError(type(value).__name__)

    who: list[str] | None = [actor.user, actor.team] if actor else None
    if identity is not None:
        # Appended, so a trusted-mode fingerprint stays what it always was.
        who = [*(who or []), identity.issuer, identity.subject]
    canonical = json.dumps(
        {
            "action": action,
            "actor": who,
            "data": data.model_dump(mode="python", by_alias=True),
        },
        sort_keys=True,
        separators=(",", ":"),
        default=secret,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


@dataclass(frozen=True)
class Call:
    runtime: Runtime
    action: str
    request_id: str | None
    actor: Actor | None
    request_hash: str
    # Epoch seconds when the Lambda will be stopped. Leases last until then;
    # polls stop DEADLINE_MARGIN_SECONDS before it.
    deadline: float
    # jwt mode: the verified caller behind `actor` (None in trusted mode).
    identity: Identity | None = None

    def now(self) -> float:
        return self.runtime.clock()

    def now_iso(self) -> str:
        return iso(self.now())

    @property
    def poll_deadline(self) -> float:
        return self.deadline - DEADLINE_MARGIN_SECONDS

    @property
    def who(self) -> str:
        return self.actor.user if self.actor else "unknown"

    @property
    def rid(self) -> str:
        """The request id of a mutation (the dispatcher guarantees one)."""
        if self.request_id is None:  # pragma: no cover - dispatcher refuses this
            raise RuntimeError("mutation without request_id")
        return self.request_id
