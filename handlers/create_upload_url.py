"""`create_upload_url`: a presigned S3 upload for a spec too large to invoke with."""

import uuid

from handlers.dispatcher import action
from services.context import Call, iso
from services.errors import BadRequestError
from services.records.lifecycle import Result
from services.s3.s3_service import UPLOAD_EXPIRES_SECONDS
from services.tools.models import CreateUploadUrlData


@action("create_upload_url", model=CreateUploadUrlData, mutating=False)
def create_upload_url(call: Call, data: CreateUploadUrlData) -> Result:
    if call.actor is None:
        raise BadRequestError(
            "actor required for create_upload_url", [{"field": "actor", "message": "required"}]
        )
    # Under the team's prefix: only that team's create_tool may read it back.
    key = f"uploads/{call.actor.team}/{uuid.uuid4()}/{data.filename}"
    upload = call.runtime.spec_bucket.presigned_upload(key, data.size_bytes)
    return Result(
        200,
        {
            "url": upload["url"],
            "fields": upload["fields"],
            "key": key,
            "expires_at": iso(call.now() + UPLOAD_EXPIRES_SECONDS),
        },
    )
