"""registry_local.client (issue 14, points 2 and 5): the event it sends, and
the safe retries, against a stand-in for boto3's Lambda client (the client
against the real handler over the Invoke API is tests/integration/test_client.py)."""

from __future__ import annotations

import io
import json
from typing import Any

from registry_local.client import RegistryClient

ACTOR = {"user": "alice@example.com", "team": "payments", "roles": []}


class FakeLambda:
    """Answers each Invoke with the next envelope, keeping what was sent."""

    def __init__(self, *answers: dict[str, Any], function_error: str | None = None) -> None:
        self.answers = list(answers)
        self.sent: list[dict[str, Any]] = []
        self.function_error = function_error

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["InvocationType"] == "RequestResponse"
        self.sent.append(json.loads(kwargs["Payload"]))
        answer: dict[str, Any] = {"Payload": io.BytesIO(json.dumps(self.answers.pop(0)).encode())}
        if self.function_error:
            answer["FunctionError"] = self.function_error
        return answer


def envelope(status: int, code: str | None = None, message: str = "") -> dict[str, Any]:
    if code is None:
        return {"ok": True, "status": status, "data": {"gateway_id": "gw-1"}}
    return {"ok": False, "status": status, "error": {"code": code, "message": message}}


def client(fake: FakeLambda, waits: list[float], **kwargs: Any) -> RegistryClient:
    return RegistryClient("registry", lambda_client=fake, sleep=waits.append, **kwargs)


def test_a_mutation_carries_one_request_id_and_the_actor() -> None:
    fake, waits = FakeLambda(envelope(201)), []
    answer = client(fake, waits, actor=ACTOR).call("create_gateway", {"name": "payments"})
    assert answer["status"] == 201
    [sent] = fake.sent
    assert sent["action"] == "create_gateway"
    assert sent["request_id"].startswith("req-")
    assert sent["actor"] == ACTOR
    assert waits == []


def test_a_read_carries_no_request_id_and_no_actor() -> None:
    fake, waits = FakeLambda(envelope(200)), []
    client(fake, waits, actor=ACTOR).call("get_gateway", {"gateway_id": "gw-1"})
    assert "request_id" not in fake.sent[0]
    assert "actor" not in fake.sent[0]


def test_in_progress_waits_as_told_and_resends_the_same_request() -> None:
    busy = envelope(409, "InProgress", "request r is still being worked on; retry after 7s")
    fake, waits = FakeLambda(busy, busy, envelope(201)), []
    seen: list[float] = []
    answer = client(fake, waits, on_wait=lambda wait, _: seen.append(wait)).call(
        "create_gateway", {"name": "payments"}
    )
    assert answer["status"] == 201
    assert waits == seen == [7.0, 7.0]
    assert len({sent["request_id"] for sent in fake.sent}) == 1
    assert len(fake.sent) == 3


def test_unavailable_backs_off_then_gives_the_last_answer() -> None:
    down = envelope(503, "UpstreamUnavailable", "send the same request again to resume")
    fake, waits = FakeLambda(down, down, down), []
    answer = client(fake, waits, max_attempts=3).call("delete_gateway", {"gateway_id": "gw-1"})
    assert answer["status"] == 503
    assert waits == [2.0, 4.0]
    assert len({sent["request_id"] for sent in fake.sent}) == 1


def test_a_final_answer_is_never_retried() -> None:
    for final in (envelope(409, "Conflict", "taken"), envelope(422, "ValidationError")):
        fake, waits = FakeLambda(final), []
        assert client(fake, waits).call("create_gateway", {"name": "x"}) == final
        assert waits == []


def test_a_given_request_id_resumes_that_request() -> None:
    fake, waits = FakeLambda(envelope(201)), []
    client(fake, waits).call("create_gateway", {"name": "x"}, request_id="req-interrupted-1")
    assert fake.sent[0]["request_id"] == "req-interrupted-1"


def test_a_token_goes_in_auth_and_the_actor_only_chooses_the_team() -> None:
    fake, waits = FakeLambda(envelope(201)), []
    client(fake, waits, token="eyJ.a.b", actor={"team": "payments"}).call(
        "create_gateway", {"name": "x"}
    )
    assert fake.sent[0]["auth"] == {"token": "eyJ.a.b"}
    assert fake.sent[0]["actor"] == {"team": "payments"}


def test_lambdas_own_failure_is_an_error_envelope() -> None:
    fake = FakeLambda(
        {"errorMessage": "Task timed out after 30.00 seconds", "errorType": "Timeout"},
        function_error="Unhandled",
    )
    answer = client(fake, []).call("create_gateway", {"name": "x"})
    assert answer["ok"] is False
    assert answer["status"] == 502
    assert answer["error"]["code"] == "FunctionError"
    assert "timed out" in answer["error"]["message"]
