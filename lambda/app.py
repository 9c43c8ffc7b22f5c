"""Lambda entry point (`app.handler`): the registry's invoke contract.

The runtime (settings and clients) is built on the first invoke and kept for
the life of the container; a missing variable is answered as a
`ConfigurationError`, on that invoke and every later one, until fixed.
"""

from __future__ import annotations

from typing import Any

from handlers import dispatch
from services.runtime import Runtime, build_runtime

_runtime: Runtime | None = None


def _get_runtime() -> Runtime:
    global _runtime  # noqa: PLW0603 - one runtime per container, by design
    if _runtime is None:
        _runtime = build_runtime()
    return _runtime


def handler(event: Any, context: Any) -> dict[str, Any]:
    return dispatch(event, context, _get_runtime)


def reset_runtime() -> None:
    """Forget the runtime (tests and the local runner change the environment)."""
    global _runtime  # noqa: PLW0603
    _runtime = None
