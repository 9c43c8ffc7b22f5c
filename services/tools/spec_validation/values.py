"""A spec's parts read without trusting their shape.

The document is whatever JSON or YAML the caller sent: `paths` may be a
list, a parameter list a string. The rules read a part as the type it
should have, or as empty, and go on: a misshapen part is reported by the
OpenAPI validator (openapi_validator.py), once, not crashed on by each rule.
"""

from __future__ import annotations

from typing import Any


def as_dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
