"""The benchmark code runs (benchmarks/, docs/benchmarks.md): its sections on
in-process moto and a tiny spec, its children in this process, its report.

No timing is asserted anywhere: the figures are `python -m benchmarks`'s.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from benchmarks import package_size, report, round_trips, spec_pipeline
from benchmarks.children import diff_child, memory_child, spec_child
from benchmarks.common import SMALL_SPEC, SectionResult


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "pets.json").write_text(json.dumps(SMALL_SPEC))
    (specs / "MANIFEST.md").write_text("not a spec")
    return specs


def run_child_here(
    main: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str
) -> dict[str, object]:
    out = tmp_path / "result.json"
    for key, value in {**env, "BENCH_RESULT": str(out)}.items():
        monkeypatch.setenv(key, value)
    main()  # type: ignore[operator]
    return dict(json.loads(out.read_text()))


def test_round_trips_counts_every_action_against_its_floor(env: dict[str, str]) -> None:
    section = round_trips.run(env)

    names = [f.name for f in section.figures]
    for action in ("get_gateway", "create_gateway", "create_tool", "delete_tool"):
        assert action in names
    assert any(n.startswith("list_gateways") for n in names)
    assert all(f.value and f.baseline for f in section.figures)
    assert section.raw["get_gateway"]["calls"] == {"dynamodb.GetItem": 1}


def test_spec_children_measure_a_spec(
    spec_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (spec,) = spec_pipeline.discover(spec_dir)
    assert spec.operation_ids == ("listPets", "getPet")

    for mode in ("floor", "floor_all", "ours", "include"):
        result = run_child_here(
            spec_child.main,
            monkeypatch,
            tmp_path,
            BENCH_MODE=mode,
            BENCH_SPEC=str(spec.path),
            BENCH_INCLUDE=json.dumps(["getPet"]),
        )
        assert {"parse", "validate", "total", "errors"} <= set(result)
    assert result["published"] == 1


def test_diff_child_times_a_diff_that_finds_the_removed_operation(
    spec_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_child_here(
        diff_child.main, monkeypatch, tmp_path, BENCH_SPEC=str(spec_dir / "pets.json")
    )

    assert result["removed_found"] == [result["removed_operation"]] == ["listPets"]
    assert result["removed_breaking"] is True
    assert all(result[k] > 0 for k in ("validate", "diff_removed", "diff_shared"))


def test_memory_child_samples_each_validation(
    spec_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_child_here(
        memory_child.main,
        monkeypatch,
        tmp_path,
        BENCH_MODE="ours",
        BENCH_SPECS=json.dumps([str(spec_dir / "pets.json")]),
        BENCH_ITERATIONS="2",
    )
    samples = result["samples"]
    assert isinstance(samples, list)
    assert len(samples) == 2
    assert all(s["rss"] > 0 for s in samples)


def test_package_section_reads_a_zip_or_says_not_built(tmp_path: Path) -> None:
    path = tmp_path / "registry-lambda.zip"
    assert package_size.run(path).figures[0].note.startswith("not built")

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("app.py", "handler = None\n")
        archive.writestr("services/__init__.py", "")
    section = package_size.run(path)
    assert [f.name for f in section.figures] == ["zipped", "unpacked"]
    assert section.raw["entries"] == 2


def test_report_prints_and_round_trips_through_json(tmp_path: Path) -> None:
    section = SectionResult("demo")
    section.add(name="a", value=0.5, unit="s", baseline=0.25, goal="<= 1.2x", met=False)
    section.add(name="b", value=3.0, unit="calls", baseline=3.0, goal="floor", met=True)
    section.add(name="c", value=None, unit="MiB", note="not built")
    sections = [section]

    assert "2.00x" in report.text_table(sections)
    assert report.markdown_table(sections).count("\n") == 4
    assert "NOT MET demo / a" in report.closing(sections)
    path = tmp_path / "run.json"
    report.write(path, report.document(sections, started=0.0, argv=[], host={}))
    again = report.load_sections(path)
    assert report.text_table(again) == report.text_table(sections)


def test_corpus_measure_runs_validate_specs_path_and_counts_by_rule(tmp_path: Path) -> None:
    from benchmarks.corpus import __main__ as corpus
    from benchmarks.corpus.measure import measure

    # An operation without operationId: served under a made name now.
    spec = json.loads(json.dumps(SMALL_SPEC))
    [first, *_] = (op for item in spec["paths"].values() for op in item.values())
    first.pop("operationId", None)
    path = tmp_path / "pets.json"
    path.write_text(json.dumps(spec))
    result = measure((0, "api/pets.json", str(path)))
    assert result["outcome"] == "answered"
    assert result["operations"] >= 1
    assert result["published"] == result["operations"]
    assert result["unresolved_published_refs"] == []
    assert "made operationId … from the method" in result["normalized"]
    summary = corpus.summary([result, {"path": "big", "outcome": "refused", "reason": "X: y"}])
    assert summary["outcomes"] == {"answered": 1, "refused": 1}
    assert summary["refused"] == {"X": 1}
    assert "published" in corpus.render({"summary": summary, "specs": [result]}, True)


@pytest.mark.parametrize("level", ["spec", "path"])
def test_corpus_counts_a_spec_registered_by_its_origin_url(tmp_path: Path, level: str) -> None:
    from benchmarks.corpus import __main__ as corpus
    from benchmarks.corpus.measure import measure

    # A relative server: refused uploaded, served from its URL (APIs.guru's x-origin).
    spec = json.loads(json.dumps(SMALL_SPEC))
    if level == "spec":
        spec["servers"] = [{"url": "/v1"}]
    else:
        spec["servers"] = [{"url": "https://api.example.com"}]  # each path overrides it
        for item in spec["paths"].values():
            item["servers"] = [{"url": "/v1"}]
    spec["info"]["x-origin"] = [{"url": "https://api.example.com/openapi.json"}]
    path = tmp_path / "pets.json"
    path.write_text(json.dumps(spec))
    result = measure((0, "api/pets.json", str(path)))
    assert result["published"] == 0
    assert result["published_from_origin"] == result["operations"] >= 1
    summary = corpus.summary([result])
    assert summary["published_from_origin"] == result["operations"]
    assert "registered by their origin URL" in corpus.render(
        {"summary": summary, "specs": []}, False
    )
