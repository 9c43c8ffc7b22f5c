"""`registry gateway|tool|reconcile ...`: the contract's actions from a shell.

Each command is one action (docs/api.md), sent to the deployed function
through the registry client (registry_local/client.py: `lambda.invoke`, one
request id per command reused on every retry, `--request-id` to resume).
Flags are named after the contract's fields. Where the function is:
`--function-name` (default `REGISTRY_FUNCTION_NAME`), `--endpoint-url`
(`registry local serve` for the local stack) and `--region`, with the usual
AWS credential chain. Who calls: `--actor user:team[:role,...]` or
`REGISTRY_ACTOR` (trusted mode), `--token` or `REGISTRY_TOKEN` (jwt mode).
A secret is read from the environment variable a flag names
(`--api-key-env VAR`), never from the command line, where `ps` shows it.

Output: a table for lists, the key fields of one record, an error as one
line on stderr with its code and what to do; `--output json` prints the
whole envelope. Exit codes: 0 success, 1 an error answer, 2 usage.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from registry_local.client import MAX_PAYLOAD_BYTES, RegistryClient, parse_actor

# A spec whose event would pass Lambda's payload quota must go through
# create_upload_url (not built into this command yet); the margin is the
# envelope around `data`.
MAX_EVENT_BYTES = MAX_PAYLOAD_BYTES - 64 * 1024
_SHOWN = ("gateway_id", "tool_id", "name", "status", "version", "team", "last_error")


def add_root_options(root: argparse.ArgumentParser) -> None:
    root.add_argument("--function-name", default=os.environ.get("REGISTRY_FUNCTION_NAME"))
    root.add_argument("--endpoint-url", help="e.g. `registry local serve`'s URL")
    root.add_argument("--region")
    root.add_argument("--output", choices=["table", "json"], default="table")
    root.add_argument("--actor", default=os.environ.get("REGISTRY_ACTOR"))
    root.add_argument("--token", default=os.environ.get("REGISTRY_TOKEN"))
    root.add_argument("--request-id", help="resume a command that was interrupted")


def add_gateway_commands(sub: Any) -> None:
    gateway = sub.add_parser("gateway", help="gateways of the deployed registry")
    cmds = gateway.add_subparsers(dest="gateway_command", required=True)
    create = cmds.add_parser("create")
    create.add_argument("--name", required=True)
    create.add_argument("--description")
    create.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE")
    create.add_argument("--semantic-search", action="store_true")
    create.set_defaults(action="create_gateway", data=_gateway_create)
    get = cmds.add_parser("get")
    get.add_argument("--gateway-id", required=True)
    get.set_defaults(action="get_gateway", data=_fields("gateway_id"))
    listing = cmds.add_parser("list")
    listing.add_argument("--status")
    listing.add_argument("--limit", type=int)
    listing.set_defaults(action="list_gateways", data=_fields("status", "limit"))
    update = cmds.add_parser("update")
    update.add_argument("--gateway-id", required=True)
    update.add_argument("--description")
    update.add_argument("--expected-version", type=int)
    update.set_defaults(
        action="update_gateway", data=_fields("gateway_id", "description", "expected_version")
    )
    delete = cmds.add_parser("delete")
    delete.add_argument("--gateway-id", required=True)
    delete.add_argument("--cascade", action="store_true", help="its tools first, then it")
    delete.set_defaults(action="delete_gateway", data=_fields("gateway_id", "cascade"))
    for parser in (create, get, listing, update, delete):
        parser.set_defaults(func=run_command)


def add_tool_commands(tools: Any) -> None:
    """`tool create|get|list|update|delete|sync` beside `tool validate`."""
    create = tools.add_parser("create", help="a tool from a spec file or URL")
    create.add_argument("--gateway-id", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--description")
    create.add_argument("--spec", required=True, help="a JSON or YAML file, or an https URL")
    _spec_options(create)
    create.add_argument(
        "--credentials", choices=["none", "gateway_iam_role", "api_key"], default=None
    )
    create.add_argument("--api-key-env", metavar="VAR", help="the variable holding the API key")
    create.add_argument("--api-key-header", default="X-API-Key")
    create.add_argument("--signing-service", help="gateway_iam_role: the SigV4 service")
    create.set_defaults(action="create_tool", data=_tool_create)
    get = tools.add_parser("get")
    get.add_argument("--tool-id", required=True)
    get.add_argument("--gateway-id")
    get.set_defaults(action="get_tool", data=_fields("tool_id", "gateway_id"))
    listing = tools.add_parser("list")
    listing.add_argument("--gateway-id", required=True)
    listing.add_argument("--status")
    listing.add_argument("--kind")
    listing.add_argument("--limit", type=int)
    listing.set_defaults(action="list_tools", data=_fields("gateway_id", "status", "kind", "limit"))
    update = tools.add_parser("update")
    update.add_argument("--tool-id", required=True)
    update.add_argument("--gateway-id")
    update.add_argument("--description")
    update.add_argument("--expected-version", type=int)
    update.set_defaults(
        action="update_tool",
        data=_fields("tool_id", "gateway_id", "description", "expected_version"),
    )
    delete = tools.add_parser("delete")
    delete.add_argument("--tool-id", required=True)
    delete.add_argument("--gateway-id")
    delete.set_defaults(action="delete_tool", data=_fields("tool_id", "gateway_id"))
    sync = tools.add_parser("sync", help="AgentCore lists an MCP server tool's tools again")
    sync.add_argument("--tool-id", required=True)
    sync.add_argument("--gateway-id")
    sync.set_defaults(action="sync_tool", data=_fields("tool_id", "gateway_id"))
    for parser in (create, get, listing, update, delete, sync):
        parser.set_defaults(func=run_command)


def add_reconcile_command(sub: Any) -> None:
    reconcile = sub.add_parser("reconcile", help="compare the records with AgentCore")
    reconcile.add_argument("--apply", action="store_true", help="repair (an admin's run)")
    reconcile.set_defaults(
        action="reconcile",
        data=lambda args: {"dry_run": not args.apply},
        func=run_command,
    )


def _spec_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--include", action="append", metavar="OPERATION_ID")
    parser.add_argument("--exclude", action="append", metavar="OPERATION_ID")
    parser.add_argument("--on-unsupported", choices=["fail", "exclude"])


def _fields(*names: str) -> Callable[[argparse.Namespace], dict[str, Any]]:
    """The data of a command whose flags are the action's fields."""

    def data(args: argparse.Namespace) -> dict[str, Any]:
        values = {name: getattr(args, name) for name in names}
        return {k: v for k, v in values.items() if v is not None and v is not False}

    return data


def _gateway_create(args: argparse.Namespace) -> dict[str, Any]:
    data = _fields("name", "description", "semantic_search")(args)
    if args.tag:
        pairs = [tag.partition("=") for tag in args.tag]
        if any(not sep for _, sep, _ in pairs):
            raise UsageError("--tag takes KEY=VALUE")
        data["tags"] = {key: value for key, _, value in pairs}
    return data


def _tool_create(args: argparse.Namespace) -> dict[str, Any]:
    data = _fields("gateway_id", "name", "description")(args)
    source: dict[str, Any]
    if args.spec.startswith("https://"):
        source = {"type": "url", "url": args.spec}
    else:
        path = Path(args.spec)
        if not path.is_file():
            raise UsageError(f"no file {args.spec}")
        raw = path.read_bytes()
        source = {
            "type": "file",
            "filename": path.name,
            "content_base64": base64.b64encode(raw).decode(),
        }
    for flag, field in (
        ("include", "include_operations"),
        ("exclude", "exclude_operations"),
        ("on_unsupported", "on_unsupported"),
    ):
        if getattr(args, flag):
            source[field] = getattr(args, flag)
    data["source"] = source
    credentials = _credentials(args)
    if credentials is not None:
        data["credentials"] = credentials
    return data


def _credentials(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.credentials == "api_key":
        if not args.api_key_env or args.api_key_env not in os.environ:
            raise UsageError("--credentials api_key reads the key from --api-key-env VAR (set)")
        return {
            "type": "api_key",
            "api_key": os.environ[args.api_key_env],
            "parameter_name": args.api_key_header,
        }
    if args.credentials == "gateway_iam_role":
        role: dict[str, Any] = {"type": "gateway_iam_role"}
        if args.signing_service:
            role["service"] = args.signing_service
        return role
    if args.credentials == "none":
        return {"type": "none"}
    return None


class UsageError(Exception):
    """A command that cannot be sent as given (exit code 2)."""


def run_command(args: argparse.Namespace) -> int:
    if not args.function_name:
        print("registry: give --function-name or set REGISTRY_FUNCTION_NAME", file=sys.stderr)
        return 2
    try:
        data = args.data(args)
    except UsageError as exc:
        print(f"registry: {exc}", file=sys.stderr)
        return 2
    event_size = len(json.dumps(data))
    if event_size > MAX_EVENT_BYTES:
        print(
            f"registry: the request is {event_size} bytes, over Lambda's 6 MB payload; upload "
            "the spec with create_upload_url and use an s3 source",
            file=sys.stderr,
        )
        return 2
    client = RegistryClient(
        args.function_name,
        endpoint_url=args.endpoint_url,
        region=args.region,
        actor=parse_actor(args.actor),
        token=args.token,
        on_wait=lambda wait, answer: print(
            f"registry: {answer.get('status')} {(answer.get('error') or {}).get('code')}: "
            f"sending the same request again in {wait:.0f}s",
            file=sys.stderr,
        ),
    )
    answer = client.call(args.action, data, request_id=args.request_id)
    _print(answer, args.output)
    return 0 if answer.get("ok") else 1


def _print(answer: dict[str, Any], output: str) -> None:
    if output == "json":
        print(json.dumps(answer, indent=2, default=str))
        return
    if not answer.get("ok"):
        error = answer.get("error") or {}
        details = "; ".join(
            str(d.get("field") or d.get("path") or "") + ": " + str(d.get("message", ""))
            for d in error.get("details") or []
        )
        print(
            f"error {error.get('code')} ({answer.get('status')}): {error.get('message')}"
            + (f" [{details}]" if details else "")
            + (f" (request {answer.get('request_id')})" if answer.get("request_id") else ""),
            file=sys.stderr,
        )
        return
    data = answer.get("data") or {}
    items = data.get("items") if isinstance(data, dict) else None
    if items is not None:
        _table(items)
        if data.get("next_token"):
            print(f"(more: next_token {data['next_token']})")
        return
    for key in _SHOWN:
        if key in data:
            print(f"{key}: {data[key]}")


def _table(items: list[dict[str, Any]]) -> None:
    # A tool's id names it; a gateway's id names a gateway.
    key = "tool_id" if any("tool_id" in item for item in items) else "gateway_id"
    columns = [key, "name", "status", "version"]
    rows = [[str(item.get(c, "")) for c in columns] for item in items]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
