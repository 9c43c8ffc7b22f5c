"""The spec bucket: stored specs and presigned uploads.

Keys:
  specs/<gateway_id>/<tool_id>/<sha256>.json   the spec a target serves
  uploads/<team>/<uuid>/<filename>              a presigned upload (create_upload_url),
                                                expired by the bucket's lifecycle rule
A spec's key is derived from its content, so writing it again (a retry or a
resume) is harmless, and an update writes a new object beside the old one.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.aws_errors import error_code, translate
from services.errors import NotFoundError, PayloadTooLargeError

UPLOAD_EXPIRES_SECONDS = 900

# What S3 answers for a key that holds nothing (HeadObject has no body: "404").
_MISSING = ("404", "NoSuchKey", "NotFound")

SPECS_PREFIX = "specs/"


def spec_key(gateway_id: str, tool_id: str, sha256: str) -> str:
    return f"{SPECS_PREFIX}{gateway_id}/{tool_id}/{sha256}.json"


def gateway_prefix(gateway_id: str) -> str:
    """Where every stored object of a gateway's tools lives."""
    return f"{SPECS_PREFIX}{gateway_id}/"


@dataclass(frozen=True)
class ListedObject:
    """An object as ListObjectsV2 describes it. Its ETag is the one PutObject
    answered when the registry wrote it unless the object was written again
    since (any encryption: the ETag belongs to the object, not the request)."""

    key: str
    etag: str
    size: int


class S3Service:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def put_spec(self, key: str, body: bytes) -> str:
        """Store `body`; the ETag S3 gave the object (reconcile compares it
        with a listing's instead of reading each object's checksum)."""
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        try:
            response = self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                # Both: the algorithm tells S3 to keep the checksum with the
                # object (HeadObject's ChecksumMode returns it: reconcile's
                # drift check), the value makes S3 verify what it stored.
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=digest,
            )
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "S3") from None
        return str(response.get("ETag", ""))

    def sha256_of(self, key: str) -> str | None:
        """The hex sha256 S3 keeps for an object we wrote, or None if it is gone."""
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as exc:
            if error_code(exc) in _MISSING:
                return None
            raise translate(exc, "S3") from None
        except BotoCoreError as exc:
            raise translate(exc, "S3") from None
        checksum = head.get("ChecksumSHA256")
        return base64.b64decode(checksum).hex() if checksum else ""

    def listing(
        self, prefix: str, *, max_pages: int | None = None
    ) -> dict[str, ListedObject] | None:
        """Every object under `prefix`, by key: one ListObjectsV2 per
        1,000 objects (reconcile's inventory). None when there are more than
        `max_pages` pages of them."""
        paginator = self._client.get_paginator("list_objects_v2")
        listed: dict[str, ListedObject] = {}
        try:
            for number, page in enumerate(paginator.paginate(Bucket=self.bucket, Prefix=prefix)):
                if max_pages is not None and number >= max_pages:
                    return None
                for item in page.get("Contents", []):
                    key = str(item["Key"])
                    listed[key] = ListedObject(key, str(item.get("ETag", "")), int(item["Size"]))
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "S3") from None
        return listed

    def gateway_prefixes(self) -> Iterator[str]:
        """The gateway ids that have objects under `specs/` (ListObjectsV2
        with a delimiter: one call per 1,000 gateways, whatever they hold)."""
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=SPECS_PREFIX, Delimiter="/"):
                for common in page.get("CommonPrefixes", []):
                    yield str(common["Prefix"]).removeprefix(SPECS_PREFIX).rstrip("/")
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "S3") from None

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, "S3") from None

    def read(self, key: str, max_bytes: int) -> bytes | None:
        """A stored object (a published spec), or None when it is gone."""
        try:
            body: bytes = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read(
                max_bytes + 1
            )
        except ClientError as exc:
            if error_code(exc) in _MISSING:
                return None
            raise translate(exc, "S3") from None
        except BotoCoreError as exc:
            raise translate(exc, "S3") from None
        if len(body) > max_bytes:
            raise PayloadTooLargeError(f"the object is over the {max_bytes}-byte limit")
        return body

    def read_upload(self, key: str, max_bytes: int) -> bytes:
        """An uploaded spec, refused past `max_bytes` before it is read."""
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
            if int(head["ContentLength"]) > max_bytes:
                raise PayloadTooLargeError(f"the upload is over the {max_bytes}-byte limit")
            body: bytes = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read(
                max_bytes + 1
            )
        except ClientError as exc:
            if error_code(exc) in _MISSING:
                raise NotFoundError(f"no upload at {key}") from None
            raise translate(exc, "S3") from None
        except BotoCoreError as exc:
            raise translate(exc, "S3") from None
        if len(body) > max_bytes:
            raise PayloadTooLargeError(f"the upload is over the {max_bytes}-byte limit")
        return body

    def presigned_upload(self, key: str, size_bytes: int) -> dict[str, Any]:
        """A presigned POST limited to `size_bytes` and to this key."""
        return dict(
            self._client.generate_presigned_post(
                Bucket=self.bucket,
                Key=key,
                Conditions=[["content-length-range", 1, size_bytes]],
                ExpiresIn=UPLOAD_EXPIRES_SECONDS,
            )
        )
