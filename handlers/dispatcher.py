"""Maps an event's `action` to its handler and wraps every answer in the
contract's envelope (docs/api.md, "Envelope").

Each `handlers/<action>.py` is named after the one action it registers with
`@action("<action>", ...)`, so `ACTION_MODULES` (every action and its
module) is the package's list of modules, read from its directory without
importing any: a module is imported on the first request for its action, so
a gateway action never loads the tool machinery (cold start:
docs/benchmarks.md). The dispatcher validates the envelope and the action's
data, builds the `Call` (who, which request, how much time is left), runs
the handler, and turns any `RegistryError` into the error envelope. Nothing
raises to the Lambda runtime and no traceback reaches a caller.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from services import redaction
from services.auth.identity import Identity, authenticate, resolve_actor, token_of
from services.context import Call, request_hash
from services.errors import (
    BadRequestError,
    InternalError,
    RegistryError,
    RequestValidationError,
    UnknownActionError,
)
from services.logging import logger
from services.models import Actor, Envelope, field_errors
from services.records.lifecycle import Result
from services.runtime import Runtime

Handler = Callable[[Call, Any], Result]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    model: type[BaseModel]
    handler: Handler
    mutating: bool


_PACKAGE = __name__.rpartition(".")[0]
# Modules of the package that are not actions.
_NOT_ACTIONS = frozenset({"dispatcher"})


def _action_modules() -> dict[str, str]:
    """Every action and the module whose `@action` registers it: each public
    module of this package but the dispatcher, named after its action. The
    directory is listed (`.py` or bytecode, as the deployment zip ships
    them), nothing is imported. A new action is a new module, nothing here."""
    found = pkgutil.iter_modules(sys.modules[_PACKAGE].__path__)
    return {
        module.name: f"{_PACKAGE}.{module.name}"
        for module in sorted(found, key=lambda m: m.name)
        if not module.ispkg and not module.name.startswith("_") and module.name not in _NOT_ACTIONS
    }


ACTION_MODULES: dict[str, str] = _action_modules()

_ACTIONS: dict[str, ActionSpec] = {}


def action(name: str, *, model: type[BaseModel], mutating: bool) -> Callable[[Handler], Handler]:
    """Register a handler for `name`; its data is validated with `model`."""

    def register(handler: Handler) -> Handler:
        # Programming errors, caught by the tests that load every action.
        if name not in ACTION_MODULES:  # pragma: no cover
            raise RuntimeError(f"action {name} has no module handlers/{name}.py")
        if handler.__module__ != ACTION_MODULES[name]:  # pragma: no cover
            raise RuntimeError(f"action {name} is registered by {handler.__module__}")
        if name in _ACTIONS:  # pragma: no cover
            raise RuntimeError(f"action {name} registered twice")
        _ACTIONS[name] = ActionSpec(name, model, handler, mutating)
        return handler

    return register


def _load(name: str) -> ActionSpec:
    """The spec of a known action, importing its module on first use."""
    if name not in _ACTIONS:
        importlib.import_module(ACTION_MODULES[name])
        if name not in _ACTIONS:  # pragma: no cover - a programming error
            raise RuntimeError(f"{ACTION_MODULES[name]} does not register action {name}")
    return _ACTIONS[name]


def registered_actions() -> dict[str, ActionSpec]:
    """Every action (each module imported): for the tests and the docs."""
    return {name: _load(name) for name in sorted(ACTION_MODULES)}


def envelope(
    action_name: str | None,
    request_id: str | None,
    result: Result | None,
    error: RegistryError | None,
) -> dict[str, Any]:
    if error is not None:
        return {
            "ok": False,
            "status": error.status,
            "action": action_name,
            "request_id": request_id,
            "data": None,
            "error": error.to_dict(),
        }
    assert result is not None  # noqa: S101
    return {
        "ok": True,
        "status": result.status,
        "action": action_name,
        "request_id": request_id,
        "data": result.data,
        "error": None,
    }


def _parse(
    event: dict[str, Any], identity: Identity | None
) -> tuple[Envelope, ActionSpec, Actor | None]:
    name = event.get("action")
    if not isinstance(name, str) or not name:
        raise BadRequestError(
            "the event has no action", [{"field": "action", "message": "required"}]
        )
    if name not in ACTION_MODULES:
        raise UnknownActionError(
            f"unknown action {name[:64]!r}",
            [{"field": "action", "message": "one of " + ", ".join(sorted(ACTION_MODULES))}],
        )
    spec = _load(name)
    try:
        request = Envelope.model_validate(event)
    except ValidationError as exc:
        raise BadRequestError("the event is malformed", field_errors(exc)) from None
    if spec.mutating:
        # With a token the actor is the token's: only the request id can be missing.
        needed = ("request_id",) if identity else ("request_id", "actor")
        missing = [f for f in needed if getattr(request, f) is None]
        if missing:
            raise BadRequestError(
                f"{' and '.join(missing)} required for {name}",
                [{"field": f, "message": "required for this action"} for f in missing],
            )
    return request, spec, resolve_actor(request.actor, identity, mutating=spec.mutating)


def _check_unicode(event: Any) -> None:
    """DynamoDB (like any JSON consumer) refuses text that is not valid
    Unicode, such as a lone surrogate that a JSON escape can carry."""
    try:
        json.dumps(event, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequestError("the event holds text that is not valid Unicode") from None
    except (ValueError, RecursionError):
        raise BadRequestError("the event cannot be read as JSON") from None


def dispatch(event: Any, context: Any, runtime: Runtime | Callable[[], Runtime]) -> dict[str, Any]:
    name = event.get("action") if isinstance(event, dict) else None
    request_id = event.get("request_id") if isinstance(event, dict) else None
    name = name if isinstance(name, str) and len(name) <= 64 else None
    request_id = request_id if isinstance(request_id, str) and len(request_id) <= 128 else None
    logger.append_keys(action=name, request_id=request_id)
    token = token_of(event)
    if token and len(token) >= 8:
        # A caller's token is a secret: no log line may carry it, nor its
        # signature alone, DEBUG included. (Shorter is no token at all.)
        redaction.register(token, *[p for p in token.split(".")[-1:] if len(p) >= 8])
    try:
        if not isinstance(event, dict):
            raise BadRequestError("the event must be a JSON object")
        rt = runtime if isinstance(runtime, Runtime) else runtime()
        # Before anything else: an unauthenticated caller learns nothing more.
        identity = authenticate(event, rt.settings, context)
        request, spec, actor = _parse(event, identity)
        try:
            data = spec.model.model_validate(request.data)
        except ValidationError as exc:
            raise RequestValidationError(
                f"invalid data for {spec.name}", field_errors(exc, "data.")
            ) from None
        _check_unicode(event)
        now = rt.clock()
        remaining = (
            context.get_remaining_time_in_millis() / 1000.0
            if context is not None and hasattr(context, "get_remaining_time_in_millis")
            else rt.default_budget_seconds
        )
        call = Call(
            runtime=rt,
            action=spec.name,
            request_id=request.request_id,
            actor=actor,
            request_hash=request_hash(spec.name, data, request.request_id, actor, identity),
            deadline=now + remaining,
            identity=identity,
        )
        logger.info(
            "request",
            extra={
                "step": "request",
                "outcome": "received",
                "team": call.actor.team if call.actor else None,
            },
        )
        result = spec.handler(call, data)
    except RegistryError as exc:
        cause = exc.__cause__
        if exc.status >= 500 and cause is not None:
            # A fault of the function's own (a ConfigurationError): its cause
            # goes to the log, for the operators; the caller gets the envelope.
            logger.error(
                "response",
                extra={"step": "response", "outcome": exc.code, "status": exc.status},
                exc_info=(type(cause), cause, cause.__traceback__),
            )
        else:
            logger.info(
                "response", extra={"step": "response", "outcome": exc.code, "status": exc.status}
            )
        return envelope(name, request_id, None, exc)
    except Exception:
        # A fault of ours: the log keeps the traceback, the caller gets a
        # reference to it and nothing else.
        logger.exception(
            "response", extra={"step": "response", "outcome": "InternalError", "status": 500}
        )
        reference = request_id or getattr(context, "aws_request_id", None)
        message = "internal error" + (
            f"; quote request id {reference} to the operators" if reference else ""
        )
        return envelope(name, request_id, None, InternalError(message))
    else:
        logger.info(
            "response", extra={"step": "response", "outcome": "ok", "status": result.status}
        )
        return envelope(name, request_id, result, None)
    finally:
        logger.remove_keys(["action", "request_id"])
        redaction.forget()
