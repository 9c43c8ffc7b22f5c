"""`sync_tool`: AgentCore lists an MCP server's tools again, on the safe flow.

An MCP server target in DEFAULT listing mode keeps the server's tools in
AgentCore's catalog, indexed when the target is created or updated and
again on SynchronizeGatewayTargets ("call it whenever the server's tool
definitions change": devguide gateway-target-MCPservers.html). A sync is
an update without a change of configuration, so it takes the record the
same way (check, lease with `pending: {"synchronize": <when>}`, ledger
entry for its request_id), sends SynchronizeGatewayTargets for the one
target, waits for SYNCHRONIZING to settle within the Lambda's time, and
records what AgentCore says (`agentcore.last_synchronized_at`, the
target's status). AgentCore answers the call at once and synchronizes in
the background, so an answer cut short by the deadline pauses the record:
the same request sent again waits for it instead of syncing twice.

Refused before any AWS call, with why: a tool of another kind, an MCP
server with a static tool list (AgentCore: "You cannot synchronize a target
that has a static tool schema"), or one listed DYNAMIC (nothing is cached
to refresh).
"""

from __future__ import annotations

from typing import Any

from services.context import Call
from services.errors import RegistryError, RequestValidationError, UpstreamError
from services.records import lifecycle
from services.records.kinds import TOOL
from services.records.lifecycle import Result, authorize, public_view
from services.records.types import ToolRecord, target_address
from services.tools import targets, tools_service
from services.tools.models import SyncToolData
from services.tools.targets.mcp_server import MCP_SERVER
from services.tools.tool_flow import load_tool, settle

PENDING = "synchronize"


def _refusal(record: ToolRecord) -> str | None:
    kind = targets.for_record(record)
    if kind is not MCP_SERVER:
        return f"only an MCP server tool synchronizes; this is a {kind.name} tool"
    described = MCP_SERVER.description(record) or {}
    if described.get("static_tools"):
        return (
            "this MCP server tool has a static tool list, which turns AgentCore's "
            "synchronization off; update it without `tools` to let AgentCore list the server"
        )
    if described.get("listing_mode") == "DYNAMIC":
        return "a DYNAMIC MCP server is asked for its tools on every listing: nothing to sync"
    return None


def sync_tool(call: Call, data: SyncToolData) -> Result:
    record = load_tool(call, data.tool_id, data.gateway_id)
    authorize(call, TOOL, record)
    why = _refusal(record)
    if why is not None:
        raise RequestValidationError(why, [{"field": "data.tool_id", "message": why}])
    started = lifecycle.begin_update(
        call,
        TOOL,
        record,
        expected_version=data.expected_version,
        pending=lambda: {PENDING: call.now_iso()},
        resume=resume,
    )
    if isinstance(started, Result):
        return started
    return _drive_sync(call, started, resumed=False)


def resume(call: Call, taken: ToolRecord) -> Result:
    """The same request again: finish its sync (the record holds all it needs)."""
    if PENDING in (taken.get("pending") or {}):
        return _drive_sync(call, taken, resumed=True)
    released = lifecycle.transition(
        call, TOOL, taken, outcome="resumed-nothing-to-do", remove=("lease",)
    )
    return Result(200, public_view(released))


def _drive_sync(call: Call, record: ToolRecord, *, resumed: bool) -> Result:
    gateway_ac, target_id = target_address(record)
    step = "SynchronizeGatewayTargets"
    sent = False
    try:
        answer: dict[str, Any] | None = None
        if resumed:
            # A sync this request started may still be running: wait for it
            # rather than ask AgentCore again while it is SYNCHRONIZING.
            answer = call.runtime.targets.get_gateway_target(gateway_ac, target_id)
            if answer is not None and answer.get("status") != "SYNCHRONIZING":
                answer = None
        if answer is None:
            answer = call.runtime.targets.synchronize_gateway_target(gateway_ac, target_id)
        sent = True
        step = "GetGatewayTarget"
        answer = settle(call, gateway_ac, target_id, answer)
        if answer.get("status") != "READY":
            sent = False  # settled: the sync is over, and it failed
            reasons = tools_service.not_ready_reason(answer)
            raise UpstreamError(
                f"AgentCore could not synchronize the target: {reasons}",
                [{"service": "AgentCore", "code": str(answer.get("status")), "message": reasons}],
            )
    except RegistryError as exc:
        if sent or getattr(exc, "maybe_applied", False):
            lifecycle.pause(call, TOOL, record, exc, step)
        else:
            lifecycle.fail_update(call, TOOL, record, exc, step)
        raise
    return lifecycle.finish(
        call,
        TOOL,
        record,
        outcome="sync-succeeded",
        status_code=200,
        set_={"agentcore": tools_service.summarize(answer, gateway_ac)},
        remove=("lease", "pending"),
    )
