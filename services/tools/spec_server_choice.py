"""Which of a spec's servers the gateway calls: a choice that keeps meaning.

A `servers` list (the document's, a path's or an operation's) names
alternatives: the same API at several URLs (OpenAPI 3.x, Server Object).
AgentCore Gateway needs one it can call: an absolute https URL with a
public host written out (spec_validation/servers.py says why). Public specs
often list an https server next to one that is not (`http://`, `localhost`,
a host left to a variable); validation refused the whole spec for the one
it cannot call. Here, when some server of the list cannot be called, the
list published is the first server that can: as written, or else with each
variable replaced by its `default` ("the default value to use for
substitution, which SHALL be sent if an alternate value is not supplied":
the gateway supplies none). A host fixed at registration is then checked
like any other, so no caller can choose it (the OpenAPI page's "Security
best practices for URL parameters").

A relative server URL ("/api") is, in OpenAPI, relative to where the
document is served: for a spec fetched from a URL (a `url` source) it is
resolved against that URL, as registered; a spec sent as bytes has no such
place, and its relative servers stay refused. Only a path ("/api", "v1")
or a scheme-relative reference ("//api.example.com", which names its own
host and takes https from the spec's URL) is resolved: an empty URL, a
bare query or fragment would be the spec's own URL. A spec with no
`servers` at all is not given one (OpenAPI's default, "/", would be a
guess here: the author did not say).

A list the validation accepts as it is, is never changed; nor one with no
server the gateway can call even so (validation reports it).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from services.tools.spec_validation.servers import server_url_problems

_VARIABLE = re.compile(r"\{([^{}]*)\}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_USERINFO = re.compile(r"(//)[^/@\s']*@")


def choose(servers: Any, base_url: str | None = None) -> tuple[list[dict[str, Any]], str] | None:
    """The servers to publish and what changed, or None to keep `servers`.
    `base_url`: where the spec was fetched from, if it was."""
    if not isinstance(servers, list) or not servers:
        return None
    if all(isinstance(s, dict) and _callable(s.get("url")) for s in servers):
        return None
    for server in servers:
        if not isinstance(server, dict):
            continue
        if _callable(server.get("url")):
            return [server], _change(server, server["url"], len(servers), "")
        filled = with_defaults(server)
        url = _absolute(filled, base_url)
        if url is None or not _callable(url):
            continue
        how = []
        if filled != server["url"]:
            how.append(f"{server['url']!r} with its variables' defaults")
        if url != filled:
            how.append(f"{filled!r} resolved against the URL the spec was fetched from")
        published: dict[str, Any] = {"url": url}
        if isinstance(server.get("description"), str):
            published["description"] = server["description"]
        return [published], _change(server, url, len(servers), f" ({'; '.join(how)})")
    return None


def with_defaults(server: Any) -> str | None:
    """A server's URL with every `{variable}` replaced by its default; None
    when it is not a server, or a variable has no string default."""
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


def _change(server: dict[str, Any], url: str, alternatives: int, how: str) -> str:
    # The note goes on the record: a password in a URL's user info must not.
    change = f"published the server {_shown(url)!r}{_shown(how)}"
    if alternatives > 1:
        change += (
            f", the first of the {alternatives} alternatives listed that AgentCore Gateway "
            "can call (https, a public host written out)"
        )
    return change


def _shown(text: str) -> str:
    """`text` with the user info of every URL in it (`user:secret@`) cut."""
    return _USERINFO.sub(r"\1", text)


def _absolute(url: str | None, base_url: str | None) -> str | None:
    """A relative server URL resolved against `base_url` (RFC 3986, as
    OpenAPI says: "relative to the location where the OpenAPI document is
    being served"); any other as it is. Only a path or a scheme-relative
    reference is resolved (see the module's docstring)."""
    if url is None or base_url is None or _SCHEME.match(url):
        return url
    if not url or url != url.strip() or url.startswith(("?", "#")):
        return url
    return urljoin(base_url, url)


def _callable(url: Any) -> bool:
    """Whether the gateway can call `url`: the rules validation applies (a
    variable in the path is allowed), with no name resolved."""
    return isinstance(url, str) and not any(server_url_problems(url, "", None))
