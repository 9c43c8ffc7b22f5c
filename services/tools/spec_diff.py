"""What changed between two published OpenAPI documents, and whether it breaks agents.

`diff_specs(old, new)` compares two documents as the registry publishes them
(normalized, only the served operations and the components they reach;
services/tools/spec_pipeline.py) and returns a `SpecDiff`: the operations
added, removed and changed, each change a list of `Finding`s
`{rule, path, breaking, message}`, and the document-level findings (the
server URL). An operation is named by its operationId (the tool's name after
the target's prefix), or "METHOD /path" when it has none.

What is breaking follows the API change tools (oasdiff's BREAKING-CHANGES
rules, https://github.com/oasdiff/oasdiff/blob/main/docs/BREAKING-CHANGES.md,
named alike here): an agent that called the old operation correctly may fail
against the new one. Requests and responses are judged in opposite
directions: a request value may only widen (the new API accepts everything
the old one did), a response value may only narrow (the agent receives
nothing it was not told about).

- breaking: an operation removed; a new required parameter, body or body
  property, or one that became required; a request parameter or body
  removed; a type changed or narrowed (number→integer in a request,
  integer→number in a response); a format added or changed on a request
  value (removed or changed on a response value); a request bound narrowed
  (maxLength lower, minimum higher, a bound added...) or a response bound
  widened; a request pattern added or changed; a request value that became
  an enum, or lost an enum value; a request that no longer takes other
  properties (additionalProperties: false); a media type removed; a
  response property removed or made optional; a success status removed; the
  server URL changed (once, for the document).
- not breaking (reported): an operation added; an optional parameter,
  body or property added; a parameter, body or property that became
  optional; a request property removed (oasdiff: a warning); an enum value
  added, an enum dropped, any response enum change; a request bound widened
  or a response bound narrowed; a pattern removed, a response pattern
  changed; a non-success status removed; summary, description and
  deprecation changes; a server added after the first one.
- not compared member by member: `oneOf`/`anyOf`/`allOf`/`not` lists of
  different lengths (AgentCore serves no composition, so a published
  document rarely has one: it is reported, not breaking).

`$ref`s. Local `$ref`s are resolved in their own document (never fetched:
services/tools/json_pointer.py). Two schemas that are both `$ref`s are
compared once per direction for the whole diff (Stripe's operations share
hundreds of components), and what changed inside them is reported at every
operation that reaches them, under the path to where the operation first
reaches them (breadth first). A cyclic schema ends there: a pair already
compared is not compared again. The work is bounded (MAX_STEPS schema nodes
and reference hops; MAX_DEPTH of inline nesting): past it the diff stops and
says so with a breaking document finding `diff-incomplete`, so that a gate
never lets through what it did not look at.

`SpecDiff.to_dict()` is small enough for a DynamoDB item (400 KB) and an
error's `details`: at most MAX_LISTED_OPERATIONS names in each of `added`,
`removed`, `changed`; at most MAX_FINDINGS_PER_OPERATION findings per
operation and MAX_LISTED_FINDINGS in all (breaking ones first); each text
cut to MAX_TEXT characters; `omitted` counts what was left out. The worst
case stays under MAX_DIFF_BYTES of JSON (tests/unit/test_spec_diff.py).

Pure: no I/O, no AWS; the documents are only read.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from services.tools import json_pointer
from services.tools.spec_server_choice import with_defaults
from services.tools.spec_validation.document import METHODS

Direction = Literal["request", "response"]
Parts = tuple[str, ...]
# Two `$ref`s compared once: (old ref, new ref, direction).
Pair = tuple[str, str, Direction]

MAX_LISTED_OPERATIONS = 50  # names in each of added, removed, changed
MAX_FINDINGS_PER_OPERATION = 20
MAX_LISTED_FINDINGS = 100  # in the whole dict, document findings included
MAX_TEXT = 200  # characters of a path, a message or an operation's name
MAX_DIFF_BYTES = 100_000  # what the caps above keep the JSON under
# Schema nodes compared plus reference hops followed: Stripe's spec against
# itself takes about 17,000; with four of its most used schemas changed, 51,000.
MAX_STEPS = 2_000_000
MAX_DEPTH = 64  # inline schemas nested in one another

# Bounds: (keyword, True when it is an upper bound).
_BOUNDS = (
    ("maxLength", True),
    ("maximum", True),
    ("maxItems", True),
    ("maxProperties", True),
    ("minLength", False),
    ("minimum", False),
    ("minItems", False),
    ("minProperties", False),
)
_COMPOSITION = ("oneOf", "anyOf", "allOf")


@dataclass(frozen=True)
class Finding:
    """One change: `path` is where, inside the operation (or the document)."""

    rule: str
    path: str
    breaking: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "path": _cut(self.path),
            "breaking": self.breaking,
            "message": _cut(self.message),
        }


@dataclass(frozen=True)
class OperationChange:
    operation: str
    findings: tuple[Finding, ...]

    @property
    def breaking(self) -> bool:
        return any(f.breaking for f in self.findings)


@dataclass(frozen=True)
class SpecDiff:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[OperationChange, ...] = ()
    document: tuple[Finding, ...] = ()  # the server URL, an incomplete diff

    @property
    def breaking(self) -> bool:
        return (
            bool(self.removed)
            or any(f.breaking for f in self.document)
            or any(c.breaking for c in self.changed)
        )

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.document)

    def findings(self) -> int:
        return len(self.document) + sum(len(c.findings) for c in self.changed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready and bounded (see the module's docstring)."""
        budget = MAX_LISTED_FINDINGS
        document = _ordered(self.document)[: min(budget, MAX_FINDINGS_PER_OPERATION)]
        budget -= len(document)
        # Breaking changes first, so that the caps drop the harmless ones.
        changes = sorted(self.changed, key=lambda c: (not c.breaking, c.operation))
        listed: list[dict[str, Any]] = []
        shown_count = len(document)
        for change in changes[:MAX_LISTED_OPERATIONS]:
            shown = _ordered(change.findings)[: min(budget, MAX_FINDINGS_PER_OPERATION)]
            budget -= len(shown)
            shown_count += len(shown)
            listed.append(
                {
                    "operation": _cut(change.operation),
                    "breaking": change.breaking,
                    "findings": [f.to_dict() for f in shown],
                    "omitted_findings": len(change.findings) - len(shown),
                }
            )
        total = self.findings()
        return {
            "breaking": self.breaking,
            "counts": {
                "added": len(self.added),
                "removed": len(self.removed),
                "changed": len(self.changed),
                "findings": total,
                "breaking_findings": sum(f.breaking for c in self.changed for f in c.findings)
                + sum(f.breaking for f in self.document),
            },
            "document": [f.to_dict() for f in document],
            "added": [_cut(k) for k in self.added[:MAX_LISTED_OPERATIONS]],
            "removed": [_cut(k) for k in self.removed[:MAX_LISTED_OPERATIONS]],
            "changed": listed,
            "omitted": {
                "added": max(0, len(self.added) - MAX_LISTED_OPERATIONS),
                "removed": max(0, len(self.removed) - MAX_LISTED_OPERATIONS),
                "changed": max(0, len(self.changed) - MAX_LISTED_OPERATIONS),
                "findings": total - shown_count,
            },
        }


def diff_specs(old: dict[str, Any], new: dict[str, Any]) -> SpecDiff:
    """What changed from `old` to `new` (two published OpenAPI documents)."""
    return _Differ(old, new).run()


# --------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------


@dataclass
class _Sink:
    """Findings with their paths as parts, and the `$ref` pairs reached."""

    findings: list[tuple[Parts, str, bool, str]] = field(default_factory=list)
    edges: list[tuple[Parts, Pair]] = field(default_factory=list)

    def add(self, path: Parts, rule: str, breaking: bool, message: str) -> None:
        self.findings.append((path, rule, breaking, message))


class _Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old = old
        self.new = new
        self.steps = 0
        self.stopped = False
        self.pairs: dict[Pair, _Sink] = {}
        self._pending: deque[Pair] = deque()

    def run(self) -> SpecDiff:
        old_ops, new_ops = _operations(self.old), _operations(self.new)
        sinks: dict[str, _Sink] = {}
        for key in old_ops.keys() & new_ops.keys():
            sink = _Sink()
            self._operation(old_ops[key], new_ops[key], sink)
            sinks[key] = sink
        while self._pending and not self.stopped:
            pair = self._pending.popleft()
            self.pairs[pair] = sink = _Sink()
            old_node = self._deref(self.old, {"$ref": pair[0]})
            new_node = self._deref(self.new, {"$ref": pair[1]})
            self._body(old_node, new_node, pair[2], (), sink, depth=0)
        marked = self._reaching_changes()
        changed = []
        for key in sorted(sinks):
            findings = self._collect(sinks[key], marked)
            if findings:
                changed.append(OperationChange(key, findings))
        document = self._servers(self.old.get("servers"), self.new.get("servers"), ())
        doc_findings = [Finding(r, _join(p) or "servers", b, m) for p, r, b, m in document]
        if self.stopped:
            doc_findings.append(
                Finding(
                    "diff-incomplete",
                    "$",
                    True,
                    f"the comparison stopped after {MAX_STEPS} steps (or {MAX_DEPTH} nested "
                    "schemas): what it did not compare counts as breaking",
                )
            )
        return SpecDiff(
            added=tuple(sorted(new_ops.keys() - old_ops.keys())),
            removed=tuple(sorted(old_ops.keys() - new_ops.keys())),
            changed=tuple(changed),
            document=tuple(doc_findings),
        )

    # -- references --------------------------------------------------------

    def _step(self) -> bool:
        """Count one unit of work; False once the bound is passed."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.stopped = True
        return not self.stopped

    def _deref(self, document: dict[str, Any], node: Any) -> Any:
        """`node`, or what its `$ref` chain names ({} when it names nothing:
        a published document's `$ref`s all resolve, validation saw to it)."""
        found = json_pointer.follow(document, node)
        return {} if found is None else found

    def _want(self, pair: Pair) -> None:
        if pair not in self.pairs:
            self.pairs[pair] = _Sink()  # reserved: compared once, a cycle ends here
            self._pending.append(pair)

    def _reaching_changes(self) -> set[Pair]:
        """The pairs with findings, and every pair that reaches one."""
        parents: dict[Pair, list[Pair]] = {}
        for pair, sink in self.pairs.items():
            for _, child in sink.edges:
                parents.setdefault(child, []).append(pair)
        marked = {pair for pair, sink in self.pairs.items() if sink.findings}
        queue = deque(marked)
        while queue:
            for parent in parents.get(queue.popleft(), ()):
                if parent not in marked:
                    marked.add(parent)
                    queue.append(parent)
        return marked

    def _collect(self, sink: _Sink, marked: set[Pair]) -> tuple[Finding, ...]:
        """An operation's findings: its own, then those of the components it
        reaches, each under the path where the operation first reaches it."""
        out = [Finding(r, _join(p), b, m) for p, r, b, m in sink.findings]
        queue = deque((path, pair) for path, pair in sink.edges if pair in marked)
        seen = {pair for _, pair in queue}
        while queue and self._step():
            prefix, pair = queue.popleft()
            inner = self.pairs[pair]
            out.extend(Finding(r, _join(prefix + p), b, m) for p, r, b, m in inner.findings)
            for path, child in inner.edges:
                if child in marked and child not in seen:
                    seen.add(child)
                    queue.append((prefix + path, child))
        return tuple(out)

    # -- operations --------------------------------------------------------

    def _operation(self, old: _Op, new: _Op, sink: _Sink) -> None:
        o, n = old.node, new.node
        for key, rule in (("summary", "summary-changed"), ("description", "description-changed")):
            if o.get(key) != n.get(key):
                sink.add((key,), rule, False, f"the operation's {key} changed")
        if n.get("deprecated") is True and o.get("deprecated") is not True:
            sink.add(("deprecated",), "operation-deprecated", False, "the operation is deprecated")
        if "servers" in o or "servers" in n or "servers" in old.item or "servers" in new.item:
            old_servers = o.get("servers", old.item.get("servers", self.old.get("servers")))
            new_servers = n.get("servers", new.item.get("servers", self.new.get("servers")))
            for finding in self._servers(old_servers, new_servers, ("servers",)):
                sink.add(*finding)
        self._parameters(old, new, sink)
        self._request_body(o.get("requestBody"), n.get("requestBody"), sink)
        self._responses(o.get("responses"), n.get("responses"), sink)

    def _parameters(self, old: _Op, new: _Op, sink: _Sink) -> None:
        olds, news = self._params(self.old, old), self._params(self.new, new)
        for key in _union(olds, news):
            where, name = key
            path = ("parameters", where, name)
            label = f"the {where} parameter {name!r}"
            o, n = olds.get(key), news.get(key)
            if n is None:
                # oasdiff: breaking (an agent may still send it).
                sink.add(path, "request-parameter-removed", True, f"{label} was removed")
                continue
            required = n.get("required") is True
            if o is None:
                if required:
                    sink.add(
                        path, "new-required-request-parameter", True, f"{label} is new and required"
                    )
                else:
                    sink.add(
                        path, "new-optional-request-parameter", False, f"{label} is new, optional"
                    )
                continue
            was = o.get("required") is True
            if required and not was:
                sink.add(
                    path, "request-parameter-became-required", True, f"{label} became required"
                )
            elif was and not required:
                sink.add(
                    path, "request-parameter-became-optional", False, f"{label} became optional"
                )
            if o.get("description") != n.get("description"):
                sink.add(path, "description-changed", False, f"{label}'s description changed")
            if "schema" in o or "schema" in n:
                self._schema(
                    o.get("schema"), n.get("schema"), "request", (*path, "schema"), sink, depth=0
                )
            if "content" in o or "content" in n:
                self._content(
                    o.get("content"), n.get("content"), "request", (*path, "content"), sink
                )

    def _params(self, document: dict[str, Any], op: _Op) -> dict[tuple[str, str], dict[str, Any]]:
        """The operation's parameters by (in, name): its Path Item's, then its own."""
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*_list(op.item.get("parameters")), *_list(op.node.get("parameters"))]:
            param = self._deref(document, raw)
            if isinstance(param, dict):
                out[(str(param.get("in")), str(param.get("name")))] = param
        return out

    def _request_body(self, old: Any, new: Any, sink: _Sink) -> None:
        o, n = _dict(self._deref(self.old, old)), _dict(self._deref(self.new, new))
        path: Parts = ("requestBody",)
        required = n.get("required") is True
        if old is None and new is None:
            return
        if new is None:
            sink.add(path, "request-body-removed", True, "the request body was removed")
            return
        if old is None:
            if required:
                sink.add(path, "new-required-request-body", True, "a required request body is new")
            else:
                sink.add(
                    path, "new-optional-request-body", False, "an optional request body is new"
                )
            return
        was = o.get("required") is True
        if required and not was:
            sink.add(path, "request-body-became-required", True, "the request body became required")
        elif was and not required:
            sink.add(
                path, "request-body-became-optional", False, "the request body became optional"
            )
        self._content(o.get("content"), n.get("content"), "request", (*path, "content"), sink)

    def _responses(self, old: Any, new: Any, sink: _Sink) -> None:
        olds, news = _dict(old), _dict(new)
        for code in _union(olds, news):
            path = ("responses", str(code))
            if code not in news:
                success = str(code).startswith("2")
                rule = "response-success-status-removed" if success else "response-status-removed"
                sink.add(path, rule, success, f"the response {code} was removed")
                continue
            if code not in olds:
                sink.add(path, "response-status-added", False, f"the response {code} is new")
                continue
            o = _dict(self._deref(self.old, olds[code]))
            n = _dict(self._deref(self.new, news[code]))
            if o.get("description") != n.get("description"):
                sink.add(
                    path, "description-changed", False, f"the response {code}'s description changed"
                )
            self._content(o.get("content"), n.get("content"), "response", (*path, "content"), sink)

    def _content(self, old: Any, new: Any, direction: Direction, path: Parts, sink: _Sink) -> None:
        olds, news = _dict(old), _dict(new)
        for media in _union(olds, news):
            here = (*path, str(media))
            if media not in news:
                sink.add(
                    here,
                    f"{direction}-media-type-removed",
                    True,
                    f"the {direction} media type {media} was removed",
                )
            elif media not in olds:
                sink.add(
                    here,
                    f"{direction}-media-type-added",
                    False,
                    f"the {direction} media type {media} is new",
                )
            else:
                o, n = _dict(olds[media]), _dict(news[media])
                if "schema" in o or "schema" in n:
                    self._schema(
                        o.get("schema"),
                        n.get("schema"),
                        direction,
                        (*here, "schema"),
                        sink,
                        depth=0,
                    )

    def _servers(self, old: Any, new: Any, path: Parts) -> list[tuple[Parts, str, bool, str]]:
        olds, news = _urls(old), _urls(new)
        if olds == news:
            return []
        gone = [u for u in olds if u not in news]
        if gone or olds[:1] != news[:1]:
            before = olds[0] if olds else "none"
            after = news[0] if news else "none"
            message = f"the server URL changed from {before} to {after}"
            if gone and olds[:1] == news[:1]:
                message = f"the server URL(s) {', '.join(gone)} were removed"
            return [(path, "server-url-changed", True, message)]
        added = ", ".join(u for u in news if u not in olds)
        return [(path, "server-added", False, f"the server URL(s) {added} were added")]

    # -- schemas -----------------------------------------------------------

    def _schema(
        self, old: Any, new: Any, direction: Direction, path: Parts, sink: _Sink, *, depth: int
    ) -> None:
        if not self._step():
            return
        old_ref, new_ref = _ref(old), _ref(new)
        if old_ref is not None and new_ref is not None:
            pair = (old_ref, new_ref, direction)
            sink.edges.append((path, pair))
            self._want(pair)
            return
        if depth > MAX_DEPTH:
            self.stopped = True
            return
        self._body(
            self._deref(self.old, old),
            self._deref(self.new, new),
            direction,
            path,
            sink,
            depth=depth,
        )

    def _body(
        self, old: Any, new: Any, direction: Direction, path: Parts, sink: _Sink, *, depth: int
    ) -> None:
        """The rules on one schema of each side (neither a `$ref`)."""
        if not isinstance(old, dict) or not isinstance(new, dict):
            if (old is None) != (new is None):
                rule = f"{direction}-schema-" + ("removed" if new is None else "added")
                sink.add(
                    path, rule, False, "the schema was " + ("removed" if new is None else "added")
                )
            return
        request = direction == "request"
        _types_rule(old, new, direction, path, sink)
        _format_rule(old, new, direction, path, sink)
        _enum_rule(old, new, direction, path, sink)
        _bounds_rule(old, new, direction, path, sink)
        if old.get("pattern") != new.get("pattern"):
            # A pattern added or changed may refuse what the old one let through.
            breaking = direction == "request" and new.get("pattern") is not None
            sink.add(path, f"{direction}-pattern-changed", breaking, "the pattern changed")
        if old.get("description") != new.get("description"):
            sink.add(path, "description-changed", False, "the description changed")
        if request and _allows_more(old) and new.get("additionalProperties") is False:
            sink.add(
                path,
                "request-additional-properties-disallowed",
                True,
                "properties other than those listed are no longer accepted",
            )
        self._properties(old, new, direction, path, sink, depth=depth)
        for key in ("items", "additionalProperties", "not"):
            if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
                self._schema(old[key], new[key], direction, (*path, key), sink, depth=depth + 1)
        for key in _COMPOSITION:
            olds, news = _list(old.get(key)), _list(new.get(key))
            if len(olds) == len(news):
                for i, (o, n) in enumerate(zip(olds, news, strict=True)):
                    self._schema(o, n, direction, (*path, key, str(i)), sink, depth=depth + 1)
            else:
                sink.add(
                    (*path, key),
                    f"{direction}-{key.lower()}-changed",
                    False,
                    f"{key} went from {len(olds)} to {len(news)} schemas (not compared one by one)",
                )

    def _properties(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        direction: Direction,
        path: Parts,
        sink: _Sink,
        *,
        depth: int,
    ) -> None:
        olds, news = _dict(old.get("properties")), _dict(new.get("properties"))
        old_required = {r for r in _list(old.get("required")) if isinstance(r, str)}
        new_required = {r for r in _list(new.get("required")) if isinstance(r, str)}
        if not (olds or news or old_required or new_required):
            return
        request = direction == "request"
        for name in _union(olds, news):
            here = (*path, "properties", str(name))
            label = f"the {direction} property {name!r}"
            if name not in news:
                # A property the client never sees (writeOnly in a response) is not lost.
                sent = self._sent(self.old, olds[name], direction)
                if request or not sent:
                    sink.add(here, f"{direction}-property-removed", False, f"{label} was removed")
                else:
                    sink.add(here, "response-property-removed", True, f"{label} was removed")
                continue
            sent = self._sent(self.new, news[name], direction)
            if name not in olds:
                if request and name in new_required and sent:
                    sink.add(
                        here, "new-required-request-property", True, f"{label} is new and required"
                    )
                elif request:
                    sink.add(
                        here, "new-optional-request-property", False, f"{label} is new, optional"
                    )
                else:
                    sink.add(here, "response-property-added", False, f"{label} is new")
                continue
            now, was = name in new_required, name in old_required
            if now and not was:
                rule = f"{direction}-property-became-required"
                sink.add(here, rule, request and sent, f"{label} became required")
            elif was and not now:
                rule = f"{direction}-property-became-optional"
                sink.add(here, rule, not request and sent, f"{label} became optional")
            self._schema(olds[name], news[name], direction, here, sink, depth=depth + 1)

    def _sent(self, document: dict[str, Any], schema: Any, direction: Direction) -> bool:
        """Whether the property travels that way (readOnly: responses only;
        writeOnly: requests only)."""
        node = _dict(self._deref(document, schema))
        return node.get("readOnly" if direction == "request" else "writeOnly") is not True


# --------------------------------------------------------------------------
# The rules on one schema's own keywords
# --------------------------------------------------------------------------


def _types_rule(
    old: dict[str, Any], new: dict[str, Any], direction: Direction, path: Parts, sink: _Sink
) -> None:
    before, after = _types(old), _types(new)
    if before == after:
        return
    # Requests may widen (the API accepts what it did), responses may narrow.
    safe = _covers(after, before) if direction == "request" else _covers(before, after)
    sink.add(
        path,
        f"{direction}-type-changed",
        not safe,
        f"the type changed from {_show(before)} to {_show(after)}",
    )


def _format_rule(
    old: dict[str, Any], new: dict[str, Any], direction: Direction, path: Parts, sink: _Sink
) -> None:
    before, after = old.get("format"), new.get("format")
    if before == after:
        return
    # A format added narrows; removed widens; changed, both.
    breaking = after is not None if direction == "request" else before is not None
    sink.add(
        path,
        f"{direction}-format-changed",
        breaking,
        f"the format changed from {before or 'none'} to {after or 'none'}",
    )


def _enum_rule(
    old: dict[str, Any], new: dict[str, Any], direction: Direction, path: Parts, sink: _Sink
) -> None:
    before, after = old.get("enum"), new.get("enum")
    if before == after:
        return
    request = direction == "request"
    if not isinstance(before, list):
        if isinstance(after, list):
            sink.add(path, f"{direction}-became-enum", request, "the value became an enum")
        return
    if not isinstance(after, list):
        sink.add(path, f"{direction}-enum-removed", False, "the value is no longer an enum")
        return
    old_values, new_values = _keys(before), _keys(after)
    removed = [v for k, v in old_values.items() if k not in new_values]
    added = [v for k, v in new_values.items() if k not in old_values]
    if removed:
        sink.add(
            path,
            f"{direction}-enum-value-removed",
            request,
            f"enum value(s) removed: {_values(removed)}",
        )
    if added:
        sink.add(
            path, f"{direction}-enum-value-added", False, f"enum value(s) added: {_values(added)}"
        )


def _bounds_rule(
    old: dict[str, Any], new: dict[str, Any], direction: Direction, path: Parts, sink: _Sink
) -> None:
    for keyword, upper in _BOUNDS:
        before, after = _number(old.get(keyword)), _number(new.get(keyword))
        if before == after:
            continue
        if before is None:
            change, narrowed = "added", True
        elif after is None:
            change, narrowed = "removed", False
        else:
            change = "decreased" if after < before else "increased"
            narrowed = (after < before) == upper
        # A request may only widen; a response may only narrow (the agent was
        # told what it receives: a longer string or a bigger list is news).
        sink.add(
            path,
            f"{direction}-{_kebab(keyword)}-{change}",
            narrowed if direction == "request" else not narrowed,
            f"{keyword} changed from {_show_value(before)} to {_show_value(after)}",
        )


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Op:
    node: dict[str, Any]
    item: dict[str, Any]  # its Path Item (path-level parameters and servers)


def _operations(document: dict[str, Any]) -> dict[str, _Op]:
    """The document's operations by the name the tool exposes."""
    out: dict[str, _Op] = {}
    for url, raw in _dict(document.get("paths")).items():
        item = _dict(json_pointer.follow(document, raw))  # a Path Item may be a $ref
        for method in METHODS:
            node = item.get(method)
            if isinstance(node, dict):
                op_id = node.get("operationId")
                key = op_id if isinstance(op_id, str) and op_id else f"{method.upper()} {url}"
                out[key] = _Op(node, item)
    return out


def _ref(node: Any) -> str | None:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return ref if isinstance(ref, str) else None


def _types(schema: dict[str, Any]) -> frozenset[str] | None:
    """The JSON types a schema allows (3.0's `nullable` as "null"); None: any."""
    raw = schema.get("type")
    if isinstance(raw, str):
        types = {raw}
    elif isinstance(raw, list):
        types = {t for t in raw if isinstance(t, str)}
    else:
        return None
    if schema.get("nullable") is True:
        types.add("null")
    return frozenset(types)


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Whether every value of type `narrow` is of type `wide` (an integer is a number)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _allows_more(schema: dict[str, Any]) -> bool:
    return schema.get("additionalProperties", True) is not False


def _keys(values: list[Any]) -> dict[str, Any]:
    """Enum values by a canonical key (values may be lists or objects)."""
    return {json.dumps(v, sort_keys=True, default=str): v for v in values}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _show(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types)) or "none"


def _show_value(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


def _values(values: list[Any]) -> str:
    shown = ", ".join(json.dumps(v, default=str) for v in values[:10])
    return shown + (f" and {len(values) - 10} more" if len(values) > 10 else "")


def _kebab(keyword: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in keyword)


def _urls(servers: Any) -> list[str]:
    """Server URLs with their variables' defaults filled in."""
    urls = []
    for server in _list(servers):
        url = _dict(server).get("url")
        if isinstance(url, str):
            urls.append(with_defaults(server) or url)
    return urls


def _union(old: dict[Any, Any], new: dict[Any, Any]) -> list[Any]:
    """The keys of both, old ones first, in their order."""
    return [*old, *(k for k in new if k not in old)]


def _ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: not f.breaking)  # stable: breaking first


def _join(parts: Parts) -> str:
    return ".".join(parts)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
