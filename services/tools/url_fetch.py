"""Fetch a spec from a caller's URL without opening a way into our network.

The Lambda fetches whatever URL a caller names, so the URL is an SSRF
vector: `https://169.254.169.254/...` (instance metadata), a VPC endpoint, a
name whose DNS answers 10.0.0.5. Each hop is therefore checked the same way:

1. https on port 443 only, no user info, no numeric host spelled in a
   non-canonical way (`2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`: the
   resolver reads them all as 127.0.0.1);
2. the host is resolved once and every address must be global: one private
   answer among public ones refuses the URL;
3. the connection goes to the exact address that was checked (a pinned
   `HTTPAdapter`), with SNI and certificate checks for the host name, so a
   second DNS answer (rebinding) is never asked for;
4. redirects are not followed by requests: each `Location` is a new URL
   that goes through 1-3, at most `max_redirects` times;
5. the body is streamed and dropped past `max_bytes`, under a connect
   timeout and a total deadline.

Every refusal is a `SpecFetchError` saying why, without the resolved address
(which would tell the caller about our network) or the URL's query.

`FetchPolicy` exists for tests only. A test that serves a spec from a real
HTTPS server on 127.0.0.1 needs two of the rules above relaxed for that one
server: its address is loopback and its port is not 443. A policy names
exact (loopback address, port) pairs; for a hop whose every address is
named with that hop's port, and for no other, the address refusal and the
port-443 rule are skipped, and its `ca_bundle` (the test's own CA) is what
verifies the certificate. Everything else holds for every hop: https only,
no user info, each redirect vetted again, the byte cap, the deadline, the
content type, and the certificate checked against the host name.

No request can reach a policy. `fetch_spec` defaults to `NO_EXCEPTIONS`
(nothing allowed, the system's CA bundle); the only other values come from
`Runtime.fetch_policy`, an attribute that nothing but code sets (the
request models have no such field, `Settings` reads no such variable, and
`build_runtime` leaves it unset), and from the operator's own
AUTH_OIDC_DISCOVERY_URL when it names a local emulator on loopback http
(services/auth/keys.py: `allow_http` is set for that endpoint only). A
policy also refuses to name anything but a loopback address, so even a
misplaced one can never open a private network, the instance metadata
address or a public host with a custom CA.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from services.errors import SpecFetchError
from services.net.address_policy import IPAddress, refusal_reason

if TYPE_CHECKING:
    import requests
    from requests.adapters import HTTPAdapter

# socket.getaddrinfo's shape: (family, type, proto, canonname, sockaddr) tuples.
Resolver = Callable[..., Sequence[tuple[Any, ...]]]

_HTTPS_PORT = 443
_HTTP_PORT = 80
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_USER_AGENT = "agentcore-tool-registry (OpenAPI spec fetch)"
_ACCEPT = "application/json, application/yaml, text/yaml, text/plain;q=0.5"
_SPEC_MEDIA_TYPES = frozenset(
    {
        "application/json",
        "application/yaml",
        "application/x-yaml",
        "application/vnd.oai.openapi",
        "text/yaml",
        "text/x-yaml",
        "text/json",
        "text/plain",
    }
)
# WHATWG URL: a host whose last label is a number is an IPv4 address in some
# spelling (decimal, octal, hex, shortened); only the dotted quad is allowed.
_NUMBER_LABEL = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")
_HOST_NAME = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?$")


@dataclass(frozen=True)
class FetchPolicy:
    """Test-only exceptions to the address and port rules (see the module doc).

    `allowed_endpoints` holds (loopback address, port) pairs; `ca_bundle` is
    a PEM file that verifies the certificates of those endpoints only;
    `allow_http` lets those endpoints (and no other) be reached over http.
    """

    allowed_endpoints: frozenset[tuple[str, int]] = frozenset()
    ca_bundle: str | None = None
    allow_http: bool = False

    def __post_init__(self) -> None:
        canonical: set[tuple[str, int]] = set()
        for address, port in self.allowed_endpoints:
            parsed = ipaddress.ip_address(address)  # ValueError for a host name
            if not parsed.is_loopback:
                raise ValueError(f"a fetch policy may allow loopback addresses only, not {address}")
            if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
                raise ValueError(f"invalid port {port!r} in a fetch policy")
            canonical.add((str(parsed), port))
        object.__setattr__(self, "allowed_endpoints", frozenset(canonical))

    def allows(self, address: IPAddress, port: int) -> bool:
        return (str(address), port) in self.allowed_endpoints

    def names_port(self, port: int) -> bool:
        return any(allowed_port == port for _, allowed_port in self.allowed_endpoints)


# What every request gets: no exceptions, the system's CA bundle.
NO_EXCEPTIONS = FetchPolicy()


@dataclass(frozen=True)
class Hop:
    """One checked URL: where to connect and what to call the host."""

    url: str  # without the fragment
    host: str  # ASCII host name (or address) for SNI, certificate and Host
    address: str  # the vetted address the connection goes to
    is_literal: bool  # the URL named an address, not a host name
    # Verifies the server's certificate: True for the system's CA bundle, or
    # the path of a FetchPolicy's bundle for an endpoint the policy allows.
    verify: bool | str = True


def fetch_spec(
    url: str,
    *,
    max_bytes: int,
    timeout: tuple[float, float] = (3.05, 10.0),
    max_redirects: int = 3,
    resolver: Resolver = socket.getaddrinfo,
    session_factory: Callable[[], requests.Session] | None = None,
    clock: Callable[[], float] = time.monotonic,
    policy: FetchPolicy = NO_EXCEPTIONS,
) -> bytes:
    """The body of `url`, at most `max_bytes` (the caller's bound: a spec's,
    a key set's); `timeout` is (connect, total) in seconds."""
    import requests

    connect_timeout, total_timeout = timeout
    deadline = _Deadline(clock() + total_timeout, clock)
    factory = session_factory or requests.Session
    current = url
    for hop in range(max_redirects + 1):
        target = vet_url(current, resolver, policy)
        location, body = _get(target, factory, connect_timeout, deadline, max_bytes)
        if location is None:
            return body
        if hop == max_redirects:
            break
        current = location
    raise SpecFetchError(f"the spec URL redirects more than {max_redirects} times")


# --- checking a URL ---------------------------------------------------------


def vet_url(
    url: str, resolver: Resolver = socket.getaddrinfo, policy: FetchPolicy = NO_EXCEPTIONS
) -> Hop:
    """Check `url` and resolve its host once; refuse anything not public https.

    `policy` may name loopback endpoints that pass as if public on port 443.
    """
    if any(ch <= " " or ch in "\x7f\\" for ch in url):
        # Parsers disagree on spaces, controls and backslashes: refuse, don't guess.
        raise SpecFetchError("the spec URL holds spaces, control characters or backslashes")
    parts = urlsplit(url)
    http = parts.scheme == "http" and policy.allow_http
    if parts.scheme != "https" and not http:
        scheme = f"{parts.scheme}:" if parts.scheme else "no scheme"
        raise SpecFetchError(f"only https:// spec URLs are fetched, not {scheme[:20]}")
    if "@" in parts.netloc:
        raise SpecFetchError("the spec URL must not carry a user name or password")
    try:
        port = parts.port
    except ValueError:
        raise SpecFetchError("the spec URL has an invalid port") from None
    port = (_HTTP_PORT if http else _HTTPS_PORT) if port is None else port
    if port != _HTTPS_PORT and not policy.names_port(port):
        # Other ports are where internal services listen; public specs use 443.
        raise SpecFetchError("the spec URL must use port 443")
    host = parts.hostname or ""
    literal = _literal_address(host)
    if literal is None:
        host = _ascii_host(host)
        addresses = _resolve(host, resolver)
    else:
        addresses = [literal]
    allowed = all(policy.allows(address, port) for address in addresses)
    if http and not allowed:
        raise SpecFetchError("only https:// spec URLs are fetched, not http:")
    if not allowed:
        for address in addresses:
            reason = refusal_reason(address)
            if reason is not None:
                raise SpecFetchError(
                    f"the spec host {host} resolves to a {reason} address, which is never fetched"
                )
        if port != _HTTPS_PORT:
            raise SpecFetchError("the spec URL must use port 443")
    # IPv4 first: a Lambda outside a dual-stack VPC has no IPv6 route.
    chosen = sorted(addresses, key=lambda a: a.version)[0]
    clean = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
    verify: bool | str = policy.ca_bundle if allowed and policy.ca_bundle else True
    return Hop(clean, host, str(chosen), literal is not None, verify)


def _literal_address(host: str) -> IPAddress | None:
    """The address a numeric host names; a non-canonical spelling is refused."""
    if not host:
        raise SpecFetchError("the spec URL has no host")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    last_label = host.rstrip(".").rpartition(".")[2]
    if _NUMBER_LABEL.match(last_label):
        raise SpecFetchError(
            "the spec URL's host is a number in a non-canonical form: write the address "
            "as a dotted quad, or use a host name"
        )
    return None


def _ascii_host(host: str) -> str:
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise SpecFetchError("the spec URL's host is not a valid host name") from None
    if not _HOST_NAME.match(ascii_host):
        raise SpecFetchError("the spec URL's host is not a valid host name")
    # "api.example.com." is the same host; certificates name it without the dot.
    return ascii_host.rstrip(".")


def _resolve(host: str, resolver: Resolver) -> list[IPAddress]:
    try:
        answers = resolver(host, _HTTPS_PORT, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise SpecFetchError(f"the spec host {host} cannot be resolved") from None
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            address = ipaddress.ip_address(str(answer[4][0]))
        except (ValueError, IndexError, TypeError):
            raise SpecFetchError(f"the spec host {host} resolves to an unusable address") from None
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise SpecFetchError(f"the spec host {host} cannot be resolved")
    return addresses


# --- one request ------------------------------------------------------------


def _get(
    target: Hop,
    factory: Callable[[], requests.Session],
    connect_timeout: float,
    deadline: _Deadline,
    max_bytes: int,
) -> tuple[str | None, bytes]:
    """(the next URL, b"") for a redirect, else (None, the body)."""
    remaining = deadline.remaining()
    session = factory()
    try:
        # No proxy, .netrc or CA bundle taken from the environment.
        session.trust_env = False
        session.mount("https://", pinned_adapter(target.address, target.host, target.is_literal))
        # Plain http only ever reaches an endpoint a policy allows: no SNI to send.
        session.mount("http://", pinned_adapter(target.address, target.host, is_literal=True))
        response = _send(session, target, (min(connect_timeout, remaining), remaining))
        try:
            return _answer(target, response, deadline, max_bytes)
        finally:
            response.close()
    finally:
        session.close()


def _send(
    session: requests.Session, target: Hop, timeout: tuple[float, float]
) -> requests.Response:
    import requests

    try:
        return session.get(
            target.url,
            headers=_headers(target),
            allow_redirects=False,
            stream=True,
            verify=target.verify,
            timeout=timeout,
        )
    except requests.exceptions.SSLError:
        raise SpecFetchError(f"the TLS certificate of {target.host} is not valid") from None
    except requests.exceptions.Timeout:
        raise SpecFetchError(f"the spec host {target.host} did not answer in time") from None
    except requests.exceptions.RequestException:
        raise SpecFetchError(f"the spec host {target.host} cannot be reached") from None


def _headers(target: Hop) -> dict[str, str]:
    host = target.host if not target.is_literal else _host_header(target.address)
    port = urlsplit(target.url).port
    if port is not None and port not in (_HTTPS_PORT, _HTTP_PORT):
        # RFC 9110 7.2: a port other than the scheme's default is part of Host.
        host = f"{host}:{port}"
    return {
        # The connection goes to an address: the server must still see its name.
        "Host": host,
        "Accept": _ACCEPT,
        # max_bytes then bounds what the server sends, with no inflating to do.
        "Accept-Encoding": "identity",
        "User-Agent": _USER_AGENT,
    }


def _host_header(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _answer(
    target: Hop, response: requests.Response, deadline: _Deadline, max_bytes: int
) -> tuple[str | None, bytes]:
    status = response.status_code
    if status in _REDIRECTS:
        location = response.headers.get("Location")
        if not location:
            raise SpecFetchError(f"the spec URL answered HTTP {status} without a Location")
        return urljoin(target.url, location.strip()), b""
    if status != 200:
        raise SpecFetchError(f"the spec URL answered HTTP {status}, not 200")
    _check_content_type(response.headers.get("Content-Type"))
    _check_declared_length(response.headers.get("Content-Length"), max_bytes)
    return None, _read_body(response, deadline, max_bytes)


def _check_content_type(value: str | None) -> None:
    if not value:
        return  # no claim made: the content decides when it is parsed
    media_type = value.split(";", 1)[0].strip().lower()
    if media_type in _SPEC_MEDIA_TYPES or media_type.endswith(("+json", "+yaml")):
        return
    raise SpecFetchError(f"the spec URL serves {media_type[:80]!r}, not JSON, YAML or plain text")


def _check_declared_length(value: str | None, max_bytes: int) -> None:
    if value and value.strip().isdigit() and int(value) > max_bytes:
        raise SpecFetchError(_too_large(max_bytes))


def _read_body(response: requests.Response, deadline: _Deadline, max_bytes: int) -> bytes:
    """The body, one network read at a time so the deadline holds between reads."""
    import urllib3.exceptions

    raw = response.raw
    body = bytearray()
    while True:
        _set_read_timeout(raw, deadline.remaining())
        try:
            chunk = raw.read1(_CHUNK, decode_content=True)
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
            raise SpecFetchError("the spec URL did not send its body in time") from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise SpecFetchError("the spec URL's connection broke while reading") from None
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > max_bytes:
            raise SpecFetchError(_too_large(max_bytes))


def _set_read_timeout(raw: Any, seconds: float) -> None:
    """Shrink the socket timeout to what is left of the total deadline.

    requests sets one read timeout for every read; without this a server
    that trickles a byte just before each timeout could hold the Lambda far
    past the deadline.
    """
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(seconds)


@dataclass(frozen=True)
class _Deadline:
    """The total time budget, read from a monotonic clock (wall time can jump)."""

    at: float
    clock: Callable[[], float]

    def remaining(self) -> float:
        left = self.at - self.clock()
        if left <= 0:
            raise SpecFetchError("the spec URL did not answer in time")
        return left


def _too_large(max_bytes: int) -> str:
    return f"the spec at the URL is larger than {max_bytes:,} bytes"


# --- connecting to the vetted address ---------------------------------------


def pinned_adapter(address: str, host: str, is_literal: bool = False) -> HTTPAdapter:
    """An HTTPAdapter whose connections go to `address`, whatever the URL's host.

    The URL keeps the host name, so requests and urllib3 verify the
    certificate against it (`assert_hostname`) and send it as SNI
    (`server_hostname`); only the socket's destination is replaced.
    """
    return _pinned_adapter_class()(address, None if is_literal else host)


@cache
def _pinned_adapter_class() -> Callable[[str, str | None], HTTPAdapter]:
    # Built on first use: importing requests costs every cold start that
    # never fetches a URL.
    from requests.adapters import HTTPAdapter

    class PinnedAdapter(HTTPAdapter):
        def __init__(self, address: str, server_hostname: str | None) -> None:
            self.address = address
            self.server_hostname = server_hostname
            super().__init__(max_retries=0)

        def build_connection_pool_key_attributes(
            self, request: Any, verify: Any, cert: Any = None
        ) -> tuple[dict[str, Any], dict[str, Any]]:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(
                request, verify, cert
            )
            host_params["host"] = self.address
            if self.server_hostname is not None:
                pool_kwargs["server_hostname"] = self.server_hostname
                pool_kwargs["assert_hostname"] = self.server_hostname
            return host_params, pool_kwargs

    return PinnedAdapter
