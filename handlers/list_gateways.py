"""`list_gateways`: see docs/api.md, "Gateway actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.gateway import gateway_flow
from services.gateway.models import ListGatewaysData
from services.records.lifecycle import Result


@action("list_gateways", model=ListGatewaysData, mutating=False)
def list_gateways(call: Call, data: ListGatewaysData) -> Result:
    return gateway_flow.list_gateways(call, data)
