"""The real Lambda entry point, invoked in this process: what `registry
invoke` and the demos share (so neither imports the other)."""

from __future__ import annotations

from typing import Any


def invoke(event: Any) -> dict[str, Any]:
    import app  # lambda/app.py, as Lambda loads it

    app.reset_runtime()  # the environment may have changed since the last call
    return app.handler(event, None)
