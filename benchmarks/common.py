"""What every section shares: paths, medians, figures, child processes, the
local AWS (a `moto_server` on 127.0.0.1) and a runtime whose polls never sleep."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.support import PETS, FakeClock

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_DIR = ROOT / "lambda"
CHILDREN = Path(__file__).resolve().parent / "children"
RESULTS = Path(__file__).resolve().parent / "results"
ZIP_PATH = ROOT / "dist" / "registry-lambda.zip"
JWT_LAYER_PATH = ROOT / "dist" / "registry-jwt-layer.zip"
# The real specs of ../shared/specs (MANIFEST.md there); BENCH_SPECS_DIR overrides.
SPECS_DIR = Path(os.environ.get("BENCH_SPECS_DIR", str(ROOT.parent / "shared" / "specs")))
LAMBDA_PYTHON = "3.12"  # terraform/variables.tf: lambda_runtime = python3.12
MB = 1024 * 1024

ACTOR = {"user": "bench@example.com", "team": "payments", "roles": []}


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


@dataclass
class Figure:
    """One line of the table: a measured value, its baseline, their ratio, the goal."""

    section: str
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    goal: str = ""
    met: bool | None = None  # None: no goal, or not measurable here
    note: str = ""
    runs: int = 0
    verdict: str = ""  # overrides "met"/"NOT MET" in the table when set

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


@dataclass
class SectionResult:
    name: str
    figures: list[Figure] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, **kwargs: Any) -> Figure:
        figure = Figure(section=self.name, **kwargs)
        self.figures.append(figure)
        return figure


# --------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------


def source_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child that runs the source tree (PYTHONPATH=lambda:.)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(LAMBDA_DIR), str(ROOT)])
    env.setdefault("AWS_CONFIG_FILE", os.devnull)
    env.setdefault("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class ChildRun:
    result: dict[str, Any]
    wall: float  # seconds from spawn to exit


def run_child(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout: float = 300.0,
    cwd: Path | None = None,
) -> ChildRun:
    """Run a child that writes its JSON result to the file named by the env
    variable BENCH_RESULT (stdout is the function's log: discarded)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "result.json"
        start = time.perf_counter()
        proc = subprocess.run(  # noqa: S603 - our interpreter and our child scripts
            list(argv),
            env={**env, "BENCH_RESULT": str(out)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=timeout,
            check=False,
            cwd=str(cwd or tempfile.gettempdir()),
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not out.exists():
            tail = proc.stderr.decode(errors="replace")[-2000:]
            raise RuntimeError(f"child {argv[1:]} failed ({proc.returncode}): {tail}")
        return ChildRun(json.loads(out.read_text()), wall)


def write_result(result: Mapping[str, Any]) -> None:
    """For children: hand the result to the parent (see run_child)."""
    Path(os.environ["BENCH_RESULT"]).write_text(json.dumps(result))


def _version_of(python: str) -> str | None:
    try:
        proc = subprocess.run(  # noqa: S603 - an interpreter found on PATH, asked its version
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def lambda_python() -> str | None:
    """An interpreter of the Lambda runtime's version, to run the zip."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == LAMBDA_PYTHON:
        return sys.executable
    candidate = shutil.which(f"python{LAMBDA_PYTHON}")
    if candidate and _version_of(candidate) == LAMBDA_PYTHON:
        return candidate
    return None


# --------------------------------------------------------------------------
# The local AWS: one moto_server per run, on 127.0.0.1 only
# --------------------------------------------------------------------------


def bootstrap_env(endpoint_url: str, prefix: str | None = None) -> dict[str, str]:
    """Tables, bucket and role at the endpoint; the function's environment."""
    from registry_local.bootstrap import bootstrap

    prefix = prefix or f"bench-{uuid.uuid4().hex[:8]}"
    with environ({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}):
        env = bootstrap(endpoint_url, prefix=prefix)
    return {
        **env,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@contextmanager
def environ(values: Mapping[str, str]) -> Iterator[None]:
    """os.environ with `values` (botocore reads AWS_ENDPOINT_URL from it)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def make_runtime(env: Mapping[str, str], clock: FakeClock | None = None) -> Any:
    """A Runtime as tests/support.make_runtime builds it: the function's
    settings, a fresh boto3 session, a clock that does not sleep. Call it
    (and make the clients) inside `environ(env)`."""
    import boto3

    from services.config import Settings
    from services.runtime import Runtime

    clock = clock or FakeClock()
    settings = Settings.model_validate(dict(env))
    session = boto3.session.Session(region_name=settings.region)
    return Runtime(settings=settings, session=session, clock=clock, sleep=clock.sleep)


def event(
    action: str,
    data: dict[str, Any],
    *,
    request_id: str | None = None,
    actor: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An invoke event; mutations get a fresh request id and the bench actor."""
    result: dict[str, Any] = {"action": action, "data": data}
    if not action.startswith(("get_", "list_")):
        result["request_id"] = request_id or f"bench-{uuid.uuid4()}"
        result["actor"] = dict(actor or ACTOR)
    return result


# The small spec the tests use (tests/support.py).
SMALL_SPEC = PETS


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def quiet_function_log() -> None:
    """The function logs JSON lines to stdout; in this process they would
    bury the table. Its handlers write to /dev/null instead (the logging
    work itself is still done, as in Lambda)."""
    import logging

    from services.logging import logger

    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    for handler in logging.getLogger(logger.service).handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)
