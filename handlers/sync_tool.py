"""`sync_tool`: see docs/api.md, "Tool actions"."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import sync_flow
from services.tools.models import SyncToolData


@action("sync_tool", model=SyncToolData, mutating=True)
def sync_tool(call: Call, data: SyncToolData) -> Result:
    return sync_flow.sync_tool(call, data)
