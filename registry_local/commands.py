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
(`--api-key-env VAR`, `--client-secret-env VAR`) or, at a terminal, from a
prompt; never from the command line, where `ps` shows it. A spec file whose
event would pass Lambda's 6 MB payload is uploaded through
`create_upload_url` by the client, with a progress bar at a terminal.

Output: a table for lists, the key fields of one record, an error as one
line on stderr with its code and what to do; `--output json` prints the
whole envelope. Exit codes: 0 success, 1 an error answer, 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError

from registry_local.client import (
    MAX_PAYLOAD_BYTES,
    RegistryClient,
    RegistryError,
    parse_actor,
    request_id_for,
)

_SHOWN = (
    "gateway_id",
    "tool_id",
    "name",
    "status",
    "version",
    "spec_version",
    "team",
    "last_error",
)
# What an interrupted command exits with (128 + SIGINT), as shells do.
_INTERRUPTED = 130


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
    _gateway_options(create)
    create.add_argument("--semantic-search", action="store_true", help="only at create")
    create.set_defaults(action="create_gateway", data=_gateway_data)
    get = cmds.add_parser("get")
    get.add_argument("--gateway-id", required=True)
    get.set_defaults(action="get_gateway", data=_fields("gateway_id"))
    listing = cmds.add_parser("list")
    listing.add_argument("--team")
    listing.add_argument("--status")
    listing.add_argument("--limit", type=int)
    listing.add_argument("--next-token")
    listing.set_defaults(
        action="list_gateways", data=_fields("team", "status", "limit", "next_token")
    )
    update = cmds.add_parser("update")
    update.add_argument("--gateway-id", required=True)
    update.add_argument("--description")
    update.add_argument("--expected-version", type=int)
    _gateway_options(update)
    update.set_defaults(action="update_gateway", data=_gateway_data)
    delete = cmds.add_parser("delete")
    delete.add_argument("--gateway-id", required=True)
    delete.add_argument("--cascade", action="store_true", help="its tools first, then it")
    delete.set_defaults(action="delete_gateway", data=_fields("gateway_id", "cascade"))
    for parser in (create, get, listing, update, delete):
        parser.set_defaults(func=run_command)


def add_tool_commands(tools: Any) -> None:
    """`tool create|get|list|update|delete|versions|diff|rollback|sync` beside `tool validate`."""
    create = tools.add_parser("create", help="a tool from a spec (file or URL) or a source")
    create.add_argument("--gateway-id", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--description")
    _source_options(create, required=True)
    create.add_argument(
        "--auto-refresh", action="store_true", help="a URL spec: refreshed on reconcile's schedule"
    )
    _credential_options(create)
    create.set_defaults(action="create_tool", data=_tool_data)
    get = tools.add_parser("get")
    get.add_argument("--tool-id", required=True)
    get.add_argument("--gateway-id")
    get.set_defaults(action="get_tool", data=_fields("tool_id", "gateway_id"))
    listing = tools.add_parser("list")
    listing.add_argument("--gateway-id", required=True)
    listing.add_argument("--status")
    listing.add_argument("--kind")
    listing.add_argument("--limit", type=int)
    listing.add_argument("--next-token")
    listing.set_defaults(
        action="list_tools", data=_fields("gateway_id", "status", "kind", "limit", "next_token")
    )
    update = tools.add_parser("update", help="a new spec, description or credentials")
    update.add_argument("--tool-id", required=True)
    update.add_argument("--gateway-id")
    update.add_argument("--description")
    update.add_argument("--expected-version", type=int)
    _source_options(update, required=False)
    update.add_argument(
        "--allow-breaking", action="store_true", help="publish a spec that breaks its callers"
    )
    _credential_options(update)
    update.set_defaults(action="update_tool", data=_tool_data)
    delete = tools.add_parser("delete")
    delete.add_argument("--tool-id", required=True)
    delete.add_argument("--gateway-id")
    delete.set_defaults(action="delete_tool", data=_fields("tool_id", "gateway_id"))
    versions, diff, rollback, refresh = _version_commands(tools)
    sync = tools.add_parser("sync", help="AgentCore lists an MCP server tool's tools again")
    sync.add_argument("--tool-id", required=True)
    sync.add_argument("--gateway-id")
    sync.set_defaults(action="sync_tool", data=_fields("tool_id", "gateway_id"))
    for parser in (create, get, listing, update, delete, versions, diff, rollback, refresh, sync):
        parser.set_defaults(func=run_command)


def _version_commands(tools: Any) -> tuple[argparse.ArgumentParser, ...]:
    """`tool versions|diff|rollback|refresh` (issue 15)."""
    versions = tools.add_parser("versions", help="an OpenAPI tool's spec versions, newest first")
    versions.add_argument("--tool-id", required=True)
    versions.add_argument("--gateway-id")
    versions.add_argument("--limit", type=int)
    versions.add_argument("--next-token")
    versions.set_defaults(
        action="list_tool_versions",
        data=_fields("tool_id", "gateway_id", "limit", "next_token"),
    )
    diff = tools.add_parser(
        "diff", help="what a new spec would change (and break), changing nothing"
    )
    diff.add_argument("--tool-id", required=True)
    diff.add_argument("--gateway-id")
    _source_options(diff, required=True)
    diff.set_defaults(action="diff_tool", data=_tool_data)
    rollback = tools.add_parser("rollback", help="publish a kept spec version again")
    rollback.add_argument("--tool-id", required=True)
    rollback.add_argument("--gateway-id")
    rollback.add_argument("--version", type=int, required=True)
    rollback.add_argument("--expected-version", type=int)
    rollback.add_argument("--allow-breaking", action="store_true")
    rollback.set_defaults(
        action="rollback_tool",
        data=_fields("tool_id", "gateway_id", "version", "expected_version", "allow_breaking"),
    )
    refresh = tools.add_parser("refresh", help="fetch a url tool's spec again and publish a change")
    refresh.add_argument("--tool-id", required=True)
    refresh.add_argument("--gateway-id")
    refresh.add_argument("--expected-version", type=int)
    refresh.add_argument("--allow-breaking", action="store_true")
    refresh.set_defaults(
        action="refresh_tool",
        data=_fields("tool_id", "gateway_id", "expected_version", "allow_breaking"),
    )
    return versions, diff, rollback, refresh


def add_reconcile_command(sub: Any) -> None:
    reconcile = sub.add_parser("reconcile", help="compare the records with AgentCore")
    reconcile.add_argument("--apply", action="store_true", help="repair (an admin's run)")
    reconcile.add_argument("--delete-orphans", action="store_true", help="with --apply")
    reconcile.add_argument("--older-than-seconds", type=int)
    reconcile.add_argument("--next-token", help="go on from where a run stopped")
    reconcile.add_argument(
        "--resume", action="store_true", help="start where the last resuming run stopped"
    )
    reconcile.add_argument(
        "--scope",
        choices=["all", "plan", "gateway", "account"],
        help="one gateway (with --gateway-id), the account-wide checks, or the plan",
    )
    reconcile.add_argument("--gateway-id", help="with --scope gateway")
    reconcile.set_defaults(action="reconcile", data=_reconcile_data, func=run_command)


def _reconcile_data(args: argparse.Namespace) -> dict[str, Any]:
    data = _fields(
        "delete_orphans", "older_than_seconds", "next_token", "resume", "scope", "gateway_id"
    )(args)
    return {"dry_run": not args.apply, **data}


def _gateway_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--authorizer-type", choices=["AWS_IAM", "CUSTOM_JWT", "NONE"])
    parser.add_argument("--discovery-url", help="CUSTOM_JWT: the OIDC discovery URL")
    parser.add_argument("--allowed-audience", action="append", metavar="AUDIENCE")
    parser.add_argument("--allowed-clients", action="append", metavar="CLIENT_ID")
    parser.add_argument("--kms-key-arn")
    parser.add_argument("--exception-level", choices=["DEBUG"])


def _source_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    where = parser.add_mutually_exclusive_group(required=required)
    where.add_argument(
        "--spec",
        help="an OpenAPI spec: a JSON or YAML file (uploaded when over Lambda's 6 MB "
        "payload), or an https URL",
    )
    where.add_argument(
        "--source",
        metavar="JSON|@FILE",
        help="any source of docs/api.md as JSON (lambda, mcp_server, smithy, api_gateway, ...)",
    )
    parser.add_argument("--include", action="append", metavar="OPERATION_ID")
    parser.add_argument("--exclude", action="append", metavar="OPERATION_ID")
    parser.add_argument("--on-unsupported", choices=["fail", "exclude"])


def _credential_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--credentials", choices=["none", "gateway_iam_role", "api_key", "oauth2"])
    parser.add_argument("--signing-service", help="gateway_iam_role: the SigV4 `service`")
    parser.add_argument("--signing-region", help="gateway_iam_role: the SigV4 `region`")
    parser.add_argument(
        "--api-key-env", metavar="VAR", help="api_key: the variable holding the key (else a prompt)"
    )
    parser.add_argument("--parameter-name", help="api_key: the header or query parameter")
    parser.add_argument("--location", choices=["HEADER", "QUERY_PARAMETER"])
    parser.add_argument("--prefix", help="api_key: e.g. Bearer")
    parser.add_argument("--provider", help="oauth2: CustomOauth2 (default), GithubOauth2, ...")
    parser.add_argument("--client-id", help="oauth2")
    parser.add_argument(
        "--client-secret-env",
        metavar="VAR",
        help="oauth2: the variable holding the client secret (else a prompt)",
    )
    parser.add_argument("--oauth-discovery-url", help="oauth2: the provider's discovery URL")
    parser.add_argument("--authorization-endpoint", help="oauth2")
    parser.add_argument("--token-endpoint", help="oauth2")
    parser.add_argument("--scope", action="append", metavar="SCOPE", help="oauth2")


def _fields(*names: str) -> Callable[[argparse.Namespace], dict[str, Any]]:
    """The data of a command whose flags are the action's fields (those of
    `names` its parser has: one builder serves a create and an update)."""

    def data(args: argparse.Namespace) -> dict[str, Any]:
        values = {name: getattr(args, name) for name in names if hasattr(args, name)}
        return {k: v for k, v in values.items() if v is not None and v is not False}

    return data


def _gateway_data(args: argparse.Namespace) -> dict[str, Any]:
    """create_gateway's or update_gateway's data (the parser has the flags of one)."""
    data = _fields(
        "gateway_id",
        "name",
        "description",
        "expected_version",
        "semantic_search",
        "authorizer_type",
        "kms_key_arn",
        "exception_level",
    )(args)
    if args.tag:
        pairs = [tag.partition("=") for tag in args.tag]
        if any(not sep for _, sep, _ in pairs):
            raise UsageError("--tag takes KEY=VALUE")
        data["tags"] = {key: value for key, _, value in pairs}
    authorizer = _fields("discovery_url", "allowed_audience", "allowed_clients")(args)
    if authorizer:
        data["authorizer"] = authorizer
    return data


@dataclass
class SpecFile:
    """A spec file to send: the client makes it a `file` or an `s3` source
    (run_command), with these source options."""

    path: Path
    content: bytes
    options: dict[str, Any] = field(default_factory=dict)


def _tool_data(args: argparse.Namespace) -> dict[str, Any]:
    """create_tool's, update_tool's or diff_tool's data."""
    data = _fields(
        "tool_id",
        "gateway_id",
        "name",
        "description",
        "expected_version",
        "allow_breaking",
        "auto_refresh",
    )(args)
    source = _source(args)
    if source is not None:
        data["source"] = source
    if not hasattr(args, "credentials"):
        return data
    credentials = _credentials(args)
    if credentials is not None:
        data["credentials"] = credentials
    return data


def _source(args: argparse.Namespace) -> dict[str, Any] | SpecFile | None:
    options = {
        name: value
        for name, value in (
            ("include_operations", args.include),
            ("exclude_operations", args.exclude),
            ("on_unsupported", args.on_unsupported),
        )
        if value
    }
    if args.source is not None:
        source = _json_argument("--source", args.source)
        if not isinstance(source, dict):
            raise UsageError("--source takes a JSON object (a source of docs/api.md)")
        return {**source, **options}
    if args.spec is None:
        if options:
            raise UsageError("--include, --exclude and --on-unsupported go with --spec or --source")
        return None
    if args.spec.startswith("https://"):
        return {"type": "url", "url": args.spec, **options}
    path = Path(args.spec)
    if not path.is_file():
        raise UsageError(f"no file {args.spec}")
    return SpecFile(path, path.read_bytes(), options)


def _json_argument(flag: str, value: str) -> Any:
    text = value
    if value.startswith("@"):
        try:
            text = Path(value[1:]).read_text()
        except OSError as exc:
            raise UsageError(f"{flag}: cannot read {value[1:]}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{flag} is not JSON: {exc}") from None


def _credentials(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.credentials == "api_key":
        return {
            "type": "api_key",
            "api_key": _secret("API key", args.api_key_env, "--api-key-env"),
            **_fields("parameter_name", "location", "prefix")(args),
        }
    if args.credentials == "oauth2":
        if not args.client_id:
            raise UsageError("--credentials oauth2 needs --client-id")
        credentials = {
            "type": "oauth2",
            "client_id": args.client_id,
            "client_secret": _secret(
                "client secret", args.client_secret_env, "--client-secret-env"
            ),
            **_fields("provider", "authorization_endpoint", "token_endpoint")(args),
        }
        if args.oauth_discovery_url:
            credentials["discovery_url"] = args.oauth_discovery_url
        if args.scope:
            credentials["scopes"] = args.scope
        return credentials
    if args.credentials == "gateway_iam_role":
        role: dict[str, Any] = {"type": "gateway_iam_role"}
        if args.signing_service:
            role["service"] = args.signing_service
        if args.signing_region:
            role["region"] = args.signing_region
        return role
    if args.credentials == "none":
        return {"type": "none"}
    return None


def _secret(what: str, variable: str | None, flag: str) -> str:
    """A secret from the variable a flag names, or typed at a prompt that
    does not echo it; never a command-line argument."""
    if variable:
        value = os.environ.get(variable)
        if not value:
            # The name is not repeated: it may be a secret given by mistake.
            raise UsageError(f"{flag}: the variable it names is not set")
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"give {flag} VAR: the {what} is read from that variable")
    value = getpass.getpass(f"{what}: ")
    if not value:
        raise UsageError(f"no {what} given")
    return value


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
    countdown = Countdown(sys.stderr)
    client = RegistryClient(
        args.function_name,
        endpoint_url=args.endpoint_url,
        region=args.region,
        actor=parse_actor(args.actor),
        token=args.token,
        sleep=countdown,
        on_wait=countdown.reason,
    )
    # Fixed before anything is sent: an interrupted command is resumed with it.
    request_id = request_id_for(args.action, args.request_id)
    try:
        if isinstance(data.get("source"), SpecFile):
            spec: SpecFile = data["source"]
            source = client.file_source(
                spec.content,
                spec.path.name,
                request_id=str(request_id),
                on_progress=ProgressBar(spec.path.name, sys.stderr),
            )
            data["source"] = {**source, **spec.options}
        event_size = len(json.dumps(data))
        if event_size > MAX_PAYLOAD_BYTES:
            print(
                f"registry: the request is {event_size} bytes, over Lambda's 6 MB payload",
                file=sys.stderr,
            )
            return 2
        answer = client.call(args.action, data, request_id=request_id)
    except RegistryError as exc:
        answer = exc.envelope
    except KeyboardInterrupt:
        _resume_hint("interrupted", request_id)
        return _INTERRUPTED
    except BotoCoreError as exc:
        # The function may have done the work: only the same request id is safe.
        _resume_hint(f"no answer from the function ({type(exc).__name__})", request_id)
        return 1
    _print(answer, args.output)
    return 0 if answer.get("ok") else 1


def _resume_hint(what: str, request_id: str | None) -> None:
    hint = f"; send the same command with --request-id {request_id}" if request_id else ""
    print(f"registry: {what}{hint}", file=sys.stderr)


class Countdown:
    """The client's wait before it sends the same request again: a line
    that counts down at a terminal, one line otherwise."""

    def __init__(self, stream: TextIO, sleep: Callable[[float], None] = time.sleep) -> None:
        self._stream = stream
        self._sleep = sleep
        self._why = "the registry asked to wait"

    def reason(self, _seconds: float, answer: dict[str, Any]) -> None:
        """The answer that asked for the wait (the client's on_wait)."""
        self._why = f"{answer.get('status')} {(answer.get('error') or {}).get('code')}"

    def __call__(self, seconds: float) -> None:
        message = f"registry: {self._why}: sending the same request again in"
        if not self._stream.isatty():
            print(f"{message} {seconds:.0f}s", file=self._stream)
            self._sleep(seconds)
            return
        left = seconds
        while left > 0:
            self._stream.write(f"\r{message} {left:.0f}s ")
            self._stream.flush()
            step = min(1.0, left)
            self._sleep(step)
            left -= step
        self._stream.write("\n")


class ProgressBar:
    """An upload's progress: a bar at a terminal, one line at the end otherwise."""

    def __init__(self, name: str, stream: TextIO) -> None:
        self._name = name
        self._stream = stream
        self._shown = -1

    def __call__(self, sent: int, total: int) -> None:
        percent = sent * 100 // total
        done = sent == total
        if self._stream.isatty() and percent != self._shown:
            filled = percent * 30 // 100
            self._stream.write(
                f"\rregistry: uploading {self._name} [{'#' * filled:<30}] {percent:3d}% "
                f"of {total / 1e6:.1f} MB"
            )
            self._stream.flush()
            if done:
                self._stream.write("\n")
        elif done:
            print(f"registry: uploaded {self._name} ({total / 1e6:.1f} MB)", file=self._stream)
        self._shown = percent


def _print(answer: dict[str, Any], output: str) -> None:
    if output == "json":
        print(json.dumps(answer, indent=2, default=str))
        return
    if not answer.get("ok"):
        error = answer.get("error") or {}
        details = "; ".join(_detail(d) for d in error.get("details") or [])
        print(
            f"error {error.get('code')} ({answer.get('status')}): {error.get('message')}"
            + (f" [{details}]" if details else "")
            + (f" (request {answer.get('request_id')})" if answer.get("request_id") else ""),
            file=sys.stderr,
        )
        return
    data = answer.get("data") or {}
    if "findings" in data:
        _report(data)
        return
    if "candidate" in data:
        _diff(data.get("diff"))
        return
    items = data.get("items") if isinstance(data, dict) else None
    if items is not None:
        _table(items)
        if data.get("next_token"):
            print(f"(more: next_token {data['next_token']})")
        return
    for key in _SHOWN:
        if key in data:
            print(f"{key}: {data[key]}")
    if data.get("diff"):
        # An update or rollback that changed the spec: what changed.
        print(f"diff: {_diff_line(data['diff'])}")


def _detail(detail: dict[str, Any]) -> str:
    where = str(detail.get("field") or detail.get("path") or "")
    if "diff" in detail:  # 409 BreakingChange: what would break
        return f"{where}: {_diff_line(detail['diff'])}"
    return f"{where}: {detail.get('message', '')}"


def _counts_line(diff: dict[str, Any]) -> str:
    counts = diff["counts"]
    return (
        f"{'breaking' if diff['breaking'] else 'not breaking'}: {counts['added']} added, "
        f"{counts['removed']} removed, {counts['changed']} changed"
    )


def _diff_line(diff: dict[str, Any]) -> str:
    line = _counts_line(diff)
    if diff.get("removed"):
        line += " (removed: " + ", ".join(diff["removed"]) + ")"
    return line


def _diff(diff: dict[str, Any] | None) -> None:
    """diff_tool's answer: the counts, then what was removed, added, changed."""
    if diff is None:
        print("the published spec is missing: nothing to compare")
        return
    print(_counts_line(diff))
    for name in diff["removed"]:
        print(f"- {name}")
    for name in diff["added"]:
        print(f"+ {name}")
    for change in diff["changed"]:
        for finding in change["findings"]:
            mark = "!" if finding["breaking"] else "~"
            print(f"{mark} {change['operation']} {finding['path']}: {finding['message']}")


def _report(report: dict[str, Any]) -> None:
    """reconcile's answer: its counts, then a line per finding."""
    counts = report.get("counts") or {}
    print(
        ("dry run: " if report.get("dry_run") else "")
        + ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
    )
    for finding in report["findings"]:
        done = "done" if finding.get("done") else "not done"
        print(
            f"{finding.get('finding')} {finding.get('kind')} {finding.get('id')}: "
            f"{finding.get('action')} ({done}) {finding.get('detail') or ''}".rstrip()
        )
    for gateway_id in report.get("gateway_ids") or []:  # scope plan
        print(gateway_id)
    passed = report.get("pass")  # resume
    if passed:
        print(
            f"pass started {passed.get('started_at')}, "
            + (
                f"completed {passed['completed_at']}"
                if passed.get("completed_at")
                else f"last completed {passed.get('last_completed_at') or 'never'}"
            )
        )
    if report.get("next_token"):
        print(f"(stopped before the end: --next-token {report['next_token']})")


def _table(items: list[dict[str, Any]]) -> None:
    # A tool's id names it; a gateway's id names a gateway; a spec version
    # (list_tool_versions) is its number.
    key = "tool_id" if any("tool_id" in item for item in items) else "gateway_id"
    columns = [key, "name", "status", "version"]
    if any("sha256" in item for item in items):
        columns = ["version", "action", "breaking", "by", "at"]
    rows = [[str(item.get(c, "")) for c in columns] for item in items]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    print("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
