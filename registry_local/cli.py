"""`registry`: the local runner (CONTRACT.md, "Local runner").

registry local bootstrap --endpoint-url URL [--json] [--prefix P]
registry local moto-server [-p PORT]
registry invoke ACTION [--data JSON|@file] [--request-id ID] [--actor user:team[:role,...]]
                       [--event JSON|@file] [--env FILE]
registry demo
registry package [-o ZIP] [--runtime R] [--architecture A] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any


def _load(value: str) -> Any:
    text = Path(value[1:]).read_text() if value.startswith("@") else value
    return json.loads(text)


def _actor(value: str) -> dict[str, Any]:
    user, _, rest = value.partition(":")
    team, _, roles = rest.partition(":")
    return {"user": user, "team": team, "roles": [r for r in roles.split(",") if r]}


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
        event["actor"] = _actor(args.actor)
    return event


def invoke(event: Any) -> dict[str, Any]:
    import app  # the real Lambda entry point (lambda/app.py)

    app.reset_runtime()  # the environment may have changed since the last call
    return app.handler(event, None)


def _cmd_invoke(args: argparse.Namespace) -> int:
    if args.env:
        os.environ.update(json.loads(Path(args.env).read_text()))
    response = invoke(build_event(args))
    print(json.dumps(response, indent=2, default=str))
    return 0 if response.get("ok") else 1


def _cmd_bootstrap(args: argparse.Namespace) -> int:
    from registry_local.bootstrap import bootstrap

    env = bootstrap(args.endpoint_url, prefix=args.prefix, region=args.region)
    if args.json:
        print(json.dumps(env, indent=2))
    else:
        for key, value in env.items():
            print(f"export {key}={value}")
    return 0


def _cmd_moto_server(args: argparse.Namespace) -> int:
    from registry_local.moto_server import main as server_main

    server_main(["-H", "127.0.0.1", "-p", str(args.port)])
    return 0


def _cmd_demo(_: argparse.Namespace) -> int:
    from registry_local.demo import run_demo

    return run_demo()


def _cmd_package(args: argparse.Namespace) -> int:
    from registry_local.package import main as package_main

    argv = ["--runtime", args.runtime, "--architecture", args.architecture]
    argv += (["--output", args.output] if args.output else []) + (["--json"] if args.json else [])
    return package_main(argv)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="registry", description="AgentCore tool registry: local runner"
    )
    sub = root.add_subparsers(dest="command", required=True)

    local = sub.add_parser("local", help="local AWS: bootstrap resources, run a moto server")
    local_sub = local.add_subparsers(dest="local_command", required=True)
    boot = local_sub.add_parser(
        "bootstrap", help="create the tables, bucket and role at an endpoint"
    )
    boot.add_argument("--endpoint-url", required=True)
    boot.add_argument("--prefix", default="registry-local")
    boot.add_argument("--region", default="us-east-1")
    boot.add_argument("--json", action="store_true", help="print the environment as JSON")
    boot.set_defaults(func=_cmd_bootstrap)
    server = local_sub.add_parser("moto-server", help="moto_server with the AgentCore rules layer")
    server.add_argument("-p", "--port", type=int, default=5000)
    server.set_defaults(func=_cmd_moto_server)

    inv = sub.add_parser("invoke", help="invoke lambda/app.py's handler and print the response")
    inv.add_argument("action", nargs="?", default="")
    inv.add_argument("--data", help="the action's data: JSON, or @file")
    inv.add_argument("--request-id")
    inv.add_argument("--actor", help="user:team[:role,role]")
    inv.add_argument("--event", help="a whole raw event (JSON or @file), sent as is")
    inv.add_argument("--env", help="a JSON file of environment variables (bootstrap --json)")
    inv.set_defaults(func=_cmd_invoke)

    demo = sub.add_parser("demo", help="a gateway's whole life on an embedded local AWS")
    demo.add_argument("--verbose", action="store_true", help="also print the function's log lines")
    demo.set_defaults(func=_cmd_demo)
    pkg = sub.add_parser("package", help="build dist/registry-lambda.zip (terraform deploys it)")
    pkg.add_argument("-o", "--output", help="where to write the zip (default: dist/)")
    pkg.add_argument("--runtime", default="python3.12", help="terraform's lambda_runtime")
    pkg.add_argument("--architecture", default="x86_64", help="terraform's lambda_architecture")
    pkg.add_argument("--json", action="store_true", help="print the build report as JSON")
    pkg.set_defaults(func=_cmd_package)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from services.logging import logger

    # The function's JSON log lines go to stderr, so stdout is the answer.
    logger.registered_handler.setStream(sys.stderr)  # type: ignore[attr-defined]
    if args.command == "demo" and not args.verbose:
        logger.setLevel("WARNING")
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
