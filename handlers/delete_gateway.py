"""`delete_gateway`: see docs/api.md, "Gateway actions"."""

from handlers.dispatcher import action
from services import cascade
from services.context import Call
from services.gateway.models import DeleteGatewayData
from services.records.lifecycle import Result


@action("delete_gateway", model=DeleteGatewayData, mutating=True)
def delete_gateway(call: Call, data: DeleteGatewayData) -> Result:
    return cascade.delete_gateway(call, data)
