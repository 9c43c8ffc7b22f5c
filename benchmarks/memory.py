"""Warm memory: one process validates the largest specs in turn (30
validations); resident memory after the last is compared with after the
first round (one validation of each spec: a round's peak is what a warm
container keeps). The baseline is the same loop with the bare upstream
`validate()`, whose unbounded cache (issue 523) grows by a spec per call,
run for two rounds over the valid specs.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from benchmarks.common import CHILDREN, MB, SectionResult, run_child, source_env
from benchmarks.spec_pipeline import Spec, discover

GOAL = 1.10  # RSS after the last validation / after the first round
ITERATIONS = 30


def _run(mode: str, specs: list[Spec], iterations: int) -> dict[str, Any]:
    env = source_env(
        {
            "BENCH_MODE": mode,
            "BENCH_SPECS": json.dumps([str(s.path) for s in specs]),
            "BENCH_ITERATIONS": str(iterations),
        }
    )
    return run_child([sys.executable, str(CHILDREN / "memory_child.py")], env, timeout=1800).result


def run(
    *,
    iterations: int = ITERATIONS,
    specs: list[Spec] | None = None,
    invalid: set[str] | None = None,
    bare_rounds: int = 2,
) -> SectionResult:
    """`invalid`: names of specs the validator refuses (the spec section finds
    them); left out, so that ours and the bare baseline validate the same set."""
    section = SectionResult("warm memory")
    candidates = discover() if specs is None else specs
    invalid = invalid or set()
    chosen = sorted(
        (s for s in candidates if s.large and not s.swagger and s.path.name not in invalid),
        key=lambda s: -s.size,
    )
    if not chosen:
        chosen = sorted((s for s in candidates if not s.swagger), key=lambda s: -s.size)[:2]
    if not chosen:
        section.notes.append("no specs to validate")
        return section
    ours = _run("ours", chosen, iterations)
    samples = ours["samples"]
    rounds = len(chosen)
    first = samples[0]["rss"]
    first_round = samples[min(rounds, len(samples)) - 1]["rss"]
    last = samples[-1]["rss"]

    # Baseline: the bare upstream validate() on the same specs, two rounds:
    # the second adds to its cache.
    valid = chosen
    bare = _run("bare", valid, bare_rounds * len(valid)) if valid else None
    bare_growth = None
    if bare:
        b = bare["samples"]
        bare_growth = b[-1]["rss"] / b[len(valid) - 1]["rss"]
        bare_per_call = (b[-1]["rss"] - b[len(valid) - 1]["rss"]) / MB / max(1, len(b) - len(valid))
    section.add(
        name=f"RSS after {len(samples)} validations / after the first round",
        value=last / MB,
        unit="MiB",
        baseline=first_round / MB,
        baseline_name=f"after round 1 ({rounds} specs)",
        goal=f"<= {GOAL:.2f}x",
        met=last / first_round <= GOAL,
        runs=len(samples),
        note=f"{', '.join(s.path.name for s in chosen)}"
        + (f" (left out, invalid: {', '.join(sorted(invalid))})" if invalid else "")
        + f"; after the very first validation "
        f"{first / MB:.0f} MiB; gc objects {samples[rounds - 1]['gc_objects']:,} -> "
        f"{samples[-1]['gc_objects']:,}",
    )
    if bare:
        b = bare["samples"]
        section.add(
            name=f"bare validate(), round {bare_rounds} / round 1 (baseline)",
            value=b[-1]["rss"] / MB,
            unit="MiB",
            baseline=b[len(valid) - 1]["rss"] / MB,
            baseline_name="after round 1",
            goal="contrast",
            runs=len(b),
            note=f"grows {bare_per_call:.1f} MiB per validation (upstream lru_cache, issue 523); "
            f"gc objects {b[len(valid) - 1]['gc_objects']:,} -> {b[-1]['gc_objects']:,}",
        )
    section.raw = {
        "specs": [s.path.name for s in chosen],
        "ours": ours,
        "bare": bare,
        "ratio_last_to_first_round": last / first_round,
        "ratio_last_to_first_validation": last / first,
        "bare_ratio_round2_to_round1": bare_growth,
    }
    return section
