"""The crash matrix's parts (tests/integration/test_crash_matrix.py): the
zygote that runs a request in a process that dies at one of the AWS calls
of a flow (the flows and their calls are tests/flows.py's table), and a view
of the whole world (DynamoDB, AgentCore, AgentCore Identity, S3) read
through the real APIs of the moto_server, with the promises it must keep
once the crash is repaired.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.records import dynamo
from services.tools.tool_flow import tool_id_for
from tests import fake_web
from tests.flows import Flow, Point
from tests.support import Registry, described, served_uri, serves_record

ROOT = Path(__file__).resolve().parents[2]

MOMENTS = ("before-call", "after-call")


# --- the zygote ----------------------------------------------------------------


@dataclass
class ChildOutcome:
    exit_code: int
    response: dict[str, Any] | None
    calls: list[str]
    seconds: float
    log: str


class Zygote:
    """One pre-warmed `crash_invoke --zygote` process: each run forks a child
    that builds a fresh runtime and runs one request, dying at `point`."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._runs = 0
        env = {**os.environ, "PYTHONPATH": f"{ROOT / 'lambda'}{os.pathsep}{ROOT}"}
        self._stderr = (workdir / "zygote.err").open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.crash_invoke", "--zygote"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        ready = self._read(120.0)
        assert "ready" in ready, ready

    def _read(self, timeout: float) -> dict[str, Any]:
        stdout = self._process.stdout
        assert stdout is not None
        readable, _, _ = select.select([stdout], [], [], timeout)
        if not readable:
            raise TimeoutError(f"the zygote did not answer in {timeout}s")
        line = stdout.readline()
        if not line:
            raise RuntimeError(
                f"the zygote died: {(self._workdir / 'zygote.err').read_text()[-2000:]}"
            )
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, evt: dict[str, Any], point: tuple[str, Point] | None = None) -> ChildOutcome:
        """Run `evt` in a fresh child, with the environment of this moment
        (the test's tables, bucket and endpoint); die at `point` (a moment
        and a Point) if given."""
        self._runs += 1
        log = self._workdir / "child.log"
        request = {
            "event": evt,
            "env": dict(os.environ),
            "point": [point[0], point[1].operation, point[1].occurrence] if point else None,
            "log": str(log),
            # The spec URLs a flow serves from memory (tests/fake_web.py).
            "pages": fake_web.encoded(),
        }
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(json.dumps(request) + "\n")
        stdin.flush()
        answer = self._read(180.0)
        child = answer.get("answer") or {}
        return ChildOutcome(
            exit_code=int(answer["exit"]),
            response=child.get("response"),
            calls=list(child.get("calls") or []),
            seconds=float(answer["seconds"]),
            log=log.read_text() if log.exists() else "",
        )

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._stderr.close()


# --- the world -------------------------------------------------------------------


@dataclass
class World:
    gateways: dict[str, dict[str, Any]]  # record id -> record
    gateway_claims: dict[str, str]  # name -> claimed_by
    ledger: dict[str, dict[str, Any]]  # request id -> ledger entry
    tools: dict[str, dict[str, Any]]  # tool id -> record
    tool_claims: dict[tuple[str, str], str]  # (gateway id, name) -> claimed_by
    agentcore: dict[str, dict[str, Any]]  # AgentCore gateway id -> GetGateway + tags
    targets: dict[tuple[str, str], dict[str, Any]]  # (AgentCore gateway, target) -> target
    providers: dict[str, str]  # provider name -> "api_key" / "oauth2"
    objects: set[str]  # spec bucket keys
    # (tool id, number) -> spec version item (services/tools/spec_versions.py)
    versions: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return [*self.gateways.values(), *self.tools.values()]


def scan(registry: Registry, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = registry.runtime.dynamodb.scan(**request)
        items.extend(dynamo.deserialize(i) for i in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def providers(registry: Registry) -> dict[str, str]:
    """Every credential provider: name -> "api_key" / "oauth2"."""
    control = registry.runtime.agentcore
    found = {}
    for kind, operation in (
        ("api_key", "list_api_key_credential_providers"),
        ("oauth2", "list_oauth2_credential_providers"),
    ):
        for page in control.get_paginator(operation).paginate():
            for provider in page.get("credentialProviders", []):
                found[str(provider["name"])] = kind
    return found


def world(registry: Registry) -> World:
    """Everything, through the moto_server's APIs."""
    settings = registry.settings
    gateways, gateway_claims, ledger = {}, {}, {}
    for item in scan(registry, settings.gateways_table_name):
        key = str(item["gateway_id"])
        if item.get("record_type") == "gateway":
            gateways[key] = item
        elif key.startswith("name#"):
            gateway_claims[key.removeprefix("name#")] = str(item["claimed_by"])
        elif key.startswith("request#"):
            ledger[key.removeprefix("request#")] = item
    tools, tool_claims = {}, {}
    versions: dict[tuple[str, int], dict[str, Any]] = {}
    for item in scan(registry, settings.tools_table_name):
        key = str(item["tool_id"])
        if item.get("record_type") == "tool":
            tools[key] = item
        elif key.startswith("name#"):
            _, gateway_id, name = key.split("#", 2)
            tool_claims[(gateway_id, name)] = str(item["claimed_by"])
        elif key.startswith("version#"):
            versions[(str(item["tool"]), int(item["version"]))] = item
    control = registry.runtime.agentcore
    agentcore, targets = {}, {}
    for summary in control.list_gateways().get("items", []):
        gid = str(summary["gatewayId"])
        remote = dict(control.get_gateway(gatewayIdentifier=gid))
        remote["tags"] = control.list_tags_for_resource(resourceArn=remote["gatewayArn"]).get(
            "tags", {}
        )
        agentcore[gid] = remote
        for target in control.list_gateway_targets(gatewayIdentifier=gid).get("items", []):
            tid = str(target["targetId"])
            targets[(gid, tid)] = dict(
                control.get_gateway_target(gatewayIdentifier=gid, targetId=tid)
            )
    listed = registry.runtime.s3.list_objects_v2(Bucket=settings.spec_bucket_name)
    objects = {str(o["Key"]) for o in listed.get("Contents", [])}
    return World(
        gateways,
        gateway_claims,
        ledger,
        tools,
        tool_claims,
        agentcore,
        targets,
        providers(registry),
        objects,
        versions,
    )


def wipe(registry: Registry) -> None:
    """Forget every item, spec object, gateway, target and provider (the
    tables, bucket and role stay: making them costs more than a case)."""
    settings = registry.settings
    dynamodb = registry.runtime.dynamodb
    for table, keys in (
        (settings.gateways_table_name, ("gateway_id",)),
        (settings.tools_table_name, ("tool_id", "gateway_id")),
    ):
        items = dynamodb.scan(TableName=table, ProjectionExpression=", ".join(keys)).get(
            "Items", []
        )
        for start in range(0, len(items), 25):
            dynamodb.batch_write_item(
                RequestItems={
                    table: [{"DeleteRequest": {"Key": i}} for i in items[start : start + 25]]
                }
            )
    s3 = registry.runtime.s3
    listed = s3.list_objects_v2(Bucket=settings.spec_bucket_name).get("Contents", [])
    if listed:
        s3.delete_objects(
            Bucket=settings.spec_bucket_name,
            Delete={"Objects": [{"Key": o["Key"]} for o in listed]},
        )
    control = registry.runtime.agentcore
    for summary in control.list_gateways().get("items", []):
        gid = summary["gatewayId"]
        for target in control.list_gateway_targets(gatewayIdentifier=gid).get("items", []):
            control.delete_gateway_target(gatewayIdentifier=gid, targetId=target["targetId"])
        control.delete_gateway(gatewayIdentifier=gid)
    for name, kind in providers(registry).items():
        if kind == "api_key":
            control.delete_api_key_credential_provider(name=name)
        else:
            control.delete_oauth2_credential_provider(name=name)


FINAL = ("ACTIVE", "DELETED", "FAILED")
LIVE = ("PENDING", "ACTIVE", "DELETING")


def _served_uri(target: dict[str, Any]) -> str | None:
    return served_uri(target)


def settled_problems(w: World) -> list[str]:  # noqa: PLR0912 - one check per promise
    """Every way the world is not settled and consistent once a crash was
    repaired: records in a final state, one AgentCore resource per live
    record and none for the others, no credential provider or spec object
    that no live record uses, claims and ledger in step."""
    problems: list[str] = []
    for record in w.records():
        ident = record.get("tool_id") or record["gateway_id"]
        if record["status"] not in FINAL:
            problems.append(f"{ident} is {record['status']}, not settled")
        if record.get("lease"):
            problems.append(f"{ident} keeps a lease")
        if record.get("pending") is not None:
            problems.append(f"{ident} keeps a pending change")
        if record["status"] == "FAILED":
            error = record.get("last_error") or {}
            if not (error.get("code") and error.get("message") and error.get("step")):
                problems.append(f"{ident} is FAILED without its reason: {error}")
    for request_id, entry in w.ledger.items():
        if entry.get("state") != "COMPLETED":
            problems.append(f"request {request_id} is {entry.get('state')} in the ledger")

    # Gateways against AgentCore.
    owner_of: dict[str, str] = {}
    for gid, record in w.gateways.items():
        ac_id = (record.get("agentcore") or {}).get("gateway_id")
        remote = w.agentcore.get(str(ac_id)) if ac_id else None
        if record["status"] == "ACTIVE":
            if remote is None:
                problems.append(f"gateway {gid} is ACTIVE but AgentCore has no gateway {ac_id}")
                continue
            owner_of[str(ac_id)] = gid
            if remote.get("status") != "READY":
                problems.append(f"gateway {gid}: AgentCore says {remote.get('status')}")
            if (remote.get("description") or None) != (record.get("description") or None):
                problems.append(
                    f"gateway {gid} says description {record.get('description')!r}, "
                    f"AgentCore serves {remote.get('description')!r}"
                )
            if dict(remote.get("tags") or {}) != dict(record.get("tags") or {}):
                problems.append(
                    f"gateway {gid} says tags {record.get('tags')}, AgentCore has {remote['tags']}"
                )
        claimed = w.gateway_claims.get(str(record["name"])) == gid
        if record["status"] == "ACTIVE" and not claimed:
            problems.append(f"gateway {gid} is ACTIVE without its name claim")
        if record["status"] != "ACTIVE" and claimed:
            problems.append(f"gateway {gid} is {record['status']} but claims its name")
    for name, owner in w.gateway_claims.items():
        if (w.gateways.get(owner) or {}).get("status") not in LIVE:
            problems.append(f"gateway name {name!r} is claimed by {owner}, which is not live")
    names = Counter(str(remote.get("name")) for remote in w.agentcore.values())
    problems += [f"AgentCore has {n} gateways named {name}" for name, n in names.items() if n > 1]
    for ac_id, remote in w.agentcore.items():
        if ac_id not in owner_of:
            problems.append(
                f"AgentCore gateway {ac_id} ({remote.get('name')}) has no ACTIVE record: orphan"
            )

    # Tools against targets, providers and spec objects.
    target_owner: dict[tuple[str, str], str] = {}
    provider_owner: dict[str, str] = {}
    object_owner: dict[str, str] = {}
    for tid, record in w.tools.items():
        ac = record.get("agentcore") or {}
        key = (str(ac.get("gateway_id")), str(ac.get("target_id")))
        creds = record.get("credentials") or {}
        spec_key = described(record).get("s3_key")
        claimed = w.tool_claims.get((record["gateway_id"], record["name"])) == tid
        if record["status"] == "ACTIVE" and not claimed:
            problems.append(f"tool {tid} is ACTIVE without its name claim")
        if record["status"] != "ACTIVE":
            if claimed:
                problems.append(f"tool {tid} is {record['status']} but claims its name")
            continue
        target = w.targets.get(key)
        if target is None:
            problems.append(f"tool {tid} is ACTIVE but AgentCore has no target {key}")
        else:
            target_owner[key] = tid
            if target.get("status") != "READY":
                problems.append(f"tool {tid}: its target is {target.get('status')}")
            if _served_uri(target) is None:  # a kind that stores nothing
                if not serves_record(target, record):
                    problems.append(f"tool {tid}: the target serves another configuration")
            elif _served_uri(target) != described(record).get("s3_uri"):
                problems.append(
                    f"tool {tid} says spec {described(record).get('s3_uri')}, "
                    f"the target reads {_served_uri(target)}"
                )
            if (target.get("description") or None) != (record.get("description") or None):
                problems.append(
                    f"tool {tid} says description {record.get('description')!r}, "
                    f"the target has {target.get('description')!r}"
                )
            arns = [
                arn
                for c in target.get("credentialProviderConfigurations", [])
                if "credentialProvider" in c
                # An IAM signing block has no ARN.
                if (arn := next(iter(c["credentialProvider"].values())).get("providerArn"))
            ]
            if arns != ([creds["provider_arn"]] if creds.get("provider_arn") else []):
                problems.append(f"tool {tid}: the target uses providers {arns}, not the record's")
        if creds.get("type") in ("api_key", "oauth2"):
            name = str(creds.get("provider_name"))
            if w.providers.get(name) != creds["type"]:
                problems.append(f"tool {tid} is ACTIVE but its {creds['type']} provider is gone")
            provider_owner[name] = tid
        if spec_key is None:  # a kind that stores nothing (an MCP server without a list)
            continue
        if spec_key not in w.objects:
            problems.append(f"tool {tid} is ACTIVE but its spec object {spec_key} is gone")
        object_owner[str(spec_key)] = tid
        problems += _version_problems(w, tid, record)
        for kept in record.get("spec_versions") or []:
            object_owner[str(kept["s3_key"])] = tid
    for (gateway_id, name), owner in w.tool_claims.items():
        if (w.tools.get(owner) or {}).get("status") not in LIVE:
            problems.append(f"tool name {gateway_id}/{name} is claimed by {owner}, not live")
    target_names = Counter((gid, str(t.get("name"))) for (gid, _), t in w.targets.items())
    problems += [
        f"AgentCore gateway {gid} has {n} targets named {name}"
        for (gid, name), n in target_names.items()
        if n > 1
    ]
    for key, target in w.targets.items():
        if key not in target_owner:
            problems.append(f"target {key} ({target.get('name')}) has no ACTIVE tool: orphan")
        uri = _served_uri(target)
        if uri is not None and uri.split("/", 3)[3] not in w.objects:
            problems.append(f"target {key} reads {uri}, which is not in the bucket")
    for name, kind in w.providers.items():
        if name not in provider_owner:
            tool = w.tools.get(name.removeprefix("registry-")) or {}
            problems.append(
                f"{kind} credential provider {name} has no ACTIVE tool "
                f"(its tool is {tool.get('status', 'missing')}): orphan"
            )
    for obj in sorted(w.objects):
        if obj.startswith("specs/") and obj not in object_owner:
            tool = w.tools.get(obj.split("/")[2]) or {}
            problems.append(
                f"spec object {obj} is no ACTIVE tool's spec "
                f"(its tool is {tool.get('status', 'missing')}): orphan"
            )
    return problems


def _version_problems(w: World, tid: str, record: dict[str, Any]) -> list[str]:
    """An ACTIVE tool's current spec version exists and is its spec (both
    are written in one transaction), and every kept version's object is in
    the bucket."""
    number = record.get("spec_version")
    if number is None:
        return []
    current = w.versions.get((tid, int(number)))
    problems = []
    if current is None or current["sha256"] != described(record).get("sha256"):
        problems.append(f"tool {tid} is at spec version {number}, which is not its spec")
    problems += [
        f"tool {tid} keeps version {kept['number']}, whose object is gone"
        for kept in record.get("spec_versions") or []
        if kept["s3_key"] not in w.objects
    ]
    return problems


def create_subject_id(flow: Flow, evt: dict[str, Any]) -> str | None:
    """The record a create under test makes (its id derives from the request)."""
    if flow.kind != "create":
        return None
    if flow.subject == "tool":
        return tool_id_for(str(evt["request_id"]))
    from services.gateway.gateway_flow import gateway_id_for

    return gateway_id_for(str(evt["request_id"]))
