"""A spec too large for Lambda's invoke payload, uploaded the way the
contract says: `create_upload_url`, then its presigned S3 POST (docs/api.md,
"create_upload_url"); and the uploads remembered per request id, so a
command resumed with `--request-id` sends the same `s3` source again instead
of uploading to a new key (which the ledger would refuse as other data:
409 IdempotencyConflict).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from urllib3.filepost import encode_multipart_formdata

Progress = Callable[[int, int], None]
# The registry's ledger keeps a request id for 30 days (docs/api.md,
# "Idempotency"): an upload is worth remembering as long.
_KEPT_SECONDS = 30 * 24 * 3600
# Reads of the body are capped at this size, so that the progress (reported
# per read) moves while a large spec is sent.
_BLOCK = 64 * 1024


def post_upload(
    upload: dict[str, Any],
    content: bytes,
    filename: str,
    *,
    on_progress: Progress | None = None,
    timeout: float = 300.0,
) -> None:
    """POST `content` to a presigned upload (`url`, `fields`); raises
    UploadFailed with S3's answer when it is refused."""
    # S3 reads the form's fields in order and requires the file last
    # (AmazonS3/latest/API/RESTObjectPOST.html); urllib3 encodes the form.
    fields: list[tuple[str, Any]] = list(upload["fields"].items())
    fields.append(("file", (filename, content, "application/octet-stream")))
    body, content_type = encode_multipart_formdata(fields)
    try:
        response = requests.post(
            upload["url"],
            data=_Reading(body, on_progress),
            headers={"Content-Type": content_type, "Content-Length": str(len(body))},
            timeout=(10.0, timeout),
        )
    except requests.RequestException as exc:
        raise UploadFailed(f"the upload did not reach S3: {type(exc).__name__}") from None
    if response.status_code not in (200, 201, 204):
        raise UploadFailed(f"S3 refused the upload: {response.status_code} {_s3_code(response)}")


class UploadFailed(Exception):
    """The presigned POST did not store the object."""


class _Reading:
    """The body as a file that reports how much of it was read (sent)."""

    def __init__(self, body: bytes, on_progress: Progress | None) -> None:
        self._body = body
        self._sent = 0
        self._on_progress = on_progress

    def __len__(self) -> int:
        return len(self._body)

    def read(self, size: int = -1) -> bytes:
        size = min(_BLOCK, len(self._body) - self._sent) if size < 0 else min(size, _BLOCK)
        chunk = self._body[self._sent : self._sent + size]
        self._sent += len(chunk)
        if self._on_progress is not None and chunk:
            self._on_progress(self._sent, len(self._body))
        return chunk


def _s3_code(response: requests.Response) -> str:
    # S3's error body is XML: its <Code> says why, nothing else is needed.
    text = response.text
    start, end = text.find("<Code>"), text.find("</Code>")
    return text[start + 6 : end] if 0 <= start < end else ""


class UploadMemory:
    """Which key each request id's spec was uploaded to, in a JSON file of
    the user's state directory. Only keys and digests are kept: no spec, no
    secret."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path or default_memory_path()

    def key_for(self, request_id: str, content: bytes) -> str | None:
        """The key this request id's upload of these bytes went to."""
        entry = self._read().get(request_id)
        if entry and entry.get("sha256") == _digest(content):
            return str(entry["key"])
        return None

    def remember(self, request_id: str, content: bytes, key: str) -> None:
        now = time.time()
        entries = {
            rid: entry
            for rid, entry in self._read().items()
            if now - float(entry.get("at", 0)) < _KEPT_SECONDS
        }
        entries[request_id] = {"sha256": _digest(content), "key": key, "at": now}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: an interrupted write leaves the old file.
        scratch = self._path.with_suffix(".tmp")
        scratch.write_text(json.dumps(entries))
        os.replace(scratch, self._path)

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            entries = json.loads(self._path.read_text())
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}


def default_memory_path() -> Path:
    """$XDG_STATE_HOME/registry/uploads.json (~/.local/state by default)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "registry" / "uploads.json"


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
