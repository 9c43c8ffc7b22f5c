"""Warm memory child: one process validates the given specs in turn, as a
warm Lambda container would, and records its resident memory after each.

BENCH_MODE=ours: services.tools.spec_validation.validate_spec;
BENCH_MODE=bare: openapi_spec_validator.validate() (the upstream function
whose unbounded cache keeps every spec alive: issue 523), the baseline.
BENCH_SPECS: JSON list of paths; BENCH_ITERATIONS: validations in all.
Each validation gets a freshly parsed document (load_spec, untimed), as each
invocation parses its own request's spec, and drops it afterwards: what
survives the call is what the process keeps. RSS is VmRSS of
/proc/self/status after a gc.collect().
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    import resource  # no /proc: the peak is the best there is

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    mode = os.environ["BENCH_MODE"]
    paths = [Path(p) for p in json.loads(os.environ["BENCH_SPECS"])]
    iterations = int(os.environ["BENCH_ITERATIONS"])

    import openapi_spec_validator

    from services.tools.models import S3Source
    from services.tools.spec_intake import load_spec
    from services.tools.spec_validation import validate_spec

    raws = [path.read_bytes() for path in paths]

    def parsed(i: int) -> dict[str, Any]:
        raw = raws[i % len(raws)]
        source = S3Source(type="s3", key=f"uploads/bench/{paths[i % len(paths)].name}")
        return load_spec(source, s3_reader=lambda _key: raw).document

    gc.collect()
    before = rss_bytes()
    samples: list[dict[str, Any]] = []
    for i in range(iterations):
        document = parsed(i)
        start = time.perf_counter()
        if mode == "ours":
            validate_spec(document, target_name="tool")
        else:
            # An invalid spec raises; what the validator keeps is still measured.
            with contextlib.suppress(Exception):
                openapi_spec_validator.validate(document)
        elapsed = time.perf_counter() - start
        del document
        gc.collect()
        samples.append(
            {
                "spec": paths[i % len(paths)].name,
                "seconds": elapsed,
                "rss": rss_bytes(),
                "gc_objects": len(gc.get_objects()),
            }
        )
    Path(os.environ["BENCH_RESULT"]).write_text(
        json.dumps(
            {
                "mode": mode,
                "python": sys.version.split()[0],
                "specs": [p.name for p in paths],
                "rss_before": before,
                "samples": samples,
            }
        )
    )


if __name__ == "__main__":
    main()
