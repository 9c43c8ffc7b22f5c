"""Verify a caller's JWT with PyJWT against the identity provider's keys.

The checks, in order, each a 401 naming the check that failed (never the
token): the token parses; its `alg` is one of `ALGORITHMS` (asymmetric
only: never `none`, never an HMAC, whose secret would be the provider's
public key); its `kid` names a key the provider publishes (services/auth/keys.py)
that fits that algorithm; the signature verifies; `iss` equals the
discovery document's issuer; `exp` is in the future and `nbf` and `iat` are
not, with `LEEWAY_SECONDS` of clock skew; the audience (`aud`, or Cognito
access tokens' `client_id` when there is no `aud`) is one of
AUTH_AUDIENCES.

Imported only in jwt mode: PyJWT and cryptography cost a trusted-mode cold
start nothing.
"""

from __future__ import annotations

from typing import Any

import jwt

from services.auth.keys import source_for
from services.config import Settings
from services.errors import ConfigurationError, UnauthenticatedError

ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
LEEWAY_SECONDS = 60

_FAILED_CHECK: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet (nbf or iat is in the future)"),
    (jwt.InvalidIssuerError, "the token was issued by another issuer"),
    (jwt.InvalidSignatureError, "the token's signature does not verify with the provider's key"),
    (jwt.MissingRequiredClaimError, "the token lacks a required claim (exp, iss or sub)"),
    (jwt.DecodeError, "the token is malformed"),
)


def verify(token: str, settings: Settings) -> tuple[dict[str, Any], str]:
    """The token's verified claims and its issuer (services/auth/identity.py
    makes the caller's Identity of them)."""
    if settings.auth_oidc_discovery_url is None:  # pragma: no cover - load_settings refuses
        raise ConfigurationError("AUTH_MODE=jwt needs AUTH_OIDC_DISCOVERY_URL")
    source = source_for(settings.auth_oidc_discovery_url)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise UnauthenticatedError("the token is malformed") from None
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        raise UnauthenticatedError(
            "the token's algorithm is not allowed: "
            + ", ".join(sorted(ALGORITHMS))
            + " only (never none or an HMAC)"
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise UnauthenticatedError("the token names no signing key (kid)")
    jwk = source.key(kid)
    if jwk.get("alg", alg) != alg:
        raise UnauthenticatedError("the token's algorithm is not the one its key is for")
    try:
        key = jwt.PyJWK(jwk, algorithm=alg)
    except jwt.PyJWKError:
        raise UnauthenticatedError("the token's key does not fit its algorithm") from None
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=[alg],
            issuer=source.current_issuer(),
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "sub"], "verify_aud": False},
        )
    except jwt.InvalidTokenError as exc:
        raise UnauthenticatedError(_reason(exc)) from None
    _check_audience(claims, settings.auth_audiences)
    return claims, source.current_issuer()


def _reason(exc: Exception) -> str:
    for kind, reason in _FAILED_CHECK:
        if isinstance(exc, kind):
            return reason
    return "the token is not valid"


def _check_audience(claims: dict[str, Any], audiences: tuple[str, ...]) -> None:
    aud = claims.get("aud")
    # Cognito access tokens carry the app client in client_id, not aud.
    named = [claims.get("client_id")] if aud is None else aud if isinstance(aud, list) else [aud]
    if not any(isinstance(a, str) and a in audiences for a in named):
        raise UnauthenticatedError("the token is meant for another audience (aud or client_id)")
