"""A local identity provider for AUTH_MODE=jwt: an Amazon Cognito user pool.

`registry local bootstrap --auth` calls `create_identity_provider`: a user
pool whose users sign in with their email (so the ID token carries the
`email` claim, AUTH_USER_CLAIM's default), an app client, the groups of
`GROUPS` and the users of `USERS` in them. It returns the function's
environment for verifying that pool's tokens. Cognito puts a user's groups
in `cognito:groups`, hence AUTH_TEAMS_CLAIM.

moto serves a pool's discovery document and JWKS at
`{endpoint}/{pool_id}/.well-known/openid-configuration` (AWS serves them at
`https://cognito-idp.{region}.amazonaws.com/{pool_id}/.well-known/...`,
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html),
and signs its tokens with one fixed key for every pool: the issuer check,
not the key, is what tells its pools apart.

`id_token` signs a user in (`registry local token USER`). No password is kept
anywhere: each sign-in sets a fresh random one first, which only an
administrator of the pool may do (the local account is one).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlparse

from services.config import LOOPBACK_HOSTS

GROUPS = ("payments", "search", "registry-admins")
# email -> groups. alice and bob are team members; admin is a registry admin.
USERS = {
    "alice@example.com": ("payments",),
    "bob@example.com": ("search",),
    "admin@example.com": ("registry-admins",),
}
TEAMS_CLAIM = "cognito:groups"


def discovery_url(endpoint_url: str | None, region: str, pool_id: str) -> str:
    """Where the pool's OpenID configuration is served: the local endpoint's
    path for an emulator on this machine, else Cognito's own host."""
    if endpoint_url is not None and urlparse(endpoint_url).hostname in LOOPBACK_HOSTS:
        base = endpoint_url.rstrip("/")
    else:
        base = f"https://cognito-idp.{region}.amazonaws.com"
    return f"{base}/{pool_id}/.well-known/openid-configuration"


def create_identity_provider(
    cognito: Any, *, prefix: str, region: str, endpoint_url: str | None
) -> dict[str, str]:
    """The pool, its client, groups and users; the AUTH_* environment."""
    pool_id = cognito.create_user_pool(
        PoolName=f"{prefix}-users",
        UsernameAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12}},
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{prefix}-registry",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        GenerateSecret=False,
    )["UserPoolClient"]["ClientId"]
    for group in GROUPS:
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    for email, groups in USERS.items():
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        for group in groups:
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    return {
        "AUTH_MODE": "jwt",
        "AUTH_OIDC_DISCOVERY_URL": discovery_url(endpoint_url, region, pool_id),
        "AUTH_AUDIENCES": client_id,
        "AUTH_TEAMS_CLAIM": TEAMS_CLAIM,
    }


def pool_of(env: dict[str, str]) -> tuple[str, str]:
    """(pool id, client id) from the environment `create_identity_provider` returned."""
    url = env.get("AUTH_OIDC_DISCOVERY_URL", "")
    client_id = env.get("AUTH_AUDIENCES", "")
    path = urlparse(url).path.split("/")
    if env.get("AUTH_MODE") != "jwt" or len(path) < 2 or not path[1] or not client_id:
        raise LookupError(
            "no local identity provider in this environment: run "
            "`registry local bootstrap --auth` and use its environment"
        )
    return path[1], client_id.split(",", 1)[0]


def id_token(cognito: Any, env: dict[str, str], user: str) -> str:
    """A fresh ID token for `user` (an email of the pool)."""
    pool_id, client_id = pool_of(env)
    # Upper, lower, digit and symbol: any password policy Cognito can set.
    password = secrets.token_urlsafe(24) + "aA1!"
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=user, Password=password, Permanent=True
    )
    result = cognito.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])
