"""Spec pipeline: intake + validation on the real specs of ../shared/specs,
against the floor of parsing the spec plus one bare
`openapi_spec_validator.validate()`; `include_operations`; an unchanged
spec on `update_tool`; and the diff of two versions of Stripe's spec against
one validation of it (children/diff_child.py, issue 15).

Every timing is taken in a fresh process (children/spec_child.py), so no
run profits from a cache another filled (bare `validate()` caches every spec
it saw; validate_spec caches nothing). Swagger 2.0 is refused before any
validation and is not timed.

For an invalid spec (OpenAI's) the bare `validate()` stops at the first
error while validate_spec reports every finding; its comparable floor is
every error of a fresh validator (`iter_errors` to the end), shown beside it.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import (
    ACTOR,
    CHILDREN,
    MB,
    SPECS_DIR,
    SectionResult,
    environ,
    event,
    make_runtime,
    median,
    run_child,
    source_env,
)

GOAL_LARGE = 1.3  # validate_spec vs its floor, every spec over 1 MB
GOAL_INCLUDE = 0.2  # ten operations vs the full validation
GOAL_DIFF = 1.0  # a diff of two versions vs one validation (issue 15)
INCLUDE_COUNT = 10
LARGE = 1_000_000  # "over 1 MB" (MANIFEST.md sizes are bytes)


@dataclass(frozen=True)
class Spec:
    path: Path
    size: int
    version: str
    swagger: bool
    operation_ids: tuple[str, ...]

    @property
    def large(self) -> bool:
        return self.size > LARGE

    @property
    def label(self) -> str:
        return f"{self.path.name} ({self.size / MB:.2f} MiB, {self.version})"


def discover(specs_dir: Path = SPECS_DIR) -> list[Spec]:
    """Every spec of the directory, with its first operationIds (parsed once here)."""
    import yaml

    found = []
    for path in sorted(specs_dir.iterdir()):
        if path.suffix not in (".json", ".yaml", ".yml"):
            continue
        raw = path.read_bytes()
        if raw.lstrip()[:1] == b"{":
            document = json.loads(raw)
        else:
            document = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
        ids: list[str] = []
        for item in (document.get("paths") or {}).values():
            for operation in (item or {}).values() if isinstance(item, dict) else ():
                if isinstance(operation, dict) and isinstance(operation.get("operationId"), str):
                    ids.append(operation["operationId"])
        found.append(
            Spec(
                path=path,
                size=len(raw),
                version=str(document.get("openapi") or f"Swagger {document.get('swagger')}"),
                swagger="swagger" in document,
                operation_ids=tuple(ids[:INCLUDE_COUNT]),
            )
        )
    return found


def _child(spec: Spec, mode: str) -> dict[str, Any]:
    env = source_env(
        {
            "BENCH_MODE": mode,
            "BENCH_SPEC": str(spec.path),
            "BENCH_INCLUDE": json.dumps(list(spec.operation_ids)),
        }
    )
    return run_child([sys.executable, str(CHILDREN / "spec_child.py")], env).result


def run(
    moto_env: Mapping[str, str] | None,
    *,
    repeats_large: int = 3,
    repeats_small: int = 5,
    specs: list[Spec] | None = None,
) -> SectionResult:
    section = SectionResult("spec pipeline")
    import yaml

    section.notes.append(
        "YAML parsed with "
        + ("libyaml's C loader" if getattr(yaml, "__with_libyaml__", False) else "pure Python")
        + "; the s3 source path of load_spec (bytes in, as a large spec arrives); "
        "on_unsupported=fail (the default)"
    )
    specs = discover() if specs is None else specs
    if not specs:
        section.notes.append(f"no specs found in {SPECS_DIR}")
    for spec in specs:
        if spec.swagger:
            section.add(
                name=f"{spec.label}",
                value=None,
                unit="s",
                goal="refused",
                note="Swagger 2.0 is refused before validation (AgentCore does not take it): "
                "not timed",
            )
            continue
        _measure(section, spec, repeats_large if spec.large else repeats_small)
    measured = [s for s in specs if not s.swagger]
    stripe = next((s for s in measured if s.path.name.startswith("stripe")), None)
    if stripe or measured:
        diff_cost(section, stripe or max(measured, key=lambda s: s.size), repeats_large)
    if moto_env is not None:
        # Box: large, and publishable with on_unsupported=exclude.
        box = next((s for s in specs if s.path.name.startswith("box")), None)
        usable = sorted(
            (s for s in specs if not s.swagger and s.operation_ids), key=lambda s: -s.size
        )
        target = box or (usable[0] if usable else None)
        if target is not None:
            unchanged_update(section, moto_env, target)
    return section


def _measure(section: SectionResult, spec: Spec, repeats: int) -> None:
    # The first floor run tells whether the spec is valid. An invalid one is
    # timed against every error (floor_all); its first-error floor is shown once.
    probe = _child(spec, "floor")
    invalid = bool(probe.get("errors"))
    modes = ["floor_all" if invalid else "floor", "ours"]
    if spec.large and len(spec.operation_ids) >= INCLUDE_COUNT:
        modes.append("include")
    runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
    runs["floor"] = [probe]
    for attempt in range(repeats):
        for mode in modes:  # interleaved: drift hits every mode alike
            if mode == "floor" and attempt == 0:
                continue  # the probe was this one
            runs[mode].append(_child(spec, mode))

    def med(mode: str, key: str = "total") -> float:
        return median([r[key] for r in runs[mode]])

    floor_mode = "floor_all" if invalid else "floor"
    ours, floor = med("ours"), med(floor_mode)
    ratio = ours / floor
    note = (
        f"parse {med('ours', 'parse') * 1000:.0f} ms vs {med(floor_mode, 'parse') * 1000:.0f} ms; "
        f"{runs['ours'][0]['errors']} errors, {runs['ours'][0]['published']} published"
    )
    if invalid:
        note += (
            f"; INVALID: bare validate() stops at the first error in {med('floor'):.2f} s "
            f"({ours / med('floor'):.2f}x), the floor used is every error "
            f"({runs['floor_all'][0]['errors']}) of a fresh validator"
        )
    section.add(
        name=f"{spec.label}: load_spec+validate_spec",
        value=ours,
        unit="s",
        baseline=floor,
        baseline_name="parse + validate()" if not invalid else "parse + all errors",
        goal=f"<= {GOAL_LARGE}x" if spec.large else "reported (<= 1 MB)",
        met=(ratio <= GOAL_LARGE) if spec.large else None,
        runs=repeats,
        note=note,
    )
    if "include" in runs:
        inc, full = med("include", "validate"), med("ours", "validate")
        section.add(
            name=f"{spec.path.name}: include_operations ({INCLUDE_COUNT}) vs full",
            value=inc,
            unit="s",
            baseline=full,
            baseline_name="validate_spec, all operations",
            goal=f"<= {GOAL_INCLUDE}x",
            met=inc / full <= GOAL_INCLUDE,
            runs=repeats,
            note=f"validation only; with the parse: {med('include'):.2f} s vs "
            f"{med('ours'):.2f} s ({med('include') / med('ours'):.2f}x)",
        )
    section.raw[spec.path.name] = {
        "bytes": spec.size,
        "version": spec.version,
        "invalid": invalid,
        "include_operations": list(spec.operation_ids),
        "median_seconds": {
            mode: {k: med(mode, k) for k in ("parse", "validate", "total")} for mode in runs
        },
        "runs": runs,
    }


def unchanged_update(section: SectionResult, moto_env: Mapping[str, str], spec: Spec) -> None:
    """create_tool then update_tool with the same source, through the real
    flow in this process against the moto_server: the update must not
    validate (validate_spec is wrapped to count its calls)."""
    import services.tools.spec_validation as validation
    from handlers import dispatch

    calls: list[float] = []
    original = validation.validate_spec

    def counted(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            calls.append(time.perf_counter() - start)

    creates: list[float] = []
    updates: list[float] = []
    validations: list[int] = []
    changed: dict[str, Any] = {}
    validation.validate_spec = counted
    try:
        with environ(moto_env):
            runtime = make_runtime(moto_env)
            key = f"uploads/{ACTOR['team']}/{uuid.uuid4()}/{spec.path.name}"
            runtime.s3.put_object(
                Bucket=runtime.settings.spec_bucket_name, Key=key, Body=spec.path.read_bytes()
            )
            source = {"type": "s3", "key": key, "on_unsupported": "exclude"}
            gateway = dispatch(
                event("create_gateway", {"name": f"bench-spec-{uuid.uuid4().hex[:6]}"}),
                None,
                runtime,
            )
            gid = gateway["data"]["gateway_id"]

            def timed(evt: dict[str, Any], expect: int) -> tuple[dict[str, Any], float]:
                start = time.perf_counter()
                answer = dispatch(evt, None, runtime)
                elapsed = time.perf_counter() - start
                if answer["status"] != expect:
                    raise RuntimeError(f"{evt['action']}: {answer['status']} {answer['error']}")
                return answer["data"], elapsed

            for attempt in range(3):
                data = {"gateway_id": gid, "name": f"spec{attempt}", "source": source}
                tool, seconds = timed(event("create_tool", data), 201)
                creates.append(seconds)
                calls.clear()
                update = {"tool_id": tool["tool_id"], "gateway_id": gid, "source": source}
                _, seconds = timed(event("update_tool", update), 200)
                updates.append(seconds)
                validations.append(len(calls))
            # Contrast: other options are another published document, validated again.
            calls.clear()
            other = {**source, "exclude_operations": [spec.operation_ids[0]]}
            _, seconds = timed(
                event(
                    "update_tool", {"tool_id": tool["tool_id"], "gateway_id": gid, "source": other}
                ),
                200,
            )
            changed = {"seconds": seconds, "validations": len(calls)}
    finally:
        validation.validate_spec = original
    section.add(
        name=f"update_tool, unchanged spec ({spec.path.name}, s3 source)",
        value=median(updates),
        unit="s",
        baseline=median(creates),
        baseline_name="create_tool of the same spec",
        goal="0 validations",
        met=max(validations) == 0,
        runs=len(updates),
        note=f"validate_spec calls: {max(validations)}; a changed option (exclude_operations) "
        f"validates again: {changed['validations']} call(s), {changed['seconds']:.2f} s",
    )
    section.raw["update_tool_unchanged"] = {
        "spec": spec.path.name,
        "create_seconds": creates,
        "update_seconds": updates,
        "validate_spec_calls": validations,
        "changed_options": changed,
    }


def diff_cost(section: SectionResult, spec: Spec, repeats: int) -> None:
    """spec_diff.diff_specs of two versions of `spec` (one operation removed;
    then four shared schemas changed) against one validation, each run in a
    fresh process (children/diff_child.py)."""
    env = source_env({"BENCH_SPEC": str(spec.path)})
    runs = [
        run_child([sys.executable, str(CHILDREN / "diff_child.py")], env).result
        for _ in range(repeats)
    ]

    def med(key: str) -> float:
        return median([r[key] for r in runs])

    first = runs[0]
    section.add(
        name=f"{spec.path.name}: diff, one operation removed",
        value=med("diff_removed"),
        unit="s",
        baseline=med("validate"),
        baseline_name="one validation (spec_pipeline.check)",
        goal=f"<= {GOAL_DIFF}x",
        met=med("diff_removed") / med("validate") <= GOAL_DIFF,
        runs=len(runs),
        note=f"found {first['removed_found']} removed, breaking={first['removed_breaking']}; "
        f"the normalized document of {first['operations']} operations "
        f"({first['published']} publishable)",
    )
    counts = first["shared_counts"]
    section.add(
        name=f"{spec.path.name}: diff, {len(first['shared_schemas'])} shared schemas changed",
        value=med("diff_shared"),
        unit="s",
        baseline=med("validate"),
        baseline_name="one validation (spec_pipeline.check)",
        goal=f"<= {GOAL_DIFF}x",
        met=med("diff_shared") / med("validate") <= GOAL_DIFF,
        runs=len(runs),
        note=f"{', '.join(first['shared_schemas'])}: {counts['changed']} operations changed, "
        f"{counts['findings']} findings; to_dict {first['shared_dict_bytes']} bytes",
    )
    section.raw[f"diff {spec.path.name}"] = {"runs": runs}
