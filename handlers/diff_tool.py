"""`diff_tool`: see docs/api.md, "Tool versions"."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import version_flow
from services.tools.models import DiffToolData


@action("diff_tool", model=DiffToolData, mutating=False)
def diff_tool(call: Call, data: DiffToolData) -> Result:
    return version_flow.diff_tool(call, data)
