"""A Python client for the deployed registry, over boto3's `lambda.invoke`.

`RegistryClient(function_name).call(action, data)` sends one action of the
contract (../shared/CONTRACT.md, docs/api.md) to the function with
`RequestResponse` and returns its envelope. It makes the safe path the easy
one (issue 14, point 2):

- a mutating action gets a `request_id` made once per call and sent again
  on every retry of it, so a retry can never do the work twice (the
  registry's ledger answers a replay with the first outcome);
- it retries what the registry says to retry with the same request id:
  `409 InProgress` after the wait the answer names ("retry after Ns"), and
  `503 UpstreamUnavailable` ("send the same request again to resume");
  botocore's own retries (standard mode) cover throttling and connection
  errors of the Invoke call itself, which is safe for the same reason;
- a `request_id` given by the caller resumes a call that was interrupted;
- `actor` (trusted mode: user, team, roles; jwt mode: only the team) and
  `token` (jwt mode, sent as `auth.token`) are put on the event.

A spec whose event would pass Lambda's 6 MB payload is uploaded by
`file_source` through `create_upload_url` and its presigned S3 POST
(registry_local/uploads.py), and the upload is remembered per request id so
that resuming the command sends the same `s3` source again.

Waits go through `sleep` (tests pass one that records instead of
sleeping), and each wait is reported to `on_wait` (the CLI's countdown).
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from registry_local.uploads import Progress, UploadFailed, UploadMemory, post_upload

# The actions that read only: they carry no request id and no actor (CONTRACT.md).
READ_ACTIONS = frozenset(
    {
        "get_gateway",
        "list_gateways",
        "get_tool",
        "list_tools",
        "list_tool_versions",
        "diff_tool",
        "validate_spec",
    }
)
# Not a mutation either (no ledger entry), but it needs the actor: the key is the team's.
_NO_REQUEST_ID = READ_ACTIONS | {"create_upload_url"}
# Lambda's synchronous invocation payload quota (6 MB, API_Invoke.html),
# which `registry local serve` enforces and the commands stay under.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
# A `file` source's base64 text may fill the payload but for this margin,
# left for the rest of the event (the other fields, the JSON around them).
MAX_FILE_SOURCE_BYTES = MAX_PAYLOAD_BYTES - 64 * 1024
# Lambda's read timeout must outlast the function's (at most 15 minutes).
_READ_TIMEOUT = 910
_RETRY_AFTER = re.compile(r"retry after (\d+)s")
# A 503 names no wait: back off, doubling, from this many seconds.
_FIRST_BACKOFF = 2.0


class RegistryClient:
    def __init__(
        self,
        function_name: str,
        *,
        lambda_client: Any = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        actor: dict[str, Any] | None = None,
        token: str | None = None,
        max_attempts: int = 5,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float, dict[str, Any]], None] | None = None,
    ) -> None:
        if lambda_client is None:
            import boto3
            from botocore.config import Config

            lambda_client = boto3.client(
                "lambda",
                endpoint_url=endpoint_url,
                region_name=region,
                config=Config(
                    read_timeout=_READ_TIMEOUT, retries={"mode": "standard", "max_attempts": 5}
                ),
            )
        self._lambda = lambda_client
        self._function = function_name
        self._actor = actor
        self._token = token
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._on_wait = on_wait

    def event(self, action: str, data: dict[str, Any], request_id: str | None) -> dict[str, Any]:
        """The event `call` sends (its request id fixed by the caller)."""
        event: dict[str, Any] = {"action": action, "data": data}
        if request_id is not None:
            event["request_id"] = request_id
        if self._token is not None:
            # jwt mode: the identity comes from the token; `actor` may only
            # choose the team (docs/api.md, "Authentication").
            event["auth"] = {"token": self._token}
        if self._actor is not None and action not in READ_ACTIONS:
            event["actor"] = self._actor
        return event

    def call(
        self, action: str, data: dict[str, Any], *, request_id: str | None = None
    ) -> dict[str, Any]:
        """The envelope of `action`, retried with the same request id while
        the registry says to retry."""
        request_id = request_id_for(action, request_id)
        event = self.event(action, data, request_id)
        backoff = _FIRST_BACKOFF
        for attempt in range(1, self._max_attempts + 1):
            envelope = self._invoke(event)
            wait = _wait_for(envelope, backoff)
            if wait is None or attempt == self._max_attempts:
                return envelope
            if self._on_wait is not None:
                self._on_wait(wait, envelope)
            self._sleep(wait)
            backoff *= 2
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns

    def upload(self, content: bytes, filename: str, *, on_progress: Progress | None = None) -> str:
        """Upload a spec through `create_upload_url`; the key to pass as an
        `s3` source. Raises RegistryError with the answer that stopped it."""
        answer = self.call("create_upload_url", {"filename": filename, "size_bytes": len(content)})
        if not answer.get("ok"):
            raise RegistryError(answer)
        upload = answer["data"]
        try:
            post_upload(upload, content, filename, on_progress=on_progress)
        except UploadFailed as exc:
            raise RegistryError(
                _client_error("create_upload_url", None, 502, "UploadFailed", str(exc))
            ) from None
        return str(upload["key"])

    def file_source(
        self,
        content: bytes,
        filename: str,
        *,
        request_id: str,
        memory: UploadMemory | None = None,
        on_progress: Progress | None = None,
    ) -> dict[str, Any]:
        """A spec file as a source: `file` when it fits Lambda's payload,
        else uploaded and sent as `s3`. The upload is remembered under
        `request_id`: the same request sent again (resumed) reuses its key,
        so the ledger sees the same data."""
        encoded = base64.b64encode(content).decode()
        if len(encoded) <= MAX_FILE_SOURCE_BYTES:
            return {"type": "file", "filename": filename, "content_base64": encoded}
        memory = memory or UploadMemory()
        key = memory.key_for(request_id, content)
        if key is None:
            key = self.upload(content, filename, on_progress=on_progress)
            memory.remember(request_id, content, key)
        return {"type": "s3", "key": key}

    def _invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        answer = self._lambda.invoke(
            FunctionName=self._function,
            InvocationType="RequestResponse",
            Payload=json.dumps(event).encode(),
        )
        body = answer["Payload"].read()
        if answer.get("FunctionError"):
            # The handler never raises (CONTRACT.md); Lambda's own failure
            # (a timeout, out of memory) is answered as an error envelope.
            detail = json.loads(body or b"{}")
            message = str(detail.get("errorMessage") or answer["FunctionError"])
            return _client_error(
                event["action"], event.get("request_id"), 502, "FunctionError", message
            )
        envelope: dict[str, Any] = json.loads(body)
        return envelope


class RegistryError(Exception):
    """An error answer where a value was expected (`upload`): the envelope."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        error = envelope.get("error") or {}
        super().__init__(f"{error.get('code')} ({envelope.get('status')}): {error.get('message')}")
        self.envelope = envelope


def request_id_for(action: str, given: str | None = None) -> str | None:
    """The request id a call of `action` carries: the one given (to resume),
    a new one for a mutation, none for the others."""
    if given is not None or action in _NO_REQUEST_ID:
        return given
    return f"req-{uuid.uuid4()}"


def _client_error(
    action: str, request_id: str | None, status: int, code: str, message: str
) -> dict[str, Any]:
    """An error the client met on the way (not the registry's answer), in
    the contract's envelope so that callers read one shape."""
    return {
        "ok": False,
        "status": status,
        "action": action,
        "request_id": request_id,
        "data": None,
        "error": {"code": code, "message": message, "details": []},
    }


def _wait_for(envelope: dict[str, Any], backoff: float) -> float | None:
    """How long to wait before sending the same request again, or None:
    the answer is final."""
    status = envelope.get("status")
    error = envelope.get("error") or {}
    if status == 409 and error.get("code") == "InProgress":
        hinted = _RETRY_AFTER.search(str(error.get("message", "")))
        return float(hinted.group(1)) if hinted else backoff
    if status == 503:
        return backoff
    return None


def parse_actor(value: str | None) -> dict[str, Any] | None:
    """`user:team[:role,role]` (the form `--actor` and REGISTRY_ACTOR take) as
    the event's `actor`."""
    if not value:
        return None
    user, _, rest = value.partition(":")
    team, _, roles = rest.partition(":")
    return {"user": user, "team": team, "roles": [r for r in roles.split(",") if r]}
