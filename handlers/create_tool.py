"""`create_tool`: see docs/api.md, "Tool actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import tool_flow
from services.tools.models import CreateToolData


@action("create_tool", model=CreateToolData, mutating=True)
def create_tool(call: Call, data: CreateToolData) -> Result:
    return tool_flow.create_tool(call, data)
