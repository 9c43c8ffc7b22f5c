"""`delete_gateway` with `cascade: true`: an orchestration over both
aggregates. The gateway flow decides whether tools must go first (and
refuses otherwise); this module deletes them with the tool flow. It sits
above both flows, so neither imports the other.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from services.context import Call, request_hash
from services.errors import UpstreamUnavailableError
from services.gateway import gateway_flow
from services.gateway.models import DeleteGatewayData
from services.polling import poll
from services.records.lifecycle import Result
from services.records.types import GatewayRecord, gateway_agentcore_id


def delete_gateway(call: Call, data: DeleteGatewayData) -> Result:
    return gateway_flow.delete_gateway(call, data, delete_tools=delete_tools)


def delete_tools(call: Call, gateway: GatewayRecord) -> None:
    """Delete each tool (target, then its credential provider and spec) with
    the tool flow, then wait until AgentCore lists no target: AgentCore
    refuses to delete a gateway that still has targets.

    Each tool's delete runs as its own request, with an id derived from this
    one, so a retried cascade replays the tools already deleted and goes on.
    """
    # The tool flow and its models load only when there are tools to delete:
    # a plain delete_gateway stays off the tool code (tests/unit/test_cold_imports.py).
    from services.tools import tool_flow
    from services.tools.models import DeleteToolData

    for tool in call.runtime.records.live_tools(gateway["gateway_id"]):
        data = DeleteToolData(tool_id=tool["tool_id"], gateway_id=tool["gateway_id"])
        request_id = (
            "cascade-" + hashlib.sha256(f"{call.rid}:{tool['tool_id']}".encode()).hexdigest()[:40]
        )
        sub_call = replace(
            call,
            action="delete_tool",
            request_id=request_id,
            request_hash=request_hash("delete_tool", data, request_id, call.actor, call.identity),
        )
        tool_flow.delete_tool(sub_call, data)
    agentcore_id = gateway_agentcore_id(gateway)
    if agentcore_id:
        service = call.runtime.targets
        emptied = poll(
            not any(True for _ in service.list_gateway_targets(str(agentcore_id))),
            lambda: not any(True for _ in service.list_gateway_targets(str(agentcore_id))),
            bool,
            deadline=call.poll_deadline,
            clock=call.runtime.clock,
            sleep=call.runtime.sleep,
        )
        if not emptied:
            raise UpstreamUnavailableError(
                "AgentCore still lists targets of this gateway; send the same request again"
            )
