"""Who is calling: the actor a request acts as, and how it is proven.

AUTH_MODE=trusted (the default): the payload's `actor` is believed as sent.
Lambda's direct invoke hands the function no caller identity, so in this
mode whoever may invoke the function may act as any user, team or admin.

AUTH_MODE=jwt: the request's `auth.token` is verified before anything else
(services/auth/tokens.py) and the identity comes from it alone: the user
from AUTH_USER_CLAIM, the teams from AUTH_TEAMS_CLAIM, admin from
membership of AUTH_ADMIN_GROUP. The payload's `actor` may then carry only
`team`, to choose which of the caller's teams acts.

The scheduled reconcile (jwt mode) cannot hold a token: EventBridge sends a
fixed input. It is admitted without one only when Lambda itself says the
function was invoked through the alias `SCHEDULE_ALIAS`
(`context.invoked_function_arn`, which the caller cannot set), the action
is `reconcile`, and AUTH_SCHEDULE_ACTOR names the user it acts as. Only
EventBridge's rule is granted that alias (terraform/schedule.tf); a grant on
the function's unqualified ARN does not reach it (docs/deploy.md).

This module is on every cold start; it imports no JOSE code (trusted mode
never loads it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.config import Settings
from services.errors import (
    BadRequestError,
    ConfigurationError,
    ForbiddenError,
    UnauthenticatedError,
)
from services.models import MAX_TOKEN_CHARS, TEAM_PATTERN, Actor, field_errors

SCHEDULE_ALIAS = "reconcile-schedule"
MAX_USER_CHARS = 256
SCHEDULE_ISSUER = "lambda-alias:" + SCHEDULE_ALIAS
_TEAM = re.compile(TEAM_PATTERN)


@dataclass(frozen=True)
class Identity:
    """A verified caller (jwt mode): the token's issuer and subject, the
    user it names, its teams, and whether it is an admin."""

    issuer: str
    subject: str
    user: str
    teams: tuple[str, ...]
    admin: bool


def token_of(event: Any) -> str | None:
    """The request's token, as sent (for redaction and for verification)."""
    if isinstance(event, dict):
        auth = event.get("auth")
        if isinstance(auth, dict) and isinstance(auth.get("token"), str):
            return str(auth["token"])
    return None


def authenticate(event: dict[str, Any], settings: Settings, context: Any) -> Identity | None:
    """jwt mode: the verified Identity, or 401. trusted mode: None."""
    if settings.auth_mode != "jwt":
        if "auth" in event:
            raise BadRequestError(
                "this registry does not read tokens (AUTH_MODE=trusted): send actor instead",
                [{"field": "auth", "message": "not accepted in trusted mode"}],
            )
        return None
    token = token_of(event)
    if token is None and "auth" in event:
        # An auth block whose token is no string is a bad token, never the
        # token-less schedule's request.
        raise UnauthenticatedError(
            "the token is malformed",
            [{"field": "auth.token", "message": "must be a string: a JWT"}],
        )
    if token is None:
        scheduled = _schedule_identity(event, settings, context)
        if scheduled is not None:
            return scheduled
        raise UnauthenticatedError(
            "the request carries no token: send auth.token, a JWT from the identity provider",
            [{"field": "auth.token", "message": "required"}],
        )
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise UnauthenticatedError("the token is malformed")
    try:
        from services.auth import tokens  # PyJWT and cryptography: jwt mode only
    except ImportError as exc:
        # Chained: the function's log then names the module that failed to
        # load (the layer missing, or built for another runtime).
        raise ConfigurationError(
            "the function is misconfigured: AUTH_MODE=jwt needs PyJWT and cryptography "
            "in the package",
            [{"field": "AUTH_MODE", "message": "jwt mode's libraries are not installed"}],
        ) from exc
    claims, issuer = tokens.verify(token, settings)
    return identity_of(claims, settings, issuer)


def _schedule_identity(event: dict[str, Any], settings: Settings, context: Any) -> Identity | None:
    invoked = getattr(context, "invoked_function_arn", None)
    if not (
        settings.auth_schedule_actor
        and isinstance(invoked, str)
        and invoked.rsplit(":", 1)[-1] == SCHEDULE_ALIAS
        and invoked.count(":") == 7  # arn:aws:lambda:region:account:function:name:alias
        and event.get("action") == "reconcile"
    ):
        return None
    return Identity(
        issuer=SCHEDULE_ISSUER,
        subject=settings.auth_schedule_actor,
        user=settings.auth_schedule_actor,
        teams=(settings.auth_admin_group,),
        admin=True,
    )


def resolve_actor(raw: Any, identity: Identity | None, *, mutating: bool) -> Actor | None:
    """The actor a request acts as: the payload's (trusted mode), or the
    identity's with the team the payload chose (jwt mode)."""
    if identity is None:
        if raw is None:
            return None
        try:
            return Actor.model_validate(raw)
        except ValidationError as exc:
            raise BadRequestError("the event is malformed", field_errors(exc, "actor.")) from None
    return _jwt_actor(raw, identity, mutating=mutating)


def _jwt_actor(raw: Any, identity: Identity, *, mutating: bool) -> Actor | None:
    if raw is not None and not isinstance(raw, dict):
        raise BadRequestError(
            "the event is malformed", [{"field": "actor", "message": "must be an object"}]
        )
    raw = raw or {}
    from_token = sorted(set(raw) - {"team"})
    if from_token:
        raise BadRequestError(
            "the caller's identity comes from the token: actor may carry only team",
            [
                {"field": f"actor.{name}"[:80], "message": "not accepted with a token"}
                for name in from_token
            ],
        )
    team = raw.get("team")
    if team is not None:
        if not isinstance(team, str) or team not in identity.teams:
            raise ForbiddenError(
                "the token does not make the caller a member of that team",
                [{"field": "actor.team", "message": "not one of the caller's teams"}],
            )
    elif len(identity.teams) == 1:
        team = identity.teams[0]
    elif not mutating:
        return None
    elif identity.teams:
        raise BadRequestError(
            "the caller belongs to several teams: choose one with actor.team",
            [{"field": "actor.team", "message": "one of " + ", ".join(identity.teams)}],
        )
    else:
        raise ForbiddenError(
            "the token names no team the caller belongs to",
            [{"field": "actor.team", "message": "no team in the token"}],
        )
    return Actor(user=identity.user, team=team, roles=["admin"] if identity.admin else [])


def teams_from_claim(value: Any) -> tuple[str, ...]:
    """The groups of a teams claim that can be registry teams, in order."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    seen: list[str] = []
    for item in value:
        if isinstance(item, str) and _TEAM.match(item) and item not in seen:
            seen.append(item)
    return tuple(seen)


def identity_of(claims: dict[str, Any], settings: Settings, issuer: str) -> Identity:
    """The caller a verified token names (401 if its user claim is unusable)."""
    subject = claims["sub"]
    user = claims.get(settings.auth_user_claim)
    if settings.auth_user_claim == "email" and claims.get("email_verified") in (False, "false"):
        # An address the provider has not verified may be anyone's (some
        # providers let users set it): the audit trail names the subject.
        user = None
    if not isinstance(user, str) or not user:
        user = subject
    if not isinstance(user, str) or not user or len(user) > MAX_USER_CHARS:
        raise UnauthenticatedError(
            f"the token's user claim ({settings.auth_user_claim}, else sub) is not usable"
        )
    groups = claims.get(settings.auth_teams_claim)
    members = groups if isinstance(groups, list) else [groups]
    return Identity(
        issuer=issuer,
        subject=str(subject),
        user=user,
        teams=teams_from_claim(groups),
        admin=settings.auth_admin_group in members,
    )
