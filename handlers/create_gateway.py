"""`create_gateway`: see CONTRACT.md, "Actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.gateway import gateway_flow
from services.gateway.gateway_flow import Result
from services.gateway.models import CreateGatewayData


@action("create_gateway", model=CreateGatewayData, mutating=True)
def create_gateway(call: Call, data: CreateGatewayData) -> Result:
    return gateway_flow.create_gateway(call, data)
