"""Spec URLs served from memory, for the matrices' refresh flow.

The fault matrix runs in-process with sockets off and the crash matrix
kills children of a zygote that talk only to moto_server: neither has the
HTTPS server tests/unit/test_url_fetch_server.py runs. A flow that fetches
a spec (refresh_tool, tests/flows.py) reads it from `PAGES` instead, while
`serving()` replaces url_fetch's `fetch_spec`: only the network part of the
fetch is faked; the spec pipeline reads what it returns as it would a
server's answer. Any other URL goes to the real fetcher (which refuses it:
no test reaches the network).
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from typing import Any

# URL -> the bytes it serves (a flow's setup sets them, then changes them).
PAGES: dict[str, bytes] = {}


@contextlib.contextmanager
def serving(pages: dict[str, bytes] | None = None) -> Iterator[None]:
    from services.tools import url_fetch

    served = PAGES if pages is None else pages
    real = url_fetch.fetch_spec

    def fetch_spec(url: str, **kwargs: Any) -> bytes:
        return served[url] if url in served else real(url, **kwargs)

    url_fetch.fetch_spec = fetch_spec  # type: ignore[assignment]
    try:
        yield
    finally:
        url_fetch.fetch_spec = real  # type: ignore[assignment]


def encoded() -> dict[str, str]:
    """PAGES for a crash-matrix child (JSON carries text)."""
    return {url: base64.b64encode(body).decode() for url, body in PAGES.items()}


def decoded(pages: dict[str, str]) -> dict[str, bytes]:
    return {url: base64.b64decode(body) for url, body in pages.items()}
