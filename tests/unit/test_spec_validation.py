"""services.tools.spec_validation: every rule on a small hand-made spec, the
options, the no-fetch guarantee, the validator's cache, and the real specs of
shared/specs (see its MANIFEST.md)."""

from __future__ import annotations

import builtins
import copy
import gc
import io
import json
import socket
import subprocess
import sys
import urllib.request
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.errors import InvalidSpecError
from services.tools.models import MAX_SPEC_BYTES
from services.tools.spec_validation import (
    Finding,
    SpecReport,
    validate_spec,
)

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"
TARGET = "pets"


# -- helpers ------------------------------------------------------------------


def make_spec(**top: Any) -> dict[str, Any]:
    """A minimal valid OpenAPI 3.0 spec that AgentCore can serve: GET /pets."""
    spec: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Pets", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "paths": {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "responses": {"200": json_response({"type": "array", "items": PET_REF})},
                }
            }
        },
        "components": {"schemas": {"Pet": {"type": "object", "properties": PET_PROPS}}},
    }
    spec.update(top)
    return copy.deepcopy(spec)  # the module's constants stay as they are


PET_REF = {"$ref": "#/components/schemas/Pet"}
PET_ID = {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
PET_PROPS = {"id": {"type": "integer"}, "name": {"type": "string"}}


def json_response(schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}}


def add_operation(
    spec: dict[str, Any], path: str, method: str, operation: dict[str, Any]
) -> dict[str, Any]:
    operation.setdefault("responses", {"204": {"description": "done"}})
    spec["paths"].setdefault(path, {})[method] = operation
    return spec


def check(spec: dict[str, Any], **options: Any) -> SpecReport:
    options.setdefault("target_name", TARGET)
    return validate_spec(spec, **options)


def only(report: SpecReport, rule: str) -> Finding:
    found = [f for f in report.errors + report.warnings if f.rule == rule]
    assert len(found) == 1, (rule, report.errors, report.warnings)
    return found[0]


def rules(findings: tuple[Finding, ...]) -> list[str]:
    return [f.rule for f in findings]


def assert_finding(
    finding: Finding, rule: str, severity: str, path: str, operation: str | None
) -> None:
    assert (finding.rule, finding.severity, finding.path, finding.operation) == (
        rule,
        severity,
        path,
        operation,
    )
    assert finding.message


# -- a servable spec ----------------------------------------------------------


def test_a_servable_spec_is_ok_and_published_whole() -> None:
    spec = make_spec()
    report = check(spec)

    assert report.ok()
    assert report.errors == report.warnings == ()
    assert report.openapi_version == "3.0.3"
    assert report.published_operations == ("listPets",)
    assert report.document is spec  # nothing dropped: the input itself
    (op,) = report.operations
    assert (op.operation_id, op.method, op.path, op.tool_name) == (
        "listPets",
        "GET",
        "/pets",
        "pets___listPets",
    )
    assert op.servable
    assert op.published
    report.raise_for_errors()  # no error, nothing raised


def test_openapi_31_is_accepted() -> None:
    report = check(make_spec(openapi="3.1.0"))
    assert report.ok(), report.errors
    assert report.openapi_version == "3.1.0"


def test_to_dict_is_the_validate_spec_answer() -> None:
    spec = make_spec()
    add_operation(spec, "/pets", "post", {"operationId": "addPet", "parameters": [COOKIE]})
    answer = check(spec, on_unsupported="exclude").to_dict()

    assert json.loads(json.dumps(answer)) == answer  # plain JSON
    assert answer["ok"] is True
    assert answer["openapi_version"] == "3.0.3"
    assert answer["published_operations"] == ["listPets"]
    assert answer["errors"] == []
    assert [w["rule"] for w in answer["warnings"]] == ["cookie-parameter-unsupported"]
    ops = {op["operation_id"]: op for op in answer["operations"]}
    assert ops["addPet"]["servable"] is False
    assert ops["addPet"]["published"] is False
    assert ops["addPet"]["tool_name"] == "pets___addPet"
    assert ops["addPet"]["findings"][0] == answer["warnings"][0]
    assert set(answer["warnings"][0]) == {
        "severity",
        "rule",
        "path",
        "operation",
        "operations",
        "message",
    }
    assert answer["warnings"][0]["operations"] == ["addPet"]


# -- versions -------------------------------------------------------------------


def test_swagger_2_is_refused_with_a_conversion_hint() -> None:
    report = check({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}})

    finding = only(report, "swagger-unsupported")
    assert_finding(finding, "swagger-unsupported", "error", "swagger", None)
    assert "supports only OpenAPI 3.0 and 3.1" in finding.message
    assert "Convert" in finding.message
    assert report.openapi_version == "2.0"
    assert report.operations == ()
    assert report.published_operations == ()


@pytest.mark.parametrize("version", ["3.2.0", "2.0", "4.0.0", 3.0, None])
def test_other_openapi_versions_are_refused(version: Any) -> None:
    report = check(make_spec(openapi=version))
    assert_finding(
        only(report, "unsupported-openapi-version"),
        "unsupported-openapi-version",
        "error",
        "openapi",
        None,
    )


def test_a_document_without_openapi_is_refused() -> None:
    spec = make_spec()
    del spec["openapi"]
    assert only(check(spec), "unsupported-openapi-version").path == "$"


# -- openapi-spec-validator -------------------------------------------------------


def test_validator_errors_carry_their_json_path_and_operation() -> None:
    spec = make_spec()
    del spec["info"]
    del spec["paths"]["/pets"]["get"]["responses"]
    report = check(spec)

    found = {f.path: f for f in report.errors if f.rule == "openapi-invalid"}
    assert_finding(found["$"], "openapi-invalid", "error", "$", None)
    assert "'info' is a required property" in found["$"].message
    get = found["paths./pets.get"]
    assert_finding(get, "openapi-invalid", "error", "paths./pets.get", "listPets")
    assert "'responses' is a required property" in get.message


def test_validator_semantic_errors_are_reported_per_operation() -> None:
    # A path parameter without a parameter: the keyword pass, not the schema.
    spec = make_spec()
    add_operation(spec, "/pets/{petId}", "get", {"operationId": "getPet"})
    report = check(spec)

    finding = only(report, "openapi-invalid")
    assert_finding(finding, "openapi-invalid", "error", "paths./pets/{petId}.get", "getPet")
    assert "petId" in finding.message


def test_validator_errors_in_components_name_the_schema() -> None:
    spec = make_spec()
    spec["components"]["schemas"]["Bad"] = {"type": "integer", "default": "seven"}
    finding = only(check(spec), "openapi-invalid")
    assert_finding(finding, "openapi-invalid", "error", "components.schemas.Bad", None)
    assert "'seven' is not of type 'integer'" in finding.message


def test_openapi_31_errors_use_the_31_validator() -> None:
    # `type: null` is JSON Schema 2020-12 (3.1) and wrong in 3.0.
    spec = make_spec()
    spec["components"]["schemas"]["Pet"]["properties"]["tag"] = {"type": ["string", "null"]}
    assert check(make_spec(openapi="3.1.0", components=spec["components"])).ok()
    assert "openapi-invalid" in rules(check(spec).errors)


def test_a_path_key_with_a_hash_is_validated_as_itself() -> None:
    # Box's spec has "/files/{file_id}#copy": a SchemaPath string splits at "#".
    spec = make_spec()
    parameter = {"name": "fileId", "in": "path", "required": True, "schema": {"type": "string"}}
    add_operation(
        spec, "/files/{fileId}#copy", "post", {"operationId": "copyFile", "parameters": [parameter]}
    )
    report = check(spec)
    assert report.ok(), report.errors


def test_yaml_int_keys_are_an_error_not_a_crash() -> None:
    spec = make_spec()
    responses = spec["paths"]["/pets"]["get"]["responses"]
    responses[200] = responses.pop("200")
    report = check(spec)
    assert not report.ok()
    assert any("JSON data" in f.message for f in report.errors)


# -- several errors at once -------------------------------------------------------


def test_every_error_is_reported_together() -> None:
    spec = make_spec(servers=[{"url": "http://127.0.0.1:8080"}])
    del spec["info"]
    add_operation(spec, "/pets/{petId}", "delete", {"parameters": [PET_ID]})
    add_operation(
        spec,
        "/pets",
        "post",
        {
            "operationId": "add pet",
            "requestBody": {
                "content": {"application/json": {"schema": {"$ref": "https://x.example/p.json"}}}
            },
        },
    )
    report = check(spec, include_operations=["listPets", "nope"])

    assert not report.ok()
    assert sorted(rules(report.errors)) == [
        "openapi-invalid",
        "server-host-not-public",
        "servers-not-https",
        "unknown-operation",
    ]
    report = check(spec)
    assert {(f.rule, f.path, f.operation) for f in report.errors} == {
        ("openapi-invalid", "$", None),
        ("servers-not-https", "servers[0].url", None),
        ("server-host-not-public", "servers[0].url", None),
        ("missing-operation-id", "paths./pets/{petId}.delete", "DELETE /pets/{petId}"),
        ("invalid-operation-id", "paths./pets.post.operationId", "add pet"),
        (
            "remote-ref",
            "paths./pets.post.requestBody.content.application/json.schema.$ref",
            "add pet",
        ),
    }
    with pytest.raises(InvalidSpecError) as raised:
        report.raise_for_errors()
    assert raised.value.status == 422
    assert raised.value.code == "InvalidSpec"
    assert raised.value.message == "the spec cannot be served by AgentCore Gateway: 6 error(s)"
    assert raised.value.details == [f.to_detail() for f in report.errors]


def test_raise_for_errors_details_carry_warnings_too() -> None:
    spec = make_spec(servers=[])
    add_operation(spec, "/pets", "post", {"operationId": "addPet", "parameters": [COOKIE]})
    report = check(spec, on_unsupported="exclude")
    with pytest.raises(InvalidSpecError) as raised:
        report.raise_for_errors()
    assert [d["rule"] for d in raised.value.details] == [
        "servers-missing",
        "cookie-parameter-unsupported",
    ]
    assert [d["severity"] for d in raised.value.details] == ["error", "warning"]


# -- $refs: local only, never fetched ---------------------------------------------


class Spy:
    """Records every file open, socket, DNS look-up and URL open."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, str]] = []
        real_open = builtins.open

        def spy_open(file: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls.append(("open", str(file)))
            return real_open(file, *args, **kwargs)

        def refuse(kind: str) -> Callable[..., Any]:
            def call(*args: Any, **kwargs: Any) -> Any:
                self.calls.append((kind, repr(args[:1])))
                raise OSError(f"{kind} is not allowed in this test")

            return call

        monkeypatch.setattr(builtins, "open", spy_open)
        monkeypatch.setattr(io, "open", spy_open)
        monkeypatch.setattr(socket, "socket", refuse("socket"))
        monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
        monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
        monkeypatch.setattr(urllib.request, "urlopen", refuse("urlopen"))


def schema_ref_spec(ref: str, version: str = "3.0.3") -> dict[str, Any]:
    spec = make_spec(openapi=version)
    spec["paths"]["/pets"]["get"]["responses"]["200"] = json_response({"$ref": ref})
    return spec


REF_PATH = "paths./pets.get.responses.200.content.application/json.schema.$ref"


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_remote_and_file_refs_are_errors_and_never_fetched(
    version: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sentinel = tmp_path / "sentinel.json"
    sentinel.write_text(json.dumps({"type": "object", "properties": {"leak": {"type": "string"}}}))
    refs = [
        "http://127.0.0.1:9/x.json",
        "file:///etc/passwd",
        sentinel.as_uri(),
        "sentinel.json#/properties",
        "https://api.example.com/schemas/pet.json#/Pet",
    ]
    check(make_spec(openapi=version))  # warm up: the validator's lazy imports read files
    monkeypatch.chdir(tmp_path)  # so a relative ref would find the sentinel
    spy = Spy(monkeypatch)

    for ref in refs:
        report = check(schema_ref_spec(ref, version))
        finding = only(report, "remote-ref")
        assert_finding(finding, "remote-ref", "error", REF_PATH, "listPets")
        assert not [f for f in report.errors if f.rule != "remote-ref"], report.errors

    assert spy.calls == []


def test_a_remote_ref_in_components_is_a_document_error(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = make_spec()
    spec["components"]["schemas"]["Pet"] = {"$ref": "http://169.254.169.254/latest/meta-data"}
    check(make_spec())
    spy = Spy(monkeypatch)
    assert_finding(
        only(check(spec), "remote-ref"), "remote-ref", "error", "components.schemas.Pet.$ref", None
    )
    assert spy.calls == []


def test_an_id_that_moves_the_base_uri_is_refused_not_fetched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In 3.1 a schema's $id changes what "#/..." means: here a remote document.
    spec = make_spec(openapi="3.1.0")
    spec["components"]["schemas"]["Pet"] = {
        "$id": "https://schemas.example.com/pet",
        "type": "object",
        "properties": {"id": {"$ref": "#/$defs/Id"}},
    }
    check(make_spec(openapi="3.1.0"))
    spy = Spy(monkeypatch)
    report = check(spec)
    assert spy.calls == []
    assert not report.ok()
    assert "unresolved-ref" in rules(report.errors)


def test_a_dangling_local_ref_is_an_error() -> None:
    report = check(schema_ref_spec("#/components/schemas/Nope"))
    assert_finding(only(report, "unresolved-ref"), "unresolved-ref", "error", REF_PATH, "listPets")


def test_refs_in_examples_are_data_not_references() -> None:
    spec = make_spec()
    spec["components"]["schemas"]["Pet"]["example"] = {"$ref": "https://x.example/y"}
    spec["components"]["schemas"]["Pet"]["properties"]["example"] = {"type": "string"}
    assert check(spec).ok()


# -- operationId and tool names ---------------------------------------------------


def test_an_operation_without_operation_id() -> None:
    spec = make_spec()
    del spec["paths"]["/pets"]["get"]["operationId"]
    report = check(spec)
    assert_finding(
        only(report, "missing-operation-id"),
        "missing-operation-id",
        "error",
        "paths./pets.get",
        "GET /pets",
    )
    assert report.operations[0].tool_name is None


@pytest.mark.parametrize("op_id", ["list pets", "list.pets", "listPets!", "pets/list", "ünïcode"])
def test_operation_ids_outside_the_tool_name_alphabet(op_id: str) -> None:
    spec = make_spec()
    spec["paths"]["/pets"]["get"]["operationId"] = op_id
    assert_finding(
        only(check(spec), "invalid-operation-id"),
        "invalid-operation-id",
        "error",
        "paths./pets.get.operationId",
        op_id,
    )


def test_tool_names_over_256_characters() -> None:
    target = "t" * 100
    spec = make_spec()
    spec["paths"]["/pets"]["get"]["operationId"] = "o" * (256 - 100 - 3)
    assert check(spec, target_name=target).ok()  # exactly 256

    spec["paths"]["/pets"]["get"]["operationId"] += "o"
    assert_finding(
        only(check(spec, target_name=target), "tool-name-too-long"),
        "tool-name-too-long",
        "error",
        "paths./pets.get.operationId",
        "o" * 154,
    )


def test_tool_names_over_the_models_64_characters_are_served_with_a_warning() -> None:
    # Bedrock's Converse ToolSpecification.name: "Maximum length of 64"
    # (services/tools/tool_names.py); AgentCore itself takes 256.
    spec = make_spec()
    spec["paths"]["/pets"]["get"]["operationId"] = "o" * (64 - len(TARGET) - 3)
    assert check(spec).warnings == ()  # exactly 64

    spec["paths"]["/pets"]["get"]["operationId"] += "o"
    report = check(spec, on_unsupported="exclude")
    assert report.ok()
    assert report.published_operations == (spec["paths"]["/pets"]["get"]["operationId"],)
    warning = only(report, "tool-name-over-model-limit")
    assert (warning.severity, warning.path) == ("warning", "paths./pets.get.operationId")
    assert "65 characters" in warning.message
    assert "at most 64" in warning.message


def test_a_name_already_refused_gets_no_model_warning_too() -> None:
    spec = make_spec()
    spec["paths"]["/pets"]["get"]["operationId"] = "o" * 300
    assert [f.rule for f in check(spec).errors + check(spec).warnings] == ["tool-name-too-long"]


def test_duplicate_operation_ids_flag_each_operation() -> None:
    spec = make_spec()
    add_operation(spec, "/cats", "get", {"operationId": "listPets"})
    report = check(spec)
    dupes = [f for f in report.errors if f.rule == "duplicate-operation-id"]
    assert [f.path for f in dupes] == ["paths./pets.get.operationId", "paths./cats.get.operationId"]
    assert "openapi-invalid" not in rules(report.errors)  # the validator's own is not repeated


# -- servers -----------------------------------------------------------------------


@pytest.mark.parametrize("servers", [None, []])
def test_servers_missing_or_empty(servers: Any) -> None:
    spec = make_spec(servers=servers)
    if servers is None:
        del spec["servers"]
    assert_finding(
        only(check(spec), "servers-missing"), "servers-missing", "error", "servers", None
    )


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("https://{host}/", "server-url-templated"),
        ("https://{region}.api.example.com/v1", "server-url-templated"),
        ("{scheme}://api.example.com", "server-url-templated"),
        ("http://api.example.com", "servers-not-https"),
        ("/v1", "servers-not-https"),
        ("ftp://api.example.com", "servers-not-https"),
        ("https://127.0.0.1/", "server-host-not-public"),
        ("https://10.1.2.3:8443/api", "server-host-not-public"),
        ("https://169.254.169.254/latest", "server-host-not-public"),
        ("https://[::1]/", "server-host-not-public"),
        ("https://[::ffff:127.0.0.1]/", "server-host-not-public"),
        ("https://[fd00::1]/", "server-host-not-public"),
        ("https://2130706433/", "server-host-not-public"),
        ("https://0x7f.1/", "server-host-not-public"),
        ("https://localhost/", "server-host-not-public"),
        ("https://api.localhost/", "server-host-not-public"),
        ("https://metadata.google.internal/", "server-host-not-public"),
        ("https://printer.local/", "server-host-not-public"),
        ("https://intranet/", "server-host-not-public"),
        ("https://", "server-url-invalid"),
        ("", "server-url-invalid"),
    ],
)
def test_unsafe_server_urls(url: str, rule: str) -> None:
    report = check(make_spec(servers=[{"url": "https://api.example.com"}, {"url": url}]))
    assert_finding(only(report, rule), rule, "error", "servers[1].url", None)


def test_public_servers_pass_and_are_never_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    check(make_spec())
    spy = Spy(monkeypatch)
    servers = [
        {"url": "https://api.example.com/v1"},
        {"url": "https://8.8.8.8/"},
        {"url": "https://[2606:4700:4700::1111]:443/"},
        {"url": "https://api.example.com/{version}", "variables": {"version": {"default": "v2"}}},
    ]
    assert check(make_spec(servers=servers)).ok()
    assert spy.calls == []


def test_a_resolver_checks_what_names_resolve_to() -> None:
    asked: list[str] = []

    def resolver(answer: list[str]) -> Callable[[str], list[str]]:
        def resolve(host: str) -> list[str]:
            asked.append(host)
            return answer

        return resolve

    spec = make_spec()
    assert check(spec, resolver=resolver(["93.184.215.14"])).ok()
    assert asked == ["api.example.com"]
    finding = only(
        check(spec, resolver=resolver(["93.184.215.14", "10.0.0.7"])), "server-host-not-public"
    )
    assert_finding(finding, "server-host-not-public", "error", "servers[0].url", None)
    assert "10.0.0.7" in finding.message
    assert only(check(spec, resolver=resolver([])), "server-host-unresolvable")


def test_a_failing_resolver_is_a_finding() -> None:
    def resolver(host: str) -> list[str]:
        raise socket.gaierror(-2, "Name or service not known")

    assert_finding(
        only(check(make_spec(), resolver=resolver), "server-host-unresolvable"),
        "server-host-unresolvable",
        "error",
        "servers[0].url",
        None,
    )


def test_operation_level_servers_are_checked_for_their_operation() -> None:
    spec = make_spec()
    spec["paths"]["/pets"]["get"]["servers"] = [{"url": "http://uploads.example.com"}]
    assert_finding(
        only(check(spec), "servers-not-https"),
        "servers-not-https",
        "error",
        "paths./pets.get.servers[0].url",
        "listPets",
    )


# -- limits ------------------------------------------------------------------------


def many_operations(count: int) -> dict[str, Any]:
    spec = make_spec()
    spec["paths"] = {
        f"/things/{i}": {
            "get": {"operationId": f"get{i}", "responses": {"204": {"description": "ok"}}}
        }
        for i in range(count)
    }
    return spec


def test_more_than_1000_operations_in_a_target() -> None:
    assert check(many_operations(1000)).ok()
    spec = many_operations(1001)
    assert_finding(
        only(check(spec), "too-many-operations"), "too-many-operations", "error", "paths", None
    )
    # Filtering comes first: the limit counts what is published.
    assert check(spec, exclude_operations=["get0"]).ok()


def test_more_than_100_targets_in_a_gateway() -> None:
    assert check(make_spec(), existing_targets=99).ok()
    assert_finding(
        only(check(make_spec(), existing_targets=100), "too-many-targets"),
        "too-many-targets",
        "error",
        "$",
        None,
    )


def test_a_spec_over_10_mb() -> None:
    assert check(make_spec(), size_bytes=MAX_SPEC_BYTES).ok()
    report = check(make_spec(), size_bytes=MAX_SPEC_BYTES + 1)
    assert_finding(only(report, "spec-too-large"), "spec-too-large", "error", "$", None)


# -- include / exclude -------------------------------------------------------------


def pet_store() -> dict[str, Any]:
    spec = make_spec()
    spec["paths"]["/pets"]["parameters"] = [{"name": "X-Trace", "in": "header", "schema": {}}]
    add_operation(spec, "/pets", "post", {"operationId": "addPet"})
    add_operation(spec, "/pets/{petId}", "get", {"operationId": "getPet", "parameters": [PET_ID]})
    add_operation(
        spec, "/pets/{petId}", "delete", {"operationId": "deletePet", "parameters": [PET_ID]}
    )
    return spec


def test_include_operations_publishes_only_those() -> None:
    spec = pet_store()
    original = copy.deepcopy(spec)
    report = check(spec, include_operations=["getPet", "addPet"])

    assert report.ok(), report.errors
    assert report.published_operations == ("addPet", "getPet")
    published = {(op.method, op.path): op.published for op in report.operations}
    assert published == {
        ("GET", "/pets"): False,
        ("POST", "/pets"): True,
        ("GET", "/pets/{petId}"): True,
        ("DELETE", "/pets/{petId}"): False,
    }
    document = report.document
    assert list(document["paths"]) == ["/pets", "/pets/{petId}"]
    assert set(document["paths"]["/pets"]) == {"parameters", "post"}
    assert set(document["paths"]["/pets/{petId}"]) == {"get"}
    # Only the components the published operations reach are kept (none here).
    assert document["components"] == {"schemas": {}}
    assert spec == original  # the input is not changed


def test_include_operations_keeps_the_components_they_reach() -> None:
    spec = pet_store()
    spec["components"]["schemas"]["Owner"] = {"type": "object"}
    spec["components"]["schemas"]["Pet"]["properties"]["owner"] = {
        "$ref": "#/components/schemas/Owner"
    }
    spec["components"]["securitySchemes"] = {
        "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
        "unused": {"type": "apiKey", "name": "X-Other", "in": "header"},
    }
    get_pet = spec["paths"]["/pets/{petId}"]["get"]
    get_pet["security"] = [{"key": []}]
    get_pet["responses"]["200"] = {
        "description": "a pet",
        "content": {"application/json": {"schema": PET_REF}},
    }
    report = check(spec, include_operations=["getPet"])

    assert report.ok(), report.errors
    components = report.document["components"]
    assert set(components["schemas"]) == {"Pet", "Owner"}  # Owner through Pet's $ref
    assert set(components["securitySchemes"]) == {"key"}


def test_exclude_operations_drops_those_and_empty_paths() -> None:
    report = check(pet_store(), exclude_operations=["getPet", "deletePet"])
    assert report.published_operations == ("listPets", "addPet")
    assert list(report.document["paths"]) == ["/pets"]


@pytest.mark.parametrize("field", ["include_operations", "exclude_operations"])
def test_naming_an_unknown_operation_is_an_error(field: str) -> None:
    report = check(pet_store(), **{field: ["getPet", "getPets"]})
    assert_finding(
        only(report, "unknown-operation"), "unknown-operation", "error", f"{field}[1]", "getPets"
    )


def test_unpublished_operations_are_not_validated() -> None:
    # deletePet is invalid (no parameter for {petId}) but not published.
    spec = pet_store()
    del spec["paths"]["/pets/{petId}"]["delete"]["parameters"]
    assert not check(spec).ok()
    report = check(spec, include_operations=["getPet"])
    assert report.ok(), report.errors


def test_an_empty_selection_publishes_nothing() -> None:
    assert_finding(
        only(check(pet_store(), include_operations=[]), "no-operations"),
        "no-operations",
        "error",
        "paths",
        None,
    )


# -- unsupported features ------------------------------------------------------------


COOKIE = {"name": "session", "in": "cookie", "schema": {"type": "string"}}


def body(schema: dict[str, Any], media_type: str = "application/json") -> dict[str, Any]:
    return {"content": {media_type: {"schema": schema}}}


@pytest.mark.parametrize("keyword", ["oneOf", "anyOf", "allOf"])
def test_composition_in_a_request_body(keyword: str) -> None:
    spec = make_spec()
    schema = {keyword: [{"type": "string"}, {"type": "integer"}]}
    add_operation(spec, "/pets", "post", {"operationId": "addPet", "requestBody": body(schema)})
    rule = f"{keyword.lower()}-unsupported"
    report = check(spec)
    path = f"paths./pets.post.requestBody.content.application/json.schema.{keyword}"
    assert_finding(only(report, rule), rule, "error", path, "addPet")
    assert report.published_operations == ("listPets", "addPet")  # fail: all stay


def test_composition_reached_through_refs_names_where_it_is() -> None:
    spec = make_spec()
    schemas = spec["components"]["schemas"]
    schemas["Pet"]["properties"]["owner"] = {"$ref": "#/components/schemas/Owner"}
    schemas["Owner"] = {
        "type": "object",
        "properties": {"contact": {"$ref": "#/components/schemas/Contact"}},
    }
    schemas["Contact"] = {"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/Owner"}]}
    report = check(spec)
    assert_finding(
        only(report, "anyof-unsupported"),
        "anyof-unsupported",
        "error",
        "components.schemas.Contact.anyOf",
        "listPets",
    )


def test_composition_in_a_parameter_schema() -> None:
    spec = make_spec()
    parameter = {"name": "q", "in": "query", "schema": {"oneOf": [{"type": "string"}]}}
    spec["paths"]["/pets"]["get"]["parameters"] = [parameter]
    assert only(check(spec), "oneof-unsupported").path == (
        "paths./pets.get.parameters[0].schema.oneOf"
    )


def test_cyclic_schemas_end() -> None:
    spec = make_spec()
    spec["components"]["schemas"]["Pet"]["properties"]["parent"] = PET_REF
    spec["components"]["schemas"]["Pet"]["properties"]["kids"] = {"type": "array", "items": PET_REF}
    assert check(spec).ok()


def test_a_property_named_like_a_keyword_is_a_property() -> None:
    spec = make_spec()
    spec["components"]["schemas"]["Pet"]["properties"]["oneOf"] = {"type": "string"}
    # Our own walk follows schema structure; the name is not the keyword.
    assert "oneof-unsupported" not in rules(check(spec).errors)


@pytest.mark.parametrize(
    "media_type", ["application/xml", "text/plain", "application/x-www-form-urlencoded"]
)
def test_a_body_without_json(media_type: str) -> None:
    spec = make_spec()
    add_operation(
        spec,
        "/pets",
        "post",
        {"operationId": "addPet", "requestBody": body({"type": "string"}, media_type)},
    )
    finding = only(check(spec), "media-type-unsupported")
    assert_finding(
        finding, "media-type-unsupported", "error", "paths./pets.post.requestBody.content", "addPet"
    )
    assert media_type in finding.message


def test_a_response_without_json() -> None:
    spec = make_spec()
    spec["paths"]["/pets"]["get"]["responses"]["200"] = {
        "description": "a file",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
    assert only(check(spec), "media-type-unsupported").path == (
        "paths./pets.get.responses.200.content"
    )


def test_json_beside_other_media_types_is_served() -> None:
    spec = make_spec()
    content = spec["paths"]["/pets"]["get"]["responses"]["200"]["content"]
    content["application/xml"] = {"schema": {"oneOf": [{"type": "string"}]}}
    content["application/json; charset=utf-8"] = content.pop("application/json")
    assert check(spec).ok()


@pytest.mark.parametrize(
    ("parameter", "where"),
    [
        ({"in": "query", "style": "deepObject", "explode": True}, "style"),
        ({"in": "query", "explode": False}, "explode"),
        ({"in": "query", "style": "pipeDelimited"}, "style"),
        ({"in": "path", "style": "matrix", "required": True}, "style"),
        ({"in": "header", "explode": True}, "explode"),
        (
            {"in": "query", "content": {"application/json": {"schema": {"type": "object"}}}},
            "content",
        ),
    ],
)
def test_parameter_serializers(parameter: dict[str, Any], where: str) -> None:
    spec = make_spec()
    url = "/pets/{filter}" if parameter["in"] == "path" else "/pets"
    parameter = {"name": "filter", "schema": {"type": "object"}, **parameter}
    if "content" in parameter:
        del parameter["schema"]
    add_operation(spec, url, "put", {"operationId": "putPets", "parameters": [parameter]})
    assert_finding(
        only(check(spec), "parameter-serializer-unsupported"),
        "parameter-serializer-unsupported",
        "error",
        f"paths.{url}.put.parameters[0].{where}",
        "putPets",
    )


@pytest.mark.parametrize(
    "parameter",
    [
        {"in": "query", "style": "form", "explode": True},
        {"in": "path", "style": "simple", "explode": False, "required": True},
        {"in": "header", "style": "simple"},
    ],
)
def test_default_serialization_written_out_is_fine(parameter: dict[str, Any]) -> None:
    spec = make_spec()
    url = "/pets/{filter}" if parameter["in"] == "path" else "/pets"
    add_operation(
        spec,
        url,
        "put",
        {
            "operationId": "putPets",
            "parameters": [{"name": "filter", "schema": {"type": "string"}, **parameter}],
        },
    )
    assert check(spec).ok(), check(spec).errors


def test_cookie_parameters() -> None:
    spec = make_spec()
    spec["paths"]["/pets"]["get"]["parameters"] = [COOKIE]
    assert_finding(
        only(check(spec), "cookie-parameter-unsupported"),
        "cookie-parameter-unsupported",
        "error",
        "paths./pets.get.parameters[0]",
        "listPets",
    )


def test_a_referenced_parameter_is_reported_where_it_is_defined() -> None:
    spec = make_spec()
    spec["components"]["parameters"] = {"Session": COOKIE}
    spec["paths"]["/pets"]["get"]["parameters"] = [{"$ref": "#/components/parameters/Session"}]
    assert only(check(spec), "cookie-parameter-unsupported").path == "components.parameters.Session"


def test_path_level_parameters_concern_every_operation_of_the_path() -> None:
    spec = pet_store()
    spec["paths"]["/pets"]["parameters"] = [COOKIE]
    report = check(spec, on_unsupported="exclude")
    flagged = [f for f in report.warnings if f.rule == "cookie-parameter-unsupported"]
    # One parameter, one finding: it names both operations of the path.
    assert [(f.operation, f.operations) for f in flagged] == [(None, ("listPets", "addPet"))]
    assert all(f.path == "paths./pets.parameters[0]" for f in report.warnings)
    assert report.published_operations == ("getPet", "deletePet")
    assert "/pets" not in report.document["paths"]


@pytest.mark.parametrize("name", ["expand[]", "created[gt]", "a b", "x" * 65])
def test_parameter_names_a_model_refuses(name: str) -> None:
    spec = make_spec()
    spec["paths"]["/pets"]["get"]["parameters"] = [
        {"name": name, "in": "query", "schema": {"type": "string"}}
    ]
    assert_finding(
        only(check(spec), "parameter-name-unsupported"),
        "parameter-name-unsupported",
        "error",
        "paths./pets.get.parameters[0].name",
        "listPets",
    )


def test_webhooks_are_a_warning() -> None:
    spec = make_spec(
        openapi="3.1.0",
        webhooks={"newPet": {"post": {"responses": {"200": {"description": "ok"}}}}},
    )
    report = check(spec)
    assert report.ok()
    assert_finding(
        only(report, "webhooks-ignored"), "webhooks-ignored", "warning", "webhooks", None
    )


# -- on_unsupported -----------------------------------------------------------------


def mixed_store() -> dict[str, Any]:
    spec = pet_store()
    spec["paths"]["/pets"]["post"]["requestBody"] = body({"oneOf": [PET_REF]})
    del spec["paths"]["/pets/{petId}"]["delete"]["operationId"]
    return spec


def test_on_unsupported_fail_makes_every_finding_an_error() -> None:
    report = check(mixed_store())
    assert not report.ok()
    assert sorted(rules(report.errors)) == ["missing-operation-id", "oneof-unsupported"]
    assert report.warnings == ()
    assert report.published_operations == ("listPets", "addPet", "getPet")
    assert all(op.published for op in report.operations)


def test_on_unsupported_exclude_leaves_out_what_cannot_be_served() -> None:
    spec = mixed_store()
    report = check(spec, on_unsupported="exclude")

    assert report.ok(), report.errors
    assert sorted(rules(report.warnings)) == ["missing-operation-id", "oneof-unsupported"]
    assert all(f.severity == "warning" for f in report.warnings)
    assert report.published_operations == ("listPets", "getPet")
    servable = {
        op.operation_id or op.method: (op.servable, op.published) for op in report.operations
    }
    assert servable == {
        "listPets": (True, True),
        "addPet": (False, False),
        "getPet": (True, True),
        "DELETE": (False, False),
    }
    assert set(report.document["paths"]["/pets"]) == {"parameters", "get"}
    assert set(report.document["paths"]["/pets/{petId}"]) == {"get"}
    assert "post" in spec["paths"]["/pets"]  # the input is not changed


def test_exclude_with_nothing_left_is_an_error() -> None:
    spec = make_spec()
    spec["paths"]["/pets"]["get"]["parameters"] = [COOKIE]
    report = check(spec, on_unsupported="exclude")
    assert rules(report.errors) == ["no-operations"]
    assert rules(report.warnings) == ["cookie-parameter-unsupported"]


def test_exclude_also_drops_an_operation_the_validator_refuses() -> None:
    spec = pet_store()
    del spec["paths"]["/pets/{petId}"]["delete"]["parameters"]
    report = check(spec, on_unsupported="exclude")
    assert report.ok()
    assert report.published_operations == ("listPets", "addPet", "getPet")
    assert only(report, "openapi-invalid").severity == "warning"


def test_a_remote_ref_in_an_excluded_operation_leaves_with_it() -> None:
    spec = pet_store()
    spec["paths"]["/pets"]["post"]["requestBody"] = body({"$ref": "https://x.example/pet.json"})
    report = check(spec, on_unsupported="exclude")
    assert report.ok()
    assert "addPet" not in report.published_operations
    assert only(report, "remote-ref").severity == "warning"


# -- laziness and the validator's cache ---------------------------------------------


def test_importing_the_module_does_not_import_the_validator() -> None:
    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, services.tools.spec_validation; "
        "print(sorted(m for m in sys.modules if m.startswith('openapi_spec_validator')))"
    )
    result = subprocess.run(  # the import has to be fresh: another process
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def large_spec(operations: int = 400) -> dict[str, Any]:
    """About 0.35 MB of plain, valid OpenAPI 3.0."""
    spec = make_spec()
    schemas = spec["components"]["schemas"]
    for i in range(operations):
        schemas[f"Thing{i}"] = {
            "type": "object",
            "description": "a thing " * 40,
            "required": ["id"],
            "properties": {
                "id": {"type": "integer", "default": i},
                "name": {"type": "string", "maxLength": 100},
                "tags": {"type": "array", "items": {"type": "string"}},
                "pet": PET_REF,
            },
        }
        spec["paths"][f"/things{i}/{{id}}"] = {
            "get": {
                "operationId": f"getThing{i}",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"200": json_response({"$ref": f"#/components/schemas/Thing{i}"})},
            }
        }
    return spec


class LiveDoc(dict[str, Any]):
    """A spec that can be weakly referenced: is anything keeping it alive?"""


def test_repeated_validation_keeps_nothing_alive() -> None:
    # openapi-spec-validator 0.9.0 caches SpecValidator.iter_errors in an
    # unbounded functools.lru_cache keyed by the validator instance, so each
    # validate() keeps its validator, spec and accessor alive for good
    # (upstream issue 523). validate_spec never calls it; this pins that.
    # (`__wrapped__` is read only to observe the cache, as the issue does.)
    import openapi_spec_validator
    from openapi_spec_validator.validation.validators import SpecValidator

    cache = SpecValidator.iter_errors.__wrapped__  # type: ignore[attr-defined]
    spec = large_spec()
    assert len(json.dumps(spec)) > 300_000
    assert check(spec).ok()  # warm: imports, lazy schemas
    gc.collect()
    size = cache.cache_info().currsize
    blocks = sys.getallocatedblocks()

    validated = []
    for _ in range(3):  # the same spec, as a warm Lambda would see it again
        document = LiveDoc(spec)
        assert check(document).ok()
        validated.append(weakref.ref(document))
        del document
    gc.collect()
    ours = sys.getallocatedblocks() - blocks
    assert cache.cache_info().currsize == size
    assert [ref() for ref in validated] == [None, None, None]

    # The library's own entry point, for contrast: the cache is real.
    document = LiveDoc(spec)
    try:
        openapi_spec_validator.validate(document)
        kept = weakref.ref(document)
        del document
        gc.collect()
        theirs = sys.getallocatedblocks() - blocks - ours
        assert kept() is not None
        assert cache.cache_info().currsize == size + 1
    finally:
        cache.cache_clear()
    assert ours < theirs / 10, (ours, theirs)


def test_the_cache_stays_empty_through_validate_spec() -> None:
    from openapi_spec_validator.validation.validators import SpecValidator

    cache = SpecValidator.iter_errors.__wrapped__  # type: ignore[attr-defined]
    before = cache.cache_info().currsize
    for version in ("3.0.3", "3.1.0"):
        check(make_spec(openapi=version))
    assert cache.cache_info().currsize == before


# -- the real specs of shared/specs ---------------------------------------------------


def load(name: str) -> dict[str, Any]:
    path = SPECS / name
    if not path.exists():
        pytest.skip(f"{name} is not in shared/specs")
    text = path.read_text(encoding="utf-8")
    if name.endswith(".yaml"):
        import yaml

        loaded: dict[str, Any] = yaml.load(text, Loader=yaml.CSafeLoader)
        return loaded
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def test_real_swagger_2_uber_is_refused() -> None:
    report = check(load("oai_uber_v20.json"))
    assert rules(report.errors) == ["swagger-unsupported"]
    assert "supports only OpenAPI 3.0 and 3.1" in report.errors[0].message
    with pytest.raises(InvalidSpecError, match="1 error"):
        report.raise_for_errors()


def test_real_31_webhook_example_has_nothing_to_publish() -> None:
    report = check(load("oai_webhook-example_v31.json"))
    assert report.openapi_version == "3.1.0"
    assert report.operations == ()
    assert rules(report.errors) == ["servers-missing", "no-operations"]
    assert rules(report.warnings) == ["webhooks-ignored"]


def test_real_petstore_expanded_validates() -> None:
    spec = load("oai_petstore-expanded_v30.json")
    report = check(spec)
    # Valid OpenAPI, https server, local refs: only AgentCore's own rules.
    assert sorted(rules(report.errors)) == [
        "allof-unsupported",  # NewPet is allOf'd into Pet: three operations use Pet
        "invalid-operation-id",  # "find pet by id" has spaces
    ]
    assert only(report, "invalid-operation-id").path == "paths./pets/{id}.get.operationId"
    assert len(only(report, "allof-unsupported").operations) == 3
    excluded = check(spec, on_unsupported="exclude")
    assert excluded.ok()
    assert excluded.published_operations == ("deletePet",)
    assert list(excluded.document["paths"]) == ["/pets/{id}"]


def big_report(name: str) -> SpecReport:
    spec = load(name)
    return check(spec, on_unsupported="exclude", size_bytes=(SPECS / name).stat().st_size)


@pytest.mark.slow
def test_real_box_spec() -> None:
    report = big_report("box_openapi.json")
    assert len(report.operations) == 296
    assert report.ok()
    assert "openapi-invalid" not in rules(report.warnings)  # valid OpenAPI 3.0.2
    assert 0 < len(report.published_operations) < 296
    assert {"oneof-unsupported", "allof-unsupported", "server-url-templated"} <= set(
        rules(report.warnings)
    )


@pytest.mark.slow
def test_real_discord_31_spec() -> None:
    report = big_report("discord_openapi.json")
    assert report.openapi_version == "3.1.0"
    assert len(report.operations) == 242
    assert "openapi-invalid" not in rules(report.warnings)
    # 513 oneOf: nothing is left to serve, and the report says why.
    assert rules(report.errors) == ["no-operations"]
    assert all(not op.servable for op in report.operations)


@pytest.mark.slow
def test_real_openai_spec_reports_its_25_errors() -> None:
    report = big_report("openai_openapi.json")
    invalid = [f for f in report.errors + report.warnings if f.rule == "openapi-invalid"]
    assert len(invalid) == 25  # MANIFEST.md: 25 real errors
    assert all(f.path.startswith("components.schemas.") for f in invalid)
    assert not report.ok()  # components are published whole: they block


@pytest.mark.slow
def test_real_stripe_yaml_spec() -> None:
    report = big_report("stripe_spec3_2023-09.yaml")
    assert report.openapi_version == "3.0.0"
    assert len(report.operations) > 318  # 318 paths
    assert "openapi-invalid" not in rules(report.warnings)
    # Form-encoded bodies and deepObject queries: none servable as is.
    assert {"media-type-unsupported", "parameter-serializer-unsupported"} <= set(
        rules(report.warnings)
    )


def test_a_ref_into_an_operation_left_out_is_inlined_in_the_published_document() -> None:
    # digitalocean.com (benchmarks/corpus): GET /v2/account/keys's parameters
    # are $refs into another operation; publishing without that one left
    # them naming nothing.
    limit = {"name": "limit", "in": "query", "schema": {"type": "integer"}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {
            "/keys": {
                "get": {
                    "operationId": "listKeys",
                    "parameters": [{"$ref": "#/paths/~1xml/get/parameters/0"}],
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/xml": {
                "get": {
                    "operationId": "getXml",
                    "parameters": [limit],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/xml": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
        },
    }
    report = validate_spec(document, target_name="t", on_unsupported="exclude")
    assert report.published_operations == ("listKeys",)
    assert list(report.document["paths"]) == ["/keys"]
    assert report.document["paths"]["/keys"]["get"]["parameters"] == [limit]
    assert document["paths"]["/keys"]["get"]["parameters"][0] == {
        "$ref": "#/paths/~1xml/get/parameters/0"
    }
