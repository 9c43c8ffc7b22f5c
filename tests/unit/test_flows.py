"""The flows of the fault and crash matrices (tests/flows.py) cover every
mutating action the dispatcher registers, or name why one is left out."""

from __future__ import annotations

from handlers.dispatcher import registered_actions
from tests.flows import FAULT_FLOWS, FLOWS, NOT_IN_THE_MATRICES


def mutating_actions() -> set[str]:
    return {name for name, spec in registered_actions().items() if spec.mutating}


def test_every_mutating_action_is_in_both_matrices_or_excluded_with_a_reason() -> None:
    mutating = mutating_actions()
    crashed = {flow.action for flow in FLOWS.values()}
    faulted = {flow.action for flow in FAULT_FLOWS.values()}

    assert mutating - set(NOT_IN_THE_MATRICES) - crashed == set(), (
        "a mutating action without crash-matrix flows: add it to tests/flows.py's FLOWS, "
        "or to NOT_IN_THE_MATRICES with the reason"
    )
    assert mutating - set(NOT_IN_THE_MATRICES) - faulted == set(), (
        "a mutating action without fault-matrix flows: add it to tests/flows.py's FLOWS, "
        "or to NOT_IN_THE_MATRICES with the reason"
    )


def test_the_exclusions_are_mutating_actions_left_out_with_a_reason() -> None:
    mutating = mutating_actions()
    in_a_matrix = {flow.action for flow in FLOWS.values()}

    for action, reason in NOT_IN_THE_MATRICES.items():
        assert action in mutating, f"{action} is not a mutating action"
        assert action not in in_a_matrix, f"{action} is excluded but has flows"
        assert reason.strip(), f"{action} is excluded without a reason"


def test_every_flow_is_a_mutating_action() -> None:
    mutating = mutating_actions()

    for name, flow in FLOWS.items():
        assert flow.action in mutating, name
        assert name.startswith(flow.action), name
        assert (flow.kind, flow.subject) in {
            (kind, subject)
            for kind in ("create", "update", "delete")
            for subject in ("gateway", "tool")
        }, name
