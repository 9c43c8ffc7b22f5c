from __future__ import annotations

import pytest

from services.config import Settings
from tests.support import use_dummy_aws_env


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region: no test can reach a real account."""
    use_dummy_aws_env(monkeypatch)


def settings_for(env: dict[str, str]) -> Settings:
    return Settings.model_validate(env)


# The AWS operations the handler sends, recorded when REGISTRY_RECORD_AWS_OPERATIONS
# names a file (tox's py312 env); the iac env checks the IAM policy against it.
from tests.iac import recorder  # noqa: E402

recorder.install()
pytest_configure = recorder.pytest_configure
pytest_sessionfinish = recorder.pytest_sessionfinish
