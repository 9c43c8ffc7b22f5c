"""The spec as the rules see it: its operations, its `$ref`s, what to publish.

`Spec` wraps the parsed document once per validation: it lists the
operations (following a Path Item's `$ref`), resolves local `$ref`s with a
memo (the same schema is reached from many operations), finds where
`oneOf`/`anyOf`/`allOf` appear behind an operation's schemas, and builds the
document to publish with only the kept operations and the components they
reach. `Operation` is one operation and the issues the rules find about it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from services.tools import json_pointer
from services.tools.json_pointer import ROOT, child, join
from services.tools.spec_validation.report import (
    Finding,
    Issue,
    OperationReport,
    Severity,
)
from services.tools.spec_validation.schemas import COMPOSITION, merge_first, scan_schema
from services.tools.spec_validation.values import as_dict, as_list
from services.tools.tool_names import full_name

# The HTTP methods of an OpenAPI 3.0/3.1 Path Item (normalization reads them here too).
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(eq=False)
class Operation:
    url: str
    method: str
    node: dict[str, Any]
    base: str  # JSON path of the operation object
    item: dict[str, Any]  # its Path Item (resolved when it is a $ref)
    item_base: str
    operation_id: str | None  # None unless a non-empty string
    issues: list[Issue] = field(default_factory=list)

    @property
    def ident(self) -> tuple[str, str]:
        return (self.url, self.method)

    @property
    def key(self) -> str:
        return self.operation_id or f"{self.method.upper()} {self.url}"

    def report(self, target_name: str, severity: Severity, *, published: bool) -> OperationReport:
        findings = tuple(
            Finding(severity, i.rule, i.path, self.key, i.message, (self.key,)) for i in self.issues
        )
        return OperationReport(
            operation_id=self.operation_id,
            method=self.method.upper(),
            path=self.url,
            tool_name=(full_name(target_name, self.operation_id) if self.operation_id else None),
            servable=not self.issues,
            published=published,
            findings=findings,
        )


class Spec:
    """The document, with local `$ref` resolution memoized."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._resolved: dict[str, tuple[str, Any] | None] = {}
        self._schemas: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {}
        # Every non-local or dangling $ref string found (see refs.py).
        self.bad_refs: set[str] = set()
        self.operations = self._operations()
        self._all_idents = {op.ident for op in self.operations}

    # -- operations --------------------------------------------------------

    def _operations(self) -> list[Operation]:
        ops = []
        for url, raw_item in as_dict(self.document.get("paths")).items():
            item_base = child(child(ROOT, "paths"), str(url))
            _, item = self.deref(item_base, raw_item)
            for method in METHODS:
                node = as_dict(item).get(method)
                if isinstance(node, dict):
                    ops.append(self._operation(str(url), method, node, item, item_base))
        return ops

    @staticmethod
    def _operation(
        url: str, method: str, node: dict[str, Any], item: dict[str, Any], item_base: str
    ) -> Operation:
        op_id = node.get("operationId")
        return Operation(
            url=url,
            method=method,
            node=node,
            base=child(item_base, method),
            item=item,
            item_base=item_base,
            operation_id=op_id if isinstance(op_id, str) and op_id else None,
        )

    def filtered(self, keep: set[tuple[str, str]]) -> dict[str, Any]:
        """The document with only the operations in `keep`, and only the
        components they reach (so publishing ten operations of a large spec
        validates, and ships, ten operations' worth of schemas)."""
        if keep >= self._all_idents:
            return self.document
        paths: dict[str, Any] = {}
        for url, raw_item in as_dict(self.document.get("paths")).items():
            _, item = self.deref("", raw_item)
            methods = [m for m in METHODS if isinstance(as_dict(item).get(m), dict)]
            kept = [m for m in methods if (url, m) in keep]
            if len(kept) == len(methods):
                paths[url] = raw_item  # untouched, or no operation to begin with
            elif kept:
                paths[url] = {k: v for k, v in item.items() if k not in methods or k in kept}
            # else: no operation left, the path goes
        document = _inline_refs_into_removed({**self.document, "paths": paths}, self.document)
        components = self.document.get("components")
        if isinstance(components, dict):
            document["components"] = _used_components(document, components)
        return document

    def reached(self, op: Operation) -> Iterator[str]:
        """The JSON paths of what `op` is made of: its own node, its path
        item's parameters, and every place its `$ref`s lead to (followed
        transitively, each once; callbacks are other operations)."""
        yield op.base
        yield child(op.item_base, "parameters")
        seen: set[str] = set()
        stack: list[Any] = [op.node, op.item.get("parameters")]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref not in seen:
                    seen.add(ref)
                    target = self.resolve(ref)
                    if target is not None:
                        yield target[0]
                        stack.append(target[1])
                stack.extend(v for k, v in node.items() if k != "callbacks")

    # -- references --------------------------------------------------------

    def note_bad_ref(self, ref: str) -> None:
        # As written, and in the forms referencing may name it in Unresolvable
        # (the document part, the fragment part).
        document, _, fragment = ref.partition("#")
        self.bad_refs.update(r for r in (ref, document, fragment) if r)

    def resolve(self, ref: str) -> tuple[str, Any] | None:
        """A local `$ref` ("#/a/b") as (JSON path, node), or None."""
        if ref not in self._resolved:
            self._resolved[ref] = _resolve(self.document, ref)
        return self._resolved[ref]

    def deref(self, path: str, node: Any) -> tuple[str, Any]:
        """Follow `$ref` chains of a Reference Object to the object itself."""
        for _ in range(json_pointer.MAX_REF_HOPS):
            ref = node.get("$ref") if isinstance(node, dict) else None
            target = self.resolve(ref) if isinstance(ref, str) else None
            if target is None:
                return path, node
            path, node = target
        return path, node

    # -- oneOf / anyOf / allOf ---------------------------------------------

    def composition(self, roots: Iterable[tuple[str, Any]]) -> dict[str, str]:
        """Where oneOf/anyOf/allOf first appear in schemas reachable from `roots`.

        Follows local `$ref`s breadth-first; each referenced schema is scanned
        once per call (cycles end there) and its own findings once per spec.
        """
        found: dict[str, str] = {}
        queue: deque[str] = deque()
        for path, schema in roots:
            direct, refs = scan_schema(path, schema)
            merge_first(found, direct)
            queue.extend(refs)
        seen: set[str] = set()
        while queue and len(found) < len(COMPOSITION):
            ref = queue.popleft()
            if ref in seen:
                continue
            seen.add(ref)
            direct, refs = self._schema_node(ref)
            merge_first(found, direct)
            queue.extend(refs)
        return found

    def _schema_node(self, ref: str) -> tuple[dict[str, str], tuple[str, ...]]:
        if ref not in self._schemas:
            target = self.resolve(ref)
            self._schemas[ref] = scan_schema(*target) if target else ({}, ())
        return self._schemas[ref]


def _inline_refs_into_removed(document: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """`document` (the kept operations) where a `$ref` into an operation
    left out is replaced by what it named, so that it still resolves.

    Specs point into other operations ("#/paths/~1keys/get/parameters/0",
    digitalocean.com in benchmarks/corpus): publishing some operations must
    not leave those naming nothing. A chain that comes back to a `$ref`
    being inlined stays a `$ref` (a cycle; validation reports it).
    """
    refs = [r for r in json_pointer.refs_under(document["paths"]) if r.startswith("#/paths/")]
    if not any(
        json_pointer.resolve(document, r) is None and json_pointer.resolve(source, r) is not None
        for r in refs
    ):
        return document

    def inline(node: Any, active: frozenset[str]) -> Any:
        if isinstance(node, list):
            items = [inline(v, active) for v in node]
            return node if all(a is b for a, b in zip(items, node, strict=True)) else items
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in active:
            found = json_pointer.resolve(source, ref) if ref.startswith("#/paths/") else None
            if found is not None and json_pointer.resolve(document, ref) is None:
                return inline(found[1], active | {ref})
        new = {k: inline(v, active) for k, v in node.items()}
        return node if all(new[k] is v for k, v in node.items()) else new

    return {**document, "paths": inline(document["paths"], frozenset())}


def _used_components(document: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The components that the rest of `document` reaches: by local `$ref`,
    transitively, and security schemes by the names its security
    requirements use."""
    keep: dict[str, set[str]] = {}
    seen: set[str] = set()
    stack: list[Any] = [v for k, v in document.items() if k != "components"]
    prefix = "#/components/"
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(prefix) and ref not in seen:
            seen.add(ref)
            parts = [json_pointer.unescape(p) for p in ref[len(prefix) :].split("/")]
            if len(parts) >= 2:
                keep.setdefault(parts[0], set()).add(parts[1])
                target = as_dict(components.get(parts[0])).get(parts[1])
                if target is not None:
                    stack.append(target)
        stack.extend(node.values())
    requirements = list(as_list(document.get("security")))
    for item in as_dict(document.get("paths")).values():
        for method in METHODS:
            requirements.extend(as_list(as_dict(as_dict(item).get(method)).get("security")))
    for requirement in requirements:
        keep.setdefault("securitySchemes", set()).update(as_dict(requirement))
    return {
        section: {k: v for k, v in entries.items() if k in keep.get(section, set())}
        if isinstance(entries, dict)
        else entries
        for section, entries in components.items()
    }


def _resolve(document: dict[str, Any], ref: str) -> tuple[str, Any] | None:
    # "#" alone names the whole document.
    if ref == "#":
        return ROOT, document
    found = json_pointer.resolve(document, ref)
    if found is None:
        return None  # remote, relative, a plain-name anchor, or names nothing
    parts, node = found
    return join(parts), node
