"""Local `$ref`s as JSON pointers, and the JSON paths findings and notes name.

A local `$ref` ("#/components/schemas/Pet") is a JSON pointer (RFC 6901) in
a URI fragment: each reference token is percent-decoded (the fragment is
part of a URI), then "~1" is read as "/" and "~0" as "~". Spec validation
(services.tools.spec_validation) resolves `$ref`s to check them and to
follow what an operation uses; spec normalization
(services.tools.spec_normalize) resolves them to merge `allOf` members.
Both read a `$ref` here, so that they always agree on what it names.

Only the document given is ever looked at: a `$ref` that is not local
(remote, relative, a plain-name anchor) resolves to nothing, so nothing is
fetched or opened.

A validation finding and a normalization note both say where they are with
a JSON path, "paths./pets.get.parameters[0]" ("$" for the document itself):
`child` and `join` write it, so that the two name one place alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

# The JSON path of the document itself.
ROOT = "$"

# How many `$ref`s in a row are followed (a `$ref` to a `$ref` ...) before a
# chain counts as a loop: validation and normalization stop at the same hop.
MAX_REF_HOPS = 32


def unescape(token: str) -> str:
    """One reference token of a pointer written in a URI fragment, as the key
    it names."""
    return unquote(token).replace("~1", "/").replace("~0", "~")


def tokens(ref: str) -> list[str] | None:
    """The keys a local pointer ("#/a/b") names, in order; None for any other
    `$ref` (remote, relative, a plain-name anchor, or "#" alone)."""
    if not ref.startswith("#/"):
        return None
    return [unescape(raw) for raw in ref[2:].split("/")]


def resolve(document: dict[str, Any], ref: str) -> tuple[tuple[str | int, ...], Any] | None:
    """A local `$ref` ("#/a/b") as (the keys to its node, list positions as
    ints; the node), or None when it is not local or names nothing. "#" alone
    is None too: what the whole document means as a target is the caller's
    to say."""
    keys = tokens(ref)
    if keys is None:
        return None
    node: Any = document
    parts: list[str | int] = []
    for part in keys:
        if isinstance(node, dict) and part in node:
            node = node[part]
            parts.append(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            parts.append(int(part))
        else:
            return None
    return tuple(parts), node


def follow(document: dict[str, Any], node: Any) -> Any:
    """`node`, or what its chain of local `$ref`s ends at; None when a `$ref`
    names nothing or the chain is longer than MAX_REF_HOPS (a loop)."""
    for _ in range(MAX_REF_HOPS):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            return node
        found = resolve(document, ref)
        if found is None:
            return None
        node = found[1]
    return None


def child(path: str, key: str | int) -> str:
    """The JSON path of `key` under `path`: an int is a list position."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return key if path == ROOT else f"{path}.{key}"


def join(parts: Iterable[Any], start: str = ROOT) -> str:
    """The JSON path of `parts` under `start` (ints are list positions, any
    other part a key)."""
    path = start
    for part in parts:
        path = child(path, part if isinstance(part, int) else str(part))
    return path


def refs_under(node: Any) -> list[str]:
    """Every `$ref` string under `node`."""
    found: list[str] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            stack.extend(v for v in current.values() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, (dict, list)))
    return found
