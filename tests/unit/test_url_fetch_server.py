"""Spec URLs against a real HTTPS server on 127.0.0.1 (issue #3).

The other url_fetch tests fake DNS and the transport; here the whole stack
runs (requests, urllib3, TLS, the pinned connection) against a real server
in a thread, with a certificate for localhost / 127.0.0.1 signed by a CA
made in the test (`cryptography`, which moto requires). The handler runs
on in-process moto, like the other unit tests.

The server counts every TCP connection it accepts, so "refused" means the
registry never touched it. Without `Runtime.fetch_policy` the address and
port checks refuse the server; a `FetchPolicy` naming its exact (address,
port), with the test CA, lets it through and nothing else.

Sockets: this module replaces the unit conftest's `_no_network` with
pytest-socket's allow-list of 127.0.0.1, so the only network is its own
servers (a connection anywhere else still fails the test).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_socket import enable_socket, socket_allow_hosts

from services.errors import SpecFetchError
from services.tools.models import MAX_SPEC_BYTES
from services.tools.tool_flow import tool_id_for
from services.tools.url_fetch import FetchPolicy, fetch_spec, vet_url
from tests.support import PETS, Registry, event, spec_keys, targets, tool_record

LOOPBACK = "127.0.0.1"
_CHUNK = 64 * 1024


@pytest.fixture(autouse=True)
def _no_network() -> Iterator[None]:
    """Overrides the unit conftest's: connections to 127.0.0.1 only."""
    real_connect = socket.socket.connect
    socket_allow_hosts([LOOPBACK], allow_unix_socket=True)
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]
    enable_socket()


# --- certificates -----------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca_bundle: str  # PEM of the test CA: what a FetchPolicy trusts
    cert_chain: str  # the server's certificate
    key: str


def make_pki(directory: Path) -> Pki:
    """A CA and a server certificate for localhost and 127.0.0.1, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "registry test CA")])
    usage = {
        "content_commitment": False,
        "key_encipherment": False,
        "data_encipherment": False,
        "key_agreement": False,
        "encipher_only": False,
        "decipher_only": False,
    }
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, **usage),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **usage),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = Pki(
        str(directory / "ca.pem"), str(directory / "server.pem"), str(directory / "server.key")
    )
    Path(paths.ca_bundle).write_bytes(ca_cert.public_bytes(pem))
    Path(paths.cert_chain).write_bytes(cert.public_bytes(pem))
    Path(paths.key).write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


# --- the server -------------------------------------------------------------


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    declare_length: bool = True  # else the body ends when the connection closes (HTTP/1.0)


class SpecHandler(BaseHTTPRequestHandler):
    server: SpecServer

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.declare_length:
            self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        view = memoryview(route.body)
        try:
            for start in range(0, len(view), _CHUNK):
                self.wfile.write(view[start : start + _CHUNK])
        except OSError:
            # The client stopped reading (the byte cap): expected, not an error.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SpecServer(HTTPServer):
    """HTTPS on 127.0.0.1, an ephemeral port; counts connections and requests."""

    def __init__(self, pki: Pki) -> None:
        super().__init__((LOOPBACK, 0), SpecHandler)
        self.pki = pki
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(pki.cert_chain, pki.key)
        self.routes: dict[str, Route] = {}
        self.connections = 0
        self.requests: list[str] = []
        self.errors: list[BaseException | None] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str, host: str = LOOPBACK) -> str:
        return f"https://{host}:{self.port}{path}"

    def policy(self) -> FetchPolicy:
        """A policy naming this server, with the test CA."""
        return FetchPolicy(frozenset({(LOOPBACK, self.port)}), self.pki.ca_bundle)

    def reset(self) -> None:
        self.routes.clear()
        self.requests.clear()
        self.errors.clear()
        self.connections = 0

    def get_request(self) -> tuple[Any, Any]:
        # Counted at accept, before TLS: a refused handshake is still a contact.
        conn, address = self.socket.accept()
        self.connections += 1
        conn.settimeout(30)  # a bound for a stuck test, not a measurement
        try:
            return self.tls.wrap_socket(conn, server_side=True), address
        except OSError:
            conn.close()
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.errors.append(sys.exc_info()[1])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def _serve(pki: Pki) -> Iterator[SpecServer]:
    server = SpecServer(pki)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def _main_server(pki: Pki) -> Iterator[SpecServer]:
    yield from _serve(pki)


@pytest.fixture(scope="module")
def _other_server(pki: Pki) -> Iterator[SpecServer]:
    yield from _serve(pki)


@pytest.fixture
def server(_main_server: SpecServer) -> Iterator[SpecServer]:
    _main_server.reset()
    yield _main_server
    assert _main_server.errors == []


@pytest.fixture
def other(_other_server: SpecServer) -> Iterator[SpecServer]:
    """A second server on another loopback port, which no policy names."""
    _other_server.reset()
    yield _other_server
    assert _other_server.errors == []


# --- the handler ------------------------------------------------------------

SPEC_JSON = json.dumps(PETS, indent=2).encode()
SPEC_YAML = yaml.safe_dump(PETS, sort_keys=False).encode()


@pytest.fixture
def gateway(registry: Registry) -> dict[str, Any]:
    response = registry.invoke(event("create_gateway", {"name": "payments-tools"}))
    assert response["status"] == 201, response
    return dict(response["data"])


def url_source(url: str) -> dict[str, Any]:
    return {"type": "url", "url": url}


def validate(registry: Registry, url: str) -> dict[str, Any]:
    return registry.invoke({"action": "validate_spec", "data": {"source": url_source(url)}})


def create(registry: Registry, gateway: dict[str, Any], url: str) -> dict[str, Any]:
    evt = event(
        "create_tool",
        {"gateway_id": gateway["gateway_id"], "name": "pets", "source": url_source(url)},
    )
    response = registry.invoke(evt)
    response["_request_id"] = evt["request_id"]
    return response


def assert_fetch_refused(response: dict[str, Any], reason: str) -> None:
    assert response["status"] == 422, response
    assert response["error"]["code"] == "SpecFetchError"
    assert reason in response["error"]["message"], response["error"]


def assert_nothing_written(
    registry: Registry, gateway: dict[str, Any], response: dict[str, Any]
) -> None:
    request_id = response["_request_id"]
    assert tool_record(registry, tool_id_for(request_id), gateway["gateway_id"]) is None
    assert registry.item(f"request#{request_id}") is None
    tools = registry.runtime.dynamodb.scan(TableName=registry.settings.tools_table_name)
    assert tools["Items"] == []
    assert spec_keys(registry) == []
    assert targets(registry, gateway) == []


REFUSALS = [
    # (host in the URL, the policy's endpoint: None for no policy, why)
    (LOOPBACK, None, "must use port 443"),
    ("localhost", None, "must use port 443"),
    # A policy for this port but another address: the address check alone refuses.
    (LOOPBACK, "127.0.0.2", "resolves to a loopback address"),
    ("localhost", "127.0.0.2", "resolves to a loopback address"),
]


@pytest.mark.parametrize("case", REFUSALS, ids=lambda case: "-".join(map(str, case[:2])))
def test_local_server_is_refused_unless_a_policy_names_it(
    registry: Registry,
    gateway: dict[str, Any],
    server: SpecServer,
    case: tuple[str, str | None, str],
) -> None:
    host, allowed, reason = case
    server.routes["/petstore.json"] = Route(body=SPEC_JSON)
    if allowed is not None:
        registry.runtime.fetch_policy = FetchPolicy(
            frozenset({(allowed, server.port)}), server.pki.ca_bundle
        )
    url = server.url("/petstore.json", host)

    assert_fetch_refused(validate(registry, url), reason)
    created = create(registry, gateway, url)
    assert_fetch_refused(created, reason)
    assert "127.0.0.2" not in created["error"]["message"]  # no address of ours in it

    assert_nothing_written(registry, gateway, created)
    assert server.connections == 0
    assert server.requests == []


def test_the_default_runtime_has_no_policy(registry: Registry) -> None:
    from services.config import load_settings
    from services.runtime import build_runtime

    assert build_runtime(load_settings()).fetch_policy is None
    # The request cannot carry one: the source model refuses unknown fields.
    source = url_source("https://127.0.0.1:8443/x") | {"allowed_endpoints": [["127.0.0.1", 8443]]}
    response = registry.invoke({"action": "validate_spec", "data": {"source": source}})
    assert response["status"] == 422
    assert response["error"]["code"] == "ValidationError"


def test_named_server_serves_validate_and_create(
    registry: Registry, gateway: dict[str, Any], server: SpecServer
) -> None:
    server.routes["/petstore.json"] = Route(body=SPEC_JSON)
    registry.runtime.fetch_policy = server.policy()
    url = server.url("/petstore.json")

    report = validate(registry, url)
    assert report["status"] == 200, report
    assert report["data"]["errors"] == []
    assert report["data"]["size_bytes"] == len(SPEC_JSON)
    assert report["data"]["source"] == {"type": "url", "url": url}
    assert spec_keys(registry) == []

    created = create(registry, gateway, url)
    assert created["status"] == 201, created
    assert server.requests == ["/petstore.json", "/petstore.json"]
    assert server.connections == 2
    record = tool_record(registry, created["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    assert record["spec"]["source"] == {"type": "url", "url": url}
    assert record["spec"]["source_sha256"] == hashlib.sha256(SPEC_JSON).hexdigest()
    assert sorted(record["spec"]["operations"]) == ["getPet", "listPets"]
    stored = registry.runtime.s3.get_object(
        Bucket=registry.settings.spec_bucket_name, Key=record["spec"]["s3_key"]
    )["Body"].read()
    assert json.loads(stored) == json.loads(SPEC_JSON)  # the whole spec, published
    assert hashlib.sha256(stored).hexdigest() == record["spec"]["sha256"]
    [target] = targets(registry, gateway)
    assert target["targetId"] == record["agentcore"]["target_id"]


def test_yaml_served_spec_registers(
    registry: Registry, gateway: dict[str, Any], server: SpecServer
) -> None:
    server.routes["/petstore.yaml"] = Route(
        body=SPEC_YAML, headers={"Content-Type": "application/yaml"}
    )
    registry.runtime.fetch_policy = server.policy()

    created = create(registry, gateway, server.url("/petstore.yaml"))

    assert created["status"] == 201, created
    record = tool_record(registry, created["data"]["tool_id"], gateway["gateway_id"])
    assert record is not None
    assert record["status"] == "ACTIVE"
    assert record["spec"]["source_sha256"] == hashlib.sha256(SPEC_YAML).hexdigest()
    stored = registry.runtime.s3.get_object(
        Bucket=registry.settings.spec_bucket_name, Key=record["spec"]["s3_key"]
    )["Body"].read()
    assert json.loads(stored) == yaml.safe_load(SPEC_YAML)


def test_redirect_within_the_named_server_is_followed(
    registry: Registry, gateway: dict[str, Any], server: SpecServer
) -> None:
    server.routes["/old.json"] = Route(status=301, headers={"Location": "/petstore.json"})
    server.routes["/petstore.json"] = Route(body=SPEC_JSON)
    registry.runtime.fetch_policy = server.policy()

    created = create(registry, gateway, server.url("/old.json"))

    assert created["status"] == 201, created
    assert server.requests == ["/old.json", "/petstore.json"]


def test_redirect_to_another_loopback_port_is_refused_before_it_is_contacted(
    registry: Registry,
    gateway: dict[str, Any],
    server: SpecServer,
    other: SpecServer,
) -> None:
    other.routes["/petstore.json"] = Route(body=SPEC_JSON)
    server.routes["/moved.json"] = Route(
        status=302, headers={"Location": other.url("/petstore.json")}
    )
    registry.runtime.fetch_policy = server.policy()

    created = create(registry, gateway, server.url("/moved.json"))

    assert_fetch_refused(created, "must use port 443")
    assert server.requests == ["/moved.json"]
    assert other.connections == 0
    assert_nothing_written(registry, gateway, created)


@pytest.mark.parametrize(
    "case",
    [
        ("https://169.254.169.254/latest/meta-data/", "resolves to a link-local address"),
        ("https://10.0.0.5/petstore.json", "resolves to a private address"),
        ("http://127.0.0.1:{port}/petstore.json", "only https://"),
        ("https://user:pw@127.0.0.1:{port}/petstore.json", "user name or password"),
    ],
    ids=lambda case: case[1],
)
def test_redirect_out_of_the_policy_is_refused(
    registry: Registry, gateway: dict[str, Any], server: SpecServer, case: tuple[str, str]
) -> None:
    location, reason = case
    # The last two name the allowed endpoint itself: the policy relaxes the
    # address and port rules only, never https or the ban on user info.
    server.routes["/moved.json"] = Route(
        status=307, headers={"Location": location.format(port=server.port)}
    )
    registry.runtime.fetch_policy = server.policy()

    created = create(registry, gateway, server.url("/moved.json"))

    assert_fetch_refused(created, reason)
    assert server.requests == ["/moved.json"]
    assert server.connections == 1
    assert_nothing_written(registry, gateway, created)


@pytest.mark.parametrize("declare_length", [True, False], ids=["declared", "streamed"])
def test_a_body_over_the_byte_cap_is_refused(
    registry: Registry,
    gateway: dict[str, Any],
    server: SpecServer,
    declare_length: bool,
) -> None:
    server.routes["/huge.json"] = Route(
        body=b"{" + b" " * MAX_SPEC_BYTES + b"}", declare_length=declare_length
    )
    registry.runtime.fetch_policy = server.policy()

    created = create(registry, gateway, server.url("/huge.json"))

    assert_fetch_refused(created, f"larger than {MAX_SPEC_BYTES:,} bytes")
    assert server.requests == ["/huge.json"]
    assert_nothing_written(registry, gateway, created)


def test_content_type_is_still_checked(
    registry: Registry, gateway: dict[str, Any], server: SpecServer
) -> None:
    server.routes["/petstore.json"] = Route(
        body=SPEC_JSON, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    registry.runtime.fetch_policy = server.policy()

    created = create(registry, gateway, server.url("/petstore.json"))

    assert_fetch_refused(created, "serves 'text/html'")
    assert_nothing_written(registry, gateway, created)


def test_certificate_is_still_verified(
    registry: Registry, gateway: dict[str, Any], server: SpecServer
) -> None:
    server.routes["/petstore.json"] = Route(body=SPEC_JSON)
    # The endpoint is named but the test CA is not: the system's CAs refuse it.
    registry.runtime.fetch_policy = FetchPolicy(frozenset({(LOOPBACK, server.port)}))

    created = create(registry, gateway, server.url("/petstore.json"))

    assert_fetch_refused(created, "TLS certificate of 127.0.0.1 is not valid")
    assert server.connections == 1
    assert server.requests == []
    assert_nothing_written(registry, gateway, created)


# --- the policy itself --------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        ("10.0.0.5", 8443),
        ("169.254.169.254", 443),
        ("93.184.216.34", 443),
        ("localhost", 8443),
        ("127.0.0.1", 0),
        ("127.0.0.1", 65536),
        ("127.0.0.1", True),
    ],
)
def test_a_policy_names_loopback_endpoints_only(endpoint: tuple[Any, Any]) -> None:
    with pytest.raises(ValueError, match=r"loopback|port|does not appear"):
        FetchPolicy(frozenset({endpoint}))


def test_a_policy_compares_canonical_addresses() -> None:
    spelled = FetchPolicy(frozenset({("0:0::1", 8443), ("127.0.0.1", 8443)}))
    assert spelled.allowed_endpoints == frozenset({("::1", 8443), ("127.0.0.1", 8443)})


def test_a_policy_keeps_its_ca_to_its_endpoints(server: SpecServer) -> None:
    policy = server.policy()
    allowed = vet_url(server.url("/x"), policy=policy)
    assert allowed.verify == server.pki.ca_bundle

    def public(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    elsewhere = vet_url("https://api.example.com/x", resolver=public, policy=policy)
    assert elsewhere.verify is True
    with pytest.raises(SpecFetchError, match="must use port 443"):
        vet_url(f"https://api.example.com:{server.port}/x", resolver=public, policy=policy)


def test_fetch_spec_with_a_policy_reads_the_body(server: SpecServer) -> None:
    server.routes["/petstore.json"] = Route(body=SPEC_JSON, declare_length=False)
    body = fetch_spec(server.url("/petstore.json"), max_bytes=1 << 20, policy=server.policy())
    assert body == SPEC_JSON
    with pytest.raises(SpecFetchError, match="larger than 100 bytes"):
        fetch_spec(server.url("/petstore.json"), policy=server.policy(), max_bytes=100)
