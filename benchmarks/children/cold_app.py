"""Cold start child: a fresh interpreter imports the function's `app` and
serves its first event (BENCH_EVENT), as Lambda's init + first invoke would.

Runs from the source tree (PYTHONPATH=lambda:.) or from the unpacked zip
(BENCH_PACKAGE, under `python3.12 -I -S`; with a layer, the zip then the
layer's python/ folder, os.pathsep-separated, Lambda's order): it imports
nothing of the benchmarks package, and writes its timings to BENCH_RESULT.
"""

import time

T0 = time.perf_counter()
C0 = time.process_time()  # CPU time: what a busy machine does not stretch

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

if os.environ.get("BENCH_PACKAGE"):
    sys.path[:0] = os.environ["BENCH_PACKAGE"].split(os.pathsep)

import app  # noqa: E402

T_IMPORT = time.perf_counter()
C_IMPORT = time.process_time()

# What a gateway action must not load (the spec machinery, YAML, requests).
HEAVY = (
    "openapi_spec_validator",
    "jsonschema",
    "jsonschema_path",
    "referencing",
    "yaml",
    "requests",
    "pydantic_settings",
    "services.tools.spec_intake",
    "services.tools.spec_validation",
)


class Context:
    aws_request_id = "bench-cold-start"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


response = app.handler(json.loads(os.environ["BENCH_EVENT"]), Context())
T_DONE = time.perf_counter()
C_DONE = time.process_time()

with open(os.environ["BENCH_RESULT"], "w") as out:
    json.dump(
        {
            "import": T_IMPORT - T0,
            "first_invoke": T_DONE - T_IMPORT,
            "total": T_DONE - T0,
            "import_cpu": C_IMPORT - C0,
            "total_cpu": C_DONE - C0,
            "status": response.get("status"),
            "ok": response.get("ok"),
            "error": response.get("error"),
            "heavy_loaded": [name for name in HEAVY if name in sys.modules],
            "modules": len(sys.modules),
            "jwt_loaded": "jwt" in sys.modules,
            "python": sys.version.split()[0],
            "app_file": app.__file__,
        },
        out,
    )
