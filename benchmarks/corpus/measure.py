"""One spec in a worker process: validate_spec's path and its floor, timed
(benchmarks/corpus/__main__.py runs a pool of these)."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TEAM = "bench"


def _operations(document: Any) -> int:
    paths = document.get("paths") if isinstance(document, dict) else None
    if not isinstance(paths, dict):
        return 0
    return sum(
        1
        for item in paths.values()
        if isinstance(item, dict)
        for m in METHODS
        if isinstance(item.get(m), dict)
    )


def unresolved_refs(document: dict[str, Any]) -> list[str]:
    """The `$ref`s of `document` that name nothing in it ("#" is the document)."""
    from services.tools import json_pointer

    return sorted(
        {
            r
            for r in json_pointer.refs_under(document)
            if r != "#" and json_pointer.resolve(document, r) is None
        }
    )


def _floor(raw: bytes) -> float:
    import openapi_spec_validator

    start = time.perf_counter()
    document = json.loads(raw)
    # The first error stops it, as it stops a user.
    with contextlib.suppress(Exception):
        openapi_spec_validator.validate(document)
    return time.perf_counter() - start


def _ours(raw: bytes, name: str) -> tuple[float, dict[str, Any]]:
    from services.errors import PayloadTooLargeError, RegistryError
    from services.tools import spec_pipeline
    from services.tools.models import MAX_SPEC_BYTES, S3Source

    def read_upload(key: str, max_bytes: int) -> bytes:
        # As services/s3/s3_service.py reads an upload: refused past the limit.
        if len(raw) > max_bytes:
            raise PayloadTooLargeError(f"the upload is over the {max_bytes}-byte limit")
        return raw

    call: Any = SimpleNamespace(
        actor=SimpleNamespace(team=TEAM),
        runtime=SimpleNamespace(
            spec_bucket=SimpleNamespace(read_upload=read_upload), fetch_policy=None
        ),
    )
    source = S3Source(type="s3", key=f"uploads/{TEAM}/{name}", on_unsupported="exclude")
    assert MAX_SPEC_BYTES  # noqa: S101 - the limit read_upload is given
    start = time.perf_counter()
    try:
        # What handlers/validate_spec.py runs for an openapi source
        # (services/tools/targets/openapi.py OpenApiKind.inspect).
        loaded, checked = spec_pipeline.inspect(
            call, source, target_name="corpus", existing_targets=0
        )
        answer = {**checked.to_dict(), "source": loaded.description, "size_bytes": len(loaded.raw)}
    except RegistryError as exc:
        elapsed = time.perf_counter() - start
        outcome = "5xx" if exc.status >= 500 else "refused"
        return elapsed, {
            "outcome": outcome,
            "status": exc.status,
            "reason": f"{exc.code}: {exc.message}"[:300],
        }
    except Exception as exc:
        return time.perf_counter() - start, {
            "outcome": "5xx",
            "status": 500,
            "reason": repr(exc)[:300],
        }
    elapsed = time.perf_counter() - start
    report = checked.report
    doc_rules = sorted({f.rule for f in report.errors if not f.operations} - {"no-operations"})
    served = report.ok()
    left_out: Counter[str] = Counter()  # "rule+rule" -> operations left out for those
    for op in report.operations:
        if not (op.published and served):
            # An operation with no finding of its own is left out with its spec.
            own = sorted({f.rule for f in op.findings})
            rules = own or [f"spec: {rule}" for rule in doc_rules] or ["not-selected"]
            left_out["+".join(rules)] += 1
    return elapsed, {
        "outcome": "answered",
        "status": 200,
        "ok": answer["ok"],
        "published": len(report.published_operations) if served else 0,
        "left_out_rules": left_out,
        "document_errors": doc_rules,
        "normalized": Counter(_kind(n.change) for n in checked.normalized),
        "unresolved_published_refs": unresolved_refs(report.document) if report.ok() else [],
    }


def _kind(change: str) -> str:
    """A note's kind: its words before the first quoted or parenthesized name."""
    words = re.sub(r"(?<=\s)'[^']*'|\([^)]*\)|#/\S+", "…", change).split(":")[0].split()
    return " ".join(words[:6])


def origin_url(document: dict[str, Any]) -> str | None:
    """Where APIs.guru took the spec from (`info.x-origin[0].url`), if https:
    the URL a team would register it by."""
    info = document.get("info")
    origins = info.get("x-origin") if isinstance(info, dict) else None
    first = origins[0] if isinstance(origins, list) and origins else None
    url = first.get("url") if isinstance(first, dict) else None
    return url if isinstance(url, str) and url.startswith("https://") else None


def _relative_servers(document: dict[str, Any]) -> bool:
    """Whether some `servers` list (the spec's, a path's, an operation's)
    gives a URL with no scheme."""
    paths = document.get("paths")
    items = [v for v in paths.values() if isinstance(v, dict)] if isinstance(paths, dict) else []
    nodes = [document, *items, *(op for item in items for op in item.values())]
    return any(
        isinstance(s, dict) and isinstance(s.get("url"), str) and "://" not in s["url"]
        for node in nodes
        if isinstance(node, dict) and isinstance(node.get("servers"), list)
        for s in node["servers"]
    )


def published_from_origin(raw: bytes, document: dict[str, Any]) -> int | None:
    """The operations published when the spec is registered by its origin URL
    (a `url` source: relative server URLs resolve against it), the fetch
    stubbed with the same bytes; None when that changes nothing (no origin,
    or no relative server)."""
    from services.tools import spec_pipeline
    from services.tools.models import UrlSource
    from services.tools.spec_intake import load_spec

    url = origin_url(document)
    if url is None or not _relative_servers(document):
        return None
    source = UrlSource(type="url", url=url, on_unsupported="exclude")
    loaded = load_spec(source, fetcher=lambda _: raw)
    checked = spec_pipeline.check_loaded(loaded, source, target_name="corpus", existing_targets=0)
    return len(checked.report.published_operations) if checked.report.ok() else 0


def measure(job: tuple[int, str, str]) -> dict[str, Any]:
    """One spec, in a worker: both timings, the outcome."""
    index, rel, path = job
    raw = Path(path).read_bytes()
    document = json.loads(raw)
    result: dict[str, Any] = {
        "path": rel,
        "size_bytes": len(raw),
        "operations": _operations(document),
        "unresolved_source_refs": len(unresolved_refs(document)),
    }
    from services.tools.models import MAX_SPEC_BYTES

    # Over the registry's bound the spec is refused unread: no floor to time.
    floor = None
    if index % 2 and len(raw) <= MAX_SPEC_BYTES:
        floor = _floor(raw)
        ours, outcome = _ours(raw, Path(rel).name)
    else:
        ours, outcome = _ours(raw, Path(rel).name)
        if len(raw) <= MAX_SPEC_BYTES:
            floor = _floor(raw)
    result.update(outcome, floor_seconds=floor, seconds=ours)
    if result["outcome"] != "answered":
        result["published"] = 0
    else:
        # Untimed: the same spec registered by its URL (issue 13).
        from_origin = published_from_origin(raw, document)
        result["published_from_origin"] = (
            result["published"] if from_origin is None else from_origin
        )
    return result


def init_worker() -> None:
    for p in (str(ROOT), str(ROOT / "lambda")):
        if p not in sys.path:
            sys.path.insert(0, p)
    import logging

    logging.disable(logging.CRITICAL)
    # Imported before any clock starts: import cost is the cold start's.
    import jsonschema_path  # noqa: F401
    import openapi_spec_validator  # noqa: F401
    import yaml  # noqa: F401

    from services.tools import spec_normalize, spec_pipeline  # noqa: F401
    from services.tools.spec_validation import validate_spec  # noqa: F401
