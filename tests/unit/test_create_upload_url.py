"""create_upload_url: a presigned POST scoped to the caller's team, whose
object can then be a tool's source."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.support import (
    OTHER_TEAM,
    PETS,
    Registry,
    create_tool,
    event,
    spec_keys,
    targets,
    tool_record,
)


def test_upload_url_is_scoped_to_the_team_and_usable_as_a_source(
    registry: Registry, gateway: dict[str, Any]
) -> None:
    response = registry.invoke(
        event("create_upload_url", {"filename": "pets.json", "size_bytes": 5000})
        | {"actor": {"user": "a", "team": "payments"}}
    )
    assert response["status"] == 200, response
    key = response["data"]["key"]
    assert key.startswith("uploads/payments/")
    assert ["content-length-range", 1, 5000] in json.loads(
        base64.b64decode(response["data"]["fields"]["policy"])
    )["conditions"]
    registry.runtime.s3.put_object(
        Bucket=registry.settings.spec_bucket_name, Key=key, Body=json.dumps(PETS).encode()
    )

    created = create_tool(registry, gateway, source={"type": "s3", "key": key})
    assert created["status"] == 201, created
    record = tool_record(registry, created["data"]["tool_id"], gateway["gateway_id"])
    assert record["status"] == "ACTIVE"
    assert record["spec"]["s3_key"] in spec_keys(registry)
    assert [target["targetId"] for target in targets(registry, gateway)] == [
        record["agentcore"]["target_id"]
    ]
    stolen = registry.invoke(
        event(
            "create_tool",
            {
                "gateway_id": gateway["gateway_id"],
                "name": "other",
                "source": {"type": "s3", "key": key},
            },
            actor=OTHER_TEAM,
        )
    )
    assert stolen["status"] == 403
