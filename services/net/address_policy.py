"""The one address policy: which IP addresses count as public.

Every address the registry judges goes through `refusal_reason`: the
addresses the spec fetcher would connect to (services/tools/url_fetch.py)
and the hosts of a spec's `servers`, where AgentCore would send agents'
calls (services/tools/spec_validation/servers.py). A spec whose servers point where
the fetcher would never go is not servable either.

Python's `is_global` alone is not enough: Python 3.11 calls some addresses
global that lead to private ones (6to4 and Teredo carry an IPv4 address,
NAT64 maps one), and carrier-grade NAT and local-use NAT64 reach no public
host.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Addresses the `is_*` flags of Python 3.11 call global but that reach no
# public host: carrier-grade NAT (RFC 6598) and local-use NAT64 (RFC 8215).
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")

# Names that never reach a public host (RFC 6761 special-use names, RFC 6762
# `.local`, RFC 8375 `home.arpa`, ICANN's `.internal`, common LAN suffixes).
PRIVATE_SUFFIXES = (
    "localhost",
    "local",
    "localdomain",
    "internal",
    "lan",
    "home.arpa",
    "test",
    "invalid",
)


def refusal_reason(address: IPAddress) -> str | None:
    """Why `address` is not public (the class it is in), or None if it is."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return "IPv4-mapped IPv6"
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = refusal_reason(embedded)
            if inner is not None:
                return f"{inner} (embedded in IPv6)"
            if address in _NAT64 or address.sixtofour is not None:
                # DNS64 (an IPv6-only or dual-stack VPC) answers 64:ff9b::a.b.c.d
                # for an IPv4-only host, and 6to4's 2002:aabb:ccdd:: relays to
                # a.b.c.d: each as public as the address it carries. Python
                # disagrees with itself here (3.13 and 3.12.4+ file 2002::/16
                # under "private", 3.11 calls it global; the whole NAT64 prefix
                # is "reserved"), so the carried address decides, on every
                # version alike.
                return None
        if address in _LOCAL_NAT64:
            return "local-use NAT64"
        if address.is_site_local:
            return "site-local"
    checks = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("shared (carrier-grade NAT)", address in _SHARED),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("non-global", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def is_public(address: IPAddress) -> bool:
    return refusal_reason(address) is None


def is_private_name(host: str) -> bool:
    """A host name that never reaches a public host: a single label, or a
    special-use or LAN suffix (`host` lower case, without a trailing dot)."""
    return "." not in host or any(host == s or host.endswith("." + s) for s in PRIVATE_SUFFIXES)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition address carries (6to4, Teredo, NAT64).

    Python 3.11 calls 2002:0a00:0001::1 global, yet it leads to 10.0.0.1.
    """
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None
