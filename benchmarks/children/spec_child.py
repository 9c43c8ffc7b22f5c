"""Spec pipeline child: one measurement in a fresh process (nothing cached).

BENCH_MODE:
- floor:     parse (json, or PyYAML's C safe loader) + one bare
             openapi_spec_validator.validate() (stops at the first error);
- floor_all: parse + every error of a fresh validator (iter_errors to the
             end): the floor for an invalid spec, whose findings we all report;
- ours:      services.tools.spec_intake.load_spec (an s3 source, the path a
             large spec takes) + services.tools.spec_validation.validate_spec;
- include:   the same with include_operations = BENCH_INCLUDE (a JSON list).

Imports happen before the clock starts (ours imports the validator lazily:
it is imported first here, as the floor's is); the result goes to BENCH_RESULT.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    mode = os.environ["BENCH_MODE"]
    path = Path(os.environ["BENCH_SPEC"])
    raw = path.read_bytes()
    result: dict[str, Any] = {"mode": mode, "spec": path.name, "python": sys.version.split()[0]}
    if mode in ("floor", "floor_all"):
        import openapi_spec_validator
        import yaml
        from jsonschema_path import SchemaPath
        from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

        start = time.perf_counter()
        if raw.lstrip()[:1] == b"{":
            document = json.loads(raw)
        else:
            document = yaml.load(raw, Loader=yaml.CSafeLoader)  # the C *safe* loader
        parsed = time.perf_counter()
        if mode == "floor":
            try:
                openapi_spec_validator.validate(document)
                result["errors"] = 0
            except Exception as exc:  # the first error only: validate() stops there
                result["errors"] = 1
                result["first_error"] = type(exc).__name__
        else:
            v31 = str(document.get("openapi", "")).startswith("3.1")
            cls = OpenAPIV31SpecValidator if v31 else OpenAPIV30SpecValidator
            result["errors"] = sum(1 for _ in cls(SchemaPath.from_dict(document)).iter_errors())
        done = time.perf_counter()
    else:
        # What validate_spec and load_spec import lazily, imported before the
        # clock starts as the floor's are: import cost is the cold start's.
        import jsonschema_path  # noqa: F401 - imported for its cost, not used
        import openapi_spec_validator
        import yaml

        from services.tools.models import S3Source
        from services.tools.spec_intake import load_spec
        from services.tools.spec_validation import validate_spec

        include = json.loads(os.environ["BENCH_INCLUDE"]) if mode == "include" else None
        source = S3Source(type="s3", key=f"uploads/bench/{path.name}", include_operations=include)
        start = time.perf_counter()
        loaded = load_spec(source, s3_reader=lambda _key: raw)
        parsed = time.perf_counter()
        report = validate_spec(
            loaded.document,
            target_name="tool",
            include_operations=source.include_operations,
            size_bytes=len(loaded.raw),
        )
        done = time.perf_counter()
        result["errors"] = len(report.errors)
        result["warnings"] = len(report.warnings)
        result["operations"] = len(report.operations)
        result["published"] = len(report.published_operations)
    result.update(parse=parsed - start, validate=done - parsed, total=done - start)
    Path(os.environ["BENCH_RESULT"]).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
