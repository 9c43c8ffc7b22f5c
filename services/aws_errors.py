"""AWS failures -> the registry's errors (docs/api.md, "Errors": 502 and 503).

Called only by the adapters (DynamoDB, AgentCore, S3), which are the only
modules that see botocore exceptions.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ParamValidationError,
    ReadTimeoutError,
)

from services.errors import InternalError, RegistryError, UpstreamError, UpstreamUnavailableError

# Codes that botocore's standard retry mode already retried: once they reach
# us, the service is busy, not refusing.
_UNAVAILABLE = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalServerError",
        "InternalServerException",
        "InternalFailure",
        "SlowDown",
    }
)

_MAX_MESSAGE = 300


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


def translate(exc: BotoCoreError | ClientError, service: str) -> RegistryError:
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = str(exc.response.get("Error", {}).get("Message", ""))[:_MAX_MESSAGE]
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        details = [{"service": service, "code": code, "message": message}]
        if code in _UNAVAILABLE or status >= 500:
            return UpstreamUnavailableError(
                f"{service} is unavailable ({code}); retry later", details
            )
        return UpstreamError(f"{service} refused the request ({code}): {message}", details)
    if isinstance(exc, ParamValidationError):
        # botocore refused our own request before sending it: a fault of ours.
        return InternalError(f"internal error: invalid request to {service}")
    # The request may have reached AWS and been applied before the
    # connection broke: the flow must not assume either way.
    maybe_applied = isinstance(exc, ReadTimeoutError | ConnectionClosedError)
    return UpstreamUnavailableError(
        f"{service} did not answer in time",
        [{"service": service, "code": type(exc).__name__, "message": "connection failed"}],
        maybe_applied=maybe_applied,
    )
