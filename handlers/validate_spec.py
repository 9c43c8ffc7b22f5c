"""`validate_spec`: what AgentCore Gateway can serve of a spec, changing nothing."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools import targets
from services.tools.models import ValidateSpecData


@action("validate_spec", model=ValidateSpecData, mutating=False)
def validate_spec(call: Call, data: ValidateSpecData) -> Result:
    kind = targets.for_source(data.source)
    return Result(200, kind.inspect(call, data.source, target_name=data.target_name))
