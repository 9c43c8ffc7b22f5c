"""Which of a spec's servers the gateway calls: a choice that keeps meaning.

A `servers` list (the document's, a path's or an operation's) names
alternatives: the same API at several URLs (OpenAPI 3.x, Server Object).
AgentCore Gateway needs one it can call: an absolute https URL with a
public host written out (spec_validation/servers.py says why). Public specs
often list an https server next to one that is not (`http://`, `localhost`,
a host left to a variable); validation refused the whole spec for the one
it cannot call. Here, when some server of the list cannot be called or has
variables, the list published is the first server that can, with each
variable replaced by its `default` ("the default value to use for
substitution, which SHALL be sent if an alternate value is not supplied":
the gateway supplies none). A host fixed at registration is then checked
like any other, so no caller can choose it (the OpenAPI page's "Security
best practices for URL parameters").

A relative server URL ("/api") is, in OpenAPI, relative to where the
document is served: for a spec fetched from a URL (a `url` source) it is
resolved against that URL, as registered; a spec sent as bytes has no such
place, and its relative servers stay refused. A spec with no `servers` at
all is not given one (OpenAPI's default, "/", would be a guess here: the
author did not say).

When no server of the list can be called even so, it is left as it is and
validation reports it. A list whose servers can all be called, without
variables, is never changed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from services.tools.spec_validation.servers import server_url_problems

_VARIABLE = re.compile(r"\{([^{}]*)\}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def choose(servers: Any, base_url: str | None = None) -> tuple[list[dict[str, Any]], str] | None:
    """The servers to publish and what changed, or None to keep `servers`.
    `base_url`: where the spec was fetched from, if it was."""
    if not isinstance(servers, list) or not servers:
        return None
    urls = [(server, _absolute(_with_defaults(server), base_url)) for server in servers]
    callable_ = [(server, url) for server, url in urls if url is not None and _callable(url)]
    if not callable_:
        return None
    as_written = [server for server, url in callable_ if url == server.get("url")]
    if len(as_written) == len(servers):
        return None
    server, url = callable_[0]
    published: dict[str, Any] = {"url": url}
    if isinstance(server.get("description"), str):
        published["description"] = server["description"]
    change = f"published the server {url!r}"
    if _VARIABLE.search(server["url"]):
        change += f" ({server.get('url')!r} with its variables' defaults)"
    if _relative(_with_defaults(server) or ""):
        change += f" ({server.get('url')!r} is relative to the URL the spec was fetched from)"
    if len(servers) > 1:
        change += (
            f", the first of the {len(servers)} alternatives listed that AgentCore Gateway can "
            "call (https, a public host written out)"
        )
    return [published], change


def _with_defaults(server: Any) -> str | None:
    """The server's URL with every `{variable}` replaced by its default; None
    when it is not a server, or a variable has no default."""
    if not isinstance(server, dict) or not isinstance(server.get("url"), str):
        return None
    variables = server.get("variables")
    variables = variables if isinstance(variables, dict) else {}
    missing = False

    def default(match: re.Match[str]) -> str:
        nonlocal missing
        variable = variables.get(match.group(1))
        value = variable.get("default") if isinstance(variable, dict) else None
        if not isinstance(value, str):
            missing = True
            return match.group(0)
        return value

    url = _VARIABLE.sub(default, server["url"])
    return None if missing else url


def _relative(url: str) -> bool:
    """Whether `url` is a relative reference ("/api", "v1", "//host/api"): no scheme."""
    return not _SCHEME.match(url)


def _absolute(url: str | None, base_url: str | None) -> str | None:
    """A relative server URL resolved against `base_url` (RFC 3986, as
    OpenAPI says: "relative to the location where the OpenAPI document is
    being served"); any other as it is."""
    if url is None or base_url is None or not url.strip() or not _relative(url):
        # An empty URL would be the spec's own URL: no server was written.
        return url
    return urljoin(base_url, url)


def _callable(url: str) -> bool:
    """Whether the gateway can call `url`: the rules validation applies, with
    no name resolved (creating the tool resolves it, as for any server)."""
    return "{" not in url and not any(server_url_problems(url, "", None))
