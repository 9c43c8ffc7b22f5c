"""`refresh_tool`: see docs/api.md, "Tool versions"."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import version_flow
from services.tools.models import RefreshToolData


@action("refresh_tool", model=RefreshToolData, mutating=True)
def refresh_tool(call: Call, data: RefreshToolData) -> Result:
    return version_flow.refresh_tool(call, data)
