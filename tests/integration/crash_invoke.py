"""Run one invoke in this process and die at a botocore event.

    python -m tests.integration.crash_invoke EVENT_JSON HOOK

The environment carries the registry's variables and AWS_ENDPOINT_URL. At
HOOK (e.g. `before-call.bedrock-agentcore-control.CreateGateway`) the process
ends with os._exit: no exception, no cleanup, no finally block runs, as when
Lambda kills a container.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

CRASH_EXIT_CODE = 86


def main() -> None:
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


if __name__ == "__main__":
    main()
