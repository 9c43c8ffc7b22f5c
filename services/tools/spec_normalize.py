"""Normalize an OpenAPI document before AgentCore Gateway's rules are checked.

AgentCore Gateway documents `allOf` as unsupported and serves its targets
with the credentials of the target, never those a spec declares. Some of
that can be rewritten without changing what the spec means, so that an
operation is not refused for how its schemas are spelled:

- `allOf` of object schemas becomes one object schema: the union of
  `properties` and `required`, the node's own keywords kept;
- `allOf` with a single real member (the others carrying only annotations
  such as a description) becomes that member with those annotations;
- `security` (the spec's and each operation's) and
  `components.securitySchemes` are removed: the gateway authenticates with
  the tool's `credentials` (its credential provider);
- an operation with no usable `operationId` is given one (spec_names);
- a `oneOf`/`anyOf` of one schema, or of one schema and null, becomes that
  schema (nullable);
- a `servers` list some server of which the gateway cannot call becomes
  the first it can (spec_server_choice);
- a media range that includes JSON (`*/*`, `application/*`) becomes
  `application/json`, and `explode` goes where it changes nothing (a
  primitive parameter).

No rewrite leaves a `$ref` naming nothing: what a `$ref` points into is
left as it is (`_pinned_at`).

`normalize_spec` is pure: it never changes its input and returns a document
that shares every unchanged subtree with it (copy on write: only the nodes on
the way to a change are copied, so a large spec is never deep-copied), plus
one `Note` per change with its JSON path. Treat the result as read-only.

When in doubt an `allOf` is left as it is, and validation reports it as
before: a member that is not a plain object schema (`oneOf`, `enum`,
`discriminator`, `patternProperties`, ...), two members defining one
property differently, `additionalProperties` that would then see other
properties, members disagreeing on `readOnly`/`writeOnly`, modifiers
disagreeing with each other or with the one schema they decorate on
`nullable`, a `$ref` that is not local or does not resolve, a `$ref` with
siblings, and `$ref` cycles through `allOf` members (a schema that refers
to itself through a property is fine: only `allOf` members are followed).

A member that carries only annotations (`description`, `title`, `example`,
`x-*`...) or `nullable`/`readOnly`/`writeOnly` counts as keywords of the
`allOf` node itself: OpenAPI 3.0 specs write "a nullable Foo" as
`allOf: [{$ref: Foo}, {nullable: true}]`. Keywords of the node (and of those
members) win over the other members' own annotations.

Cost: one walk over the schemas of the document (components once, each
`$ref`'d schema normalized once) and a shallow copy of each changed node and
its ancestors: about 20 ms of CPU for Box or OpenAI's spec, 40 ms for
Stripe's (4 MB), against seconds of validation.

One module of about 750 lines, on purpose: one walker (`_Normalizer`) and
the rules it applies share its memo of normalized `$ref`s, its pins and its
notes; split, every rule would take the walker's state as arguments (the
rules that need none live apart: spec_names, spec_server_choice).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from services.tools import json_pointer, spec_names, spec_server_choice
from services.tools.spec_names import OperationName
from services.tools.spec_validation.document import METHODS
from services.tools.spec_validation.operations import default_explode, media_type

# Keys whose values are data, not schemas: never walked.
_LITERAL_KEYS = frozenset({"example", "examples", "default", "enum", "const"})
# Schema keywords whose dict values are keyed by names (a key "example" there
# is a property, and its value a schema).
_NAME_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})
# What a schema may carry without constraining anything.
_ANNOTATIONS = frozenset(
    {"description", "title", "example", "examples", "default", "externalDocs", "deprecated"}
    | {"xml", "$comment"}
)
# Annotations about values: an example of one member is no example of the merge.
_SAMPLES = frozenset({"example", "examples", "default"})
# OpenAPI 3.0 flags that change what is valid (null) or where (requests, responses).
_FLAGS = ("nullable", "readOnly", "writeOnly")
# The constraints of a plain object schema, the only ones merged.
_OBJECT_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties"})
# A schema with one of these is never copied elsewhere: it names itself, or a
# discriminator's implicit mapping depends on who `allOf`s it.
_NOT_MOVABLE = frozenset(
    {"$id", "$anchor", "$dynamicAnchor", "$schema", "$ref", "allOf", "discriminator"}
)
# Parameter values whose serialization `explode` does not change ("null"
# joins them in a 3.1 type list).
_PRIMITIVES = frozenset({"string", "number", "integer", "boolean", "null"})
# Keys whose values normalization rewrites or removes: a `$ref` into one
# keeps it as it is (`_pinned_at`); media types are pinned too. The words
# filter the document's `$ref`s before they are resolved.
_PINNABLE = frozenset({"allOf", "oneOf", "anyOf", "explode", "servers"})
_PIN_WORDS = ("Of", "content", "explode", "servers")
# Media ranges (RFC 9110, section 12.5.1) that include application/json.
_JSON_RANGES = frozenset({"*/*", "application/*"})
_CREDENTIALS = (
    "the gateway authenticates to the API with the tool's `credentials` (its credential "
    "provider), not with what the spec declares"
)


class Index(int):
    """A position in a list, as a path part (a dict key may be an int too:
    YAML reads `200:` as one)."""


Part = Any  # a dict key as it is in the document, or an Index


@dataclass(frozen=True)
class Note:
    """One change: where (the JSON path of the node that changed, in the
    format of the validation findings) and what."""

    path: str
    change: str
    parts: tuple[Part, ...]  # the same path as keys
    # A made operationId (spec_names): the record keeps it with the original.
    operation_name: OperationName | None = None

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "change": self.change}


def normalize_spec(
    document: dict[str, Any], *, base_url: str | None = None
) -> tuple[dict[str, Any], list[Note]]:
    """The normalized document (sharing unchanged subtrees with `document`)
    and the notes of what changed. A document that is not OpenAPI 3 is
    returned as it is: validation refuses it anyway. `base_url`: where the
    spec was fetched from, the base of its relative server URLs."""
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        return document, []
    normalizer = _Normalizer(document, base_url)
    try:
        normalized = normalizer.run()
    except RecursionError:
        # Deeper than Python's stack: left as it is, for validation to judge.
        return document, []
    return normalized, normalizer.notes


def published_notes(
    notes: Iterable[Note], published: dict[str, Any], normalized: dict[str, Any]
) -> list[Note]:
    """The notes about what `published` (the normalized document, or a part
    of it with fewer operations and components) still holds."""
    if published is normalized:
        return list(notes)
    return [note for note in notes if _holds(published, _anchor(note.parts))]


def path_of(parts: Iterable[Part]) -> str:
    """The path as validation findings write it: "paths./pets.get.parameters[0]"."""
    # An int that is no Index is a dict key (YAML's `200:`), not a position.
    return json_pointer.join(p if isinstance(p, Index) else str(p) for p in parts)


class _Normalizer:
    def __init__(self, document: dict[str, Any], base_url: str | None = None) -> None:
        self.document = document
        self._base_url = base_url
        self.notes: list[Note] = []
        self._noted: set[tuple[Part, ...]] = set()
        # id of a $ref'd (or component) schema -> its normalized form; an
        # original is alive as long as the input document, so its id is stable.
        self._done: dict[int, Any] = {}
        self._active: set[int] = set()  # being normalized: a $ref back to one is a cycle
        self._names = spec_names.plan(document)
        self._v31 = str(document.get("openapi", "")).startswith("3.1")
        # The compositions some `$ref` points into (found on first need).
        self._pinned: set[tuple[Part, ...]] | None = None

    # -- the document --------------------------------------------------------

    def run(self) -> dict[str, Any]:
        document = self.document
        changes: dict[str, Any] = {}
        components = document.get("components")
        if isinstance(components, dict):
            # First, so that $refs from paths find their schema normalized.
            changes["components"] = self._components(components)
        for key in ("paths", "webhooks"):
            items = document.get(key)
            if isinstance(items, dict):
                changes[key] = _each(items, [key], self._path_item)
        changes["servers"] = self._servers(document.get("servers"), ["servers"])
        out = _with(document, changes)
        if "security" in document:
            self._note(["security"], f"removed the spec's security requirements: {_CREDENTIALS}")
            out = _without(out, "security")
        return out

    def _components(self, components: dict[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for section, entries in components.items():
            parts: list[Part] = ["components", section]
            if not isinstance(entries, dict) or _extension(section):
                continue
            if section == "schemas":
                changes[section] = _each(entries, parts, self._component_schema)
            elif section == "pathItems":
                changes[section] = _each(entries, parts, self._path_item)
            elif section == "callbacks":
                changes[section] = _each(entries, parts, self._callback)
            elif section in ("responses", "parameters", "requestBodies", "headers"):
                changes[section] = _each(entries, parts, self._walk)
            # securitySchemes go below; examples and links hold no schemas.
        out = _with(components, changes)
        if "securitySchemes" in components:
            schemes = components["securitySchemes"]
            names = ", ".join(map(str, schemes)) if isinstance(schemes, dict) else ""
            self._note(
                ["components", "securitySchemes"],
                f"removed the security schemes{f' ({names})' if names else ''}: {_CREDENTIALS}",
            )
            out = _without(out, "securitySchemes")
        return out

    def _path_item(self, item: Any, parts: list[Part]) -> Any:
        if not isinstance(item, dict):
            return item
        changes: dict[str, Any] = {}
        for key, value in item.items():
            if key in METHODS and isinstance(value, dict):
                changes[key] = self._operation(value, [*parts, key])
            elif key == "servers":
                changes[key] = self._servers(value, [*parts, key])
            elif key != "$ref" and not _extension(key) and isinstance(value, (dict, list)):
                changes[key] = self._walk(value, [*parts, key])  # parameters
        return _with(item, changes)

    def _operation(self, operation: dict[str, Any], parts: list[Part]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for key, value in operation.items():
            if _extension(key) or not isinstance(value, (dict, list)) or key == "security":
                continue
            if key == "callbacks" and isinstance(value, dict):
                changes[key] = _each(value, [*parts, key], self._callback)
            elif key == "servers":
                changes[key] = self._servers(value, [*parts, key])
            else:
                # `responses` is keyed by status codes, one of them "default".
                changes[key] = self._walk(value, [*parts, key], names=key == "responses")
        out = _with(operation, changes)
        made = (
            self._names.get((parts[1], parts[2]))
            if len(parts) == 3 and parts[0] == "paths"
            else None
        )
        if made is not None:
            out = {**out, "operationId": made.name}
            if made.original is None:
                change = f"made operationId '{made.name}' from the method and path: AgentCore "
                change += "Gateway uses the operationId as the tool name"
            else:
                change = (
                    f"operationId {made.original!r} is no usable tool name (letters, digits, '_' "
                    f"and '-' only): published as '{made.name}' (include_operations and "
                    "exclude_operations take either)"
                )
            self._note([*parts, "operationId"], change, made)
        if "security" in operation:
            self._note(
                [*parts, "security"],
                f"removed the operation's security requirements: {_CREDENTIALS}",
            )
            out = _without(out, "security")
        return out

    def _servers(self, servers: Any, parts: list[Part]) -> Any:
        """The servers to publish (spec_server_choice): `servers` itself
        unless some cannot be called and another can."""
        chosen = spec_server_choice.choose(servers, self._base_url)
        if chosen is None or self._pinned_at(parts):
            return servers
        self._note(parts, chosen[1])
        return chosen[0]

    def _content(self, content: dict[Any, Any], parts: list[Part]) -> dict[Any, Any]:
        """A body's media types with a range that admits JSON (`*/*`,
        `application/*`) published as application/json, when the body names
        no JSON type itself: the range includes application/json, the one
        media type AgentCore Gateway fully supports (the OpenAPI page), so
        the gateway sends and accepts JSON, which the API said it takes."""
        if any(media_type(key) == "application/json" for key in content):
            return content
        ranges = [key for key in content if media_type(key) in _JSON_RANGES]
        if not ranges or self._pinned_at([*parts, ranges[0]]):
            return content  # none, or a `$ref` points into it: renamed, it would dangle
        self._note(
            [*parts, ranges[0]],
            f"media range {ranges[0]!r} published as 'application/json': the range includes "
            "it, and AgentCore Gateway fully supports only application/json",
        )
        return {("application/json" if key == ranges[0] else key): v for key, v in content.items()}

    def _explode(self, parameter: dict[Any, Any], parts: list[Part]) -> dict[Any, Any]:
        """A parameter's `explode` dropped when its value is a primitive: for
        a string, number, integer or boolean every style serializes the same
        either way (OpenAPI 3.x, Parameter Object, "Style Examples": `form`
        gives `color=blue` with and without it); AgentCore Gateway supports
        no serializer (the OpenAPI page), and validation reports every
        explode that is not the style's default."""
        if default_explode(parameter) or self._pinned_at([*parts, "explode"]):
            return parameter  # the style's own default, or a `$ref` names it
        schema = json_pointer.follow(self.document, parameter.get("schema"))
        kind = schema.get("type") if isinstance(schema, dict) else None
        kinds = kind if isinstance(kind, list) else [kind]
        if not kinds or not all(k in _PRIMITIVES for k in kinds):
            return parameter
        self._note(
            [*parts, "explode"],
            f"removed explode {parameter['explode']!r}: the parameter's value is a "
            f"{'/'.join(map(str, kinds))}, which every style serializes the same way with or "
            "without it",
        )
        return _without(parameter, "explode")

    def _callback(self, callback: Any, parts: list[Part]) -> Any:
        if not isinstance(callback, dict):
            return callback
        return _each(callback, parts, self._path_item)

    # -- schemas -------------------------------------------------------------

    def _walk(self, node: Any, parts: list[Part], *, names: bool = False) -> Any:
        """`node` with every allOf below it (and its own) flattened where
        possible; `node` itself when nothing changed. `parts` is its path
        (appended to and restored). `names`: a map keyed by names
        (`properties`), whose keys are no keywords."""
        if isinstance(node, list):
            return self._walk_list(node, parts)
        if not isinstance(node, dict):
            return node
        if self._done:
            done = self._done.get(id(node))
            if done is not None:
                return done
        new: dict[Any, Any] | None = None
        for key, child in node.items():
            if not isinstance(child, (dict, list)):
                continue
            if not names and (key in _LITERAL_KEYS or _extension(key)):
                continue  # data, not schemas
            parts.append(key)
            result = self._walk(child, parts, names=not names and key in _NAME_MAPS)
            parts.pop()
            if result is not child:
                if new is None:
                    new = dict(node)
                new[key] = result
        out = node if new is None else new
        return out if names else self._rewrite(out, parts)

    def _rewrite(self, node: dict[Any, Any], parts: list[Part]) -> dict[Any, Any]:
        """`node` (its children done) with its own media types, allOf and
        oneOf/anyOf rewritten where that keeps meaning."""
        out = node
        content = out.get("content")
        if isinstance(content, dict) and "in" not in out:
            # A request body's, a response's or a header's media types (a
            # parameter's `content` is a serializer: validation reports it).
            parts.append("content")
            rewritten = self._content(content, parts)
            parts.pop()
            if rewritten is not content:
                out = {**out, "content": rewritten}
        if "in" in out and out.get("explode") is not None:
            out = self._explode(out, parts)
        if isinstance(out.get("allOf"), list):
            parts.append("allOf")
            out = self._flatten(out, parts)
            parts.pop()
        for key in ("oneOf", "anyOf"):
            if isinstance(out.get(key), list) and "allOf" not in out:
                parts.append(key)
                out = self._alternatives(out, key, parts)
                parts.pop()
        return out

    def _walk_list(self, node: list[Any], parts: list[Part]) -> list[Any]:
        copied: list[Any] | None = None
        for i, child in enumerate(node):
            if isinstance(child, (dict, list)):
                parts.append(Index(i))
                result = self._walk(child, parts)
                parts.pop()
                if result is not child:
                    if copied is None:
                        copied = list(node)
                    copied[i] = result
        return node if copied is None else copied

    def _component_schema(self, node: Any, parts: list[Part]) -> Any:
        normalized = self._target(node, parts)
        return node if normalized is None else normalized

    def _target(self, node: Any, parts: list[Part]) -> Any:
        """A schema that `$ref`s may name, normalized once; None while it is
        being normalized (a cycle)."""
        key = id(node)
        if key in self._done:
            return self._done[key]
        if key in self._active:
            return None
        self._active.add(key)
        try:
            out = self._walk(node, parts)
        finally:
            self._active.discard(key)
        self._done[key] = out
        return out

    def _member(self, member: Any) -> tuple[str, dict[str, Any]] | None:
        """An allOf member as (label, normalized schema), following local
        $refs; None when it cannot be used (not a schema, a remote or dangling
        $ref, a $ref with siblings, a cycle)."""
        if not isinstance(member, dict):
            return None
        if "$ref" not in member:
            return "an inline schema", member
        label = member["$ref"]
        for _ in range(json_pointer.MAX_REF_HOPS):
            ref = member.get("$ref")
            if ref is None:
                return str(label), member
            if len(member) > 1 or not isinstance(ref, str):
                return None
            found = _resolve(self.document, ref)
            if found is None:
                return None
            member = self._target(found[1], list(found[0]))
            if not isinstance(member, dict):
                return None
        return None

    def _pinned_at(self, parts: list[Part]) -> bool:
        """Whether a `$ref` of the document points into what is at `parts`
        (a composition, a media type, an `explode`, a `servers` list):
        rewriting it would leave that `$ref` naming nothing, so it is left as
        it is (and validation judges it)."""
        if self._pinned is None:
            self._pinned = set()
            for ref in _refs_to_pin(self.document):
                found = _resolve(self.document, ref)
                keys = found[0] if found else ()
                for i, key in enumerate(keys):
                    if key in _PINNABLE or (i and keys[i - 1] == "content"):
                        self._pinned.add(keys[: i + 1])  # e.g. a composition, a media type
        return tuple(parts) in self._pinned

    def _alternatives(self, node: dict[str, Any], key: str, parts: list[Part]) -> dict[str, Any]:
        """A oneOf/anyOf of one schema, or of one schema and null, as that
        schema (nullable); `node` itself otherwise."""
        members = node[key]
        own = {k: v for k, v in node.items() if k != key}
        if not members or len(members) > 2 or not all(_decoration(k) for k in own):
            return node
        nulls = [m for m in members if _null_schema(m)]
        if len(members) - len(nulls) != 1 or self._pinned_at(parts):
            return node
        [other] = [m for m in members if not _null_schema(m)]
        member = self._member(other)
        if member is None or any(k in _NOT_MOVABLE or k in _COMPOSITIONS for k in member[1]):
            return node
        label, schema = member
        if not nulls:
            out = _single(schema, own)
            if out is None:
                return node
            self._note(parts, f"{key} of one schema ({label}) replaced by that schema")
            return out
        nullable = _nullable(schema, own, v31=self._v31)
        if nullable is None:
            return node
        how = "a type list with 'null'" if self._v31 else "nullable: true"
        self._note(parts, f"{key} of {label} and null replaced by that schema with {how}")
        return nullable

    def _flatten(self, node: dict[str, Any], parts: list[Part]) -> dict[str, Any]:
        if self._pinned_at(parts):
            return node
        members = []
        for raw in node["allOf"]:
            member = self._member(raw)
            if member is None:
                return node
            members.append(member)
        merged = _merge(node, [schema for _, schema in members])
        if merged is None:
            return node
        labels = ", ".join(label for label, _ in members)
        self._note(parts, f"allOf of {len(members)} schema(s) ({labels}) {merged[1]}")
        return merged[0]

    def _note(self, parts: list[Part], change: str, made: OperationName | None = None) -> None:
        key = tuple(parts)
        if key not in self._noted:
            self._noted.add(key)
            self.notes.append(Note(path_of(key), change, key, made))


# --------------------------------------------------------------------------
# Merging an allOf
# --------------------------------------------------------------------------


def _merge(
    node: dict[str, Any], members: list[dict[str, Any]]
) -> tuple[dict[str, Any], str] | None:
    """`node` (an allOf and its siblings) as one schema with the same meaning,
    and how it was done; None when that is not certain."""
    own = {k: v for k, v in node.items() if k != "allOf"}
    # The node's decorations, then those of members that carry nothing else
    # (the first one given wins; flags must agree).
    decorations = {k: v for k, v in own.items() if _decoration(k)}
    real = []
    for member in members:
        if not all(_decoration(k) for k in member):
            real.append(member)
            continue
        for key, value in member.items():
            if key in own:
                continue
            if decorations.setdefault(key, value) != value and key in _FLAGS:
                return None
    if any(not _decoration(k) for k in own):
        real.append(own)  # the node's own constraints apply as a member's would
    if not real:
        return decorations, "replaced by the annotations its members carry"
    merged = _merge_objects(real, decorations)
    if merged is not None:
        return merged, "merged into one object schema"
    if len(real) == 1:
        moved = _single(real[0], decorations)
        if moved is not None:
            how = "removed: its members carry only annotations, now on this schema"
            if real[0] is not own:
                how = "replaced by its one constraining schema, with the annotations around it"
            return moved, how
    return None


def _merge_objects(
    schemas: list[dict[str, Any]], decorations: dict[str, Any]
) -> dict[str, Any] | None:
    """Plain object schemas as one, or None."""
    if not all(_plain_object(s) for s in schemas):
        return None
    properties: dict[Any, Any] = {}
    required: dict[str, None] = {}  # an ordered set
    for schema in schemas:
        for name, sub in schema.get("properties", {}).items():
            if name in properties and properties[name] != sub:
                return None  # one property, two definitions
            properties[name] = sub
        required.update(dict.fromkeys(schema.get("required", [])))
    additional = _additional(schemas, set(properties))
    flags = _flags(schemas, decorations)
    if additional is _CONFLICT or flags is None:
        return None
    out: dict[str, Any] = dict(decorations)
    if any("type" in s for s in schemas):
        out["type"] = "object"
    if properties or any("properties" in s for s in schemas):
        out["properties"] = properties
    if required:
        out["required"] = list(required)
    if additional is not _ABSENT:
        out["additionalProperties"] = additional
    out.update(flags)
    _carry_annotations(out, schemas)
    return out


def _plain_object(schema: dict[str, Any]) -> bool:
    """Only object keywords (type object, properties, required,
    additionalProperties) and decorations."""
    if not all(_decoration(k) or k in _OBJECT_KEYWORDS for k in schema):
        return False
    required = schema.get("required", [])
    return (
        schema.get("type", "object") == "object"
        and isinstance(schema.get("properties", {}), dict)
        and isinstance(required, list)
        and all(isinstance(r, str) for r in required)
    )


def _flags(schemas: list[dict[str, Any]], decorations: dict[str, Any]) -> dict[str, bool] | None:
    """nullable/readOnly/writeOnly of the merge where the node gives none;
    None when they cannot be told."""
    out = {}
    for flag in _FLAGS:
        if flag in decorations:
            continue  # the node's own (or a modifier's) word wins
        # A typed schema without the flag says False; an untyped one, nothing.
        values = [s.get(flag, False) for s in schemas if flag in s or "type" in s]
        if flag == "nullable":
            # null passes an allOf only when each of its schemas lets it pass.
            if values and all(v is True for v in values):
                out[flag] = True
        elif any(v != values[0] for v in values):
            return None  # readOnly in one part only: where may it be sent?
        elif values and values[0] is True:
            out[flag] = True
    return out


_ABSENT = object()
_CONFLICT = object()


def _additional(schemas: list[dict[str, Any]], names: set[Any]) -> Any:
    """The merged `additionalProperties`: _ABSENT when none constrains,
    _CONFLICT when merging would change what it lets through.

    A schema's `additionalProperties` applies to the properties *it* does not
    list; merged, it would apply to those the union does not list. Same
    meaning only when every schema that sets it lists exactly the union, and
    they all set the same."""
    setting = [s for s in schemas if s.get("additionalProperties", True) not in (True, {})]
    if not setting:
        return _ABSENT
    value = setting[0]["additionalProperties"]
    for schema in setting:
        if schema["additionalProperties"] != value or set(schema.get("properties", {})) != names:
            return _CONFLICT
    return value


def _carry_annotations(out: dict[str, Any], schemas: list[dict[str, Any]]) -> None:
    """The members' own annotations where the node gives none: kept when
    they agree; examples and defaults only from a single schema."""
    values: dict[Any, list[Any]] = {}
    for schema in schemas:
        for key, value in schema.items():
            if not _decoration(key) or key in _FLAGS or key in out:
                continue
            if key in _SAMPLES and len(schemas) > 1:
                continue
            values.setdefault(key, []).append(value)
    for key, found in values.items():
        if all(v == found[0] for v in found):
            out[key] = found[0]


def _single(schema: dict[str, Any], decorations: dict[str, Any]) -> dict[str, Any] | None:
    """An allOf of one schema of any kind and annotations: that schema with them."""
    if any(k in _NOT_MOVABLE for k in schema):
        return None
    for flag in _FLAGS:
        if flag in decorations and schema.get(flag, False) != decorations[flag]:
            return None  # a nullable enum, say: readers disagree on what it accepts
    return {**schema, **decorations}


_COMPOSITIONS = frozenset({"allOf", "oneOf", "anyOf"})


def _null_schema(member: Any) -> bool:
    """`{type: "null"}` or `{enum: [null]}`, with annotations at most."""
    if not isinstance(member, dict):
        return False
    rest = {k: v for k, v in member.items() if not _decoration(k) or k == "nullable"}
    return rest in ({"type": "null"}, {"enum": [None]})


def _nullable(schema: dict[str, Any], own: dict[str, Any], *, v31: bool) -> dict[str, Any] | None:
    """`schema` that also takes null (3.0 `nullable`, 3.1 a type list), with
    the node's annotations; None when that cannot be said for sure: no
    `type` (3.0's `nullable` only widens a type), a `const`, or a schema
    that already takes null (oneOf would then refuse null, nullable take it)."""
    kind = schema.get("type")
    if "const" in schema or schema.get("nullable") is True or own.get("nullable") is False:
        return None
    if (isinstance(kind, list) and "null" in kind) or kind == "null":
        return None
    if not (isinstance(kind, str) or (v31 and isinstance(kind, list) and kind)):
        return None
    out = {**schema, **{k: v for k, v in own.items() if k != "nullable"}}
    if v31:
        out["type"] = [*kind, "null"] if isinstance(kind, list) else [kind, "null"]
    else:
        out["nullable"] = True
    enum = schema.get("enum")
    if isinstance(enum, list) and None not in enum:
        out["enum"] = [*enum, None]  # an enum lists the null it takes
    return out


def _refs_to_pin(document: Any) -> list[str]:
    """The local `$ref`s whose pointer may go through something normalization
    rewrites (a cheap filter on the text: `_pinned_at` resolves them)."""
    found = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and any(word in ref for word in _PIN_WORDS):
                found.append(ref)
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return found


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _decoration(key: Any) -> bool:
    return key in _ANNOTATIONS or key in _FLAGS or _extension(key)


def _extension(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("x-")


def _with(node: dict[Any, Any], changes: dict[Any, Any]) -> dict[Any, Any]:
    """`node` with `changes` applied; `node` itself when no value differs."""
    changed = {k: v for k, v in changes.items() if v is not node.get(k)}
    return {**node, **changed} if changed else node


def _without(node: dict[Any, Any], key: Any) -> dict[Any, Any]:
    return {k: v for k, v in node.items() if k != key}


def _each(
    entries: dict[Any, Any], parts: list[Part], fn: Callable[[Any, list[Part]], Any]
) -> dict[Any, Any]:
    """`entries` with fn(value, its path) for each value; itself when none changed."""
    return _with(entries, {key: fn(value, [*parts, key]) for key, value in entries.items()})


def _resolve(document: dict[str, Any], ref: str) -> tuple[tuple[Part, ...], Any] | None:
    """A local `$ref` ("#/a/b") as (path parts, node), or None. Nothing but
    this document is ever looked at."""
    found = json_pointer.resolve(document, ref)
    if found is None:
        return None
    keys, node = found
    # A pointer's keys are strings: an int among them is a list position.
    return tuple(Index(k) if isinstance(k, int) else k for k in keys), node


def _anchor(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """What must be published for a note to be about it: the operation or
    component it is in (what is inside it was normalized, so the note's own
    path may be gone), or the object that held what was removed."""
    if len(parts) > 3 and parts[0] in ("paths", "webhooks", "components"):
        return parts[:3]
    return parts[:-1]


def _holds(document: Any, parts: Iterable[Part]) -> bool:
    node = document
    for part in parts:
        if isinstance(node, dict):
            if part not in node:
                return False
        elif not (isinstance(node, list) and isinstance(part, Index) and part < len(node)):
            return False
        node = node[part]
    return True
