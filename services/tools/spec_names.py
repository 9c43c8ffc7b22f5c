"""Tool names for operations that have none AgentCore Gateway can use.

AgentCore Gateway uses an operation's `operationId` as its tool name
(services/tools/tool_names.py), so an operation without one, or with one
outside the tool-name alphabet ("pets.list", "List pets", "/v1/pets"), cannot
be served as it is. Its name is not what it does, so one is made, and the
normalizer (spec_normalize) writes it into the published document with a
note:

- an `operationId` outside the alphabet: each run of other characters
  becomes "_" ("pets.list" -> "pets_list");
- no `operationId` (or nothing left of it): the method and path,
  "GET /pets/{petId}" -> "get_pets_petId".

Deterministic (the same document always gives the same names: paths and
methods in document order), unique (a name already taken, by the author's
own valid operationIds first, gets "_2", "_3" ...), and at most
`MAX_MADE_NAME` characters (a longer one keeps a prefix and 8 hex digits of
the sha256 of what it was made from). The author's valid operationIds are
never changed, duplicates among them included: those stay validation's
finding.

Which operations were renamed (each operation's original `operationId`, and
its method and path) is returned with the plan, so that include_operations
and exclude_operations can take either name and the record keep both.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from services.tools.spec_validation.document import METHODS
from services.tools.tool_names import TOOL_NAME_PATTERN

# A made name stays well inside the 256-character tool name with any target
# name (models: at most 100) and "___".
MAX_MADE_NAME = 128
_OUTSIDE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class OperationName:
    """One made name: the operation (method upper case, path), what it had
    (None: no operationId), and the name it is published under."""

    method: str
    path: str
    original: Any
    name: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.name,
            "original_operation_id": self.original,
            "method": self.method,
            "path": self.path,
        }


def usable(operation_id: Any) -> bool:
    """Whether an operationId is in the tool-name alphabet (kept as it is)."""
    return isinstance(operation_id, str) and bool(TOOL_NAME_PATTERN.match(operation_id))


def plan(document: dict[str, Any]) -> dict[tuple[str, str], OperationName]:
    """(path, method) -> the name made for it, for every operation of
    `paths` whose operationId is missing or unusable."""
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return {}
    operations = [
        (path, method, item[method])
        for path, item in paths.items()
        if isinstance(path, str) and isinstance(item, dict)
        for method in item
        if method in METHODS and isinstance(item[method], dict)
    ]
    taken = {op.get("operationId") for _, _, op in operations if usable(op.get("operationId"))}
    names: dict[tuple[str, str], OperationName] = {}
    for path, method, operation in operations:
        original = operation.get("operationId")
        if usable(original):
            continue
        base = _clean(original) if isinstance(original, str) else ""
        source = original if base else f"{method} {path}"
        name = _unique(_bounded(base or _clean(f"{method} {path}"), source), taken)
        taken.add(name)
        names[(path, method)] = OperationName(method.upper(), path, original, name)
    return names


def aliases(names: list[OperationName]) -> dict[str, list[str]]:
    """What include_operations/exclude_operations may also say for each
    made name: the original operationId and "METHOD /path"."""
    out: dict[str, list[str]] = {}
    for made in names:
        if isinstance(made.original, str) and made.original:
            out.setdefault(made.original, []).append(made.name)
        out.setdefault(f"{made.method} {made.path}", []).append(made.name)
    return out


def _clean(text: str) -> str:
    return _OUTSIDE.sub("_", text).strip("_")


def _bounded(name: str, source: Any) -> str:
    if len(name) <= MAX_MADE_NAME:
        return name or "operation"
    digest = hashlib.sha256(str(source).encode()).hexdigest()[:8]
    return f"{name[: MAX_MADE_NAME - 9]}_{digest}"


def _unique(name: str, taken: set[Any]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        suffix = f"_{n}"
        candidate = f"{name[: MAX_MADE_NAME - len(suffix)]}{suffix}"
    return candidate
