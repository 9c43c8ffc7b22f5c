"""One error hierarchy for the whole registry.

Every failure a caller can see is a `RegistryError` subclass carrying the
contract's `code` and HTTP `status` (docs/api.md, "Errors"). `handlers.dispatcher`
turns any of them into the response envelope by looking at the class, never
at message text. Messages are written for the caller: they never hold a
secret, a file name or a traceback.
"""

from __future__ import annotations

from typing import Any


class RegistryError(Exception):
    code = "InternalError"
    status = 500

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class BadRequestError(RegistryError):
    code = "BadRequest"
    status = 400


class UnknownActionError(RegistryError):
    code = "UnknownAction"
    status = 400


class UnauthenticatedError(RegistryError):
    """AUTH_MODE=jwt: the request's token is missing or fails a check (the
    message says which, never the token)."""

    code = "Unauthenticated"
    status = 401


class ForbiddenError(RegistryError):
    code = "Forbidden"
    status = 403


class NotFoundError(RegistryError):
    code = "NotFound"
    status = 404


class ConflictError(RegistryError):
    code = "Conflict"
    status = 409


class IdempotencyConflictError(RegistryError):
    code = "IdempotencyConflict"
    status = 409


class BreakingChangeError(RegistryError):
    """A new spec would break agents that call the current one (issue 15)."""

    code = "BreakingChange"
    status = 409


class InProgressError(RegistryError):
    code = "InProgress"
    status = 409


class PayloadTooLargeError(RegistryError):
    code = "PayloadTooLarge"
    status = 413


class RequestValidationError(RegistryError):
    code = "ValidationError"
    status = 422


class InvalidSpecError(RegistryError):
    code = "InvalidSpec"
    status = 422


class SpecFetchError(RegistryError):
    code = "SpecFetchError"
    status = 422


class ConfigurationError(RegistryError):
    code = "ConfigurationError"
    status = 500


class InternalError(RegistryError):
    code = "InternalError"
    status = 500


class UpstreamError(RegistryError):
    """AWS refused the call (a 4xx, or a resource that ended FAILED)."""

    code = "UpstreamError"
    status = 502


class UpstreamUnavailableError(RegistryError):
    """Throttled, 5xx or timed out after botocore's retries.

    `maybe_applied` is true when the request may have reached AWS before the
    connection failed (a read timeout): the caller cannot know whether the
    mutation happened, so the flow keeps the record in its in-between state
    for a resume instead of recording a failure.
    """

    code = "UpstreamUnavailable"
    status = 503

    def __init__(
        self,
        message: str,
        details: list[dict[str, Any]] | None = None,
        *,
        maybe_applied: bool = False,
    ) -> None:
        super().__init__(message, details)
        self.maybe_applied = maybe_applied


_BY_CODE: dict[str, type[RegistryError]] = {}


def _index(cls: type[RegistryError]) -> None:
    for sub in cls.__subclasses__():
        _BY_CODE.setdefault(sub.code, sub)
        _index(sub)


_index(RegistryError)


def error_from_dict(payload: dict[str, Any]) -> RegistryError:
    """Rebuild an error recorded in the idempotency ledger, for a replay."""
    cls = _BY_CODE.get(str(payload.get("code")), InternalError)
    return cls(str(payload.get("message", "")), list(payload.get("details") or []))
