"""`update_gateway`: see docs/api.md, "Gateway actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.gateway import gateway_flow
from services.gateway.models import UpdateGatewayData
from services.records.lifecycle import Result


@action("update_gateway", model=UpdateGatewayData, mutating=True)
def update_gateway(call: Call, data: UpdateGatewayData) -> Result:
    return gateway_flow.update_gateway(call, data)
