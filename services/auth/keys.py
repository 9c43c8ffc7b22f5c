"""The identity provider's issuer and signing keys, fetched safely and cached.

AUTH_OIDC_DISCOVERY_URL names the provider's OpenID Connect discovery
document (OpenID Connect Discovery 1.0, section 4); its `issuer` is what
every token's `iss` must equal and its `jwks_uri` serves the public keys
(RFC 7517). Both are fetched with the spec fetcher's safety
(services/tools/url_fetch.py: https, public addresses only, the connection
pinned to the vetted address, every redirect vetted again, a byte cap and a
total deadline), so a discovery document that names an internal `jwks_uri`
is refused like a spec URL would be. The one exception is configuration: a
discovery URL on loopback http (a local emulator) lets that endpoint, and
no other, be fetched over http.

One `KeySource` per process and discovery URL keeps both for `TTL_SECONDS`.
A token signed with a key id the cache does not know refreshes the JWKS, at
most once per `UNKNOWN_KID_REFRESH_SECONDS`: a flood of forged key ids is a
flood of 401s, never of fetches. A provider that cannot be reached while a
cached copy exists (even an expired one, up to `STALE_LIMIT_SECONDS`) keeps
the registry answering with that copy; with nothing cached it is a 503.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from services.errors import SpecFetchError, UnauthenticatedError, UpstreamUnavailableError
from services.logging import logger
from services.tools.url_fetch import NO_EXCEPTIONS, FetchPolicy, fetch_spec

TTL_SECONDS = 3600.0
UNKNOWN_KID_REFRESH_SECONDS = 60.0
# After a failed fetch with nothing cached, the next request may try again
# this much later (a down provider is not asked on every request).
RETRY_AFTER_FAILURE_SECONDS = 5.0
STALE_LIMIT_SECONDS = 86400.0
# Discovery documents and key sets are a few KB (Microsoft Entra ID's JWKS,
# among the largest, is about 10 KB).
MAX_DOCUMENT_BYTES = 128 * 1024
# (connect, total) seconds: a slow provider costs a request at most this.
FETCH_TIMEOUT = (2.0, 5.0)

Fetch = Callable[[str], bytes]


def fetch_policy(discovery_url: str) -> FetchPolicy:
    """NO_EXCEPTIONS, or loopback http for an operator's local emulator.

    Only the configured discovery URL decides this (Settings refuses http on
    any host but 127.0.0.1, localhost and ::1); nothing in a request can.
    """
    parts = urlsplit(discovery_url)
    if parts.scheme != "http":
        return NO_EXCEPTIONS
    port = parts.port or 80
    host = parts.hostname or ""
    addresses = ("127.0.0.1", "::1") if host == "localhost" else (host,)
    for address in addresses:
        if not ipaddress.ip_address(address).is_loopback:  # pragma: no cover - Settings refuses
            raise ValueError(f"{host} is not a loopback host")
    return FetchPolicy(frozenset((a, port) for a in addresses), allow_http=True)


def safe_fetch(policy: FetchPolicy) -> Fetch:
    def fetch(url: str) -> bytes:
        return fetch_spec(
            url, timeout=FETCH_TIMEOUT, max_bytes=MAX_DOCUMENT_BYTES, max_redirects=2, policy=policy
        )

    return fetch


@dataclass
class KeySource:
    """Issuer and keys of one discovery URL (see the module doc)."""

    discovery_url: str
    fetch: Fetch
    clock: Callable[[], float] = time.monotonic
    issuer: str | None = None
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetched_at: float | None = None
    fetches: int = 0
    _jwks_uri: str = ""
    _next_refresh: float = 0.0
    _next_retry: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def current_issuer(self) -> str:
        self._ensure_loaded()
        assert self.issuer is not None  # noqa: S101 - _ensure_loaded sets it
        return self.issuer

    def key(self, kid: str) -> dict[str, Any]:
        """The JWK whose `kid` this is; 401 if the provider has no such key."""
        self._ensure_loaded()
        if kid not in self.keys and self.clock() >= self._next_refresh:
            self._load(refresh_only_keys=True)
        jwk = self.keys.get(kid)
        if jwk is None:
            raise UnauthenticatedError(
                "the token is signed with a key the identity provider does not publish"
            )
        return jwk

    def _ensure_loaded(self) -> None:
        now = self.clock()
        fresh = self.fetched_at is not None and now - self.fetched_at < TTL_SECONDS
        if fresh:
            return
        if self.fetched_at is not None and now < self._next_retry:
            return  # stale, and the provider failed a moment ago: serve the copy
        self._load(refresh_only_keys=False)

    def _load(self, *, refresh_only_keys: bool) -> None:
        with self._lock:
            now = self.clock()
            # Decided before the lock: another thread may have loaded meanwhile.
            if refresh_only_keys and now < self._next_refresh:
                return
            fresh = self.fetched_at is not None and now - self.fetched_at < TTL_SECONDS
            if fresh and not refresh_only_keys:
                return
            if self.fetched_at is None and now < self._next_retry:
                raise _unavailable("it could not be reached a moment ago")
            self._next_refresh = now + UNKNOWN_KID_REFRESH_SECONDS
            try:
                issuer, jwks_uri = (
                    (self.issuer, self._jwks_uri)
                    if refresh_only_keys and self.issuer
                    else self._discover()
                )
                keys = self._keys(jwks_uri)
            except UpstreamUnavailableError:
                self._next_retry = now + RETRY_AFTER_FAILURE_SECONDS
                cached = self.fetched_at
                if cached is not None and now - cached < STALE_LIMIT_SECONDS:
                    logger.warning(
                        "identity provider unreachable: using its cached keys",
                        extra={"step": "auth-keys", "outcome": "stale"},
                    )
                    return
                raise
            self.issuer, self._jwks_uri, self.keys, self.fetched_at = issuer, jwks_uri, keys, now
            logger.info(
                "identity provider keys fetched",
                extra={"step": "auth-keys", "outcome": "fetched", "keys": len(keys)},
            )

    def _discover(self) -> tuple[str, str]:
        document = self._json(self.discovery_url, "discovery document")
        issuer, jwks_uri = document.get("issuer"), document.get("jwks_uri")
        if not isinstance(issuer, str) or not issuer or not isinstance(jwks_uri, str):
            raise _unavailable("its discovery document has no issuer or jwks_uri")
        return issuer, jwks_uri

    def _keys(self, jwks_uri: str) -> dict[str, dict[str, Any]]:
        document = self._json(jwks_uri, "key set")
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise _unavailable("its key set has no keys")
        keys: dict[str, dict[str, Any]] = {}
        for entry in entries:
            # Keys for encryption, or without an id, cannot verify our tokens.
            usable = isinstance(entry, dict) and isinstance(entry.get("kid"), str)
            if usable and entry.get("use", "sig") == "sig":
                keys.setdefault(entry["kid"], entry)
        return keys

    def _json(self, url: str, what: str) -> dict[str, Any]:
        self.fetches += 1
        try:
            body = self.fetch(url)
        except SpecFetchError as exc:
            # The fetcher's messages speak of a spec; here it is the provider's.
            reason = (
                exc.message.replace("the spec at the URL", "the document")
                .replace("spec URL", "URL")
                .replace("the spec ", "the ")
            )
            raise _unavailable(f"its {what} cannot be fetched: {reason}") from None
        try:
            document = json.loads(body)
        except ValueError:
            raise _unavailable(f"its {what} is not JSON") from None
        if not isinstance(document, dict):
            raise _unavailable(f"its {what} is not a JSON object")
        return document


def _unavailable(reason: str) -> UpstreamUnavailableError:
    return UpstreamUnavailableError(
        f"the identity provider cannot be used right now: {reason}",
        [{"service": "IdentityProvider", "message": reason}],
    )


_SOURCES: dict[str, KeySource] = {}


def source_for(discovery_url: str) -> KeySource:
    """This process's KeySource for `discovery_url` (made on first use)."""
    source = _SOURCES.get(discovery_url)
    if source is None:
        source = KeySource(discovery_url, safe_fetch(fetch_policy(discovery_url)))
        _SOURCES[discovery_url] = source
    return source


def forget_sources() -> None:
    """Drop every cached issuer and key set (tests; a changed configuration)."""
    _SOURCES.clear()
