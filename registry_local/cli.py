"""`registry`: the deployed registry's actions (registry_local/commands.py) and
the local runner (README.md, "Running it by hand").

registry [--function-name F] [--endpoint-url URL] [--region R] [--output table|json]
         [--actor user:team[:role,...]] [--token JWT] [--request-id ID]
         gateway create|get|list|update|delete ... | tool create|get|list|update|delete|sync ...
         | reconcile [--apply]

registry local bootstrap --endpoint-url URL [--json] [--prefix P] [--auth]
registry local moto-server [-p PORT]
registry local token USER [--env FILE]
registry local serve [-p PORT] [--function-name NAME] [--env FILE]
registry invoke ACTION [--data JSON|@file] [--request-id ID] [--actor user:team[:role,...]]
                       [--token JWT|@file] [--team TEAM] [--event JSON|@file] [--env FILE]
registry demo [--auth]
registry tool validate PATH [--format text|json|sarif] [--include ID] [--exclude ID]
                       [--on-unsupported fail|exclude] [--target-name NAME] [--url URL]
registry package [function|jwt-layer] [-o ZIP] [--runtime R] [--architecture A] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import uuid
from pathlib import Path
from typing import Any, cast

from registry_local.client import parse_actor
from registry_local.commands import (
    add_gateway_commands,
    add_reconcile_command,
    add_root_options,
    add_tool_commands,
)
from registry_local.invoke import invoke


def _load(value: str) -> Any:
    text = Path(value[1:]).read_text() if value.startswith("@") else value
    return json.loads(text)


def build_event(args: argparse.Namespace) -> Any:
    if args.event is not None:
        return _load(args.event)  # sent as is, malformed or not
    event: dict[str, Any] = {"action": args.action, "data": _load(args.data) if args.data else {}}
    request_id = args.request_id or (
        None if args.action.startswith(("get_", "list_")) else str(uuid.uuid4())
    )
    if request_id:
        event["request_id"] = request_id
    if args.actor:
        event["actor"] = parse_actor(args.actor)
    if args.team:
        # AUTH_MODE=jwt: the user comes from the token; the team is chosen.
        event.setdefault("actor", {})["team"] = args.team
    if args.token:
        token = Path(args.token[1:]).read_text() if args.token.startswith("@") else args.token
        event["auth"] = {"token": token.strip()}
    return event


def _environment(path: str | None) -> dict[str, str]:
    """The function's environment: a `bootstrap --json` file, else this process's."""
    return dict(json.loads(Path(path).read_text())) if path else dict(os.environ)


def _cmd_invoke(args: argparse.Namespace) -> int:
    if args.env:
        os.environ.update(_environment(args.env))
    response = invoke(build_event(args))
    print(json.dumps(response, indent=2, default=str))
    return 0 if response.get("ok") else 1


def _cmd_bootstrap(args: argparse.Namespace) -> int:
    from registry_local.bootstrap import bootstrap

    env = bootstrap(args.endpoint_url, prefix=args.prefix, region=args.region, auth=args.auth)
    if args.json:
        print(json.dumps(env, indent=2))
    else:
        for key, value in env.items():
            print(f"export {key}={value}")
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    import boto3

    from registry_local.identity_provider import id_token

    env = _environment(args.env)
    session = boto3.session.Session(
        region_name=env.get("AWS_REGION"),
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
    )
    cognito = session.client("cognito-idp", endpoint_url=env.get("AWS_ENDPOINT_URL"))
    try:
        print(id_token(cognito, env, args.user))
    except LookupError as exc:
        print(f"registry local token: {exc.args[0]}", file=sys.stderr)
        return 2
    except cognito.exceptions.UserNotFoundException:
        print(f"registry local token: no user {args.user} in the pool", file=sys.stderr)
        return 1
    return 0


def _cmd_moto_server(args: argparse.Namespace) -> int:
    from registry_local.moto_server import main as server_main

    server_main(["-H", "127.0.0.1", "-p", str(args.port)])
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from registry_local.serve import LambdaInvokeServer

    if args.env:
        os.environ.update(_environment(args.env))
    with LambdaInvokeServer(args.function_name, args.port) as server:
        print(
            f"the Invoke API of {args.function_name} at {server.endpoint_url} (Ctrl-C stops it)",
            file=sys.stderr,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            return 0
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    if args.auth:
        from registry_local.auth_demo import run_auth_demo

        return run_auth_demo()
    from registry_local.demo import run_demo

    return run_demo()


def _cmd_tool_validate(args: argparse.Namespace) -> int:
    from registry_local.tool_validate import run

    if not Path(args.path).is_file():
        print(f"registry tool validate: no file {args.path}", file=sys.stderr)
        return 2
    return run(
        args.path,
        output=args.format,
        include=args.include,
        exclude=args.exclude,
        on_unsupported=args.on_unsupported,
        target_name=args.target_name,
        out=sys.stdout,
        url=args.url,
    )


def _cmd_package(args: argparse.Namespace) -> int:
    from registry_local.package import main as package_main

    argv = [args.artifact, "--runtime", args.runtime, "--architecture", args.architecture]
    argv += (["--output", args.output] if args.output else []) + (["--json"] if args.json else [])
    return package_main(argv)


def _tool_commands(sub: Any) -> None:
    tool = sub.add_parser("tool", help="tools: check a spec before it reaches the registry")
    tool_sub = tool.add_subparsers(dest="tool_command", required=True)
    validate = tool_sub.add_parser(
        "validate",
        help="validate_spec's checks on a spec file, offline (no AWS, no network): "
        "exit 1 when AgentCore Gateway could not serve it",
    )
    validate.add_argument("path", help="an OpenAPI 3.x spec, JSON or YAML")
    validate.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    validate.add_argument(
        "--include", action="append", metavar="OPERATION_ID", help="publish only these"
    )
    validate.add_argument(
        "--exclude", action="append", metavar="OPERATION_ID", help="leave these out"
    )
    validate.add_argument("--on-unsupported", choices=["fail", "exclude"], default="fail")
    validate.add_argument(
        "--target-name", default="tool", help="the tool's name (its tool names' length rule)"
    )
    validate.add_argument(
        "--url",
        help="the https URL the spec will be registered by (a `url` source): its "
        "relative server URLs resolve against it (nothing is fetched)",
    )
    validate.set_defaults(func=_cmd_tool_validate)
    add_tool_commands(tool_sub)


class _Parser(argparse.ArgumentParser):
    """No abbreviated flags, here and in every subcommand (subparsers are
    made of the root's class): `--api-key SECRET` must be a usage error, not
    pass for `--api-key-env SECRET` with the secret in argv."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def parser() -> argparse.ArgumentParser:
    root = _Parser(
        prog="registry",
        description="AgentCore tool registry: the deployed registry's actions; the local runner",
    )
    add_root_options(root)
    sub = root.add_subparsers(dest="command", required=True)
    add_gateway_commands(sub)
    add_reconcile_command(sub)

    local = sub.add_parser("local", help="local AWS: bootstrap resources, run a moto server")
    local_sub = local.add_subparsers(dest="local_command", required=True)
    boot = local_sub.add_parser(
        "bootstrap", help="create the tables, bucket and role at an endpoint"
    )
    boot.add_argument("--endpoint-url", required=True)
    boot.add_argument("--prefix", default="registry-local")
    boot.add_argument("--region", default="us-east-1")
    boot.add_argument("--json", action="store_true", help="print the environment as JSON")
    boot.add_argument(
        "--auth",
        action="store_true",
        help="also a Cognito user pool (groups payments, search, registry-admins; users "
        "alice, bob, admin @example.com) and AUTH_MODE=jwt in the environment",
    )
    boot.set_defaults(func=_cmd_bootstrap)
    token = local_sub.add_parser(
        "token", help="print an ID token of the local user pool (bootstrap --auth)"
    )
    token.add_argument("user", help="the user's email, e.g. alice@example.com")
    token.add_argument("--env", help="a JSON file of the environment (bootstrap --json)")
    token.set_defaults(func=_cmd_token)
    server = local_sub.add_parser("moto-server", help="moto_server with the AgentCore rules layer")
    server.add_argument("-p", "--port", type=int, default=5000)
    server.set_defaults(func=_cmd_moto_server)
    serve = local_sub.add_parser(
        "serve",
        help="the Lambda Invoke API over the real handler on 127.0.0.1 (boto3's lambda.invoke "
        "and the registry client run unchanged against it with --endpoint-url)",
    )
    serve.add_argument("-p", "--port", type=int, default=3001)
    serve.add_argument("--function-name", default="registry", help="the function's name")
    serve.add_argument("--env", help="a JSON file of environment variables (bootstrap --json)")
    serve.set_defaults(func=_cmd_serve)

    inv = sub.add_parser("invoke", help="invoke lambda/app.py's handler and print the response")
    inv.add_argument("action", nargs="?", default="")
    inv.add_argument("--data", help="the action's data: JSON, or @file")
    inv.add_argument("--request-id")
    inv.add_argument("--actor", help="user:team[:role,role] (AUTH_MODE=trusted)")
    inv.add_argument("--token", help="AUTH_MODE=jwt: the caller's token (JWT, or @file)")
    inv.add_argument("--team", help="which of the caller's teams acts (actor.team)")
    inv.add_argument("--event", help="a whole raw event (JSON or @file), sent as is")
    inv.add_argument("--env", help="a JSON file of environment variables (bootstrap --json)")
    inv.set_defaults(func=_cmd_invoke)

    demo = sub.add_parser("demo", help="a gateway's whole life on an embedded local AWS")
    demo.add_argument("--verbose", action="store_true", help="also print the function's log lines")
    demo.add_argument(
        "--auth", action="store_true", help="verified callers (AUTH_MODE=jwt, a Cognito pool)"
    )
    demo.set_defaults(func=_cmd_demo)
    _tool_commands(sub)
    pkg = sub.add_parser(
        "package", help="build dist/registry-lambda.zip or the jwt layer (terraform deploys them)"
    )
    pkg.add_argument("artifact", nargs="?", default="function", choices=["function", "jwt-layer"])
    pkg.add_argument("-o", "--output", help="where to write the zip (default: dist/)")
    pkg.add_argument("--runtime", default="python3.12", help="terraform's lambda_runtime")
    pkg.add_argument("--architecture", default="x86_64", help="terraform's lambda_architecture")
    pkg.add_argument("--json", action="store_true", help="print the build report as JSON")
    pkg.set_defaults(func=_cmd_package)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from services.logging import logger

    # The function's JSON log lines go to stderr, so stdout is the answer;
    # the logger is left as found (main may run inside another program).
    handler = cast("logging.StreamHandler[Any]", logger.registered_handler)
    stream, level = handler.stream, logger.log_level
    handler.setStream(sys.stderr)
    if args.command == "demo" and not args.verbose:
        logger.setLevel("WARNING")
    try:
        return int(args.func(args))
    finally:
        handler.setStream(stream)
        logger.setLevel(level)


if __name__ == "__main__":
    sys.exit(main())
