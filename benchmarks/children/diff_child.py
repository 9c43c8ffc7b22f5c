"""Spec diff child: one validation and two diffs of a spec, in a fresh process.

- validate: services.tools.spec_pipeline.check (normalization, then
  validate_spec with on_unsupported=exclude), what create_tool and
  update_tool pay for a new spec: the baseline;
- removed:  services.tools.spec_diff.diff_specs of the spec's normalized
  document against itself with its first operation removed (issue 15's
  case);
- shared:   the same against itself with the first property of its four most
  `$ref`'d object schemas removed and their descriptions changed: a change
  that reaches most operations (the diff's worst shape).

Both sides of a diff are canonical JSON read back, as the registry reads a
published object from S3: no subtree is shared between them. The
normalized document stands for the published one because a large spec may
publish little (Stripe's every operation uses anyOf or a form body, so
on_unsupported=exclude publishes none of them) and what is measured is the
diff of a large document. The parse is not timed; the result goes to
BENCH_RESULT.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any


def main() -> None:
    import yaml

    from services.tools.spec_diff import diff_specs
    from services.tools.spec_normalize import normalize_spec
    from services.tools.spec_pipeline import check

    path = Path(os.environ["BENCH_SPEC"])
    raw = path.read_bytes()
    if raw.lstrip()[:1] == b"{":
        document = json.loads(raw)
    else:
        document = yaml.load(raw, Loader=yaml.CSafeLoader)  # the C *safe* loader

    start = time.perf_counter()
    checked = check(document, target_name="tool", on_unsupported="exclude")
    validated = time.perf_counter() - start

    body = json.dumps(normalize_spec(document)[0], sort_keys=True, separators=(",", ":"))
    old = json.loads(body)
    fewer = json.loads(body)
    removed = _remove_first_operation(fewer)
    start = time.perf_counter()
    diff = diff_specs(old, fewer)
    diff_removed = time.perf_counter() - start

    shared = json.loads(body)
    changed = _change_shared_schemas(shared, body)
    start = time.perf_counter()
    wide = diff_specs(old, shared)
    diff_shared = time.perf_counter() - start

    result: dict[str, Any] = {
        "spec": path.name,
        "published": len(checked.report.published_operations),
        "operations": len(checked.report.operations),
        "validate": validated,
        "diff_removed": diff_removed,
        "diff_shared": diff_shared,
        "removed_operation": removed,
        "removed_found": list(diff.removed),
        "removed_breaking": diff.breaking,
        "shared_schemas": changed,
        "shared_counts": wide.to_dict()["counts"],
        "shared_dict_bytes": len(json.dumps(wide.to_dict())),
    }
    Path(os.environ["BENCH_RESULT"]).write_text(json.dumps(result))


def _remove_first_operation(document: dict[str, Any]) -> str:
    for url, item in document.get("paths", {}).items():
        for method, operation in list(item.items()):
            if isinstance(operation, dict) and "responses" in operation:
                del item[method]
                return str(operation.get("operationId") or f"{method.upper()} {url}")
    return ""


def _change_shared_schemas(document: dict[str, Any], body: str) -> list[str]:
    prefix = '"$ref":"#/components/schemas/'
    counts = Counter(part.split('"', 1)[0] for part in body.split(prefix)[1:])
    schemas = document.get("components", {}).get("schemas", {})
    changed = []
    for name, _ in counts.most_common():
        properties = schemas.get(name, {}).get("properties")
        if isinstance(properties, dict) and properties:
            properties.pop(next(iter(properties)))
            schemas[name]["description"] = "changed"
            changed.append(name)
            if len(changed) == 4:
                break
    return changed


if __name__ == "__main__":
    main()
