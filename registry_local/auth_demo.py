"""`registry demo --auth`: verified callers (AUTH_MODE=jwt) on an embedded local AWS.

Starts a moto_server, bootstraps the registry's resources and a Cognito
user pool there (`bootstrap(..., auth=True)`), signs its users in, and
drives the real handler with their tokens: alice (payments) creates a
gateway, bob (search) cannot act for payments, edited and foreign-signed
tokens are refused, only an admin may repair or delete another team's
gateway. Each step's title names the status it expects.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from typing import Any

import boto3
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from registry_local.bootstrap import bootstrap
from registry_local.demo import step
from registry_local.identity_provider import id_token
from registry_local.moto_server import MotoServer

ALICE, BOB, ADMIN = "alice@example.com", "bob@example.com", "admin@example.com"


def _event(
    action: str, data: dict[str, Any], token: str | None, actor: dict[str, Any] | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {"action": action, "data": data}
    if not action.startswith(("get_", "list_")):
        event["request_id"] = str(uuid.uuid4())
    if token is not None:
        event["auth"] = {"token": token}
    if actor is not None:
        event["actor"] = actor
    return event


def edited(token: str, **claims: Any) -> str:
    """The token with its claims changed and its signature kept: what a
    caller who edits their own token sends."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = json.dumps({**decoded, **claims}).encode()
    return ".".join((header, base64.urlsafe_b64encode(changed).rstrip(b"=").decode(), signature))


def foreign_signed(token: str) -> str:
    """The same claims, signed by a key the caller made, under the pool's key id."""
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token)["kid"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def run_auth_demo() -> int:
    with MotoServer() as server:
        print(f"local AWS (moto_server + AgentCore rules) at {server.endpoint_url}")
        env = bootstrap(server.endpoint_url, prefix="registry-auth-demo", auth=True)
        os.environ.update(env)
        print(f"identity provider: {env['AUTH_OIDC_DISCOVERY_URL']}")
        cognito = boto3.session.Session(
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        ).client("cognito-idp", endpoint_url=server.endpoint_url)
        alice, bob, admin = (id_token(cognito, env, user) for user in (ALICE, BOB, ADMIN))
        print("signed in: alice (payments), bob (search), admin (registry-admins)")

        created = step(
            "alice creates a gateway: her user and team come from her token",
            _event("create_gateway", {"name": "payments-tools"}, alice),
        )
        gateway_id = created["data"]["gateway_id"]
        print(f"   owner: {created['data']['team']}, by {created['data']['created_by']}")
        update = {"gateway_id": gateway_id, "description": "bob was here"}
        step(
            "bob (search) claims team payments: 403 Forbidden",
            _event("update_gateway", update, bob, actor={"team": "payments"}),
        )
        step(
            "bob, as his own team, updates alice's gateway: 403 Forbidden",
            _event("update_gateway", update, bob),
        )
        step(
            "alice sends user and roles beside her token: 400 BadRequest",
            _event("update_gateway", update, alice, actor={"user": ADMIN, "roles": ["admin"]}),
        )
        step(
            "alice's token edited to add registry-admins: 401 Unauthenticated",
            _event(
                "delete_gateway",
                {"gateway_id": gateway_id},
                edited(alice, **{"cognito:groups": ["payments", "registry-admins"]}),
            ),
        )
        step(
            "alice's claims signed by another key under the pool's key id: 401 Unauthenticated",
            _event("delete_gateway", {"gateway_id": gateway_id}, foreign_signed(alice)),
        )
        step(
            "a request with no token: 401 Unauthenticated",
            _event("get_gateway", {"gateway_id": gateway_id}, None),
        )
        step(
            "alice asks reconcile to repair (dry_run false): 403 Forbidden",
            _event("reconcile", {"dry_run": False}, alice),
        )
        step("admin runs the same repair", _event("reconcile", {"dry_run": False}, admin))
        step(
            "alice reads her gateway: unchanged by the refused requests",
            _event("get_gateway", {"gateway_id": gateway_id}, alice),
        )
        deleted = step(
            "admin deletes alice's gateway",
            _event("delete_gateway", {"gateway_id": gateway_id}, admin),
        )
        print("   audit:")
        for entry in deleted["data"]["audit"]:
            print(f"     {entry['action']} {entry['outcome']}: {entry['actor']} ({entry['team']})")
        step(
            "alice gets it after delete: 404 NotFound",
            _event("get_gateway", {"gateway_id": gateway_id}, alice),
        )
    print("\ndone: the local AWS is stopped")
    return 0
