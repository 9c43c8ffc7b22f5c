"""checkov over terraform/ passes, and every check it skips is skipped in the
.tf with a written reason.

The iac env installs checkov in a venv of its own (see tox.ini) and points
CHECKOV at it; elsewhere `checkov` on PATH is used, or the test is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from tests.iac.conftest import ROOT, unavailable
from tests.unit.test_terraform import TF_FILES

COMMAND = ("-d", "terraform", "--framework", "terraform", "--skip-download", "--compact", "--quiet")
SKIP_COMMENT = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?$")
SUMMARY = re.compile(r"Passed checks: (\d+), Failed checks: (\d+), Skipped checks: (\d+)")


def skip_comments() -> list[tuple[str, str, str]]:
    """(file, check id, reason) of every `#checkov:skip=` in terraform/."""
    found = []
    for path in TF_FILES:
        for line in path.read_text().splitlines():
            if match := SKIP_COMMENT.search(line.strip()):
                found.append((path.name, match.group(1), (match.group(2) or "").strip()))
    return found


def checkov() -> str:
    configured = os.environ.get("CHECKOV")
    found = configured if configured and os.access(configured, os.X_OK) else None
    found = found or shutil.which("checkov")
    if found is None:
        unavailable("checkov is not installed here (tox -e iac installs it)")
    return found


def test_every_skipped_check_has_a_written_reason() -> None:
    comments = skip_comments()

    assert comments, "no checkov skips found: has the comment syntax changed?"
    for name, check, reason in comments:
        assert re.fullmatch(r"CKV2?_AWS_\d+", check), (name, check)
        assert len(reason) >= 40, f"{name}: {check} is skipped without a real reason: {reason!r}"


def test_checkov_passes_with_only_the_written_skips() -> None:
    result = subprocess.run(
        [checkov(), *COMMAND],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr

    assert result.returncode == 0, output[-6000:]
    summaries = SUMMARY.findall(output)
    assert summaries, output[-2000:]
    passed, failed, skipped = (sum(int(s[i]) for s in summaries) for i in range(3))
    assert failed == 0
    assert passed > 0
    # Each comment skips one check on one resource: a comment that no longer
    # skips anything (its check or resource went away) shows up here.
    assert skipped == len(skip_comments()), output[-2000:]
