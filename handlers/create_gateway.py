"""`create_gateway`: see docs/api.md, "Gateway actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.gateway import gateway_flow
from services.gateway.models import CreateGatewayData
from services.records.lifecycle import Result


@action("create_gateway", model=CreateGatewayData, mutating=True)
def create_gateway(call: Call, data: CreateGatewayData) -> Result:
    return gateway_flow.create_gateway(call, data)
