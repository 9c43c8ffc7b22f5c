"""The rules about `$ref`s: local only, and each must name something.

`ref_findings` reports every `$ref` that is not local or names nothing in
the document (its docstring says why). One inside an operation, or in its
Path Item, is that operation's issue, so that on_unsupported "exclude" can
leave out just that operation; elsewhere it is the document's. Each bad
`$ref` is noted on the `Spec` (`bad_refs`), so that the OpenAPI validator
failing on the same `$ref` is not reported twice (openapi_validator.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from services.tools.json_pointer import ROOT, child
from services.tools.spec_validation.document import METHODS, Operation, Spec
from services.tools.spec_validation.report import Finding, Issue, doc_error, short
from services.tools.spec_validation.values import as_dict

# Keys whose values are data, not spec: a `$ref` in an example is not followed.
_LITERAL_KEYS = frozenset({"example", "default", "enum", "const"})
# Keys whose dict values are keyed by names, where a key "example" is a name.
_NAME_MAPS = frozenset({"properties", "patternProperties"})


def ref_findings(spec: Spec, ops: Sequence[Operation]) -> list[Finding]:
    """Non-local and dangling $refs; those inside an operation go to it.

    The registry never fetches or opens a referenced document (that would be
    SSRF or a local file read), and AgentCore Gateway takes one
    self-contained document: every $ref must be "#/...".
    """
    by_item: dict[str, list[Operation]] = {}
    for op in ops:
        by_item.setdefault(op.item_base, []).append(op)
        op.issues.extend(Issue(*bad) for bad in _bad_refs(spec, op.base, op.node))
    findings: list[Finding] = []
    paths_base = child(ROOT, "paths")
    for url, raw_item in as_dict(spec.document.get("paths")).items():
        item_base = child(paths_base, str(url))
        item_ops = by_item.get(item_base, [])
        # A path item's own parts (its parameters) belong to each of its operations.
        own = {k: v for k, v in as_dict(raw_item).items() if not (item_ops and k in METHODS)}
        for bad in _bad_refs(spec, item_base, own):
            if not item_ops:
                findings.append(doc_error(*bad))
            for op in item_ops:
                op.issues.append(Issue(*bad))
    rest = {k: v for k, v in spec.document.items() if k != "paths"}
    findings.extend(doc_error(*bad) for bad in _bad_refs(spec, ROOT, rest))
    return findings


def _bad_refs(spec: Spec, path: str, node: Any) -> Iterator[tuple[str, str, str]]:
    stack: list[tuple[str, Any, bool]] = [(path, node, False)]
    while stack:
        here, value, names = stack.pop()
        if isinstance(value, list):
            stack.extend((child(here, i), v, False) for i, v in enumerate(value))
            continue
        if not isinstance(value, dict):
            continue
        ref = value.get("$ref")
        if isinstance(ref, str) and not names:
            problem = _ref_problem(spec, ref)
            if problem is not None:
                yield problem[0], child(here, "$ref"), problem[1]
        for key, value_child in value.items():
            key_text = str(key)
            if not names and (key_text in _LITERAL_KEYS or key_text.startswith("x-")):
                continue  # data, not spec
            stack.append((child(here, key_text), value_child, not names and key_text in _NAME_MAPS))


def _ref_problem(spec: Spec, ref: str) -> tuple[str, str] | None:
    if not ref.startswith("#"):
        spec.note_bad_ref(ref)
        return (
            "remote-ref",
            f"$ref {short(repr(ref))} is not local: AgentCore Gateway takes one "
            "self-contained document and the registry never fetches or opens other "
            "documents; move the schema under #/components",
        )
    if ref.startswith("#/") and spec.resolve(ref) is None:
        spec.note_bad_ref(ref)
        return "unresolved-ref", f"$ref {short(repr(ref))} points to nothing in the document"
    return None
