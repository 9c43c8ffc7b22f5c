"""`get_tool`: see docs/api.md, "Tool actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import tool_flow
from services.tools.models import GetToolData


@action("get_tool", model=GetToolData, mutating=False)
def get_tool(call: Call, data: GetToolData) -> Result:
    return tool_flow.get_tool(call, data)
