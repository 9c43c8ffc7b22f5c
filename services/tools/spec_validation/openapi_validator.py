"""openapi-spec-validator's verdict, as findings on the operations they concern.

The rules of this package check what AgentCore Gateway adds to OpenAPI;
whether the document is valid OpenAPI 3.0/3.1 at all is the library's to
say. It is run here with two guards: it never retrieves anything (every URI
scheme is refused, so a `$ref` cannot make it fetch or open a file), and it
never touches the library's unbounded cache (see `openapi_validator_findings`).

Cost. openapi-spec-validator is imported lazily (about 0.4 s), inside the
functions here and nowhere else, so importing the package (and every other
action) does not pay for it; it validates at about 0.6 s/MB for 3.0 and
3.5 s/MB for 3.1 on a 2-core machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache, partial
from typing import TYPE_CHECKING, Any, Protocol, cast

from services.tools.json_pointer import ROOT, child, join
from services.tools.spec_validation.document import Operation, Spec
from services.tools.spec_validation.report import Finding, Issue, doc_error, short

if TYPE_CHECKING:
    from jsonschema_path import SchemaPath
    from openapi_spec_validator.validation.registries import KeywordValidatorRegistry

_MAX_MESSAGE = 300


class _RetrievalRefused(ValueError):
    pass


def _refuse(uri: str) -> Any:
    raise _RetrievalRefused(f"not retrieving {uri!r}: only local references are followed")


class _NoRetrieval(Mapping[str, Callable[[str], Any]]):
    """jsonschema-path resolver handlers that refuse every URI scheme.

    jsonschema-path's SchemaRetriever falls back to `requests`/`urlopen` for a
    scheme missing from its handlers, so an empty mapping would still fetch:
    this one answers for every scheme ("http", "file", "" for relative refs)
    and refuses. referencing then raises Unresolvable for the ref.
    """

    def __getitem__(self, scheme: str) -> Callable[[str], Any]:
        return _refuse

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


_NO_RETRIEVAL = _NoRetrieval()


def openapi_validator_findings(
    document: dict[str, Any], spec: Spec, selected: Sequence[Operation]
) -> list[Finding]:
    """openapi-spec-validator's errors: all of them, each with its path.

    The cache. `SpecValidator.iter_errors` (0.9.0) is wrapped in an unbounded
    `functools.lru_cache` keyed by the validator instance: every call of
    `validate()`, `is_valid()` or `iter_errors()` keeps that validator, its
    spec and its accessor alive for the life of the process (upstream issue
    523; a warm Lambda grows 6 to 17 MiB per large spec). The library offers
    no public way to clear it, so we never call those methods. We run the
    same two passes `iter_errors` runs, through public attributes: the
    class's `schema_validator` (the OpenAPI JSON Schema) over the document,
    then the keyword validators of a fresh validator built on a fresh
    `SchemaPath` (whose resolved-ref cache dies with it). The keyword pass
    goes one operation (and one component schema) at a time, as
    RootValidator does in one go, so that an error names its operation and a
    failure stops only that operation's check.

    What is validated: `document` is the spec filtered to the selected
    operations, so with include_operations naming a few operations the
    (expensive) keyword pass covers only those paths. Components are
    published whole, so they are validated whole: a semantic error in an
    unused component is still reported, since AgentCore receives it too.
    Pruning unused components would be faster but would change what is
    published.
    """
    from jsonschema_path import SchemaPath
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
    from openapi_spec_validator.settings import get_resolved_cache_maxsize

    v31 = str(document.get("openapi", "")).startswith("3.1")
    cls = _locating(OpenAPIV31SpecValidator if v31 else OpenAPIV30SpecValidator)
    sink = _ValidatorSink(selected, spec.bad_refs, document)
    sink.run_schema_pass(partial(cls.schema_validator.iter_errors, document))

    root = SchemaPath.from_dict(
        document, handlers=_NO_RETRIEVAL, resolved_cache_maxsize=get_resolved_cache_maxsize()
    )
    keyword = partial(_keyword, cls(root).keyword_validators_registry)
    if "tags" in document and "tags" in cls.keyword_validators:
        sink.run(child(ROOT, "tags"), None, partial(keyword("tags"), root / "tags"))
    schemas_path = child(child(ROOT, "components"), "schemas")
    for name, schema in _children(root, "components", "schemas").items():
        check = partial(keyword("schema"), schema)
        sink.run(child(schemas_path, str(name)), None, check, relative_paths=True)
    items = _children(root, "paths")
    for op in selected:
        item = items[op.url]
        params = item / "parameters" if "parameters" in op.item else None
        check = partial(keyword("operation"), op.url, op.method, item / op.method, params)
        sink.run(op.base, op, check)
    sink.share_located(spec, selected)
    return sink.findings


@cache
def _locating(validator: type[Any]) -> type[Any]:
    """`validator` whose schema keyword marks each error with the schema it
    was found in (the innermost: the keyword validator recurses through
    itself), so that an error in a shared component is reported where it is
    ("components.parameters.Limit.schema"), not at whichever operation
    reached it first. The library checks each schema object once per run
    (`visited_schema_ids`): the other operations that use it are told after
    the pass (`share_located`)."""
    base = validator.keyword_validators["schema"]

    class LocatedSchemaValidator(base):  # type: ignore[valid-type, misc]
        def __call__(self, schema: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            value = schema.read_value()
            for error in super().__call__(schema, *args, **kwargs):
                if getattr(error, _SCHEMA_MARK, None) is None:
                    setattr(error, _SCHEMA_MARK, value)
                yield error

    keywords = {**validator.keyword_validators, "schema": LocatedSchemaValidator}
    return type(f"Located{validator.__name__}", (validator,), {"keyword_validators": keywords})


# The attribute a LocatedSchemaValidator sets on an error: the schema object.
_SCHEMA_MARK = "registry_schema"


def _within(path: str, where: str) -> bool:
    """Whether JSON path `path` is `where` or inside it."""
    return path == where or path.startswith((where + ".", where + "["))


def _paths_of_objects(document: Any) -> dict[int, str]:
    """The JSON path of every dict in `document`, by id (the first place, if
    one object is in two: YAML anchors)."""
    found: dict[int, str] = {}
    stack: list[tuple[Any, str]] = [(document, ROOT)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            if id(node) in found:
                continue
            found[id(node)] = path
            stack.extend(
                (v, child(path, str(k))) for k, v in node.items() if isinstance(v, (dict, list))
            )
        elif isinstance(node, list):
            stack.extend(
                (v, child(path, i)) for i, v in enumerate(node) if isinstance(v, (dict, list))
            )
    return found


def _children(root: SchemaPath, *keys: str) -> dict[Any, SchemaPath]:
    """The children of root/keys by key. Not `node / key`: SchemaPath splits
    a string key at "#", and real path keys have one ("/files/{id}#copy")."""
    node = root
    for key in keys:
        if key not in node:
            return {}
        node = node / key
    return dict(node.items())


class _ValidatorError(Protocol):
    """What we read of a jsonschema ValidationError."""

    message: str
    relative_path: Sequence[Any]


class _AbsoluteError(Protocol):
    message: str
    absolute_path: Sequence[Any]


def _keyword(
    registry: KeywordValidatorRegistry, name: str
) -> Callable[..., Iterable[_ValidatorError]]:
    # The keyword validators are callables; the registry's type says only
    # KeywordValidator, the base class, which declares no __call__.
    return cast("Callable[..., Iterable[_ValidatorError]]", registry[name])


class _ValidatorSink:
    """Turns validator errors into findings on the operation they concern."""

    def __init__(
        self, selected: Sequence[Operation], known_bad_refs: set[str], document: Any
    ) -> None:
        self._ops = {op.ident: op for op in selected}
        self._known_bad_refs = known_bad_refs
        self._with_errors: set[str] = set()
        self.findings: list[Finding] = []
        self._document = document
        self._where: dict[int, str] | None = None  # id of a dict -> its path, on first need
        self._located: list[Issue] = []  # issues placed outside the operation that found them

    def _location(self, node: Any) -> str | None:
        """Where `node` (an object of the document) is, or None."""
        if self._where is None:
            self._where = _paths_of_objects(self._document)
        return self._where.get(id(node)) if node is not None else None

    def share_located(self, spec: Spec, selected: Sequence[Operation]) -> None:
        """Each issue found in a component also goes to the other operations
        that reach it (the validator checked the component once)."""
        for issue in self._located:
            for op in selected:
                if issue in op.issues:
                    continue
                if any(_within(issue.path, where) for where in spec.reached(op)):
                    op.issues.append(issue)

    def run_schema_pass(self, check: Callable[[], Iterable[_AbsoluteError]]) -> None:
        """The OpenAPI JSON Schema over the whole document: exact paths."""
        try:
            for error in check():
                self._add_absolute(tuple(error.absolute_path), error.message)
        except Exception as exc:  # e.g. YAML's int keys or dates: not JSON data
            message = (
                f"the spec could not be validated ({type(exc).__name__}): it must be JSON "
                "data (string keys, no dates)"
            )
            self._add(ROOT, None, message)

    def _add_absolute(self, parts: tuple[Any, ...], message: str) -> None:
        op = None
        if len(parts) >= 3 and parts[0] == "paths":
            op = self._ops.get((str(parts[1]), str(parts[2])))
        self._add(join(parts), op, short(message, _MAX_MESSAGE))

    def run(
        self,
        base: str,
        op: Operation | None,
        check: Callable[[], Iterable[_ValidatorError]],
        *,
        relative_paths: bool = False,
    ) -> None:
        from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError
        from referencing.exceptions import Unresolvable

        try:
            for error in check():
                if isinstance(error, DuplicateOperationIDError):
                    continue  # reported as duplicate-operation-id, with both operations
                self._add_relative(base, op, error, relative_paths=relative_paths)
        except Unresolvable as exc:
            # Every non-local or dangling $ref is already a finding of ours;
            # anything else (a `$id` moving the base URI) was refused here.
            if str(exc.ref) not in self._known_bad_refs:
                message = f"$ref {short(repr(str(exc.ref)))} cannot be resolved locally"
                self._add(base, op, message, rule="unresolved-ref")
        except Exception as exc:  # the validator tripping on a malformed part
            if base not in self._with_errors:
                message = f"this part could not be validated ({type(exc).__name__})"
                self._add(base, op, message)

    def _add_relative(
        self, base: str, op: Operation | None, error: _ValidatorError, *, relative_paths: bool
    ) -> None:
        inner = join(error.relative_path)
        message = short(error.message, _MAX_MESSAGE)
        where = self._location(getattr(error, _SCHEMA_MARK, None)) if op is not None else None
        if op is not None and where is not None:
            # Said where the schema is: in the operation, or in a component
            # that other operations may reach too.
            path = where if inner == ROOT else join(error.relative_path, start=where)
            issue = Issue("openapi-invalid", path, message)
            if not _within(where, op.base):
                self._located.append(issue)
            self._with_errors.add(op.base)
            if issue not in op.issues:
                op.issues.append(issue)
        elif inner == ROOT:
            self._add(base, op, message)
        elif relative_paths:
            self._add(join(error.relative_path, start=base), op, message)
        else:
            # Inside an operation the error's path is relative to whichever
            # schema was being checked, not to the operation: say it in words.
            self._add(base, op, f"{message} (at {inner} in a schema this operation uses)")

    def _add(self, path: str, op: Operation | None, message: str, rule: str = "") -> None:
        rule = rule or "openapi-invalid"
        self._with_errors.add(op.base if op else path)
        if op is not None:
            op.issues.append(Issue(rule, path, message))
        else:
            self.findings.append(doc_error(rule, path, message))
