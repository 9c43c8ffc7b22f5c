"""services/tools/spec_intake: every source form -> one parsed, size- and shape-checked spec."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from services.errors import InternalError, InvalidSpecError, PayloadTooLargeError, SpecFetchError
from services.tools import spec_intake
from services.tools.models import (
    MAX_SPEC_BYTES,
    ApiInfoSource,
    FileSource,
    InlineSource,
    S3Source,
    UrlSource,
)
from services.tools.spec_intake import (
    JSON_MEDIA_TYPE,
    MAX_ALIASES,
    MAX_DEPTH,
    YAML_MEDIA_TYPE,
    LoadedSpec,
    load_spec,
)

SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs"

PETSTORE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Pets", "version": "1.0.0"},
    "servers": [{"url": "https://api.example.com"}],
    "paths": {
        "/pets": {"get": {"operationId": "listPets", "responses": {"200": {"description": "ok"}}}}
    },
}
PETSTORE_YAML = """\
openapi: 3.0.3
info:
  title: Pets
  version: 1.0.0
servers:
  - url: https://api.example.com
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        200:
          description: ok
"""


def inline(spec: Any) -> InlineSource:
    return InlineSource.model_validate({"type": "inline", "spec": spec})


def file(content: bytes, filename: str = "spec.yaml") -> FileSource:
    encoded = base64.b64encode(content).decode()
    return FileSource.model_validate(
        {"type": "file", "filename": filename, "content_base64": encoded}
    )


def refused(source: Any, error: type[Exception] = InvalidSpecError, **kwargs: Any) -> Any:
    with pytest.raises(error) as caught:
        load_spec(source, **kwargs)
    return caught.value


@pytest.fixture
def pure_python_yaml(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """PyYAML without libyaml: the fallback loader must be just as safe."""
    monkeypatch.delattr(yaml, "CSafeLoader")
    spec_intake._loader_class.cache_clear()
    yield
    spec_intake._loader_class.cache_clear()


# --- the source forms -------------------------------------------------------


def test_inline_object_is_used_as_is_and_stored_as_canonical_json() -> None:
    loaded = load_spec(inline(PETSTORE))
    assert loaded.document == PETSTORE
    assert loaded.media_type == JSON_MEDIA_TYPE
    assert loaded.raw == json.dumps(PETSTORE, sort_keys=True, separators=(",", ":")).encode()
    assert loaded.description == {"type": "inline"}


def test_inline_json_string_keeps_its_bytes() -> None:
    text = json.dumps(PETSTORE, indent=2)
    loaded = load_spec(inline(text))
    assert loaded.document == PETSTORE
    assert loaded.raw == text.encode()
    assert loaded.media_type == JSON_MEDIA_TYPE


def test_inline_yaml_string() -> None:
    loaded = load_spec(inline(PETSTORE_YAML))
    assert loaded.document == PETSTORE
    assert loaded.raw == PETSTORE_YAML.encode()
    assert loaded.media_type == YAML_MEDIA_TYPE
    validate(loaded.document)


def test_file_json_and_yaml_are_told_apart_by_content_not_name() -> None:
    as_json = load_spec(file(json.dumps(PETSTORE).encode(), "petstore.yaml"))
    as_yaml = load_spec(file(PETSTORE_YAML.encode(), "petstore.json"))
    assert as_json.media_type == JSON_MEDIA_TYPE
    assert as_yaml.media_type == YAML_MEDIA_TYPE
    assert as_json.document == as_yaml.document == PETSTORE
    assert as_yaml.raw == PETSTORE_YAML.encode()
    assert as_yaml.description == {"type": "file", "filename": "petstore.json"}


def test_file_with_byte_order_mark_and_leading_space() -> None:
    loaded = load_spec(file(b"\xef\xbb\xbf\n  " + json.dumps(PETSTORE).encode(), "a.json"))
    assert loaded.media_type == JSON_MEDIA_TYPE
    assert loaded.document == PETSTORE


def test_file_base64_wrapped_in_lines_is_accepted() -> None:
    wrapped = base64.encodebytes(PETSTORE_YAML.encode()).decode()  # 76-column lines
    assert "\n" in wrapped.strip()
    source = FileSource.model_validate(
        {"type": "file", "filename": "p.yaml", "content_base64": wrapped}
    )
    assert load_spec(source).document == PETSTORE


@pytest.mark.parametrize(
    "content", ["not base64!", "YW=Jj", "YW Jj", "é" * 8, "YWJjZA", "=YWJj", "YWJj\t"]
)
def test_bad_base64_is_refused(content: str) -> None:
    source = FileSource.model_validate(
        {"type": "file", "filename": "p.yaml", "content_base64": content}
    )
    error = refused(source)
    assert error.details == [
        {"path": "source.content_base64", "message": "content_base64 is not valid base64"}
    ]


def test_url_source_goes_through_the_fetcher_and_keeps_no_query() -> None:
    asked: list[str] = []

    def fetcher(url: str) -> bytes:
        asked.append(url)
        return PETSTORE_YAML.encode()

    url = "https://specs.example.com/pets.yaml?token=s3cr3t#frag"
    loaded = load_spec(UrlSource.model_validate({"type": "url", "url": url}), fetcher=fetcher)
    assert asked == [url]
    assert loaded.document == PETSTORE
    assert loaded.description == {"type": "url", "url": "https://specs.example.com/pets.yaml"}
    assert "s3cr3t" not in json.dumps(loaded.description)


def test_url_source_uses_url_fetch_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.tools import url_fetch

    asked: list[tuple[str, dict[str, Any]]] = []

    def fetch_spec(url: str, **kwargs: Any) -> bytes:
        asked.append((url, kwargs))
        return json.dumps(PETSTORE).encode()

    monkeypatch.setattr(url_fetch, "fetch_spec", fetch_spec)
    source = UrlSource.model_validate({"type": "url", "url": "https://specs.example.com/p.json"})
    assert load_spec(source).document == PETSTORE
    # The spec's own bound, and no exception to the address rules.
    assert asked == [
        (
            "https://specs.example.com/p.json",
            {"max_bytes": MAX_SPEC_BYTES, "policy": url_fetch.NO_EXCEPTIONS},
        )
    ]


def test_url_refusal_passes_through() -> None:
    def fetcher(url: str) -> bytes:
        raise SpecFetchError("only https:// spec URLs are fetched, not http:")

    source = UrlSource.model_validate({"type": "url", "url": "http://specs.example.com/p"})
    refused(source, SpecFetchError, fetcher=fetcher)


def test_s3_source_goes_through_the_reader() -> None:
    key = "uploads/payments/abc/pets.yaml"
    loaded = load_spec(
        S3Source.model_validate({"type": "s3", "key": key}),
        s3_reader={key: PETSTORE_YAML.encode()}.__getitem__,
    )
    assert loaded.document == PETSTORE
    assert loaded.media_type == YAML_MEDIA_TYPE
    assert loaded.description == {"type": "s3", "key": key}


def test_s3_source_without_a_reader_is_our_fault() -> None:
    source = S3Source.model_validate({"type": "s3", "key": "uploads/payments/x.yaml"})
    error = refused(source, InternalError)
    assert "S3" in error.message


def test_api_info_source_is_generated_and_stored_as_canonical_json() -> None:
    source = ApiInfoSource.model_validate(
        {
            "type": "api_info",
            "api": {
                "title": "Pets",
                "base_url": "https://api.example.com",
                "endpoints": [{"method": "GET", "path": "/pets/{id}"}],
            },
        }
    )
    loaded = load_spec(source)
    assert loaded.media_type == JSON_MEDIA_TYPE
    assert loaded.description == {"type": "api_info", "title": "Pets"}
    assert json.loads(loaded.raw) == loaded.document
    assert loaded.document["paths"]["/pets/{id}"]["get"]["operationId"] == "getPetsById"
    validate(loaded.document)


def test_api_info_refusal_passes_through() -> None:
    source = ApiInfoSource.model_validate(
        {
            "type": "api_info",
            "api": {
                "title": "Pets",
                "base_url": "http://api.example.com",
                "endpoints": [{"method": "GET", "path": "/pets"}],
            },
        }
    )
    assert refused(source).details[0]["path"] == "base_url"


def test_loaded_spec_is_frozen() -> None:
    loaded = load_spec(inline(PETSTORE))
    assert isinstance(loaded, LoadedSpec)
    with pytest.raises(AttributeError):
        loaded.media_type = "text/plain"  # type: ignore[misc]


# --- size -------------------------------------------------------------------


def test_oversize_string_is_refused_before_parsing() -> None:
    # Broken JSON: a parse would say InvalidSpec, the size check comes first.
    error = refused(inline("{" + " " * MAX_SPEC_BYTES), PayloadTooLargeError)
    assert error.details[0]["path"] == "source.spec"
    assert "limit" in error.message


def test_oversize_file_is_refused_before_decoding() -> None:
    big = "A" * ((MAX_SPEC_BYTES // 3 + 2) * 4)
    source = FileSource.model_validate({"type": "file", "filename": "x", "content_base64": big})
    assert refused(source, PayloadTooLargeError).details[0]["path"] == "source.content_base64"


def test_oversize_s3_object_and_url_body_are_refused() -> None:
    blob = b"{" + b" " * MAX_SPEC_BYTES
    s3 = S3Source.model_validate({"type": "s3", "key": "uploads/payments/big.json"})
    url = UrlSource.model_validate({"type": "url", "url": "https://x.example.com/big"})
    refused(s3, PayloadTooLargeError, s3_reader=lambda key: blob)
    refused(url, PayloadTooLargeError, fetcher=lambda u: blob)


def test_oversize_inline_object_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec_intake, "MAX_SPEC_BYTES", 100)
    refused(inline({"openapi": "3.0.3", "x": "y" * 200}), PayloadTooLargeError)


# --- YAML safety ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo pwned']",
        "a: !!python/object:collections.OrderedDict {}",
        "a: !!python/name:os.system",
        "!!python/object/new:type\nargs: [x, !!python/tuple [], {}]",
        "a: !!binary aGVsbG8=",
        "a: !!set {x: null}",
        "a: !custom thing",
    ],
)
def test_python_and_non_json_tags_are_refused(text: str) -> None:
    error = refused(inline(text))
    assert "could not determine a constructor" in error.message
    assert error.details[0]["path"] == "source.spec"


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_fast_and_small() -> None:
    tracemalloc.start()
    started = time.monotonic()
    error = refused(inline(billion_laughs()))
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "expands to more than" in error.message
    assert elapsed < 1.0
    assert peak < 20 * 1024 * 1024


def test_too_many_aliases_are_refused() -> None:
    text = "x: &x 1\nitems: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n"
    assert "aliases" in refused(inline(text)).message


def test_a_few_aliases_and_merge_keys_work() -> None:
    text = """\
base: &base {type: object, description: base}
a: *base
b:
  <<: *base
  description: own
"""
    document = load_spec(inline(text)).document
    assert document["a"] == {"type": "object", "description": "base"}
    assert document["b"] == {"type": "object", "description": "own"}


def test_recursive_alias_is_refused() -> None:
    assert "refers to itself" in refused(inline("a: &x [1, *x]\n")).message


@pytest.mark.usefixtures("pure_python_yaml")
def test_pure_python_loader_refuses_bombs_and_tags_too() -> None:
    assert spec_intake._loader_class().__mro__[1] is yaml.SafeLoader
    assert "expands to more than" in refused(inline(billion_laughs())).message
    assert "constructor" in refused(inline("a: !!python/name:os.system")).message
    assert load_spec(inline(PETSTORE_YAML)).document == PETSTORE


def test_c_loader_is_used_when_available() -> None:
    assert spec_intake._loader_class().__mro__[1] is yaml.CSafeLoader


# --- depth ------------------------------------------------------------------


def deep_json(depth: int) -> str:
    return '{"a": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    "text",
    [
        deep_json(10_000),
        deep_json(MAX_DEPTH),  # one more than the limit, with the root object
        "a: " + "[" * 10_000 + "]" * 10_000,
        "a: " + "{b: " * 10_000 + "1" + "}" * 10_000,
        "a:\n" + "".join("  " * n + "- \n" for n in range(1, 300)),
        "- " * 10_000 + "x\n",
    ],
)
def test_deep_nesting_is_refused_cleanly(text: str) -> None:
    error = refused(inline(text))
    assert "deeper than" in error.message or "nesting depth" in error.message


@pytest.mark.usefixtures("pure_python_yaml")
def test_deep_nesting_is_refused_by_the_pure_python_loader() -> None:
    error = refused(inline("a: " + "[" * 10_000 + "]" * 10_000))
    assert "deeper than" in error.message


def test_nesting_at_the_limit_is_accepted() -> None:
    assert load_spec(inline(deep_json(MAX_DEPTH - 1))).document["a"]
    assert load_spec(inline("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))).document


def test_inline_object_that_contains_itself_is_refused() -> None:
    looped: dict[str, Any] = {"openapi": "3.0.3"}
    looped["self"] = looped
    assert "deeper than" in refused(inline(looped)).message


# --- shape and syntax -------------------------------------------------------


@pytest.mark.parametrize("text", ["[1, 2]", "just a string", "null", "42", "- a\n- b\n"])
def test_root_must_be_a_mapping(text: str) -> None:
    assert "mapping" in refused(inline(text)).message


@pytest.mark.parametrize("text", ["   \n\t", "\ufeff", "# only a comment\n"])
def test_empty_spec_is_refused(text: str) -> None:
    assert "empty" in refused(inline(text)).message


def test_duplicate_keys_are_refused() -> None:
    assert "appears twice" in refused(inline('{"a": 1, "a": 2}')).message
    error = refused(inline("a: 1\nb: 2\na: 3\n"))
    assert "appears twice" in error.message
    assert "line 3" in error.message
    # `200` and "200" are the same key once keys are text.
    assert "appears twice" in refused(inline("200: x\n'200': y\n")).message


def test_yaml_keys_are_text_and_dates_stay_text() -> None:
    document = load_spec(inline("200: ok\ntrue: yes\nversion: 2023-09-01\n")).document
    assert document == {"200": "ok", "true": True, "version": "2023-09-01"}
    json.dumps(document)


def test_complex_yaml_key_is_refused() -> None:
    assert "plain value" in refused(inline("? [a, b]\n: c\n")).message


def test_several_yaml_documents_are_refused() -> None:
    assert "another document" in refused(inline("a: 1\n---\nb: 2\n")).message


def test_broken_json_is_reported_with_its_position() -> None:
    error = refused(inline('{\n  "openapi": "3.0.3",\n  "info": }'))
    assert error.message.startswith("the spec is not valid JSON")
    assert "line 3" in error.message


def test_nan_is_refused_in_json() -> None:
    assert "NaN" in refused(inline('{"a": NaN}')).message


def test_yaml_error_does_not_echo_the_document() -> None:
    text = "password: hunter2-very-secret\nkey: [unclosed\n"
    error = refused(inline(text))
    assert "hunter2" not in error.message
    assert "hunter2" not in json.dumps(error.details)
    assert "line" in error.message
    assert "<unicode string>" not in error.message


def test_not_utf8_is_refused() -> None:
    assert "UTF-8" in refused(file(b"openapi: \xff\xfe\n")).message
    # pydantic already refuses a lone surrogate; the check stands behind it.
    lone_surrogate = InlineSource.model_construct(type="inline", spec="openapi: \ud800")
    assert "Unicode" in refused(lone_surrogate).message


def test_control_characters_are_refused() -> None:
    assert "forbidden character" in refused(inline("a: \x01\n")).message


@pytest.mark.parametrize("loader", ["libyaml", "pure"])
def test_a_forbidden_character_is_named_with_its_line_and_column(
    loader: str, request: pytest.FixtureRequest
) -> None:
    if loader == "pure":
        request.getfixturevalue("pure_python_yaml")
    # Non-ASCII before it: libyaml counts bytes, the message characters.
    error = refused(inline("title: Zürich café\ndescription: bell\x07here\n"))
    assert error.message == (
        "the spec is not valid YAML: it holds the forbidden character U+0007 (line 2, column 18)"
    )


@pytest.mark.parametrize("loader", ["libyaml", "pure"])
def test_plain_equals_and_merge_signs_are_text_as_in_yaml_12(
    loader: str, request: pytest.FixtureRequest
) -> None:
    # YAML 1.1 resolves a plain `=` to its value tag, which PyYAML's safe
    # loader cannot build: specs writing `=` as an enum value or an example
    # (an operator list, a padding character) were refused as "not valid YAML".
    if loader == "pure":
        request.getfixturevalue("pure_python_yaml")
    text = "a: =\nops: [=, '<', <<]\n=: key\nbase: &b {x: 1}\nmerged: {<<: *b, y: 2}\n"
    assert load_spec(inline(text)).document == {
        "a": "=",
        "ops": ["=", "<", "<<"],
        "=": "key",
        "base": {"x": 1},
        "merged": {"x": 1, "y": 2},
    }


def test_inline_object_with_non_json_values_is_refused() -> None:
    assert "JSON cannot represent" in refused(inline({"a": float("nan")})).message


# --- real specs -------------------------------------------------------------

REAL_JSON = [
    "oai_petstore-expanded_v30.json",
    "oai_webhook-example_v31.json",
    "oai_uber_v20.json",
    "box_openapi.json",
    "discord_openapi.json",
    "openai_openapi.json",
]
requires_specs = pytest.mark.skipif(not SPECS.is_dir(), reason="shared/specs is not there")


@requires_specs
@pytest.mark.parametrize("name", REAL_JSON)
def test_real_json_specs_load_inline_and_as_files(name: str) -> None:
    content = (SPECS / name).read_bytes()
    as_text = load_spec(inline(content.decode()))
    as_file = load_spec(file(content, name))
    assert as_text.media_type == as_file.media_type == JSON_MEDIA_TYPE
    assert as_text.raw == as_file.raw == content
    assert as_text.document == as_file.document == json.loads(content)


@requires_specs
def test_real_stripe_yaml_loads_with_the_c_loader() -> None:
    content = (SPECS / "stripe_spec3_2023-09.yaml").read_bytes()
    started = time.monotonic()
    loaded = load_spec(file(content, "spec3.yaml"))
    elapsed = time.monotonic() - started
    assert loaded.media_type == YAML_MEDIA_TYPE
    assert loaded.raw == content
    assert loaded.document["openapi"] == "3.0.0"
    assert len(loaded.document["paths"]) == 318
    json.dumps(loaded.document)  # only JSON types came out
    # ~1.5-3 s on a 2-core machine; the bound only catches a fall to the
    # pure-Python loader (~7 s) or a quadratic walk.
    assert elapsed < 15, f"the Stripe spec took {elapsed:.1f} s"


def test_importing_the_intake_loads_neither_yaml_nor_requests() -> None:
    # Gateway actions import the services package; only a spec parse pays for these.
    code = (
        "import sys, services.tools.spec_intake, services.tools.url_fetch, "
        "services.openapi_generator.openapi_generator; "
        "print(sorted(m for m in ('yaml', 'requests', 'urllib3') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
