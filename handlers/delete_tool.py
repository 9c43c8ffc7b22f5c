"""`delete_tool`: see docs/api.md, "Tool actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import tool_flow
from services.tools.models import DeleteToolData


@action("delete_tool", model=DeleteToolData, mutating=True)
def delete_tool(call: Call, data: DeleteToolData) -> Result:
    return tool_flow.delete_tool(call, data)
