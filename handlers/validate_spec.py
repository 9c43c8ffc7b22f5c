"""`validate_spec`: what AgentCore Gateway can serve of a spec, changing nothing."""

from handlers.dispatcher import action
from services.context import Call
from services.records.lifecycle import Result
from services.tools.models import ValidateSpecData
from services.tools.spec_pipeline import inspect


@action("validate_spec", model=ValidateSpecData, mutating=False)
def validate_spec(call: Call, data: ValidateSpecData) -> Result:
    loaded, checked = inspect(call, data.source, target_name=data.target_name, existing_targets=0)
    return Result(
        200, {**checked.to_dict(), "source": loaded.description, "size_bytes": len(loaded.raw)}
    )
