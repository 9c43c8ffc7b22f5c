"""AUTH_MODE=jwt end to end through the dispatcher (services/auth/).

Tokens are signed in the test with RSA keys made by `cryptography`; the
identity provider is a fake fetch installed as the discovery URL's
KeySource (no network), except in the "real fetcher" tests, which run
services/tools/url_fetch.py against a plain-http server on 127.0.0.1 (the
loopback exception AUTH_OIDC_DISCOVERY_URL allows). Token times are
relative to the wall clock, as PyJWT checks them; nothing sleeps.

Sockets: only the tests that request `loopback_sockets` may connect, and
only to 127.0.0.1 (as tests/unit/test_url_fetch_server.py does).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pytest_socket import enable_socket, socket_allow_hosts

from services.auth import keys
from services.errors import UnauthenticatedError
from services.gateway.gateway_flow import gateway_id_for
from tests.support import ADMIN, FakeClock, Registry, event, make_runtime
from tests.unit import test_secrets

ISSUER = "https://idp.example.com"
DISCOVERY = ISSUER + "/.well-known/openid-configuration"
JWKS_URL = ISSUER + "/jwks.json"
AUDIENCE = "registry-client"
LOOPBACK = "127.0.0.1"
ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:registry:reconcile-schedule"
UNQUALIFIED_ARN = "arn:aws:lambda:us-east-1:123456789012:function:registry"

logs = test_secrets.logs  # every logger at DEBUG, captured (see test_secrets.py)


# --- keys, tokens and the identity provider --------------------------------------


@dataclass(frozen=True)
class Keys:
    signing: rsa.RSAPrivateKey  # the provider's key, published as kid k1
    other: rsa.RSAPrivateKey  # nobody publishes this one


@pytest.fixture(scope="module")
def rsa_keys() -> Keys:
    def make() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    return Keys(make(), make())


def jwks(key: rsa.RSAPrivateKey, kid: str = "k1") -> dict[str, Any]:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}


def claims(**changes: Any) -> dict[str, Any]:
    """A valid token's claims; a change to None drops that claim."""
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "email": "alice@example.com",
        "groups": ["payments"],
        "iat": now,
        "exp": now + 300,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(key: rsa.RSAPrivateKey, kid: str = "k1", **changes: Any) -> str:
    return jwt.encode(claims(**changes), key, algorithm="RS256", headers={"kid": kid})


def b64(data: bytes | dict[str, Any]) -> str:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(header: dict[str, Any]) -> str:
    return b64(header) + "." + b64(claims())


def alg_none(_: Keys) -> str:
    return unsigned({"alg": "none", "kid": "k1", "typ": "JWT"}) + "."


def hs256_with_public_pem(k: Keys) -> str:
    """The classic confusion: the provider's public key as an HMAC secret."""
    secret = k.signing.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = unsigned({"alg": "HS256", "kid": "k1", "typ": "JWT"})
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


@dataclass
class FakeIdp:
    """The provider's two documents, fetched by URL and counted."""

    key: rsa.RSAPrivateKey
    calls: dict[str, int] = field(default_factory=dict)

    def __call__(self, url: str) -> bytes:
        self.calls[url] = self.calls.get(url, 0) + 1
        if url == DISCOVERY:
            return json.dumps({"issuer": ISSUER, "jwks_uri": JWKS_URL}).encode()
        assert url == JWKS_URL
        return json.dumps(jwks(self.key)).encode()


@pytest.fixture(autouse=True)
def _forget_sources() -> Iterator[None]:
    keys.forget_sources()
    yield
    keys.forget_sources()


@pytest.fixture
def key_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def idp(rsa_keys: Keys, key_clock: FakeClock) -> FakeIdp:
    fake = FakeIdp(rsa_keys.signing)
    keys._SOURCES[DISCOVERY] = keys.KeySource(DISCOVERY, fetch=fake, clock=key_clock)
    return fake


def jwt_mode(registry: Registry, **changes: Any) -> Registry:
    """The same moto account, with a jwt-mode runtime."""
    update = {"auth_mode": "jwt", "auth_oidc_discovery_url": DISCOVERY}
    update.update(auth_audiences=(AUDIENCE,), **changes)
    settings = registry.settings.model_copy(update=update)
    return Registry(runtime=make_runtime(settings, registry.clock), clock=registry.clock)


@pytest.fixture
def reg(registry: Registry, idp: FakeIdp) -> Registry:
    return jwt_mode(registry)


@pytest.fixture
def token(rsa_keys: Keys) -> Callable[..., str]:
    """token(**claim changes): signed by the provider's published key."""
    return lambda **changes: sign(rsa_keys.signing, **changes)


def request(
    action: str,
    data: dict[str, Any],
    token: str | None,
    *,
    actor: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    evt = event(action, data, request_id=request_id, actor=actor)
    if token is not None:
        evt["auth"] = {"token": token}
    return evt


def create(token: str | None, name: str = "payments-tools", **kwargs: Any) -> dict[str, Any]:
    return request("create_gateway", {"name": name}, token, **kwargs)


def items(reg: Registry) -> list[dict[str, Any]]:
    """Every item of both tables."""
    client = reg.runtime.dynamodb
    found: list[dict[str, Any]] = []
    for table in (reg.settings.gateways_table_name, reg.settings.tools_table_name):
        found.extend(client.scan(TableName=table, ConsistentRead=True)["Items"])
    return found


def assert_nothing_written(reg: Registry) -> None:
    assert items(reg) == []
    assert reg.agentcore_gateways() == []


def assert_error(response: dict[str, Any], status: int, code: str) -> None:
    assert response["status"] == status, response
    assert response["ok"] is False
    assert response["error"]["code"] == code


# --- 1. a valid token --------------------------------------------------------------


def test_valid_token_creates_gateway_owned_by_its_team_and_user(
    reg: Registry, token: Callable[..., str]
) -> None:
    evt = create(token())
    response = reg.invoke(evt)

    assert response["status"] == 201, response
    record = reg.gateway_record(gateway_id_for(evt["request_id"]))
    assert record["team"] == "payments"
    assert record["created_by"] == "alice@example.com"
    assert record["audit"][-1]["issuer"] == ISSUER
    assert record["audit"][-1]["subject"] == "user-1"

    gateway_id = response["data"]["gateway_id"]
    got = reg.invoke(request("get_gateway", {"gateway_id": gateway_id}, token()))
    assert got["status"] == 200
    assert reg.invoke(request("list_gateways", {}, token()))["status"] == 200
    assert_error(
        reg.invoke(request("get_gateway", {"gateway_id": gateway_id}, None)), 401, "Unauthenticated"
    )
    assert_error(reg.invoke(request("list_gateways", {}, None)), 401, "Unauthenticated")


# --- 2. attacks -----------------------------------------------------------------------

ATTACKS: list[Any] = [
    pytest.param(lambda k: None, "carries no token", id="missing-auth"),
    pytest.param(lambda k: "abc.def", "malformed", id="malformed"),
    pytest.param(alg_none, "algorithm is not allowed", id="alg-none"),
    pytest.param(hs256_with_public_pem, "algorithm is not allowed", id="hs256-public-pem"),
    pytest.param(lambda k: sign(k.other), "signature does not verify", id="other-key-same-kid"),
    pytest.param(lambda k: sign(k.signing, exp=int(time.time()) - 120), "expired", id="expired"),
    pytest.param(lambda k: sign(k.signing, nbf=int(time.time()) + 300), "not valid yet", id="nbf"),
    pytest.param(lambda k: sign(k.signing, iat=int(time.time()) + 300), "not valid yet", id="iat"),
    pytest.param(lambda k: sign(k.signing, iss="https://evil.example"), "issuer", id="wrong-iss"),
    pytest.param(lambda k: sign(k.signing, aud="someone-else"), "audience", id="wrong-aud"),
    pytest.param(lambda k: sign(k.signing, kid="k-unknown"), "does not publish", id="unknown-kid"),
]


@pytest.mark.parametrize(("make", "reason"), ATTACKS)
def test_attack_is_401_and_writes_nothing(
    reg: Registry, rsa_keys: Keys, make: Callable[[Keys], str | None], reason: str
) -> None:
    bad = make(rsa_keys)
    response = reg.invoke(create(bad))

    assert_error(response, 401, "Unauthenticated")
    assert reason in response["error"]["message"]  # refused by the check meant to refuse it
    assert_nothing_written(reg)
    if bad is not None:
        assert bad not in json.dumps(response)


# --- 3, 4. leeway and Cognito access tokens -------------------------------------------


def test_expired_within_leeway_is_accepted(reg: Registry, token: Callable[..., str]) -> None:
    response = reg.invoke(create(token(exp=int(time.time()) - 30)))
    assert response["status"] == 201, response


def test_cognito_access_token_client_id_is_the_audience(
    reg: Registry, token: Callable[..., str]
) -> None:
    denied = reg.invoke(create(token(aud=None, client_id="another-client")))
    assert_error(denied, 401, "Unauthenticated")
    assert_nothing_written(reg)

    response = reg.invoke(create(token(aud=None, client_id=AUDIENCE)))
    assert response["status"] == 201, response


# --- 5-8. teams and the payload's actor -----------------------------------------------


def test_no_teams_claim_may_read_but_not_create(reg: Registry, token: Callable[..., str]) -> None:
    assert reg.invoke(request("list_gateways", {}, token(groups=None)))["status"] == 200
    assert_error(reg.invoke(create(token(groups=None))), 403, "Forbidden")
    assert_nothing_written(reg)


def test_team_not_in_the_token_is_403(reg: Registry, token: Callable[..., str]) -> None:
    response = reg.invoke(create(token(groups=["search"]), actor={"team": "payments"}))
    assert_error(response, 403, "Forbidden")
    assert_nothing_written(reg)


def test_several_teams_must_choose_one(reg: Registry, token: Callable[..., str]) -> None:
    both = token(groups=["payments", "search"])
    assert_error(reg.invoke(create(both)), 400, "BadRequest")
    assert_nothing_written(reg)

    evt = create(both, actor={"team": "search"})
    response = reg.invoke(evt)
    assert response["status"] == 201, response
    assert reg.gateway_record(gateway_id_for(evt["request_id"]))["team"] == "search"


@pytest.mark.parametrize(
    ("actor", "field_name"),
    [
        ({"user": "root@example.com"}, "actor.user"),
        ({"team": "payments", "roles": ["admin"]}, "actor.roles"),
    ],
)
def test_actor_user_or_roles_beside_a_token_is_400(
    reg: Registry, token: Callable[..., str], actor: dict[str, Any], field_name: str
) -> None:
    response = reg.invoke(create(token(), actor=actor))
    assert_error(response, 400, "BadRequest")
    assert [d["field"] for d in response["error"]["details"]] == [field_name]
    assert_nothing_written(reg)


# --- 9. admin -------------------------------------------------------------------------


def test_admin_may_delete_another_teams_gateway(reg: Registry, token: Callable[..., str]) -> None:
    created = reg.invoke(create(token()))
    gateway_id = created["data"]["gateway_id"]
    delete = {"gateway_id": gateway_id}

    other = token(sub="user-2", email="bob@example.com", groups=["billing"])
    assert_error(reg.invoke(request("delete_gateway", delete, other)), 403, "Forbidden")
    assert reg.gateway_record(gateway_id)["status"] == "ACTIVE"

    admin = token(sub="admin-1", email="root@example.com", groups=["registry-admins"])
    response = reg.invoke(request("delete_gateway", delete, admin))
    assert response["status"] == 200, response
    assert response["data"]["status"] == "DELETED"


@pytest.mark.parametrize(
    ("data", "groups", "status"),
    [
        ({"dry_run": False}, ["payments"], 403),
        ({"dry_run": False}, ["registry-admins"], 200),
        ({"delete_orphans": True}, ["payments"], 403),
        ({"dry_run": True}, ["payments"], 200),
    ],
)
def test_reconcile_changes_need_an_admin_token(
    reg: Registry, token: Callable[..., str], data: dict[str, Any], groups: list[str], status: int
) -> None:
    response = reg.invoke(request("reconcile", data, token(groups=groups)))
    assert response["status"] == status, response


# --- 10. a flood of unknown key ids ---------------------------------------------------


def test_unknown_kid_flood_refreshes_the_jwks_at_most_once_a_minute(
    reg: Registry, rsa_keys: Keys, idp: FakeIdp, key_clock: FakeClock
) -> None:
    for n in range(50):
        response = reg.invoke(create(sign(rsa_keys.signing, kid=f"forged-{n}")))
        assert_error(response, 401, "Unauthenticated")
    assert idp.calls[JWKS_URL] <= 2
    assert_nothing_written(reg)

    before = dict(idp.calls)
    key_clock.advance(keys.UNKNOWN_KID_REFRESH_SECONDS + 1)
    assert_error(
        reg.invoke(create(sign(rsa_keys.signing, kid="forged-late"))), 401, "Unauthenticated"
    )
    assert idp.calls[JWKS_URL] == before[JWKS_URL] + 1
    assert idp.calls[DISCOVERY] == before[DISCOVERY]


def test_a_refresh_decided_before_the_lock_fetches_once(idp: FakeIdp, key_clock: FakeClock) -> None:
    # Two callers may both see an unknown kid and decide to refresh before
    # either holds the lock; the second one in must not fetch again.
    source = keys.source_for(DISCOVERY)
    with pytest.raises(UnauthenticatedError):
        source.key("forged")
    fetched = dict(idp.calls)

    source._load(refresh_only_keys=True)  # the second caller, past its check
    source._load(refresh_only_keys=False)  # and one that saw no keys yet

    assert idp.calls == fetched
    key_clock.advance(keys.UNKNOWN_KID_REFRESH_SECONDS + 1)
    source._load(refresh_only_keys=True)
    assert idp.calls[JWKS_URL] == fetched[JWKS_URL] + 1


# --- 11. idempotency across users -----------------------------------------------------


def test_request_id_of_another_user_is_idempotency_conflict(
    reg: Registry, token: Callable[..., str]
) -> None:
    evt = create(token())
    first = reg.invoke(evt)
    assert first["status"] == 201

    bob = {**evt, "auth": {"token": token(sub="user-2", email="bob@example.com")}}
    assert_error(reg.invoke(bob), 409, "IdempotencyConflict")

    again = {**evt, "auth": {"token": token()}}  # a fresh token of the same user
    assert reg.invoke(again) == first
    assert len(reg.agentcore_gateways()) == 1


# --- 12. trusted mode -----------------------------------------------------------------


def test_trusted_mode_refuses_tokens_and_keeps_admin_checks(
    registry: Registry, token: Callable[..., str]
) -> None:
    with_auth = {**event("create_gateway", {"name": "payments-tools"}), "auth": {"token": token()}}
    assert_error(registry.invoke(with_auth), 400, "BadRequest")
    assert_nothing_written(registry)

    repair = {"dry_run": False}
    assert_error(registry.invoke(event("reconcile", repair, actor=None)), 403, "Forbidden")
    assert registry.invoke(event("reconcile", repair, actor=ADMIN))["status"] == 200


# --- 13. the scheduled reconcile ------------------------------------------------------


@dataclass
class LambdaContext:
    invoked_function_arn: str

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def test_schedule_alias_alone_admits_the_scheduled_reconcile(
    registry: Registry, idp: FakeIdp
) -> None:
    reg = jwt_mode(registry, auth_schedule_actor="scheduled-reconcile")
    scheduled = {
        "action": "reconcile",
        "request_id": "scheduled-reconcile",
        "data": {"dry_run": False},
    }

    response = reg.invoke(scheduled, LambdaContext(ALIAS_ARN))
    assert response["status"] == 200, response

    unqualified = reg.invoke(scheduled, LambdaContext(UNQUALIFIED_ARN))
    assert_error(unqualified, 401, "Unauthenticated")

    other_action = {**create(None), "request_id": "scheduled-reconcile"}
    assert_error(reg.invoke(other_action, LambdaContext(ALIAS_ARN)), 401, "Unauthenticated")
    assert_nothing_written(reg)
    assert idp.calls == {}  # the schedule never needs the provider


def test_a_non_string_token_is_malformed_even_through_the_schedule_alias(
    registry: Registry, idp: FakeIdp
) -> None:
    reg = jwt_mode(registry, auth_schedule_actor="scheduled-reconcile")
    for auth in ({"token": 12345}, {"token": None}, {}, "a-token"):
        scheduled = {
            "action": "reconcile",
            "request_id": "scheduled-reconcile",
            "auth": auth,
            "data": {"dry_run": False},
        }

        response = reg.invoke(scheduled, LambdaContext(ALIAS_ARN))

        assert_error(response, 401, "Unauthenticated")
        assert "malformed" in response["error"]["message"]
    assert_nothing_written(reg)


def test_an_unverified_email_is_not_the_user(reg: Registry, token: Callable[..., str]) -> None:
    unverified = create(token(email="ceo@example.com", email_verified=False))
    as_text = create(token(email="ceo@example.com", email_verified="false"), name="other-tools")
    verified = create(token(email_verified=True), name="third-tools")

    for evt in (unverified, as_text, verified):
        assert reg.invoke(evt)["status"] == 201

    def creator(evt: dict[str, Any]) -> str:
        return str(reg.gateway_record(gateway_id_for(evt["request_id"]))["created_by"])

    assert [creator(e) for e in (unverified, as_text, verified)] == [
        "user-1",
        "user-1",
        "alice@example.com",
    ]


# --- 14. the real fetcher against a local provider ------------------------------------


@pytest.fixture
def loopback_sockets() -> Iterator[None]:
    """On top of the unit conftest's ban: connections to 127.0.0.1 only."""
    real_connect = socket.socket.connect
    enable_socket()
    socket_allow_hosts([LOOPBACK], allow_unix_socket=True)
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]


class Provider(ThreadingHTTPServer):
    daemon_threads = True
    mode = "ok"  # ok | hang | huge
    release: threading.Event
    jwks: bytes

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"


class ProviderHandler(BaseHTTPRequestHandler):
    server: Provider

    def do_GET(self) -> None:
        server = self.server
        if self.path == "/.well-known/openid-configuration":
            body = json.dumps({"issuer": server.base, "jwks_uri": server.base + "/jwks"}).encode()
        elif server.mode == "hang":
            server.release.wait(30)  # never answers while the test runs
            return
        elif server.mode == "huge":
            body = json.dumps({"keys": [], "padding": "x" * (keys.MAX_DOCUMENT_BYTES + 1)}).encode()
        else:
            body = server.jwks
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def provider(loopback_sockets: None, rsa_keys: Keys) -> Iterator[Provider]:
    server = Provider((LOOPBACK, 0), ProviderHandler)
    server.release = threading.Event()
    server.jwks = json.dumps(jwks(rsa_keys.signing)).encode()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def local_registry(registry: Registry, monkeypatch: pytest.MonkeyPatch, discovery: str) -> Registry:
    monkeypatch.setattr(keys, "FETCH_TIMEOUT", (0.5, 1.0))  # safe_fetch reads it per fetch
    source = keys.KeySource(discovery, keys.safe_fetch(keys.fetch_policy(discovery)))
    keys._SOURCES[discovery] = source
    return jwt_mode(registry, auth_oidc_discovery_url=discovery)


@pytest.mark.parametrize("mode", ["hang", "huge"])
def test_provider_slow_or_huge_jwks_is_503(
    registry: Registry,
    provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
    rsa_keys: Keys,
    mode: str,
) -> None:
    provider.mode = mode
    reg = local_registry(registry, monkeypatch, provider.base + "/.well-known/openid-configuration")
    started = time.monotonic()
    response = reg.invoke(create(sign(rsa_keys.signing, iss=provider.base)))

    assert_error(response, 503, "UpstreamUnavailable")
    assert response["error"]["details"][0]["service"] == "IdentityProvider"
    assert time.monotonic() - started < 5
    assert_nothing_written(reg)


def test_provider_down_is_503(
    registry: Registry, loopback_sockets: None, monkeypatch: pytest.MonkeyPatch, rsa_keys: Keys
) -> None:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    base = f"http://{LOOPBACK}:{port}"
    reg = local_registry(registry, monkeypatch, base + "/.well-known/openid-configuration")

    response = reg.invoke(create(sign(rsa_keys.signing, iss=base)))
    assert_error(response, 503, "UpstreamUnavailable")
    assert_nothing_written(reg)


def test_local_provider_through_the_real_fetcher(
    registry: Registry, provider: Provider, monkeypatch: pytest.MonkeyPatch, rsa_keys: Keys
) -> None:
    reg = local_registry(registry, monkeypatch, provider.base + "/.well-known/openid-configuration")
    response = reg.invoke(create(sign(rsa_keys.signing, iss=provider.base)))
    assert response["status"] == 201, response


# --- 15. the token is a secret --------------------------------------------------------


def test_token_is_in_no_log_line_item_or_response(
    reg: Registry, token: Callable[..., str], logs: test_secrets.Logs
) -> None:
    good, bad = token(), token(aud="someone-else")
    responses = [reg.invoke(create(good)), reg.invoke(create(bad, name="search-tools"))]
    assert [r["status"] for r in responses] == [201, 401]

    texts = logs.by_logger()
    texts["<dynamodb>"] = json.dumps(items(reg), default=str)
    texts["<responses>"] = json.dumps(responses, default=str)
    assert "identity provider keys fetched" in texts["<powertools>"]  # the capture works
    for secret in (good, bad):
        signature = secret.rsplit(".", 1)[-1]
        leaked = [place for place, text in texts.items() if secret in text or signature in text]
        assert leaked == []


def test_missing_jwt_libraries_are_a_500_whose_cause_is_logged_without_the_token(
    reg: Registry,
    token: Callable[..., str],
    logs: test_secrets.Logs,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The package without the jwt layer: importing the verifier fails (an
    # earlier test may have imported it: the package attribute goes too).
    import services.auth

    monkeypatch.setitem(sys.modules, "services.auth.tokens", None)
    monkeypatch.delattr(services.auth, "tokens", raising=False)
    good = token()

    response = reg.invoke(create(good))

    assert_error(response, 500, "ConfigurationError")
    assert "PyJWT and cryptography" in response["error"]["message"]
    assert "Traceback" not in json.dumps(response)
    assert_nothing_written(reg)
    operators = logs.by_logger()["<powertools>"]
    # The operators' log names the import that failed (the chained cause) ...
    assert "ModuleNotFoundError" in operators or "ImportError" in operators
    assert "services.auth.tokens" in operators
    # ... and still never the caller's token.
    assert good not in operators
    assert good.rsplit(".", 1)[-1] not in operators
