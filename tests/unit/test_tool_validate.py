"""`registry tool validate` (issue 14, point 4): validate_spec's checks on a
file, offline, each finding on its line and column (text, json, SARIF), and
the exit codes an API team's pipeline reads."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from registry_local import cli
from registry_local.tool_validate import run
from services.tools.spec_locate import Location, SpecText
from tests.support import PETS

SHARED_SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"

# An operationId the tool name cannot hold (any other one is renamed: spec_names).
LONG_ID = "listPets" + "s" * 250

BAD = f"""\
openapi: 3.0.3
info:
  title: Pets
  version: "1.0"
servers:
  - url: http://10.0.0.1
paths:
  /v1.2/pets:
    get:
      operationId: {LONG_ID}
      responses:
        "200":
          description: ok
    post:
      operationId: addPet
      requestBody:
        content:
          application/xml:
            schema: {{type: object}}
      responses:
        "201": {{description: made}}
"""


def validate(
    tmp_path: Path, text: str, *args: str, name: str = "spec.yaml", url: str | None = None
) -> tuple[int, str]:
    spec = tmp_path / name
    spec.write_text(text)
    out = io.StringIO()
    code = run(
        str(spec),
        output=args[0] if args else "text",
        include=None,
        exclude=None,
        on_unsupported="fail",
        target_name="tool",
        out=out,
        url=url,
    )
    return code, out.getvalue()


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_each_finding_is_on_the_line_of_what_it_names(tmp_path: Path) -> None:
    code, out = validate(tmp_path, BAD)
    assert code == 1
    spec = str(tmp_path / "spec.yaml")
    lines = out.splitlines()
    # One line per finding, `file:line:column: severity rule`.
    assert f"{spec}:6:5: error servers-not-https" in out
    assert f"{spec}:{line_of(BAD, 'operationId: listPetss')}:7: error tool-name-too-long" in out
    assert f"{spec}:{line_of(BAD, 'content:')}:9: error media-type-unsupported" in out
    assert lines[-1] == f"{spec}: not servable by AgentCore Gateway (4 error(s), 0 warning(s))"


def test_sarif_places_each_result_on_its_line(tmp_path: Path) -> None:
    code, out = validate(tmp_path, BAD, "sarif")
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    [run_] = log["runs"]
    rules = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    by_rule: dict[str, Any] = {}
    for result in run_["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] == "error"
        [where] = result["locations"]
        by_rule[result["ruleId"]] = where["physicalLocation"]["region"]
        assert where["physicalLocation"]["artifactLocation"]["uri"].endswith("spec.yaml")
    assert by_rule["tool-name-too-long"] == {
        "startLine": line_of(BAD, "operationId: listPetss"),
        "startColumn": 7,
    }
    assert by_rule["servers-not-https"]["startLine"] == line_of(BAD, "url: http://10.0.0.1")


def test_a_servable_json_spec_exits_zero(tmp_path: Path) -> None:
    code, out = validate(tmp_path, json.dumps(PETS, indent=2), name="pets.json")
    assert code == 0, out
    assert out.strip().endswith(
        "servable by AgentCore Gateway (0 error(s), 0 warning(s)): 2 tool(s)"
    )


def test_json_output_is_validate_specs_answer_with_locations(tmp_path: Path) -> None:
    code, out = validate(tmp_path, BAD, "json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert {f["rule"] for f in report["errors"]} >= {"tool-name-too-long", "servers-not-https"}
    assert all({"line", "column", "exact"} <= set(f["location"]) for f in report["errors"])


def test_excluded_operations_are_warnings_on_their_lines(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BAD.replace("http://10.0.0.1", "https://api.example.com"))
    out = io.StringIO()
    code = run(
        str(spec),
        output="text",
        include=None,
        exclude=None,
        on_unsupported="exclude",
        target_name="tool",
        out=out,
    )
    # Both operations are left out: nothing remains to publish.
    assert code == 1
    assert f":{line_of(BAD, 'operationId: listPetss')}:7: warning tool-name-too-long" in (
        out.getvalue()
    )


def test_nothing_but_the_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    def no_aws(*_: Any, **__: Any) -> Any:
        raise AssertionError("tool validate made an AWS client")

    monkeypatch.setattr(boto3, "client", no_aws)
    monkeypatch.setattr(boto3.session.Session, "client", no_aws)
    remote = json.loads(json.dumps(PETS))
    remote["paths"]["/pets"]["get"]["responses"]["200"] = {
        "$ref": "https://169.254.169.254/latest/responses.yaml#/ok"
    }
    code, out = validate(tmp_path, json.dumps(remote, indent=2), name="pets.json")
    # A remote $ref is a finding, never a fetch (the tests allow no socket
    # beyond 127.0.0.1 either).
    assert code == 1
    assert ": error remote-ref [listPets]: $ref 'https://169.254.169.254/" in out


def test_a_file_that_is_no_spec_is_one_finding_at_its_top(tmp_path: Path) -> None:
    code, out = validate(tmp_path, "just: [unclosed\n")
    assert code == 1
    assert out.startswith(f"{tmp_path / 'spec.yaml'}:1:1: error InvalidSpec")


def test_usage_errors_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["tool", "validate", str(tmp_path / "missing.yaml")]) == 2
    assert "no file" in capsys.readouterr().err
    spec = tmp_path / "spec.yaml"
    spec.write_text(BAD)
    with pytest.raises(SystemExit) as info:
        cli.main(["tool", "validate", str(spec), "--format", "xml"])
    assert info.value.code == 2
    assert cli.main(["tool", "validate", str(spec), "--format", "json"]) == 1


# --- locating JSON paths in the text ----------------------------------------------


def test_a_path_with_dotted_keys_and_list_positions_is_located() -> None:
    text = SpecText(BAD)
    assert text.locate("paths./v1.2/pets.get") == Location(9, 5, True)
    assert text.locate("servers[0].url") == Location(6, 5, True)
    assert text.locate("$") == Location(1, 1, True)
    # Where the text has nothing, the deepest ancestor that exists.
    assert text.locate("paths./v1.2/pets.delete") == Location(8, 3, False)
    assert text.locate("servers[3]") == Location(5, 1, False)


# (Petstore expanded had one finding, an operationId with spaces: now renamed.)
@pytest.mark.parametrize("name", ["discord_openapi.json"])
def test_every_exact_location_in_a_real_spec_names_its_key(tmp_path: Path, name: str) -> None:
    source = SHARED_SPECS / name
    if not source.is_file():
        pytest.skip(f"{source} is not here (../shared/specs)")
    text = source.read_text()
    spec = tmp_path / name
    spec.write_text(text)
    out = io.StringIO()
    run(
        str(spec),
        output="json",
        include=None,
        exclude=None,
        on_unsupported="exclude",
        target_name="tool",
        out=out,
    )
    report = json.loads(out.getvalue())
    lines = text.splitlines()
    findings = report["errors"] + report["warnings"]
    assert findings, "a real spec with nothing to report proves nothing here"
    for finding in findings:
        where = finding["location"]
        if not where["exact"] or finding["path"] == "$":
            continue
        last = finding["path"].rsplit(".", 1)[-1].split("[")[0]
        assert last in lines[where["line"] - 1], (finding, lines[where["line"] - 1])


# A 3.1 Path Item given by reference, and a parameter both operations share.
BY_REFERENCE = """\
openapi: 3.1.0
info: {title: Pets, version: "1.0"}
servers:
  - url: https://api.example.com
paths:
  /pets:
    $ref: '#/components/pathItems/Pets'
  /cats:
    get:
      operationId: listCats
      parameters:
        - $ref: '#/components/parameters/Session'
      responses: {"200": {description: ok}}
components:
  parameters:
    Session: {name: session, in: cookie, schema: {type: string}}
  pathItems:
    Pets:
      get:
        operationId: list pets
        parameters:
          - $ref: '#/components/parameters/Session'
        responses: {"200": {description: ok}}
  schemas:
    Loop: {$ref: '#/components/schemas/Loop'}
"""


def test_a_path_through_a_ref_is_located_where_the_ref_points() -> None:
    text = SpecText(BY_REFERENCE)
    # Findings name the operation where the Path Item is used (paths./pets.get):
    # the line to edit is in the component.
    assert text.locate("paths./pets.get") == Location(line_of(BY_REFERENCE, "      get:"), 7, True)
    assert text.locate("paths./pets.get.operationId") == Location(
        line_of(BY_REFERENCE, "operationId: list pets"), 9, True
    )
    assert text.locate("paths./cats.get.parameters[0].in") == Location(
        line_of(BY_REFERENCE, "Session: {name"), 30, True
    )
    # A $ref that names nothing, or only itself, ends at the last place found.
    assert text.locate("components.schemas.Loop.type") == Location(
        line_of(BY_REFERENCE, "Loop:"), 5, False
    )


def test_a_shared_finding_is_one_line_naming_its_operations(tmp_path: Path) -> None:
    code, out = validate(tmp_path, BY_REFERENCE)
    assert code == 1
    spec = str(tmp_path / "spec.yaml")
    cookie = [line for line in out.splitlines() if "cookie-parameter-unsupported" in line]
    place = f"{spec}:{line_of(BY_REFERENCE, 'Session: {name')}:5"
    assert len(cookie) == 1
    assert cookie[0].startswith(f"{place}: error cookie-parameter-unsupported [")
    assert "pets, listCats]: cookie parameter 'session'" in cookie[0]


RELATIVE_SERVER = """\
openapi: 3.0.3
info: {title: Pets, version: "1.0"}
servers:
  - url: /api
paths:
  /pets:
    get:
      operationId: listPets
      responses: {"200": {description: ok}}
"""


def test_url_resolves_relative_servers_as_a_url_source_would(tmp_path: Path) -> None:
    code, out = validate(tmp_path, RELATIVE_SERVER, "json")
    assert code == 1
    assert [f["rule"] for f in json.loads(out)["errors"]] == ["servers-not-https"]
    url = "https://pets.example.com/docs/openapi.yaml?key=s3cret"
    code, out = validate(tmp_path, RELATIVE_SERVER, "json", url=url)
    assert code == 0
    [note] = json.loads(out)["normalized"]
    assert note["path"] == "servers"
    assert "'https://pets.example.com/api'" in note["change"]
    assert "s3cret" not in out
    assert validate(tmp_path, RELATIVE_SERVER, url="http://pets.example.com/openapi.yaml") == (
        2,
        "",
    )
