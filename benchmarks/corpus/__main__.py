"""`python -m benchmarks.corpus`: every spec of the corpus (manifest.json,
fetched into .corpus/ on first use) through `validate_spec`'s own path, with
`on_unsupported: "exclude"`, as a new user would try it. Not in
`python -m benchmarks` nor in the test run (it takes minutes).

    python -m benchmarks.corpus                  # all specs: benchmarks/results/corpus-latest.json
    python -m benchmarks.corpus --limit 40       # the first 40 specs of the manifest
    python -m benchmarks.corpus --markdown       # the docs/benchmarks.md table too
    python -m benchmarks.corpus --from benchmarks/results/corpus-before.json   # print a written run

Per spec: answered (200) / refused (4xx, with its code and message) / 5xx
(any other exception: the dispatcher's 500); the operations in the document
as sent, those published, and for the rest the finding rules that left them
out; every `$ref` of the published document resolved (json_pointer, as
validation resolves them); and the time of validate_spec's path (intake of
an upload, normalization, validation) against its floor, parsing the bytes
plus one bare `openapi_spec_validator.validate()`. Both are timed in the
same worker process, in alternating order, so neither profits from the
other's warm caches more than the other does.

Each spec runs in a worker process (a pool, restarted after a timeout), so
one spec cannot take the run down; `--jobs 2` halves the wall time on an
idle 2-core machine but both timings then share the cores.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.corpus import measure

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
TIMEOUT_SECONDS = 300.0


def run(jobs: list[tuple[int, str, str]], workers: int) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    pending = list(jobs)
    while pending:
        pool = multiprocessing.get_context("spawn").Pool(
            workers, initializer=measure.init_worker, maxtasksperchild=25
        )
        asyncs = [(job, pool.apply_async(measure.measure, (job,))) for job in pending]
        pending = []
        restart = False
        for job, handle in asyncs:
            if restart:
                pending.append(job)
                continue
            try:
                results.append(handle.get(timeout=TIMEOUT_SECONDS))
            except multiprocessing.TimeoutError:
                results.append(
                    {"path": job[1], "outcome": "timeout", "published": 0, "operations": 0}
                )
                restart = True  # the worker is stuck: a new pool for the rest
            except Exception as exc:
                results.append(
                    {"path": job[1], "outcome": "crash", "reason": repr(exc)[:300], "published": 0}
                )
            done = len(results)
            if done % 20 == 0:
                print(f"[{time.strftime('%H:%M:%S')}] {done}/{len(jobs)}", flush=True)
        pool.terminate()
        pool.join()
    order = {job[1]: job[0] for job in jobs}
    return sorted(results, key=lambda r: order[r["path"]])


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    outcomes = Counter(r["outcome"] for r in results)
    refused = Counter(r["reason"].split(":")[0] for r in results if r["outcome"] == "refused")
    operations = sum(r.get("operations", 0) for r in results)
    published = sum(r.get("published", 0) for r in results)
    from_origin = sum(r.get("published_from_origin", r.get("published", 0)) for r in results)
    any_rule: Counter[str] = Counter()
    only_rule: Counter[str] = Counter()
    for r in results:
        for combination, count in r.get("left_out_rules", {}).items():
            rules = combination.split("+")
            for rule in rules:
                any_rule[rule] += count
            if len(rules) == 1:
                only_rule[rules[0]] += count
    refused_ops = sum(r.get("operations", 0) for r in results if r["outcome"] != "answered")
    timed = [r for r in results if r["outcome"] == "answered" and r.get("floor_seconds")]
    ours = sum(r["seconds"] for r in timed)
    floor = sum(r["floor_seconds"] for r in timed)
    ratios = sorted(r["seconds"] / r["floor_seconds"] for r in timed if r["floor_seconds"] > 0)
    return {
        "specs": len(results),
        "outcomes": dict(outcomes),
        "refused": dict(refused),
        "operations": operations,
        "published": published,
        "servable_share": published / operations if operations else None,
        # Registered by its APIs.guru origin URL (a `url` source) instead of
        # uploaded: relative server URLs resolve against it.
        "published_from_origin": from_origin,
        "operations_in_refused_specs": refused_ops,
        "left_out_by_rule": dict(any_rule.most_common()),
        "left_out_by_only_rule": dict(only_rule.most_common()),
        "document_errors": dict(
            Counter(rule for r in results for rule in r.get("document_errors", []))
        ),
        "seconds": ours,
        "floor_seconds": floor,
        "time_ratio": ours / floor if floor else None,
        "median_spec_ratio": ratios[len(ratios) // 2] if ratios else None,
        "specs_with_unresolved_published_refs": sum(
            1 for r in results if r.get("unresolved_published_refs")
        ),
        "specs_with_unresolved_source_refs": sum(
            1 for r in results if r.get("unresolved_source_refs")
        ),
        "normalized": dict(sum((Counter(r.get("normalized", {})) for r in results), Counter())),
    }


def _read_share(s: dict[str, Any], key: str = "published") -> float:
    """Published operations among those of the specs the registry read (a
    spec over its 10 MB bound is refused unread: its operations are apart)."""
    read = s["operations"] - s["operations_in_refused_specs"]
    return s.get(key, s["published"]) / read if read else 0.0


def render(doc: dict[str, Any], markdown: bool) -> str:
    s = doc["summary"]
    lines = [
        f"{s['specs']} specs: " + ", ".join(f"{k} {v}" for k, v in sorted(s["outcomes"].items())),
        f"refused: {s['refused']}",
        f"operations {s['operations']}, published {s['published']} "
        f"({100 * (s['servable_share'] or 0):.1f}%), "
        f"in refused specs {s['operations_in_refused_specs']}; "
        f"of the operations in specs read: {100 * _read_share(s):.1f}%",
        f"registered by their origin URL instead (relative servers resolved): "
        f"{s.get('published_from_origin', s['published'])} published "
        f"({100 * _read_share(s, 'published_from_origin'):.1f}% of those in specs read)",
        f"left out, by rule (an operation counts under each of its rules): {s['left_out_by_rule']}",
        f"left out for that rule alone: {s['left_out_by_only_rule']}",
        f"document-level errors (specs): {s['document_errors']}",
        f"time: ours {s['seconds']:.1f} s, "
        f"floor (parse + bare validate) {s['floor_seconds']:.1f} s, "
        f"ratio {s['time_ratio'] or 0:.2f}x (median per spec {s['median_spec_ratio'] or 0:.2f}x)",
        f"published documents with an unresolved $ref: {s['specs_with_unresolved_published_refs']} "
        f"(documents as sent with one: {s['specs_with_unresolved_source_refs']})",
        f"normalization notes: {s['normalized']}",
        f"wall time {doc.get('wall_seconds', 0):.0f} s with {doc.get('workers')} worker(s)",
    ]
    if markdown:
        lines += [
            "",
            "| spec | KB | outcome | operations | published | s | floor s | left out (rules) |",
            "|---|---:|---|---:|---:|---:|---:|---|",
        ]
        for r in doc["specs"]:
            rules: Counter[str] = Counter()
            for combination, count in r.get("left_out_rules", {}).items():
                for rule in combination.split("+"):
                    rules[rule] += count
            outcome = r["outcome"] + (" " + r["reason"][:60] if r.get("reason") else "")
            cells = [
                r["path"].removeprefix("api/"),
                f"{r.get('size_bytes', 0) / 1024:.0f}",
                outcome,
                str(r.get("operations", 0)),
                str(r.get("published", 0)),
                f"{r.get('seconds', 0):.2f}",
                f"{r.get('floor_seconds') or 0:.2f}",
                ", ".join(f"{k} {v}" for k, v in rules.most_common()),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.corpus", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--limit", type=int, help="only the first N specs of the manifest")
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes (default 1: timings undisturbed)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "corpus-latest.json")
    parser.add_argument(
        "--markdown", action="store_true", help="print the per-spec table as markdown too"
    )
    parser.add_argument("--from", dest="from_json", type=Path, help="print a written run")
    args = parser.parse_args(argv)
    if args.from_json:
        print(render(json.loads(args.from_json.read_text()), args.markdown))
        return 0
    sys.path[:0] = [str(ROOT), str(ROOT / "lambda")]
    from benchmarks.corpus.fetch import fetch

    found = fetch()[: args.limit]
    jobs = [(i, entry["path"], str(path)) for i, (entry, path) in enumerate(found)]
    start = time.perf_counter()
    results = run(jobs, args.jobs)
    doc = {
        "command": "python -m benchmarks.corpus "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wall_seconds": time.perf_counter() - start,
        "workers": args.jobs,
        "summary": summary(results),
        "specs": results,
    }
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(json.dumps(doc, indent=1, default=dict) + "\n")
    print(render(doc, args.markdown))
    print(f"written {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
