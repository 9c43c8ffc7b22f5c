"""`list_tool_versions`: see docs/api.md, "Tool versions"."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import version_flow
from services.tools.models import ListToolVersionsData


@action("list_tool_versions", model=ListToolVersionsData, mutating=False)
def list_tool_versions(call: Call, data: ListToolVersionsData) -> Result:
    return version_flow.list_tool_versions(call, data)
