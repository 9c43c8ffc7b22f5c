"""Reads of API Gateway REST APIs, for the API Gateway kind of tool.

Only reads (`apigateway:GET` on the named API's ARNs, terraform/iam_lambda.tf):
the REST API, one stage, and the API's resources with their methods. A
missing API or stage is answered None (the kind turns it into a 422 with the
field's path); every other failure is the registry's 502/503
(services/aws_errors.py), as for every adapter.

API Gateway's API reference: GetRestApi, GetStage, GetResources
(https://docs.aws.amazon.com/apigateway/latest/api/API_GetResources.html:
`embed=methods` returns each resource's Method objects, `position`/`limit`
page through them, at most 500 a page).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from services.aws_errors import error_code, translate

_SERVICE = "API Gateway"
_PAGE = 500
# A bound on the pages read (500 resources each): a REST API has at most 300
# resources by default (API Gateway quotas), so this is never reached by a
# real API and keeps a hostile one from holding the Lambda.
_MAX_PAGES = 20


class RestApiReader:
    def __init__(self, client: Any) -> None:
        self._client = client

    def _get(self, operation: str, **kwargs: Any) -> dict[str, Any] | None:
        try:
            answer: dict[str, Any] = getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            if error_code(exc) == "NotFoundException":
                return None
            raise translate(exc, _SERVICE) from None
        except BotoCoreError as exc:
            raise translate(exc, _SERVICE) from None
        answer.pop("ResponseMetadata", None)
        return answer

    def rest_api(self, rest_api_id: str) -> dict[str, Any] | None:
        """The REST API, or None when this account and region have none of that id."""
        return self._get("get_rest_api", restApiId=rest_api_id)

    def stage(self, rest_api_id: str, stage: str) -> dict[str, Any] | None:
        """The stage, or None when the API has none of that name."""
        return self._get("get_stage", restApiId=rest_api_id, stageName=stage)

    def resources(self, rest_api_id: str) -> list[dict[str, Any]]:
        """Every resource of the API with its methods (`resourceMethods`)."""
        found: list[dict[str, Any]] = []
        position: str | None = None
        for _ in range(_MAX_PAGES):
            kwargs: dict[str, Any] = {
                "restApiId": rest_api_id,
                "embed": ["methods"],
                "limit": _PAGE,
            }
            if position:
                kwargs["position"] = position
            page = self._get("get_resources", **kwargs) or {}
            found.extend(page.get("items") or [])
            position = page.get("position")
            if not position:
                break
        return found
