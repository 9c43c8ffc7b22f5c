"""Where in a spec's text a finding's JSON path is: its line and column.

Findings and normalization notes name a place with a JSON path
(services/tools/json_pointer.py: "paths./pets.get.parameters[0]"). A
person fixing a spec, or a code-scanning tool placing a finding on a line
(SARIF), needs the line and column in the file instead. PyYAML's composer
keeps each node's start mark, and JSON is YAML here (the intake parses
both with the same safe loader), so composing the text once gives a tree
to walk.

A path's keys may themselves hold dots or brackets (`paths./v1.2/pets`), so
each step takes the longest key of the mapping that the rest of the path
starts with. A path that goes on through a local `$ref` (an operation
of a Path Item given by reference, say) continues where the `$ref` points:
the line shown is the one to edit. A path that goes where the text has
nothing (a place the normalization made, say) is located at its deepest
existing ancestor.
Lines and columns count from 1, as SARIF's `region` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from services.tools.json_pointer import MAX_REF_HOPS, ROOT, tokens

_INDEX = re.compile(r"^\[(\d+)\]")


@dataclass(frozen=True)
class Location:
    line: int
    column: int
    # Whether the whole path was found (else: its deepest ancestor's place).
    exact: bool


class SpecText:
    """A spec's text, composed once, that locates JSON paths."""

    def __init__(self, text: str) -> None:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        self._root = yaml.compose(text, Loader=loader)

    def locate(self, path: str) -> Location | None:
        """The line and column of `path`, or None for an empty document."""
        node = self._root
        if node is None:
            return None
        # A mapping's member is shown at its key (`get:`), where a person
        # looks; a list's item at the item.
        shown = node
        rest = "" if path == ROOT else path
        hops = 0
        while rest:
            found = self._step(node, rest)
            if found is None and hops < MAX_REF_HOPS:
                # The path goes on through a `$ref` (a Path Item, parameter
                # or schema given by reference): continue where it points.
                target = self._referenced(node)
                if target is not None:
                    node, hops = target, hops + 1
                    continue
            if found is None:
                return _at(shown, exact=False)
            node, shown, rest = found
        return _at(shown, exact=True)

    def _referenced(self, node: Any) -> Any:
        """The node a mapping's local `$ref` names, or None."""
        import yaml

        if not isinstance(node, yaml.MappingNode):
            return None
        ref = next((v.value for k, v in node.value if k.value == "$ref"), None)
        keys = tokens(ref) if isinstance(ref, str) else None
        target = self._root
        for key in keys or ():
            found = self._member(target, key)
            if found is None:
                return None
            target = found
        return target if keys else None

    @staticmethod
    def _member(node: Any, key: str) -> Any:
        """A mapping's value at `key`, a sequence's item at index `key`, or None."""
        import yaml

        if isinstance(node, yaml.MappingNode):
            return next((v for k, v in node.value if str(k.value) == key), None)
        if isinstance(node, yaml.SequenceNode) and key.isdigit() and int(key) < len(node.value):
            return node.value[int(key)]
        return None

    @staticmethod
    def _step(node: Any, rest: str) -> tuple[Any, Any, str] | None:
        """The child `rest` starts with, where to show it, and what is left
        of the path."""
        import yaml

        if isinstance(node, yaml.SequenceNode):
            index = _INDEX.match(rest)
            if index is None or int(index.group(1)) >= len(node.value):
                return None
            item = node.value[int(index.group(1))]
            return item, item, _after(rest[index.end() :])
        if not isinstance(node, yaml.MappingNode):
            return None
        best: tuple[Any, Any, str] | None = None
        longest = -1
        for key, value in node.value:
            name = str(key.value)
            if len(name) > longest and _starts_with_key(rest, name):
                best, longest = (value, key, _after(rest[len(name) :])), len(name)
        return best


def _starts_with_key(rest: str, name: str) -> bool:
    return rest.startswith(name) and (len(rest) == len(name) or rest[len(name)] in ".[")


def _after(rest: str) -> str:
    return rest[1:] if rest.startswith(".") else rest


def _at(node: Any, *, exact: bool) -> Location:
    mark = node.start_mark
    return Location(line=mark.line + 1, column=mark.column + 1, exact=exact)
