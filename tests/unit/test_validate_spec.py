"""validate_spec: what AgentCore Gateway can serve of a spec, changing nothing."""

from __future__ import annotations

import copy

from tests.support import PETS, Registry, inline


def test_validate_spec_reports_without_changing_anything(registry: Registry) -> None:
    broken = copy.deepcopy(PETS)
    broken["servers"] = [{"url": "http://api.example.com"}]
    response = registry.invoke({"action": "validate_spec", "data": {"source": inline(broken)}})
    assert response["status"] == 200, response
    assert response["data"]["errors"]
    assert (
        registry.runtime.s3.list_objects_v2(Bucket=registry.settings.spec_bucket_name).get(
            "KeyCount", 0
        )
        == 0
    )
