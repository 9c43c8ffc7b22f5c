"""Every form of a tool's `source` -> one parsed OpenAPI document (docs/api.md, "Sources").

`load_spec` is the single way in: inline objects and strings, base64 files,
URLs, uploads in S3 and `api_info` descriptions all come out as a
`LoadedSpec` holding the document, the bytes the registry stores, their
media type and a description of the source that is safe to keep in DynamoDB.

The input is untrusted and up to 10 MB, so parsing is defensive: the size is
checked before parsing, YAML is read with a safe loader that knows only the
JSON types, aliases and nesting are measured on the composed node graph
before anything is built from it (a "billion laughs" document is a few
hundred bytes that expand to 10^9 values), and every failure is an
`InvalidSpecError` that names the place and never echoes the content.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from services.errors import InternalError, InvalidSpecError, PayloadTooLargeError
from services.tools.models import (
    MAX_SPEC_BYTES,
    ApiInfoSource,
    FileSource,
    InlineSource,
    S3Source,
    UrlSource,
)

if TYPE_CHECKING:
    from yaml.nodes import Node

    from services.tools.url_fetch import FetchPolicy

JSON_MEDIA_TYPE = "application/json"
YAML_MEDIA_TYPE = "application/yaml"
# Real specs nest a few dozen levels; 200 leaves room and stays far below
# Python's recursion limit for anything that walks the document later.
MAX_DEPTH = 200
# Aliases are rare in OpenAPI YAML (specs use $ref); a thousand is plenty.
MAX_ALIASES = 1_000
# Values after aliases are expanded. The 4 MB Stripe spec holds ~175,000;
# ten times that bounds what an alias-heavy document may grow to.
MAX_NODES = 2_000_000
_MAX_ECHO = 120  # longest piece of a parser message repeated to the caller
_LEADING = " \t\r\n\ufeff"  # whitespace and a byte order mark before the content
_MERGE_TAG = "tag:yaml.org,2002:merge"

Source = InlineSource | FileSource | UrlSource | S3Source | ApiInfoSource


@dataclass(frozen=True)
class LoadedSpec:
    document: dict[str, Any]
    raw: bytes  # what the registry stores in S3
    media_type: str  # JSON_MEDIA_TYPE or YAML_MEDIA_TYPE
    description: dict[str, Any]  # the source, without its content or secrets


def load_spec(
    source: Source,
    *,
    s3_reader: Callable[[str], bytes] | None = None,
    fetcher: Callable[[str], bytes] | None = None,
    fetch_policy: FetchPolicy | None = None,
) -> LoadedSpec:
    """Read, size-check and parse the spec that `source` names.

    `fetch_policy` is the test-only exception list of `url_fetch`
    (`Runtime.fetch_policy`); None is the production rule: none.
    """
    if isinstance(source, InlineSource):
        return _from_inline(source)
    if isinstance(source, FileSource):
        return _from_file(source)
    if isinstance(source, UrlSource):
        return _from_url(source, fetcher, fetch_policy)
    if isinstance(source, S3Source):
        return _from_s3(source, s3_reader)
    return _from_api_info(source)


# --- the source forms -------------------------------------------------------


def _from_inline(source: InlineSource) -> LoadedSpec:
    description = {"type": "inline"}
    if isinstance(source.spec, dict):
        return _from_object(source.spec, description, "source.spec")
    try:
        raw = source.spec.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate ("\ud800") survives JSON decoding but not UTF-8.
        raise _invalid("source.spec", "the spec is not valid Unicode text") from None
    return _from_bytes(raw, description, "source.spec")


def _from_file(source: FileSource) -> LoadedSpec:
    where = "source.content_base64"
    # Line breaks are how base64 tools wrap output (MIME, PEM); anything
    # else outside the alphabet is refused by validate=True.
    encoded = source.content_base64.replace("\r", "").replace("\n", "")
    # Refuse by the encoded length, before decoding 10+ MB into memory.
    if len(encoded) > (MAX_SPEC_BYTES + 2) // 3 * 4:
        raise _too_large(where, (len(encoded) // 4) * 3)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except ValueError:  # binascii.Error, or non-ASCII characters
        raise _invalid(where, "content_base64 is not valid base64") from None
    return _from_bytes(raw, {"type": "file", "filename": source.filename}, where)


def _from_url(
    source: UrlSource,
    fetcher: Callable[[str], bytes] | None,
    fetch_policy: FetchPolicy | None,
) -> LoadedSpec:
    if fetcher is None:
        from services.tools.url_fetch import NO_EXCEPTIONS, fetch_spec

        fetcher = partial(
            fetch_spec, max_bytes=MAX_SPEC_BYTES, policy=fetch_policy or NO_EXCEPTIONS
        )
    raw = fetcher(source.url)
    return _from_bytes(raw, {"type": "url", "url": public_url(source.url)}, "source.url")


def _from_s3(source: S3Source, s3_reader: Callable[[str], bytes] | None) -> LoadedSpec:
    if s3_reader is None:
        # A wiring fault of ours, not the caller's: they named a valid key.
        raise InternalError("internal error: no reader for specs held in S3")
    raw = s3_reader(source.key)
    return _from_bytes(raw, {"type": "s3", "key": source.key}, "source.key")


def _from_api_info(source: ApiInfoSource) -> LoadedSpec:
    from services.openapi_generator.openapi_generator import generate

    document = generate(source.api)
    return _from_object(document, {"type": "api_info", "title": source.api.title}, "source.api")


def public_url(url: str) -> str:
    """The URL without user info, query or fragment, which may carry tokens."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


# --- bytes and objects -> LoadedSpec ----------------------------------------


def _from_object(document: dict[str, Any], description: dict[str, Any], where: str) -> LoadedSpec:
    """An already-parsed document: checked like a parsed one, stored as canonical JSON."""
    _check_tree(document, where)
    try:
        raw = json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError):  # a non-JSON value, NaN, a lone surrogate
        raise _invalid(where, "the spec holds a value that JSON cannot represent") from None
    _check_size(raw, where)
    return LoadedSpec(document, raw, JSON_MEDIA_TYPE, description)


def _from_bytes(raw: bytes, description: dict[str, Any], where: str) -> LoadedSpec:
    _check_size(raw, where)
    text = _decode(raw, where)
    document, media_type = _parse_text(text, where)
    return LoadedSpec(document, raw, media_type, description)


def _check_size(raw: bytes, where: str) -> None:
    if len(raw) > MAX_SPEC_BYTES:
        raise _too_large(where, len(raw))


def _decode(raw: bytes, where: str) -> str:
    try:
        # utf-8-sig: a leading byte order mark is dropped, not parsed.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _invalid(
            where, f"the spec is not UTF-8 text (bad byte at offset {error.start})"
        ) from None
    if not text.strip(_LEADING):
        raise _invalid(where, "the spec is empty")
    return text


def _parse_text(text: str, where: str) -> tuple[dict[str, Any], str]:
    """JSON when the content starts with "{", else YAML.

    The content decides, not a file name: `spec.json` holding YAML is read as
    YAML. There is no second try as YAML for broken JSON: YAML reads
    `{"a": }` as {"a": null}, turning a typo into a different document.
    """
    body = text.lstrip(_LEADING)
    if body.startswith("{"):
        return _load_json(body, where), JSON_MEDIA_TYPE
    return _load_yaml(body, where), YAML_MEDIA_TYPE


# --- JSON -------------------------------------------------------------------


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's object hook: refuse a repeated key rather than keep the last silently.

    Parsers disagree on which copy wins, so AgentCore could read another
    operation than the one we validated.
    """
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return result


def _refuse_constant(name: str) -> Any:
    raise _invalid("", f"{name} is not a JSON value")


def _load_json(body: str, where: str) -> dict[str, Any]:
    try:
        document = json.loads(body, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        position = f"line {error.lineno}, column {error.colno}"
        raise _invalid(where, f"the spec is not valid JSON: {error.msg} ({position})") from None
    except RecursionError:
        # The C scanner recurses once per nesting level.
        raise _too_deep(where, "") from None
    except _DuplicateKeyError as error:
        raise _invalid(where, f"the key {_echo(error.key)} appears twice in one object") from None
    except InvalidSpecError as error:
        raise _invalid(where, error.message) from None
    _check_tree(document, where)
    return _root_mapping(document, where)


def _check_tree(document: Any, where: str) -> None:
    """Nesting depth and value count of a parsed document, without recursion.

    A document that refers to itself (possible only for one built in Python)
    never ends and so is refused as too deep.
    """
    count = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep(where, "")
        if not isinstance(value, dict | list):
            continue
        children = value.values() if isinstance(value, dict) else value
        count += len(children)
        if count > MAX_NODES:
            raise _too_many(where)
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _root_mapping(document: Any, where: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise _invalid(where, "the spec must be a mapping (an OpenAPI object) at its root")
    return document


# --- YAML -------------------------------------------------------------------


def _load_yaml(body: str, where: str) -> dict[str, Any]:
    import yaml

    try:
        # PyYAML's own reader checks every character here; libyaml while parsing.
        loader = _loader_class()(body)
    except yaml.reader.ReaderError as error:
        raise _invalid(where, _forbidden(error, body, in_bytes=False)) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise _invalid(where, "the spec is empty")
        _check_graph(node, where)
        document = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise _yaml_problem(error, where) from None
    except yaml.reader.ReaderError as error:
        # A control character or other non-printable input: say which, and where.
        # libyaml counts UTF-8 bytes, PyYAML's own reader characters.
        in_bytes = isinstance(loader, getattr(yaml, "CSafeLoader", ()))
        raise _invalid(where, _forbidden(error, body, in_bytes=in_bytes)) from None
    except yaml.YAMLError:
        raise _invalid(where, "the spec is not valid YAML") from None
    except RecursionError:
        # The pure-Python composer recurses per level; libyaml stops at 1,000.
        raise _too_deep(where, "") from None
    finally:
        loader.dispose()
    return _root_mapping(document, where)


@cache
def _loader_class() -> type[Any]:
    """A SafeLoader that builds only what JSON can hold.

    libyaml's C parser when PyYAML has it (about 4 times faster on a big
    spec), else the pure-Python one; the constructor is the safe one either
    way, so `!!python/...` tags fail. Timestamps stay text (as in JSON and
    YAML 1.2), and `!!binary`, `!!set`, `!!omap` and `!!pairs` are refused:
    the document goes on to JSON, DynamoDB and the validator. A plain `=`
    (YAML 1.1's value key) and a plain `<<` where no merge can be (a value)
    are text, as YAML 1.2 reads them: PyYAML resolves them to tags it has
    no safe constructor for, and refused specs whose authors wrote `=` as
    text (benchmarks/corpus). Built once: the class holds no state, each
    parse makes its own instance.
    """
    import yaml
    from yaml.constructor import SafeConstructor

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    tag = "tag:yaml.org,2002:"
    constructors: dict[str | None, Any] = {
        f"{tag}null": SafeConstructor.construct_yaml_null,
        f"{tag}bool": SafeConstructor.construct_yaml_bool,
        f"{tag}int": SafeConstructor.construct_yaml_int,
        f"{tag}float": SafeConstructor.construct_yaml_float,
        f"{tag}str": SafeConstructor.construct_yaml_str,
        f"{tag}timestamp": SafeConstructor.construct_yaml_str,
        f"{tag}value": SafeConstructor.construct_yaml_str,
        f"{tag}merge": SafeConstructor.construct_yaml_str,
        f"{tag}seq": SafeConstructor.construct_yaml_seq,
        f"{tag}map": SafeConstructor.construct_yaml_map,
        None: SafeConstructor.construct_undefined,
    }
    return type(
        "SpecLoader",
        (base,),
        {"yaml_constructors": constructors, "construct_mapping": _construct_mapping},
    )


def _construct_mapping(self: Any, node: Any, deep: bool = False) -> dict[str, Any]:
    """A mapping whose keys are the text written (`200:` is "200", as in JSON).

    `_check_graph` has already refused non-scalar and repeated keys; what
    repeats now comes from a `<<` merge, where the mapping's own key wins.
    """
    self.flatten_mapping(node)
    construct = self.construct_object
    return {key.value: construct(value, deep=deep) for key, value in node.value}


def _check_graph(root: Node, where: str) -> None:
    """Refuse alias bombs, recursive aliases, bad keys and deep nesting before building.

    The composed graph shares one node for every use of an anchor, so it
    stays small whatever the aliases expand to. A post-order walk without
    recursion gives each distinct node its expanded size and height once;
    meeting an already measured node again is one alias use.
    """
    from yaml.nodes import MappingNode, ScalarNode

    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)
    open_nodes: set[int] = set()  # the nodes on the current path, to find cycles
    aliases = 0
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            measured[key] = _measure(node, isinstance(node, MappingNode), measured, where)
            open_nodes.discard(key)
        elif key in measured:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _invalid(where, f"the spec uses more than {MAX_ALIASES:,} YAML aliases")
        elif key in open_nodes:
            raise _invalid(where, f"a YAML alias refers to itself{_line(node)}")
        elif isinstance(node, ScalarNode):
            measured[key] = (1, 0)
        else:
            open_nodes.add(key)
            stack.append((node, True))
            if isinstance(node, MappingNode):
                _check_keys(node, ScalarNode, where)
                stack.extend((value, False) for _, value in node.value)
            else:
                stack.extend((item, False) for item in node.value)


def _check_keys(node: Node, scalar: type[Node], where: str) -> None:
    """Keys must be plain values, each once (a `<<` merge may repeat them)."""
    seen: set[str] = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, scalar):
            raise _invalid(where, f"a mapping key must be a plain value{_line(key_node)}")
        if key_node.tag == _MERGE_TAG:
            continue
        if key_node.value in seen:
            message = f"the key {_echo(key_node.value)} appears twice in one mapping"
            raise _invalid(where, message + _line(key_node))
        seen.add(key_node.value)


def _measure(
    node: Node, is_mapping: bool, measured: dict[int, tuple[int, int]], where: str
) -> tuple[int, int]:
    """Expanded size and height of a collection whose children are measured."""
    # A mapping counts its keys too; its children are the values.
    children = [value for _, value in node.value] if is_mapping else node.value
    size = 1 + (len(children) if is_mapping else 0)
    height = 0
    for child in children:
        child_size, child_height = measured[id(child)]
        size += child_size
        height = max(height, child_height)
    height += 1
    if height > MAX_DEPTH:
        raise _too_deep(where, _line(node))
    if size > MAX_NODES:
        raise _too_many(where)
    return size, height


def _forbidden(error: Any, body: str, *, in_bytes: bool) -> str:
    """A ReaderError as the character it refused (its code point) and where."""
    position = getattr(error, "position", None)
    if in_bytes and isinstance(position, int):
        position = len(body.encode("utf-8")[:position].decode("utf-8", errors="ignore"))
    character = getattr(error, "character", None)
    what = "a forbidden character"
    if isinstance(character, int):
        what = f"the forbidden character U+{character:04X}"
    elif isinstance(character, str) and len(character) == 1:
        what = f"the forbidden character U+{ord(character):04X}"
    if not isinstance(position, int) or not 0 <= position <= len(body):
        return f"the spec is not valid YAML: it holds {what}"
    line = body.count("\n", 0, position) + 1
    column = position - (body.rfind("\n", 0, position) + 1) + 1
    return f"the spec is not valid YAML: it holds {what} (line {line}, column {column})"


def _yaml_problem(error: Any, where: str) -> InvalidSpecError:
    """The parser's own words and position, without its snippet of the document."""
    problem = error.problem or error.context or "unreadable YAML"
    mark = error.problem_mark or error.context_mark
    place = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return _invalid(where, f"the spec is not valid YAML: {_shorten(problem)}{place}")


# --- errors -----------------------------------------------------------------


def _invalid(where: str, message: str) -> InvalidSpecError:
    return InvalidSpecError(message, [{"path": where, "message": message}] if where else [])


def _too_large(where: str, size: int) -> PayloadTooLargeError:
    message = f"the spec is {size:,} bytes; the limit is {MAX_SPEC_BYTES:,} bytes"
    return PayloadTooLargeError(message, [{"path": where, "message": message}])


def _too_deep(where: str, line: str) -> InvalidSpecError:
    return _invalid(where, f"the spec nests deeper than {MAX_DEPTH} levels{line}")


def _too_many(where: str) -> InvalidSpecError:
    return _invalid(where, f"the spec expands to more than {MAX_NODES:,} values")


def _line(node: Any) -> str:
    mark = getattr(node, "start_mark", None)
    return f" (line {mark.line + 1})" if mark is not None else ""


def _shorten(text: str) -> str:
    """A short piece of parser output or of a key: enough to find it, not to leak a value."""
    text = str(text)
    return text if len(text) <= _MAX_ECHO else text[:_MAX_ECHO] + "..."


def _echo(key: str) -> str:
    return repr(_shorten(key))
