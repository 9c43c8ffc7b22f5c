"""The AWS operations the registry's handler sends during a test run.

With `REGISTRY_RECORD_AWS_OPERATIONS=<file>` set (tox's py312 env), every
botocore session made in the run gets a `before-parameter-build` hook (through
botocore's BUILTIN_HANDLERS, which each new session registers). The hook
records `<botocore service>:<Operation>` only while
`handlers.dispatcher.dispatch` is on the stack, so what the tests and
bootstrap call themselves does not count. For TransactWriteItems it also
records the kinds of item the transaction carries (Put, Update, Delete,
ConditionCheck): IAM authorises each item, not the transaction. A presigned
request is recorded as the operation it presigns (it is sent later with this
role's credentials); botocore's presigned POST goes through the CreateBucket
model, so it is recorded as `s3:PostObject`, S3's name for a form upload.

Under pytest-xdist each worker writes what it saw beside the file and the
controller merges them. At the end of the run the file gets the operations
and whether the run was whole and green; tests/iac/test_iam_policy.py (the iac env) compares them
with the Lambda policy in terraform/iam_lambda.tf.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any

import botocore.handlers
import pytest

ENV = "REGISTRY_RECORD_AWS_OPERATIONS"

_operations: dict[str, set[str]] = {}
_dispatch_code: list[CodeType] = []


def _inside_dispatch() -> bool:
    if not _dispatch_code:
        from handlers import dispatcher

        _dispatch_code.append(dispatcher.dispatch.__code__)
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code is _dispatch_code[0]:
            return True
        frame = frame.f_back
    return False


def _record(params: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
    if not _inside_dispatch():
        return
    name = model.name
    presigned = bool((context or {}).get("is_presign_request"))
    if presigned and name == "CreateBucket":  # generate_presigned_post's stand-in model
        name = "PostObject"
    parts = _operations.setdefault(f"{model.service_model.service_name}:{name}", set())
    if presigned:
        parts.add("presigned")
    if name == "TransactWriteItems":
        for item in params.get("TransactItems", ()):
            parts.update(item)


def install() -> None:
    """Hook every botocore session made from now on (when the run records)."""
    entry = ("before-parameter-build", _record)
    if os.environ.get(ENV) and entry not in botocore.handlers.BUILTIN_HANDLERS:
        botocore.handlers.BUILTIN_HANDLERS.append(entry)


def narrowed(config: pytest.Config) -> list[str]:
    """Why this run did not exercise the whole suite (empty when it did)."""
    reasons = []
    if config.args_source is not pytest.Config.ArgsSource.TESTPATHS:
        reasons.append("paths given: " + " ".join(config.args))
    for option in ("keyword", "markexpr"):
        if getattr(config.option, option, ""):
            reasons.append(f"-{option[0]} {getattr(config.option, option)}")
    if getattr(config.option, "deselect", None):
        reasons.append("--deselect")
    if getattr(config.option, "lf", False):
        reasons.append("--last-failed")
    return reasons


def _worker_files(path: str) -> list[Path]:
    target = Path(path)
    return sorted(target.parent.glob(f"{target.name}.worker-*"))


def pytest_configure(config: pytest.Config) -> None:
    """Before any xdist worker starts: no worker file of an earlier run may
    be merged into this one's."""
    path = os.environ.get(ENV)
    if path and not hasattr(config, "workerinput"):
        for stale in _worker_files(path):
            stale.unlink()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = os.environ.get(ENV)
    if not path:
        return
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is not None:
        # An xdist worker: hand what it saw to the controller, which writes
        # the report once every worker has finished.
        mine = Path(f"{path}.worker-{workerinput['workerid']}")
        mine.parent.mkdir(parents=True, exist_ok=True)
        mine.write_text(json.dumps({k: sorted(v) for k, v in _operations.items()}))
        return
    for worker in _worker_files(path):
        for key, parts in json.loads(worker.read_text()).items():
            _operations.setdefault(key, set()).update(parts)
        worker.unlink()
    report = {
        "about": "AWS operations sent from inside handlers.dispatcher.dispatch"
        " (tests/iac/recorder.py)",
        "exit_status": int(exitstatus),
        "narrowed_by": narrowed(session.config),
        "tests_collected": session.testscollected,
        "operations": {key: sorted(parts) for key, parts in sorted(_operations.items())},
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(report, indent=2) + "\n")
