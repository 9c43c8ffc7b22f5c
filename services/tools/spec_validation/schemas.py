"""Where `oneOf`/`anyOf`/`allOf` appear in a schema's own subtree.

AgentCore Gateway documents schema composition as unsupported, so an
operation is judged by every schema it reaches. `scan_schema` walks one
schema through the JSON Schema keywords that hold subschemas and returns the
first place of each composition keyword and the local `$ref`s it makes;
`Spec.composition` (document.py) follows those `$ref`s, each schema scanned
once per spec.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from services.tools.json_pointer import child
from services.tools.spec_validation.values import as_dict, as_list

COMPOSITION = ("oneOf", "anyOf", "allOf")

# JSON Schema keywords whose values are subschemas (Draft 4 to 2020-12).
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
_SUBSCHEMA_ONE = (
    "items",
    "additionalItems",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
)


def scan_schema(path: str, schema: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    """oneOf/anyOf/allOf in a schema's own subtree, and the local $refs it makes."""
    found: dict[str, str] = {}
    refs: list[str] = []
    stack = [(path, schema)]
    while stack:
        here, node = stack.pop()
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            refs.append(ref)
        for keyword in COMPOSITION:
            if keyword in node and keyword not in found:
                found[keyword] = child(here, keyword)
        stack.extend(_subschemas(here, node))
    return found, tuple(refs)


def _subschemas(path: str, schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key in _SUBSCHEMA_LISTS:
        for i, sub in enumerate(as_list(schema.get(key))):
            yield child(child(path, key), i), sub
    for key in _SUBSCHEMA_MAPS:
        for name, sub in as_dict(schema.get(key)).items():
            yield child(child(path, key), str(name)), sub
    for key in _SUBSCHEMA_ONE:
        sub = schema.get(key)
        if isinstance(sub, list):  # Draft 4 tuple `items`
            yield from ((child(child(path, key), i), s) for i, s in enumerate(sub))
        elif isinstance(sub, dict):
            yield child(path, key), sub


def merge_first(found: dict[str, str], more: Mapping[str, str]) -> None:
    """Add what `found` lacks: the first place seen of each keyword stays."""
    for key, value in more.items():
        found.setdefault(key, value)
