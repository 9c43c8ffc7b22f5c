"""`rollback_tool`: see docs/api.md, "Tool versions"."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import version_flow
from services.tools.models import RollbackToolData


@action("rollback_tool", model=RollbackToolData, mutating=True)
def rollback_tool(call: Call, data: RollbackToolData) -> Result:
    return version_flow.rollback_tool(call, data)
