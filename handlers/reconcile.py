"""`reconcile`: see services/reconcile.py and docs/api.md."""

from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from handlers.dispatcher import action
from services import reconcile as reconciler
from services.context import Call
from services.errors import ForbiddenError
from services.gateway.models import GatewayId
from services.models import StrictModel
from services.records.lifecycle import Result


class ReconcileData(StrictModel):
    dry_run: bool = True
    older_than_seconds: Annotated[int, Field(ge=0, le=30 * 86400)] = 900
    delete_orphans: bool = False
    next_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)] | None = None
    # Issue 16: the units a fan-out engine runs (docs/api.md, docs/deploy.md).
    scope: Literal["all", "plan", "gateway", "account"] = "all"
    gateway_id: GatewayId | None = None
    resume: bool = False

    @model_validator(mode="after")
    def _scoped(self) -> Self:
        if (self.scope == "gateway") != (self.gateway_id is not None):
            raise ValueError('gateway_id is required with scope "gateway", and only with it')
        if self.scope != "all" and (self.resume or self.next_token):
            raise ValueError('resume and next_token belong to scope "all"')
        return self


# Not a ledgered mutation: the schedule sends the same request id every hour,
# and each run must look again. Every repair is a conditional, leased write.
@action("reconcile", model=ReconcileData, mutating=False)
def reconcile(call: Call, data: ReconcileData) -> Result:
    # A run that may change anything (finish or fail records, delete what the
    # registry did not make, move the resume cursor) is an admin's; a dry
    # run is anyone's look.
    writes = not data.dry_run or data.delete_orphans or data.resume
    if writes and not (call.actor and call.actor.is_admin):
        raise ForbiddenError(
            "only an admin may run reconcile with dry_run false, delete_orphans or resume",
            [{"field": "actor", "message": "an admin is required"}],
        )
    report = reconciler.reconcile(
        call,
        dry_run=data.dry_run,
        older_than_seconds=data.older_than_seconds,
        delete_orphans=data.delete_orphans,
        next_token=data.next_token,
        scope=data.scope,
        gateway_id=data.gateway_id,
        resume=data.resume,
    )
    return Result(200, report)
