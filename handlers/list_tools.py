"""`list_tools`: see docs/api.md, "Tool actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import tool_flow
from services.tools.models import ListToolsData


@action("list_tools", model=ListToolsData, mutating=False)
def list_tools(call: Call, data: ListToolsData) -> Result:
    return tool_flow.list_tools(call, data)
