"""The rules about `servers`: where the gateway would send its calls.

AgentCore Gateway calls the URL a spec's `servers` give, so a spec decides
where requests from inside AWS go. A server URL must be an absolute https
URL whose host is written out and public: a variable in the host lets a
caller choose it, and an address that is not public (the one policy is
services.net.address_policy) would send the gateway into a network it
should not reach (SSRF). Host names are resolved only when a resolver is
given: validation itself does no network I/O.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from services.net.address_policy import is_private_name, is_public
from services.tools.json_pointer import ROOT, child
from services.tools.spec_validation.report import Finding, doc_error, short
from services.tools.spec_validation.values import as_list

_INET_ATON_FORM = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$")


def server_findings(
    document: dict[str, Any], resolver: Callable[[str], list[str]] | None
) -> list[Finding]:
    """The document's own `servers` (those of a path or an operation are its
    operation's issues)."""
    findings: list[Finding] = []
    servers = document.get("servers")
    if not isinstance(servers, list) or not servers:
        # The OpenAPI page: "The server attribute needs to have a valid URL of
        # an actual endpoint" (OpenAPI itself would default to "/").
        findings.append(
            doc_error(
                "servers-missing",
                "servers",
                "the spec has no servers: AgentCore Gateway needs the https URL of the API",
            )
        )
    for i, server in enumerate(as_list(servers)):
        path = child(child(ROOT, "servers"), i)
        url = server.get("url") if isinstance(server, dict) else None
        for rule, where, message in server_url_problems(url, child(path, "url"), resolver):
            findings.append(doc_error(rule, where, message))
    return findings


def server_url_problems(
    url: Any, path: str, resolver: Callable[[str], list[str]] | None
) -> Iterator[tuple[str, str, str]]:
    """(rule, path, message) for each problem of one server URL."""
    if not isinstance(url, str) or not url.strip():
        yield "server-url-invalid", path, "a server needs a url"
        return
    shown = short(url)
    scheme, _, rest = url.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0] if rest else ""
    if "{" in scheme or "{" in authority:
        # The OpenAPI page, "Security best practices for URL parameters":
        # avoid `https://{yourDomain}/`-like patterns, which let a caller
        # redirect the gateway to any host (SSRF).
        yield (
            "server-url-templated",
            path,
            f"server URL {shown} has a variable in its scheme or host: the gateway could be "
            "sent to any host; write the host out",
        )
        if "{" in scheme:
            return
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    if not https:
        # The Marketplace guide for AgentCore Gateway: "a valid secure (https)
        # endpoint URL in the server attribute".
        yield "servers-not-https", path, f"server URL {shown} is not an absolute https URL"
    if "{" in authority or not (https or parts.netloc):
        return
    host = parts.hostname
    if not host:
        yield "server-url-invalid", path, f"server URL {shown} has no host"
        return
    problem = _host_problem(host, resolver)
    if problem is not None:
        yield problem[0], path, f"server URL {shown}: {problem[1]}"


def _host_problem(host: str, resolver: Callable[[str], list[str]] | None) -> tuple[str, str] | None:
    """Why the gateway must not call `host`, or None. Never touches the network
    unless `resolver` is given."""
    host = host.rstrip(".").lower()
    literal = _ip_literal(host)
    if literal is not None:
        if is_public(literal):
            return None
        return "server-host-not-public", f"{literal} is not a public address"
    if is_private_name(host):
        return "server-host-not-public", f"'{host}' is not a public host name"
    if resolver is None:
        return None
    return _resolved_host_problem(host, resolver)


def _resolved_host_problem(
    host: str, resolver: Callable[[str], list[str]]
) -> tuple[str, str] | None:
    try:
        addresses = list(resolver(host))
    except Exception as exc:  # a resolver's own failure, e.g. socket.gaierror
        return "server-host-unresolvable", f"'{host}' does not resolve ({type(exc).__name__})"
    if not addresses:
        return "server-host-unresolvable", f"'{host}' does not resolve"
    for address in addresses:
        literal = _ip_literal(str(address))
        if literal is None or not is_public(literal):
            return "server-host-not-public", f"'{host}' resolves to {address}, not a public address"
    return None


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = host.strip("[]")
    try:
        return ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        pass
    # inet_aton's forms ("2130706433", "0x7f.1", "127.1") are IPv4 to HTTP
    # clients too. inet_aton parses; it does no I/O.
    if _INET_ATON_FORM.match(text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None
