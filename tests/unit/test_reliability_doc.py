"""docs/reliability.md's matrices and counts are the suite's own
(tests/reliability_doc.py renders them from the tests' tables)."""

from __future__ import annotations

import pytest

from tests.iac.recorder import narrowed
from tests.reliability_doc import DOC, count_by_file, current_block, render


def test_docs_reliability_is_what_the_tests_run(request: pytest.FixtureRequest) -> None:
    if reasons := narrowed(request.config):
        pytest.skip(f"a narrowed run ({'; '.join(reasons)}) does not collect every test")
    counts = count_by_file(item.nodeid for item in request.session.items)

    assert current_block(DOC.read_text()) == render(counts), (
        "docs/reliability.md is stale: run `python -m tests.reliability_doc --write`"
    )
