"""Package: dist/registry-lambda.zip (built by ./scripts/package), zipped and
unpacked, against Lambda's limits (50 MB zipped for a direct upload, 250 MB
unzipped). Our goal: at most 10 MB zipped."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

from benchmarks.common import MB, ZIP_PATH, SectionResult

LAMBDA_ZIPPED = 50 * MB
LAMBDA_UNZIPPED = 250 * MB
GOAL_ZIPPED = 10 * MB


def run(path: Path = ZIP_PATH) -> SectionResult:
    section = SectionResult("package")
    if not path.exists():
        section.add(
            name="dist/registry-lambda.zip",
            value=None,
            unit="MiB",
            goal="<= 10 MiB zipped",
            note="not built (./scripts/package builds it)",
        )
        return section
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    zipped = path.stat().st_size
    unpacked = sum(i.file_size for i in infos)
    by_top: Counter[str] = Counter()
    for info in infos:
        top = info.filename.split("/", 1)[0]
        by_top[top if "/" in info.filename else "(root files)"] += info.compress_size
    largest = ", ".join(f"{name} {size / MB:.1f}" for name, size in by_top.most_common(5))
    pyc = sum(1 for i in infos if i.filename.endswith(".pyc"))
    section.add(
        name="zipped",
        value=zipped / MB,
        unit="MiB",
        baseline=LAMBDA_ZIPPED / MB,
        baseline_name="Lambda's 50 MiB",
        goal="<= 10 MiB",
        met=zipped <= GOAL_ZIPPED,
        note=f"{len(infos)} entries, {pyc} .pyc; largest (MiB zipped): {largest}",
    )
    section.add(
        name="unpacked",
        value=unpacked / MB,
        unit="MiB",
        baseline=LAMBDA_UNZIPPED / MB,
        baseline_name="Lambda's 250 MiB",
        goal="< 250 MiB",
        met=unpacked < LAMBDA_UNZIPPED,
    )
    section.raw = {
        "path": str(path),
        "zipped_bytes": zipped,
        "unpacked_bytes": unpacked,
        "entries": len(infos),
        "pyc_entries": pyc,
        "zipped_bytes_by_top_level": dict(by_top.most_common()),
    }
    return section
