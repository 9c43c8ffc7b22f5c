"""One way to call AgentCore's control plane: botocore failures become the
registry's errors (services/aws_errors.py), with the two answers a flow acts
on told apart: ResourceNotFound (a resource already gone) and Conflict (a
name already taken)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.aws_errors import error_code, translate
from services.errors import RegistryError


def call(
    client: Any,
    operation: str,
    *,
    on_conflict: Callable[[], RegistryError] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    answer = _call(client, operation, on_conflict, missing_ok=False, kwargs=kwargs)
    assert answer is not None  # noqa: S101 - missing_ok=False never answers None
    return answer


def call_unless_missing(client: Any, operation: str, **kwargs: Any) -> dict[str, Any] | None:
    """The call's answer, or None when AgentCore answers ResourceNotFound."""
    return _call(client, operation, None, missing_ok=True, kwargs=kwargs)


def _call(
    client: Any,
    operation: str,
    on_conflict: Callable[[], RegistryError] | None,
    *,
    missing_ok: bool,
    kwargs: dict[str, Any],
) -> dict[str, Any] | None:
    try:
        response: dict[str, Any] = getattr(client, operation)(**kwargs)
    except ClientError as exc:
        code = error_code(exc)
        if missing_ok and code == "ResourceNotFoundException":
            return None
        if on_conflict is not None and code == "ConflictException":
            raise on_conflict() from None
        raise translate(exc, "AgentCore") from None
    except BotoCoreError as exc:
        raise translate(exc, "AgentCore") from None
    response.pop("ResponseMetadata", None)
    return response
