"""services/tools/url_fetch: https only, public addresses only, pinned, bounded.

No test touches the network: DNS is a fake resolver, the transport a fake
session that records what it was asked, and the one test of the real
requests stack replaces urllib3's socket opener.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import urllib3.exceptions
from requests.structures import CaseInsensitiveDict

from services.errors import SpecFetchError
from services.net.address_policy import refusal_reason
from services.tools import url_fetch
from services.tools.models import MAX_SPEC_BYTES
from services.tools.url_fetch import fetch_spec, pinned_adapter

PUBLIC = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"
SPEC = b'{"openapi": "3.0.3"}'


# --- fakes ------------------------------------------------------------------


class FakeResolver:
    """getaddrinfo's shape; each host answers its next list of addresses."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        self.calls.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        queue = self.answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in addresses
        ]


def resolver(**hosts: str | list[str]) -> FakeResolver:
    """resolver(api="1.2.3.4") answers for api.example.com (underscores are dots)."""
    answers: dict[str, list[list[str]]] = {}
    for name, value in hosts.items():
        host = name.replace("_", ".") + ".example.com"
        answers[host] = [[value] if isinstance(value, str) else value]
    return FakeResolver(answers)


@dataclass
class FakeSocket:
    timeouts: list[float] = field(default_factory=list)

    def settimeout(self, seconds: float) -> None:
        self.timeouts.append(seconds)


@dataclass
class FakeConnection:
    sock: FakeSocket = field(default_factory=FakeSocket)


class FakeRaw:
    """urllib3's HTTPResponse as the fetcher reads it: read1() per network read."""

    def __init__(self, chunks: list[bytes | Exception], on_read: Callable[[], None] | None) -> None:
        self.chunks = list(chunks)
        self.reads = 0
        self.connection = FakeConnection()
        self.on_read = on_read

    def read1(self, amt: int, decode_content: bool = True) -> bytes:
        self.reads += 1
        if self.on_read:
            self.on_read()
        if not self.chunks:
            return b""
        chunk = self.chunks.pop(0)
        if isinstance(chunk, Exception):
            raise chunk
        return chunk[:amt]


class FakeResponse:
    def __init__(
        self,
        status: int = 200,
        body: list[bytes | Exception] | bytes = SPEC,
        headers: dict[str, str] | None = None,
        on_read: Callable[[], None] | None = None,
    ) -> None:
        self.status_code = status
        chunks = [body] if isinstance(body, bytes) else body
        default = {"Content-Type": "application/json"} if status == 200 else {}
        self.headers = CaseInsensitiveDict(default if headers is None else headers)
        self.raw = FakeRaw(chunks, on_read)
        self.closed = False

    def close(self) -> None:
        self.closed = True


def redirect(location: str, status: int = 302) -> FakeResponse:
    return FakeResponse(status, b"", {"Location": location})


@dataclass
class Sent:
    url: str
    headers: dict[str, str]
    kwargs: dict[str, Any]
    address: str
    server_hostname: str | None
    trust_env: bool


class Web:
    """The fake transport: scripted answers by URL, every request recorded."""

    def __init__(self, routes: dict[str, FakeResponse | Exception | list[Any]]) -> None:
        self.routes = routes
        self.sent: list[Sent] = []
        self.sessions: list[FakeSession] = []

    def session(self) -> FakeSession:
        session = FakeSession(self)
        self.sessions.append(session)
        return session

    def answer(self, url: str) -> FakeResponse:
        route = self.routes[url]
        if isinstance(route, list):
            route = route.pop(0) if len(route) > 1 else route[0]
        if isinstance(route, Exception):
            raise route
        return route


class FakeSession:
    def __init__(self, web: Web) -> None:
        self.web = web
        self.trust_env = True
        self.adapters: dict[str, Any] = {}
        self.closed = False

    def mount(self, prefix: str, adapter: Any) -> None:
        self.adapters[prefix] = adapter

    def get(self, url: str, *, headers: dict[str, str], **kwargs: Any) -> FakeResponse:
        adapter = self.adapters["https://"]
        self.web.sent.append(
            Sent(url, headers, kwargs, adapter.address, adapter.server_hostname, self.trust_env)
        )
        return self.web.answer(url)

    def close(self) -> None:
        self.closed = True


def fetch(url: str, web: Web, dns: FakeResolver, **kwargs: Any) -> bytes:
    kwargs.setdefault("max_bytes", MAX_SPEC_BYTES)
    return fetch_spec(url, resolver=dns, session_factory=web.session, **kwargs)


def refused(url: str, web: Web, dns: FakeResolver, **kwargs: Any) -> str:
    with pytest.raises(SpecFetchError) as caught:
        fetch(url, web, dns, **kwargs)
    return caught.value.message


def never_asked() -> Web:
    return Web({})


# --- the happy path ---------------------------------------------------------


def test_public_host_is_fetched_through_the_vetted_address() -> None:
    web = Web({"https://api.example.com/openapi.json": FakeResponse()})
    dns = resolver(api=PUBLIC)
    assert fetch("https://api.example.com/openapi.json", web, dns) == SPEC
    assert dns.calls == ["api.example.com"]
    [sent] = web.sent
    assert sent.address == PUBLIC
    assert sent.server_hostname == "api.example.com"
    assert sent.headers["Host"] == "api.example.com"
    assert sent.headers["Accept-Encoding"] == "identity"
    assert sent.kwargs["allow_redirects"] is False
    assert sent.kwargs["stream"] is True
    assert sent.kwargs["verify"] is True
    connect, read = sent.kwargs["timeout"]
    assert connect == 3.05
    assert 9 < read <= 10
    assert sent.trust_env is False
    assert all(s.closed for s in web.sessions)


def test_body_is_read_in_chunks_and_joined() -> None:
    web = Web({"https://api.example.com/s.yaml": FakeResponse(body=[b"openapi: ", b"3.0.3\n"])})
    assert fetch("https://api.example.com/s.yaml", web, resolver(api=PUBLIC)) == b"openapi: 3.0.3\n"


def test_fragment_is_not_sent_and_default_port_is_fine() -> None:
    web = Web({"https://api.example.com:443/s.json?v=2": FakeResponse()})
    fetch("https://api.example.com:443/s.json?v=2#section", web, resolver(api=PUBLIC))
    assert web.sent[0].url == "https://api.example.com:443/s.json?v=2"


def test_ipv4_is_preferred_and_ipv6_only_hosts_work() -> None:
    web = Web(
        {"https://api.example.com/": FakeResponse(), "https://v6.example.com/": FakeResponse()}
    )
    fetch("https://api.example.com", web, resolver(api=[PUBLIC_V6, PUBLIC]))
    fetch("https://v6.example.com", web, resolver(v6=[PUBLIC_V6]))
    assert [s.address for s in web.sent] == [PUBLIC, PUBLIC_V6]


def test_public_address_literal_is_fetched_without_dns() -> None:
    web = Web({f"https://{PUBLIC}/s.json": FakeResponse()})
    dns = resolver()
    fetch(f"https://{PUBLIC}/s.json", web, dns)
    assert dns.calls == []
    assert web.sent[0].address == PUBLIC
    assert web.sent[0].server_hostname is None  # urllib3 checks the IP SAN itself


def test_trailing_dot_host_is_the_same_host() -> None:
    web = Web({"https://api.example.com./s.json": FakeResponse()})
    dns = resolver(api=PUBLIC)
    fetch("https://api.example.com./s.json", web, dns)
    assert dns.calls == ["api.example.com"]
    assert web.sent[0].server_hostname == "api.example.com"


def test_international_host_name_is_resolved_in_ascii() -> None:
    web = Web({"https://bücher.example.com/s.json": FakeResponse()})
    dns = FakeResolver({"xn--bcher-kva.example.com": [[PUBLIC]]})
    fetch("https://bücher.example.com/s.json", web, dns)
    assert dns.calls == ["xn--bcher-kva.example.com"]
    assert web.sent[0].headers["Host"] == "xn--bcher-kva.example.com"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "text/plain; charset=utf-8",
        "application/vnd.oai.openapi+json;version=3.0",
        "application/openapi+yaml",
    ],
)
def test_spec_content_types_are_accepted(content_type: str) -> None:
    web = Web({"https://api.example.com/s": FakeResponse(headers={"Content-Type": content_type})})
    assert fetch("https://api.example.com/s", web, resolver(api=PUBLIC)) == SPEC


def test_missing_content_type_is_accepted() -> None:
    web = Web({"https://api.example.com/s": FakeResponse(headers={})})
    assert fetch("https://api.example.com/s", web, resolver(api=PUBLIC)) == SPEC


# --- scheme, user info, port, spelling --------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://api.example.com/s.json", "https://"),
        ("file:///etc/passwd", "https://"),
        ("ftp://api.example.com/s.json", "https://"),
        ("gopher://api.example.com/", "https://"),
        ("//api.example.com/s.json", "no scheme"),
        ("api.example.com/s.json", "no scheme"),
        ("https://user:pw@api.example.com/s.json", "user name or password"),
        ("https://user@api.example.com/s.json", "user name or password"),
        ("https://api.example.com@evil.example.com/", "user name or password"),
        ("https://api.example.com:8443/s.json", "port 443"),
        ("https://api.example.com:80/s.json", "port 443"),
        ("https://api.example.com:x/s.json", "invalid port"),
        ("https://api.example.com/a b", "spaces"),
        ("https://api.example.com\\@evil.example.com/", "backslashes"),
        ("https://api.example.com/\n", "control"),
        ("https:///s.json", "no host"),
        ("https://exa_mple%2ecom/", "host name"),
    ],
)
def test_urls_that_are_not_plain_https_are_refused(url: str, why: str) -> None:
    web, dns = never_asked(), resolver(api=PUBLIC)
    assert why in refused(url, web, dns)
    assert web.sent == []
    assert web.sessions == []


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1", "017700000001", "1.2.3.0x4"],
)
def test_non_canonical_numeric_hosts_are_refused_before_dns(host: str) -> None:
    web, dns = never_asked(), resolver()
    assert "non-canonical" in refused(f"https://{host}/s.json", web, dns)
    assert dns.calls == []
    assert web.sessions == []


# --- addresses --------------------------------------------------------------

REFUSED_ADDRESSES = [
    ("127.0.0.1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),
    ("100.64.0.1", "shared"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - the address under test
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("255.255.255.255", ""),
    ("240.0.0.1", ""),
    ("192.0.2.1", ""),  # TEST-NET-1
    ("198.18.0.1", ""),  # benchmarking
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("fd00:ec2::254", "private"),
    ("fc00::1", "private"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("ff0e::1", "multicast"),
    ("::ffff:127.0.0.1", "IPv4-mapped"),
    ("::ffff:10.0.0.1", "IPv4-mapped"),
    ("::ffff:93.184.216.34", "IPv4-mapped"),
    ("64:ff9b::a00:1", "private (embedded in IPv6)"),
    ("64:ff9b::7f00:1", "loopback (embedded in IPv6)"),
    ("64:ff9b::a9fe:a9fe", "link-local (embedded in IPv6)"),
    ("64:ff9b:1::5db8:d822", "local-use NAT64"),
    ("2002:0a00:0001::1", "private (embedded in IPv6)"),
    ("2002:7f00:1::1", "loopback (embedded in IPv6)"),
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "(embedded in IPv6)"),  # Teredo, client 10.0.0.1
    ("2001:db8::1", ""),
    ("::a00:1", ""),  # IPv4-compatible (deprecated)
    ("100::1", ""),  # discard-only
]


@pytest.mark.parametrize(("address", "why"), REFUSED_ADDRESSES)
def test_refusal_reason_names_every_non_public_class(address: str, why: str) -> None:
    reason = refusal_reason(ipaddress.ip_address(address))
    assert reason is not None
    assert why in reason


@pytest.mark.parametrize(
    "address", [PUBLIC, "8.8.8.8", "1.1.1.1", PUBLIC_V6, "2001:4860:4860::8888", "64:ff9b::808:808"]
)
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(("address", "why"), REFUSED_ADDRESSES)
def test_host_resolving_to_a_non_public_address_is_refused(address: str, why: str) -> None:
    web, dns = never_asked(), resolver(internal=address)
    message = refused("https://internal.example.com/s.json", web, dns)
    assert "never fetched" in message
    assert why in message
    assert address not in message  # our network's addresses are not told
    assert web.sessions == []


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "[fd00:ec2::254]", "[::ffff:127.0.0.1]"],
)
def test_address_literals_are_checked_too(host: str) -> None:
    web, dns = never_asked(), resolver()
    assert "never fetched" in refused(f"https://{host}/latest/meta-data/", web, dns)
    assert dns.calls == []
    assert web.sessions == []


def test_one_private_answer_among_public_ones_refuses() -> None:
    web = never_asked()
    dns = resolver(api=[PUBLIC, "10.0.0.7", "8.8.8.8"])
    assert "private" in refused("https://api.example.com/s.json", web, dns)
    assert web.sessions == []


def test_dns_that_changes_its_answer_is_asked_once_and_the_checked_address_used() -> None:
    # Rebinding: public for the check, private for a second look that never comes.
    dns = FakeResolver({"api.example.com": [[PUBLIC], ["127.0.0.1"]]})
    web = Web({"https://api.example.com/s.json": FakeResponse()})
    assert fetch("https://api.example.com/s.json", web, dns) == SPEC
    assert dns.calls == ["api.example.com"]
    assert web.sent[0].address == PUBLIC


def test_unresolvable_and_empty_answers_are_refused() -> None:
    web = never_asked()
    assert "cannot be resolved" in refused("https://nowhere.example.com/", web, resolver())
    empty = FakeResolver({"api.example.com": [[]]})
    assert "cannot be resolved" in refused("https://api.example.com/", web, empty)
    assert web.sessions == []


# --- redirects --------------------------------------------------------------


def test_redirects_are_followed_by_hand_and_each_hop_checked() -> None:
    web = Web(
        {
            "https://api.example.com/s.json": redirect("/v2/s.json", 301),
            "https://api.example.com/v2/s.json": redirect("https://cdn.example.com/s.json", 307),
            "https://cdn.example.com/s.json": FakeResponse(),
        }
    )
    dns = resolver(api=PUBLIC, cdn="8.8.4.4")
    assert fetch("https://api.example.com/s.json", web, dns) == SPEC
    assert [s.url for s in web.sent] == [
        "https://api.example.com/s.json",
        "https://api.example.com/v2/s.json",
        "https://cdn.example.com/s.json",
    ]
    assert dns.calls == ["api.example.com", "api.example.com", "cdn.example.com"]
    assert [s.address for s in web.sent] == [PUBLIC, PUBLIC, "8.8.4.4"]
    assert [s.headers["Host"] for s in web.sent][-1] == "cdn.example.com"


def test_redirect_to_a_private_address_is_refused_before_connecting() -> None:
    web = Web({"https://api.example.com/s.json": redirect("https://internal.example.com/s")})
    dns = resolver(api=PUBLIC, internal="10.0.0.5")
    assert "private" in refused("https://api.example.com/s.json", web, dns)
    assert [s.url for s in web.sent] == ["https://api.example.com/s.json"]


@pytest.mark.parametrize(
    "location",
    [
        "http://api.example.com/s.json",
        "https://169.254.169.254/latest/meta-data/",
        "https://2130706433/",
        "file:///etc/passwd",
    ],
)
def test_redirect_to_a_refused_url_is_refused(location: str) -> None:
    web = Web({"https://api.example.com/s.json": redirect(location)})
    refused("https://api.example.com/s.json", web, resolver(api=PUBLIC))
    assert len(web.sent) == 1


def test_second_hop_to_the_same_host_is_resolved_again() -> None:
    dns = FakeResolver({"api.example.com": [[PUBLIC], ["10.0.0.1"]]})
    web = Web({"https://api.example.com/a": redirect("/b")})
    assert "private" in refused("https://api.example.com/a", web, dns)
    assert len(web.sent) == 1


def test_redirect_loop_stops_after_max_redirects() -> None:
    web = Web({"https://api.example.com/a": redirect("/a")})
    message = refused("https://api.example.com/a", web, resolver(api=PUBLIC))
    assert "more than 3" in message
    assert len(web.sent) == 4  # the first request and three redirects


def test_max_redirects_is_honoured() -> None:
    web = Web(
        {"https://api.example.com/a": redirect("/b"), "https://api.example.com/b": FakeResponse()}
    )
    dns = resolver(api=PUBLIC)
    assert "more than 0" in refused("https://api.example.com/a", web, dns, max_redirects=0)
    assert fetch("https://api.example.com/a", web, dns, max_redirects=1) == SPEC


def test_redirect_without_location_is_refused() -> None:
    web = Web({"https://api.example.com/a": FakeResponse(302, b"", {})})
    assert "without a Location" in refused("https://api.example.com/a", web, resolver(api=PUBLIC))


# --- the answer -------------------------------------------------------------


@pytest.mark.parametrize("status", [201, 204, 304, 401, 403, 404, 500, 503])
def test_non_200_is_refused_with_the_status(status: str) -> None:
    web = Web({"https://api.example.com/s": FakeResponse(status, b"nope", {})})
    assert f"HTTP {status}" in refused("https://api.example.com/s", web, resolver(api=PUBLIC))


@pytest.mark.parametrize(
    "content_type",
    ["text/html; charset=utf-8", "application/octet-stream", "image/png", "text/xml"],
)
def test_wrong_content_type_is_refused(content_type: str) -> None:
    web = Web({"https://api.example.com/s": FakeResponse(headers={"Content-Type": content_type})})
    message = refused("https://api.example.com/s", web, resolver(api=PUBLIC))
    assert "not JSON, YAML or plain text" in message
    assert web.sessions[0].closed


def test_body_past_max_bytes_is_refused_while_streaming() -> None:
    response = FakeResponse(body=[b"x" * 600, b"x" * 600, b"x" * 600])
    web = Web({"https://api.example.com/s": response})
    dns = resolver(api=PUBLIC)
    assert "larger than 1,000 bytes" in refused(
        "https://api.example.com/s", web, dns, max_bytes=1000
    )
    assert response.raw.reads == 2  # stopped at the first chunk past the limit
    assert response.closed


def test_declared_length_past_max_bytes_is_refused_before_reading() -> None:
    response = FakeResponse(headers={"Content-Type": "application/json", "Content-Length": "5000"})
    web = Web({"https://api.example.com/s": response})
    dns = resolver(api=PUBLIC)
    assert "larger than" in refused("https://api.example.com/s", web, dns, max_bytes=1000)
    assert response.raw.reads == 0


def test_body_exactly_max_bytes_is_accepted() -> None:
    web = Web({"https://api.example.com/s": FakeResponse(body=[b"x" * 500, b"x" * 500])})
    assert (
        len(fetch("https://api.example.com/s", web, resolver(api=PUBLIC), max_bytes=1000)) == 1000
    )


# --- time -------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_total_deadline_holds_while_streaming() -> None:
    clock = FakeClock()

    def slow_read() -> None:
        clock.now += 4.0

    response = FakeResponse(body=[b"x"] * 10, on_read=slow_read)
    web = Web({"https://api.example.com/s": response})
    message = refused(
        "https://api.example.com/s", web, resolver(api=PUBLIC), timeout=(1.0, 10.0), clock=clock
    )
    assert "in time" in message
    assert response.raw.reads == 3  # at 4 s, 8 s, then 12 s is past the 10 s budget
    # Every read waits at most what is left of the budget.
    assert response.raw.connection.sock.timeouts == [10.0, 6.0, 2.0]


def test_connect_timeout_is_capped_by_the_total() -> None:
    web = Web({"https://api.example.com/s": FakeResponse()})
    fetch("https://api.example.com/s", web, resolver(api=PUBLIC), timeout=(5.0, 2.0))
    connect, read = web.sent[0].kwargs["timeout"]
    assert connect <= 2.0
    assert read <= 2.0


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (requests.exceptions.ConnectTimeout(), "in time"),
        (requests.exceptions.ReadTimeout(), "in time"),
        (requests.exceptions.SSLError(), "TLS certificate"),
        (requests.exceptions.ConnectionError(), "cannot be reached"),
        (requests.exceptions.TooManyRedirects(), "cannot be reached"),
    ],
)
def test_transport_errors_are_refusals(error: Exception, why: str) -> None:
    web = Web({"https://api.example.com/s": error})
    assert why in refused("https://api.example.com/s", web, resolver(api=PUBLIC))
    assert web.sessions[0].closed


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (urllib3.exceptions.ReadTimeoutError(None, "", "read timed out"), "in time"),
        (TimeoutError(), "in time"),
        (urllib3.exceptions.ProtocolError("connection reset"), "broke"),
        (ConnectionResetError(), "broke"),
    ],
)
def test_errors_while_reading_the_body_are_refusals(error: Exception, why: str) -> None:
    response = FakeResponse(body=[b"{", error])
    web = Web({"https://api.example.com/s": response})
    assert why in refused("https://api.example.com/s", web, resolver(api=PUBLIC))
    assert response.closed


# --- the pinned adapter, on the real requests stack --------------------------


def test_pinned_adapter_pools_connect_to_the_address_and_verify_the_name() -> None:
    adapter = pinned_adapter(PUBLIC, "api.example.com")
    request = requests.Request("GET", "https://api.example.com/openapi.json").prepare()
    pool = adapter.get_connection_with_tls_context(request, verify=True)
    assert pool.host == PUBLIC
    assert pool.port == 443
    assert pool.conn_kw["server_hostname"] == "api.example.com"
    assert pool.assert_hostname == "api.example.com"
    assert pool.cert_reqs == "CERT_REQUIRED"


def test_pinned_adapter_for_an_ipv6_address() -> None:
    adapter = pinned_adapter(PUBLIC_V6, "api.example.com")
    request = requests.Request("GET", "https://api.example.com/").prepare()
    assert adapter.get_connection_with_tls_context(request, verify=True).host == PUBLIC_V6


def test_real_requests_stack_opens_its_socket_to_the_vetted_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """requests + urllib3 + our adapter: the socket goes to the checked IP, never to DNS."""
    import urllib3.util.connection

    opened: list[tuple[str, int]] = []

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        opened.append(address)
        raise ConnectionRefusedError("no network in unit tests")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    dns = FakeResolver({"api.example.com": [[PUBLIC], ["127.0.0.1"]]})
    with pytest.raises(SpecFetchError, match="cannot be reached"):
        fetch_spec("https://api.example.com/openapi.json", max_bytes=MAX_SPEC_BYTES, resolver=dns)
    assert opened == [(PUBLIC, 443)]
    assert dns.calls == ["api.example.com"]


def test_refused_url_never_builds_a_session(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_session() -> Any:
        raise AssertionError("a session was made for a refused URL")

    dns = resolver(internal="10.0.0.1")
    with pytest.raises(SpecFetchError):
        fetch_spec(
            "https://internal.example.com/",
            max_bytes=MAX_SPEC_BYTES,
            resolver=dns,
            session_factory=no_session,
        )
    monkeypatch.setattr(url_fetch, "pinned_adapter", no_session)
    with pytest.raises(SpecFetchError):
        fetch_spec(
            "http://api.example.com/",
            max_bytes=MAX_SPEC_BYTES,
            resolver=dns,
            session_factory=no_session,
        )
