"""Run invokes in a process that really dies at a botocore event.

Two ways to use it:

    python -m tests.integration.crash_invoke EVENT_JSON HOOK

runs one invoke in this process and dies at HOOK (for example
`before-call.bedrock-agentcore-control.CreateGateway`, its first occurrence)
with os._exit: no exception, no cleanup, no finally block runs, as when
Lambda kills a container. The environment carries the registry's variables
and AWS_ENDPOINT_URL.

    python -m tests.integration.crash_invoke --zygote

is the crash matrix's pre-warmed "zygote" (tests/integration/test_crash_matrix.py):
it imports the handler and loads botocore's service models once, then reads
one JSON request per line on stdin. For each it forks a child that sets the
request's environment, builds a fresh runtime, counts every AWS call the
runtime's clients send and runs the handler; at the requested point (the
n-th `service.Operation`, `before-call` or `after-call`) the child ends
with os._exit(CRASH_EXIT_CODE). Without a point the child runs to the end
and answers the response and the calls it saw. The zygote answers one JSON
line per request on stdout: the child's exit code, its answer, and what it
logged. It holds no boto3 client, connection or thread when it forks: the
clients it made to load the models are gone by then.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import pkgutil
import sys
import time
from typing import Any

CRASH_EXIT_CODE = 86
# A child that got to the end answers with this exit code; anything else is
# an error of the harness (its log says which).
DONE_EXIT_CODE = 0
ERROR_EXIT_CODE = 3
SERVICES = ("dynamodb", "s3", "bedrock-agentcore-control")


def main() -> None:
    if sys.argv[1:] == ["--zygote"]:
        serve()
        return
    event, hook = json.loads(sys.argv[1]), sys.argv[2]
    from handlers import dispatch
    from services.runtime import build_runtime

    runtime = build_runtime()
    service = hook.split(".")[1]
    client = (
        runtime.agentcore if service == "bedrock-agentcore-control" else runtime.client(service)
    )

    def die(**_: Any) -> None:
        sys.stdout.flush()
        os._exit(CRASH_EXIT_CODE)

    client.meta.events.register(hook, die)
    print(json.dumps(dispatch(event, None, runtime)))


# --------------------------------------------------------------------- zygote


class _SleepingClock:
    """Real time at the start; `sleep` moves it instead of waiting, so a
    flow's polls cost nothing (the tests read the lease it wrote, whatever
    time it says)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _warm() -> Any:
    """Import what an invoke imports and load botocore's models into one
    loader, which every child's session reuses. The clients made here are
    dropped before the first fork (they never sent a request, so they hold
    no connection)."""
    import boto3.s3.inject  # noqa: F401 - boto3, and the S3 methods its clients get
    import botocore.loaders
    import botocore.session

    from handlers.dispatcher import registered_actions
    from services.tools import spec_intake, spec_pipeline, spec_validation  # noqa: F401

    registered_actions()  # imports every action's module
    # And what the actions import on first use (the spec gate, the URL
    # fetcher, the diff, ...): imported here once, not again in every
    # child (~20 ms of a child's ~80 ms of CPU).
    import services

    for module in pkgutil.walk_packages(services.__path__, "services."):
        importlib.import_module(module.name)
    from tests import fake_web  # noqa: F401

    # The OpenAPI validator imports its libraries on first use: validate a
    # spec no test sends (the validator caches what it saw).
    spec_validation.validate_spec(
        {
            "openapi": "3.0.3",
            "info": {"title": "zygote warm-up", "version": "0"},
            "servers": [{"url": "https://warm.example.com"}],
            "paths": {
                "/w": {"get": {"operationId": "w", "responses": {"200": {"description": "-"}}}}
            },
        },
        target_name="warm-up",
    )

    loader = botocore.loaders.create_loader()
    core = botocore.session.get_session()
    core.register_component("data_loader", loader)
    for service in SERVICES:
        client = core.create_client(
            service,
            region_name="us-east-1",
            endpoint_url="http://127.0.0.1:9",
            aws_access_key_id="warm",
            aws_secret_access_key="warm",
        )
        for name in client.meta.service_model.operation_names:
            client.meta.service_model.operation_model(name)
        if service == "bedrock-agentcore-control":
            client.get_paginator("list_gateway_targets")
        del client
    del core
    gc.collect()
    return loader


def _child(request: dict[str, Any], loader: Any, answer_fd: int) -> None:
    """Runs in the forked child: never returns."""
    try:
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        sys.stdin.close()
        os.environ.clear()
        os.environ.update(request["env"])
        _run(request, loader, answer_fd)
    except BaseException:
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(ERROR_EXIT_CODE)
    os._exit(DONE_EXIT_CODE)


def _run(request: dict[str, Any], loader: Any, answer_fd: int) -> None:
    import boto3
    import botocore.session

    from handlers import dispatch
    from services.config import load_settings
    from services.runtime import Runtime

    core = botocore.session.get_session()
    core.register_component("data_loader", loader)
    settings = load_settings()
    session = boto3.session.Session(botocore_session=core, region_name=settings.region)
    clock = _SleepingClock()
    runtime = Runtime(settings=settings, session=session, clock=clock, sleep=clock.sleep)

    point = request.get("point")  # [moment, "service.Operation", occurrence] or None
    calls: list[str] = []
    seen: dict[tuple[str, str], int] = {}

    def counter(moment: str) -> Any:
        def hook(model: Any, **_: Any) -> None:
            operation = f"{model.service_model.service_name}.{model.name}"
            if moment == "before-call":
                calls.append(operation)
            count = seen[(moment, operation)] = seen.get((moment, operation), 0) + 1
            if point is not None and [moment, operation, count] == point:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(CRASH_EXIT_CODE)

        return hook

    # On the session before any client exists: every client the runtime
    # makes copies these handlers.
    session.events.register("before-call", counter("before-call"))
    session.events.register("after-call", counter("after-call"))
    from tests import fake_web

    # The spec URLs the parent serves from memory, served here too.
    with fake_web.serving(fake_web.decoded(request.get("pages") or {})):
        response = dispatch(request["event"], None, runtime)
    with os.fdopen(answer_fd, "w") as answer:
        json.dump({"response": response, "calls": calls}, answer)


def serve() -> None:
    loader = _warm()
    out = sys.stdout
    out.write(json.dumps({"ready": os.getpid()}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        read_fd, write_fd = os.pipe()
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(request, loader, write_fd)
        os.close(write_fd)
        with os.fdopen(read_fd) as answer:
            text = answer.read()
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        out.write(
            json.dumps(
                {
                    "exit": code,
                    "answer": json.loads(text) if text else None,
                    "seconds": time.perf_counter() - started,
                }
            )
            + "\n"
        )
        out.flush()


if __name__ == "__main__":
    main()
