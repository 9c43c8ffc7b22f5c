"""`get_gateway`: see docs/api.md, "Gateway actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.gateway import gateway_flow
from services.gateway.models import GetGatewayData
from services.records.lifecycle import Result


@action("get_gateway", model=GetGatewayData, mutating=False)
def get_gateway(call: Call, data: GetGatewayData) -> Result:
    return gateway_flow.get_gateway(call, data)
