"""Cold start: a fresh interpreter that imports `app` and serves its first
`get_gateway` (and, beside it, its first `create_tool`), against a fresh
interpreter that only imports boto3, makes the same two clients and does the
same GetItem. Both run against the run's moto_server.

Measured two ways when dist/registry-lambda.zip exists (else the first):

- `source`: the source tree (PYTHONPATH=lambda:.), bytecode cached, as a
  developer runs it;
- `zip`: the unpacked zip under `python3.12 -I -S -B`: no site-packages, no
  PYTHON* variables, and no bytecode written, as on Lambda, whose /var/task
  is read only: what the zip ships is what is run (it ships bytecode since
  registry_local/package.py compiles it; a zip without any would compile
  every module it imports on every cold start, the baseline's boto3 included).

Times are taken inside the child, from its first statement to the answer:
interpreter start-up (the same for both) is left out, which makes the ratio
stricter. The process wall time is kept in the JSON, and so is the CPU time
of the same spans (in the note too): on a busy machine the wall times wait
for a CPU, the CPU times much less.
"""

from __future__ import annotations

import json
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.common import (
    CHILDREN,
    SMALL_SPEC,
    ZIP_PATH,
    SectionResult,
    environ,
    event,
    lambda_python,
    make_runtime,
    median,
    run_child,
    source_env,
)

GOAL = 1.2
# What each child reports (seconds): wall times, and the CPU time of the same
# spans, which a busy machine stretches less (the process waits for a CPU).
TIMES = ("import", "first_invoke", "total", "import_cpu", "total_cpu")


def _gateway(env: Mapping[str, str], name: str) -> str:
    from handlers import dispatch

    with environ(env):
        runtime = make_runtime(env)
        answer = dispatch(event("create_gateway", {"name": name}), None, runtime)
    if answer["status"] != 201:
        raise RuntimeError(f"could not create the benchmark gateway: {answer['error']}")
    return str(answer["data"]["gateway_id"])


def _modes(tmp: Path) -> list[dict[str, Any]]:
    modes: list[dict[str, Any]] = []
    source = source_env()
    # As a developer runs it: bytecode caches written and read.
    source.pop("PYTHONDONTWRITEBYTECODE", None)
    modes.append(
        {
            "mode": "source",
            "describe": f"source tree, PYTHONPATH=lambda:., {Path(sys.executable).name} "
            f"{sys.version.split()[0]}, bytecode cached",
            "python": [sys.executable],
            "env": source,
        }
    )
    python = lambda_python()
    if not ZIP_PATH.exists() or python is None:
        return modes
    unpacked = tmp / "zip"
    with zipfile.ZipFile(ZIP_PATH) as archive:
        archive.extractall(unpacked)
        pyc = sum(1 for name in archive.namelist() if name.endswith(".pyc"))
    modes.append(
        {
            "mode": "zip",
            "describe": "unpacked dist/registry-lambda.zip as built "
            f"({pyc} .pyc), python3.12 -I -S -B",
            "python": [python, "-I", "-S", "-B"],
            "env": {**source_env(), "BENCH_PACKAGE": str(unpacked)},
        }
    )
    return modes


def run(moto_env: Mapping[str, str], *, repeats: int = 7) -> SectionResult:
    section = SectionResult("cold start")
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        modes = _modes(Path(tmp))
        if len(modes) == 1:
            reason = (
                "dist/registry-lambda.zip not built (./scripts/package)"
                if not ZIP_PATH.exists()
                else "no python3.12 on PATH to run the zip"
            )
            section.notes.append(f"cold start measured from the source tree only: {reason}")
        for index, mode in enumerate(modes):
            _measure(section, moto_env, mode, index, repeats)
    return section


def _measure(
    section: SectionResult,
    moto_env: Mapping[str, str],
    mode: dict[str, Any],
    index: int,
    repeats: int,
) -> None:
    gateway_id = _gateway(moto_env, f"bench-cold-{index}")
    env = {**mode["env"], **moto_env, "BENCH_GATEWAY_ID": gateway_id}
    python = mode["python"]
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "get_gateway": [], "create_tool": []}
    walls: dict[str, list[float]] = {key: [] for key in runs}

    def child(kind: str, attempt: int) -> tuple[dict[str, Any], float]:
        if kind == "baseline":
            return _run(python, "cold_boto3.py", env)
        if kind == "get_gateway":
            evt = event("get_gateway", {"gateway_id": gateway_id})
        else:
            evt = event(
                "create_tool",
                {
                    "gateway_id": gateway_id,
                    "name": f"cold{attempt}",
                    "source": {"type": "inline", "spec": SMALL_SPEC},
                },
            )
        return _run(python, "cold_app.py", {**env, "BENCH_EVENT": json.dumps(evt)})

    # One warm-up of each (page cache; the source mode writes its bytecode),
    # then the three interleaved so drift hits them alike.
    for attempt in range(repeats + 1):
        for kind in ("baseline", "get_gateway", "create_tool"):
            result, wall = child(kind, attempt)
            if kind == "baseline" and not result.get("found"):
                raise RuntimeError("the baseline's GetItem found no gateway")
            if kind != "baseline" and not result.get("ok"):
                raise RuntimeError(f"cold {kind} failed: {result.get('error')}")
            if attempt:
                runs[kind].append(result)
                walls[kind].append(wall)

    def med(kind: str, key: str) -> float:
        return median([r[key] for r in runs[kind]])

    base = med("baseline", "total")
    label = mode["mode"]
    section.add(
        name=f"get_gateway, first invoke [{label}]",
        value=med("get_gateway", "total"),
        unit="s",
        baseline=base,
        baseline_name="boto3 + 2 clients + GetItem",
        goal=f"<= {GOAL}x",
        met=med("get_gateway", "total") / base <= GOAL,
        runs=repeats,
        note=f"import app {med('get_gateway', 'import') * 1000:.0f} ms vs import boto3 "
        f"{med('baseline', 'import') * 1000:.0f} ms; CPU time "
        f"{med('get_gateway', 'total_cpu') * 1000:.0f} ms vs "
        f"{med('baseline', 'total_cpu') * 1000:.0f} ms "
        f"({med('get_gateway', 'total_cpu') / med('baseline', 'total_cpu'):.2f}x)",
    )
    heavy = sorted({m for r in runs["get_gateway"] for m in r["heavy_loaded"]})
    section.add(
        name=f"create_tool, first invoke [{label}]",
        value=med("create_tool", "total"),
        unit="s",
        baseline=base,
        baseline_name="boto3 + 2 clients + GetItem",
        goal="reported",
        runs=repeats,
        note="loads the spec machinery on first use",
    )
    section.add(
        name=f"spec machinery loaded by get_gateway [{label}]",
        value=float(len(heavy)),
        unit="modules",
        goal="none",
        met=not heavy,
        runs=repeats,
        note=", ".join(heavy) or "none of openapi_spec_validator, jsonschema, yaml, requests",
    )
    section.raw[label] = {
        "describe": mode["describe"],
        "python": python,
        "gateway_id": gateway_id,
        "median_seconds": {kind: {key: med(kind, key) for key in TIMES} for kind in runs},
        "median_process_wall_seconds": {kind: median(w) for kind, w in walls.items()},
        "modules_loaded": {kind: runs[kind][0]["modules"] for kind in runs},
        "heavy_loaded_by_get_gateway": heavy,
        "runs": runs,
    }
    section.notes.append(f"cold start [{label}]: {mode['describe']}")


def _run(python: list[str], script: str, env: Mapping[str, str]) -> tuple[dict[str, Any], float]:
    done = run_child([*python, str(CHILDREN / script)], env, timeout=120)
    return done.result, done.wall
