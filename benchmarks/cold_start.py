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

Beside trusted mode's first `get_gateway`, the same read in AUTH_MODE=jwt
(`get_gateway [jwt]`): a token of a Cognito pool on the moto_server, so the
first invoke also imports PyJWT and cryptography and fetches the pool's
discovery document and JWKS (two requests on 127.0.0.1, where a real
provider is an internet round trip each). The zip mode runs it with
dist/registry-jwt-layer.zip unpacked as Lambda puts a layer, after the zip.

Times are taken inside the child, from its first statement to the answer:
interpreter start-up (the same for both) is left out, which makes the ratio
stricter. The process wall time is kept in the JSON, and so is the CPU time
of the same spans (in the note too): on a busy machine the wall times wait
for a CPU, the CPU times much less.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchmarks.common import (
    CHILDREN,
    JWT_LAYER_PATH,
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
    zip_mode: dict[str, Any] = {
        "mode": "zip",
        "describe": f"unpacked dist/registry-lambda.zip as built ({pyc} .pyc), python3.12 -I -S -B",
        "python": [python, "-I", "-S", "-B"],
        "env": {**source_env(), "BENCH_PACKAGE": str(unpacked)},
    }
    if JWT_LAYER_PATH.exists():
        with zipfile.ZipFile(JWT_LAYER_PATH) as archive:
            archive.extractall(tmp / "opt")
        zip_mode["jwt_package"] = os.pathsep.join([str(unpacked), str(tmp / "opt" / "python")])
        zip_mode["describe"] += "; jwt: with dist/registry-jwt-layer.zip after it"
    modes.append(zip_mode)
    return modes


def _identity_provider(moto_env: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """A Cognito pool on the run's moto_server: the AUTH_* environment and
    a token of a payments member (valid an hour: the whole section)."""
    import boto3

    from registry_local.identity_provider import create_identity_provider, id_token

    cognito = boto3.session.Session(
        region_name=moto_env["AWS_REGION"],
        aws_access_key_id=moto_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=moto_env["AWS_SECRET_ACCESS_KEY"],
    ).client("cognito-idp", endpoint_url=moto_env["AWS_ENDPOINT_URL"])
    auth_env = create_identity_provider(
        cognito,
        prefix=f"bench-cold-{uuid.uuid4().hex[:8]}",
        region=moto_env["AWS_REGION"],
        endpoint_url=moto_env["AWS_ENDPOINT_URL"],
    )
    return auth_env, id_token(cognito, auth_env, "alice@example.com")


def run(moto_env: Mapping[str, str], *, repeats: int = 7) -> SectionResult:
    section = SectionResult("cold start")
    auth = _identity_provider(moto_env)
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        modes = _modes(Path(tmp))
        if len(modes) == 2 and "jwt_package" not in modes[1]:
            section.notes.append(
                "get_gateway [jwt] measured from the source tree only: "
                "dist/registry-jwt-layer.zip not built (./scripts/package jwt-layer)"
            )
        if len(modes) == 1:
            reason = (
                "dist/registry-lambda.zip not built (./scripts/package)"
                if not ZIP_PATH.exists()
                else "no python3.12 on PATH to run the zip"
            )
            section.notes.append(f"cold start measured from the source tree only: {reason}")
        for index, mode in enumerate(modes):
            _measure(section, moto_env, mode, index, repeats, auth=auth)
    return section


def _measure(
    section: SectionResult,
    moto_env: Mapping[str, str],
    mode: dict[str, Any],
    index: int,
    repeats: int,
    *,
    auth: tuple[dict[str, str], str],
) -> None:
    gateway_id = _gateway(moto_env, f"bench-cold-{index}")
    env = {**mode["env"], **moto_env, "BENCH_GATEWAY_ID": gateway_id}
    python = mode["python"]
    kinds = ["baseline", "get_gateway", "create_tool"]
    if mode["mode"] == "source" or "jwt_package" in mode:
        kinds.append("get_gateway_jwt")
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    walls: dict[str, list[float]] = {key: [] for key in runs}
    auth_env, token = auth

    def child(kind: str, attempt: int) -> tuple[dict[str, Any], float]:
        if kind == "baseline":
            return _run(python, "cold_boto3.py", env)
        if kind == "get_gateway_jwt":
            jwt_env = {**env, **auth_env}
            if "jwt_package" in mode:
                jwt_env["BENCH_PACKAGE"] = mode["jwt_package"]
            evt = {
                "action": "get_gateway",
                "data": {"gateway_id": gateway_id},
                "auth": {"token": token},
            }
            return _run(python, "cold_app.py", {**jwt_env, "BENCH_EVENT": json.dumps(evt)})
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
        for kind in kinds:
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
    if "get_gateway_jwt" in runs:
        jwt_runs = runs["get_gateway_jwt"]
        section.add(
            name=f"get_gateway, first invoke, AUTH_MODE=jwt [{label}]",
            value=med("get_gateway_jwt", "total"),
            unit="s",
            baseline=base,
            baseline_name="boto3 + 2 clients + GetItem",
            goal="reported",
            runs=repeats,
            note=f"{med('get_gateway_jwt', 'total') / med('get_gateway', 'total'):.2f}x trusted "
            f"mode's; import app {med('get_gateway_jwt', 'import') * 1000:.0f} ms (PyJWT and "
            "cryptography load on the first token, not at import); the first invoke "
            f"{med('get_gateway_jwt', 'first_invoke') * 1000:.0f} ms, fetching discovery and "
            "JWKS on 127.0.0.1; CPU time "
            f"{med('get_gateway_jwt', 'total_cpu') * 1000:.0f} ms"
            + ("" if all(r["jwt_loaded"] for r in jwt_runs) else "; PyJWT NOT loaded?"),
        )
    if any(r["jwt_loaded"] for r in runs["get_gateway"]):
        section.notes.append(f"[{label}] trusted mode's get_gateway loaded PyJWT")
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
