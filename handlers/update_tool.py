"""`update_tool`: see docs/api.md, "Tool actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import tool_flow
from services.tools.models import UpdateToolData


@action("update_tool", model=UpdateToolData, mutating=True)
def update_tool(call: Call, data: UpdateToolData) -> Result:
    return tool_flow.update_tool(call, data)
