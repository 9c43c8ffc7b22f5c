"""What reaches the model: text it reads that a person reviewing the spec
cannot see.

AgentCore Gateway turns an operation's summary and description, its
parameters' names and descriptions and its schemas' property names and
descriptions into the tool description the agent's model reads. Characters
that render as nothing or reorder what is shown can carry instructions a
reviewer never sees ("tool poisoning", what MCP scanners check for):

- Unicode tag characters U+E0000-U+E007F (invisible ASCII look-alikes);
- zero-width characters U+200B-U+200D, U+2060 (word joiner), U+FEFF;
- bidirectional controls U+202A-U+202E, U+2066-U+2069 and the marks
  U+200E, U+200F, U+061C.

Each place is an issue of every operation whose text reaches it, with its
path and the code point; under on_unsupported "exclude" those operations
are left out. Real specs hold some by accident (a zero-width space pasted
into a description: onsched.com, microsoft.com cognitiveservices-Ocr in
benchmarks/corpus): the finding names the place, so the author can remove
it. Cost: one C-speed search of the serialized document; the walk
that finds where, and which operations reach it, runs only when something
was found.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from services.tools.json_pointer import ROOT, child
from services.tools.spec_validation.document import Operation, Spec
from services.tools.spec_validation.report import Issue

HIDDEN = re.compile(
    "[\U000e0000-\U000e007f\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]"
)
# The keys whose string value is text the model reads.
_TEXT_KEYS = frozenset({"summary", "description", "title"})


def flag_hidden_text(spec: Spec, ops: Sequence[Operation]) -> None:
    """Add an issue to each operation whose text holds a hidden character."""
    # json.dumps escapes nothing of these with ensure_ascii=False: one search.
    if not HIDDEN.search(json.dumps(spec.document, ensure_ascii=False, default=str)):
        return
    places = dict(_places(spec.document, ROOT, None))
    if not places:
        return
    for op in ops:
        for where in spec.reached(op):
            for path, char in places.items():
                if path == where or path.startswith((where + ".", where + "[")):
                    op.issues.append(_issue(path, char))


def _issue(path: str, char: str) -> Issue:
    name = unicodedata.name(char, "unnamed")
    return Issue(
        "hidden-character",
        path,
        f"the text holds U+{ord(char):04X} ({name}), which shows as nothing or reorders what "
        "is shown: the model reads what a reviewer cannot see",
    )


def _places(node: Any, path: str, key: Any) -> Iterator[tuple[str, str]]:
    """(path, first hidden character) of each text the model reads."""
    if isinstance(node, dict):
        for k, v in node.items():
            sub = child(path, str(k))
            if key == "properties" and isinstance(k, str):
                found = HIDDEN.search(k)
                if found:
                    yield sub, found.group()
            if isinstance(v, str):
                named = k == "name" and "in" in node  # a parameter's name
                if k in _TEXT_KEYS or named:
                    found = HIDDEN.search(v)
                    if found:
                        yield sub, found.group()
            elif isinstance(v, (dict, list)) and not _skipped(k):
                yield from _places(v, sub, k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _places(v, child(path, i), None)


def _skipped(key: Any) -> bool:
    """Data (examples, defaults, enums) and extensions: not text the tool
    description is made of."""
    return isinstance(key, str) and (
        key in ("example", "examples", "default", "enum") or key.startswith("x-")
    )
