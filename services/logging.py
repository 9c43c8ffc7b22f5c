"""The registry's structured logger (Powertools: one JSON object per line)."""

from __future__ import annotations

from aws_lambda_powertools import Logger

# POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL override these defaults.
logger = Logger(service="agentcore-tool-registry")


def log_step(step: str, outcome: str, **fields: object) -> None:
    """One line per step of a flow: request id and action come from the keys
    the dispatcher appended, so CloudWatch alone tells what happened."""
    logger.info(step, extra={"step": step, "outcome": outcome, **fields})
