"""`python -m benchmarks` (or `tox -e bench`): every measurement, one table,
one JSON file (benchmarks/results/latest.json). See docs/benchmarks.md.

    python -m benchmarks                      # the whole run (about 8 minutes on 2 cores)
    python -m benchmarks --only cold,rt       # some sections
    python -m benchmarks --only reconcile     # reconcile at scale (not in the whole run: minutes)
    python -m benchmarks --quick              # fewer repetitions, small specs: a check that it runs
    python -m benchmarks --from benchmarks/results/reference.json   # print a written run
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import LAMBDA_DIR, RESULTS, ROOT, SPECS_DIR, SectionResult

SECTIONS = ("package", "cold", "rt", "spec", "memory", "throughput")
# Sections only `--only` runs (they take minutes): reconcile at scale (issue 16).
EXTRA_SECTIONS = ("reconcile",)


def _importable() -> None:
    """The function's modules, as the Lambda sees them (app.py at the root)."""
    for path in (str(ROOT), str(LAMBDA_DIR)):
        if path not in sys.path:
            sys.path.insert(0, path)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections among {', '.join(SECTIONS + EXTRA_SECTIONS)} "
        f"(default: all but {', '.join(EXTRA_SECTIONS)})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one or two repetitions and the small specs only: checks the benchmark runs; "
        "its figures are not for comparing",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS / "latest.json",
        help="where the JSON goes (default benchmarks/results/latest.json)",
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown too")
    parser.add_argument(
        "--from",
        dest="from_json",
        type=Path,
        help="print the table of a written run instead of measuring",
    )
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS) - set(EXTRA_SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    _importable()
    from benchmarks import report

    if args.from_json:
        sections = report.load_sections(args.from_json)
        _print(sections, args.markdown)
        return 0

    started = time.time()
    host = report.machine()
    print(
        f"benchmarks: {host.get('cpus')} CPU(s) {host.get('cpu_model', '')}, "
        f"Python {host['python']}, load average {host.get('load_average_at_start')}",
        flush=True,
    )
    sections = run(args)
    doc = report.document(sections, started=started, argv=argv, host=host)
    report.write(args.output, doc)
    _print(sections, args.markdown)
    print(f"\nwritten {args.output} in {doc['seconds']:.0f} s")
    return 0


def _print(sections: list[SectionResult], markdown: bool) -> None:
    from benchmarks import report as r

    print()
    print(r.text_table(sections))
    print("\nNotes:")
    print(r.notes(sections))
    print()
    print(r.closing(sections))
    if markdown:
        print()
        print(r.markdown_table(sections))


def _build_package_if_missing() -> None:
    """The package and the cold start from the zip measure what ./scripts/package
    builds (the function, and the jwt layer): on a fresh clone, build them
    first (pip reaches PyPI)."""
    from benchmarks.common import JWT_LAYER_PATH, ZIP_PATH
    from registry_local.package import FUNCTION, JWT_LAYER, PackageError, build

    for path, artifact in ((ZIP_PATH, FUNCTION), (JWT_LAYER_PATH, JWT_LAYER)):
        if path.exists():
            continue
        print(f"[{time.strftime('%H:%M:%S')}] building {path.name} ...", flush=True)
        try:
            build(path, artifact=artifact)
        except PackageError as exc:  # the sections then say it is not built
            print(f"could not build {path.name}: {exc}", flush=True)


def run(args: argparse.Namespace) -> list[SectionResult]:
    from benchmarks import (
        cold_start,
        memory,
        package_size,
        reconcile_scale,
        round_trips,
        spec_pipeline,
        throughput,
    )
    from benchmarks.common import bootstrap_env, quiet_function_log
    from registry_local.moto_server import MotoServer

    quiet_function_log()
    quick = args.quick
    specs = spec_pipeline.discover() if {"spec", "memory"} & set(args.sections) else []
    if quick:
        specs = [s for s in specs if not s.large]
    if not specs and {"spec", "memory"} & set(args.sections):
        print(f"no specs in {SPECS_DIR}: the spec sections measure nothing", flush=True)

    sections: list[SectionResult] = []
    if {"package", "cold"} & set(args.sections) and not quick:
        _build_package_if_missing()

    def section(name: str, job: Callable[[], SectionResult]) -> None:
        if name not in args.sections:
            return
        print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
        start = time.perf_counter()
        try:
            result = job()
        except Exception as exc:  # one broken section must not lose the others
            traceback.print_exc()
            result = SectionResult(name)
            result.notes.append(f"the section failed: {type(exc).__name__}: {exc}"[:2000])
            result.add(name="section failed", value=None, unit="s", goal="runs", met=False)
        result.seconds = time.perf_counter() - start
        print(f"[{time.strftime('%H:%M:%S')}] {name}: {result.seconds:.0f} s", flush=True)
        sections.append(result)

    section("package", package_size.run)
    needs_moto = {"cold", "rt", "spec", "throughput", "reconcile"} & set(args.sections)
    if not needs_moto:
        section("memory", lambda: memory.run(specs=specs, iterations=4 if quick else 30))
        return sections
    with MotoServer() as server:
        env = bootstrap_env(server.endpoint_url)
        section("cold", lambda: cold_start.run(env, repeats=1 if quick else 5))
        section("rt", lambda: round_trips.run(env))
        section(
            "spec",
            lambda: spec_pipeline.run(
                env,
                repeats_large=3,
                repeats_small=1 if quick else 3,
                specs=specs,
            ),
        )
        section(
            "throughput",
            lambda: throughput.run(server, cycles=3 if quick else 20, repeats=1 if quick else 3),
        )
        section("reconcile", lambda: reconcile_scale.run(server, quick=quick))
    invalid = {
        name
        for s in sections
        if s.name == "spec pipeline"
        for name, raw in s.raw.items()
        if isinstance(raw, dict) and raw.get("invalid")
    }
    section(
        "memory",
        lambda: memory.run(specs=specs, invalid=invalid, iterations=4 if quick else 30),
    )
    return sections


if __name__ == "__main__":
    raise SystemExit(main())
