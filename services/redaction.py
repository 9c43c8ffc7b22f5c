"""Keep the secrets of the request being served out of every log line.

botocore at DEBUG logs each request's parameters (botocore.endpoint), so an
API key or client secret on its way to a credential provider would reach
CloudWatch if anyone turned logging up. The secrets of the current request
are registered here just before they are sent, and a log record factory
(it sees every logger, whatever its handlers) replaces them in every
message; the dispatcher forgets them when the request ends.
"""

from __future__ import annotations

import logging
from typing import Any

_REDACTED = "***"
_secrets: set[str] = set()
_installed = False


def register(*values: str) -> None:
    """Redact these values from log lines until `forget()`."""
    _install()
    _secrets.update(v for v in values if v)


def forget() -> None:
    _secrets.clear()


def _install() -> None:
    global _installed  # noqa: PLW0603 - one factory per process
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _secrets:
            message = record.getMessage()
            redacted = message
            for secret in _secrets:
                redacted = redacted.replace(secret, _REDACTED)
            if redacted != message:
                record.msg, record.args = redacted, None
        return record

    logging.setLogRecordFactory(factory)
